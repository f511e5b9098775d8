using System;

namespace BillingPowerShell
{
    /// <summary>A subscription as the billing account sees it.</summary>
    public sealed class BillingSubscription
    {
        /// <summary>Always lower-case.</summary>
        public string SubscriptionId { get; set; } = "";
        public string? DisplayName { get; set; }
        public string? Status { get; set; }
        public string BillingAccountName { get; set; } = "";
        public string? AgreementType { get; set; }
        public string? BillingProfileName { get; set; }
        public string? InvoiceSectionName { get; set; }
        public string? SkuId { get; set; }
        public string? SkuDescription { get; set; }
        /// <summary>When the subscription's next invoice is issued (UTC date), by its agreement type's rule
        /// (Get-BillingSubscription help); filled by Get-BillingSubscription.</summary>
        public DateTime? NextInvoiceDate { get; set; }
        public string Id { get; set; } = "";
        public override string ToString() => SubscriptionId;
    }
}
