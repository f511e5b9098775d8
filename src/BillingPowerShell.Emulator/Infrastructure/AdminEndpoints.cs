using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text.Json;
using System.Threading.Tasks;
using BillingPowerShell.Emulator.Data;
using Microsoft.AspNetCore.Http;

namespace BillingPowerShell.Emulator.Infrastructure;

/// <summary>/_emulator/world|stats|faults|reset|storage|exports/release. No bearer token, header x-emulator-admin: true; never faulted.</summary>
internal static class AdminEndpoints
{
    public static async Task HandleAsync(HttpContext ctx, EmulatorServices e)
    {
        if (!string.Equals(ctx.Request.Headers["x-emulator-admin"].ToString(), "true", StringComparison.OrdinalIgnoreCase))
        {
            await ArmErrors.Write(ctx, 400, "AdminHeaderRequired", "Admin endpoints need the header 'x-emulator-admin: true'.");
            return;
        }
        string path = (ctx.Request.Path.Value ?? "").TrimEnd('/').ToLowerInvariant();
        string method = ctx.Request.Method.ToUpperInvariant();
        switch (path, method)
        {
            case ("/_emulator/world", "GET"): await WriteWorld(ctx, e); break;
            case ("/_emulator/stats", "GET"): await WriteObject(ctx, e.Stats.Snapshot()); break;
            case ("/_emulator/faults", "GET"): await WriteObject(ctx, e.Faults.Settings); break;
            case ("/_emulator/faults", "POST"):
                try
                {
                    var s = await JsonSerializer.DeserializeAsync<FaultSettings>(ctx.Request.Body, new JsonSerializerOptions { PropertyNameCaseInsensitive = true })
                            ?? new FaultSettings();
                    e.Faults.Replace(s);
                    await WriteObject(ctx, e.Faults.Settings);
                }
                catch (Exception ex) when (ex is JsonException or ArgumentException or FormatException)
                {
                    await ArmErrors.Write(ctx, 400, "InvalidFaultSettings", ex.Message);
                }
                break;
            case ("/_emulator/storage", "POST"): await SetStorage(ctx, e); break;
            case ("/_emulator/exports/release", "POST"):
                e.ExportRunner.ReleaseHeldFiles();
                ctx.Response.StatusCode = 204;
                break;
            case ("/_emulator/reset", "POST"):
                e.Faults.Replace(new FaultSettings());
                e.Stats.Reset();
                e.Faults.ResetSequence();
                ctx.Response.StatusCode = 204;
                break;
            default: await ArmErrors.Write(ctx, 404, "NotFound", "Unknown admin endpoint."); break;
        }
    }

    private static Task WriteObject(HttpContext ctx, object o)
    {
        ctx.Response.ContentType = "application/json; charset=utf-8";
        return JsonSerializer.SerializeAsync(ctx.Response.Body, o, o.GetType(), new JsonSerializerOptions { WriteIndented = true });
    }

