using System;
using System.Management.Automation;
using BillingPowerShell.Engine.Costs;

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
            Run(async (sink, token) =>
            {
                var service = new CostQueryService(Client);
                foreach (var estimate in await service.EstimateAsync(scope, DateTime.UtcNow.Date, NewCall(sink), token, MetricValue).ConfigureAwait(false))
                    sink.WriteObject(estimate);
            }, scope.Display);
        }
    }
}
