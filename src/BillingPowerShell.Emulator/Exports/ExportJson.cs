using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text.Json;
using System.Text.Json.Nodes;
using BillingPowerShell.Emulator.Data;

namespace BillingPowerShell.Emulator.Exports;

/// <summary>
/// The JSON of exports and runs: docs/contracts/azure-api/EXPORTS.md, "The `Export` resource (request and response
/// body)", "List and Get responses" and "`GET …/runHistory` → `ExportExecutionListResult`".
/// </summary>
internal static class ExportJson
{
    public const string Type = "Microsoft.CostManagement/exports";

    /// <summary>Date-times as the examples write them (UTC, `Z`).</summary>
    public static string Time(DateTime t) => t.ToString("yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'", CultureInfo.InvariantCulture);
    public static string Day(DateOnly d) => d.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture) + "T00:00:00Z";

    /// <summary>One export; <paramref name="runs"/> (null = not expanded) goes into properties.runHistory.</summary>
    public static void WriteExport(Utf8JsonWriter w, ExportRecord x, IReadOnlyList<ExportRun>? runs, DateTime now, double timeScale)
    {
        w.WriteStartObject();
        w.WriteString("id", x.Id);
        w.WriteString("name", x.Name);
        w.WriteString("type", Type);
        w.WriteString("eTag", Quoted(x.ETag));
        if (x.Identity != null) { w.WritePropertyName("identity"); x.Identity.WriteTo(w); }
        if (x.Location != null) w.WriteString("location", x.Location);
        w.WritePropertyName("properties");
        var props = Obfuscated(x.Properties);
        if (NextRunEstimate(x, now, timeScale) is DateTime next)
            props["nextRunTimeEstimate"] = Time(next);
        if (runs != null)
        {
            var list = new JsonArray();
            foreach (var run in runs) list.Add(RunNode(x, run));
            props["runHistory"] = new JsonObject { ["value"] = list };
        }
        props.WriteTo(w);
        w.WriteEndObject();
    }

    /// <summary>`"\"guid\""`: the eTag carries its quotes inside the JSON string (the examples).</summary>
    public static string Quoted(string etag) => "\"" + etag + "\"";

    /// <summary>A run as runHistory lists it; properties it does not have yet (e.g. processingEndTime while it runs) are left out.</summary>
    public static JsonObject RunNode(ExportRecord x, ExportRun run)
    {
        var p = new JsonObject
        {
            ["executionType"] = run.ExecutionType,
            ["status"] = run.Status,
            ["submittedBy"] = run.SubmittedBy,
            ["submittedTime"] = Time(run.SubmittedTime),
        };
        if (run.ProcessingStartTime is DateTime ps) p["processingStartTime"] = Time(ps);
        if (run.ProcessingEndTime is DateTime pe) p["processingEndTime"] = Time(pe);
        p["startDate"] = Day(run.StartDate);
        p["endDate"] = Day(run.EndDate);
        if (run.ManifestFile != null) p["manifestFile"] = run.ManifestFile;
        if (run.FileName != null) p["fileName"] = run.FileName;
        p["runSettings"] = Obfuscated(run.RunSettings);
        if (run.Error is { } err) p["error"] = new JsonObject { ["code"] = err.Code, ["message"] = err.Message };
        return new JsonObject { ["id"] = x.Id + "/Run/" + run.RunId, ["name"] = run.RunId, ["properties"] = p };
    }

    /// <summary>A copy of the properties with a destination sasToken hidden ("Always returned obfuscated").</summary>
    private static JsonObject Obfuscated(JsonObject properties)
    {
        var copy = (JsonObject)properties.DeepClone();
        if ((copy["deliveryInfo"] as JsonObject)?["destination"] is JsonObject d && d.ContainsKey("sasToken"))
            d["sasToken"] = "**********";
        return copy;
    }

    /// <summary>nextRunTimeEstimate of an active schedule: its next occurrence (ExportSchedule), the end of the
    /// recurrence period not applied (the examples show an estimate for a schedule whose period has ended).</summary>
    private static DateTime? NextRunEstimate(ExportRecord x, DateTime now, double timeScale)
    {
        var s = x.Settings;
        if (!s.ScheduleActive || s.RecurrenceFrom is not DateTime from) return null;
        return ExportSchedule.NextAtOrAfter(from, null, ExportSchedule.Interval(s.Recurrence, timeScale), now);
    }

    /// <summary>An identity as the service returns it: the requested type, plus principalId and tenantId for SystemAssigned.</summary>
    public static JsonObject? Identity(JsonNode? requested, World world, string exportId)
    {
        if (requested is not JsonObject o || ExportSettings.Str(o["type"]) is not string type) return null;
        if (!type.Equals("SystemAssigned", StringComparison.OrdinalIgnoreCase)) return new JsonObject { ["type"] = type };
        return new JsonObject
        {
            ["type"] = "SystemAssigned",
            ["principalId"] = Det.Guid(world.Seed, "export-identity/" + exportId.ToLowerInvariant()).ToString(),
            ["tenantId"] = world.Accounts[0].TenantId,
        };
    }
}
