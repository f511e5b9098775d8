using System;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Net.Http;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Threading;

namespace BillingPowerShell.Emulator.Tests;

/// <summary>
/// The requests of the official Export* examples (docs/contracts/azure-api/EXPORTS.md, "Example files") for
/// ConformanceTests, with the world's scopes and storage account in place of the examples' ids, and what each needs
/// beforehand: the export an update, Get, Delete or Execute names (made from the example's own body), the exports a
/// List shows, and a completed run for runHistory.
/// </summary>
internal sealed class ExportExamples
{
    private readonly EmulatorFixture _f;
    public ExportExamples(EmulatorFixture f) => _f = f;

    private string Id(string prop) => _f.World.GetProperty(prop)[0].GetProperty("id").GetString()!.TrimStart('/');
    private string StorageId => _f.World.GetProperty("storageAccount").GetProperty("id").GetString()!;

    /// <summary>The world's scope of the example's kind, keeping its leading-slash style ("`{scope}` values").</summary>
    private string Scope(string example)
    {
        string s = example.TrimStart('/');
        string eaSub = _f.Sub("EnterpriseAgreement");
        string mapped = s.Contains("/resourceGroups/", StringComparison.OrdinalIgnoreCase) ? $"subscriptions/{eaSub}/resourceGroups/rg-web"
            : s.StartsWith("subscriptions/", StringComparison.OrdinalIgnoreCase) ? "subscriptions/" + eaSub
            : s.Contains("/departments/", StringComparison.OrdinalIgnoreCase) ? Id("departments")
            : s.Contains("/enrollmentAccounts/", StringComparison.OrdinalIgnoreCase) ? Id("enrollmentAccounts")
            : s.Contains("managementGroups", StringComparison.OrdinalIgnoreCase) ? Id("managementGroups")
            : "providers/Microsoft.Billing/billingAccounts/" + _f.Ea;
        return (example.StartsWith('/') ? "/" : "") + mapped;
    }

    private static string ExportsPath(string scope, string? name = null, string suffix = "") =>
        "/" + scope + "/providers/Microsoft.CostManagement/exports" + (name == null ? "" : "/" + name) + suffix;

    public ConformanceTests.Built Build(string file, JsonElement example)
    {
        var p = example.GetProperty("parameters");
        var responses = example.GetProperty("responses");
        string scope = Scope(p.GetProperty("scope").GetString()!);
        string? name = p.TryGetProperty("exportName", out var n) ? n.GetString() : null;
        if (file.StartsWith("ExportCreateOrUpdate", StringComparison.Ordinal))
        {
            var body = MapStorage(JsonNode.Parse(p.GetProperty("parameters").GetRawText())!.AsObject());
            bool update = responses.EnumerateObject().First().Name == "200";
            Send(HttpMethod.Delete, ExportsPath(scope, name));
            if (update)
            {
                Put(scope, name!, body);
                body["eTag"] = Send(HttpMethod.Get, ExportsPath(scope, name)).GetProperty("eTag").GetString();
            }
            return new("PUT", ExportsPath(scope, name), body.ToJsonString(), update ? "PUT {scope}/.../exports/{name} (update, with eTag)" : "PUT {scope}/.../exports/{name} (create)");
        }
        if (file.StartsWith("ExportsGet", StringComparison.Ordinal))
        {
            foreach (var x in Send(HttpMethod.Get, ExportsPath(scope)).GetProperty("value").EnumerateArray())
                Send(HttpMethod.Delete, ExportsPath(scope, x.GetProperty("name").GetString()));
            foreach (var x in responses.GetProperty("200").GetProperty("body").GetProperty("value").EnumerateArray())
                Put(scope, x.GetProperty("name").GetString()!, FromResource(x));
            return new("GET", ExportsPath(scope), null, "GET {scope}/.../exports (Exports_List)");
        }
        if (file.StartsWith("ExportGet", StringComparison.Ordinal))
        {
            Recreate(scope, name!, FromResource(responses.GetProperty("200").GetProperty("body")));
            return new("GET", ExportsPath(scope, name), null, "GET {scope}/.../exports/{name}");
        }
        if (file.StartsWith("ExportDelete", StringComparison.Ordinal))
        {
            Recreate(scope, name!, Minimal());
            return new("DELETE", ExportsPath(scope, name), null, "DELETE {scope}/.../exports/{name}");
        }
        if (file.StartsWith("ExportRunHistory", StringComparison.Ordinal))
        {
            var settings = JsonNode.Parse(responses.GetProperty("200").GetProperty("body").GetProperty("value")[0].GetProperty("properties").GetProperty("runSettings").GetRawText())!;
            OneMonth(settings);
            Recreate(scope, name!, MapStorage(new JsonObject { ["properties"] = settings }));
            RunToEnd(scope, name!);
            return new("GET", ExportsPath(scope, name, "/runHistory"), null, "GET {scope}/.../exports/{name}/runHistory");
        }
        if (file.StartsWith("ExportRun", StringComparison.Ordinal))
        {
            Recreate(scope, name!, Minimal());
            string? runBody = p.TryGetProperty("exportRunRequest", out var rr) ? rr.GetRawText() : null;
            return new("POST", ExportsPath(scope, name, "/run"), runBody, "POST {scope}/.../exports/{name}/run");
        }
        throw new InvalidOperationException("no request mapping for example " + file);
    }

