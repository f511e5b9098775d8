using System;
using System.Collections.Generic;

namespace BillingPowerShell
{
    /// <summary>A pay-as-you-go billing period (legacy Microsoft.Billing 2018-03-01-preview).</summary>
    public sealed class BillingPeriod
    {
        public string Name { get; set; } = "";
        /// <summary>The same value as <see cref="Name"/>, for binding to -BillingPeriodName.</summary>
        public string BillingPeriodName => Name;
        public string SubscriptionId { get; set; } = "";
        public DateTime StartDate { get; set; }
        public DateTime EndDate { get; set; }
        public IReadOnlyList<string> InvoiceNames { get; set; } = Array.Empty<string>();
        /// <summary>For a period without an invoice yet (the open one, or one just closed): when its invoice is
        /// expected, the day after it ends plus the subscription's observed issue lag (UTC date).</summary>
        public DateTime? NextInvoiceDate { get; set; }
        public string Id { get; set; } = "";
        public override string ToString() => Name;
    }
}
