using System;
using System.Collections.Generic;
using System.Linq;

namespace BillingPowerShell.Engine.Costs
{
    /// <summary>What Get-BillingCostAnomaly asks: one scope, one grouping, a window of whole days, and the thresholds.</summary>
    public sealed class CostAnomalyQuery
    {
        public CostAnomalyQuery(UsageScope scope, string groupBy, DateTime start, DateTime end)
        {
            Scope = scope; GroupBy = groupBy; Start = start.Date; End = end.Date;
        }

        public UsageScope Scope { get; }
        /// <summary>A Query API dimension name (ServiceName, ResourceGroupName, ...) or "Tag:&lt;key&gt;".</summary>
        public string GroupBy { get; }
        public DateTime Start { get; }
        public DateTime End { get; }
        public CostMetric Metric { get; set; } = CostMetric.ActualCost;
        /// <summary>A cost (or change) must be above this, in the group's currency, to count. azure-cost-cli: 2.00.</summary>
        public decimal MinimumCost { get; set; } = 2m;
        /// <summary>A spike is a day more than this many percent above the day before. azure-cost-cli: 75.</summary>
        public decimal SpikePercent { get; set; } = 75m;
        /// <summary>Steady growth: the window's last this many days each cost more than the day before. azure-cost-cli: 7.</summary>
        public int GrowthDays { get; set; } = 7;

        /// <summary>The kinds to report; empty: every kind.</summary>
        public ISet<CostAnomalyKind> Kinds { get; } = new HashSet<CostAnomalyKind>();

        internal int DayCount => (End - Start).Days + 1;

        internal CostQuery Daily()
        {
            var q = new CostQuery(Scope) { Timeframe = "Custom", From = Start, To = End, Granularity = "Daily", Metric = Metric };
            q.GroupBy.Add(GroupBy);
            return q;
        }
    }

    /// <summary>
    /// The anomaly rules over each group's daily cost (src/BillingPowerShell.Engine/Costs/README.md, "Cost anomalies"):
    /// New, Removed, Spike, SteadyGrowth; at most one of each kind per group and currency, the latest.
    /// </summary>
    public static class CostAnomalyDetector
    {
        public static List<CostAnomaly> Detect(CostAnomalyQuery q, IEnumerable<CostRow> dailyRows)
        {
            var found = new List<CostAnomaly>();
            foreach (var series in Series(q, dailyRows))
            {
                var c = series.Value;
                var newDay = NewDay(q, c);
                var candidates = new (CostAnomalyKind Kind, int From, int To)?[]
                {
                    newDay is int n ? (CostAnomalyKind.New, n - 1, n) : null,
                    RemovedDay(q, c) is int r ? (CostAnomalyKind.Removed, r - 1, r) : null,
                    SpikeDay(q, c, newDay) is int s ? (CostAnomalyKind.Spike, s - 1, s) : null,
                    IsSteadyGrowth(q, c) ? (CostAnomalyKind.SteadyGrowth, c.Length - q.GrowthDays, c.Length - 1) : null,
                };
                foreach (var hit in candidates)
                    if (hit is { } h && (q.Kinds.Count == 0 || q.Kinds.Contains(h.Kind))) found.Add(Anomaly(q, series.Key.Name, series.Key.Currency, c, h.Kind, h.From, h.To));
            }
            return found.OrderBy(a => a.Date).ThenBy(a => a.Kind).ThenBy(a => a.Name, StringComparer.OrdinalIgnoreCase)
                .ThenBy(a => a.Currency ?? "", StringComparer.OrdinalIgnoreCase).ToList();
        }

        /// <summary>Each (group, currency)'s cost per day of the window; a day the Query API did not list cost nothing.</summary>
        private static Dictionary<(string Name, string Currency), decimal[]> Series(CostAnomalyQuery q, IEnumerable<CostRow> rows)
        {
            var series = new Dictionary<(string, string), decimal[]>();
            foreach (var row in rows)
            {
                if (row.Date is not DateTime d || d.Date < q.Start || d.Date > q.End) continue;
                var key = (CostComparison.GroupOf(row), row.Currency ?? "");
                if (!series.TryGetValue(key, out var days)) series[key] = days = new decimal[q.DayCount];
                days[(d.Date - q.Start).Days] += row.Cost;
            }
            return series;
        }

        /// <summary>New: nothing on the window's first day, more than the minimum on a later one; the first day with cost.</summary>
        internal static int? NewDay(CostAnomalyQuery q, decimal[] c)
        {
            if (c[0] != 0 || !c.Skip(1).Any(x => x > q.MinimumCost)) return null;
            return Array.FindIndex(c, x => x != 0);
        }

        /// <summary>Removed: nothing on the window's last day, more than the minimum on an earlier one; the day after the last cost.</summary>
        internal static int? RemovedDay(CostAnomalyQuery q, decimal[] c)
        {
            if (c[c.Length - 1] != 0 || !c.Take(c.Length - 1).Any(x => x > q.MinimumCost)) return null;
            return Array.FindLastIndex(c, x => x != 0) + 1;
        }

        /// <summary>
        /// Spike: a day's rise over the day before is above the minimum and more than SpikePercent of it (a rise from
        /// nothing always is); the latest such day. The day a new cost first shows is reported as New, not also as a spike.
        /// </summary>
        internal static int? SpikeDay(CostAnomalyQuery q, decimal[] c, int? newDay)
        {
            for (var i = c.Length - 1; i >= 1; i--)
            {
                if (i == newDay) continue;
                var rise = c[i] - c[i - 1];
                if (rise > q.MinimumCost && (c[i - 1] <= 0 || rise / c[i - 1] * 100 > q.SpikePercent)) return i;
            }
            return null;
        }

        /// <summary>Steady growth: each of the window's last GrowthDays days costs more than the day before it, and the
        /// run grew by more than the minimum.</summary>
        internal static bool IsSteadyGrowth(CostAnomalyQuery q, decimal[] c)
        {
            if (c.Length < q.GrowthDays) return false;
            var first = c.Length - q.GrowthDays;
            for (var i = first + 1; i < c.Length; i++)
                if (c[i] <= c[i - 1]) return false;
            return c[c.Length - 1] - c[first] > q.MinimumCost;
        }

        private static CostAnomaly Anomaly(CostAnomalyQuery q, string name, string currency, decimal[] c, CostAnomalyKind kind, int from, int to)
        {
            var s = q.Scope;
            var before = c[from];
            var after = to < c.Length ? c[to] : 0m;
            return new CostAnomaly
            {
                Scope = s.Display, SubscriptionId = s.SubscriptionId, BillingAccountName = s.BillingAccountName,
                BillingProfileName = s.BillingProfileName, InvoiceSectionName = s.InvoiceSectionName,
                GroupBy = q.GroupBy, Name = name, Kind = kind, Currency = currency.Length == 0 ? null : currency,
                FromDate = q.Start.AddDays(from), Date = q.Start.AddDays(to), Days = to - from + 1,
                PreviousCost = before, Cost = after, Change = after - before,
                ChangePercent = CostComparison.Percent(after - before, before),
                DailyCosts = c.Select((cost, i) => new CostRow
                {
                    Date = q.Start.AddDays(i), Cost = cost, Currency = currency.Length == 0 ? null : currency, Scope = s.Display,
                    SubscriptionId = s.SubscriptionId, BillingAccountName = s.BillingAccountName,
                    BillingProfileName = s.BillingProfileName, InvoiceSectionName = s.InvoiceSectionName,
                }).ToList(),
            };
        }
    }
}
