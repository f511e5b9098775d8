using System;
using System.Linq;
using BillingPowerShell.Engine.Costs;

namespace BillingPowerShell.Engine.Tests.Costs
{
    public sealed class ChunkPlanAndScopeTests
    {
        private static UsageRequest Days(string from, string? to) => new UsageRequest(UsageScope.Subscription("S", null))
        {
            StartDate = DateTime.Parse(from), EndDate = to is null ? null : DateTime.Parse(to),
        };

        private static string[] Plan(UsageRequest r) => UsageChunk.Plan(r).Select(c => c.ToString()).ToArray();

        [Fact]
        public void SplitsIntoCalendarMonthsIncludingLeapFebruary()
        {
            Assert.Equal(new[] { "2024-01-15..2024-01-31", "2024-02-01..2024-02-29", "2024-03-01..2024-03-10" }, Plan(Days("2024-01-15", "2024-03-10")));
        }

        [Fact]
        public void CrossesTheYear()
        {
            Assert.Equal(new[] { "2025-12-30..2025-12-31", "2026-01-01..2026-01-02" }, Plan(Days("2025-12-30", "2026-01-02")));
        }

        [Fact]
        public void WholeMonthIsOneChunkAndIndicesCount()
        {
            var chunks = UsageChunk.Plan(Days("2023-02-01", "2023-04-30"));
            Assert.Equal(new[] { "2023-02-01..2023-02-28", "2023-03-01..2023-03-31", "2023-04-01..2023-04-30" }, chunks.Select(c => c.ToString()));
            Assert.Equal(new[] { 0, 1, 2 }, chunks.Select(c => c.Index));
        }

        [Fact]
        public void SingleDayAndMissingEnd()
        {
            Assert.Equal(new[] { "2024-05-31..2024-05-31" }, Plan(Days("2024-05-31", "2024-05-31")));
            Assert.Equal(new[] { "2024-05-31..2024-05-31" }, Plan(Days("2024-05-31", null)));
        }

        [Fact]
        public void TimeOfDayIsIgnored()
        {
            Assert.Equal(new[] { "2024-05-30..2024-05-31", "2024-06-01..2024-06-01" }, Plan(Days("2024-05-30T23:59:00", "2024-06-01T00:01:00")));
        }

        [Fact]
        public void ChunksCoverEveryDayExactlyOnce()
        {
            var r = Days("2023-11-17", "2025-03-04");
            var chunks = UsageChunk.Plan(r);
            Assert.Equal(17, chunks.Count);
            var days = chunks.SelectMany(c => Enumerable.Range(0, (c.End!.Value - c.Start!.Value).Days + 1).Select(i => c.Start.Value.AddDays(i))).ToList();
            Assert.Equal((r.EndDate!.Value - r.StartDate!.Value).Days + 1, days.Count);
            Assert.Equal(days.Count, days.Distinct().Count());
            Assert.All(chunks, c => Assert.Equal(c.Start!.Value.Month, c.End!.Value.Month));
        }

        [Fact]
        public void InvoiceOrBillingPeriodIsOneChunk()
        {
            var inv = new UsageRequest(UsageScope.Billing("a", "p", null, "MicrosoftCustomerAgreement")) { InvoiceId = "G123", StartDate = new DateTime(2020, 1, 1), EndDate = new DateTime(2020, 12, 31) };
            Assert.Equal(new[] { "invoice G123" }, Plan(inv));
            var period = new UsageRequest(UsageScope.Billing("1234567", null, null, null)) { BillingPeriodName = "202401" };
            Assert.Equal(new[] { "billing period 202401" }, Plan(period));
        }

        [Fact]
        public void StartDateIsRequired()
        {
            Assert.Throws<ArgumentException>(() => UsageChunk.Plan(new UsageRequest(UsageScope.Subscription("s", null))));
        }

        [Fact]
        public void SubscriptionScope()
        {
            var s = UsageScope.Subscription("ABCDEF00-0000-0000-0000-000000000000", "MicrosoftOnlineServicesProgram");
            Assert.Equal("/subscriptions/abcdef00-0000-0000-0000-000000000000", s.Path);
            Assert.True(s.IsSubscription);
            Assert.True(s.IsPayAsYouGo);
            Assert.False(s.IsCustomerAgreement);
            Assert.Contains("ABCDEF00", s.Display);
        }

        [Fact]
        public void BillingScopes()
        {
            var mca = UsageScope.Billing("a1:b2_2019-05-31", "PROF-1", "SEC 1", null);
            Assert.Equal("/providers/Microsoft.Billing/billingAccounts/a1%3Ab2_2019-05-31/billingProfiles/PROF-1/invoiceSections/SEC%201", mca.Path);
            Assert.Equal("billing account a1:b2_2019-05-31, profile PROF-1, invoice section SEC 1", mca.Display);
            Assert.True(mca.IsCustomerAgreement); // a billing profile means MCA when the agreement is unknown
            Assert.False(mca.IsSubscription);

            var ea = UsageScope.Billing("7654321", null, null, null);
            Assert.Equal("EnterpriseAgreement", ea.AgreementType);
            Assert.False(ea.IsCustomerAgreement);
            Assert.Equal("/providers/Microsoft.Billing/billingAccounts/7654321", ea.Path);

            Assert.True(UsageScope.Billing("x:y", null, null, "MicrosoftPartnerAgreement").IsCustomerAgreement);
            Assert.Null(UsageScope.Billing("x:y", null, null, null).AgreementType);
            Assert.Null(UsageScope.Billing("", null, null, null).AgreementType);
        }
    }
}
