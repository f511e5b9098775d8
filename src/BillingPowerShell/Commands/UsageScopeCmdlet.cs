using System;
using System.Management.Automation;
using BillingPowerShell.Engine.Billing;
using BillingPowerShell.Engine.Costs;
using BillingPowerShell.Engine.Http;

namespace BillingPowerShell.Commands
{
    /// <summary>
    /// The scope and time parameters shared by the usage and cost cmdlets, and their checks — all done before any request.
    /// Scopes bind by property name from Get-BillingSubscription, Get-BillingAccount, Get-BillingProfile objects.
    /// </summary>
    public abstract class UsageScopeCmdlet : BillingApiCmdlet
    {
        [Parameter(ValueFromPipelineByPropertyName = true)]
        [ValidateGuid]
        [ArgumentCompleter(typeof(BillingNameCompleter))]
        public string? SubscriptionId { get => _subscriptionId; set => _subscriptionId = string.IsNullOrEmpty(value) ? null : value; }
        private string? _subscriptionId;

        [Parameter(ValueFromPipelineByPropertyName = true)]
        [ArgumentCompleter(typeof(BillingNameCompleter))]
        [ValidateBillingAccountName]
        public string? BillingAccountName { get => _billingAccountName; set => _billingAccountName = string.IsNullOrEmpty(value) ? null : value; }
        private string? _billingAccountName;

        [Parameter(ValueFromPipelineByPropertyName = true)]
        [ArgumentCompleter(typeof(BillingNameCompleter))]
        public string? BillingProfileName { get => _billingProfileName; set => _billingProfileName = string.IsNullOrEmpty(value) ? null : value; }
        private string? _billingProfileName;

        [Parameter(ValueFromPipelineByPropertyName = true)]
        public string? InvoiceSectionName { get => _invoiceSectionName; set => _invoiceSectionName = string.IsNullOrEmpty(value) ? null : value; }
        private string? _invoiceSectionName;

        /// <summary>Bound from Get-BillingSubscription/Get-BillingAccount output, so Auto picks the source without asking.</summary>
        [Parameter(ValueFromPipelineByPropertyName = true, DontShow = true)]
        public string? AgreementType { get; set; }

        /// <summary>Bound from the piped object's DisplayName, so the results name the scope as the user knows it.</summary>
        [Parameter(ValueFromPipelineByPropertyName = true, DontShow = true)]
        public string? DisplayName { get; set; }

        [Parameter]
        [ValidateSet("ActualCost", "AmortizedCost")]
        public string Metric { get; set; } = "ActualCost";

        internal CostMetric MetricValue => Metric == "AmortizedCost" ? CostMetric.AmortizedCost : CostMetric.ActualCost;

        /// <summary>
        /// The scope the parameters name; a subscription wins over the billing scope it belongs to. Null when the
        /// scope of a pipeline record was rejected (see <see cref="Reject{T}"/>): skip that record.
        /// </summary>
        internal UsageScope? ResolveScope()
        {
            var scope = ResolveScopeParts();
            if (scope is not null) scope.DisplayName = string.IsNullOrEmpty(DisplayName) ? null : DisplayName;
            return scope;
        }

        private UsageScope? ResolveScopeParts()
        {
            if (SubscriptionId is not null)
                return UsageScope.Subscription(SubscriptionId, AgreementType);
            if (BillingAccountName is null)
            {
                if (BillingProfileName is not null || InvoiceSectionName is not null)
                    return Reject<UsageScope>("BillingAccountNameRequired", "-BillingProfileName and -InvoiceSectionName need -BillingAccountName.", (object?)BillingProfileName ?? InvoiceSectionName);
                return Reject<UsageScope>("ScopeRequired", "Name a scope: -SubscriptionId, or -BillingAccountName (with -BillingProfileName and -InvoiceSectionName for a Microsoft Customer Agreement), or pipe in Get-BillingSubscription / Get-BillingAccount output.", null);
            }
            if (InvoiceSectionName is not null && BillingProfileName is null)
                return Reject<UsageScope>("BillingProfileNameRequired", "-InvoiceSectionName needs -BillingProfileName: an invoice section is named within its billing profile.", InvoiceSectionName);
            return UsageScope.Billing(BillingAccountName!, BillingProfileName, InvoiceSectionName, AgreementType);
        }

        /// <summary>
        /// A problem with the scope or time choice of one input. Typed on the command line, it stops the command; when
        /// the values came from the pipeline (say, `Get-BillingInvoice | Get-DailyUsage` meeting a pay-as-you-go
        /// invoice), it is that record's non-terminating error and the caller skips the record, as Export-DailyUsage
        /// does with PathAlreadyWritten. Returns null.
        /// </summary>
        internal T? Reject<T>(string id, string message, object? target) where T : class
        {
            var record = new ErrorRecord(new ArgumentException(message), id, ErrorCategory.InvalidArgument, target);
            if (!MyInvocation.ExpectingInput) ThrowTerminatingError(record);
            WriteError(record);
            return null;
        }

