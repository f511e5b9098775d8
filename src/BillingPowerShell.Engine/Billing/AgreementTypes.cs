using System;

namespace BillingPowerShell.Engine.Billing
{
    /// <summary>
    /// What each agreement type supports: the one place the engine and the cmdlets ask "which route, which source,
    /// which names" of an agreement type.
    /// </summary>
    public static class AgreementTypes
    {
        public const string PayAsYouGo = "MicrosoftOnlineServicesProgram";
        public const string Enterprise = "EnterpriseAgreement";
        public const string Customer = "MicrosoftCustomerAgreement";
        public const string Partner = "MicrosoftPartnerAgreement";

        public static bool HasBillingProfiles(string? agreement) =>
            string.Equals(agreement, Customer, StringComparison.OrdinalIgnoreCase) || string.Equals(agreement, Partner, StringComparison.OrdinalIgnoreCase);

        public static bool IsPayAsYouGo(string? agreement) => string.Equals(agreement, PayAsYouGo, StringComparison.OrdinalIgnoreCase);
        public static bool IsEnterprise(string? agreement) => string.Equals(agreement, Enterprise, StringComparison.OrdinalIgnoreCase);

        /// <summary>EA and MCA invoices belong to the billing account (or profile), not to a subscription.</summary>
        public static bool InvoicesBelongToAccount(string? agreement) => IsEnterprise(agreement) || HasBillingProfiles(agreement);

        /// <summary>Only pay-as-you-go subscriptions have (legacy) billing periods.</summary>
        public static bool HasBillingPeriods(string? agreement) => IsPayAsYouGo(agreement);

        /// <summary>
        /// A subscription that may be billed by pay-as-you-go billing periods (which start on its sign-up day): one
        /// that is not known to be EA or MCA.
        /// </summary>
        public static bool MayHaveBillingPeriods(string? agreement) => !IsEnterprise(agreement) && !HasBillingProfiles(agreement);

        /// <summary>
        /// The agreement a billing account name alone tells: an Enterprise Agreement enrollment number is all digits.
        /// Null when the name does not tell.
        /// </summary>
        public static string? FromAccountName(string accountName)
        {
            if (accountName.Length == 0) return null;
            foreach (var c in accountName) if (c < '0' || c > '9') return null;
            return Enterprise;
        }

        /// <summary>
        /// A pay-as-you-go billing period name ("201702-1", the period that ends in that month); an Enterprise Agreement
        /// billing period is a calendar month ("202401").
        /// </summary>
        public static bool IsPayAsYouGoPeriodName(string? periodName) => periodName is not null && periodName.IndexOf('-') > 0;
    }
}
