using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text.Json;
using System.Threading.Tasks;
using BillingPowerShell.Emulator.Data;
using BillingPowerShell.Emulator.Infrastructure;

namespace BillingPowerShell.Emulator.Usage;

/// <summary>
/// generateCostDetailsReport 2025-03-01: docs/contracts/azure-api/OPERATIONS.md,
/// "GenerateCostDetailsReport_CreateOperation" and "GenerateCostDetailsReport_GetOperationResults (poll)".
/// POST → 202 (Location, Retry-After 60 s × scale) → poll
/// costDetailsOperationResults/{id} → 200 manifest with SAS blob links on the blob host.
/// </summary>
internal static class CostDetailsEndpoints
{
    public static readonly TimeSpan ContractDuration = TimeSpan.FromSeconds(60);

    public static IEnumerable<Route> Routes() => new[]
    {
        Billing.AccountEndpoints.R("POST", "GenerateCostDetailsReport_CreateOperation", "{*scope}/providers/Microsoft.CostManagement/generateCostDetailsReport", Create, ApiFamily.CostManagement),
        Billing.AccountEndpoints.R("GET", "GenerateCostDetailsReport_GetOperationResults", "{*scope}/providers/Microsoft.CostManagement/costDetailsOperationResults/{op}", Poll, ApiFamily.CostManagement),
    };

    private sealed record Payload(CostReport Report, string RequestScope, JsonElement RequestBody, string Metric);

    private static async Task Create(ArmRequest r)
    {
        var e = r.E;
        var world = e.World;
        var scope = UsageScope.Parse(world, r.Scope, out var err);
        if (scope == null) { await ArmErrors.Write(r.Http, err.Status, err.Code, err.Message); return; }
        if (scope.IsPayg)
        {
            // The Cost Details API does not serve pay-as-you-go (MS-AZR-0003P, "WebDirect") subscriptions.
            await ArmErrors.Write(r.Http, 422, "Unsupported",
                $"Cost details report is not supported for this scope: offer type WebDirect (MS-AZR-0003P) is not supported. Scope: {scope.Id}.");
            return;
        }

        JsonElement body;
        try
        {
            using var doc = await JsonDocument.ParseAsync(r.Http.Request.Body);
            body = doc.RootElement.Clone();
        }
        catch (JsonException)
        {
            await Bad(r, "Invalid request payload. Request payload provided is not in a json format.");
            return;
        }
        if (body.ValueKind != JsonValueKind.Object) { await Bad(r, "Invalid request payload. Request payload must be a JSON object."); return; }
        var (request, requestError) = ReadRequest(body);
        if (request == null) { await Bad(r, requestError!); return; }
        var (range, rangeError) = ResolveRange(world, scope, request);
        if (range == null) { await Bad(r, rangeError!); return; }
        var (from, to) = range.Value;
        string metric = request.Metric;

        bool amortized = metric.Equals("AmortizedCost", StringComparison.OrdinalIgnoreCase);
        var report = new CostReport
        {
            Id = Guid.NewGuid().ToString(), World = world, Usage = e.Usage, Subs = scope.Subs, From = from, To = to, Amortized = amortized,
            Schema = scope.IsMca ? CsvSchemas.Mca : CsvSchemas.Ea, RowsPerBlob = Math.Max(1, e.Options.CsvRowsPerBlob),
        };
        e.CostReports[report.Id] = report;
        // Counting bytes for the manifest is the expensive part of a big report: do it in the background while
        // the client waits for its Retry-After. (lroMode applies to every report; pathContains does not narrow it.)
        LongRunning.Start(r, report.Id, "costDetails", e.Faults.Settings.LroMode, ContractDuration, r.Scope,
            $"{r.Scope}/providers/Microsoft.CostManagement/costDetailsOperationResults/{report.Id}",
            new Payload(report, r.Scope.TrimStart('/'), body, metric), work: Task.Run(report.Prepare));
    }

    private static Task Bad(ArmRequest r, string message) => ArmErrors.Write(r.Http, 400, "BadRequest", message);

