using System;
using System.Collections.Generic;
using System.Linq;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Threading.Tasks;
using BillingPowerShell.Emulator.Data;
using BillingPowerShell.Emulator.Infrastructure;
using static BillingPowerShell.Emulator.Billing.AccountEndpoints;

namespace BillingPowerShell.Emulator.Billing;

/// <summary>
/// Invoice document downloads as long-running operations: docs/contracts/azure-api/OPERATIONS.md,
/// "Invoice download (long-running operation)". POST → 202 (Location, Retry-After) → GET Location
/// → 202 until the (scaled) 10 s operation time has passed → 200 {expiryTime, url} with a SAS URL on the blob host.
/// </summary>
internal static class DownloadEndpoints
{
    private const string Ba = "providers/Microsoft.Billing/billingAccounts";
    public static readonly TimeSpan ContractDuration = TimeSpan.FromSeconds(10);

    public static IEnumerable<Route> Routes() => new[]
    {
        R("POST", "Invoices_DownloadByBillingAccount", Ba + "/{account}/invoices/{invoice}/download", DownloadByAccount),
        R("POST", "Invoices_DownloadSummaryByBillingAccount", Ba + "/{account}/invoices/{invoice}/downloadSummary", DownloadSummary),
        R("POST", "Invoices_DownloadByBillingSubscription", Ba + "/{account}/billingSubscriptions/{sub}/invoices/{invoice}/download", DownloadBySubscription),
        R("POST", "Invoices_DownloadDocumentsByBillingAccount", Ba + "/{account}/downloadDocuments", DocumentsByAccount),
        R("POST", "Invoices_DownloadDocumentsByBillingSubscription", Ba + "/{account}/billingSubscriptions/{sub}/downloadDocuments", DocumentsBySubscription),
        R("GET", "InvoiceDownload_OperationResult", Ba + "/{account}/operationResults/{op}", PollAccount),
        R("GET", "InvoiceDownload_OperationResultBySubscription", Ba + "/{account}/billingSubscriptions/{sub}/operationResults/{op}", PollSubscription),
    };

    private sealed record DownloadPayload(string Container, string Blob);

    private static async Task DownloadByAccount(ArmRequest r)
    {
        var inv = await InvoiceEndpoints.FindAccountInvoice(r);
        if (inv == null) return;
        await StartSingle(r, inv, "/" + Ba + "/" + r["account"]);
    }

    private static async Task DownloadSummary(ArmRequest r)
    {
        var a = await FindAccount(r);
        if (a == null) return;
        var inv = a.Invoices.FirstOrDefault(i => i.Name.Equals(r["invoice"], StringComparison.OrdinalIgnoreCase));
        if (inv == null) { await InvoiceEndpoints.InvoiceNotFound(r); return; }
        var summary = inv.Documents.FirstOrDefault(d => d.Kind == "Summary");
        if (summary == null) { await ArmErrors.BadRequest(r, "A summary document is only available for Enterprise Agreement invoices.", "InvalidInvoiceType"); return; }
        await StartSingle(r, inv, summary.Name, "/" + Ba + "/" + r["account"]);
    }

    private static async Task DownloadBySubscription(ArmRequest r)
    {
        var inv = await InvoiceEndpoints.FindSubscriptionInvoice(r);
        if (inv == null) return;
        await StartSingle(r, inv, $"/{Ba}/default/billingSubscriptions/{inv.Subscription!.Id}");
    }

    /// <summary>2024-04-01: optional documentName (default: the invoice document). 2020-05-01: required
    /// downloadToken ({source}_{document}, from documents[].url).</summary>
    private static async Task StartSingle(ArmRequest r, Invoice inv, string scopePath)
    {
        if (r.Is(ApiVersions.Billing2020))
        {
            string? token = r.Q("downloadToken");
            if (string.IsNullOrEmpty(token))
            {
                await ArmErrors.Write(r.Http, 400, "InvalidInput", "The query parameter 'downloadToken' is required.", "downloadToken");
                return;
            }
            var byToken = inv.Documents.FirstOrDefault(d => InvoiceEndpoints.DownloadToken(d).Equals(token, StringComparison.OrdinalIgnoreCase));
            if (byToken == null)
            {
                await ArmErrors.Write(r.Http, 404, "DocumentNotFound", $"No document of invoice '{inv.Name}' matches the downloadToken.", "downloadToken");
                return;
            }
            Accept(r, scopePath, new DownloadPayload("invoices", World.BlobNameOf(byToken) + ".pdf"));
            return;
        }
        await StartSingle(r, inv, r.Q("documentName"), scopePath);
    }

