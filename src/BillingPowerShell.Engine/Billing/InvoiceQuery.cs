using System;
using System.Collections.Generic;
using System.Linq;

namespace BillingPowerShell.Engine.Billing
{
    /// <summary>
    /// One command's question about invoices: the invoice dates, the statuses, newest only or all; and the scopes it
    /// has already listed, so each scope is listed once per command whatever the pipeline brings.
    /// </summary>
    public sealed class InvoiceQuery
    {
        private readonly HashSet<string> _scopesListed = new HashSet<string>(StringComparer.OrdinalIgnoreCase);

        /// <param name="from">First invoice date (UTC date), included.</param>
        /// <param name="to">Last invoice date (UTC date), included.</param>
        public InvoiceQuery(DateTime from, DateTime to) { From = from; To = to; }

        public DateTime From { get; }
        public DateTime To { get; }
        /// <summary>Due, OverDue, Paid, Void, Locked, Other; null: every status.</summary>
        public IReadOnlyCollection<string>? Status { get; set; }
        /// <summary>Only the newest invoice of each scope.</summary>
        public bool Latest { get; set; }

        /// <summary>True the first time a scope is asked for.</summary>
        internal bool FirstListing(string scopeKey) { lock (_scopesListed) return _scopesListed.Add(scopeKey); }

        internal bool Matches(BillingInvoice i)
        {
            var d = i.InvoiceDate ?? i.PeriodEndDate;
            var inRange = d is null || (d.Value.Date >= From && d.Value.Date <= To);
            return inRange && (Status is null || Status.Contains(i.Status ?? "", StringComparer.OrdinalIgnoreCase));
        }
    }

    /// <summary>
    /// Whose invoices: a subscription (with, when known, its account, profile and agreement type), a billing account
    /// or profile, a pay-as-you-go billing period of a subscription, or (nothing named) every account the caller reads.
    /// </summary>
    public sealed class InvoiceScope
    {
        public string? BillingAccountName { get; set; }
        public string? BillingProfileName { get; set; }
        public string? SubscriptionId { get; set; }
        public string? BillingPeriodName { get; set; }
        public string? AgreementType { get; set; }
    }
}