    /// <summary>The members of a report request; at most one of timePeriod, billingPeriod, invoiceId.</summary>
    private sealed record ReportRequest(string Metric, bool HasTime, bool HasPeriod, bool HasInvoice, DateOnly From, DateOnly To,
        string? BillingPeriod, string? InvoiceId);

    /// <summary>Reads the body's members in order; the message of the first one refused, as the service words it.</summary>
    private static (ReportRequest?, string?) ReadRequest(JsonElement body)
    {
        string metric = "ActualCost";
        bool hasTime = false, hasPeriod = false, hasInvoice = false;
        DateOnly from = default, to = default;
        string? billingPeriod = null, invoiceId = null;
        foreach (var p in body.EnumerateObject())
        {
            switch (p.Name.ToLowerInvariant())
            {
                case "metric":
                    metric = p.Value.ValueKind == JsonValueKind.String ? p.Value.GetString()! : "";
                    if (!metric.Equals("ActualCost", StringComparison.OrdinalIgnoreCase) && !metric.Equals("AmortizedCost", StringComparison.OrdinalIgnoreCase))
                        return (null, $"Invalid request payload. Invalid metric '{metric}'. Allowed values: ActualCost, AmortizedCost.");
                    break;
                case "timeperiod":
                    hasTime = true;
                    if (p.Value.ValueKind != JsonValueKind.Object || !p.Value.TryGetProperty("start", out var s) || !p.Value.TryGetProperty("end", out var en)
                        || !DateOnly.TryParse(s.GetString(), CultureInfo.InvariantCulture, out from) || !DateOnly.TryParse(en.GetString(), CultureInfo.InvariantCulture, out to))
                        return (null, "Invalid request payload. timePeriod needs start and end dates (yyyy-MM-dd).");
                    break;
                case "billingperiod": hasPeriod = true; billingPeriod = p.Value.ValueKind == JsonValueKind.String ? p.Value.GetString() : null; break;
                case "invoiceid": hasInvoice = true; invoiceId = p.Value.ValueKind == JsonValueKind.String ? p.Value.GetString() : null; break;
                default: return (null, $"Invalid request payload. The member '{p.Name}' is not accepted.");
            }
        }
        if ((hasTime ? 1 : 0) + (hasPeriod ? 1 : 0) + (hasInvoice ? 1 : 0) > 1)
            return (null, "Invalid request payload: can only have either timePeriod or invoiceId or billingPeriod.");
        return (new ReportRequest(metric, hasTime, hasPeriod, hasInvoice, from, to, billingPeriod, invoiceId), null);
    }

    /// <summary>The days of the report: its timePeriod (at most a month, at most 13 months back), its EA billingPeriod,
    /// its MCA invoice's period (at the billing profile scope), or else the open month.</summary>
    private static ((DateOnly From, DateOnly To)?, string?) ResolveRange(World world, UsageScope scope, ReportRequest q)
    {
        DateOnly from = q.From, to = q.To;
        var monthStart = new DateOnly(world.Today.Year, world.Today.Month, 1);
        var oldest = monthStart.AddMonths(-13);
        if (q.HasTime)
        {
            if (to < from) return (null, "Invalid request payload. The end date must be on or after the start date.");
            if (from < oldest) return (null, $"Start date must be after {oldest.AddDays(-1):yyyy-MM-dd}. API only allows data to be pulled no older than 13 months from now.");
            if (to > from.AddMonths(1).AddDays(-1)) return (null, "The maximum allowed date range is 1 months.");
        }
        else if (q.HasPeriod)
        {
            string? billingPeriod = q.BillingPeriod;
            if (!scope.Account.IsEa) return (null, "Invalid request payload. billingPeriod can only be used by Enterprise Agreement customers.");
            if (billingPeriod == null || billingPeriod.Length != 6 || !UsageScope.TryPeriodRange(billingPeriod, out from, out to))
                return (null, $"Invalid request payload. Invalid billingPeriod '{billingPeriod}'. Use the YearMonth format, e.g. 202008.");
            if (from < oldest) return (null, $"Start date must be after {oldest.AddDays(-1):yyyy-MM-dd}. API only allows data to be pulled no older than 13 months from now.");
        }
        else if (q.HasInvoice)
        {
            if (!scope.IsMca || scope.Profile == null || scope.Section != null || scope.Subscription != null)
                return (null, "Invalid request payload. invoiceId can only be used by Microsoft Customer Agreement customers at the billing profile scope.");
            var inv = world.InvoicesOf(scope.Profile).FirstOrDefault(i => i.Name.Equals(q.InvoiceId, StringComparison.OrdinalIgnoreCase));
            if (inv == null) return (null, $"Invalid request payload. Invoice '{q.InvoiceId}' was not found for this billing profile.");
            from = inv.PeriodStart;
            to = inv.PeriodEnd;
        }
        else { from = monthStart; to = world.Today; } // the open month
        return ((from, to), null);
    }

