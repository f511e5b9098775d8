using System;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text.RegularExpressions;
using BillingPowerShell.Engine.Reports;

namespace BillingPowerShell.Engine.Tests.Reports
{
    /// <summary>
    /// The report's aggregate and its HTML and Markdown pages: sums per day, service and resource group kept apart per
    /// currency; every name from customer data encoded (a resource group named like a script tag stays text); the chart's
    /// bars carry each day's exact amount; the page fetches nothing.
    /// </summary>
    public sealed class ReportWriterTests
    {
        private const string Hostile = "<script>alert('x')</script>\"&|[link](https://evil.example)";
        private static readonly DateTime Nov1 = new DateTime(2026, 11, 1, 0, 0, 0, DateTimeKind.Utc);

        private static BillingReport Report()
        {
            var r = new BillingReport { Scope = "billing account 1", DisplayName = "Contoso <i>", Month = Nov1, StartDate = Nov1, EndDate = Nov1.AddDays(29), Top = 2 };
            r.Usage.Add(Nov1, "EUR", "Storage", "rg-web", 1.5m);
            r.Usage.Add(Nov1, "EUR", "Storage", "RG-WEB", 2.25m);
            r.Usage.Add(Nov1.AddDays(2), "EUR", "Virtual Machines", Hostile, 10m);
            r.Usage.Add(Nov1.AddDays(2), "EUR", "", "", 0.125m);
            r.Usage.Add(Nov1.AddDays(2), "USD", Hostile, "rg-data", 7m);
            r.Invoices = new[] { new BillingInvoice { Name = "INV<1>", Status = "Due", Currency = "EUR", BilledAmount = 12m, PeriodStartDate = Nov1, PeriodEndDate = Nov1.AddDays(29) } };
            return r;
        }

        private static string Html(BillingReport r) { var w = new StringWriter(); HtmlReportWriter.Write(r, w); return w.ToString(); }
        private static string Markdown(BillingReport r) { var w = new StringWriter(); MarkdownReportWriter.Write(r, w); return w.ToString(); }

        [Fact]
        public void AggregatesPerCurrencyDayServiceAndResourceGroup()
        {
            var u = Report().Usage;
            Assert.Equal(5, u.RowCount);
            Assert.Equal(new[] { "EUR", "USD" }, u.Currencies);
            Assert.Equal(13.875m, u.Total("EUR"));
            Assert.Equal(7m, u.Total("USD"));
            Assert.Equal(new[] { (Nov1, 3.75m), (Nov1.AddDays(2), 10.125m) }, u.Daily("EUR").Select(d => (d.Date, d.Cost)));
            var groups = u.Top(ReportDimension.ResourceGroup, "EUR", 10);
            Assert.Equal(new[] { Hostile, "rg-web", UsageAggregate.NoResourceGroup }, groups.Select(g => g.Name));
            Assert.Equal(3.75m, groups[1].Cost); // rg-web and RG-WEB are one resource group
            Assert.Equal(UsageAggregate.NoService, u.Top(ReportDimension.Service, "EUR", 10).Last().Name);
            Assert.Equal(10m, u.DailyByService("EUR")["Virtual Machines"][Nov1.AddDays(2)]);
        }

        [Fact]
        public void HtmlEncodesEveryNameAndFetchesNothing()
        {
            var html = Html(Report());
            Assert.DoesNotContain("<script", html, StringComparison.OrdinalIgnoreCase);
            Assert.DoesNotContain("<i>", html, StringComparison.Ordinal);
            Assert.Contains("Contoso &lt;i&gt;", html, StringComparison.Ordinal);
            Assert.Contains("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;&quot;&amp;|", html, StringComparison.Ordinal);
            Assert.Contains("INV&lt;1&gt;", html, StringComparison.Ordinal);
            Assert.Contains("default-src 'none'", html, StringComparison.Ordinal);
            // Nothing to fetch: no src, no link, no url(), no @import (the hostile name is text, encoded).
            Assert.DoesNotMatch(new Regex(@"\ssrc\s*=|<link|url\(|@import", RegexOptions.IgnoreCase), html);
        }

