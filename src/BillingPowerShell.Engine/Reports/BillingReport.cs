using System;
using System.Collections.Generic;

namespace BillingPowerShell.Engine.Reports
{
    /// <summary>
    /// What a report shows, gathered once and written as HTML or Markdown: the month's usage aggregate, its invoices,
    /// the current statement, and the month-over-month changes and anomalies when something computed them (null: not
    /// computed; the page says so rather than show made-up rows).
    /// </summary>
    public sealed class BillingReport
    {
        public string Scope { get; set; } = "";
        public string? DisplayName { get; set; }
        /// <summary>The first day of the report's month.</summary>
        public DateTime Month { get; set; }
        /// <summary>The days the usage covers: the month, or up to today for the month in progress.</summary>
        public DateTime StartDate { get; set; }
        public DateTime EndDate { get; set; }
        public string Metric { get; set; } = "ActualCost";
        public DateTimeOffset GeneratedAt { get; set; }
        /// <summary>How many rows the top lists keep per currency.</summary>
        public int Top { get; set; } = 10;
        public UsageAggregate Usage { get; set; } = new UsageAggregate();
        public IReadOnlyList<BillingInvoice> Invoices { get; set; } = Array.Empty<BillingInvoice>();
        /// <summary>The open period's statement, one per currency (Get-BillingCostEstimate's objects).</summary>
        public IReadOnlyList<CostEstimate> Estimates { get; set; } = Array.Empty<CostEstimate>();
        /// <summary>Per group: the previous month's and this month's cost. Null: not computed.</summary>
        public IReadOnlyList<ReportChange>? MonthOverMonth { get; set; }
        /// <summary>Costs that appeared, stopped, spiked or grew. Null: not computed.</summary>
        public IReadOnlyList<ReportAnomaly>? Anomalies { get; set; }
        /// <summary>What could not be read (a section's reason), shown in that section: key = section name.</summary>
        public IDictionary<string, string> Problems { get; } = new Dictionary<string, string>(StringComparer.Ordinal);
    }

    /// <summary>One group's cost in two periods, in one currency.</summary>
    public sealed class ReportChange
    {
        public string Dimension { get; set; } = "";
        public string Group { get; set; } = "";
        public string Currency { get; set; } = "";
        public decimal PreviousCost { get; set; }
        public decimal CurrentCost { get; set; }
        public decimal Change => CurrentCost - PreviousCost;
        /// <summary>The change as a share of the previous cost; null for a group that is new.</summary>
        public decimal? ChangePercent => PreviousCost == 0 ? (decimal?)null : Math.Round(Change / PreviousCost * 100m, 1);
    }

    /// <summary>One anomaly: a group's cost that appeared, stopped, spiked or grew steadily.</summary>
    public sealed class ReportAnomaly
    {
        public string Dimension { get; set; } = "";
        public string Group { get; set; } = "";
        /// <summary>New, Removed, SignificantChange, SteadyGrowth (the rules of Get-BillingCostAnomaly).</summary>
        public string Kind { get; set; } = "";
        public DateTime FirstDay { get; set; }
        public DateTime LastDay { get; set; }
        public string Currency { get; set; } = "";
        public decimal Cost { get; set; }
        public decimal? Change { get; set; }
        public string? Description { get; set; }
    }
}
