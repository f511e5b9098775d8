using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text.Json;
using System.Text.RegularExpressions;
using System.Threading.Tasks;
using BillingPowerShell.Emulator.Data;
using BillingPowerShell.Emulator.Infrastructure;
using static BillingPowerShell.Emulator.Billing.AccountEndpoints;

namespace BillingPowerShell.Emulator.Billing;

/// <summary>Legacy 2018-03-01-preview billing periods and subscription invoices (pay-as-you-go only):
/// docs/contracts/azure-api/OPERATIONS.md, "Legacy Microsoft.Billing 2018-03-01-preview: billing periods and subscription invoices".</summary>
internal static class LegacyEndpoints
{
    private const string P = "subscriptions/{sub}/providers/Microsoft.Billing";

    public static IEnumerable<Route> Routes() => new[]
    {
        R("GET", "BillingPeriods_List", P + "/billingPeriods", ListPeriods, ApiFamily.Billing2018),
        R("GET", "BillingPeriods_Get", P + "/billingPeriods/{period}", GetPeriod, ApiFamily.Billing2018),
        R("GET", "Invoices_List (legacy)", P + "/invoices", ListInvoices, ApiFamily.Billing2018),
        R("GET", "Invoices_Get (legacy)", P + "/invoices/{invoice}", GetInvoice, ApiFamily.Billing2018),
    };

    private static async Task<Subscription?> FindPaygSubscription(ArmRequest r)
    {
        if (!r.E.World.SubscriptionsById.TryGetValue(r["sub"], out var s))
        {
            await ArmErrors.Write(r.Http, 404, "SubscriptionNotFound", $"The subscription '{r["sub"]}' could not be found.", target: "subscriptionId");
            return null;
        }
        if (!s.Account.IsPayg)
        {
            await ArmErrors.Write(r.Http, 400, "UnsupportedSubscriptionType", "This operation is only supported for Azure Web-Direct subscriptions.", target: "subscriptionId");
            return null;
        }
        return s;
    }

    private static readonly Regex FilterTerm = new(@"^\s*(\w+)\s+(eq|lt|gt|le|ge)\s+'?(\d{4}-\d{2}-\d{2})'?\s*$", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant);

    /// <summary>Parses "<field> op yyyy-MM-dd [and ...]"; returns null predicate on success with no filter.</summary>
    private static async Task<(bool Ok, Func<DateOnly, bool> Pred)> ReadDateFilter(ArmRequest r, string field)
    {
        string? f = r.Q("$filter");
        if (string.IsNullOrWhiteSpace(f)) return (true, _ => true);
        var preds = new List<Func<DateOnly, bool>>();
        foreach (var term in Regex.Split(f, @"\s+and\s+", RegexOptions.IgnoreCase))
        {
            var m = FilterTerm.Match(term);
            if (!m.Success || !m.Groups[1].Value.Equals(field, StringComparison.OrdinalIgnoreCase))
            {
                await ArmErrors.Write(r.Http, 400, "InvalidFilter", $"The $filter '{f}' is invalid. Only {field} with eq, lt, gt, le, ge and 'and' is supported.", target: "$filter");
                return (false, _ => false);
            }
            var d = DateOnly.ParseExact(m.Groups[3].Value, "yyyy-MM-dd", CultureInfo.InvariantCulture);
            preds.Add(m.Groups[2].Value.ToLowerInvariant() switch
            {
                "eq" => x => x == d, "lt" => x => x < d, "gt" => x => x > d, "le" => x => x <= d, _ => x => x >= d,
            });
        }
        return (true, x => preds.All(p => p(x)));
    }

    private static async Task ListPeriods(ArmRequest r)
    {
        var s = await FindPaygSubscription(r);
        if (s == null) return;
        var (ok, pred) = await ReadDateFilter(r, "billingPeriodEndDate");
        if (!ok) return;
        await Paging.WriteList(r, s.LegacyPeriods.Where(p => pred(p.End)).ToList(), WritePeriod, maxTop: 100, defaultTop: 100, topName: "$top");
    }

