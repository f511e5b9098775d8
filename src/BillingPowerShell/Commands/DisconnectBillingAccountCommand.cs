using System.Management.Automation;

namespace BillingPowerShell.Commands
{
    /// <summary>Forgets the connection; later commands use the default credential chain again.</summary>
    [Cmdlet(VerbsCommunications.Disconnect, "BillingAccount")]
    [OutputType(typeof(void))]
    public sealed class DisconnectBillingAccountCommand : BillingApiCmdlet
    {
        protected override void EndProcessing()
        {
            if (!BillingSession.IsConnected)
                WriteVerboseLine("Not connected; nothing to forget.");
            BillingSession.Clear();
        }
    }
}
