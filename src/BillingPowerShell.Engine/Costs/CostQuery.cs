using System;
using System.Collections.Generic;

namespace BillingPowerShell.Engine.Costs
{
    /// <summary>What to ask the Query API (docs/contracts/azure-api/OPERATIONS.md, "Query_Usage").</summary>
    public sealed class CostQuery
    {
        public CostQuery(UsageScope scope) { Scope = scope; }
        public UsageScope Scope { get; }
        /// <summary>MonthToDate, BillingMonthToDate, TheLastMonth, TheLastBillingMonth, WeekToDate, or Custom (with the dates).</summary>
        public string Timeframe { get; set; } = "MonthToDate";
        public DateTime? From { get; set; }
        public DateTime? To { get; set; }
        /// <summary>Daily, Monthly or None.</summary>
        public string Granularity { get; set; } = "Daily";
        public CostMetric Metric { get; set; } = CostMetric.ActualCost;
        /// <summary>Dimension names (ResourceGroupName, ServiceName, ...) or "Tag:&lt;key&gt;"; at most two.</summary>
        public IList<string> GroupBy { get; } = new List<string>();
    }
}