        [Fact]
        public void ChartHasOneBarPerDayWithTheExactAmountPerCurrency()
        {
            var html = Html(Report());
            var bars = Regex.Matches(html, "<rect class=\"bar\"[^>]*data-day=\"([0-9-]+)\" data-amount=\"([0-9.]+)\" data-currency=\"([A-Z]+)\"").Cast<Match>()
                .Select(m => (Day: m.Groups[1].Value, Amount: decimal.Parse(m.Groups[2].Value, CultureInfo.InvariantCulture), Currency: m.Groups[3].Value)).ToList();
            Assert.Equal(60, bars.Count); // 30 days, two currencies, each its own chart
            Assert.Equal(13.875m, bars.Where(b => b.Currency == "EUR").Sum(b => b.Amount));
            Assert.Equal(10.125m, bars.Single(b => b.Currency == "EUR" && b.Day == "2026-11-03").Amount);
            Assert.Equal(7m, bars.Where(b => b.Currency == "USD").Sum(b => b.Amount));
            Assert.Equal(2, Regex.Matches(html, "<svg class=\"chart\"").Count);
            Assert.Contains(">Cost (EUR)</text>", html, StringComparison.Ordinal);
            Assert.Contains("Day of November 2026 (UTC)", html, StringComparison.Ordinal);
        }

        [Fact]
        public void SaysNotComputedWhereNothingComputedTheInsights()
        {
            var html = Html(Report());
            Assert.Contains("Not computed: this report does not compare months yet.", html, StringComparison.Ordinal);
            Assert.Contains("Not computed: this report does not look for anomalies yet.", html, StringComparison.Ordinal);
            var r = Report();
            r.MonthOverMonth = new[] { new ReportChange { Group = Hostile, Currency = "EUR", PreviousCost = 10m, CurrentCost = 15m } };
            r.Anomalies = Array.Empty<ReportAnomaly>();
            html = Html(r);
            Assert.Contains("50.0 %", html, StringComparison.Ordinal);
            Assert.Contains("No anomaly.", html, StringComparison.Ordinal);
            Assert.DoesNotContain("<script", html, StringComparison.OrdinalIgnoreCase);
        }

        [Fact]
        public void MarkdownEscapesNamesAndDrawsMermaidBarsPerCurrency()
        {
            var md = Markdown(Report());
            Assert.DoesNotContain("<script", md, StringComparison.OrdinalIgnoreCase);
            Assert.DoesNotContain("](https", md, StringComparison.Ordinal);
            Assert.Contains(@"&lt;script&gt;alert\('x'\)&lt;/script&gt;""&amp;\|\[link\]\(https://evil.example\)", md, StringComparison.Ordinal);
            Assert.Equal(2, Regex.Matches(md, "```mermaid\nxychart-beta\n").Count);
            Assert.Contains("    title \"Daily cost in EUR\"", md, StringComparison.Ordinal);
            Assert.Contains("    bar [3.75, 0, 10.13, 0,", md, StringComparison.Ordinal);
            // Every table row has as many cells as its header: a name cannot add a column.
            foreach (var table in Regex.Matches(md, @"(?m)^\|.*\|\n\|[-:|]+\|\n(\|.*\|\n)+").Cast<Match>())
            {
                var rows = table.Value.TrimEnd('\n').Split('\n');
                var cells = rows.Select(l => Regex.Matches(l, @"(?<!\\)\|").Count).Distinct().ToList();
                Assert.Single(cells);
            }
        }

        [Theory]
        [InlineData(0, 1)]
        [InlineData(0.3, 0.5)]
        [InlineData(351.06, 500)]
        [InlineData(1000, 1000)]
        [InlineData(1001, 2000)]
        [InlineData(2400, 2500)]
        public void ChartAxisEndsAtARoundNumber(double max, double top) => Assert.Equal(top, SvgChart.NiceMax(max), 6);
    }
}
