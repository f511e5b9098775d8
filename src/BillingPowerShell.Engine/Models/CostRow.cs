using System;
using System.Collections.Generic;

namespace BillingPowerShell
{
    /// <summary>One row of aggregated cost from the Query API: the grouping values, the day (with Daily granularity), cost and currency.</summary>
    public sealed class CostRow
    {
        public DateTime? Date { get; set; }
        public decimal Cost { get; set; }
        public string? Currency { get; set; }
        public string Scope { get; set; } = "";
        public string? SubscriptionId { get; set; }
        public string? BillingAccountName { get; set; }
        public string? BillingProfileName { get; set; }
        public string? InvoiceSectionName { get; set; }
        /// <summary>The display name of the piped scope object; null when the scope was typed by id.</summary>
        public string? DisplayName { get; set; }
        /// <summary>Grouping values by name (ResourceGroup, ServiceName, Tag:env...), in the order asked.</summary>
        public IDictionary<string, string?> Group { get; set; } = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
        public override string ToString() => $"{Date:yyyy-MM-dd} {Cost} {Currency}";
    }

    /// <summary>The "current statement": the open billing period's charges to date and where they are heading.</summary>
    public sealed class CostEstimate
    {
        /// <summary>The scope in words ("billing account 8080487, profile ..."); its parts are the properties below.</summary>
        public string Scope { get; set; } = "";
        public string? SubscriptionId { get; set; }
        public string? BillingAccountName { get; set; }
        public string? BillingProfileName { get; set; }
        public string? InvoiceSectionName { get; set; }
        /// <summary>The display name of the piped scope object; null when the scope was typed by id.</summary>
        public string? DisplayName { get; set; }
        public DateTime PeriodStart { get; set; }
        public DateTime PeriodEnd { get; set; }
        public DateTimeOffset AsOf { get; set; }
        public decimal CostToDate { get; set; }
        public string? Currency { get; set; }
        /// <summary>Cost to date spread over the whole period at the average daily rate of the days with data.</summary>
        public decimal ProjectedTotal { get; set; }
        public IReadOnlyList<CostRow> DailyCosts { get; set; } = Array.Empty<CostRow>();
        public override string ToString() => $"{CostToDate} {Currency} to date, {ProjectedTotal} projected";
    }
}
