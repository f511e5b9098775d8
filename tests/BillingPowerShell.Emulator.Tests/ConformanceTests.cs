using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Net.Http;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Threading;
using System.Threading.Tasks;
using Xunit.Abstractions;

namespace BillingPowerShell.Emulator.Tests;

/// <summary>
/// For every official example in docs/contracts/azure-api/examples/ of an operation the emulator serves: send the same
/// request (ids, dates and filter values replaced by ones that exist in the generated world), and check the status
/// and, recursively, the property names and JSON types against the example. Writes out/conformance.md.
/// </summary>
[Collection("emulator")]
public sealed class ConformanceTests
{
    private readonly EmulatorFixture _f;
    private readonly ITestOutputHelper _out;
    private readonly ExportExamples _exports;
    public ConformanceTests(EmulatorFixture f, ITestOutputHelper output) { _f = f; _out = output; _exports = new ExportExamples(f); }

    /// <summary>Examples whose shape is known to differ, with the reason (OPERATIONS.md caveats).</summary>
    private static readonly Dictionary<string, (string[] Paths, string Reason)> Known = new()
    {
        ["billingSubscriptionsListByBillingProfile.json"] = (new[] { "subscriptionBillingStatus", "lastMonthCharges", "monthToDateCharges", "costCenter" },
            "early-revision example with 2020-05-01 properties (OPERATIONS.md note); the current MCA shape is checked by ...MCA.json"),
        ["Microsoft.Billing/2020-05-01/BillingAccountInvoicesList.json"] = (new[] { "payments" }, "the generated world models no payments"),
    };

    // Example values that must be mapped to values existing in the emulator's world.
    private static readonly Dictionary<string, string> ValueMap = new()
    {
        ["API"] = "rg-web", ["East US"] = "eastus", ["West Europe"] = "westeurope", ["Environment"] = "env", ["UAT"] = "test", ["Prod"] = "prod",
        ["tags eq 'dev:tools'"] = "tags eq 'team:web'",
    };

    internal sealed record Built(string Method, string Path, string? Body, string Endpoint);

    /// <summary>Examples that cannot be checked on this machine, each with the reason: run history needs a completed run,
    /// which needs the storage account (Azurite, started by the fixture where node is on PATH). Every operation the
    /// contract carries examples of is served.</summary>
    private string? NotServedYet(string exampleFile) =>
        exampleFile.StartsWith("ExportRunHistory", StringComparison.Ordinal) && _f.AzuriteError is string why
            ? "run history needs a completed run, which needs Azurite: " + why
            : null;