    /// <summary>A PUT body from an export as a response shows it: identity type, location, writable properties.</summary>
    private JsonObject FromResource(JsonElement x)
    {
        var props = JsonNode.Parse(x.GetProperty("properties").GetRawText())!.AsObject();
        props.Remove("nextRunTimeEstimate");
        props.Remove("runHistory");
        OneMonth(props);
        var body = new JsonObject { ["properties"] = props };
        if (x.TryGetProperty("identity", out var id)) body["identity"] = new JsonObject { ["type"] = id.GetProperty("type").GetString() };
        if (x.TryGetProperty("location", out var loc)) body["location"] = loc.GetString();
        return MapStorage(body);
    }

    /// <summary>Some examples show exports and past runs whose Custom period spans months (ExportGetByManagementGroup: a
    /// year); a PUT takes at most one calendar month (EXPORTS.md, "`definition` (`ExportDefinition`)": "The maximum
    /// date range is 1 calendar month"), so the export is made with the first month of that period. Same shape.</summary>
    private static void OneMonth(JsonNode properties)
    {
        if (properties["definition"]?["timePeriod"] is not JsonObject tp
            || !DateTime.TryParse((string?)tp["from"], CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out var from))
            return;
        var end = new DateTime(from.Year, from.Month, 1, 0, 0, 0, DateTimeKind.Utc).AddMonths(1).AddDays(-1);
        if (DateTime.TryParse((string?)tp["to"], CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out var to) && to <= end) return;
        tp["to"] = end.ToString("yyyy-MM-dd'T'00:00:00'Z'", CultureInfo.InvariantCulture);
    }

    private JsonObject Minimal() => MapStorage(JsonNode.Parse("""
        {"properties":{"format":"Csv","deliveryInfo":{"destination":{"resourceId":"x/providers/Microsoft.Storage/storageAccounts/x","container":"exports","rootFolderPath":"conformance"}},
         "definition":{"type":"ActualCost","timeframe":"MonthToDate","dataSet":{"granularity":"Daily"}}}}
        """)!.AsObject());

    /// <summary>Every storage account id of the example becomes the world's.</summary>
    private JsonObject MapStorage(JsonObject body)
    {
        void Walk(JsonNode? node)
        {
            if (node is not JsonObject o) return;
            foreach (var key in o.Select(kv => kv.Key).ToList())
            {
                if (o[key] is JsonValue v && v.TryGetValue<string>(out var s) && s.Contains("/providers/Microsoft.Storage/storageAccounts/", StringComparison.OrdinalIgnoreCase))
                    o[key] = StorageId;
                else Walk(o[key]);
            }
        }
        Walk(body);
        return body;
    }

    private void Recreate(string scope, string name, JsonObject body)
    {
        Send(HttpMethod.Delete, ExportsPath(scope, name));
        Put(scope, name, body);
    }

    private void Put(string scope, string name, JsonObject body)
    {
        var (status, text) = SendRaw(HttpMethod.Put, ExportsPath(scope, name), body.ToJsonString());
        if (status != 201) throw new InvalidOperationException($"preparing {name} at {scope}: PUT answered {status} {text}");
    }

    /// <summary>Runs the export and waits until its run is no longer Queued or InProgress (0.15 s at time scale 0.01).</summary>
    private void RunToEnd(string scope, string name)
    {
        var (status, text) = SendRaw(HttpMethod.Post, ExportsPath(scope, name, "/run"), null);
        if (status != 200) throw new InvalidOperationException($"running {name}: {status} {text}");
        for (int i = 0; i < 600; i++)
        {
            var runs = Send(HttpMethod.Get, ExportsPath(scope, name, "/runHistory")).GetProperty("value");
            if (runs.GetArrayLength() > 0 && runs[0].GetProperty("properties").GetProperty("status").GetString() is not ("Queued" or "InProgress")) return;
            Thread.Sleep(50);
        }
        throw new InvalidOperationException($"the run of {name} did not finish");
    }

    private JsonElement Send(HttpMethod method, string path)
    {
        var (_, text) = SendRaw(method, path, null);
        return text.TrimStart().StartsWith('{') ? JsonDocument.Parse(text).RootElement.Clone() : default;
    }

    private (int, string) SendRaw(HttpMethod method, string path, string? body)
    {
        using var req = _f.Request(method, path + "?api-version=2025-03-01", body: body);
        using var res = _f.Client.Send(req);
        using var reader = new StreamReader(res.Content.ReadAsStream());
        return ((int)res.StatusCode, reader.ReadToEnd());
    }
}
