using System;
using System.Globalization;
using System.IO;
using System.Linq;

namespace BillingPowerShell.Engine.Reports
{
    /// <summary>
    /// Writes a report as Markdown for GitHub and Azure DevOps job summaries: tables, and the daily cost as a Mermaid
    /// `xychart-beta` bar chart per currency (both render Mermaid blocks). Every value from customer data is escaped
    /// (<see cref="ReportText.Markdown"/>) so a name cannot break a table, add a link or inject HTML.
    /// </summary>
    public static class MarkdownReportWriter
    {
        public static void Write(BillingReport r, TextWriter w)
        {
            w.Write($"# Billing report: {ReportText.MonthName(r.Month)}\n\n");
            if (!string.IsNullOrEmpty(r.DisplayName)) w.Write($"**{ReportText.Markdown(r.DisplayName)}** · ");
            w.Write($"{ReportText.Markdown(r.Scope)}  \nUsage {ReportText.Day(r.StartDate)} to {ReportText.Day(r.EndDate)} (UTC days), {r.Metric}, {r.Usage.RowCount:N0} rows, " +
                    $"generated {r.GeneratedAt.UtcDateTime.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture)} UTC\n\n");
            foreach (var c in r.Usage.Currencies)
                w.Write($"- Usage cost: **{ReportText.Markdown(ReportText.Money(r.Usage.Total(c), c))}**\n");
            WriteDaily(r, w);
            WriteStatement(r, w);
            WriteInvoices(r, w);
            WriteTop(r, w, ReportDimension.Service, "Top services", "Service");
            WriteTop(r, w, ReportDimension.ResourceGroup, "Top resource groups", "Resource group");
            WriteInsights(r, w);
        }