    [Fact]
    public async Task Every_official_example_matches_status_and_shape()
    {
        string dir = Path.Combine(EmulatorFixture.ContractDir(), "examples");
        Assert.True(Directory.Exists(dir), "contract examples not found at " + dir);
        var files = Directory.GetFiles(dir, "*.json", SearchOption.AllDirectories).OrderBy(x => x, StringComparer.Ordinal).ToList();
        Assert.True(files.Count >= 30, "expected the 34 official examples, found " + files.Count);
        // The older api-versions the official JS SDKs call (docs/contracts/examples/<provider>/<version>/, served side by side).
        string oldDir = Path.Combine(EmulatorFixture.RepoRoot(), "docs", "contracts", "examples");
        var oldFiles = Directory.Exists(oldDir) ? Directory.GetFiles(oldDir, "*.json", SearchOption.AllDirectories).OrderBy(x => x, StringComparer.Ordinal).ToList() : new List<string>();
        Assert.True(oldFiles.Count >= 10, "expected the 10 official examples of the older versions under docs/contracts/examples, found " + oldFiles.Count);
        files.AddRange(oldFiles);

        var table = new List<string[]>();
        int failures = 0;
        foreach (var file in files)
        {
            bool old = file.StartsWith(oldDir, StringComparison.Ordinal);
            string name = old ? Path.GetRelativePath(oldDir, file).Replace('\\', '/') : Path.GetFileName(file);
            var ex = JsonDocument.Parse(File.ReadAllText(file)).RootElement;
            string apiVersion = ex.GetProperty("parameters").GetProperty("api-version").GetString()!;
            string result;
            string endpoint = "?";
            string extraNote = "";
            if (!old && NotServedYet(name) is string why)
            {
                table.Add(new[] { "-", apiVersion, Path.GetRelativePath(dir, file), "NOT SERVED: " + why, "" });
                continue;
            }
            try
            {
                var b = old ? BuildOld(name, ex.GetProperty("parameters"))
                    : name.StartsWith("Export", StringComparison.Ordinal) ? _exports.Build(name, ex)
                    : Build(name, ex.GetProperty("parameters"));
                endpoint = b.Endpoint;
                var extras = new List<string>();
                var diffs = await Check(b, ex.GetProperty("responses"), apiVersion, extras);
                extraNote = extras.Count == 0 ? "" : $"{extras.Count}: " + string.Join(", ", extras.Distinct().Take(8)) + (extras.Distinct().Count() > 8 ? ", …" : "");
                if (Known.TryGetValue(name, out var known))
                {
                    // A known gap excuses a property difference, never a wrong status (whose message quotes the body).
                    var unexpected = diffs.Where(d => d.StartsWith("status ", StringComparison.Ordinal) || !known.Paths.Any(p => d.Contains(p, StringComparison.Ordinal))).ToList();
                    result = unexpected.Count == 0 ? $"PASS* ({known.Reason}; not emitted: {string.Join(", ", known.Paths)})" : "FAIL: " + string.Join("; ", unexpected.Take(5));
                    if (unexpected.Count > 0) failures++;
                }
                else if (diffs.Count == 0) result = "PASS";
                else { result = "FAIL: " + string.Join("; ", diffs.Take(5)); failures++; }
            }
            catch (Exception e)
            {
                result = "FAIL: " + e.GetType().Name + ": " + e.Message;
                failures++;
            }
            table.Add(new[] { endpoint, apiVersion, old ? "docs/contracts/examples/" + name : Path.GetRelativePath(dir, file), result, extraNote });
        }

        var md = new StringBuilder();
        md.AppendLine("# Emulator conformance against the official examples");
        md.AppendLine();
        int notServed = table.Count(r => r[3].StartsWith("NOT SERVED", StringComparison.Ordinal));
        Assert.True(table.Count - notServed >= 44, $"only {table.Count - notServed} examples were checked");
        md.AppendLine($"{table.Count} examples, {table.Count - failures - notServed} pass, {failures} fail, {notServed} of operations not served yet. Status, property names and JSON types compared recursively (arrays by their first element).");
        md.AppendLine();
        md.AppendLine("Extra properties (present in the emulator's response, absent from the example) are listed for review; every one is a property of the operation's schema in the spec (OPERATIONS.md property lists).");
        md.AppendLine();
        md.AppendLine("| endpoint | api-version | example | result | extra properties |");
        md.AppendLine("|---|---|---|---|---|");
        foreach (var row in table) md.AppendLine("| " + string.Join(" | ", row.Select(c => c.Replace("|", "\\|"))) + " |");
        string outDir = Path.Combine(EmulatorFixture.RepoRoot(), "out");
        Directory.CreateDirectory(outDir);
        File.WriteAllText(Path.Combine(outDir, "conformance.md"), md.ToString());
        _out.WriteLine(md.ToString());
        Assert.True(failures == 0, md.ToString());
    }

    private async Task<List<string>> Check(Built b, JsonElement responses, string apiVersion, List<string> extras)
    {
        var diffs = new List<string>();
        string url = b.Path + (b.Path.Contains('?') ? "&" : "?") + "api-version=" + apiVersion;
        var (status, body, res) = await _f.Send(new HttpMethod(b.Method), url, body: b.Body);
        bool hasAccepted = responses.TryGetProperty("202", out var accepted);
        if (hasAccepted && b.Method == "POST" || hasAccepted && b.Path.Contains("costDetailsOperationResults", StringComparison.Ordinal))
        {
            if (status != 202) { diffs.Add($"status {status}, expected 202 ({Short(body)})"); return diffs; }
            foreach (var h in accepted.GetProperty("headers").EnumerateObject())
            {
                if (!res.Headers.TryGetValues(h.Name, out var vals)) diffs.Add($"202 header {h.Name} missing");
                else if (h.Name == "Retry-After" && !int.TryParse(vals.First(), out _)) diffs.Add("Retry-After is not an integer of seconds");
            }
            // Poll the Location until the operation completes (time scale 0.01: 100 ms / 600 ms).
            string location = res.Headers.Location!.ToString();
            for (int i = 0; i < 400; i++)
            {
                await Task.Delay(50);
                (status, body, res) = await _f.Send(HttpMethod.Get, location);
                if (status != 202) break;
            }
        }
        var expected = responses.EnumerateObject().Where(p => p.Name != "202" && p.Name != "204").Select(p => p.Name).FirstOrDefault() ?? "204";
        if (status.ToString(CultureInfo.InvariantCulture) != expected) { diffs.Add($"status {status}, expected {expected} ({Short(body)})"); return diffs; }
        if (responses.GetProperty(expected).TryGetProperty("body", out var exBody))
            Compare(exBody, body, "$", diffs, extras);
        return diffs;
    }

