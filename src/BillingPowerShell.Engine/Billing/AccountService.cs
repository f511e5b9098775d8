using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;
using BillingPowerShell.Engine.Http;
using static BillingPowerShell.Engine.Billing.BillingPaths;

namespace BillingPowerShell.Engine.Billing
{
    /// <summary>
    /// Billing accounts, billing profiles and billing subscriptions (docs/contracts/azure-api/OPERATIONS.md, "BillingAccounts_List" to "BillingSubscriptions_Get").
    /// Shared by every command of a connection; thread-safe.
    /// </summary>
    public sealed class AccountService
    {
        private readonly ArmClient _arm;
        internal AccountService(ArmClient arm) { _arm = arm; }

        public IAsyncEnumerable<BillingAccount> ListAsync(CallContext call, CancellationToken ct) =>
            _arm.ListAsync($"{Accounts}?api-version={Api}&expand=SoldTo", BillingMapper.Account, call, ct);

        public async Task<BillingAccount> GetAsync(string name, CallContext call, CancellationToken ct)
        {
            using var r = await _arm.GetAsync($"{Accounts}/{Segment(name)}?api-version={Api}&expand=SoldTo", call, ct).ConfigureAwait(false);
            return BillingMapper.Account(Root(r));
        }

        public IAsyncEnumerable<BillingProfile> ListProfilesAsync(string accountName, CallContext call, CancellationToken ct) =>
            _arm.ListAsync($"{Accounts}/{Segment(accountName)}/billingProfiles?api-version={Api}", e => WithNextInvoiceDate(BillingMapper.Profile(e, accountName), call), call, ct);

        public async Task<BillingProfile> GetProfileAsync(string accountName, string profileName, CallContext call, CancellationToken ct)
        {
            using var r = await _arm.GetAsync($"{Accounts}/{Segment(accountName)}/billingProfiles/{Segment(profileName)}?api-version={Api}", call, ct).ConfigureAwait(false);
            return WithNextInvoiceDate(BillingMapper.Profile(Root(r), accountName), call);
        }

        /// <summary>The service's next invoice date where it sends one, else the next invoice day (InvoiceSchedule).</summary>
        private static BillingProfile WithNextInvoiceDate(BillingProfile p, CallContext call)
        {
            p.NextInvoiceDate ??= InvoiceSchedule.FromInvoiceDay(p.InvoiceDay, call.Today);
            return p;
        }

        public IAsyncEnumerable<BillingSubscription> ListSubscriptionsAsync(string accountName, string? profileName, string? agreementType, CallContext call, CancellationToken ct)
        {
            var path = profileName is null
                ? $"{Accounts}/{Segment(accountName)}/billingSubscriptions?api-version={Api}"
                : $"{Accounts}/{Segment(accountName)}/billingProfiles/{Segment(profileName)}/billingSubscriptions?api-version={Api}";
            return _arm.ListAsync(path, e => BillingMapper.Subscription(e, accountName, agreementType), call, ct);
        }

        public async Task<BillingSubscription> GetSubscriptionAsync(string accountName, string subscriptionId, string? agreementType, CallContext call, CancellationToken ct)
        {
            using var r = await _arm.GetAsync($"{Accounts}/{Segment(accountName)}/billingSubscriptions/{Segment(subscriptionId)}?api-version={Api}", call, ct).ConfigureAwait(false);
            return BillingMapper.Subscription(Root(r), accountName, agreementType);
        }

        /// <summary>Every pay-as-you-go subscription the caller can read (the only ones with billing periods).</summary>
        public async IAsyncEnumerable<BillingSubscription> ListPayAsYouGoSubscriptionsAsync(CallContext call, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken ct)
        {
            await foreach (var account in ListAsync(call, ct).WithCancellation(ct).ConfigureAwait(false))
            {
                if (!AgreementTypes.HasBillingPeriods(account.AgreementType)) continue;
                await foreach (var s in ListSubscriptionsAsync(account.Name, null, account.AgreementType, call, ct).WithCancellation(ct).ConfigureAwait(false))
                    yield return s;
            }
        }
    }
}
