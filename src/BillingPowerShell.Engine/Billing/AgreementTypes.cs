using System;

namespace BillingPowerShell.Engine.Billing
{
    /// <summary>What each agreement type supports.</summary>
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
    }
}
