using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Runtime.CompilerServices;
using System.Text.Json;
using System.Threading;
using System.Threading.Tasks;
using Azure.Core;
using BillingPowerShell.Engine.Billing;
using BillingPowerShell.Engine.Http;

namespace BillingPowerShell.Engine.Costs
{
    /// <summary>Aggregated cost from Microsoft.CostManagement/query, page by page (nextLink is POSTed with the same body).</summary>
    public sealed class CostService
    {
        public const string Api = "2025-03-01";
        private readonly BillingClient _client;
        internal CostService(BillingClient client) { _client = client; }

        public async IAsyncEnumerable<CostRow> QueryAsync(CostQuery q, CallContext call, [EnumeratorCancellation] CancellationToken ct)
        {
            var body = JsonSerializer.SerializeToUtf8Bytes(Definition(q));
            Uri? next = _client.Arm.MakeUri($"{q.Scope.Path}/providers/Microsoft.CostManagement/query?api-version={Api}");
            var page = 0;
            while (next is not null)
            {
                var current = next;
                using var response = await _client.Arm.SendAsync(RequestMethod.Post, next, body, call, ct).ConfigureAwait(false);
                next = null;
                page++;
                if (response.Body is null) yield break;
                var props = response.Body.RootElement.Props();
                if (props.ValueKind != JsonValueKind.Object)
                    throw new ArmException(response.Status, "InvalidResponse", "The query answer has no 'properties'.");
                var columns = new List<string>();
                if (props.TryGetProperty("columns", out var cols) && cols.ValueKind == JsonValueKind.Array)
                    foreach (var c in cols.EnumerateArray()) columns.Add(c.Str("name") ?? "");
                var rows = 0;
                if (props.TryGetProperty("rows", out var rowArray) && rowArray.ValueKind == JsonValueKind.Array)
                    foreach (var row in rowArray.EnumerateArray())
                    {
                        rows++;
                        yield return ToRow(row, columns, q);
                    }
                call.Verbose?.Invoke($"Query page {page}: {rows} row(s).");
                var link = props.Str("nextLink");
                if (!string.IsNullOrEmpty(link)) next = _client.Arm.MakeUri(link!);
                if (next is not null && next == current)
                    throw new ArmException(response.Status, "InvalidResponse", $"Query page {page} links to itself as the next page; stopping instead of looping.");
            }
        }

        internal static Dictionary<string, object> Definition(CostQuery q)
        {
            var dataset = new Dictionary<string, object>
            {
                ["aggregation"] = new Dictionary<string, object> { ["totalCost"] = new Dictionary<string, string> { ["name"] = "Cost", ["function"] = "Sum" } },
            };
            // The API's granularity enum has only Daily; the service accepts "None" (its examples send it) and Monthly.
            dataset["granularity"] = q.Granularity;
            if (q.GroupBy.Count > 0)
                dataset["grouping"] = q.GroupBy.Select(g => g.StartsWith("Tag:", StringComparison.OrdinalIgnoreCase)
                    ? new Dictionary<string, string> { ["type"] = "TagKey", ["name"] = g.Substring(4) }
                    : new Dictionary<string, string> { ["type"] = "Dimension", ["name"] = g }).ToArray();
            var definition = new Dictionary<string, object>
            {
                ["type"] = q.Metric.ToString(),
                ["timeframe"] = q.Timeframe,
                ["dataset"] = dataset,
            };
            if (q.Timeframe == "Custom")
                definition["timePeriod"] = new Dictionary<string, string>
                {
                    ["from"] = q.From!.Value.ToString("yyyy-MM-dd'T'00:00:00'Z'", CultureInfo.InvariantCulture),
                    ["to"] = q.To!.Value.ToString("yyyy-MM-dd'T'23:59:59'Z'", CultureInfo.InvariantCulture),
                };
            return definition;
        }

        private static CostRow ToRow(JsonElement row, List<string> columns, CostQuery q)
        {
            var s = q.Scope;
            var r = new CostRow
            {
                Scope = s.Display, SubscriptionId = s.SubscriptionId, BillingAccountName = s.BillingAccountName,
                BillingProfileName = s.BillingProfileName, InvoiceSectionName = s.InvoiceSectionName, DisplayName = s.DisplayName,
            };
            var i = 0;
            foreach (var cell in row.EnumerateArray())
            {
                var name = i < columns.Count ? columns[i] : $"Column{i}";
                i++;
                switch (name.ToLowerInvariant())
                {
                    case "pretaxcost": case "cost": case "totalcost": case "costusd": case "pretaxcostusd":
                        if (cell.ValueKind == JsonValueKind.Number && cell.TryGetDecimal(out var d)) r.Cost += d;
                        else if (cell.ValueKind == JsonValueKind.String && decimal.TryParse(cell.GetString(), NumberStyles.Float, CultureInfo.InvariantCulture, out var ds)) r.Cost += ds;
                        break;
                    case "currency":
                        r.Currency = cell.ValueKind == JsonValueKind.String ? cell.GetString() : null;
                        break;
                    case "usagedate": case "billingmonth": case "date":
                        r.Date = ParseDate(cell);
                        break;
                    default:
                        r.Group[GroupName(name, q)] = cell.ValueKind == JsonValueKind.String ? cell.GetString() : cell.ValueKind == JsonValueKind.Null ? null : cell.GetRawText();
                        break;
                }
            }
            return r;
        }