    private static async Task StartSingle(ArmRequest r, Invoice inv, string? documentName, string scopePath)
    {
        var doc = string.IsNullOrEmpty(documentName)
            ? inv.Documents.First(d => d.Kind == "Invoice")
            : inv.Documents.FirstOrDefault(d => d.Name.Equals(documentName, StringComparison.OrdinalIgnoreCase));
        if (doc == null)
        {
            await ArmErrors.Write(r.Http, 404, "DocumentNotFound", $"The document '{documentName}' was not found for invoice '{inv.Name}'.");
            return;
        }
        Accept(r, scopePath, new DownloadPayload("invoices", World.BlobNameOf(doc) + ".pdf"));
    }

    private static async Task DocumentsByAccount(ArmRequest r)
    {
        var a = r["account"].Equals("default", StringComparison.OrdinalIgnoreCase) ? null : await FindAccount(r);
        if (a == null && !r["account"].Equals("default", StringComparison.OrdinalIgnoreCase)) return;
        await StartBatch(r, a?.Invoices ?? r.E.World.InvoicesByName.Values.ToList(), "/" + Ba + "/" + r["account"]);
    }

    private static async Task DocumentsBySubscription(ArmRequest r)
    {
        var s = await InvoiceEndpoints.FindDefaultSubscription(r);
        if (s == null) return;
        await StartBatch(r, s.Account.IsPayg ? r.E.World.InvoicesOf(s).ToList() : new List<Invoice>(), $"/{Ba}/default/billingSubscriptions/{s.Id}");
    }

