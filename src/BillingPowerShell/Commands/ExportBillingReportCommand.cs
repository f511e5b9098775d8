using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Management.Automation;
using BillingPowerShell.Engine.Costs;
using BillingPowerShell.Engine.Http;
using BillingPowerShell.Engine.Reports;

namespace BillingPowerShell.Commands
{
    /// <summary>
    /// Writes a month's billing report of a scope (.html: a self-contained page; .md: Markdown with Mermaid charts for
    /// job summaries): daily cost, top services and resource groups, the month's invoices and the current statement.
    /// The engine (ReportService.ExportAsync) reads the month's usage once, aggregating as the rows stream.
    /// </summary>
    [Cmdlet(VerbsData.Export, "BillingReport", SupportsShouldProcess = true)]
    [OutputType(typeof(FileInfo))]
    public sealed class ExportBillingReportCommand : UsageScopeCmdlet
    {
        [Parameter(Mandatory = true, Position = 0)]
        [ValidateNotNullOrEmpty]
        public string Path { get; set; } = "";

        /// <summary>The month, as yyyy-MM (2026-11) or yyyyMM; by default the last complete month.</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? Month { get; set; }

        [Parameter]
        [ValidateRange(1, 100)]
        public int Top { get; set; } = 10;

        [Parameter]
        [ValidateRange(1, 8)]
        public int ThrottleLimit { get; set; } = 3;

        [Parameter]
        public SwitchParameter Force { get; set; }

        private readonly OutputFilePath _output = new OutputFilePath();

        protected override void ProcessRecord()
        {
            var (full, format) = CheckPath();
            var month = ParseMonth();
            if (_output.RefuseRewrite(this, full, Path, "Export-BillingReport -Path \"report-$($_.Name).html\"")) return;
            var request = BuildRequest(month);
            if (request is null) return; // this pipeline record was rejected
            if (!ShouldProcess(full, $"Write the {month:yyyy-MM} billing report of {request.Usage.Scope}")) return;

            ReportSummary? summary = null;
            Run(async (sink, token) =>
            {
                var call = NewCall(sink, p => UsageErrors.ProgressOf("Building the billing report", request.Usage, p));
                summary = await Client.Reports.ExportAsync(request, full, format, Force, call, token).ConfigureAwait(false);
                sink.WriteProgress(new ProgressRecord(2, "Building the billing report", "Done") { RecordType = ProgressRecordType.Completed });
            }, full);
            if (summary is null) return;
            WriteObject(InvokeProvider.Item.Get(new[] { summary.Path }, false, true)[0]);
            _output.Add(full);
        }

        private (string Full, ReportFormat Format) CheckPath()
        {
            var full = _output.Resolve(this, Path, "report.html");
            var format = ReportRequest.FormatOf(full);
            if (format is null)
                FailArgument("UnsupportedExtension", $"-Path '{full}' must end with .html (a web page) or .md (Markdown, for job summaries).", Path);
            // A file this command wrote for an earlier pipeline object is refused per object (PathAlreadyWritten), not here.
            if (File.Exists(full) && !Force && !_output.Contains(full))
                FailArgument("FileExists", $"The file '{full}' already exists. Use -Force to replace it.", Path, ErrorCategory.ResourceExists);
            return (full, format!.Value);
        }

        /// <summary>-Month as the first day of that month; by default the last complete month (before today's).</summary>
        private DateTime ParseMonth()
        {
            var thisMonth = BillingClock.MonthStart(Today);
            if (Month is null) return thisMonth.AddMonths(-1);
            if (!DateTime.TryParseExact(Month.Trim(), new[] { "yyyy-MM", "yyyyMM" }, CultureInfo.InvariantCulture, DateTimeStyles.None, out var parsed))
                FailArgument("InvalidMonth", $"-Month '{Month}' is not a month; write it as yyyy-MM, for example {thisMonth.AddMonths(-1):yyyy-MM}.", Month);
            var month = BillingClock.MonthStart(parsed);
            if (month > thisMonth)
                FailArgument("MonthInFuture", $"-Month {month:yyyy-MM} has not begun (today is {Today:yyyy-MM-dd} UTC); name this month or an earlier one.", Month);
            return month;
        }

        /// <summary>The usage request of the month (up to today for the month in progress); null when a pipeline record was rejected.</summary>
        private ReportRequest? BuildRequest(DateTime month)
        {
            var scope = ResolveScope();
            if (scope is null) return null;
            var end = month.AddMonths(1).AddDays(-1);
            var usage = new UsageRequest(scope)
            {
                Metric = MetricValue, MaxConcurrency = ThrottleLimit,
                StartDate = month, EndDate = end > Today ? Today : end,
            };
            // Only Cost Details keeps 13 months, and which source serves depends on the scope (of this record).
            var oldest = BillingClock.MonthStart(Today).AddMonths(-13);
            if (month < oldest && UsageService.Resolve(usage) == UsageSource.CostDetails)
                return Reject<ReportRequest>("MonthTooOld", $"-Month {month:yyyy-MM} is older than 13 months; Cost Management keeps cost details from {oldest:yyyy-MM} on.", Month);
            return new ReportRequest(usage, month) { Top = Top };
        }
    }
}
