using System;
using System.Collections.Generic;
using System.Globalization;
using BillingPowerShell.Engine.Billing;

namespace BillingPowerShell.Engine.Costs
{
    /// <summary>Which API delivers usage: the Cost Details report (EA, MCA) or Consumption usage details (pay-as-you-go).</summary>
    public enum UsageSource { Auto, CostDetails, UsageDetails }

    public enum CostMetric { ActualCost, AmortizedCost }

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

        public static UsageScope Subscription(string id, string? agreement) =>
            new UsageScope($"/subscriptions/{id.ToLowerInvariant()}", $"subscription {id}", agreement, true) { SubscriptionId = id.ToLowerInvariant() };

        public static UsageScope Billing(string account, string? profile, string? invoiceSection, string? agreement)
        {
            var path = $"/providers/Microsoft.Billing/billingAccounts/{Uri.EscapeDataString(account)}";
            var display = $"billing account {account}";
            if (profile is not null) { path += $"/billingProfiles/{Uri.EscapeDataString(profile)}"; display += $", profile {profile}"; }
            if (invoiceSection is not null) { path += $"/invoiceSections/{Uri.EscapeDataString(invoiceSection)}"; display += $", invoice section {invoiceSection}"; }
            // Enrollment numbers are all digits: that alone says Enterprise Agreement.
            agreement ??= IsAllDigits(account) ? "EnterpriseAgreement" : null;
            return new UsageScope(path, display, agreement, false)
            {
                BillingAccountName = account, BillingProfileName = profile, InvoiceSectionName = invoiceSection,
            };
        }

        private static bool IsAllDigits(string s)
        {
            foreach (var c in s) if (c < '0' || c > '9') return false;
            return s.Length > 0;
        }

        public override string ToString() => Display;
    }

    /// <summary>What usage to get: scope, time (days, a billing period, or an invoice), metric and source.</summary>
    public sealed class UsageRequest
    {
        public UsageRequest(UsageScope scope) { Scope = scope; }

        public UsageScope Scope { get; }
        /// <summary>Inclusive first and last day (UTC dates).</summary>
        public DateTime? StartDate { get; set; }
        public DateTime? EndDate { get; set; }
        /// <summary>Pay-as-you-go "201702-1" (usage-details scope suffix) or EA "202401" (cost details billingPeriod).</summary>
        public string? BillingPeriodName { get; set; }
        /// <summary>MCA invoice id for the cost details report.</summary>
        public string? InvoiceId { get; set; }
        public CostMetric Metric { get; set; } = CostMetric.ActualCost;
        public UsageSource Source { get; set; } = UsageSource.Auto;
        /// <summary>How many chunks may be fetched ahead at once; lowered while the service throttles.</summary>
        public int MaxConcurrency { get; set; } = 3;
        public TimeSpan ReportTimeout { get; set; } = BillingPowerShell.Engine.Http.OperationTimeout.OrDefault(TimeSpan.FromMinutes(30));
    }

    /// <summary>One request's worth of time: the service allows at most a month per cost details report.</summary>
    public sealed class UsageChunk
    {
        public DateTime? Start { get; set; }
        public DateTime? End { get; set; }
        public string? BillingPeriodName { get; set; }
        public string? InvoiceId { get; set; }
        public int Index { get; set; }

        public override string ToString() =>
            InvoiceId is not null ? $"invoice {InvoiceId}"
            : BillingPeriodName is not null ? $"billing period {BillingPeriodName}"
            : $"{Start:yyyy-MM-dd}..{End:yyyy-MM-dd}";

        /// <summary>Splits an inclusive day range into calendar-month pieces (a report may cover at most one month).</summary>
        public static List<UsageChunk> Plan(UsageRequest r) => Plan(r, 0);

        /// <summary>
        /// With <paramref name="maxDays"/> &gt; 0, month pieces are cut further into pieces of at most that many days:
        /// usage-details paging is one request after another per range, so disjoint day ranges let several page at once.
        /// Days never overlap, so no record can come twice.
        /// </summary>
        public static List<UsageChunk> Plan(UsageRequest r, int maxDays)
        {
            var list = new List<UsageChunk>();
            if (r.InvoiceId is not null) { list.Add(new UsageChunk { InvoiceId = r.InvoiceId }); return list; }
            if (r.BillingPeriodName is not null) { list.Add(new UsageChunk { BillingPeriodName = r.BillingPeriodName }); return list; }
            var start = (r.StartDate ?? throw new ArgumentException("A start date is required.")).Date;
            var end = (r.EndDate ?? start).Date;
            var i = 0;
            for (var s = start; s <= end;)
            {
                var monthEnd = new DateTime(s.Year, s.Month, 1).AddMonths(1).AddDays(-1);
                var e = monthEnd < end ? monthEnd : end;
                if (maxDays > 0)
                {
                    // Even pieces within the month (31 days at 8 → 8,8,8,7), not a short tail.
                    var days = (e - s).Days + 1;
                    var pieces = (days + maxDays - 1) / maxDays;
                    for (var p = 0; p < pieces; p++)
                    {
                        var ps = s.AddDays(days * p / pieces);
                        var pe = s.AddDays(days * (p + 1) / pieces - 1);
                        list.Add(new UsageChunk { Start = ps, End = pe, Index = i++ });
                    }
                }
                else
                {
                    list.Add(new UsageChunk { Start = s, End = e, Index = i++ });
                }
                s = e.AddDays(1);
            }
            return list;
        }

        internal static string Day(DateTime d) => d.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
    }

    /// <summary>Progress of a usage job, reported as it goes.</summary>
    public sealed class UsageProgress
    {
        public int ChunksTotal { get; set; }
        public int ChunksDone { get; set; }
        public long Rows { get; set; }
        public long Bytes { get; set; }
        public string Status { get; set; } = "";
    }
}