        private static void WriteDaily(BillingReport r, TextWriter w)
        {
            w.Write("\n## Daily cost\n\n");
            if (r.Usage.Currencies.Count == 0) { w.Write("No usage in these days.\n"); return; }
            var days = Math.Max(1, (r.EndDate - r.StartDate).Days + 1);
            foreach (var c in r.Usage.Currencies)
            {
                var byDay = r.Usage.Daily(c).ToDictionary(d => d.Date, d => d.Cost);
                var digits = ReportText.Decimals(c);
                var values = Enumerable.Range(0, days).Select(i => byDay.TryGetValue(r.StartDate.AddDays(i), out var v) ? v : 0m).ToList();
                var top = SvgChart.NiceMax((double)values.DefaultIfEmpty(0m).Max());
                var label = ReportText.Mermaid(ReportText.CurrencyLabel(c));
                w.Write("```mermaid\nxychart-beta\n");
                w.Write($"    title \"Daily cost in {label}\"\n");
                w.Write($"    x-axis \"Day of {ReportText.Mermaid(ReportText.MonthName(r.Month))} (UTC)\" [{string.Join(", ", Enumerable.Range(0, days).Select(i => "\"" + r.StartDate.AddDays(i).Day.ToString(CultureInfo.InvariantCulture) + "\""))}]\n");
                w.Write($"    y-axis \"Cost ({label})\" 0 --> {top.ToString("0.###", CultureInfo.InvariantCulture)}\n");
                w.Write($"    bar [{string.Join(", ", values.Select(v => Math.Round(v, digits, MidpointRounding.AwayFromZero).ToString(CultureInfo.InvariantCulture)))}]\n```\n\n");
            }
        }

        private static void WriteStatement(BillingReport r, TextWriter w)
        {
            w.Write("## Current statement\n\n");
            if (r.Problems.TryGetValue(ReportService.StatementSection, out var problem)) { w.Write($"> {ReportText.Markdown(problem)}\n\n"); return; }
            if (r.Estimates.Count == 0) { w.Write("No statement.\n\n"); return; }
            w.Write("| Open period | Cost to date | Projected total |\n|---|--:|--:|\n");
            foreach (var e in r.Estimates)
                w.Write($"| {ReportText.Day(e.PeriodStart)} to {ReportText.Day(e.PeriodEnd)} | {ReportText.Markdown(ReportText.Money(e.CostToDate, e.Currency))} | {ReportText.Markdown(ReportText.Money(e.ProjectedTotal, e.Currency))} |\n");
            w.Write("\n");
        }

        private static void WriteInvoices(BillingReport r, TextWriter w)
        {
            w.Write("## Invoices\n\n");
            if (r.Problems.TryGetValue(ReportService.InvoicesSection, out var problem)) { w.Write($"> {ReportText.Markdown(problem)}\n\n"); return; }
            if (r.Invoices.Count == 0) { w.Write("No invoice for this month has been issued (yet).\n\n"); return; }
            w.Write("| Invoice | Date | Billing period | Status | Billed | Due |\n|---|---|---|---|--:|--:|\n");
            foreach (var i in r.Invoices)
                w.Write($"| {ReportText.Markdown(i.Name)} | {ReportText.Day(i.InvoiceDate)} | {ReportText.Day(i.PeriodStartDate)} to {ReportText.Day(i.PeriodEndDate)} | {ReportText.Markdown(i.Status)} | " +
                        $"{ReportText.Markdown(ReportText.Money(i.BilledAmount ?? i.TotalAmount, i.Currency))} | {ReportText.Markdown(ReportText.Money(i.AmountDue, i.Currency))} |\n");
            w.Write("\n");
        }

        private static void WriteTop(BillingReport r, TextWriter w, ReportDimension dimension, string heading, string column)
        {
            w.Write($"## {heading}\n\n");
            if (r.Usage.Currencies.Count == 0) { w.Write("No usage in these days.\n\n"); return; }
            foreach (var c in r.Usage.Currencies)
            {
                var total = r.Usage.Total(c);
                w.Write($"| {column} | Cost ({ReportText.Markdown(ReportText.CurrencyLabel(c))}) | Share |\n|---|--:|--:|\n");
                foreach (var g in r.Usage.Top(dimension, c, r.Top))
                    w.Write($"| {ReportText.Markdown(g.Name)} | {ReportText.Amount(g.Cost, c)} | {ReportText.Percent(g.Cost, total)} |\n");
                var more = r.Usage.GroupCount(dimension, c) - r.Top;
                w.Write(more > 0 ? $"\nand {more:N0} more.\n\n" : "\n");
            }
        }

        private static void WriteInsights(BillingReport r, TextWriter w)
        {
            w.Write("## Month over month\n\n");
            if (r.Problems.TryGetValue(ReportInsights.ChangesSection, out var problem)) w.Write($"> {ReportText.Markdown(problem)}\n\n");
            else if (r.MonthOverMonth is null) w.Write("_Not computed: this report does not compare months yet._\n\n");
            else if (r.MonthOverMonth.Count == 0) w.Write("No change.\n\n");
            else
            {
                w.Write("| By | Group | Previous | This month | Change |\n|---|---|--:|--:|--:|\n");
                foreach (var c in r.MonthOverMonth)
                    w.Write($"| {ReportText.Markdown(c.Dimension)} | {ReportText.Markdown(c.Group)} | {ReportText.Markdown(ReportText.Money(c.PreviousCost, c.Currency))} | {ReportText.Markdown(ReportText.Money(c.CurrentCost, c.Currency))} | {ReportText.Markdown(ReportText.Money(c.Change, c.Currency))} |\n");
                w.Write("\n");
            }
            w.Write("## Anomalies\n\n");
            if (r.Anomalies is null) { w.Write("_Not computed: this report does not look for anomalies yet._\n"); return; }
            if (r.Anomalies.Count == 0) { w.Write("No anomaly.\n"); return; }
            w.Write("| Group | Kind | Days | Cost |\n|---|---|---|--:|\n");
            foreach (var a in r.Anomalies)
                w.Write($"| {ReportText.Markdown(a.Group)} | {ReportText.Markdown(a.Kind)} | {ReportText.Day(a.FirstDay)} to {ReportText.Day(a.LastDay)} | {ReportText.Markdown(ReportText.Money(a.Cost, a.Currency))} |\n");
        }
    }
}