    private static string Short(JsonElement e) => e.ValueKind == JsonValueKind.Undefined ? "" : e.GetRawText().Substring(0, Math.Min(200, e.GetRawText().Length));

    /// <summary>Same property names and JSON types, recursively; arrays by their first element; extra properties allowed.</summary>
    internal static void Compare(JsonElement expected, JsonElement actual, string path, List<string> diffs, List<string>? extras = null)
    {
        if (expected.ValueKind == JsonValueKind.Null) return; // null in an example says nothing about the type
        if (actual.ValueKind == JsonValueKind.Undefined) { diffs.Add($"{path} missing"); return; }
        // nextLink is null (or absent) on the last page; the example just happens to show a middle page.
        if (path.EndsWith(".nextLink", StringComparison.Ordinal) && actual.ValueKind == JsonValueKind.Null) return;
        // tags are a string map (additionalProperties): the keys are data, only the value type is checked.
        if (path.EndsWith(".tags", StringComparison.Ordinal) && expected.ValueKind == JsonValueKind.Object && actual.ValueKind == JsonValueKind.Object)
        {
            foreach (var t in actual.EnumerateObject())
                if (t.Value.ValueKind != JsonValueKind.String) diffs.Add($"{path}.{t.Name}: {Kind(t.Value.ValueKind)}, expected string");
            return;
        }
        var ek = Kind(expected.ValueKind);
        var ak = Kind(actual.ValueKind);
        if (ek != ak) { diffs.Add($"{path}: {ak}, expected {ek}"); return; }
        if (expected.ValueKind == JsonValueKind.Object)
        {
            foreach (var p in expected.EnumerateObject())
            {
                if (!actual.TryGetProperty(p.Name, out var a)) { if (p.Value.ValueKind != JsonValueKind.Null) diffs.Add($"{path}.{p.Name} missing"); continue; }
                Compare(p.Value, a, path + "." + p.Name, diffs, extras);
            }
            if (extras != null)
                foreach (var p in actual.EnumerateObject())
                    if (!expected.TryGetProperty(p.Name, out _)) extras.Add(p.Name);
        }
        else if (expected.ValueKind == JsonValueKind.Array && expected.GetArrayLength() > 0)
        {
            if (actual.GetArrayLength() == 0) { diffs.Add($"{path} is empty; cannot compare items"); return; }
            Compare(expected[0], actual[0], path + "[0]", diffs, extras);
        }
    }

    private static string Kind(JsonValueKind k) => k switch { JsonValueKind.True or JsonValueKind.False => "boolean", _ => k.ToString().ToLowerInvariant() };

    private string Map(string v) => ValueMap.TryGetValue(v, out var m) ? m : v;

    private string Query(JsonElement p, params string[] except)
    {
        var parts = new List<string>();
        foreach (var kv in p.EnumerateObject())
        {
            if (except.Contains(kv.Name) || kv.Name == "api-version" || kv.Name == "parameters") continue;
            string v = kv.Value.ValueKind == JsonValueKind.String ? kv.Value.GetString()! : kv.Value.GetRawText();
            parts.Add(Uri.EscapeDataString(kv.Name) + "=" + Uri.EscapeDataString(Map(v)));
        }
        return parts.Count == 0 ? "" : "?" + string.Join("&", parts);
    }

