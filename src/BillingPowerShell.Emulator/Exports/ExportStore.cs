using System;
using System.Collections.Generic;
using System.Linq;
using System.Text.Json.Nodes;

namespace BillingPowerShell.Emulator.Exports;

/// <summary>One export as created by PUT (docs/contracts/azure-api/EXPORTS.md, "The `Export` resource (request and
/// response body)"), with its runs. Mutable state: read and written under the store's lock.</summary>
internal sealed class ExportRecord
{
    public required string ScopeId { get; init; }        // canonical scope, leading '/'
    public required string Name { get; init; }
    public required string ETag { get; set; }            // GUID, unquoted
    public required JsonObject Properties { get; set; }  // the writable properties as sent (output-only ones removed)
    public required ExportSettings Settings { get; set; }
    public JsonObject? Identity { get; set; }
    public string? Location { get; set; }
    public long Created { get; init; }                   // creation order, for listing
    public required string ApiVersion { get; init; }     // the api-version it was created with (manifest exportConfig)
    public List<ExportRun> Runs { get; } = new();
    /// <summary>Schedule occurrences before this instant are not run (set by every PUT, then moved past each run).</summary>
    public DateTime ScheduleCursor { get; set; }
    public string Id => ScopeId + "/providers/Microsoft.CostManagement/exports/" + Name;
}

/// <summary>One run (docs/contracts/azure-api/EXPORTS.md, "`GET …/runHistory` → `ExportExecutionListResult`").</summary>
internal sealed class ExportRun
{
    public required string RunId { get; init; }
    public required string ExecutionType { get; init; }  // OnDemand | Scheduled
    public required string SubmittedBy { get; init; }
    public required DateTime SubmittedTime { get; init; }
    public required DateOnly StartDate { get; init; }
    public required DateOnly EndDate { get; init; }
    /// <summary>The run request carried its own timePeriod (an "Export selected dates" run).</summary>
    public bool CustomPeriod { get; init; }
    public required JsonObject RunSettings { get; init; } // the export's properties when the run was submitted
    public required ExportSettings Settings { get; init; }
    public string Status { get; set; } = "Queued";
    public DateTime? ProcessingStartTime { get; set; }
    public DateTime? ProcessingEndTime { get; set; }
    public string? FileName { get; set; }
    public string? ManifestFile { get; set; }
    public (string Code, string Message)? Error { get; set; }
}

/// <summary>The exports of every scope, in memory (like the emulator's other mutable state). Thread-safe: one lock,
/// held only while records are read or changed, never across I/O.</summary>
internal sealed class ExportStore
{
    private readonly Dictionary<string, ExportRecord> _exports = new(StringComparer.OrdinalIgnoreCase);
    private long _created;
    private long _submissions;
    public object Gate { get; } = new();

    private static string Key(string scopeId, string name) => scopeId + "|" + name;

    public ExportRecord? Get(string scopeId, string name)
    {
        lock (Gate) return _exports.GetValueOrDefault(Key(scopeId, name));
    }

    /// <summary>The exports of exactly this scope (not of scopes below it), in creation order.</summary>
    public List<ExportRecord> List(string scopeId)
    {
        lock (Gate) return _exports.Values.Where(x => x.ScopeId.Equals(scopeId, StringComparison.OrdinalIgnoreCase)).OrderBy(x => x.Created).ToList();
    }

    public ExportRecord Add(string scopeId, string name, Func<long, ExportRecord> make)
    {
        lock (Gate)
        {
            var r = make(++_created);
            _exports[Key(scopeId, name)] = r;
            return r;
        }
    }

    /// <summary>Every export (the scheduler).</summary>
    public List<ExportRecord> All()
    {
        lock (Gate) return _exports.Values.ToList();
    }

    public bool Remove(string scopeId, string name)
    {
        lock (Gate) return _exports.Remove(Key(scopeId, name));
    }

    /// <summary>Numbers run submissions (the exportRun429Rate fault decides per submission).</summary>
    public long NextSubmission() => System.Threading.Interlocked.Increment(ref _submissions);

    /// <summary>Every run of every export (the admin view and the fault tests).</summary>
    public int RunCount()
    {
        lock (Gate) return _exports.Values.Sum(x => x.Runs.Count);
    }
}
