using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;
using BillingPowerShell.Engine.Http;

namespace BillingPowerShell.Engine.Billing
{
    /// <summary>
    /// When the next invoice of a scope is issued, per agreement type (the rule is in the help of Get-BillingProfile,
    /// Get-BillingSubscription and Get-BillingPeriod, "NextInvoiceDate"):
    /// <list type="bullet">
    /// <item>MCA billing profile: the next occurrence of its <c>invoiceDay</c> after today.</item>
    /// <item>EA: invoices bill calendar months; the next one is issued after the oldest month not invoiced yet ends,
    /// plus the issue lag of the account's newest invoice.</item>
    /// <item>Pay-as-you-go: the end of the oldest billing period without an invoice, plus the issue lag of the
    /// subscription's newest invoice.</item>
    /// </list>
    /// The service's 2024-04-01 contract has no next-invoice-date property, so this is derived. One instance per
    /// command: each account, profile and subscription is asked once.
    /// </summary>
    public sealed class InvoiceSchedule
    {
        private readonly BillingClient _client;
        private readonly ConcurrentDictionary<string, Task<DateTime?>> _byScope = new ConcurrentDictionary<string, Task<DateTime?>>(StringComparer.OrdinalIgnoreCase);

        public InvoiceSchedule(BillingClient client) { _client = client; }

        /// <summary>The next occurrence of <paramref name="invoiceDay"/> after <paramref name="today"/> (the last day of a
        /// shorter month); on the invoice day itself, that day's invoice is already issued, so the next month's.</summary>
        public static DateTime? FromInvoiceDay(int? invoiceDay, DateTime today)
        {
            if (invoiceDay is not int day || day < 1 || day > 31) return null;
            var d = DayOfMonth(today.Year, today.Month, day);
            if (d <= today.Date) d = DayOfMonth(today.AddMonths(1).Year, today.AddMonths(1).Month, day);
            return d;
        }

        /// <summary>The issue date of a period that ends on <paramref name="periodEnd"/>, given the observed lag.</summary>
        public static DateTime AfterPeriod(DateTime periodEnd, TimeSpan? lag) =>
            DateTime.SpecifyKind(periodEnd.Date.AddDays(1) + (lag ?? TimeSpan.Zero), DateTimeKind.Utc);

        /// <summary>The lag between the day after an invoice's period and its invoice date (null when not known).</summary>
        public static TimeSpan? LagOf(BillingInvoice? newest)
        {
            if (newest?.InvoiceDate is not DateTime issued || newest.PeriodEndDate is not DateTime end) return null;
            var lag = issued.Date - end.Date.AddDays(1);
            return lag >= TimeSpan.Zero && lag < TimeSpan.FromDays(45) ? lag : (TimeSpan?)null;
        }

        /// <summary>Pay-as-you-go periods: sets NextInvoiceDate on each period that has no invoice yet.</summary>
        public async Task FillPeriodsAsync(string subscriptionId, IReadOnlyList<BillingPeriod> periods, CallContext call, CancellationToken ct)
        {
            var pending = new List<BillingPeriod>();
            foreach (var p in periods) if (p.InvoiceNames.Count == 0) pending.Add(p);
            if (pending.Count == 0) return; // every period has its invoice: no request for the lag
            var lag = await PaygLagAsync(subscriptionId, call, ct).ConfigureAwait(false);
            foreach (var p in pending) p.NextInvoiceDate = AfterPeriod(p.EndDate, lag);
        }

        /// <summary>A subscription's next invoice date by its agreement type; null when it cannot be told.</summary>
        public Task<DateTime?> ForSubscriptionAsync(BillingSubscription s, CallContext call, CancellationToken ct)
        {
            if (AgreementTypes.HasBillingProfiles(s.AgreementType) && s.BillingProfileName is string profile)
                return _byScope.GetOrAdd("profile|" + s.BillingAccountName + "|" + profile, _ => ProfileAsync(s.BillingAccountName, profile, call, ct));
            if (AgreementTypes.IsEnterprise(s.AgreementType))
                return _byScope.GetOrAdd("account|" + s.BillingAccountName, _ => EnterpriseAsync(s.BillingAccountName, call, ct));
            if (AgreementTypes.IsPayAsYouGo(s.AgreementType))
                return _byScope.GetOrAdd("subscription|" + s.SubscriptionId, _ => PayAsYouGoAsync(s.SubscriptionId, call, ct));
            return Task.FromResult<DateTime?>(null);
        }

        private async Task<DateTime?> ProfileAsync(string account, string profile, CallContext call, CancellationToken ct) =>
            (await _client.Accounts.GetProfileAsync(account, profile, call, ct).ConfigureAwait(false)).NextInvoiceDate;

        private async Task<DateTime?> EnterpriseAsync(string account, CallContext call, CancellationToken ct)
        {
            var today = call.Today;
            var newest = await NewestAsync(_client.Invoices.ListByAccountAsync(account, today.AddMonths(-3), today, call, ct), ct).ConfigureAwait(false);
            // The oldest calendar month not invoiced yet: last month until its invoice is issued, else this month.
            var monthStart = BillingClock.MonthStart(today);
            var lastMonthEnd = monthStart.AddDays(-1);
            var open = newest?.PeriodEndDate is DateTime end && end.Date >= lastMonthEnd ? monthStart.AddMonths(1).AddDays(-1) : lastMonthEnd;
            return AfterPeriod(open, LagOf(newest));
        }

        private async Task<DateTime?> PayAsYouGoAsync(string subscriptionId, CallContext call, CancellationToken ct)
        {
            var periods = new List<BillingPeriod>();
            await foreach (var p in _client.Invoices.ListBillingPeriodsAsync(subscriptionId, 3, call, ct).WithCancellation(ct).ConfigureAwait(false))
                periods.Add(p);
            await FillPeriodsAsync(subscriptionId, periods, call, ct).ConfigureAwait(false);
            DateTime? next = null;
            foreach (var p in periods)
                if (p.NextInvoiceDate is DateTime d && (next is null || d < next)) next = d;
            return next;
        }

        private async Task<TimeSpan?> PaygLagAsync(string subscriptionId, CallContext call, CancellationToken ct)
        {
            var today = call.Today;
            try
            {
                return LagOf(await NewestAsync(_client.Invoices.ListByBillingSubscriptionAsync(subscriptionId, today.AddMonths(-3), today, call, ct), ct).ConfigureAwait(false));
            }
            catch (ArmException ex) when (ex.Status == 404 || ex.Status == 400)
            {
                call.Verbose?.Invoke($"Subscription {subscriptionId} has no billing-subscription invoices ({ex.Code}): its next invoice date is the day after its open period ends.");
                return null;
            }
        }

        private static async Task<BillingInvoice?> NewestAsync(IAsyncEnumerable<BillingInvoice> invoices, CancellationToken ct)
        {
            BillingInvoice? newest = null;
            await foreach (var i in invoices.WithCancellation(ct).ConfigureAwait(false))
                if (newest is null || Nullable.Compare(i.PeriodEndDate, newest.PeriodEndDate) > 0) newest = i;
            return newest;
        }

        private static DateTime DayOfMonth(int year, int month, int day) =>
            new DateTime(year, month, Math.Min(day, DateTime.DaysInMonth(year, month)), 0, 0, 0, DateTimeKind.Utc);
    }
}
