using System;
using System.Collections.Generic;

namespace BillingPowerShell
{
    /// <summary>
    /// What Get-BillingCostAnomaly flags (azure-cost-cli's rules as the anchor: NewCost, RemovedCost,
    /// SignificantChange, SteadyGrowth; see src/BillingPowerShell.Engine/Costs/README.md, "Cost anomalies").
    /// </summary>
    public enum CostAnomalyKind { New, Removed, Spike, SteadyGrowth }

    /// <summary>One anomaly of one group's daily cost in one currency.</summary>
    public sealed class CostAnomaly
    {
        public string Scope { get; set; } = "";
        public string? SubscriptionId { get; set; }
        public string? BillingAccountName { get; set; }
        public string? BillingProfileName { get; set; }
        public string? InvoiceSectionName { get; set; }
        /// <summary>What the costs are grouped by (ServiceName, ResourceGroupName, Tag:env, ...).</summary>
        public string GroupBy { get; set; } = "";
        /// <summary>The group's value; empty for cost without one.</summary>
        public string Name { get; set; } = "";
        public CostAnomalyKind Kind { get; set; }
        /// <summary>The day the anomaly shows: the first day with cost (New), the first day without (Removed), the day of
        /// the jump (Spike), the last day of the run (SteadyGrowth).</summary>
        public DateTime Date { get; set; }
        /// <summary>The first day the rule compared: the day before <see cref="Date"/>, or the first day of a growth run.</summary>
        public DateTime FromDate { get; set; }
        /// <summary>Days from FromDate to Date, both counted.</summary>
        public int Days { get; set; }
        /// <summary>The cost on FromDate.</summary>
        public decimal PreviousCost { get; set; }
        /// <summary>The cost on Date.</summary>
        public decimal Cost { get; set; }
        /// <summary>Cost - PreviousCost.</summary>
        public decimal Change { get; set; }
        /// <summary>The change in percent of PreviousCost; null when PreviousCost is zero.</summary>
        public decimal? ChangePercent { get; set; }
        public string? Currency { get; set; }
        /// <summary>The group's cost on every day of the window (days without cost are 0), oldest first.</summary>
        public IReadOnlyList<CostRow> DailyCosts { get; set; } = Array.Empty<CostRow>();
        public override string ToString() => $"{Kind} {Name} {Date:yyyy-MM-dd}: {PreviousCost} -> {Cost} {Currency}";
    }
}
