using System;
using System.Management.Automation;
using System.Threading;
using System.Threading.Tasks;
using BillingPowerShell.Engine.Http;

namespace BillingPowerShell.Commands
{
    /// <summary>Lists the billing accounts the caller can read, or gets some by name (wildcards allowed).</summary>
    [Cmdlet(VerbsCommon.Get, "BillingAccount")]
    [OutputType(typeof(BillingAccount))]
    public sealed class GetBillingAccountCommand : BillingApiCmdlet
    {
        [Parameter(Position = 0, ValueFromPipelineByPropertyName = true)]
        [Alias("BillingAccountName")]
        [SupportsWildcards]
        [ValidateNotNullOrEmpty]
        [ArgumentCompleter(typeof(BillingNameCompleter))]
        public string[]? Name { get; set; }

        protected override void ProcessRecord()
        {
            Run(async (sink, token) =>
            {
                var call = NewCall(sink);
                if (Name is null)
                {
                    await foreach (var account in Client.ListAccountsAsync(call, token).WithCancellation(token).ConfigureAwait(false))
                    {
                        BillingNameCompleter.Remember(account);
                        sink.WriteObject(account);
                    }
                    return;
                }
                foreach (var name in Name)
                    await WriteMatchesAsync(sink, call, name, token).ConfigureAwait(false);
            }, Name);
        }

        private async Task WriteMatchesAsync(ICmdletSink sink, CallContext call, string name, CancellationToken token)
        {
            if (WildcardPattern.ContainsWildcardCharacters(name))
            {
                var pattern = new WildcardPattern(name, WildcardOptions.IgnoreCase);
                await foreach (var account in Client.ListAccountsAsync(call, token).WithCancellation(token).ConfigureAwait(false))
                    if (pattern.IsMatch(account.Name) || (account.DisplayName is string d && pattern.IsMatch(d)))
                        sink.WriteObject(account);
                return;
            }
            try
            {
                sink.WriteObject(await Client.GetAccountAsync(name, call, token).ConfigureAwait(false));
            }
            catch (ArmException ex)
            {
                sink.WriteError(ErrorFor(ex, name, $"Billing account '{name}'"));
            }
        }
    }
}
