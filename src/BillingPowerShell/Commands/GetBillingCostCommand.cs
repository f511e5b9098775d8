using System;
using System.Management.Automation;
using System.Threading.Tasks;
using BillingPowerShell.Engine.Costs;

namespace BillingPowerShell.Commands
{
    /// <summary>Aggregated cost from the Cost Management Query API: totals by day or month, grouped as asked.</summary>
    [Cmdlet(VerbsCommon.Get, "BillingCost", DefaultParameterSetName = TimeframeSet)]
    [OutputType(typeof(CostRow))]
    public sealed class GetBillingCostCommand : UsageScopeCmdlet
    {
        private const string TimeframeSet = "Timeframe";
        private const string RangeSet = "Range";

        [Parameter(ParameterSetName = TimeframeSet)]
        [ValidateSet("MonthToDate", "BillingMonthToDate", "TheLastMonth", "TheLastBillingMonth", "WeekToDate")]
        public string Timeframe { get; set; } = "MonthToDate";

        [Parameter(Mandatory = true, ParameterSetName = RangeSet)]
        public DateTime StartDate { get; set; }

        [Parameter(ParameterSetName = RangeSet)]
        public DateTime? EndDate { get; set; }

        [Parameter]
        [ValidateSet("Daily", "Monthly", "None")]
        public string Granularity { get; set; } = "Daily";

        /// <summary>ResourceGroup, ServiceName, MeterCategory, SubscriptionId, Location, or Tag:&lt;key&gt; (at most two).</summary>
        [Parameter]
        [ValidateCount(1, 2)]
        [ValidateGroupBy]
        [ArgumentCompleter(typeof(GroupByCompleter))]
        public string[]? GroupBy { get; set; }

        protected override void ProcessRecord()
        {
            var scope = ResolveScope();
            if (scope is null) return; // this pipeline record's scope was rejected
            var query = new CostQuery(scope) { Granularity = Granularity, Metric = MetricValue };
            if (ParameterSetName == RangeSet)
            {
                var (s, e) = CheckRange(StartDate, EndDate);
                query.Timeframe = "Custom";
                query.From = s;
                query.To = e;
            }
            else query.Timeframe = Timeframe;
            foreach (var g in GroupBy ?? Array.Empty<string>())
                query.GroupBy.Add(Dimension(g));

            Run(async (sink, token) =>
            {
                await foreach (var row in Client.Costs.QueryAsync(query, NewCall(sink), token).WithCancellation(token).ConfigureAwait(false))
                {
                    // Each grouping value becomes a property, so rows sort, group and export like any object.
                    var o = PSObject.AsPSObject(row);
                    if (row.Group.Count > 0)
                    {
                        var shown = new System.Collections.Generic.List<string>();
                        if (row.Date is not null) shown.Add("Date"); // -Granularity None has no day
                        foreach (var kv in row.Group)
                        {
                            var name = kv.Key.StartsWith("Tag:", StringComparison.OrdinalIgnoreCase) ? kv.Key.Replace(":", "_") : kv.Key;
                            // Grouped by subscription: the row's own SubscriptionId is that group's.
                            if (string.Equals(name, nameof(CostRow.SubscriptionId), StringComparison.OrdinalIgnoreCase)) row.SubscriptionId = kv.Value;
                            else o.Properties.Add(new PSNoteProperty(name, kv.Value));
                            shown.Add(name);
                        }
                        shown.Add("Cost");
                        shown.Add("Currency");
                        // Grouped rows are shown with their grouping columns, not with the ungrouped table view.
                        o.TypeNames.Clear(); // view lookup walks the whole chain: drop CostRow so its ungrouped view is not used
                        o.TypeNames.Add("BillingPowerShell.CostRow#Grouped");
                        o.TypeNames.Add("System.Object");
                        o.Members.Add(new PSMemberSet("PSStandardMembers", new PSMemberInfo[] { new PSPropertySet("DefaultDisplayPropertySet", shown) }));
                    }
                    sink.WriteObject(o);
                }
            }, query.Scope.Display);
        }

        /// <summary>Friendly names to the Query API's dimension names.</summary>
        internal static string Dimension(string name) => name.ToLowerInvariant() switch
        {
            "resourcegroup" => "ResourceGroupName",
            "location" => "ResourceLocation",
            _ => name,
        };
    }
}
