using System.Management.Automation;

namespace BillingPowerShell.Commands
{
    /// <summary>Deletes an export (ExportService.DeleteAsync); the files it wrote stay in storage.</summary>
    [Cmdlet(VerbsCommon.Remove, "BillingExport", DefaultParameterSetName = NameSet, SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High)]
    public sealed class RemoveBillingExportCommand : ExportTargetCmdlet
    {
        protected override void ProcessRecord()
        {
            if (Target() is not { } target) return;
            var (scope, name) = target;
            if (!ShouldProcess($"export '{name}' at {scope}", "Remove export")) return;
            this.RunOne($"Export '{name}' at {scope}", name, (sink, call, token) => Client.Exports.DeleteAsync(scope, name, call, token));
        }
    }
}