    private static async Task StartBatch(ArmRequest r, IReadOnlyCollection<Invoice> allowed, string scopePath)
    {
        List<(string, string)> items = new();
        try
        {
            using var doc = await JsonDocument.ParseAsync(r.Http.Request.Body);
            if (doc.RootElement.ValueKind != JsonValueKind.Array || doc.RootElement.GetArrayLength() == 0)
            {
                await ArmErrors.BadRequest(r, "The request body must be a non-empty JSON array of {invoiceName, documentName}.", "InvalidRequestBody");
                return;
            }
            foreach (var el in doc.RootElement.EnumerateArray())
            {
                if (r.Is(ApiVersions.Billing2020))
                {
                    // 2020-05-01: each item is a document URL (documents[].url): …/invoices/{invoice}/download?downloadToken=…
                    var item = ParseDocumentUrl(el.ValueKind == JsonValueKind.String ? el.GetString() : null);
                    if (item == null) { await ArmErrors.Write(r.Http, 400, "InvalidRequestBody", "Every item must be a document download URL (documents[].url) with a downloadToken.", "downloadUrls"); return; }
                    var inv2 = allowed.FirstOrDefault(i => i.Name.Equals(item.Value.Invoice, StringComparison.OrdinalIgnoreCase));
                    if (inv2 == null) { await ArmErrors.Write(r.Http, 404, "InvoiceNotFound", $"The invoice '{item.Value.Invoice}' was not found."); return; }
                    var d2 = inv2.Documents.FirstOrDefault(x => InvoiceEndpoints.DownloadToken(x).Equals(item.Value.Token, StringComparison.OrdinalIgnoreCase));
                    if (d2 == null) { await ArmErrors.Write(r.Http, 404, "DocumentNotFound", $"No document of invoice '{inv2.Name}' matches the downloadToken."); return; }
                    items.Add((inv2.Name, d2.Name));
                    continue;
                }
                string? invName = el.ValueKind == JsonValueKind.Object && el.TryGetProperty("invoiceName", out var n) ? n.GetString() : null;
                string? docName = el.ValueKind == JsonValueKind.Object && el.TryGetProperty("documentName", out var d) ? d.GetString() : null;
                if (string.IsNullOrEmpty(invName)) { await ArmErrors.BadRequest(r, "Every item needs an invoiceName.", "InvalidRequestBody"); return; }
                var inv = allowed.FirstOrDefault(i => i.Name.Equals(invName, StringComparison.OrdinalIgnoreCase));
                if (inv == null) { await ArmErrors.Write(r.Http, 404, "InvoiceNotFound", $"The invoice '{invName}' was not found."); return; }
                var docu = string.IsNullOrEmpty(docName) ? inv.Documents[0] : inv.Documents.FirstOrDefault(x => x.Name.Equals(docName, StringComparison.OrdinalIgnoreCase));
                if (docu == null) { await ArmErrors.Write(r.Http, 404, "DocumentNotFound", $"The document '{docName}' was not found for invoice '{inv.Name}'."); return; }
                items.Add((inv.Name, docu.Name));
            }
        }
        catch (JsonException)
        {
            await ArmErrors.BadRequest(r, "The request body is not valid JSON.", "InvalidRequestBody");
            return;
        }
        // The zip's name is a hash of its content list: the same request gives the same bytes.
        string key = "batch-" + Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(string.Join("|", items.Select(i => i.Item1 + "/" + i.Item2))))).Substring(0, 24).ToLowerInvariant();
        r.E.ZipBatches[key] = items.ToArray();
        Accept(r, scopePath, new DownloadPayload("invoices", key + ".zip"));
    }

    private static (string Invoice, string Token)? ParseDocumentUrl(string? url)
    {
        if (string.IsNullOrEmpty(url) || !Uri.TryCreate(url, UriKind.Absolute, out var u)) return null;
        var segs = u.AbsolutePath.Split('/', StringSplitOptions.RemoveEmptyEntries);
        int k = Array.FindLastIndex(segs, x => x.Equals("invoices", StringComparison.OrdinalIgnoreCase));
        if (k < 0 || k + 1 >= segs.Length) return null;
        var q = Microsoft.AspNetCore.WebUtilities.QueryHelpers.ParseQuery(u.Query);
        if (!q.TryGetValue("downloadToken", out var tok) || string.IsNullOrEmpty(tok)) return null;
        return (Uri.UnescapeDataString(segs[k + 1]), tok.ToString());
    }

    private static void Accept(ArmRequest r, string scopePath, DownloadPayload payload)
    {
        var f = r.E.Faults;
        // pathContains (when set) limits lroMode to matching download requests, so one invoice can fail among others.
        string mode = f.AppliesTo(r.Http.Request.Path.Value ?? "") ? f.Settings.LroMode : "normal";
        string id = "invoiceDownload_" + Guid.NewGuid();
        LongRunning.Start(r, id, "invoiceDownload", mode, ContractDuration, scopePath, $"{scopePath}/operationResults/{id}", payload);
    }

    private static Task PollAccount(ArmRequest r) => Poll(r, "/" + Ba + "/" + r["account"]);
    private static Task PollSubscription(ArmRequest r) => Poll(r, $"/{Ba}/{r["account"]}/billingSubscriptions/{r["sub"]}");

    private static async Task Poll(ArmRequest r, string scopePath)
    {
        var op = r.E.Operations.Get(r["op"]);
        if (op == null || op.Kind != "invoiceDownload" || !op.Scope.Equals(scopePath, StringComparison.OrdinalIgnoreCase))
        {
            await ArmErrors.Write(r.Http, 404, "OperationNotFound", $"The operation '{r["op"]}' was not found.");
            return;
        }
        if (LongRunning.AnswerIfRunning(r, op, overdue: TimeSpan.Zero)) return;
        if (op.Mode == "fail")
        {
            await ArmErrors.Write(r.Http, 400, "InvoiceDownloadFailed", "The invoice document could not be generated. Please try again later.");
            return;
        }
        var p = (DownloadPayload)op.Payload!;
        var (url, expiry) = r.E.IssueBlobUrl(p.Container, p.Blob, TimeSpan.FromHours(1));
        var w = JsonOut.Start(r.Http);
        w.WriteStartObject();
        w.WriteString("expiryTime", Blob.SasSigner.FormatExpiry(expiry));
        w.WriteString("url", url);
        w.WriteEndObject();
        await JsonOut.Finish(w);
    }
}