    /// <summary>Requests for the older versions' examples (Billing 2020-05-01, Consumption 2021-10-01, CostManagement 2022-10-01).</summary>
    private Built BuildOld(string rel, JsonElement p)
    {
        const string Ba = "/providers/Microsoft.Billing/billingAccounts/";
        var today = EmulatorFixture.FixedToday;
        var lastMonth = new DateOnly(today.Year, today.Month, 1).AddMonths(-1);
        string mca = _f.Mca, ea = _f.Ea, payg = _f.Sub("MicrosoftOnlineServicesProgram"), eaSub = _f.Sub("EnterpriseAgreement");
        string dates = $"periodStartDate={today.AddMonths(-12):yyyy-MM-dd}&periodEndDate={today:yyyy-MM-dd}";
        var mcaInv = _f.Invoice("MicrosoftCustomerAgreement");
        var mcaInv2 = _f.Invoice("MicrosoftCustomerAgreement", 1);
        var paygInv = _f.Account("MicrosoftOnlineServicesProgram").GetProperty("invoices").EnumerateArray().Last(i => i.GetProperty("subscriptionId").GetString() == payg);
        string Name(JsonElement inv) => inv.GetProperty("name").GetString()!;
        string Token(JsonElement inv)
        {
            var d = inv.GetProperty("documents")[0];
            return Uri.EscapeDataString(d.GetProperty("source").GetString() + "_" + d.GetProperty("name").GetString());
        }
        string body2022 = JsonSerializer.Serialize(new { metric = "ActualCost", timePeriod = new { start = $"{lastMonth:yyyy-MM-dd}", end = $"{lastMonth.AddDays(14):yyyy-MM-dd}" } });
        switch (rel)
        {
            case "Microsoft.Billing/2020-05-01/BillingAccountsList.json": return new("GET", "/providers/Microsoft.Billing/billingAccounts", null, "GET billingAccounts");
            case "Microsoft.Billing/2020-05-01/BillingSubscriptionsListByBillingAccount.json": return new("GET", Ba + mca + "/billingSubscriptions", null, "GET .../billingSubscriptions");
            case "Microsoft.Billing/2020-05-01/BillingAccountInvoicesList.json": return new("GET", $"{Ba}{mca}/invoices?{dates}", null, "GET .../invoices (by account; dates required)");
            case "Microsoft.Billing/2020-05-01/BillingSubscriptionInvoicesList.json": return new("GET", $"{Ba}default/billingSubscriptions/{payg}/invoices?{dates}", null, "GET .../default/billingSubscriptions/{id}/invoices");
            case "Microsoft.Billing/2020-05-01/InvoiceDownload.json": return new("POST", $"{Ba}{mca}/invoices/{Name(mcaInv)}/download?downloadToken={Token(mcaInv)}", null, "POST .../invoices/{name}/download?downloadToken= → poll");
            case "Microsoft.Billing/2020-05-01/BillingSubscriptionInvoiceDownload.json": return new("POST", $"{Ba}default/billingSubscriptions/{payg}/invoices/{Name(paygInv)}/download?downloadToken={Token(paygInv)}", null, "POST .../billingSubscriptions/{id}/invoices/{name}/download?downloadToken= → poll");
            case "Microsoft.Billing/2020-05-01/MultipleModernInvoiceDownload.json":
            {
                string U(JsonElement inv) => $"https://management.azure.com{Ba}{mca}/invoices/{Name(inv)}/download?downloadToken={Token(inv)}&useCache=True&api-version=2020-05-01";
                return new("POST", $"{Ba}{mca}/downloadDocuments", JsonSerializer.Serialize(new[] { U(mcaInv), U(mcaInv2) }), "POST .../downloadDocuments (array of URLs) → poll");
            }
            case "Microsoft.Consumption/2021-10-01/UsageDetailsList.json":
                return new("GET", $"/subscriptions/{payg}/providers/Microsoft.Billing/billingPeriods/{lastMonth:yyyyMM}/providers/Microsoft.Consumption/usageDetails", null, "GET {scope}/.../usageDetails");
            case "Microsoft.CostManagement/2022-10-01/GenerateCostDetailsReportBySubscriptionAndTimePeriod.json":
                return new("POST", $"/subscriptions/{eaSub}/providers/Microsoft.CostManagement/generateCostDetailsReport", body2022, "POST {scope}/.../generateCostDetailsReport → poll");
            case "Microsoft.CostManagement/2022-10-01/CostDetailsOperationResultsBySubscriptionScope.json":
            {
                using var req = _f.Request(HttpMethod.Post, $"/subscriptions/{eaSub}/providers/Microsoft.CostManagement/generateCostDetailsReport?api-version=2022-10-01",
                    body: new { metric = "ActualCost", timePeriod = new { start = $"{lastMonth:yyyy-MM-dd}", end = $"{lastMonth.AddDays(14):yyyy-MM-dd}" } });
                using var res = _f.Client.Send(req);
                string loc = res.Headers.Location!.PathAndQuery;
                for (int i = 0; i < 400; i++) // the example is the finished operation: wait for it (0.6 s at time scale 0.01)
                {
                    Thread.Sleep(50);
                    using var poll = _f.Client.Send(_f.Request(HttpMethod.Get, loc));
                    if ((int)poll.StatusCode != 202) break;
                }
                return new("GET", res.Headers.Location!.AbsolutePath, null, "GET {scope}/.../costDetailsOperationResults/{id}");
            }
        }
        throw new InvalidOperationException("no request mapping for example " + rel);
    }

