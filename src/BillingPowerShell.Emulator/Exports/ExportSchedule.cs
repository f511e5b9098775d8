using System;

namespace BillingPowerShell.Emulator.Exports;

/// <summary>
/// When an Active schedule runs (docs/contracts/azure-api/EXPORTS.md, "`schedule` (`ExportSchedule`)"): first at
/// `recurrencePeriod.from`, then every recurrence — a day, 7 days, 30 days or 365 days, × --time-scale — while not
/// past `recurrencePeriod.to`. Occurrences before the export was created or last updated are not caught up.
/// </summary>
internal static class ExportSchedule
{
    public static TimeSpan Interval(string? recurrence, double timeScale)
    {
        double days = recurrence switch { "Weekly" => 7, "Monthly" => 30, "Annually" => 365, _ => 1 };
        return TimeSpan.FromTicks(Math.Max(TimeSpan.TicksPerMillisecond, (long)(days * TimeSpan.TicksPerDay * timeScale)));
    }

    /// <summary>The first occurrence at or after <paramref name="after"/>; null when it is past <paramref name="to"/>.</summary>
    public static DateTime? NextAtOrAfter(DateTime from, DateTime? to, TimeSpan interval, DateTime after)
    {
        var t = from;
        if (after > from)
        {
            long k = (after - from).Ticks / interval.Ticks;
            t = from + TimeSpan.FromTicks(interval.Ticks * k);
            if (t < after) t += interval;
        }
        return to is DateTime end && t > end ? null : t;
    }
}
