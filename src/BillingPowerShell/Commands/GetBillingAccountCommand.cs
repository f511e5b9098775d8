using System;
using System.Management.Automation;
using System.Threading.Tasks;
using BillingPowerShell.Engine.Http;

namespace BillingPowerShell.Commands
{
    /// <summary>Lists the billing accounts the caller can read, or gets some by name (wildcards allowed).</summary>
    [Cmdlet(VerbsCommon.Get, "BillingAccount")]
    [OutputType(typeof(BillingAccount))]
    public sealed class GetBillingAccountCommand : BillingApiCmdlet
    {
        [Parameter(Position = 0)]
        [SupportsWildcards]
        [ValidateNotNullOrEmpty]
        [ArgumentCompleter(typeof(BillingNameCompleter))]
        public string[]? Name { get; set; }

        /// <summary>
        /// Binds the account of objects from the pipeline (subscriptions, profiles, invoices) by their BillingAccountName,
        /// never by their own Name — a profile's Name is not an account's.
        /// </summary>
        [Parameter(ValueFromPipelineByPropertyName = true, DontShow = true)]
        public string? BillingAccountName { get => _billingAccountName; set => _billingAccountName = string.IsNullOrEmpty(value) ? null : value; }
        private string? _billingAccountName;

        // Several subscriptions of one account arrive from the pipeline: get the account once.
        private readonly System.Collections.Generic.HashSet<string> _fromPipeline = new System.Collections.Generic.HashSet<string>(StringComparer.OrdinalIgnoreCase);

        protected override void ProcessRecord()
        {
            var names = Name;
            if (names is null && BillingAccountName is not null)
            {
                if (!_fromPipeline.Add(BillingAccountName)) return;
                names = new[] { BillingAccountName };
            }
            Run(async (sink, token) =>
            {
                var call = NewCall(sink);
                // Patterns share one listing, and an account that several names match is written once.
                var patterns = names is null ? null : Array.FindAll(names, WildcardPattern.ContainsWildcardCharacters);
                var written = new System.Collections.Generic.HashSet<string>(StringComparer.OrdinalIgnoreCase);
                if (names is null || patterns!.Length > 0)
                {
                    await foreach (var account in Client.Accounts.ListAsync(call, token).WithCancellation(token).ConfigureAwait(false))
                    {
                        BillingNameCompleter.Remember(account);
                        if (Filters.Matches(patterns, account.Name, account.DisplayName) && written.Add(account.Name))
                            sink.WriteObject(account);
                    }
                }
                foreach (var name in names ?? Array.Empty<string>())
                {
                    if (WildcardPattern.ContainsWildcardCharacters(name) || written.Contains(name)) continue;
                    try
                    {
                        var account = await Client.Accounts.GetAsync(name, call, token).ConfigureAwait(false);
                        BillingNameCompleter.Remember(account);
                        if (written.Add(account.Name)) sink.WriteObject(account);
                    }
                    catch (ArmException ex)
                    {
                        sink.WriteError(ErrorFor(ex, name, $"Billing account '{name}'"));
                    }
                }
            }, names);
        }
    }
}
