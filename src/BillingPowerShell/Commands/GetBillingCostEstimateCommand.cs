using System.Management.Automation;
using BillingPowerShell.Engine.Costs;

namespace BillingPowerShell.Commands
{
    /// <summary>
    /// The "current statement": the open month's charges to date for a scope, day by day, and a projected total; one
    /// estimate per billing currency of the scope. The engine (CostService.EstimateAsync) finds the open period.
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
                foreach (var estimate in await Client.Costs.EstimateAsync(scope, MetricValue, NewCall(sink), token).ConfigureAwait(false))
                    sink.WriteObject(estimate);
            }, scope.Display);
        }
    }
}
