using System;
using System.Management.Automation;
using BillingPowerShell.Engine.Exports;
using System.Threading.Tasks;
using BillingPowerShell.Engine.Http;

namespace BillingPowerShell.Commands
{
    /// <summary>
    /// Runs an export now (ExportService.StartAsync): for its own timeframe, or once for -StartDate to -EndDate; with
    /// -Backfill once per whole month of -StartDate to -EndDate (ExportService.BackfillAsync), skipping the months whose
    /// run completed before. The service only queues a run; -Wait follows the runs until they end and writes the
    /// completed ones (BillingExportRun, as Get-BillingExportRun writes them).
    /// </summary>
    [Cmdlet(VerbsLifecycle.Start, "BillingExport", DefaultParameterSetName = NameSet, SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Low)]
    [OutputType(typeof(BillingExportRun))]
    public sealed class StartBillingExportCommand : ExportTargetCmdlet
    {
        [Parameter]
        public DateTime? StartDate { get; set; }

        [Parameter]
        public DateTime? EndDate { get; set; }

        /// <summary>One run per whole calendar month from -StartDate's month to -EndDate's (today when left out).</summary>
        [Parameter]
        public SwitchParameter Backfill { get; set; }

        /// <summary>Wait until the runs end; write each completed run.</summary>
        [Parameter]
        public SwitchParameter Wait { get; set; }

        /// <summary>How long -Wait waits for the runs of one export (4 hours by default).</summary>
        [Parameter]
        [ValidateRange(1, int.MaxValue)]
        public int TimeoutSeconds { get; set; } = 4 * 3600;

        private (DateTime From, DateTime To)? _period;

        protected override void BeginProcessing()
        {
            // The period is the same for every export piped in: checked once, before any request; a bad one stops.
            if (MyInvocation.BoundParameters.ContainsKey(nameof(TimeoutSeconds)) && !Wait)
                FailArgument("TimeoutNeedsWait", "-TimeoutSeconds bounds the wait of -Wait: add -Wait, or leave -TimeoutSeconds out.", TimeoutSeconds);
            if (Backfill)
            {
                if (StartDate is null)
                    FailArgument("BackfillNeedsStartDate", "-Backfill needs -StartDate: the first month to export (and -EndDate, the last; today when left out).", null);
                _period = CheckDates(StartDate, EndDate, "-StartDate", "-EndDate", "export data", e => e);
                if (ExportRunPeriod.Months(_period.Value.From, _period.Value.To, Today).Count == 0)
                    FailArgument("BackfillHasNoMonth", $"-StartDate to -EndDate holds no day before today ({Today:yyyy-MM-dd}, UTC): a month is exported up to yesterday at most.", StartDate);
                return;
            }
            try { _period = ExportRules.CheckPeriod(StartDate, EndDate); }
            catch (ExportDefinitionException ex) { FailArgument(ex.ErrorId, ex.Message, StartDate ?? EndDate); }
        }

        protected override void ProcessRecord()
        {
            if (Target() is not { } target) return;
            var (scope, name) = target;
            if (!ShouldProcess($"export '{name}' at {scope}", What())) return;
            var options = new ExportRunOptions { Wait = Wait, Timeout = TimeSpan.FromSeconds(TimeoutSeconds) };
            var activity = $"Export '{name}'";
            this.RunOne($"Export '{name}' at {scope}", name, async (sink, call, token) =>
            {
                var runs = Backfill
                    ? Client.Exports.BackfillAsync(scope, name, _period!.Value.From, _period.Value.To, options, call, token)
                    : Client.Exports.StartAsync(scope, name, _period?.From, _period?.To, options, call, token);
                try
                {
                    await foreach (var run in runs.WithCancellation(token).ConfigureAwait(false)) sink.WriteObject(run);
                }
                finally
                {
                    sink.WriteProgress(new ProgressRecord(3, activity, "Done") { RecordType = ProgressRecordType.Completed });
                }
            }, p => Progress(activity, p));
        }

        private string What()
        {
            if (Backfill)
            {
                var months = ExportRunPeriod.Months(_period!.Value.From, _period.Value.To, Today);
                return months.Count == 0 ? "Run export: no month before today"
                    : $"Run export once per month, {months[0].Label} to {months[months.Count - 1].Label} ({months.Count} months), except months already exported";
            }
            return _period is { } p ? $"Run export for {p.From:yyyy-MM-dd} to {p.To:yyyy-MM-dd}" : "Run export for its timeframe";
        }

        /// <summary>One line per month: how many are submitted (or, while waiting, ended), and the last one's news.</summary>
        private static ProgressRecord Progress(string activity, CallProgress p) => new ProgressRecord(3, activity, $"{p.Done} of {p.Total} runs")
        {
            PercentComplete = p.Total == 0 ? -1 : (int)(100L * p.Done / p.Total),
            CurrentOperation = p.Item,
        };
    }
}
