using System;
using System.Management.Automation;
using System.Threading.Tasks;
using BillingPowerShell.Engine.Http;

namespace BillingPowerShell.Commands
{
    /// <summary>Lists the billing profiles of Microsoft Customer (and Partner) Agreement accounts.</summary>
    [Cmdlet(VerbsCommon.Get, "BillingProfile")]
    [OutputType(typeof(BillingProfile))]
    public sealed class GetBillingProfileCommand : BillingApiCmdlet
    {
        [Parameter(Position = 0, ValueFromPipelineByPropertyName = true)]
        [ArgumentCompleter(typeof(BillingNameCompleter))]
        public string? BillingAccountName { get => _billingAccountName; set => _billingAccountName = string.IsNullOrEmpty(value) ? null : value; }
        private string? _billingAccountName;

        [Parameter(Position = 1)]
        [SupportsWildcards]
        [ValidateNotNullOrEmpty]
        public string[]? Name { get; set; }

        protected override void ProcessRecord()
        {
            Run(async (sink, token) =>
            {
                var call = NewCall(sink);
                var accounts = BillingAccountName is null
                    ? Client.ListAccountsAsync(call, token)
                    : One(new BillingAccount { Name = BillingAccountName });
                await foreach (var account in accounts.WithCancellation(token).ConfigureAwait(false))
                {
                    // Only agreements that have billing profiles are asked, unless the user named the account.
                    if (BillingAccountName is null && !AgreementTypes.HasBillingProfiles(account.AgreementType)) continue;
                    try
                    {
                        if (Name is { Length: > 0 } && Array.TrueForAll(Name, n => !WildcardPattern.ContainsWildcardCharacters(n)))
                        {
                            foreach (var n in Name)
                            {
                                try { sink.WriteObject(await Client.GetProfileAsync(account.Name, n, call, token).ConfigureAwait(false)); }
                                catch (ArmException ex) { sink.WriteError(ErrorFor(ex, n, $"Billing profile '{n}' of account '{account.Name}'")); }
                            }
                            continue;
                        }
                        await foreach (var profile in Client.ListProfilesAsync(account.Name, call, token).WithCancellation(token).ConfigureAwait(false))
                        {
                            if (!Filters.Matches(Name, profile.Name, profile.DisplayName)) continue;
                            BillingNameCompleter.Remember(profile);
                            sink.WriteObject(profile);
                        }
                    }
                    catch (ArmException ex)
                    {
                        sink.WriteError(ErrorFor(ex, account.Name, $"Billing profiles of account '{account.Name}'"));
                    }
                }
            }, BillingAccountName);
        }

        private static async System.Collections.Generic.IAsyncEnumerable<BillingAccount> One(BillingAccount a)
        {
            await System.Threading.Tasks.Task.CompletedTask.ConfigureAwait(false);
            yield return a;
        }
    }
}
