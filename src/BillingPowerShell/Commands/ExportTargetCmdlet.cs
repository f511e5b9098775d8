using System;
using System.Management.Automation;
using System.Threading;
using System.Threading.Tasks;
using BillingPowerShell.Engine.Exports;
using BillingPowerShell.Engine.Http;

namespace BillingPowerShell.Commands
{
    /// <summary>
    /// A cmdlet that acts on one export at a time: named with -Name and the scope parameters, or piped in as a
    /// BillingExport (whose own Name and Scope are then used, whatever the scope parameters say).
    /// </summary>
    public abstract class ExportTargetCmdlet : ExportScopeCmdlet
    {
        internal const string NameSet = "ByName";
        internal const string InputSet = "ByInputObject";

        [Parameter(Mandatory = true, Position = 0, ParameterSetName = NameSet)]
        [ValidateNotNullOrEmpty]
        [Alias("ExportName")]
        public string? Name { get; set; }

        [Parameter(Mandatory = true, ValueFromPipeline = true, ParameterSetName = InputSet)]
        [ValidateNotNull]
        public BillingExport? InputObject { get; set; }

        /// <summary>The export this record names, or null after writing why it cannot be used (before any request).</summary>
        internal (ExportScope Scope, string Name)? Target() => Target(Name, InputObject);
    }

    /// <summary>Shared by the export cmdlets: one engine call for one export, whose failure is that export's error.</summary>
    internal static class ExportCalls
    {
        /// <summary>
        /// Runs <paramref name="work"/>; when the service refuses this one export (not found, rejected, changed by someone
        /// else), that is a non-terminating error for it and the pipeline goes on. A sign-in that fails still stops.
        /// </summary>
        internal static void RunOne(this BillingApiCmdlet cmdlet, string what, object target, Func<ICmdletSink, CallContext, CancellationToken, Task> work,
            Func<CallProgress, ProgressRecord>? progress = null)
        {
            cmdlet.Run(async (sink, token) =>
            {
                var call = cmdlet.NewCall(sink, progress);
                try
                {
                    await work(sink, call, token).ConfigureAwait(false);
                }
                catch (ArmException ex) when (!ex.IsAuthentication && ex.Status != 0 && ex.Code != "CredentialUnavailable")
                {
                    sink.WriteError(BillingApiCmdlet.ErrorFor(ex, target, what));
                }
                catch (ExportDefinitionException ex)
                {
                    sink.WriteError(BillingApiCmdlet.ErrorFor(ex, target, what));
                }
            }, target, what);
        }
    }
}
