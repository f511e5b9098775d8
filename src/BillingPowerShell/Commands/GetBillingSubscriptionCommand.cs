using System;
using System.Collections.Generic;
using System.Management.Automation;
using System.Threading;
using System.Threading.Tasks;
using BillingPowerShell.Engine.Billing;
using BillingPowerShell.Engine.Http;

namespace BillingPowerShell.Commands
{
    /// <summary>Lists subscriptions as billing sees them: of every account, of one account, or of one billing profile.</summary>
    [Cmdlet(VerbsCommon.Get, "BillingSubscription")]
    [OutputType(typeof(BillingSubscription))]
    public sealed class GetBillingSubscriptionCommand : BillingApiCmdlet
    {
        [Parameter(Position = 0, ValueFromPipelineByPropertyName = true)]
        [ArgumentCompleter(typeof(BillingNameCompleter))]
        [ValidateBillingAccountName]
        public string? BillingAccountName { get => _billingAccountName; set => _billingAccountName = string.IsNullOrEmpty(value) ? null : value; }
        private string? _billingAccountName;

        [Parameter(ValueFromPipelineByPropertyName = true)]
        [ArgumentCompleter(typeof(BillingNameCompleter))]
        public string? BillingProfileName { get => _billingProfileName; set => _billingProfileName = string.IsNullOrEmpty(value) ? null : value; }
        private string? _billingProfileName;

        [Parameter(ValueFromPipelineByPropertyName = true)]
        [ValidateGuid]
        [ArgumentCompleter(typeof(BillingNameCompleter))]
        public string[]? SubscriptionId { get; set; }

        // Objects from the pipeline may name the same subscription twice (an account and its profiles): emit it once.
        private readonly HashSet<string> _seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        private readonly Dictionary<string, string?> _agreements = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);

        protected override void ProcessRecord()
        {
            if (BillingProfileName is not null && BillingAccountName is null)
                FailArgument("BillingAccountNameRequired", "-BillingProfileName needs -BillingAccountName: a billing profile is named within its account.", BillingProfileName);

            Run(async (sink, token) =>
            {
                var call = NewCall(sink);
                if (BillingAccountName is null)
                {
                    await foreach (var account in Client.Accounts.ListAsync(call, token).WithCancellation(token).ConfigureAwait(false))
                        await ListAsync(sink, call, account.Name, account.AgreementType, token).ConfigureAwait(false);
                    ReportMissing(sink);
                    return;
                }
                var agreement = await AgreementOfAsync(sink, call, BillingAccountName, token).ConfigureAwait(false);
                if (SubscriptionId is { Length: > 0 } && BillingProfileName is null)
                {
                    foreach (var id in SubscriptionId)
                    {
                        try { await EmitAsync(sink, call, await Client.Accounts.GetSubscriptionAsync(BillingAccountName, id, agreement, call, token).ConfigureAwait(false), token).ConfigureAwait(false); }
                        catch (ArmException ex) { sink.WriteError(ErrorFor(ex, id, $"Subscription '{id}' of billing account '{BillingAccountName}'")); }
                    }
                    return;
                }
                await ListAsync(sink, call, BillingAccountName, agreement, token).ConfigureAwait(false);
            }, BillingAccountName);
        }

        private async Task ListAsync(ICmdletSink sink, CallContext call, string account, string? agreement, CancellationToken token)
        {
            var wanted = SubscriptionId is { Length: > 0 } ? new HashSet<string>(SubscriptionId, StringComparer.OrdinalIgnoreCase) : null;
            try
            {
                await foreach (var s in Client.Accounts.ListSubscriptionsAsync(account, BillingProfileName, agreement, call, token).WithCancellation(token).ConfigureAwait(false))
                {
                    if (wanted is not null && !wanted.Contains(s.SubscriptionId)) continue;
                    await EmitAsync(sink, call, s, token).ConfigureAwait(false);
                }
            }
            catch (ArmException ex)
            {
                sink.WriteError(ErrorFor(ex, account, $"Subscriptions of billing account '{account}'"));
            }
        }

        private async Task EmitAsync(ICmdletSink sink, CallContext call, BillingSubscription s, CancellationToken token)
        {
            if (!_seen.Add(s.SubscriptionId + "|" + s.BillingAccountName)) return;
            _schedule ??= new InvoiceSchedule(Client);
            try { s.NextInvoiceDate = await _schedule.ForSubscriptionAsync(s, call, token).ConfigureAwait(false); }
            catch (ArmException ex)
            {
                // The subscription is still worth writing: the date needs invoice or period rights the caller may lack.
                sink.WriteVerbose($"Subscription {s.SubscriptionId}: next invoice date not known ({ex.Code}).");
            }
            BillingNameCompleter.Remember(s);
            sink.WriteObject(s);
        }

        private InvoiceSchedule? _schedule;

        private void ReportMissing(ICmdletSink sink)
        {
            if (SubscriptionId is null) return;
            foreach (var id in SubscriptionId)
            {
                var found = false;
                foreach (var key in _seen) if (key.StartsWith(id + "|", StringComparison.OrdinalIgnoreCase)) { found = true; break; }
                if (!found)
                    sink.WriteError(new ErrorRecord(new ItemNotFoundException($"No billing account you can read has the subscription '{id}'."),
                        "SubscriptionNotFound", ErrorCategory.ObjectNotFound, id));
            }
        }

        private async Task<string?> AgreementOfAsync(ICmdletSink sink, CallContext call, string account, CancellationToken token)
        {
            if (_agreements.TryGetValue(account, out var known)) return known;
            string? agreement = null;
            try { agreement = (await Client.Accounts.GetAsync(account, call, token).ConfigureAwait(false)).AgreementType; }
            catch (ArmException ex) when (ex.Status == 404) { throw; }
            catch (ArmException ex) { sink.WriteVerbose($"Could not read billing account '{account}' ({ex.Message}); its agreement type is unknown."); }
            _agreements[account] = agreement;
            return agreement;
        }
    }

    internal static class Patterns
    {
        public const string Guid = "^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$";
    }
}
