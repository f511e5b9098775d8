using System;

namespace BillingPowerShell.Engine.Costs
{
    /// <summary>Which API delivers usage: the Cost Details report (EA, MCA) or Consumption usage details (pay-as-you-go).</summary>
    public enum UsageSource { Auto, CostDetails, UsageDetails }

    public enum CostMetric { ActualCost, AmortizedCost }

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

        /// <summary>The same request for another metric (the FOCUS export reads both: Usage/Focus/FocusTable).</summary>
        internal UsageRequest WithMetric(CostMetric metric) => new UsageRequest(Scope)
        {
            StartDate = StartDate, EndDate = EndDate, BillingPeriodName = BillingPeriodName, InvoiceId = InvoiceId,
            Metric = metric, Source = Source, MaxConcurrency = MaxConcurrency, ReportTimeout = ReportTimeout,
        };
    }
}
