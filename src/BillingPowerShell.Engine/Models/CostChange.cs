using System;

namespace BillingPowerShell
{
    /// <summary>How one group's cost moved between two periods (Compare-BillingCost).</summary>
    public enum CostChangeStatus { Increased, Decreased, Unchanged, New, Removed }

    /// <summary>
    /// One group's cost in a reference period and in a difference period, in one currency (a group billed in two
    /// currencies is two objects: amounts in different currencies are never added up).
    /// </summary>
    public sealed class CostChange
    {
        /// <summary>The scope in words; its parts are the properties below.</summary>
        public string Scope { get; set; } = "";
        public string? SubscriptionId { get; set; }
        public string? BillingAccountName { get; set; }
        public string? BillingProfileName { get; set; }
        public string? InvoiceSectionName { get; set; }
        /// <summary>What the costs are grouped by (ServiceName, ResourceGroupName, Tag:env, ...).</summary>
        public string GroupBy { get; set; } = "";
        /// <summary>The group's value (a service, a resource group, a tag value); empty for cost without one.</summary>
        public string Name { get; set; } = "";
        public string? Currency { get; set; }
        public DateTime ReferenceStart { get; set; }
        public DateTime ReferenceEnd { get; set; }
        public DateTime DifferenceStart { get; set; }
        public DateTime DifferenceEnd { get; set; }
        public decimal ReferenceCost { get; set; }
        public decimal DifferenceCost { get; set; }
        /// <summary>DifferenceCost - ReferenceCost.</summary>
        public decimal Change { get; set; }
        /// <summary>The change in percent of the reference cost; null for a new group (nothing to compare with).</summary>
        public decimal? ChangePercent { get; set; }
        /// <summary>This group's part of the net change of its currency, in percent; null when that net change is zero.</summary>
        public decimal? ShareOfChange { get; set; }
        /// <summary>This group's part of the difference period's total cost of its currency, in percent.</summary>
        public decimal? Share { get; set; }
        public CostChangeStatus Status { get; set; }
        public override string ToString() => $"{Name}: {ReferenceCost} -> {DifferenceCost} {Currency} ({Status})";
    }
}
