using System.Management.Automation;

namespace BillingPowerShell.Commands
{
    /// <summary>Shows the current connection (cloud, Resource Manager URL, tenant, credential kind — never a token).</summary>
    [Cmdlet(VerbsCommon.Get, "BillingContext")]
    [OutputType(typeof(BillingContext))]
    public sealed class GetBillingContextCommand : BillingApiCmdlet
    {
        protected override void EndProcessing()
        {
            if (!BillingSession.IsConnected)
            {
                WriteVerboseLine("Not connected with Connect-BillingAccount: commands use the default credential chain against the public cloud.");
                return;
            }
            WriteObject(BillingSession.Current.Context);
        }
    }
}
