using System;
using System.Collections.Generic;
using System.Management.Automation;
using System.Threading;
using System.Threading.Tasks;
using BillingPowerShell.Engine.Billing;
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
        [ValidateBillingAccountName]
        public string? BillingAccountName { get => _billingAccountName; set => _billingAccountName = string.IsNullOrEmpty(value) ? null : value; }
        private string? _billingAccountName;

        [Parameter(Position = 1)]
        [SupportsWildcards]
        [ValidateNotNullOrEmpty]
        public string[]? Name { get; set; }

        /// <summary>Bound from Get-BillingAccount/Get-BillingSubscription output: accounts of other agreements have no profiles.</summary>
        [Parameter(ValueFromPipelineByPropertyName = true, DontShow = true)]
        public string? AgreementType { get; set; }

        // Several subscriptions (or profiles) of one account arrive from the pipeline: list its profiles once.
        private readonly HashSet<string> _accountsListed = new HashSet<string>(StringComparer.OrdinalIgnoreCase);

        protected override void ProcessRecord()
        {
            if (BillingAccountName is not null)
            {
                // A named account is asked whatever its agreement; one piped in with an agreement without profiles is not.
                if (AgreementType is not null && !AgreementTypes.HasBillingProfiles(AgreementType)) return;
                if (!_accountsListed.Add(BillingAccountName)) return;
            }
            Run(async (sink, token) =>
            {
                var call = NewCall(sink);
                if (BillingAccountName is not null)
                {
                    await WriteProfilesAsync(sink, call, BillingAccountName, token).ConfigureAwait(false);
                    return;
                }
                await foreach (var account in Client.Accounts.ListAsync(call, token).WithCancellation(token).ConfigureAwait(false))
                    if (AgreementTypes.HasBillingProfiles(account.AgreementType) && _accountsListed.Add(account.Name))
                        await WriteProfilesAsync(sink, call, account.Name, token).ConfigureAwait(false);
            }, BillingAccountName);
        }

        private async Task WriteProfilesAsync(ICmdletSink sink, CallContext call, string account, CancellationToken token)
        {
            try
            {
                if (Name is { Length: > 0 } && Array.TrueForAll(Name, n => !WildcardPattern.ContainsWildcardCharacters(n)))
                {
                    foreach (var n in Name)
                    {
                        try { sink.WriteObject(await Client.Accounts.GetProfileAsync(account, n, call, token).ConfigureAwait(false)); }
                        catch (ArmException ex) { sink.WriteError(ErrorFor(ex, n, $"Billing profile '{n}' of account '{account}'")); }
                    }
                    return;
                }
                await foreach (var profile in Client.Accounts.ListProfilesAsync(account, call, token).WithCancellation(token).ConfigureAwait(false))
                {
                    if (!Filters.Matches(Name, profile.Name, profile.DisplayName)) continue;
                    BillingNameCompleter.Remember(profile);
                    sink.WriteObject(profile);
                }
            }
            catch (ArmException ex)
            {
                sink.WriteError(ErrorFor(ex, account, $"Billing profiles of account '{account}'"));
            }
        }
    }
}
