using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text.Json;
using System.Threading.Tasks;
using BillingPowerShell.Emulator.Data;
using BillingPowerShell.Emulator.Infrastructure;
using static BillingPowerShell.Emulator.Billing.AccountEndpoints;

namespace BillingPowerShell.Emulator.Billing;

/// <summary>Invoices list/get by billing account, billing profile, billing subscription, and by name
/// (docs/contracts/azure-api/OPERATIONS.md, "Invoices, listing and getting").</summary>
internal static class InvoiceEndpoints
{
    private const string Ba = "providers/Microsoft.Billing/billingAccounts";

    public static IEnumerable<Route> Routes() => new[]
    {
        R("GET", "Invoices_ListByBillingSubscription", Ba + "/{account}/billingSubscriptions/{sub}/invoices", ListBySubscription),
        R("GET", "Invoices_GetByBillingSubscription", Ba + "/{account}/billingSubscriptions/{sub}/invoices/{invoice}", GetBySubscription),
        R("GET", "Invoices_ListByBillingAccount", Ba + "/{account}/invoices", ListByAccount),
        R("GET", "Invoices_GetByBillingAccount", Ba + "/{account}/invoices/{invoice}", GetByAccount),
        R("GET", "Invoices_ListByBillingProfile", Ba + "/{account}/billingProfiles/{profile}/invoices", ListByProfile),
    };

