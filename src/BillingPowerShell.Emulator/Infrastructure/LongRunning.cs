using System;
using System.Threading.Tasks;

namespace BillingPowerShell.Emulator.Infrastructure;

/// <summary>The start and poll answers every long-running operation shares (invoice downloads, cost details reports).</summary>
internal static class LongRunning
{
    /// <summary>Registers an operation that is ready after contractDuration × time scale, and answers its start: 202 with
    /// Location (locationPath on this host, at the request's api-version) and that duration as Retry-After.</summary>
    /// <param name="mode">The operation's lroMode (normal | fail | never) as the caller applies the fault setting.</param>
    /// <param name="scope">Who may poll the operation (compared by the poll route).</param>
    /// <param name="work">Background preparation the operation also waits for, if any.</param>
    public static void Start(ArmRequest r, string id, string kind, string mode, TimeSpan contractDuration, string scope,
        string locationPath, object payload, Task? work = null)
    {
        var e = r.E;
        if (mode != "normal") e.Stats.Fault("lro-" + mode);
        var duration = e.Options.Scale(contractDuration);
        e.Operations.Add(new Operation
        {
            Id = id, Kind = kind, ReadyAt = DateTime.UtcNow + duration, PollInterval = duration, Mode = mode,
            Scope = scope, Payload = payload, Work = work,
        });
        var req = r.Http.Request;
        r.Response.Headers.Location = $"{req.Scheme}://{req.Host}{locationPath}?api-version={r.ApiVersion}";
        e.Faults.WriteRetryAfter(r.Response, duration, r.OldSdkVersion);
        r.Response.StatusCode = 202;
        r.Response.ContentLength = 0;
    }

    /// <summary>Answers the poll of an operation that is not ready yet: 202, Location = this poll's own URL, Retry-After =
    /// the time left (for a "never" operation, its poll interval). Returns false, having written nothing, when it is ready.</summary>
    /// <param name="overdue">The Retry-After once the ready time has passed but the operation is still not ready (its
    /// background work is still running).</param>
    public static bool AnswerIfRunning(ArmRequest r, Operation op, TimeSpan overdue)
    {
        if (op.IsReady) return false;
        var req = r.Http.Request;
        r.Response.Headers.Location = $"{req.Scheme}://{req.Host}{req.Path}{req.QueryString}";
        var left = op.Mode == "never" ? op.PollInterval : op.ReadyAt - DateTime.UtcNow;
        if (left < TimeSpan.FromMilliseconds(1)) left = overdue;
        r.E.Faults.WriteRetryAfter(r.Response, left, r.OldSdkVersion);
        r.Response.StatusCode = 202;
        r.Response.ContentLength = 0;
        return true;
    }
}