        /// <summary>Checks an inclusive day range: end not before start, nothing in the future.</summary>
        internal (DateTime Start, DateTime End) CheckRange(DateTime? start, DateTime? end) =>
            CheckDates(start, end, "-StartDate", "-EndDate", "usage and costs", BillingClock.MonthStart);
    }

    /// <summary>Usage cmdlets add the time choice (days, billing period, invoice) and the source to the scope.</summary>
    public abstract class UsageRequestCmdlet : UsageScopeCmdlet
    {
        [Parameter]
        public DateTime? StartDate { get; set; }

        [Parameter]
        public DateTime? EndDate { get; set; }

        [Parameter(ValueFromPipelineByPropertyName = true)]
        [ValidateBillingPeriodName]
        public string? BillingPeriodName { get; set; }

        /// <summary>An MCA invoice (binds from Get-BillingInvoice output).</summary>
        [Parameter(ValueFromPipelineByPropertyName = true)]
        [ValidateInvoiceName]
        public string? InvoiceId { get; set; }

        [Parameter]
        [ValidateSet("Auto", "CostDetails", "UsageDetails")]
        public string Source { get; set; } = "Auto";

        [Parameter]
        [ValidateRange(1, 8)]
        public int ThrottleLimit { get; set; } = 3;

        /// <summary>The request the parameters describe; null when a pipeline record was rejected (skip it).</summary>
        internal UsageRequest? BuildRequest()
        {
            var scope = ResolveScope();
            if (scope is null) return null;
            var choices = (StartDate is not null || EndDate is not null ? 1 : 0) + (BillingPeriodName is not null ? 1 : 0) + (InvoiceId is not null ? 1 : 0);
            if (choices > 1)
                return Reject<UsageRequest>("ConflictingTimeParameters", "Use one of -StartDate/-EndDate, -BillingPeriodName or -InvoiceId.", null);
            if (InvoiceId is not null && !scope.IsCustomerAgreement)
                return Reject<UsageRequest>("InvoiceIdNotSupported",
                    $"-InvoiceId selects the usage of a Microsoft Customer Agreement invoice at its billing profile; {scope} is not such a scope. For a pay-as-you-go or Enterprise Agreement invoice, use -StartDate/-EndDate (the invoice's PeriodStartDate/PeriodEndDate) or -BillingPeriodName.",
                    InvoiceId);
            if (BillingPeriodName is not null && AgreementTypes.IsPayAsYouGoPeriodName(BillingPeriodName) && scope.IsEnterprise)
                return Reject<UsageRequest>("BillingPeriodNameIsPayAsYouGo",
                    $"'{BillingPeriodName}' is a pay-as-you-go billing period name (the period that ends in {BillingPeriodName.Substring(0, 4)}-{BillingPeriodName.Substring(4, 2)}); {scope} is an Enterprise Agreement scope, whose billing periods are calendar months named yyyyMM. Use -BillingPeriodName {BillingPeriodName.Substring(0, 6)} for that month.",
                    BillingPeriodName);
            if (BillingPeriodName is not null && scope.IsCustomerAgreement)
                return Reject<UsageRequest>("BillingPeriodNotSupported",
                    $"-BillingPeriodName selects an Enterprise Agreement month or a pay-as-you-go billing period; {scope} is a Microsoft Customer Agreement scope, billed by invoice. Use -InvoiceId (pipe Get-BillingInvoice) or -StartDate/-EndDate.",
                    BillingPeriodName);
            if (InvoiceId is not null && Source == "UsageDetails")
                return Reject<UsageRequest>("InvoiceIdNeedsCostDetails",
                    "-InvoiceId needs the cost details report: Consumption usage details cannot be read by invoice. Use -Source Auto or CostDetails, or the invoice's period with -StartDate/-EndDate.",
                    InvoiceId);
            var request = new UsageRequest(scope)
            {
                Metric = MetricValue,
                Source = (UsageSource)Enum.Parse(typeof(UsageSource), Source),
                BillingPeriodName = BillingPeriodName,
                InvoiceId = InvoiceId,
                MaxConcurrency = ThrottleLimit,
            };
            if (BillingPeriodName is null && InvoiceId is null)
            {
                var (s, e) = CheckRange(StartDate, EndDate);
                // Only Cost Details keeps 13 months, and which source serves depends on the scope (of this record).
                var oldest = BillingClock.MonthStart(Today).AddMonths(-13);
                if (s < oldest && UsageService.Resolve(request) == UsageSource.CostDetails)
                    return Reject<UsageRequest>("StartDateTooOld", $"-StartDate ({s:yyyy-MM-dd}) is older than 13 months; Cost Management keeps cost details from {oldest:yyyy-MM-dd} on.", StartDate);
                request.StartDate = s;
                request.EndDate = e;
            }
            return request;
        }
    }
}
