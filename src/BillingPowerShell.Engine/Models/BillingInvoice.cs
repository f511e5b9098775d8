using System;
using System.Collections.Generic;

namespace BillingPowerShell
{
    /// <summary>An invoice, whichever route (account, profile, billing subscription, legacy subscription) found it.</summary>
    public sealed class BillingInvoice
    {
        public string Name { get; set; } = "";
        /// <summary>The same value as <see cref="Name"/>, so invoices bind to -InvoiceId of the usage cmdlets.</summary>
        public string InvoiceId => Name;
        public DateTime? InvoiceDate { get; set; }
        public DateTime? DueDate { get; set; }
        public DateTime? PeriodStartDate { get; set; }
        public DateTime? PeriodEndDate { get; set; }
        public string? Status { get; set; }
        public decimal? AmountDue { get; set; }
        public decimal? BilledAmount { get; set; }
        public decimal? TotalAmount { get; set; }
        public decimal? TaxAmount { get; set; }
        public decimal? CreditAmount { get; set; }
        public string? Currency { get; set; }
        public string? InvoiceType { get; set; }
        public string? SubscriptionId { get; set; }
        public string? BillingAccountName { get; set; }
        public string? BillingProfileName { get; set; }
        public IReadOnlyList<InvoiceDocument> Documents { get; set; } = Array.Empty<InvoiceDocument>();
        public string Id { get; set; } = "";
        /// <summary>How the invoice can be downloaded: which API route found it.</summary>
        public InvoiceSource Source { get; set; }
        /// <summary>Legacy invoices carry their download link inline; never shown, never logged.</summary>
        internal string? LegacyDownloadUrl { get; set; }
        public override string ToString() => Name;
    }

    /// <summary>One document of an invoice (the invoice PDF, a credit note, a tax receipt...).</summary>
    public sealed class InvoiceDocument
    {
        public string Kind { get; set; } = "";
        public string Name { get; set; } = "";
        public override string ToString() => $"{Kind}:{Name}";
    }

    /// <summary>The route an invoice was listed through, which decides how it is downloaded.</summary>
    public enum InvoiceSource
    {
        BillingAccount,
        BillingSubscription,
        LegacySubscription,
    }
}
