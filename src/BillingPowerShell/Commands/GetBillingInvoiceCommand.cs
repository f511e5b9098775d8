using System;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using System.Threading;
using System.Threading.Tasks;
using BillingPowerShell.Engine.Billing;
using BillingPowerShell.Engine.Http;

namespace BillingPowerShell.Commands
{
    /// <summary>
    /// Lists invoices for every agreement type, choosing the route the service supports: billing account or profile (EA,
    /// MCA), billing subscription (pay-as-you-go), or the legacy subscription invoices where only those exist.
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
        private readonly HashSet<string> _scopesListed = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        private ulong _written, _skipped, _total;
        private DateTime _from, _to;

        protected override void BeginProcessing()
        {
            // By default the 12 months that end today, both ends included: on an issue day that is 12 monthly invoices.
            (_from, _to) = CheckDates(PeriodStartDate, PeriodEndDate, "-PeriodStartDate", "-PeriodEndDate", "invoices", e => e.AddMonths(-12).AddDays(1));
        }

        protected override void ProcessRecord()
        {
            if (BillingPeriodName is not null && SubscriptionId is null)
                FailArgument("BillingPeriodNeedsSubscription",
                    "-BillingPeriodName names a pay-as-you-go billing period of one subscription: add -SubscriptionId (or pipe Get-BillingPeriod output).", BillingPeriodName);
            Run(async (sink, token) =>
            {
                var call = NewCall(sink);
                if (ParameterSetName == NameSet)
                {
                    foreach (var n in Name!)
                    {
                        try { Emit(sink, await Client.GetInvoiceAsync(BillingAccountName, SubscriptionId, n, call, token).ConfigureAwait(false)); }
                        catch (ArmException ex) { sink.WriteError(ErrorFor(ex, n, $"Invoice '{n}'")); }
                    }
                    return;
                }
                await RouteAsync(sink, call, token).ConfigureAwait(false);
            }, (object?)SubscriptionId ?? BillingAccountName);
        }

        private async Task RouteAsync(ICmdletSink sink, CallContext call, CancellationToken token)
        {
            if (SubscriptionId is not null && BillingPeriodName is not null)
            {
                await ScopeAsync(sink, $"period|{SubscriptionId}|{BillingPeriodName}", () => PeriodInvoicesAsync(SubscriptionId, BillingPeriodName, call, token), token).ConfigureAwait(false);
                return;
            }
            if (SubscriptionId is not null)
            {
                // EA and MCA invoices belong to the account (or profile), not the subscription: list that scope once.
                if (BillingAccountName is not null && (AgreementTypes.IsEnterprise(AgreementType) || AgreementTypes.HasBillingProfiles(AgreementType)))
                {
                    if (BillingProfileName is not null && AgreementTypes.HasBillingProfiles(AgreementType))
                        await ScopeAsync(sink, $"profile|{BillingAccountName}|{BillingProfileName}", () => Client.ListInvoicesByProfileAsync(BillingAccountName, BillingProfileName, _from, _to, call, token), token).ConfigureAwait(false);
                    else
                        await ScopeAsync(sink, $"account|{BillingAccountName}", () => Client.ListInvoicesByAccountAsync(BillingAccountName, _from, _to, call, token), token).ConfigureAwait(false);
                    return;
                }
                await ScopeAsync(sink, $"subscription|{SubscriptionId}", () => SubscriptionInvoicesAsync(SubscriptionId, call, token), token).ConfigureAwait(false);
                return;
            }
            if (BillingAccountName is not null)
            {
                if (BillingProfileName is not null)
                    await ScopeAsync(sink, $"profile|{BillingAccountName}|{BillingProfileName}", () => Client.ListInvoicesByProfileAsync(BillingAccountName, BillingProfileName, _from, _to, call, token), token).ConfigureAwait(false);
                else
                    await ScopeAsync(sink, $"account|{BillingAccountName}", () => Client.ListInvoicesByAccountAsync(BillingAccountName, _from, _to, call, token), token).ConfigureAwait(false);
                return;
            }
            // Nothing named: every account the caller can read, each by the route its agreement supports.
            await foreach (var account in Client.ListAccountsAsync(call, token).WithCancellation(token).ConfigureAwait(false))
            {
                if (AgreementTypes.IsPayAsYouGo(account.AgreementType))
                {
                    await foreach (var s in Client.ListSubscriptionsAsync(account.Name, null, account.AgreementType, call, token).WithCancellation(token).ConfigureAwait(false))
                        await ScopeAsync(sink, $"subscription|{s.SubscriptionId}", () => SubscriptionInvoicesAsync(s.SubscriptionId, call, token), token).ConfigureAwait(false);
                }
                else
                {
                    await ScopeAsync(sink, $"account|{account.Name}", () => Client.ListInvoicesByAccountAsync(account.Name, _from, _to, call, token), token).ConfigureAwait(false);
                }
            }
        }