    private static async Task GetPeriod(ArmRequest r)
    {
        var s = await FindPaygSubscription(r);
        if (s == null) return;
        var p = s.LegacyPeriods.FirstOrDefault(x => x.Name.Equals(r["period"], StringComparison.OrdinalIgnoreCase));
        if (p == null) { await ArmErrors.Write(r.Http, 404, "BillingPeriodNotFound", $"The billing period '{r["period"]}' was not found.", target: "billingPeriodName"); return; }
        var w = JsonOut.Start(r.Http);
        WritePeriod(w, p);
        await JsonOut.Finish(w);
    }

    private static void WritePeriod(Utf8JsonWriter w, LegacyPeriod p)
    {
        w.WriteStartObject();
        w.WriteString("id", p.Id);
        w.WriteString("name", p.Name);
        w.WriteString("type", "Microsoft.Billing/billingPeriods");
        w.WriteStartObject("properties");
        w.WriteString("billingPeriodStartDate", Det.IsoDate(p.Start));
        w.WriteString("billingPeriodEndDate", Det.IsoDate(p.End));
        w.WriteStartArray("invoiceIds");
        if (p.Invoice != null) w.WriteStringValue(p.Invoice.Id);
        w.WriteEndArray();
        w.WriteEndObject();
        w.WriteEndObject();
    }

    private static async Task ListInvoices(ArmRequest r)
    {
        var s = await FindPaygSubscription(r);
        if (s == null) return;
        var (ok, pred) = await ReadDateFilter(r, "invoicePeriodEndDate");
        if (!ok) return;
        string? expand = r.Q("$expand");
        bool withUrl = expand != null && expand.Split(',').Any(x => x.Trim().Equals("downloadUrl", StringComparison.OrdinalIgnoreCase));
        var list = s.LegacyPeriods.Where(p => p.Invoice != null && pred(p.End)).Select(p => p.Invoice!).ToList();
        await Paging.WriteList(r, list, (w, i) => WriteInvoice(w, r, i, withUrl), maxTop: 100, defaultTop: 100, topName: "$top");
    }

    private static async Task GetInvoice(ArmRequest r)
    {
        var s = await FindPaygSubscription(r);
        if (s == null) return;
        var withInvoices = s.LegacyPeriods.Where(p => p.Invoice != null).Select(p => p.Invoice!).ToList();
        var inv = r["invoice"].Equals("latest", StringComparison.OrdinalIgnoreCase)
            ? withInvoices.FirstOrDefault()
            : withInvoices.FirstOrDefault(i => i.Name.Equals(r["invoice"], StringComparison.OrdinalIgnoreCase));
        if (inv == null) { await ArmErrors.Write(r.Http, 404, "InvoiceNotFound", $"The invoice '{r["invoice"]}' was not found.", target: "invoiceName"); return; }
        var w = JsonOut.Start(r.Http);
        WriteInvoice(w, r, inv, withUrl: true); // downloadUrl is auto-expanded on GET
        await JsonOut.Finish(w);
    }

    private static void WriteInvoice(Utf8JsonWriter w, ArmRequest r, LegacyInvoice i, bool withUrl)
    {
        w.WriteStartObject();
        w.WriteString("id", i.Id);
        w.WriteString("name", i.Name);
        w.WriteString("type", "Microsoft.Billing/invoices");
        w.WriteStartObject("properties");
        w.WriteString("invoicePeriodStartDate", Det.IsoDate(i.Period.Start));
        w.WriteString("invoicePeriodEndDate", Det.IsoDate(i.Period.End));
        w.WriteStartArray("billingPeriodIds");
        w.WriteStringValue(i.Period.Id);
        w.WriteEndArray();
        if (withUrl)
        {
            // Synchronous in this API version: the SAS URL comes inline with the invoice.
            var doc = i.Modern.Documents.First(d => d.Kind == "Invoice");
            var (url, expiry) = r.E.IssueBlobUrl("invoices", World.BlobNameOf(doc) + ".pdf", TimeSpan.FromHours(1));
            w.WriteStartObject("downloadUrl");
            w.WriteString("expiryTime", Blob.SasSigner.FormatExpiry(expiry));
            w.WriteString("url", url);
            w.WriteEndObject();
        }
        w.WriteEndObject();
        w.WriteEndObject();
    }
}
