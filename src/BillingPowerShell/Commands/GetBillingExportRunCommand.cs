using System.Management.Automation;
using System.Threading.Tasks;

namespace BillingPowerShell.Commands
{
    /// <summary>The run history of an export (ExportService.ListRunsAsync), newest as the service orders it.</summary>
    [Cmdlet(VerbsCommon.Get, "BillingExportRun", DefaultParameterSetName = NameSet)]
    [OutputType(typeof(BillingExportRun))]
    public sealed class GetBillingExportRunCommand : ExportTargetCmdlet
    {
        protected override void ProcessRecord()
        {
            if (Target() is not { } target) return;
            var (scope, name) = target;
            this.RunOne($"Export '{name}' at {scope}", name, async (sink, call, token) =>
            {
                await foreach (var run in Client.Exports.ListRunsAsync(scope, name, call, token).WithCancellation(token).ConfigureAwait(false))
                    sink.WriteObject(run);
            });
        }
    }
}
