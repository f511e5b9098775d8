using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using BillingPowerShell.Engine.Billing;
using BillingPowerShell.Engine.Files;
using BillingPowerShell.Engine.Http;

namespace BillingPowerShell.Engine.Reports
{
    /// <summary>
    /// A month's billing report for a scope: one pass over the month's usage (aggregated as the rows stream, at
    /// constant memory), the invoices of the month, and the open period's statement; written as a self-contained HTML
    /// page or as Markdown for job summaries. Shared by every command of a connection; thread-safe.
    /// </summary>
    public sealed class ReportService
    {
        public const string InvoicesSection = "Invoices";
        public const string StatementSection = "Statement";

        private readonly BillingClient _client;
        internal ReportService(BillingClient client) { _client = client; }

        /// <summary>Builds the report and writes it to <paramref name="path"/> through a temporary file renamed into place.</summary>
        public async Task<ReportSummary> ExportAsync(ReportRequest request, string path, ReportFormat format, bool overwrite, CallContext call, CancellationToken ct)
        {
            var report = await BuildAsync(request, call, ct).ConfigureAwait(false);
            var bytes = await AtomicFile.WriteAsync(path, overwrite, async (stream, token) =>
            {
                using var writer = new StreamWriter(stream, new UTF8Encoding(false), 1 << 16, leaveOpen: true);
                if (format == ReportFormat.Html) HtmlReportWriter.Write(report, writer);
                else MarkdownReportWriter.Write(report, writer);
                await writer.FlushAsync().ConfigureAwait(false);
            }, null, ct).ConfigureAwait(false);
            return new ReportSummary { Path = Path.GetFullPath(path), Format = format, Month = report.Month, RowCount = report.Usage.RowCount, Bytes = bytes };
        }

        /// <summary>Gathers what the report shows. Invoices or the statement that cannot be read become a note in their section; usage that cannot be read fails the report.</summary>
        public async Task<BillingReport> BuildAsync(ReportRequest request, CallContext call, CancellationToken ct)
        {
            var scope = request.Usage.Scope;
            var report = new BillingReport
            {
                Scope = scope.Display, DisplayName = scope.DisplayName, Month = request.Month,
                StartDate = request.Usage.StartDate ?? request.Month, EndDate = request.Usage.EndDate ?? request.Month.AddMonths(1).AddDays(-1),
                Metric = request.Usage.Metric.ToString(), GeneratedAt = call.Now, Top = request.Top,
            };
            report.Invoices = await ListInvoicesAsync(request, report, call, ct).ConfigureAwait(false);
            report.Estimates = await EstimateAsync(request, report, call, ct).ConfigureAwait(false);
            await foreach (var r in _client.Usage.GetRecordsAsync(request.Usage, call, ct).WithCancellation(ct).ConfigureAwait(false))
                report.Usage.Add(r.Date, r.Currency, r.MeterCategory, r.ResourceGroup, r.Cost ?? 0m);
            await AddInsightsAsync(request, report, call, ct).ConfigureAwait(false);
            return report;
        }

        /// <summary>The anomalies (from the usage just aggregated) and the month-over-month changes (ReportInsights);
        /// changes that cannot be read become a note in their section, as invoices do.</summary>
        private async Task AddInsightsAsync(ReportRequest request, BillingReport report, CallContext call, CancellationToken ct)
        {
            var scope = request.Usage.Scope;
            report.Anomalies = ReportInsights.Anomalies(report, scope);
            try
            {
                report.MonthOverMonth = await ReportInsights.ChangesAsync(_client.Costs, report, scope, request.Usage.Metric, call, ct).ConfigureAwait(false);
            }
            catch (ArmException ex)
            {
                Note(report, ReportInsights.ChangesSection, $"The month-over-month changes of {scope} could not be read: {ex.Message}", call);
            }
        }

        /// <summary>The invoices of the month: those whose billing period overlaps it (issued in the month after, at the latest).</summary>
        private async Task<IReadOnlyList<BillingInvoice>> ListInvoicesAsync(ReportRequest request, BillingReport report, CallContext call, CancellationToken ct)
        {
            var s = request.Usage.Scope;
            var monthEnd = request.Month.AddMonths(1).AddDays(-1);
            var to = Min(call.Today, monthEnd.AddMonths(1));
            var scope = new InvoiceScope { BillingAccountName = s.BillingAccountName, BillingProfileName = s.BillingProfileName, SubscriptionId = s.SubscriptionId, AgreementType = s.AgreementType };
            var found = new List<BillingInvoice>();
            try
            {
                await foreach (var i in _client.Invoices.ListAsync(scope, new InvoiceQuery(request.Month, to), call, ct).WithCancellation(ct).ConfigureAwait(false))
                {
                    var overlaps = i.PeriodStartDate is null || i.PeriodEndDate is null
                        || (i.PeriodStartDate.Value.Date <= monthEnd && i.PeriodEndDate.Value.Date >= request.Month);
                    if (overlaps && !found.Any(f => string.Equals(f.Name, i.Name, StringComparison.OrdinalIgnoreCase))) found.Add(i);
                }
            }
            catch (ArmException ex)
            {
                Note(report, InvoicesSection, $"The invoices of {s} could not be read: {ex.Message}", call);
            }
            return found.OrderBy(i => i.InvoiceDate ?? i.PeriodEndDate).ThenBy(i => i.Name, StringComparer.Ordinal).ToList();
        }

        private async Task<IReadOnlyList<CostEstimate>> EstimateAsync(ReportRequest request, BillingReport report, CallContext call, CancellationToken ct)
        {
            try
            {
                return await _client.Costs.EstimateAsync(request.Usage.Scope, request.Usage.Metric, call, ct).ConfigureAwait(false);
            }
            catch (ArmException ex)
            {
                Note(report, StatementSection, $"The current statement of {request.Usage.Scope} could not be read: {ex.Message}", call);
                return Array.Empty<CostEstimate>();
            }
        }

        private static void Note(BillingReport report, string section, string message, CallContext call)
        {
            report.Problems[section] = message;
            call.Warning?.Invoke(message);
        }

        private static DateTime Min(DateTime a, DateTime b) => a < b ? a : b;
    }
}
