using System;

namespace BillingPowerShell.Engine.Http
{
    /// <summary>
    /// The module's one wall clock for calendar decisions. A command reads it once (BillingCmdlet.Now) and passes the
    /// instant down in its CallContext, so "today" cannot change between two checks of one command, and the rules in
    /// about_BillingPowerShell ("Time") are testable under faketime and any TZ: days are UTC calendar days, never the
    /// machine's local date.
    /// </summary>
    public static class BillingClock
    {
        public static DateTimeOffset Now() => DateTimeOffset.UtcNow;

        /// <summary>The first day of the month of <paramref name="day"/>, as a UTC date.</summary>
        public static DateTime MonthStart(DateTime day) => new DateTime(day.Year, day.Month, 1, 0, 0, 0, DateTimeKind.Utc);

        /// <summary>
        /// A date the user typed (or passed from Get-Date), read as the calendar date it shows: 2026-11-01 is
        /// 1 November in UTC whatever the machine's time zone, and never shifted by a UTC conversion.
        /// </summary>
        public static DateTime AsUtcDate(DateTime typed) => DateTime.SpecifyKind(typed.Date, DateTimeKind.Utc);
    }
}