    private static async Task Poll(ArmRequest r)
    {
        var e = r.E;
        var op = e.Operations.Get(r["op"]);
        if (op == null || op.Kind != "costDetails" || !op.Scope.Equals(r.Scope, StringComparison.OrdinalIgnoreCase))
        {
            await ArmErrors.Write(r.Http, 404, "NotFound", $"The operation '{r["op"]}' was not found.");
            return;
        }
        // Past its ready time while still counting bytes: come back in a (scaled) second.
        if (LongRunning.AnswerIfRunning(r, op, overdue: e.Options.Scale(TimeSpan.FromSeconds(1)))) return;
        var p = (Payload)op.Payload!;
        var report = p.Report;
        if (op.Work?.IsFaulted == true) Console.Error.WriteLine("emulator error preparing cost report " + op.Id + ": " + op.Work.Exception);
        string status = op.Mode == "fail" || op.Work?.IsFaulted == true ? "Failed" : report.TotalRows == 0 ? "NoDataFound" : "Completed";
        var validTill = DateTime.UtcNow.AddHours(1);
        var w = JsonOut.Start(r.Http);
        w.WriteStartObject();
        w.WriteString("id", $"{p.RequestScope}/providers/Microsoft.CostManagement/costDetailsOperationResults/{op.Id}");
        w.WriteString("name", op.Id);
        w.WriteString("type", "Microsoft.CostManagement/costDetailsOperationResults");
        w.WriteString("status", status);
        if (status != "Failed")
        {
            w.WriteStartObject("manifest");
            w.WriteString("manifestVersion", r.Is(ApiVersions.CostManagement2022) ? ApiVersions.CostManagement2022 : "2025-03-01");
            w.WriteString("dataFormat", "Csv");
            w.WriteNumber("blobCount", report.Parts.Count);
            w.WriteNumber("byteCount", report.TotalBytes);
            w.WriteBoolean("compressData", false);
            w.WriteStartObject("requestContext");
            w.WriteString("requestScope", p.RequestScope);
            w.WritePropertyName("requestBody");
            p.RequestBody.WriteTo(w);
            w.WriteEndObject();
            w.WriteStartArray("blobs");
            foreach (var part in report.Parts)
            {
                var (url, expiry) = e.IssueBlobUrl("costdetails", report.Id + "/" + part.BlobName, TimeSpan.FromHours(1));
                validTill = expiry;
                w.WriteStartObject();
                w.WriteString("blobLink", url);
                w.WriteNumber("byteCount", part.Length);
                w.WriteEndObject();
            }
            w.WriteEndArray();
            w.WriteEndObject();
        }
        w.WriteString("validTill", validTill.ToString("yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'", CultureInfo.InvariantCulture));
        if (status == "Failed")
        {
            w.WriteStartObject("error");
            w.WriteString("code", "ReportGenerationFailed");
            w.WriteString("message", "The cost details report could not be generated. Please retry the request.");
            w.WriteEndObject();
        }
        w.WriteEndObject();
        await JsonOut.Finish(w);
    }
}
