using System;
using System.Collections.Generic;
using System.Management.Automation;
using System.Threading;
using System.Threading.Tasks;
using BillingPowerShell.Engine.Billing;
using BillingPowerShell.Engine.Http;

namespace BillingPowerShell.Commands
{
    /// <summary>Lists pay-as-you-go billing periods, newest first (by default the last six, as the portal shows).</summary>
    [Cmdlet(VerbsCommon.Get, "BillingPeriod", SupportsPaging = true)]
    [OutputType(typeof(BillingPeriod))]
    public sealed class GetBillingPeriodCommand : BillingApiCmdlet
    {
        private const int PortalDefault = 6;

        [Parameter(Position = 0, ValueFromPipelineByPropertyName = true)]
        [ValidateGuid]
        [ArgumentCompleter(typeof(BillingNameCompleter))]
        public string? SubscriptionId { get => _subscriptionId; set => _subscriptionId = string.IsNullOrEmpty(value) ? null : value; }
        private string? _subscriptionId;

        [Parameter(Position = 1)]
        [ValidateBillingPeriodName]
        [Alias("BillingPeriodName")]
        public string[]? Name { get; set; }

        /// <summary>Bound from Get-BillingSubscription output: only pay-as-you-go subscriptions have billing periods.</summary>
        [Parameter(ValueFromPipelineByPropertyName = true, DontShow = true)]
        public string? AgreementType { get; set; }

        private InvoiceSchedule? _schedule;
        private InvoiceSchedule Schedule => _schedule ??= new InvoiceSchedule(Client);

        /// <summary>Every period found, before -Skip/-First: the count -IncludeTotalCount reports.</summary>
        private ulong _total;

        protected override void ProcessRecord()
        {
            if (SubscriptionId is not null && AgreementType is not null && !AgreementTypes.HasBillingPeriods(AgreementType))
            {
                // Known from the piped object, so said before any request (the service would answer a bare 400).
                var record = new ErrorRecord(new ArgumentException(
                        $"Subscription {SubscriptionId} is billed under a {AgreementType}: billing periods exist only for pay-as-you-go subscriptions. " +
                        "Its invoices belong to its billing account (Enterprise Agreement) or billing profile (Microsoft Customer Agreement): pipe the subscription to Get-BillingInvoice; " +
                        "for its usage by month, use Get-DailyUsage -StartDate/-EndDate."),
                    "BillingPeriodsNeedPayAsYouGo", ErrorCategory.InvalidArgument, SubscriptionId);
                if (MyInvocation.ExpectingInput) { WriteError(record); return; }
                ThrowTerminatingError(record);
            }
            var first = MyInvocation.BoundParameters.ContainsKey("First") ? PagingParameters.First : PortalDefault;
            var skip = PagingParameters.Skip;
            Run(async (sink, token) =>
            {
                var call = NewCall(sink);
                if (SubscriptionId is not null)
                {
                    await WritePeriodsAsync(sink, call, SubscriptionId, first, skip, token).ConfigureAwait(false);
                    return;
                }
                // No subscription named: every pay-as-you-go subscription the caller can read.
                await foreach (var s in Client.Accounts.ListPayAsYouGoSubscriptionsAsync(call, token).WithCancellation(token).ConfigureAwait(false))
                    await WritePeriodsAsync(sink, call, s.SubscriptionId, first, skip, token).ConfigureAwait(false);
            }, SubscriptionId);
        }

        private async Task WritePeriodsAsync(ICmdletSink sink, CallContext call, string subscriptionId, ulong first, ulong skip, CancellationToken token)
        {
            try
            {
                if (Name is { Length: > 0 })
                {
                    foreach (var n in Name)
                    {
                        try
                        {
                            var period = await Client.Invoices.GetBillingPeriodAsync(subscriptionId, n, call, token).ConfigureAwait(false);
                            await Schedule.FillPeriodsAsync(subscriptionId, new[] { period }, call, token).ConfigureAwait(false);
                            sink.WriteObject(period);
                            _total++;
                        }
                        catch (ArmException ex) { sink.WriteError(ErrorFor(ex, n, $"Billing period '{n}' of subscription {subscriptionId}")); }
                    }
                    return;
                }
                // A subscription has at most a few dozen periods: order them here rather than trusting the service's order.
                var periods = new List<BillingPeriod>();
                await foreach (var p in Client.Invoices.ListBillingPeriodsAsync(subscriptionId, null, call, token).WithCancellation(token).ConfigureAwait(false))
                    periods.Add(p);
                periods.Sort((a, b) => b.StartDate.CompareTo(a.StartDate));
                _total += (ulong)periods.Count;
                var page = new List<BillingPeriod>();
                ulong index = 0;
                foreach (var p in periods)
                {
                    if (index++ < skip) continue;
                    if ((ulong)page.Count >= first) break;
                    page.Add(p);
                }
                await Schedule.FillPeriodsAsync(subscriptionId, page, call, token).ConfigureAwait(false);
                foreach (var p in page) sink.WriteObject(p);
            }
            catch (ArmException ex)
            {
                sink.WriteError(ErrorFor(ex, subscriptionId, $"Billing periods of subscription {subscriptionId}"));
            }
        }

        protected override void EndProcessing()
        {
            if (PagingParameters.IncludeTotalCount)
                WriteObject(PagingParameters.NewTotalCount(_total, 1.0));
        }
    }
}
