using System;

namespace BillingPowerShell
{
    /// <summary>A billing account (pay-as-you-go, Enterprise Agreement, Microsoft Customer or Partner Agreement).</summary>
    public sealed class BillingAccount
    {
        public string Name { get; set; } = "";
        /// <summary>The same value as <see cref="Name"/>, so that accounts bind by property name to -BillingAccountName.</summary>
        public string BillingAccountName => Name;
        public string? DisplayName { get; set; }
        public string? AgreementType { get; set; }
        public string? AccountType { get; set; }
        public string? AccountStatus { get; set; }
        public string Id { get; set; } = "";
        public EnrollmentDetails? EnrollmentDetails { get; set; }
        public PostalAddress? SoldTo { get; set; }
        public override string ToString() => Name;
    }

    /// <summary>Enterprise Agreement enrollment details.</summary>
    public sealed class EnrollmentDetails
    {
        public DateTimeOffset? StartDate { get; set; }
        public DateTimeOffset? EndDate { get; set; }
        public string? Currency { get; set; }
        public string? Channel { get; set; }
        public string? Language { get; set; }
        public string? CountryCode { get; set; }
        public string? BillingCycle { get; set; }
        public string? SupportLevel { get; set; }
        public string? PoNumber { get; set; }
        public override string ToString() => $"{Currency} {StartDate:yyyy-MM-dd}..{EndDate:yyyy-MM-dd}";
    }

    /// <summary>An address (sold-to, bill-to).</summary>
    public sealed class PostalAddress
    {
        public string? CompanyName { get; set; }
        public string? FirstName { get; set; }
        public string? LastName { get; set; }
        public string? AddressLine1 { get; set; }
        public string? City { get; set; }
        public string? Region { get; set; }
        public string? PostalCode { get; set; }
        public string? Country { get; set; }
        public override string ToString() => string.Join(", ", new[] { CompanyName, City, Country }).Trim(',', ' ');
    }
}
