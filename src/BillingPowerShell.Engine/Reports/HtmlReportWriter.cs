using System.Collections.Generic;
using System.IO;
using System.Linq;

namespace BillingPowerShell.Engine.Reports
{
    /// <summary>
    /// Writes a report as one self-contained HTML page: styles inline, charts as inline SVG, no script, and a Content
    /// Security Policy that forbids every fetch, so it renders the same offline, in a mail or from a storage account.
    /// Every value is HTML-encoded: names come from customer data.
    /// </summary>
    public static class HtmlReportWriter
    {
        private const string Style =
            "body{font-family:system-ui,-apple-system,\"Segoe UI\",Roboto,\"Helvetica Neue\",Arial,sans-serif;margin:0 auto;padding:16px 24px;max-width:1200px;color:#1b1b1b;background:#fff}" +
            "h1{font-size:1.6em;margin:.2em 0}h2{font-size:1.25em;margin-top:1.6em;border-bottom:1px solid #ddd;padding-bottom:.2em}h3{font-size:1.05em}" +
            "table{border-collapse:collapse;width:100%;margin:.4em 0}th,td{text-align:left;padding:4px 8px;border-bottom:1px solid #eee;overflow-wrap:anywhere;word-break:break-word}" +
            "td.num,th.num{text-align:right;white-space:nowrap}.meta{color:#555}.note{color:#6b4e00;background:#fff8e1;padding:6px 10px}" +
            ".totals{display:flex;flex-wrap:wrap;gap:12px}.total{border:1px solid #ddd;border-radius:6px;padding:8px 14px}.total b{font-size:1.3em;display:block}" +
            "svg.chart{max-width:100%;height:auto;display:block}svg .bar{fill:#0f6cbd}svg .grid{stroke:#e5e5e5}svg .axis{stroke:#888}" +
            "svg text{font-size:11px;fill:#333}svg .axis-title{font-size:12px;fill:#111}";

        public static void Write(BillingReport report, TextWriter w)
        {
            var title = "Billing report: " + ReportText.MonthName(report.Month);
            w.Write("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n");
            w.Write("<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\">\n");
            w.Write("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n");
            w.Write($"<title>{ReportText.Html(title + " - " + (report.DisplayName ?? report.Scope))}</title>\n<style>{Style}</style>\n</head>\n<body>\n");
            WriteHeader(report, w, title);
            WriteDaily(report, w);
            WriteStatement(report, w);
            WriteInvoices(report, w);
            WriteTop(report, w, ReportDimension.Service, "Top services", "Service");
            WriteTop(report, w, ReportDimension.ResourceGroup, "Top resource groups", "Resource group");
            WriteChanges(report, w);
            WriteAnomalies(report, w);
            w.Write("</body>\n</html>\n");
        }

        private static void WriteHeader(BillingReport r, TextWriter w, string title)
        {
            w.Write($"<h1>{ReportText.Html(title)}</h1>\n<p class=\"meta\">");
            if (!string.IsNullOrEmpty(r.DisplayName)) w.Write($"<b>{ReportText.Html(r.DisplayName)}</b> &middot; ");
            w.Write($"{ReportText.Html(r.Scope)}<br>Usage {ReportText.Day(r.StartDate)} to {ReportText.Day(r.EndDate)} (UTC days), {ReportText.Html(r.Metric)}, " +
                    $"{r.Usage.RowCount:N0} rows &middot; generated {ReportText.Html(r.GeneratedAt.UtcDateTime.ToString("yyyy-MM-dd HH:mm", System.Globalization.CultureInfo.InvariantCulture))} UTC</p>\n");
            w.Write("<div class=\"totals\">");
            foreach (var c in r.Usage.Currencies)
                w.Write($"<div class=\"total\" data-currency=\"{ReportText.Html(c)}\">Usage cost<b>{ReportText.Html(ReportText.Money(r.Usage.Total(c), c))}</b></div>");
            if (r.Usage.Currencies.Count == 0) w.Write("<p>No usage in these days.</p>");
            w.Write("</div>\n");
        }

        private static void WriteDaily(BillingReport r, TextWriter w)
        {
            w.Write("<h2 id=\"daily\">Daily cost</h2>\n");
            if (r.Usage.Currencies.Count == 0) { w.Write("<p>No usage in these days.</p>\n"); return; }
            foreach (var c in r.Usage.Currencies)
            {
                w.Write($"<h3>Daily cost in {ReportText.Html(ReportText.CurrencyLabel(c))}</h3>\n");
                SvgChart.Write(w, r.Usage.Daily(c), c, r.StartDate, r.EndDate);
            }
        }

        private static void WriteStatement(BillingReport r, TextWriter w)
        {
            w.Write("<h2 id=\"statement\">Current statement</h2>\n");
            if (Problem(r, ReportService.StatementSection, w)) return;
            if (r.Estimates.Count == 0) { w.Write("<p>No statement.</p>\n"); return; }
            w.Write("<table><thead><tr><th>Open period</th><th class=\"num\">Cost to date</th><th class=\"num\">Projected total</th><th>As of</th></tr></thead><tbody>\n");
            foreach (var e in r.Estimates)
                w.Write($"<tr><td>{ReportText.Day(e.PeriodStart)} to {ReportText.Day(e.PeriodEnd)}</td><td class=\"num\">{ReportText.Html(ReportText.Money(e.CostToDate, e.Currency))}</td>" +
                        $"<td class=\"num\">{ReportText.Html(ReportText.Money(e.ProjectedTotal, e.Currency))}</td><td>{ReportText.Html(e.AsOf.UtcDateTime.ToString("yyyy-MM-dd HH:mm", System.Globalization.CultureInfo.InvariantCulture))} UTC</td></tr>\n");
            w.Write("</tbody></table>\n<p class=\"meta\">The projection spreads the cost to date over the whole period at the average daily rate.</p>\n");
        }

