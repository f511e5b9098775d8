using System;
using BillingPowerShell.Engine.Billing;
using Xunit;

namespace BillingPowerShell.Engine.Tests.Billing
{
    /// <summary>The next-invoice-date rules of InvoiceSchedule, on the days where they can go wrong.</summary>
    public class InvoiceScheduleTests
    {
        private static DateTime D(string s) => DateTime.SpecifyKind(DateTime.Parse(s, System.Globalization.CultureInfo.InvariantCulture), DateTimeKind.Utc);

        [Theory]
        [InlineData(5, "2026-12-04", "2026-12-05")] // before the invoice day: this month
        [InlineData(5, "2026-12-05", "2027-01-05")] // on it: that invoice is issued, so next month's
        [InlineData(5, "2026-12-31", "2027-01-05")] // across a year end
        [InlineData(31, "2027-02-01", "2027-02-28")] // a day the month lacks: its last day
        [InlineData(30, "2028-02-28", "2028-02-29")] // leap year
        [InlineData(29, "2028-02-29", "2028-03-29")]
        [InlineData(1, "2027-01-01", "2027-02-01")]
        public void Next_invoice_day_after_today(int invoiceDay, string today, string expected)
        {
            var next = InvoiceSchedule.FromInvoiceDay(invoiceDay, D(today));
            Assert.Equal(D(expected), next);
            Assert.Equal(DateTimeKind.Utc, next!.Value.Kind);
        }

        [Theory]
        [InlineData(null)]
        [InlineData(0)]
        [InlineData(32)]
        public void No_or_impossible_invoice_day_gives_no_date(int? invoiceDay) =>
            Assert.Null(InvoiceSchedule.FromInvoiceDay(invoiceDay, D("2027-01-10")));

        [Fact]
        public void Lag_is_the_days_between_the_period_end_and_the_invoice()
        {
            var inv = new BillingInvoice { PeriodEndDate = D("2026-11-30"), InvoiceDate = D("2026-12-02") };
            Assert.Equal(TimeSpan.FromDays(1), InvoiceSchedule.LagOf(inv));
            Assert.Equal(D("2027-01-02"), InvoiceSchedule.AfterPeriod(D("2026-12-31"), InvoiceSchedule.LagOf(inv)));
            Assert.Equal(D("2027-01-01"), InvoiceSchedule.AfterPeriod(D("2026-12-31"), null));
            Assert.Null(InvoiceSchedule.LagOf(new BillingInvoice { PeriodEndDate = D("2026-11-30") }));
            Assert.Null(InvoiceSchedule.LagOf(new BillingInvoice { PeriodEndDate = D("2026-11-30"), InvoiceDate = D("2026-11-15") })); // before the end: not a lag
        }
    }
}
