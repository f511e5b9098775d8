using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using BillingPowerShell.Engine.Costs;
using BillingPowerShell.Engine.Http;

namespace BillingPowerShell.Engine.Reports
{
    /// <summary>
    /// The report's month-over-month changes and anomalies, from the same engines as Compare-BillingCost and
    /// Get-BillingCostAnomaly (src/BillingPowerShell.Engine/Costs/README.md). Anomalies come from the daily cost per
    /// service the usage pass already aggregated (no request); the changes from four grouped Query API requests (the
    /// previous month and this one, by service and by resource group), not from a second usage pull.
    /// </summary>
    internal static class ReportInsights
    {
        public const string ChangesSection = "MonthOverMonth";
        private static readonly (string Dimension, string GroupBy)[] Dimensions = { ("Service", "ServiceName"), ("Resource group", "ResourceGroupName") };

        /// <summary>The anomalies of each service's daily cost over the report's days, per currency.</summary>
        public static IReadOnlyList<ReportAnomaly> Anomalies(BillingReport report, UsageScope scope)
        {
            var q = new CostAnomalyQuery(scope, "ServiceName", report.StartDate.Date, report.EndDate.Date);
            var rows = new List<CostRow>();
            foreach (var currency in report.Usage.Currencies)
                foreach (var service in report.Usage.DailyByService(currency))
                    foreach (var day in service.Value)
                        rows.Add(new CostRow { Date = day.Key, Cost = day.Value, Currency = currency, Group = { ["ServiceName"] = service.Key } });
            return CostAnomalyDetector.Detect(q, rows).Select(a => new ReportAnomaly
            {
                Dimension = "Service", Group = a.Name, Kind = a.Kind.ToString(), FirstDay = a.FromDate, LastDay = a.Date,
                Currency = a.Currency ?? "", Cost = a.Cost, Change = a.Change, Description = Describe(a),
            }).ToList();
        }

        /// <summary>Per service and resource group, this month's cost against the previous month's (the same days while
        /// the month is in progress); the report's Top largest changes per dimension and currency.</summary>
        public static async Task<IReadOnlyList<ReportChange>> ChangesAsync(CostService costs, BillingReport report, UsageScope scope, CostMetric metric, CallContext call, CancellationToken ct)
        {
            var start = report.StartDate.Date;
            var end = report.EndDate.Date;
            // A whole month against the whole month before; a month in progress against the same days of the one before.
            var previousStart = start.AddMonths(-1);
            var previousEnd = end == start.AddMonths(1).AddDays(-1) ? start.AddDays(-1) : previousStart.AddDays((end - start).Days);
            if (previousEnd >= start) previousEnd = start.AddDays(-1);
            var changes = new List<ReportChange>();
            foreach (var (dimension, groupBy) in Dimensions)
            {
                var q = new CostComparisonQuery(scope, groupBy, previousStart, previousEnd, start, end) { Metric = metric };
                var found = await costs.CompareAsync(q, call, ct).ConfigureAwait(false);
                changes.AddRange(found.Where(c => c.Change != 0)
                    .GroupBy(c => c.Currency ?? "", StringComparer.OrdinalIgnoreCase)
                    .SelectMany(g => g.OrderByDescending(c => Math.Abs(c.Change)).Take(report.Top))
                    .Select(c => new ReportChange { Dimension = dimension, Group = c.Name, Currency = c.Currency ?? "", PreviousCost = c.ReferenceCost, CurrentCost = c.DifferenceCost }));
            }
            return changes;
        }

        private static string Describe(CostAnomaly a) => a.Kind switch
        {
            CostAnomalyKind.New => "Cost appeared",
            CostAnomalyKind.Removed => "Cost stopped",
            CostAnomalyKind.Spike => "Cost changed sharply from the day before",
            _ => $"Cost grew every day for {a.Days} days",
        };
    }
}
