using System;
using System.Management.Automation;
using BillingPowerShell.Engine.Costs;
using BillingPowerShell.Engine.Http;

namespace BillingPowerShell.Commands
{
    /// <summary>
    /// Month over month (or any two periods): each group's cost in both, the change and its share, new and vanished
    /// groups, one currency per object. The engine (CostService.CompareAsync, CostComparison) does the comparing.
    /// </summary>
    [Cmdlet(VerbsData.Compare, "BillingCost", DefaultParameterSetName = MonthSet)]
    [OutputType(typeof(CostChange))]
    public sealed class CompareBillingCostCommand : UsageScopeCmdlet
    {
        private const string MonthSet = "Month";
        private const string RangeSet = "Range";
        // The Query API answers at most one year per request (docs/contracts/azure-api/OPERATIONS.md, "Query_Usage").
        private const int MaxPeriodDays = 366;

        /// <summary>Any day of the month to look at; by default last month.</summary>
        [Parameter(ParameterSetName = MonthSet, Position = 0)]
        public DateTime? Month { get; set; }

        /// <summary>Any day of the month to compare with; by default the month before -Month.</summary>
        [Parameter(ParameterSetName = MonthSet, Position = 1)]
        public DateTime? ReferenceMonth { get; set; }

        [Parameter(Mandatory = true, ParameterSetName = RangeSet)]
        public DateTime StartDate { get; set; }

        [Parameter(ParameterSetName = RangeSet)]
        public DateTime? EndDate { get; set; }

        [Parameter(Mandatory = true, ParameterSetName = RangeSet)]
        public DateTime ReferenceStartDate { get; set; }

        /// <summary>By default as many days after -ReferenceStartDate as the period from -StartDate to -EndDate has.</summary>
        [Parameter(ParameterSetName = RangeSet)]
        public DateTime? ReferenceEndDate { get; set; }

        /// <summary>ResourceGroup, ServiceName, MeterCategory, SubscriptionId, Location, or Tag:&lt;key&gt;.</summary>
        [Parameter]
        [ValidateGroupBy]
        [ArgumentCompleter(typeof(GroupByCompleter))]
        public string GroupBy { get; set; } = "ServiceName";

        protected override void ProcessRecord()
        {
            var scope = ResolveScope();
            if (scope is null) return; // this pipeline record's scope was rejected
            var (rs, re, ds, de) = ParameterSetName == RangeSet ? Ranges() : Months();
            var query = new CostComparisonQuery(scope, GetBillingCostCommand.Dimension(GroupBy), rs, re, ds, de) { Metric = MetricValue };
            Run(async (sink, token) =>
            {
                foreach (var change in await Client.Costs.CompareAsync(query, NewCall(sink), token).ConfigureAwait(false))
                    sink.WriteObject(change);
            }, scope.Display);
        }

        /// <summary>Whole calendar months (UTC); the current month counts up to today.</summary>
        private (DateTime, DateTime, DateTime, DateTime) Months()
        {
            var thisMonth = BillingClock.MonthStart(Today);
            var month = Month is DateTime m ? BillingClock.MonthStart(BillingClock.AsUtcDate(m)) : thisMonth.AddMonths(-1);
            var reference = ReferenceMonth is DateTime r ? BillingClock.MonthStart(BillingClock.AsUtcDate(r)) : month.AddMonths(-1);
            if (month > thisMonth)
                FailArgument("MonthInFuture", $"-Month ({month:yyyy-MM}) is in the future: costs exist up to today ({Today:yyyy-MM-dd}, UTC).", Month);
            if (reference > thisMonth)
                FailArgument("ReferenceMonthInFuture", $"-ReferenceMonth ({reference:yyyy-MM}) is in the future: costs exist up to today ({Today:yyyy-MM-dd}, UTC).", ReferenceMonth);
            return (reference, MonthEnd(reference), month, MonthEnd(month));
        }

        private DateTime MonthEnd(DateTime monthStart)
        {
            var end = monthStart.AddMonths(1).AddDays(-1);
            return end > Today ? Today : end;
        }

        private (DateTime, DateTime, DateTime, DateTime) Ranges()
        {
            var (ds, de) = CheckDates(StartDate, EndDate, "-StartDate", "-EndDate", "costs", BillingClock.MonthStart);
            var sameLength = BillingClock.AsUtcDate(ReferenceStartDate).Date.AddDays((de - ds).Days);
            var (rs, re) = CheckDates(ReferenceStartDate, ReferenceEndDate ?? (sameLength < Today ? sameLength : Today),
                "-ReferenceStartDate", "-ReferenceEndDate", "costs", BillingClock.MonthStart);
            if ((de - ds).Days >= MaxPeriodDays || (re - rs).Days >= MaxPeriodDays)
                FailArgument("PeriodTooLong", "Each period can be at most one year (366 days): the Query API answers no more per request. Compare shorter periods.", (de - ds).Days >= MaxPeriodDays ? (object)StartDate : ReferenceStartDate);
            return (rs, re, ds, de);
        }
    }
}
