using System;
using System.Management.Automation;
using BillingPowerShell.Engine.Costs;
using BillingPowerShell.Engine.Http;

namespace BillingPowerShell.Commands
{
    /// <summary>
    /// Flags cost that appeared, stopped, spiked or grew steadily in each group's daily cost. The rules and their
    /// defaults: src/BillingPowerShell.Engine/Costs/README.md, "Cost anomalies" (CostAnomalyDetector).
    /// </summary>
    [Cmdlet(VerbsCommon.Get, "BillingCostAnomaly")]
    [OutputType(typeof(CostAnomaly))]
    public sealed class GetBillingCostAnomalyCommand : UsageScopeCmdlet
    {
        private const int DefaultWindowDays = 30;
        // The Query API answers at most one year per request (docs/contracts/azure-api/OPERATIONS.md, "Query_Usage").
        private const int MaxWindowDays = 366;

        /// <summary>The window's first day; by default 30 days before -EndDate's day after.</summary>
        [Parameter]
        public DateTime? StartDate { get; set; }

        /// <summary>The window's last day; by default yesterday, the last whole day (today is still being recorded).</summary>
        [Parameter]
        public DateTime? EndDate { get; set; }

        /// <summary>ResourceGroup, ServiceName, MeterCategory, SubscriptionId, Location, or Tag:&lt;key&gt;.</summary>
        [Parameter]
        [ValidateGroupBy]
        [ArgumentCompleter(typeof(GroupByCompleter))]
        public string GroupBy { get; set; } = "ResourceGroup";

        [Parameter]
        public CostAnomalyKind[]? Kind { get; set; }

        [Parameter]
        [ValidateRange(0, double.MaxValue)]
        public decimal MinimumCost { get; set; } = 2m;

        [Parameter]
        [ValidateRange(0, double.MaxValue)]
        public decimal SpikePercent { get; set; } = 75m;

        [Parameter]
        [ValidateRange(2, MaxWindowDays)]
        public int GrowthDays { get; set; } = 7;

        protected override void ProcessRecord()
        {
            var scope = ResolveScope();
            if (scope is null) return; // this pipeline record's scope was rejected
            var end = EndDate ?? Today.AddDays(-1);
            var (s, e) = CheckDates(StartDate, end, "-StartDate", "-EndDate", "costs", d => d.AddDays(1 - DefaultWindowDays));
            if ((e - s).Days + 1 < 2)
                FailArgument("WindowTooShort", $"The window from {s:yyyy-MM-dd} to {e:yyyy-MM-dd} has one day: anomalies compare days, so give at least two (-StartDate before -EndDate).", StartDate ?? EndDate);
            if ((e - s).Days + 1 > MaxWindowDays)
                FailArgument("WindowTooLong", $"The window from {s:yyyy-MM-dd} to {e:yyyy-MM-dd} is longer than one year ({MaxWindowDays} days): the Query API answers no more per request. Use a shorter window.", StartDate);
            var query = new CostAnomalyQuery(scope, GetBillingCostCommand.Dimension(GroupBy), s, e)
            {
                Metric = MetricValue, MinimumCost = MinimumCost, SpikePercent = SpikePercent, GrowthDays = GrowthDays,
            };
            foreach (var k in Kind ?? Array.Empty<CostAnomalyKind>()) query.Kinds.Add(k);
            Run(async (sink, token) =>
            {
                foreach (var anomaly in await Client.Costs.FindAnomaliesAsync(query, NewCall(sink), token).ConfigureAwait(false))
                    sink.WriteObject(anomaly);
            }, scope.Display);
        }
    }
}
