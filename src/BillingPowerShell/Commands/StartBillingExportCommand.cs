using System;
using System.Management.Automation;
using BillingPowerShell.Engine.Exports;

namespace BillingPowerShell.Commands
{
    /// <summary>
    /// Runs an export now (ExportService.RunAsync): for its own timeframe, or once for -StartDate to -EndDate. The service
    /// only queues the run; Get-BillingExportRun follows it.
    /// </summary>
    [Cmdlet(VerbsLifecycle.Start, "BillingExport", DefaultParameterSetName = NameSet, SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Low)]
    public sealed class StartBillingExportCommand : ExportTargetCmdlet
    {
        [Parameter]
        public DateTime? StartDate { get; set; }

        [Parameter]
        public DateTime? EndDate { get; set; }

        private (DateTime From, DateTime To)? _period;

        protected override void BeginProcessing()
        {
            // The period is the same for every export piped in: checked once, before any request; a bad one stops.
            try { _period = ExportRules.CheckPeriod(StartDate, EndDate); }
            catch (ExportDefinitionException ex) { FailArgument(ex.ErrorId, ex.Message, StartDate ?? EndDate); }
        }

        protected override void ProcessRecord()
        {
            if (Target() is not { } target) return;
            var (scope, name) = target;
            var what = _period is { } p ? $"Run export for {p.From:yyyy-MM-dd} to {p.To:yyyy-MM-dd}" : "Run export for its timeframe";
            if (!ShouldProcess($"export '{name}' at {scope}", what)) return;
            this.RunOne($"Export '{name}' at {scope}", name,
                (sink, call, token) => Client.Exports.RunAsync(scope, name, _period?.From, _period?.To, call, token));
        }
    }
}
