using System;
using System.Collections.Generic;
using System.Linq;
using BillingPowerShell.Emulator.Data;

namespace BillingPowerShell.Emulator.Tests;

/// <summary>
/// The generated world's invariants, checked for every day of three years (two year ends, a leap day, every issue
/// day) by building the world for that day, without reading any clock: the Pester tests rely on these on whatever
/// day they run (docs/contracts/EMULATOR_WORLD.md).
/// </summary>
public sealed class WorldTests
{
    private static IEnumerable<DateOnly> Days()
    {
        for (var d = new DateOnly(2026, 12, 1); d <= new DateOnly(2029, 1, 10); d = d.AddDays(1)) yield return d;
    }

    private static IEnumerable<IGrouping<string, Invoice>> Scopes(World w) =>
        w.Accounts.SelectMany(a => a.Invoices).GroupBy(i => $"{i.Account.Name}/{i.Profile?.Name}/{i.Subscription?.Id}");

    [Fact]
    public void Every_day_every_scope_has_13_issued_invoices_the_newest_issued_on_its_last_issue_day()
    {
        foreach (var day in Days())
        {
            var w = new World(42, "small", day, null);
            var today = day.ToDateTime(TimeOnly.MinValue, DateTimeKind.Utc);
            var scopes = Scopes(w).ToList();
            Assert.Equal(1 + 3 + 2, scopes.Count); // EA account, 3 pay-as-you-go subscriptions, 2 MCA profiles
            foreach (var scope in scopes)
            {
                var list = scope.OrderBy(i => i.PeriodStart).ToList();
                Assert.Equal(World.IssuedInvoicesPerScope, list.Count);
                Assert.All(list, i => Assert.True(i.InvoiceDate <= today, $"{day}: {i.Name} is dated {i.InvoiceDate:yyyy-MM-dd}, after today"));
                // Consecutive months, the newest one the last month whose issue day has come.
                for (int k = 1; k < list.Count; k++) Assert.Equal(list[k - 1].PeriodStart.AddMonths(1), list[k].PeriodStart);
                var newest = list[^1];
                var nextIssue = newest.InvoiceDate.AddMonths(1);
                Assert.True(nextIssue > today, $"{day}: {scope.Key}'s invoice of {newest.PeriodStart.AddMonths(1):yyyy-MM} was due on {nextIssue:yyyy-MM-dd} and is missing");
                Assert.Equal(newest.PeriodEnd.AddDays(1), new DateOnly(newest.InvoiceDate.Year, newest.InvoiceDate.Month, 1));
            }
        }
    }

    [Fact]
    public void Every_day_every_agreement_type_has_every_status_and_document_kind_the_tests_use()
    {
        foreach (var day in Days())
        {
            var w = new World(42, "small", day, null);
            foreach (var scope in Scopes(w))
            {
                var list = scope.OrderByDescending(i => i.PeriodStart).ToList();
                Assert.Equal("Due", list[0].Status);
                Assert.Equal("OverDue", list[1].Status);
                Assert.Contains(list, i => i.Status == "Paid");
                Assert.Contains(list, i => i.Documents.Any(d => d.Kind == "CreditNote"));
                var account = list[0].Account;
                if (account.IsEa)
                {
                    Assert.DoesNotContain(list, i => i.Status == "Void");
                    Assert.All(list, i => Assert.Contains(i.Documents, d => d.Kind == "Summary"));
                }
                else
                {
                    Assert.Contains(list, i => i.Status == "Void" && i.Documents.Any(d => d.Kind == "VoidNote"));
                    Assert.Contains(list, i => i.Status == "Paid" && i.Documents.Any(d => d.Kind == "TaxReceipt"));
                }
            }
        }
    }

    [Fact]
    public void Pay_as_you_go_periods_cover_every_month_newest_first_with_the_invoice_when_issued()
    {
        foreach (var day in new[] { new DateOnly(2027, 1, 1), new DateOnly(2027, 1, 2), new DateOnly(2028, 2, 29), new DateOnly(2027, 12, 31) })
        {
            var w = new World(42, "small", day, null);
            foreach (var s in w.AllSubscriptions.Where(s => s.Account.IsPayg))
            {
                var open = s.LegacyPeriods[0];
                Assert.Equal(new DateOnly(day.Year, day.Month, 1), open.Start);
                Assert.Null(open.Invoice);
                for (int k = 1; k < s.LegacyPeriods.Count; k++) Assert.Equal(s.LegacyPeriods[k].Start.AddMonths(1), s.LegacyPeriods[k - 1].Start);
                bool lastMonthIssued = day.Day >= 2;
                Assert.Equal(lastMonthIssued, s.LegacyPeriods[1].Invoice != null);
                Assert.Equal(World.IssuedInvoicesPerScope, s.LegacyPeriods.Count(p => p.Invoice != null));
            }
        }
    }
}
