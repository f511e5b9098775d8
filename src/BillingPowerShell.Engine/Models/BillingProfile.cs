using System;

namespace BillingPowerShell
{
    /// <summary>A billing profile of a Microsoft Customer (or Partner) Agreement account.</summary>
    public sealed class BillingProfile
    {
        public string Name { get; set; } = "";
        /// <summary>The same value as <see cref="Name"/>, for binding to -BillingProfileName.</summary>
        public string BillingProfileName => Name;
        public string BillingAccountName { get; set; } = "";
        public string? DisplayName { get; set; }
        public string? Currency { get; set; }
        public int? InvoiceDay { get; set; }
        /// <summary>The next occurrence of <see cref="InvoiceDay"/> after today (UTC), when the next invoice is issued.</summary>
        public DateTime? NextInvoiceDate { get; set; }
        public string? Status { get; set; }
        public string Id { get; set; } = "";
        public override string ToString() => Name;
    }
}