    public static string Time(DateTime d) => d.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);
    public static string Time(DateOnly d) => Time(d.ToDateTime(TimeOnly.MinValue, DateTimeKind.Utc));

    private static async Task<(bool Ok, DateOnly? From, DateOnly? To)> ReadPeriod(ArmRequest r)
    {
        DateOnly? Parse(string name, out bool bad)
        {
            bad = false;
            string? v = r.Q(name);
            if (v == null) return null;
            // format: date (yyyy-MM-dd); the service also takes a full date-time.
            if (DateOnly.TryParseExact(v, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var d)) return d;
            // 2020-05-01: the SDK's text says MM-DD-YYYY (its examples send yyyy-MM-dd); both are accepted.
            if (r.Is(ApiVersions.Billing2020) && DateOnly.TryParseExact(v, "MM-dd-yyyy", CultureInfo.InvariantCulture, DateTimeStyles.None, out d)) return d;
            if (DateTime.TryParse(v, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out var dt)) return DateOnly.FromDateTime(dt);
            bad = true;
            return null;
        }
        if (r.Is(ApiVersions.Billing2020))
        {
            // 2020-05-01: periodStartDate and periodEndDate are required on every invoice list (optional since 2024-04-01).
            string? missing = r.Q("periodStartDate") == null ? "periodStartDate" : r.Q("periodEndDate") == null ? "periodEndDate" : null;
            if (missing != null)
            {
                await ArmErrors.Write(r.Http, 400, "InvalidInput", $"The query parameter '{missing}' is required.", missing);
                return (false, null, null);
            }
        }
        var from = Parse("periodStartDate", out bool b1);
        var to = Parse("periodEndDate", out bool b2);
        if (b1 || b2)
        {
            await ArmErrors.BadRequest(r, $"The value of '{(b1 ? "periodStartDate" : "periodEndDate")}' is not a valid date. Use the format yyyy-MM-dd.", "InvalidDateFormat");
            return (false, null, null);
        }
        if (from != null && to != null && to < from)
        {
            await ArmErrors.BadRequest(r, "periodEndDate must be on or after periodStartDate.", "InvalidDateRange");
            return (false, null, null);
        }
        return (true, from, to);
    }

    /// <summary>Filters on the invoice date (what the portal's date range selects), newest first.</summary>
    private static async Task WriteInvoiceList(ArmRequest r, IEnumerable<Invoice> invoices, bool subscriptionRoute)
    {
        var (ok, from, to) = await ReadPeriod(r);
        if (!ok) return;
        var list = invoices
            .Where(i => from == null || DateOnly.FromDateTime(i.InvoiceDate) >= from)
            .Where(i => to == null || DateOnly.FromDateTime(i.InvoiceDate) <= to)
            .OrderByDescending(i => i.InvoiceDate).ThenBy(i => i.Name, StringComparer.Ordinal).ToList();
        await Paging.WriteList(r, list, (w, i) => WriteInvoice(w, r, i, subscriptionRoute));
    }

    private static async Task ListByAccount(ArmRequest r)
    {
        var a = await FindAccount(r);
        if (a == null) return;
        await WriteInvoiceList(r, a.Invoices, false);
    }

    private static async Task ListByProfile(ArmRequest r)
    {
        var a = await FindAccount(r);
        if (a == null) return;
        var p = await FindProfile(r, a);
        if (p == null) return;
        await WriteInvoiceList(r, r.E.World.InvoicesOf(p), false);
    }

    internal static async Task<Subscription?> FindDefaultSubscription(ArmRequest r)
    {
        if (!r["account"].Equals("default", StringComparison.OrdinalIgnoreCase))
        {
            await ArmErrors.Write(r.Http, 404, "InvalidResourceType", "Subscription-scoped invoice routes live under billingAccounts/default.");
            return null;
        }
        if (!r.E.World.SubscriptionsById.TryGetValue(r["sub"], out var s))
        {
            await ArmErrors.Write(r.Http, 404, "SubscriptionNotFound", $"The subscription '{r["sub"]}' could not be found.");
            return null;
        }
        return s;
    }

    private static async Task ListBySubscription(ArmRequest r)
    {
        var s = await FindDefaultSubscription(r);
        if (s == null) return;
        // Billing-subscription invoices are the Microsoft Online Services Program (pay-as-you-go) ones.
        await WriteInvoiceList(r, s.Account.IsPayg ? r.E.World.InvoicesOf(s) : Array.Empty<Invoice>(), true);
    }

    private static async Task GetBySubscription(ArmRequest r)
    {
        var inv = await FindSubscriptionInvoice(r);
        if (inv == null) return;
        var w = JsonOut.Start(r.Http);
        WriteInvoice(w, r, inv, true);
        await JsonOut.Finish(w);
    }

    internal static Task InvoiceNotFound(ArmRequest r) =>
        ArmErrors.Write(r.Http, 404, "InvoiceNotFound", $"The invoice '{r["invoice"]}' was not found.");

    /// <summary>The {invoice} of a billingAccounts/{account}/invoices/{invoice} route; account "default" finds it by name
    /// across the caller's accounts (Invoices_Get). Writes the 404 and returns null when there is none.</summary>
    internal static async Task<Invoice?> FindAccountInvoice(ArmRequest r)
    {
        Invoice? inv;
        if (r["account"].Equals("default", StringComparison.OrdinalIgnoreCase))
            inv = r.E.World.InvoicesByName.GetValueOrDefault(r["invoice"]);
        else
        {
            var a = await FindAccount(r);
            if (a == null) return null;
            inv = a.Invoices.FirstOrDefault(i => i.Name.Equals(r["invoice"], StringComparison.OrdinalIgnoreCase));
        }
        if (inv == null) await InvoiceNotFound(r);
        return inv;
    }

    /// <summary>The {invoice} of a billingAccounts/default/billingSubscriptions/{sub}/invoices/{invoice} route: only
    /// pay-as-you-go subscriptions have invoices of their own. Writes the 404 and returns null when there is none.</summary>
    internal static async Task<Invoice?> FindSubscriptionInvoice(ArmRequest r)
    {
        var s = await FindDefaultSubscription(r);
        if (s == null) return null;
        var inv = s.Account.IsPayg ? r.E.World.InvoicesOf(s).FirstOrDefault(i => i.Name.Equals(r["invoice"], StringComparison.OrdinalIgnoreCase)) : null;
        if (inv == null) await InvoiceNotFound(r);
        return inv;
    }

    private static async Task GetByAccount(ArmRequest r)
    {
        var inv = await FindAccountInvoice(r);
        if (inv == null) return;
        var w = JsonOut.Start(r.Http);
        WriteInvoice(w, r, inv, false);
        await JsonOut.Finish(w);
    }

    /// <summary>2020-05-01: the downloadToken of a document (what documents[].url carries and the download POST takes).</summary>
    internal static string DownloadToken(InvoiceDocument d) => d.Source + "_" + d.Name;

    /// <summary>2020-05-01 document kinds (no Summary in that version).</summary>
    private static readonly string[] Kinds2020 = { "Invoice", "VoidNote", "TaxReceipt", "CreditNote" };

    internal static void WriteInvoice(Utf8JsonWriter w, ArmRequest r, Invoice i, bool subscriptionRoute)
    {
        bool v2020 = r.Is(ApiVersions.Billing2020);
        string id = subscriptionRoute && i.Subscription != null ? i.Id : i.Account.Id + "/invoices/" + i.Name;
        w.WriteStartObject();
        w.WriteString("id", id);
        w.WriteString("name", i.Name);
        w.WriteStartObject("properties");
        JsonOut.Amount(w, "amountDue", i.Currency, i.AmountDue);
        JsonOut.Amount(w, "azurePrepaymentApplied", i.Currency, i.Prepayment);
        JsonOut.Amount(w, "billedAmount", i.Currency, i.Billed);
        if (i.Profile != null)
        {
            // Only MCA invoices are billed through a billing profile; EA and pay-as-you-go invoices have none.
            w.WriteString("billingProfileDisplayName", i.Profile.DisplayName);
            w.WriteString("billingProfileId", i.Profile.Id);
        }
        JsonOut.Amount(w, "creditAmount", i.Currency, i.Credit);
        w.WriteStartArray("documents");
        foreach (var d in i.Documents)
        {
            if (v2020 && !Kinds2020.Contains(d.Kind)) continue;
            w.WriteStartObject();
            w.WriteString("kind", d.Kind);
            if (v2020)
            {
                // 2020-05-01 Document is {kind, url, source}: the url is the download action carrying the
                // downloadToken (the form of MultipleModernInvoiceDownload.json), the only way its SDK learns the token.
                var req = r.Http.Request;
                string scope = subscriptionRoute && i.Subscription != null
                    ? $"/providers/Microsoft.Billing/billingAccounts/default/billingSubscriptions/{i.Subscription.Id}"
                    : "/" + Ba + "/" + i.Account.Name;
                w.WriteString("url", $"{req.Scheme}://{req.Host}{scope}/invoices/{i.Name}/download?downloadToken={Uri.EscapeDataString(DownloadToken(d))}&useCache=True&api-version={ApiVersions.Billing2020}");
            }
            else w.WriteString("name", d.Name);
            w.WriteString("source", d.Source);
            w.WriteEndObject();
        }
        w.WriteEndArray();
        w.WriteString("documentType", i.DocumentType);
        w.WriteString("dueDate", Time(i.DueDate));
        JsonOut.Amount(w, "freeAzureCreditApplied", i.Currency, 0m);
        w.WriteString("invoiceDate", Time(i.InvoiceDate));
        w.WriteString("invoicePeriodEndDate", Time(i.PeriodEnd));
        w.WriteString("invoicePeriodStartDate", Time(i.PeriodStart));
        w.WriteString("invoiceType", v2020 ? "AzureService" : "AzureServices");
        w.WriteBoolean("isMonthlyInvoice", true);
        w.WriteString("purchaseOrderNumber", i.PurchaseOrderNumber);
        // rebillDetails: links the invoice document to its credit note (the chain the spec models recursively).
        string docBase = i.Account.Id + "/invoices/" + i.Name + "/documents/";
        string inv = docBase + i.Documents[0].Name;
        string cn = docBase + (i.Documents.FirstOrDefault(d => d.Kind == "CreditNote")?.Name ?? i.Documents[0].Name);
        w.WriteStartObject("rebillDetails");
        if (v2020)
        {
            // 2020-05-01: a dictionary of RebillDetails keyed by document.
            w.WriteStartObject(i.Documents[0].Name);
            w.WriteString("invoiceDocumentId", inv);
            w.WriteString("creditNoteDocumentId", cn);
            w.WriteEndObject();
        }
        else
        {
            w.WriteString("invoiceDocumentId", inv);
            w.WriteString("creditNoteDocumentId", cn);
            w.WriteStartObject("rebillDetails");
            w.WriteString("invoiceDocumentId", inv);
            w.WriteString("creditNoteDocumentId", cn);
            w.WriteEndObject();
        }
        w.WriteEndObject();
        w.WriteString("status", i.Status);
        if (!v2020) w.WriteString("specialTaxationType", "SubtotalLevel");
        JsonOut.Amount(w, "subTotal", i.Currency, i.SubTotal);
        JsonOut.Amount(w, "taxAmount", i.Currency, i.Tax);
        JsonOut.Amount(w, "totalAmount", i.Currency, i.Total);
        if (i.Subscription != null)
        {
            w.WriteString("subscriptionDisplayName", i.Subscription.DisplayName);
            w.WriteString("subscriptionId", i.Subscription.Id);
        }
        w.WriteEndObject();
        w.WriteString("type", subscriptionRoute ? "Microsoft.Billing/billingAccounts/billingSubscriptions/invoices" : "Microsoft.Billing/billingAccounts/invoices");
        w.WriteEndObject();
    }
}
