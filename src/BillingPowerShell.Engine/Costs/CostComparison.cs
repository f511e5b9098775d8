using System;
using System.Collections.Generic;
using System.Linq;

namespace BillingPowerShell.Engine.Costs
{
    /// <summary>What Compare-BillingCost asks: one scope, one grouping, two periods of whole days.</summary>
    public sealed class CostComparisonQuery
    {
        public CostComparisonQuery(UsageScope scope, string groupBy, DateTime referenceStart, DateTime referenceEnd, DateTime differenceStart, DateTime differenceEnd)
        {
            Scope = scope; GroupBy = groupBy;
            ReferenceStart = referenceStart.Date; ReferenceEnd = referenceEnd.Date;
            DifferenceStart = differenceStart.Date; DifferenceEnd = differenceEnd.Date;
        }

        public UsageScope Scope { get; }
        /// <summary>A Query API dimension name (ServiceName, ResourceGroupName, ...) or "Tag:&lt;key&gt;".</summary>
        public string GroupBy { get; }
        public DateTime ReferenceStart { get; }
        public DateTime ReferenceEnd { get; }
        public DateTime DifferenceStart { get; }
        public DateTime DifferenceEnd { get; }
        public CostMetric Metric { get; set; } = CostMetric.ActualCost;

        /// <summary>The Query API request for one of the two periods: their total per group and currency.</summary>
        internal CostQuery Period(DateTime from, DateTime to)
        {
            var q = new CostQuery(Scope) { Timeframe = "Custom", From = from, To = to, Granularity = "None", Metric = Metric };
            q.GroupBy.Add(GroupBy);
            return q;
        }
    }

    /// <summary>
    /// Period against period, group by group (src/BillingPowerShell.Engine/Costs/README.md, "Comparing periods"):
    /// each (group, currency) pair is one result, so amounts in different currencies are never added up.
    /// </summary>
    public static class CostComparison
    {
        public static List<CostChange> Compare(CostComparisonQuery q, IEnumerable<CostRow> reference, IEnumerable<CostRow> difference)
        {
            var sums = new Dictionary<(string Name, string Currency), decimal[]>();
            Add(sums, reference, 0);
            Add(sums, difference, 1);
            var byCurrency = sums.GroupBy(kv => kv.Key.Currency, StringComparer.OrdinalIgnoreCase)
                .ToDictionary(g => g.Key, g => (Total: g.Sum(kv => kv.Value[1]), Net: g.Sum(kv => kv.Value[1] - kv.Value[0])), StringComparer.OrdinalIgnoreCase);
            return sums
                .Select(kv => Change(q, kv.Key.Name, kv.Key.Currency, kv.Value[0], kv.Value[1], byCurrency[kv.Key.Currency]))
                .OrderBy(c => c.Currency ?? "", StringComparer.OrdinalIgnoreCase)
                .ThenByDescending(c => Math.Abs(c.Change))
                .ThenBy(c => c.Name, StringComparer.OrdinalIgnoreCase)
                .ToList();
        }

        /// <summary>The group a Query row belongs to: its one grouping value (empty for cost without one).</summary>
        internal static string GroupOf(CostRow row)
        {
            foreach (var kv in row.Group) return kv.Value ?? "";
            return "";
        }

        private static void Add(Dictionary<(string, string), decimal[]> sums, IEnumerable<CostRow> rows, int slot)
        {
            foreach (var row in rows)
            {
                var key = (GroupOf(row), row.Currency ?? "");
                if (!sums.TryGetValue(key, out var pair)) sums[key] = pair = new decimal[2];
                pair[slot] += row.Cost;
            }
        }

        private static CostChange Change(CostComparisonQuery q, string name, string currency, decimal before, decimal after, (decimal Total, decimal Net) currencyTotals)
        {
            var change = after - before;
            var s = q.Scope;
            return new CostChange
            {
                Scope = s.Display, SubscriptionId = s.SubscriptionId, BillingAccountName = s.BillingAccountName,
                BillingProfileName = s.BillingProfileName, InvoiceSectionName = s.InvoiceSectionName,
                GroupBy = q.GroupBy, Name = name, Currency = currency.Length == 0 ? null : currency,
                ReferenceStart = q.ReferenceStart, ReferenceEnd = q.ReferenceEnd, DifferenceStart = q.DifferenceStart, DifferenceEnd = q.DifferenceEnd,
                ReferenceCost = before, DifferenceCost = after, Change = change,
                ChangePercent = Percent(change, before),
                ShareOfChange = Percent(change, currencyTotals.Net),
                Share = Percent(after, currencyTotals.Total),
                Status = StatusOf(before, after),
            };
        }

        internal static decimal? Percent(decimal part, decimal whole) => whole == 0 ? (decimal?)null : Math.Round(part / whole * 100, 2);

        private static CostChangeStatus StatusOf(decimal before, decimal after)
        {
            if (before == 0 && after != 0) return CostChangeStatus.New;
            if (before != 0 && after == 0) return CostChangeStatus.Removed;
            return after > before ? CostChangeStatus.Increased : after < before ? CostChangeStatus.Decreased : CostChangeStatus.Unchanged;
        }
    }
}