        /// <summary>Pay-as-you-go: the billing-subscription route, or the legacy subscription invoices where that route is not offered.</summary>
        private async IAsyncEnumerable<BillingInvoice> SubscriptionInvoicesAsync(string subscriptionId, CallContext call, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken token)
        {
            var modern = new List<BillingInvoice>();
            var fallBack = false;
            try
            {
                await foreach (var i in Client.ListInvoicesByBillingSubscriptionAsync(subscriptionId, _from, _to, call, token).WithCancellation(token).ConfigureAwait(false))
                    modern.Add(i);
            }
            catch (ArmException ex) when (ex.Status == 404 || ex.Status == 400)
            {
                call.Verbose?.Invoke($"Subscription {subscriptionId} has no billing-subscription invoices ({ex.Code}); using the legacy subscription invoices.");
                fallBack = true;
            }
            if (!fallBack)
            {
                foreach (var i in modern) yield return i;
                yield break;
            }
            await foreach (var i in Client.ListLegacyInvoicesAsync(subscriptionId, _from, _to, call, token).WithCancellation(token).ConfigureAwait(false))
                yield return i;
        }

        /// <summary>
        /// A billing period's invoices as Get-BillingInvoice -SubscriptionId gives them: the billing-subscription
        /// invoice that bills the same period (same name, status and amounts), found among the invoices dated in the
        /// two months after the period ends. The legacy invoice (its own name, no amounts) only where that route is not
        /// offered or bills no such period.
        /// </summary>
        private async IAsyncEnumerable<BillingInvoice> PeriodInvoicesAsync(string subscriptionId, string period, CallContext call, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken token)
        {
            var p = await Client.GetBillingPeriodAsync(subscriptionId, period, call, token).ConfigureAwait(false);
            if (p.InvoiceNames.Count == 0) yield break; // the open period, or one whose invoice is not issued yet
            var same = new List<BillingInvoice>();
            try
            {
                await foreach (var i in Client.ListInvoicesByBillingSubscriptionAsync(subscriptionId, p.EndDate.AddDays(1), p.EndDate.AddMonths(2), call, token).WithCancellation(token).ConfigureAwait(false))
                    if (i.PeriodStartDate?.Date == p.StartDate.Date && i.PeriodEndDate?.Date == p.EndDate.Date) same.Add(i);
            }
            catch (ArmException ex) when (ex.Status == 404 || ex.Status == 400)
            {
                call.Verbose?.Invoke($"Subscription {subscriptionId} has no billing-subscription invoices ({ex.Code}); using the legacy invoices of period {period}.");
            }
            if (same.Count > 0)
            {
                foreach (var i in same) yield return i;
                yield break;
            }
            foreach (var name in p.InvoiceNames)
                yield return await Client.GetLegacyInvoiceAsync(subscriptionId, name, call, token).ConfigureAwait(false);
        }

        /// <summary>Lists one scope once per command, newest first, applies the filters, and writes errors for that scope only.</summary>
        private async Task ScopeAsync(ICmdletSink sink, string scopeKey, Func<IAsyncEnumerable<BillingInvoice>> list, CancellationToken token)
        {
            if (!_scopesListed.Add(scopeKey)) return;
            var invoices = new List<BillingInvoice>();
            try
            {
                await foreach (var i in list().WithCancellation(token).ConfigureAwait(false))
                    if (InRange(i) && (Status is null || Status.Contains(i.Status ?? "", StringComparer.OrdinalIgnoreCase)))
                        invoices.Add(i);
            }
            catch (ArmException ex)
            {
                sink.WriteError(ErrorFor(ex, scopeKey.Substring(scopeKey.IndexOf('|') + 1), $"Invoices of {scopeKey.Replace('|', ' ')}"));
                return;
            }
            invoices.Sort((a, b) => Nullable.Compare(b.InvoiceDate ?? b.PeriodEndDate, a.InvoiceDate ?? a.PeriodEndDate));
            foreach (var i in Latest ? invoices.Take(1) : invoices)
                Emit(sink, i);
        }

        protected override void EndProcessing()
        {
            if (PagingParameters.IncludeTotalCount)
                WriteObject(PagingParameters.NewTotalCount(_total, 1.0));
        }

        private bool InRange(BillingInvoice i)
        {
            var d = i.InvoiceDate ?? i.PeriodEndDate;
            return d is null || (d.Value.Date >= _from && d.Value.Date <= _to);
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