        // A tag grouping comes back as two columns, TagKey and TagValue: name the value after the key asked for.
        private static string GroupName(string column, CostQuery q)
        {
            if (column.Equals("TagValue", StringComparison.OrdinalIgnoreCase))
                foreach (var g in q.GroupBy) if (g.StartsWith("Tag:", StringComparison.OrdinalIgnoreCase)) return g;
            return column;
        }

        private static DateTime? ParseDate(JsonElement cell)
        {
            // Daily answers carry UsageDate as a number yyyyMMdd (20180331); Monthly as a date-time string.
            var text = cell.ValueKind == JsonValueKind.Number ? cell.GetRawText() : cell.ValueKind == JsonValueKind.String ? cell.GetString() : null;
            if (text is null) return null;
            if (DateTime.TryParseExact(text, "yyyyMMdd", CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var d))
                return DateTime.SpecifyKind(d.Date, DateTimeKind.Utc);
            if (DateTime.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out d))
                return DateTime.SpecifyKind(d.Date, DateTimeKind.Utc);
            return null;
        }

        /// <summary>
        /// The open period's daily cost to date, and a straight-line projection to its end: one estimate per billing currency
        /// (a scope billed in several currencies, such as an MCA account with profiles in USD and GBP, gets one for each;
        /// amounts in different currencies are never added up).
        /// </summary>
        public async Task<IReadOnlyList<CostEstimate>> EstimateAsync(UsageScope scope, CostMetric metric, CallContext call, CancellationToken ct)
        {
            DateTime? start = null, end = null;
            if (scope.IsSubscription && AgreementTypes.MayHaveBillingPeriods(scope.AgreementType))
            {
                // Pay-as-you-go periods run from the sign-up day; the legacy billing periods API says which one is open.
                try
                {
                    if (await _client.Invoices.GetOpenBillingPeriodAsync(scope.SubscriptionId!, call, ct).ConfigureAwait(false) is BillingPeriod p)
                        (start, end) = (p.StartDate, p.EndDate);
                }
                catch (ArmException ex)
                {
                    call.Verbose?.Invoke($"No pay-as-you-go billing period for {scope} ({ex.Code}); using the calendar month.");
                }
            }
            return await EstimateAsync(scope, call.Today, call, ct, metric, start, end).ConfigureAwait(false);
        }

        /// <summary>The estimate for a known open period (by default the calendar month of <paramref name="today"/>).</summary>
        internal async Task<IReadOnlyList<CostEstimate>> EstimateAsync(UsageScope scope, DateTime today, CallContext call, CancellationToken ct,
            CostMetric metric = CostMetric.ActualCost, DateTime? periodStart = null, DateTime? periodEnd = null)
        {
            // The open period: a pay-as-you-go billing period when the caller found one (they start on the sign-up day),
            // else the calendar month (EA and MCA bill by calendar month).
            var start = periodStart?.Date ?? new DateTime(today.Year, today.Month, 1, 0, 0, 0, DateTimeKind.Utc);
            var end = periodEnd?.Date ?? start.AddMonths(1).AddDays(-1);
            start = DateTime.SpecifyKind(start, DateTimeKind.Utc);
            end = DateTime.SpecifyKind(end, DateTimeKind.Utc);
            var q = new CostQuery(scope) { Timeframe = "Custom", From = start, To = today.Date, Granularity = "Daily", Metric = metric };
            var days = new List<CostRow>();
            await foreach (var row in QueryAsync(q, call, ct).WithCancellation(ct).ConfigureAwait(false))
                days.Add(row); // at most 31 rows per currency
            days.Sort((a, b) => Nullable.Compare(a.Date, b.Date));
            var elapsed = (today.Date - start).Days + 1;
            var asOf = call.Now;
            var estimates = days.GroupBy(d => d.Currency ?? string.Empty, StringComparer.OrdinalIgnoreCase)
                .OrderBy(g => g.Key, StringComparer.OrdinalIgnoreCase)
                .Select(g => Estimate(scope, start, end, elapsed, asOf, g.ToList(), g.Key.Length == 0 ? null : g.Key))
                .ToList();
            if (estimates.Count == 0) estimates.Add(Estimate(scope, start, end, elapsed, asOf, days, null));
            return estimates;
        }

        private static CostEstimate Estimate(UsageScope scope, DateTime start, DateTime end, int elapsed, DateTimeOffset asOf, List<CostRow> days, string? currency)
        {
            var total = days.Sum(d => d.Cost);
            var daysWithData = days.Where(d => d.Date is not null).Select(d => d.Date!.Value).Distinct().Count();
            var basis = Math.Max(1, Math.Max(daysWithData, elapsed - 1)); // today is partial: do not let it drag the rate down
            var projected = daysWithData == 0 ? 0 : Math.Round(total / basis * ((end - start).Days + 1), 2);
            return new CostEstimate
            {
                Scope = scope.Display, SubscriptionId = scope.SubscriptionId, BillingAccountName = scope.BillingAccountName,
                BillingProfileName = scope.BillingProfileName, InvoiceSectionName = scope.InvoiceSectionName, DisplayName = scope.DisplayName,
                PeriodStart = start,
                PeriodEnd = end,
                AsOf = asOf,
                CostToDate = total,
                Currency = currency,
                ProjectedTotal = Math.Max(projected, total),
                DailyCosts = days,
            };
        }
    }
}