    private Built Build(string file, JsonElement p)
    {
        const string Ba = "/providers/Microsoft.Billing/billingAccounts/";
        var today = EmulatorFixture.FixedToday;
        var lastMonth = new DateOnly(today.Year, today.Month, 1).AddMonths(-1);
        string mca = _f.Mca, ea = _f.Ea, bp = _f.McaProfile, payg = _f.Sub("MicrosoftOnlineServicesProgram"), eaSub = _f.Sub("EnterpriseAgreement");
        var mcaInv = _f.Invoice("MicrosoftCustomerAgreement");
        var mcaInv2 = _f.Invoice("MicrosoftCustomerAgreement", 1);
        var paygInvs = _f.Account("MicrosoftOnlineServicesProgram").GetProperty("invoices").EnumerateArray().Where(i => i.GetProperty("subscriptionId").GetString() == payg).Reverse().ToList();
        string Doc(JsonElement inv) => inv.GetProperty("documents")[0].GetProperty("name").GetString()!;
        string Name(JsonElement inv) => inv.GetProperty("name").GetString()!;
        var paygSub = _f.Account("MicrosoftOnlineServicesProgram").GetProperty("subscriptions")[0];
        string legacyPeriod = paygSub.GetProperty("legacyBillingPeriods")[1].GetString()!;
        string legacyInvoice = paygSub.GetProperty("legacyInvoices")[0].GetString()!;
        string dates = $"periodStartDate={today.AddMonths(-12):yyyy-MM-dd}&periodEndDate={today:yyyy-MM-dd}";

        string Scope(string scope)
        {
            // Keep the example's leading-slash style (OPERATIONS.md: both occur) and map the ids; a leading '/' gives "//" in the URL.
            bool slash = scope.StartsWith('/');
            string s = scope.TrimStart('/');
            string mapped = s.StartsWith("subscriptions/", StringComparison.OrdinalIgnoreCase) ? "subscriptions/" + eaSub
                : s.Contains("billingProfiles", StringComparison.OrdinalIgnoreCase) ? $"providers/Microsoft.Billing/billingAccounts/{mca}/billingProfiles/{bp}"
                : s.Contains(':') ? "providers/Microsoft.Billing/billingAccounts/" + mca
                : "providers/Microsoft.Billing/billingAccounts/" + ea;
            return (slash ? "/" : "") + mapped;
        }
        string UsageScope(JsonElement pp)
        {
            string scope = pp.GetProperty("scope").GetString()!;
            string mapped = Scope(scope);
            if (scope.TrimStart('/').StartsWith("subscriptions/", StringComparison.OrdinalIgnoreCase)) mapped = mapped.Replace(eaSub, payg); // legacy kind: pay-as-you-go
            string path = "/" + mapped; // {scope} pasted after the host's '/', as a client that skips URL encoding does
            if (pp.TryGetProperty("billingPeriodName", out _)) path += "/providers/Microsoft.Billing/billingPeriods/" + lastMonth.ToString("yyyyMM", CultureInfo.InvariantCulture);
            return path;
        }
        string BodyOf(JsonElement pp)
        {
            var node = JsonNode.Parse(pp.GetProperty("parameters").GetRawText())!;
            void Walk(JsonNode? n)
            {
                if (n is JsonObject o)
                    foreach (var k in o.Select(x => x.Key).ToList())
                    {
                        if (o[k] is JsonValue v && v.TryGetValue<string>(out var s)) o[k] = Map(s);
                        else Walk(o[k]);
                    }
                else if (n is JsonArray a)
                    for (int i = 0; i < a.Count; i++)
                        if (a[i] is JsonValue v && v.TryGetValue<string>(out var s)) a[i] = Map(s);
                        else Walk(a[i]);
            }
            Walk(node);
            if (node is JsonObject obj)
            {
                if (obj["timePeriod"] is JsonObject tp && tp.ContainsKey("start"))
                {
                    tp["start"] = $"{lastMonth:yyyy-MM-dd}";
                    tp["end"] = $"{lastMonth.AddDays(14):yyyy-MM-dd}";
                }
                if (obj.ContainsKey("billingPeriod")) obj["billingPeriod"] = lastMonth.ToString("yyyyMM", CultureInfo.InvariantCulture);
            }
            return node.ToJsonString();
        }

        switch (file)
        {
            case "billingAccountsList.json": return new("GET", "/providers/Microsoft.Billing/billingAccounts" + Query(p), null, "GET billingAccounts (BillingAccounts_List)");
            case "billingAccountsGet.json": return new("GET", Ba + mca, null, "GET billingAccounts/{name} (BillingAccounts_Get)");
            case "billingProfilesListByBillingAccount.json": return new("GET", Ba + mca + "/billingProfiles", null, "GET .../billingProfiles");
            case "billingSubscriptionsListByBillingAccount.json": return new("GET", Ba + mca + "/billingSubscriptions" + Query(p, "billingAccountName"), null, "GET .../billingSubscriptions");
            case "billingSubscriptionsListByBillingProfile.json":
            case "billingSubscriptionsListByBillingProfileMCA.json": return new("GET", $"{Ba}{mca}/billingProfiles/{bp}/billingSubscriptions", null, "GET .../billingProfiles/{bp}/billingSubscriptions");
            case "invoicesListByBillingAccount.json": return new("GET", $"{Ba}{mca}/invoices?{dates}", null, "GET .../invoices (by account)");
            case "invoicesListByBillingProfile.json": return new("GET", $"{Ba}{mca}/billingProfiles/{bp}/invoices?{dates}", null, "GET .../billingProfiles/{bp}/invoices");
            case "invoicesListByBillingSubscription.json": return new("GET", $"{Ba}default/billingSubscriptions/{payg}/invoices?{dates}", null, "GET .../default/billingSubscriptions/{id}/invoices");
            case "invoicesGetByBillingAccount.json": return new("GET", $"{Ba}{mca}/invoices/{Name(mcaInv)}", null, "GET .../invoices/{name} (by account)");
            case "invoicesGet.json": return new("GET", $"{Ba}default/invoices/{Name(mcaInv)}", null, "GET .../default/invoices/{name} (Invoices_Get)");
            case "invoicesDownloadByBillingAccount.json":
                return new("POST", $"{Ba}{mca}/invoices/{Name(mcaInv)}/download?documentName={Doc(mcaInv)}", null, "POST .../invoices/{name}/download → poll");
            case "invoicesDownloadByBillingSubscription.json":
                return new("POST", $"{Ba}default/billingSubscriptions/{payg}/invoices/{Name(paygInvs[0])}/download?documentName={Doc(paygInvs[0])}", null, "POST .../billingSubscriptions/{id}/invoices/{name}/download → poll");
            case "invoicesDownloadDocumentsByBillingAccount.json":
                return new("POST", $"{Ba}{mca}/downloadDocuments", JsonSerializer.Serialize(new[] { new { documentName = Doc(mcaInv), invoiceName = Name(mcaInv) }, new { documentName = Doc(mcaInv2), invoiceName = Name(mcaInv2) } }), "POST .../downloadDocuments → poll");
            case "invoicesDownloadDocumentsByBillingSubscription.json":
                return new("POST", $"{Ba}default/billingSubscriptions/{payg}/downloadDocuments", JsonSerializer.Serialize(paygInvs.Take(2).Select(i => new { documentName = Doc(i), invoiceName = Name(i) })), "POST .../billingSubscriptions/{id}/downloadDocuments → poll");
            case "BillingPeriodsList.json": return new("GET", $"/subscriptions/{payg}/providers/Microsoft.Billing/billingPeriods?$filter=" + Uri.EscapeDataString($"billingPeriodEndDate lt {new DateOnly(today.Year, today.Month, 1):yyyy-MM-dd}"), null, "GET /subscriptions/{id}/.../billingPeriods");
            case "BillingPeriodsGet.json": return new("GET", $"/subscriptions/{payg}/providers/Microsoft.Billing/billingPeriods/{legacyPeriod}", null, "GET .../billingPeriods/{name}");
            case "InvoicesList.json": return new("GET", $"/subscriptions/{payg}/providers/Microsoft.Billing/invoices", null, "GET /subscriptions/{id}/.../invoices (legacy)");
            case "InvoicesExpand.json": return new("GET", $"/subscriptions/{payg}/providers/Microsoft.Billing/invoices?$top=1&$expand=downloadUrl&$filter=" + Uri.EscapeDataString($"invoicePeriodEndDate le {today:yyyy-MM-dd}"), null, "GET .../invoices?$expand=downloadUrl (legacy)");
            case "InvoicesGet.json": return new("GET", $"/subscriptions/{payg}/providers/Microsoft.Billing/invoices/{legacyInvoice}", null, "GET .../invoices/{name} (legacy)");
            case "InvoicesGetLatest.json": return new("GET", $"/subscriptions/{payg}/providers/Microsoft.Billing/invoices/latest", null, "GET .../invoices/latest (legacy)");
            case "GenerateCostDetailsReportBySubscriptionAndTimePeriod.json":
            case "GenerateCostDetailsReportByBillingAccountEnterpriseAgreementCustomerAndBillingPeriod.json":
                return new("POST", "/" + Scope(p.GetProperty("scope").GetString()!) + "/providers/Microsoft.CostManagement/generateCostDetailsReport", BodyOf(p), "POST {scope}/.../generateCostDetailsReport → poll");
            case "CostDetailsOperationResultsBySubscriptionScope.json":
            {
                // Needs an operation: start one on the same scope, then GET its operationResults URL.
                using var req = _f.Request(HttpMethod.Post, $"/subscriptions/{eaSub}/providers/Microsoft.CostManagement/generateCostDetailsReport?api-version=2025-03-01",
                    body: new { metric = "ActualCost", timePeriod = new { start = $"{lastMonth:yyyy-MM-dd}", end = $"{lastMonth.AddDays(14):yyyy-MM-dd}" } });
                using var res = _f.Client.Send(req);
                string loc = res.Headers.Location!.AbsolutePath;
                return new("GET", loc, null, "GET {scope}/.../costDetailsOperationResults/{id}");
            }
            case "SubscriptionQuery.json":
            case "SubscriptionQueryGrouping.json":
            case "MCABillingProfileQuery.json":
                return new("POST", "/" + Scope(p.GetProperty("scope").GetString()!) + "/providers/Microsoft.CostManagement/query", BodyOf(p), "POST {scope}/.../query");
            case "SubscriptionForecast.json":
            {
                // The example forecasts a past month; ask for the rest of the fixture's month, which has a forecast.
                var body = JsonNode.Parse(BodyOf(p))!.AsObject();
                body["timePeriod"] = new JsonObject { ["from"] = $"{today:yyyy-MM-dd}T00:00:00+00:00", ["to"] = $"{new DateOnly(today.Year, today.Month, 1).AddMonths(1).AddDays(-1):yyyy-MM-dd}T23:59:59+00:00" };
                return new("POST", "/" + Scope(p.GetProperty("scope").GetString()!) + "/providers/Microsoft.CostManagement/forecast", body.ToJsonString(), "POST {scope}/.../forecast (Forecast_Usage)");
            }
        }
        if (file.StartsWith("UsageDetails", StringComparison.Ordinal))
            return new("GET", UsageScope(p) + "/providers/Microsoft.Consumption/usageDetails" + Query(p, "scope", "billingPeriodName"), null, "GET {scope}/.../usageDetails");
        throw new InvalidOperationException("no request mapping for example " + file);
    }
}
