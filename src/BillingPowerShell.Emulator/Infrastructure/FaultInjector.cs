using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using BillingPowerShell.Emulator.Data;
using Microsoft.AspNetCore.Http;

namespace BillingPowerShell.Emulator.Infrastructure;

/// <summary>
/// Latency, injected faults and the Cost-Management-like quota. Decisions are a pure function of
/// (seed, fault kind, request sequence number), so a sequential test run sees the same faults every time.
/// Settings are swapped atomically (one immutable reference), so no lock is taken on the request path;
/// only the quota windows (CostManagement/Consumption paths) take a small per-window lock.
/// </summary>
internal sealed class FaultInjector
{
    private readonly EmulatorOptions _options;
    private State _state;
    private long _sequence;
    private long _authorisedCalls;
    private long _expiredLinksIssued;

    private sealed class State
    {
        public required FaultSettings Settings { get; init; }
        public required QuotaCounter[] Quota { get; init; }
    }

    internal sealed class QuotaCounter
    {
        public required QuotaWindow Window { get; init; }
        public required TimeSpan Scaled { get; init; }
        public long WindowIndex;
        public int Count;
        public readonly object Gate = new();
    }

    public FaultInjector(EmulatorOptions options)
    {
        _options = options;
        _state = Build(options.Faults);
    }

    public FaultSettings Settings => Volatile.Read(ref _state).Settings;

    private State Build(FaultSettings s) => new()
    {
        Settings = s,
        Quota = s.Quota == null ? Array.Empty<QuotaCounter>()
            : QuotaWindow.ParseList(s.Quota).Select(w => new QuotaCounter { Window = w, Scaled = _options.Scale(w.Window) }).ToArray(),
    };

    public void Replace(FaultSettings s)
    {
        s.Validate();
        Volatile.Write(ref _state, Build(s));
        Interlocked.Exchange(ref _authorisedCalls, 0);
        Interlocked.Exchange(ref _expiredLinksIssued, 0);
    }

    /// <summary>Restarts the request numbering, so the same request sequence sees the same faults again.</summary>
    public void ResetSequence() => Interlocked.Exchange(ref _sequence, 0);

    public long NextSequence() => Interlocked.Increment(ref _sequence);

    public bool Decide(string kind, double rate, long sequence)
    {
        if (rate <= 0) return false;
        if (rate >= 1) return true;
        return Det.Unit(Det.Hash(_options.Seed, kind, sequence)) < rate;
    }

    public bool AppliesTo(string path)
    {
        var p = Settings.PathContains;
        return string.IsNullOrEmpty(p) || path.Contains(p, StringComparison.OrdinalIgnoreCase);
    }

    public async Task DelayAsync(long sequence, CancellationToken ct)
    {
        var s = Settings;
        int ms = s.LatencyMs;
        if (s.LatencyJitterMs > 0) ms += Det.Int(Det.Hash(_options.Seed, "jitter", sequence), s.LatencyJitterMs + 1);
        if (ms > 0) await Task.Delay(ms, ct);
    }

    /// <summary>
    /// Drops the connection after the part of a body already flushed. The pause lets the client read that part first:
    /// a reset that arrives before it is read makes the client's TCP stack discard it, and every cut would then land
    /// at byte 0, so a client's resume from the byte reached would never be exercised.
    /// </summary>
    public static async Task CutConnectionAsync(HttpContext ctx)
    {
        await Task.Delay(CutPause);
        ctx.Abort();
    }

    private static readonly TimeSpan CutPause = TimeSpan.FromMilliseconds(50);

    /// <summary>The SAS mode for the next link issued: "expired" turns "normal" once sasExpiredLinks links have expired.</summary>
    public string NextSasMode()
    {
        var s = Settings;
        if (s.SasMode != "expired" || s.SasExpiredLinks <= 0) return s.SasMode;
        return Interlocked.Increment(ref _expiredLinksIssued) <= s.SasExpiredLinks ? "expired" : "normal";
    }

    /// <summary>True when the "token revoked half-way" mode says this authorised call must now fail.</summary>
    public bool TokenRevoked()
    {
        int after = Settings.RevokeTokenAfter;
        if (after <= 0) return false;
        return Interlocked.Increment(ref _authorisedCalls) > after;
    }