        private static void WriteInvoices(BillingReport r, TextWriter w)
        {
            w.Write("<h2 id=\"invoices\">Invoices</h2>\n");
            if (Problem(r, ReportService.InvoicesSection, w)) return;
            if (r.Invoices.Count == 0) { w.Write("<p>No invoice for this month has been issued (yet).</p>\n"); return; }
            w.Write("<table><thead><tr><th>Invoice</th><th>Date</th><th>Billing period</th><th>Status</th><th class=\"num\">Billed</th><th class=\"num\">Due</th></tr></thead><tbody>\n");
            foreach (var i in r.Invoices)
                w.Write($"<tr><td>{ReportText.Html(i.Name)}</td><td>{ReportText.Day(i.InvoiceDate)}</td><td>{ReportText.Day(i.PeriodStartDate)} to {ReportText.Day(i.PeriodEndDate)}</td>" +
                        $"<td>{ReportText.Html(i.Status)}</td><td class=\"num\">{ReportText.Html(ReportText.Money(i.BilledAmount ?? i.TotalAmount, i.Currency))}</td>" +
                        $"<td class=\"num\">{ReportText.Html(ReportText.Money(i.AmountDue, i.Currency))}</td></tr>\n");
            w.Write("</tbody></table>\n");
        }

        private static void WriteTop(BillingReport r, TextWriter w, ReportDimension dimension, string heading, string column)
        {
            w.Write($"<h2 id=\"{(dimension == ReportDimension.Service ? "services" : "resource-groups")}\">{heading}</h2>\n");
            if (r.Usage.Currencies.Count == 0) { w.Write("<p>No usage in these days.</p>\n"); return; }
            foreach (var c in r.Usage.Currencies)
            {
                var total = r.Usage.Total(c);
                w.Write($"<table data-currency=\"{ReportText.Html(c)}\"><thead><tr><th>{column}</th><th class=\"num\">Cost ({ReportText.Html(ReportText.CurrencyLabel(c))})</th><th class=\"num\">Share</th></tr></thead><tbody>\n");
                foreach (var g in r.Usage.Top(dimension, c, r.Top))
                    w.Write($"<tr><td>{ReportText.Html(g.Name)}</td><td class=\"num\">{ReportText.Html(ReportText.Amount(g.Cost, c))}</td><td class=\"num\">{ReportText.Percent(g.Cost, total)}</td></tr>\n");
                w.Write("</tbody></table>\n");
                var more = r.Usage.GroupCount(dimension, c) - r.Top;
                if (more > 0) w.Write($"<p class=\"meta\">and {more:N0} more.</p>\n");
            }
        }

        private static void WriteChanges(BillingReport r, TextWriter w)
        {
            w.Write("<h2 id=\"month-over-month\">Month over month</h2>\n");
            if (Problem(r, ReportInsights.ChangesSection, w)) return;
            if (r.MonthOverMonth is null) { w.Write("<p class=\"note\">Not computed: this report does not compare months yet.</p>\n"); return; }
            if (r.MonthOverMonth.Count == 0) { w.Write("<p>No change.</p>\n"); return; }
            w.Write("<table><thead><tr><th>By</th><th>Group</th><th class=\"num\">Previous</th><th class=\"num\">This month</th><th class=\"num\">Change</th><th class=\"num\">%</th></tr></thead><tbody>\n");
            foreach (var c in r.MonthOverMonth)
                w.Write($"<tr><td>{ReportText.Html(c.Dimension)}</td><td>{ReportText.Html(c.Group)}</td><td class=\"num\">{ReportText.Html(ReportText.Money(c.PreviousCost, c.Currency))}</td><td class=\"num\">{ReportText.Html(ReportText.Money(c.CurrentCost, c.Currency))}</td>" +
                        $"<td class=\"num\">{ReportText.Html(ReportText.Money(c.Change, c.Currency))}</td><td class=\"num\">{(c.ChangePercent is decimal p ? p.ToString("0.0", System.Globalization.CultureInfo.InvariantCulture) + " %" : "new")}</td></tr>\n");
            w.Write("</tbody></table>\n");
        }

        private static void WriteAnomalies(BillingReport r, TextWriter w)
        {
            w.Write("<h2 id=\"anomalies\">Anomalies</h2>\n");
            if (r.Anomalies is null) { w.Write("<p class=\"note\">Not computed: this report does not look for anomalies yet.</p>\n"); return; }
            if (r.Anomalies.Count == 0) { w.Write("<p>No anomaly.</p>\n"); return; }
            w.Write("<table><thead><tr><th>Group</th><th>Kind</th><th>Days</th><th class=\"num\">Cost</th><th class=\"num\">Change</th><th>What</th></tr></thead><tbody>\n");
            foreach (var a in r.Anomalies)
                w.Write($"<tr><td>{ReportText.Html(a.Group)}</td><td>{ReportText.Html(a.Kind)}</td><td>{ReportText.Day(a.FirstDay)} to {ReportText.Day(a.LastDay)}</td>" +
                        $"<td class=\"num\">{ReportText.Html(ReportText.Money(a.Cost, a.Currency))}</td><td class=\"num\">{ReportText.Html(ReportText.Money(a.Change, a.Currency))}</td><td>{ReportText.Html(a.Description)}</td></tr>\n");
            w.Write("</tbody></table>\n");
        }

        private static bool Problem(BillingReport r, string section, TextWriter w)
        {
            if (!r.Problems.TryGetValue(section, out var message)) return false;
            w.Write($"<p class=\"note\">{ReportText.Html(message)}</p>\n");
            return true;
        }
    }
}
