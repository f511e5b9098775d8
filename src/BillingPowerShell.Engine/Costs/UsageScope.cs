using System;
using BillingPowerShell.Engine.Billing;

namespace BillingPowerShell.Engine.Costs
{
    /// <summary>A billing scope for cost data: its ARM path and, when known, the agreement behind it.</summary>
    public sealed class UsageScope
    {
        public UsageScope(string path, string display, string? agreementType, bool isSubscription)
        {
            Path = path; Display = display; AgreementType = agreementType; IsSubscription = isSubscription;
        }

        public string Path { get; }
        public string Display { get; }
        public string? AgreementType { get; }
        public bool IsSubscription { get; }

        public bool IsPayAsYouGo => AgreementTypes.IsPayAsYouGo(AgreementType);
        public bool IsCustomerAgreement =>
            AgreementTypes.HasBillingProfiles(AgreementType)
            || (AgreementType is null && Path.IndexOf("/billingProfiles/", StringComparison.OrdinalIgnoreCase) >= 0);
        /// <summary>An Enterprise Agreement scope (Billing() marks an enrollment, an account named by digits, as one).</summary>
        public bool IsEnterprise => AgreementTypes.IsEnterprise(AgreementType);

        /// <summary>The scope's parts, as the objects of Get-BillingSubscription/Get-BillingAccount/Get-BillingProfile
        /// name them, so results carry them as properties that bind by name.</summary>
        public string? SubscriptionId { get; private set; }
        public string? BillingAccountName { get; private set; }
        public string? BillingProfileName { get; private set; }
        public string? InvoiceSectionName { get; private set; }
        /// <summary>The display name of the object the scope came from (a piped subscription, account or profile),
        /// carried onto the results; null when the scope was typed by id (no lookup is made for it).</summary>
        public string? DisplayName { get; set; }

        public static UsageScope Subscription(string id, string? agreement) =>
            new UsageScope($"/subscriptions/{id.ToLowerInvariant()}", $"subscription {id}", agreement, true) { SubscriptionId = id.ToLowerInvariant() };

        public static UsageScope Billing(string account, string? profile, string? invoiceSection, string? agreement)
        {
            var path = $"/providers/Microsoft.Billing/billingAccounts/{Uri.EscapeDataString(account)}";
            var display = $"billing account {account}";
            if (profile is not null) { path += $"/billingProfiles/{Uri.EscapeDataString(profile)}"; display += $", profile {profile}"; }
            if (invoiceSection is not null) { path += $"/invoiceSections/{Uri.EscapeDataString(invoiceSection)}"; display += $", invoice section {invoiceSection}"; }
            agreement ??= AgreementTypes.FromAccountName(account);
            return new UsageScope(path, display, agreement, false)
            {
                BillingAccountName = account, BillingProfileName = profile, InvoiceSectionName = invoiceSection,
            };
        }

        public override string ToString() => Display;
    }
}