    /// <summary>Consumes one request from every quota window; returns the time until the exhausted window resets.</summary>
    public bool TryConsumeQuota(out TimeSpan retryAfter, out string remaining)
    {
        retryAfter = TimeSpan.Zero;
        var counters = Volatile.Read(ref _state).Quota;
        if (counters.Length == 0) { remaining = ""; return true; }
        long now = DateTime.UtcNow.Ticks;
        bool ok = true;
        var parts = new List<string>(counters.Length);
        foreach (var c in counters)
        {
            long ticks = Math.Max(1, c.Scaled.Ticks);
            long idx = now / ticks;
            int left;
            lock (c.Gate)
            {
                if (c.WindowIndex != idx) { c.WindowIndex = idx; c.Count = 0; }
                if (c.Count < c.Window.Limit) { c.Count++; }
                else
                {
                    ok = false;
                    var wait = TimeSpan.FromTicks((idx + 1) * ticks - now);
                    if (wait > retryAfter) retryAfter = wait;
                }
                left = c.Window.Limit - c.Count;
            }
            parts.Add($"QueryQpuPerTenant{Label(c.Window.Window)}:{left}");
        }
        remaining = string.Join(",", parts);
        return ok;
    }

    private static string Label(TimeSpan w) => w.TotalSeconds < 60 ? $"{w.TotalSeconds:0}s" : w.TotalMinutes < 60 ? $"{w.TotalMinutes:0}m" : $"{w.TotalHours:0}h";

    /// <summary>Seconds for a header typed as whole seconds: ceiling, but "0" when the scaled delay is below one second
    /// (a client honouring "1" would make every test at time-scale 0.01 slow). The exact value goes in retry-after-ms.</summary>
    public static string Seconds(TimeSpan t) => t.TotalMilliseconds < 1000 ? "0" : Math.Ceiling(t.TotalSeconds).ToString(CultureInfo.InvariantCulture);
    public static string Millis(TimeSpan t) => Math.Ceiling(t.TotalMilliseconds).ToString(CultureInfo.InvariantCulture);

    /// <summary>Writes the Retry-After of a long-running operation (or 503): contract seconds × time scale.</summary>
    /// <param name="atLeastOne">Older api-versions (2020-05-01, 2022-10-01): a scaled value under one second is sent
    /// as "1", since those SDKs' pollers treat "0" as absent and fall back to 2 s (docs/contracts/EMULATOR_GAPS.md,
    /// "Retry-After under `--time-scale`: the SDKs poll every 2 s (distorts the peer benchmark)").</param>
    public void WriteRetryAfter(HttpResponse r, TimeSpan scaled, bool atLeastOne = false)
    {
        r.Headers["Retry-After"] = atLeastOne && scaled > TimeSpan.Zero && scaled.TotalMilliseconds < 1000 ? "1" : Seconds(scaled);
        if (_options.TimeScale != 1.0) r.Headers["retry-after-ms"] = Millis(scaled);
    }

    /// <summary>Writes exactly one retry-after header of the chosen kind (for injected 429s).</summary>
    public string Write429Header(HttpResponse r, TimeSpan scaled, long sequence)
    {
        string kind = Settings.Fault429Header;
        if (kind == "rotate") kind = FaultSettings.RetryHeaderKinds[(int)(sequence % FaultSettings.RetryHeaderKinds.Length)];
        kind = FaultSettings.RetryHeaderKinds.First(k => k.Equals(kind, StringComparison.OrdinalIgnoreCase));
        switch (kind)
        {
            case "Retry-After": r.Headers["Retry-After"] = Seconds(scaled); break;
            case "Retry-After-Date": r.Headers["Retry-After"] = DateTime.UtcNow.Add(scaled).ToString("R", CultureInfo.InvariantCulture); break;
            case "retry-after-ms":
            case "x-ms-retry-after-ms": r.Headers[kind] = Millis(scaled); break;
            default: r.Headers[kind] = Seconds(scaled); break;
        }
        return kind;
    }
}
