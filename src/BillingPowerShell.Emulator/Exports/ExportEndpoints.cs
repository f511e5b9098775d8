using System;
using System.Collections.Generic;
using System.Linq;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Threading.Tasks;
using BillingPowerShell.Emulator.Infrastructure;

namespace BillingPowerShell.Emulator.Exports;

/// <summary>
/// Cost Management exports: docs/contracts/azure-api/EXPORTS.md, "Operations" — Exports_List, Exports_Get,
/// Exports_CreateOrUpdate, Exports_Delete, Exports_Execute, Exports_GetExecutionHistory under
/// `{scope}/providers/Microsoft.CostManagement/exports` for every scope kind of ExportScope.
/// </summary>
internal static class ExportEndpoints
{
    private const string Prefix = "{*scope}/providers/Microsoft.CostManagement/exports";

    public static IEnumerable<Route> Routes() => new[]
    {
        R("GET", "Exports_List", Prefix, List),
        R("GET", "Exports_Get", Prefix + "/{export}", Get),
        R("PUT", "Exports_CreateOrUpdate", Prefix + "/{export}", ExportPut.Handle),
        R("DELETE", "Exports_Delete", Prefix + "/{export}", Delete),
        R("POST", "Exports_Execute", Prefix + "/{export}/run", Run),
        R("GET", "Exports_GetExecutionHistory", Prefix + "/{export}/runHistory", RunHistory),
    };

    private static Route R(string method, string name, string pattern, Func<ArmRequest, Task> h) =>
        Billing.AccountEndpoints.R(method, name, pattern, h, ApiFamily.CostManagementExports);

    /// <summary>The request's scope, or null after writing the error.</summary>
    internal static async Task<ExportScope?> ScopeOf(ArmRequest r)
    {
        var scope = ExportScope.Parse(r.E.World, r.Scope, out var err);
        if (scope == null) await ArmErrors.Write(r.Http, err.Status, err.Code, err.Message);
        return scope;
    }

    /// <summary>The named export of the request's scope, or null after writing 404 ("List and Get responses": ARM's
    /// convention for a missing resource).</summary>
    private static async Task<(ExportScope?, ExportRecord?)> Find(ArmRequest r)
    {
        var scope = await ScopeOf(r);
        if (scope == null) return (null, null);
        var x = r.E.Exports.Get(scope.Id, r["export"]);
        if (x == null) await ArmErrors.Write(r.Http, 404, "NotFound", $"The export '{r["export"]}' was not found at scope '{scope.Id}'.");
        return (scope, x);
    }

    private static bool ExpandRuns(ArmRequest r) =>
        (r.Q("$expand") ?? r.Q("expand"))?.Split(',').Any(s => s.Trim().Equals("runHistory", StringComparison.OrdinalIgnoreCase)) == true;

    /// <summary>"`$expand`": List gives the last run of each export, Get the last 10 runs.</summary>
    private static async Task List(ArmRequest r)
    {
        var scope = await ScopeOf(r);
        if (scope == null) return;
        bool expand = ExpandRuns(r);
        var w = JsonOut.Start(r.Http);
        w.WriteStartObject();
        w.WriteStartArray("value");
        lock (r.E.Exports.Gate)
            foreach (var x in r.E.Exports.List(scope.Id))
                ExportJson.WriteExport(w, x, expand ? x.Runs.TakeLast(1).ToList() : null, DateTime.UtcNow, r.E.Options.TimeScale);
        w.WriteEndArray();
        w.WriteEndObject();
        await JsonOut.Finish(w);
    }

    private static async Task Get(ArmRequest r)
    {
        var (_, x) = await Find(r);
        if (x == null) return;
        var w = JsonOut.Start(r.Http);
        lock (r.E.Exports.Gate) ExportJson.WriteExport(w, x, ExpandRuns(r) ? x.Runs.TakeLast(10).ToList() : null, DateTime.UtcNow, r.E.Options.TimeScale);
        await JsonOut.Finish(w);
    }

    /// <summary>Exports_Delete: 200 without a body (the runs' files stay in storage, as the service leaves them).</summary>
    private static async Task Delete(ArmRequest r)
    {
        var (scope, x) = await Find(r);
        if (x == null) return;
        r.E.Exports.Remove(scope!.Id, x.Name);
        r.Response.StatusCode = 200;
        r.Response.ContentLength = 0;
    }

    /// <summary>Exports_Execute: 200 without a body; the run is queued ("Run (Execute) and run history"). The optional
    /// body `{"timePeriod":{"from","to"}}` runs those dates instead of the export's timeframe.</summary>
    private static async Task Run(ArmRequest r)
    {
        var e = r.E;
        long submission = e.Exports.NextSubmission();
        if (e.Faults.Decide("export-run-429", e.Faults.Settings.ExportRun429Rate, submission))
        {
            string kind = e.Faults.Write429Header(r.Response, e.Options.Scale(TimeSpan.FromSeconds(e.Faults.Settings.RetryAfterSeconds)), submission);
            e.Stats.Fault("export-run-429:" + kind);
            await ArmErrors.Write(r.Http, 429, "429", "Too many requests. Please retry.");
            return;
        }
        var (scope, x) = await Find(r);
        if (x == null) return;
        var (period, error) = await ReadRunRequest(r);
        if (error != null) { await ArmErrors.Write(r.Http, 400, "BadRequest", error); return; }
        e.ExportRunner.Submit(x, scope!, period);
        r.Response.StatusCode = 200;
        r.Response.ContentLength = 0;
    }

    /// <summary>`ExportRunRequest` (optional): no body, `{}`, or a timePeriod with from and to.</summary>
    private static async Task<((DateOnly, DateOnly)?, string?)> ReadRunRequest(ArmRequest r)
    {
        JsonNode? body;
        try { body = await JsonBody(r); }
        catch (JsonException) { return (null, "Invalid request payload. Request payload provided is not in a json format."); }
        if (body == null) return (null, null);
        if (body is not JsonObject o) return (null, "Invalid request payload. Request payload must be a JSON object.");
        if (o["timePeriod"] is not JsonNode tp) return (null, null);
        var (from, to, error) = ExportSettings.ReadPeriod(tp);
        if (error != null) return (null, error);
        return ((from!.Value, to!.Value), null);
    }

    /// <summary>The request body as JSON; null when there is none.</summary>
    internal static async Task<JsonNode?> JsonBody(ArmRequest r)
    {
        using var reader = new System.IO.StreamReader(r.Http.Request.Body);
        string text = await reader.ReadToEndAsync();
        return string.IsNullOrWhiteSpace(text) ? null : JsonNode.Parse(text);
    }

    /// <summary>Exports_GetExecutionHistory: every run of the export, oldest first (as the examples list them).</summary>
    private static async Task RunHistory(ArmRequest r)
    {
        var (_, x) = await Find(r);
        if (x == null) return;
        var list = new JsonArray();
        lock (r.E.Exports.Gate)
            foreach (var run in x.Runs) list.Add(ExportJson.RunNode(x, run));
        var w = JsonOut.Start(r.Http);
        new JsonObject { ["value"] = list }.WriteTo(w);
        await JsonOut.Finish(w);
    }
}