    private static async Task WriteWorld(HttpContext ctx, EmulatorServices e)
    {
        var w = e.World;
        ctx.Response.ContentType = "application/json; charset=utf-8";
        await using var j = new Utf8JsonWriter(ctx.Response.Body, new JsonWriterOptions { Indented = true });
        j.WriteStartObject();
        j.WriteNumber("seed", w.Seed);
        j.WriteString("today", Det.IsoDate(w.Today));
        j.WriteString("usageDataStart", Det.IsoDate(w.DataStart));
        j.WriteString("usageDataEnd", Det.IsoDate(w.Today.AddDays(-1)));
        j.WriteNumber("timeScale", e.Options.TimeScale);
        j.WriteNumber("invoiceDownloadSeconds", e.Options.Scale(TimeSpan.FromSeconds(10)).TotalSeconds);
        j.WriteNumber("costReportSeconds", e.Options.Scale(TimeSpan.FromSeconds(60)).TotalSeconds);
        j.WriteStartArray("accounts");
        foreach (var a in w.Accounts)
        {
            j.WriteStartObject();
            j.WriteString("name", a.Name);
            j.WriteString("displayName", a.DisplayName);
            j.WriteString("agreementType", a.Agreement.ToString());
            j.WriteString("currency", a.Currency);
            j.WriteStartArray("billingProfiles");
            foreach (var p in a.Profiles)
            {
                j.WriteStartObject();
                j.WriteString("name", p.Name);
                j.WriteString("displayName", p.DisplayName);
                j.WriteString("currency", p.Currency);
                j.WriteStartArray("invoiceSections");
                foreach (var s in p.Sections) { j.WriteStartObject(); j.WriteString("name", s.Name); j.WriteString("displayName", s.DisplayName); j.WriteEndObject(); }
                j.WriteEndArray();
                j.WriteEndObject();
            }
            j.WriteEndArray();
            j.WriteStartArray("subscriptions");
            foreach (var s in a.Subscriptions)
            {
                j.WriteStartObject();
                j.WriteString("subscriptionId", s.Id);
                j.WriteString("displayName", s.DisplayName);
                j.WriteString("billingProfileName", s.Profile?.Name);
                j.WriteString("invoiceSectionName", s.Section?.Name);
                j.WriteString("currency", s.Currency);
                j.WriteStartArray("resourceGroups");
                foreach (var rg in s.ResourceGroups) j.WriteStringValue(rg);
                j.WriteEndArray();
                j.WriteStartArray("legacyBillingPeriods");
                foreach (var lp in s.LegacyPeriods) j.WriteStringValue(lp.Name);
                j.WriteEndArray();
                j.WriteStartArray("legacyInvoices");
                foreach (var lp in s.LegacyPeriods.Where(l => l.Invoice != null)) j.WriteStringValue(lp.Invoice!.Name);
                j.WriteEndArray();
                j.WriteEndObject();
            }
            j.WriteEndArray();
            j.WriteStartArray("invoices");
            foreach (var inv in a.Invoices)
            {
                j.WriteStartObject();
                j.WriteString("name", inv.Name);
                j.WriteString("billingProfileName", inv.Profile?.Name);
                j.WriteString("subscriptionId", inv.Subscription?.Id);
                j.WriteString("periodStartDate", Det.IsoDate(inv.PeriodStart));
                j.WriteString("periodEndDate", Det.IsoDate(inv.PeriodEnd));
                j.WriteString("invoiceDate", inv.InvoiceDate.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture));
                j.WriteString("status", inv.Status);
                j.WriteNumber("totalAmount", inv.Total);
                j.WriteString("currency", inv.Currency);
                j.WriteStartArray("documents");
                foreach (var d in inv.Documents)
                {
                    var pdf = DocumentFactory.Pdf(inv, d);
                    j.WriteStartObject();
                    j.WriteString("kind", d.Kind);
                    j.WriteString("name", d.Name);
                    j.WriteString("source", d.Source);
                    j.WriteString("sha256", DocumentFactory.Sha256(pdf));
                    j.WriteNumber("length", pdf.Length);
                    j.WriteEndObject();
                }
                j.WriteEndArray();
                j.WriteEndObject();
            }
            j.WriteEndArray();
            j.WriteEndObject();
        }
        j.WriteEndArray();
        WriteExportScopes(j, e);
        await WriteUsageFacts(j, e, ctx.Request.Query["costs"].ToString() != "false");
        j.WriteEndObject();
    }

    /// <summary>POST /_emulator/storage {"url": "https://127.0.0.1:&lt;port&gt;/devstoreaccount1", "accountKey": null}: where the
    /// world's storage account lives from now on (as --storage-url at start; Azurite is started after the emulator,
    /// with its certificate). Answers the world's storageAccount object.</summary>
    private static async Task SetStorage(HttpContext ctx, EmulatorServices e)
    {
        try
        {
            using var doc = await JsonDocument.ParseAsync(ctx.Request.Body);
            var root = doc.RootElement;
            string url = root.TryGetProperty("url", out var u) && u.ValueKind == JsonValueKind.String ? u.GetString()! : throw new ArgumentException("'url' is required.");
            string? key = root.TryGetProperty("accountKey", out var k) && k.ValueKind == JsonValueKind.String ? k.GetString() : null;
            e.Storage = Exports.StorageConnection.Create(url, key, e.Certificate);
            await WriteObject(ctx, new { id = e.World.StorageAccount.Id, name = e.World.StorageAccount.Name, blobUrl = e.Storage.BlobUrl.ToString().TrimEnd('/') });
        }
        catch (Exception ex) when (ex is JsonException or ArgumentException or UriFormatException)
        {
            await ArmErrors.Write(ctx, 400, "InvalidStorageSettings", ex.Message);
        }
    }

    /// <summary>The scopes only exports use and the storage account they write to (Data/WorldExportScopes).</summary>
    private static void WriteExportScopes(Utf8JsonWriter j, EmulatorServices e)
    {
        var w = e.World;
        j.WriteStartObject("storageAccount");
        j.WriteString("id", w.StorageAccount.Id);
        j.WriteString("name", w.StorageAccount.Name);
        j.WriteString("blobUrl", e.Storage?.BlobUrl.ToString().TrimEnd('/'));
        j.WriteEndObject();
        foreach (var (prop, groups) in new[] { ("departments", w.Departments), ("enrollmentAccounts", w.EnrollmentAccounts) })
        {
            j.WriteStartArray(prop);
            foreach (var g in groups)
            {
                j.WriteStartObject();
                j.WriteString("id", g.Id);
                j.WriteString("name", g.Name);
                j.WriteString("displayName", g.DisplayName);
                j.WriteStartArray("subscriptionIds");
                foreach (var s in g.Subscriptions) j.WriteStringValue(s.Id);
                j.WriteEndArray();
                j.WriteEndObject();
            }
            j.WriteEndArray();
        }
        j.WriteStartArray("managementGroups");
        foreach (var mg in w.ManagementGroups)
        {
            j.WriteStartObject();
            j.WriteString("id", mg.Id);
            j.WriteString("name", mg.Name);
            j.WriteStartArray("subscriptionIds");
            foreach (var s in mg.Subscriptions) j.WriteStringValue(s.Id);
            j.WriteEndArray();
            j.WriteEndObject();
        }
        j.WriteEndArray();
    }

    /// <summary>
    /// FOCUS totals of a scope and month (docs/contracts/azure-api/FOCUS.md, "Row selection"): BilledCost is the actual
    /// cost (reserved usage is billed by the purchase: zero), EffectiveCost the amortized cost; rows are the amortized
    /// rows plus the actual data's commitment purchases, of which the world has none.
    /// </summary>
    private static void WriteFocusFacts(Utf8JsonWriter j, List<Subscription> subs, DateOnly m,
        Dictionary<(Subscription, DateOnly), (long Rows, decimal Actual, decimal Amortized)> per)
    {
        j.WriteStartObject("focus");
        j.WriteNumber("rowCount", subs.Sum(s => per[(s, m)].Rows));
        j.WriteStartObject("billedCost");
        foreach (var g in subs.GroupBy(s => s.Currency)) j.WriteNumber(g.Key, g.Sum(s => per[(s, m)].Actual));
        j.WriteEndObject();
        j.WriteStartObject("effectiveCost");
        foreach (var g in subs.GroupBy(s => s.Currency)) j.WriteNumber(g.Key, g.Sum(s => per[(s, m)].Amortized));
        j.WriteEndObject();
        j.WriteEndObject();
    }

    /// <summary>Expected usage facts per scope and month: row count and total cost per currency (both metrics), so a
    /// client can check that usage details, the cost details CSV and the query API agree. Costs are only computed when
    /// the total is small enough to enumerate (or ?costs=true forces it).</summary>
    private static async Task WriteUsageFacts(Utf8JsonWriter j, EmulatorServices e, bool costsWanted)
    {
        var w = e.World;
        var months = new List<DateOnly>();
        for (var m = w.DataStart; m <= w.Today; m = m.AddMonths(1)) months.Add(m);
        long totalRows = w.AllSubscriptions.Sum(s => e.Usage.CountRows(new[] { s }, w.DataStart, w.Today));
        bool costs = costsWanted && totalRows <= 3_000_000;
        // Per subscription and month first; scopes are sums of their subscriptions.
        var per = new Dictionary<(Subscription, DateOnly), (long Rows, decimal Actual, decimal Amortized)>();
        foreach (var s in w.AllSubscriptions)
            foreach (var m in months)
            {
                var end = m.AddMonths(1).AddDays(-1);
                long rows = e.Usage.CountRows(new[] { s }, m, end);
                decimal act = 0, amo = 0;
                if (costs)
                    foreach (var r in e.Usage.Rows(new[] { s }, m, end, amortized: true))
                    {
                        amo += r.Cost;
                        act += r.PricingModel == "Reservation" ? 0m : r.Cost;
                    }
                per[(s, m)] = (rows, act, amo);
            }
        j.WriteNumber("usageRowsTotal", totalRows);
        j.WriteBoolean("usageCostsIncluded", costs);
        j.WriteStartArray("usageFacts");
        var scopes = new List<(string Scope, List<Subscription> Subs)>();
        foreach (var a in w.Accounts)
        {
            scopes.Add((a.Id, a.Subscriptions));
            foreach (var p in a.Profiles)
            {
                scopes.Add((p.Id, a.Subscriptions.Where(s => s.Profile == p).ToList()));
                foreach (var sec in p.Sections) scopes.Add((sec.Id, a.Subscriptions.Where(s => s.Section == sec).ToList()));
            }
            foreach (var s in a.Subscriptions) scopes.Add(("/subscriptions/" + s.Id, new List<Subscription> { s }));
        }
        foreach (var (scope, subs) in scopes)
            foreach (var m in months)
            {
                j.WriteStartObject();
                j.WriteString("scope", scope);
                j.WriteString("month", m.ToString("yyyy-MM", System.Globalization.CultureInfo.InvariantCulture));
                j.WriteNumber("rowCount", subs.Sum(s => per[(s, m)].Rows));
                if (costs)
                {
                    j.WriteStartObject("actualCost");
                    foreach (var g in subs.GroupBy(s => s.Currency)) j.WriteNumber(g.Key, g.Sum(s => per[(s, m)].Actual));
                    j.WriteEndObject();
                    j.WriteStartObject("amortizedCost");
                    foreach (var g in subs.GroupBy(s => s.Currency)) j.WriteNumber(g.Key, g.Sum(s => per[(s, m)].Amortized));
                    j.WriteEndObject();
                    WriteFocusFacts(j, subs, m, per);
                }
                j.WriteEndObject();
                await JsonOut.MaybeFlush(j);
            }
        j.WriteEndArray();
    }
}
