using System;
using System.Collections.Generic;
using System.Linq;
using System.Runtime.CompilerServices;
using System.Threading;
using System.Threading.Tasks;
using BillingPowerShell.Engine.Http;

namespace BillingPowerShell.Engine.Billing
{
    /// <summary>
    /// Which route lists a scope's invoices, per agreement type: the billing account or profile (EA, MCA), the billing
    /// subscription (pay-as-you-go), or the legacy subscription invoices where only those exist. A scope that fails is
    /// that scope's failure (CallContext.ItemFailed); the others go on.
    /// </summary>
    internal sealed class InvoiceRoutes
    {
        private readonly AccountService _accounts;
        private readonly InvoiceService _invoices;

        public InvoiceRoutes(AccountService accounts, InvoiceService invoices) { _accounts = accounts; _invoices = invoices; }

        public async IAsyncEnumerable<BillingInvoice> ListAsync(InvoiceScope scope, InvoiceQuery q, CallContext call, [EnumeratorCancellation] CancellationToken ct)
        {
            var (from, to) = (q.From, q.To);
            string? account = scope.BillingAccountName, profile = scope.BillingProfileName, subscription = scope.SubscriptionId;
            if (subscription is not null && scope.BillingPeriodName is string period)
            {
                foreach (var i in await ScopeAsync(q, $"period|{subscription}|{period}", () => PeriodInvoicesAsync(subscription, period, call, ct), call, ct).ConfigureAwait(false))
                    yield return i;
                yield break;
            }
            // A subscription's EA or MCA invoices belong to its account (or profile): list that scope once.
            if (subscription is not null && (account is null || !AgreementTypes.InvoicesBelongToAccount(scope.AgreementType)))
            {
                foreach (var i in await ScopeAsync(q, $"subscription|{subscription}", () => SubscriptionInvoicesAsync(subscription, from, to, call, ct), call, ct).ConfigureAwait(false))
                    yield return i;
                yield break;
            }
            if (account is not null)
            {
                if (subscription is not null && !AgreementTypes.HasBillingProfiles(scope.AgreementType)) profile = null;
                var listed = profile is null
                    ? await ScopeAsync(q, $"account|{account}", () => _invoices.ListByAccountAsync(account, from, to, call, ct), call, ct).ConfigureAwait(false)
                    : await ScopeAsync(q, $"profile|{account}|{profile}", () => _invoices.ListByProfileAsync(account, profile, from, to, call, ct), call, ct).ConfigureAwait(false);
                foreach (var i in listed) yield return i;
                yield break;
            }
            // Nothing named: every account the caller can read, each by the route its agreement supports.
            await foreach (var a in _accounts.ListAsync(call, ct).WithCancellation(ct).ConfigureAwait(false))
            {
                if (AgreementTypes.IsPayAsYouGo(a.AgreementType))
                {
                    await foreach (var s in _accounts.ListSubscriptionsAsync(a.Name, null, a.AgreementType, call, ct).WithCancellation(ct).ConfigureAwait(false))
                        foreach (var i in await ScopeAsync(q, $"subscription|{s.SubscriptionId}", () => SubscriptionInvoicesAsync(s.SubscriptionId, from, to, call, ct), call, ct).ConfigureAwait(false))
                            yield return i;
                }
                else
                {
                    foreach (var i in await ScopeAsync(q, $"account|{a.Name}", () => _invoices.ListByAccountAsync(a.Name, from, to, call, ct), call, ct).ConfigureAwait(false))
                        yield return i;
                }
            }
        }

        /// <summary>Pay-as-you-go: the billing-subscription route, or the legacy subscription invoices where that route is not offered.</summary>
        private async IAsyncEnumerable<BillingInvoice> SubscriptionInvoicesAsync(string subscriptionId, DateTime from, DateTime to, CallContext call, [EnumeratorCancellation] CancellationToken ct)
        {
            var modern = new List<BillingInvoice>();
            var fallBack = false;
            try
            {
                await foreach (var i in _invoices.ListByBillingSubscriptionAsync(subscriptionId, from, to, call, ct).WithCancellation(ct).ConfigureAwait(false))
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
            await foreach (var i in _invoices.ListLegacyAsync(subscriptionId, from, to, call, ct).WithCancellation(ct).ConfigureAwait(false))
                yield return i;
        }

        /// <summary>
        /// A billing period's invoices as the subscription's invoices give them: the billing-subscription invoice that
        /// bills the same period (same name, status and amounts), found among the invoices dated in the two months after
        /// the period ends. The legacy invoice (its own name, no amounts) only where that route is not offered or bills
        /// no such period.
        /// </summary>
        private async IAsyncEnumerable<BillingInvoice> PeriodInvoicesAsync(string subscriptionId, string period, CallContext call, [EnumeratorCancellation] CancellationToken ct)
        {
            var p = await _invoices.GetBillingPeriodAsync(subscriptionId, period, call, ct).ConfigureAwait(false);
            if (p.InvoiceNames.Count == 0) yield break; // the open period, or one whose invoice is not issued yet
            var same = new List<BillingInvoice>();
            try
            {
                await foreach (var i in _invoices.ListByBillingSubscriptionAsync(subscriptionId, p.EndDate.AddDays(1), p.EndDate.AddMonths(2), call, ct).WithCancellation(ct).ConfigureAwait(false))
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
                yield return await _invoices.GetLegacyAsync(subscriptionId, name, call, ct).ConfigureAwait(false);
        }

        /// <summary>One scope's invoices, listed once per query, filtered and newest first; a failure is that scope's alone.</summary>
        private static async Task<IEnumerable<BillingInvoice>> ScopeAsync(InvoiceQuery q, string scopeKey, Func<IAsyncEnumerable<BillingInvoice>> list, CallContext call, CancellationToken ct)
        {
            if (!q.FirstListing(scopeKey)) return Array.Empty<BillingInvoice>();
            var invoices = new List<BillingInvoice>();
            try
            {
                await foreach (var i in list().WithCancellation(ct).ConfigureAwait(false))
                    if (q.Matches(i)) invoices.Add(i);
            }
            catch (ArmException ex)
            {
                call.Fail(ex, scopeKey.Substring(scopeKey.IndexOf('|') + 1), $"Invoices of {scopeKey.Replace('|', ' ')}");
                return Array.Empty<BillingInvoice>();
            }
            invoices.Sort((a, b) => Nullable.Compare(b.InvoiceDate ?? b.PeriodEndDate, a.InvoiceDate ?? a.PeriodEndDate));
            return q.Latest ? invoices.Take(1) : invoices;
        }
    }
}
