using System;
using System.Collections.Generic;
using System.Management.Automation;
using System.Threading.Tasks;
using BillingPowerShell.Engine.Billing;
using BillingPowerShell.Engine.Http;

namespace BillingPowerShell.Commands
{
    /// <summary>
    /// Lists invoices for every agreement type; the engine (InvoiceService.ListAsync) chooses the route the service
    /// supports: billing account or profile (EA, MCA), billing subscription (pay-as-you-go), or the legacy subscription
    /// invoices where only those exist. This cmdlet binds, pages (-First/-Skip/-IncludeTotalCount) and writes.
    /// </summary>
    [Cmdlet(VerbsCommon.Get, "BillingInvoice", DefaultParameterSetName = ScopeSet, SupportsPaging = true)]
    [OutputType(typeof(BillingInvoice))]
    public sealed class GetBillingInvoiceCommand : BillingApiCmdlet
    {
        private const string ScopeSet = "ByScope";
        private const string NameSet = "ByName";

        [Parameter(Mandatory = true, Position = 0, ParameterSetName = NameSet)]
        [ValidateInvoiceName]
        [Alias("InvoiceName")]
        public string[]? Name { get; set; }

        [Parameter(ValueFromPipelineByPropertyName = true)]
        [ArgumentCompleter(typeof(BillingNameCompleter))]
        [ValidateBillingAccountName]
        public string? BillingAccountName { get => _billingAccountName; set => _billingAccountName = string.IsNullOrEmpty(value) ? null : value; }
        private string? _billingAccountName;

        [Parameter(ValueFromPipelineByPropertyName = true, ParameterSetName = ScopeSet)]
        [ArgumentCompleter(typeof(BillingNameCompleter))]
        public string? BillingProfileName { get => _billingProfileName; set => _billingProfileName = string.IsNullOrEmpty(value) ? null : value; }
        private string? _billingProfileName;

        [Parameter(ValueFromPipelineByPropertyName = true)]
        [ValidateGuid]
        [ArgumentCompleter(typeof(BillingNameCompleter))]
        public string? SubscriptionId { get => _subscriptionId; set => _subscriptionId = string.IsNullOrEmpty(value) ? null : value; }
        private string? _subscriptionId;

        [Parameter(ValueFromPipelineByPropertyName = true, ParameterSetName = ScopeSet)]
        [ValidateBillingPeriodName]
        public string? BillingPeriodName { get; set; }

        /// <summary>Bound from Get-BillingSubscription output so the right route is chosen without another call.</summary>
        [Parameter(ValueFromPipelineByPropertyName = true, ParameterSetName = ScopeSet, DontShow = true)]
        public string? AgreementType { get; set; }

        [Parameter(ParameterSetName = ScopeSet)]
        public DateTime? PeriodStartDate { get; set; }

        [Parameter(ParameterSetName = ScopeSet)]
        public DateTime? PeriodEndDate { get; set; }

        [Parameter(ParameterSetName = ScopeSet)]
        public SwitchParameter Latest { get; set; }

        [Parameter(ParameterSetName = ScopeSet)]
        [ValidateSet("Due", "OverDue", "Paid", "Void", "Locked", "Other")]
        public string[]? Status { get; set; }

        private readonly HashSet<string> _emitted = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        private ulong _written, _skipped, _total;
        private InvoiceQuery? _query;

        protected override void BeginProcessing()
        {
            // By default the 12 months that end today, both ends included: on an issue day that is 12 monthly invoices.
            var (from, to) = CheckDates(PeriodStartDate, PeriodEndDate, "-PeriodStartDate", "-PeriodEndDate", "invoices", e => e.AddMonths(-12).AddDays(1));
            _query = new InvoiceQuery(from, to) { Status = Status, Latest = Latest };
        }

        protected override void ProcessRecord()
        {
            if (BillingPeriodName is not null && SubscriptionId is null)
                FailArgument("BillingPeriodNeedsSubscription",
                    "-BillingPeriodName names a pay-as-you-go billing period of one subscription: add -SubscriptionId (or pipe Get-BillingPeriod output).", BillingPeriodName);
            var scope = new InvoiceScope
            {
                BillingAccountName = BillingAccountName, BillingProfileName = BillingProfileName, SubscriptionId = SubscriptionId,
                BillingPeriodName = BillingPeriodName, AgreementType = AgreementType,
            };
            Run(async (sink, token) =>
            {
                var call = NewCall(sink);
                var invoices = ParameterSetName == NameSet
                    ? Client.Invoices.GetAsync(Name!, BillingAccountName, SubscriptionId, call, token)
                    : Client.Invoices.ListAsync(scope, _query!, call, token);
                await foreach (var invoice in invoices.WithCancellation(token).ConfigureAwait(false))
                    Emit(sink, invoice);
            }, (object?)SubscriptionId ?? BillingAccountName);
        }

        protected override void EndProcessing()
        {
            if (PagingParameters.IncludeTotalCount)
                WriteObject(PagingParameters.NewTotalCount(_total, 1.0));
        }

        private void Emit(ICmdletSink sink, BillingInvoice invoice)
        {
            if (!_emitted.Add(invoice.Name)) return; // invoice names are unique across Azure, whatever route found them
            _total++;
            if (_skipped < PagingParameters.Skip) { _skipped++; return; }
            if (_written >= PagingParameters.First) return;
            _written++;
            sink.WriteObject(invoice);
        }
    }
}
