using System;
using System.Management.Automation;
using System.Threading.Tasks;
using BillingPowerShell.Engine.Billing;
using BillingPowerShell.Engine.Costs;
using BillingPowerShell.Engine.Http;

namespace BillingPowerShell.Commands
{
    /// <summary>
    /// The "current statement": the open month's charges to date for a scope, day by day, and a projected total; one
    /// estimate per billing currency of the scope.
    /// </summary>
    [Cmdlet(VerbsCommon.Get, "BillingCostEstimate")]
    [OutputType(typeof(CostEstimate))]
    public sealed class GetBillingCostEstimateCommand : UsageScopeCmdlet
    {
        protected override void ProcessRecord()
        {
            var scope = ResolveScope();
            if (scope is null) return; // this pipeline record's scope was rejected
            Run(async (sink, token) =>
            {
                var service = new CostQueryService(Client);
                var call = NewCall(sink);
                var today = call.Today;
                DateTime? start = null, end = null;
                if (scope.IsSubscription && !scope.IsCustomerAgreement && !AgreementTypes.IsEnterprise(scope.AgreementType))
                {
                    // Pay-as-you-go periods run from the sign-up day; the legacy billing periods API says which one is open.
                    try
                    {
                        await foreach (var p in Client.ListBillingPeriodsAsync(SubscriptionId!, 3, call, token).WithCancellation(token).ConfigureAwait(false))
                            if (p.StartDate <= today && today <= p.EndDate) { start = p.StartDate; end = p.EndDate; break; }
                    }
                    catch (ArmException ex)
                    {
                        sink.WriteVerbose($"No pay-as-you-go billing period for {scope} ({ex.Code}); using the calendar month.");
                    }
                }
                foreach (var estimate in await service.EstimateAsync(scope, today, call, token, MetricValue, start, end).ConfigureAwait(false))
                    sink.WriteObject(estimate);
            }, scope.Display);
        }
    }
}
