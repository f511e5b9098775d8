using System;
using System.Collections.Generic;
using System.Linq;
using System.Text.Json;
using System.Threading;
using System.Threading.Tasks;
using BillingPowerShell.Engine.Costs;
using BillingPowerShell.Engine.Http;
using BillingPowerShell.Engine.Tests.Http;

namespace BillingPowerShell.Engine.Tests.Costs
{
    /// <summary>The anomaly rules on hand-made daily series: each fires above its threshold and not at it.</summary>
    public sealed class CostAnomalyDetectorTests
    {
        private static readonly DateTime Start = new DateTime(2026, 10, 1, 0, 0, 0, DateTimeKind.Utc);

        private static CostAnomalyQuery Query(int days, decimal minimum = 2m, decimal spikePercent = 75m, int growthDays = 7) =>
            new CostAnomalyQuery(UsageScope.Subscription("00000000-0000-0000-0000-000000000001", null), "ResourceGroupName", Start, Start.AddDays(days - 1))
            { MinimumCost = minimum, SpikePercent = spikePercent, GrowthDays = growthDays };

        /// <summary>A series as the Query API returns it: one row per day with cost (days of 0 left out, as the service does).</summary>
        private static IEnumerable<CostRow> Series(string group, params decimal[] costs) => Series(group, "EUR", costs);

        private static IEnumerable<CostRow> Series(string group, string currency, params decimal[] costs)
        {
            for (var i = 0; i < costs.Length; i++)
            {
                if (costs[i] == 0) continue;
                var r = new CostRow { Date = Start.AddDays(i), Cost = costs[i], Currency = currency };
                r.Group["ResourceGroupName"] = group;
                yield return r;
            }
        }

        private static List<CostAnomaly> Detect(CostAnomalyQuery q, IEnumerable<CostRow> rows, CostAnomalyKind kind) =>
            CostAnomalyDetector.Detect(q, rows).Where(a => a.Kind == kind).ToList();

        [Fact]
        public void NewFiresWhenCostAppearsAboveTheMinimum()
        {
            var hit = Assert.Single(Detect(Query(5), Series("rg-new", 0, 0, 1m, 2.01m, 3m), CostAnomalyKind.New));
            Assert.Equal("rg-new", hit.Name);
            Assert.Equal(Start.AddDays(2), hit.Date);     // the first day with cost, even below the minimum
            Assert.Equal(Start.AddDays(1), hit.FromDate);
            Assert.Equal(2, hit.Days);
            Assert.Equal((0m, 1m, 1m), (hit.PreviousCost, hit.Cost, hit.Change));
            Assert.Null(hit.ChangePercent);
            Assert.Equal(5, hit.DailyCosts.Count);
            Assert.Equal(new[] { 0m, 0m, 1m, 2.01m, 3m }, hit.DailyCosts.Select(d => d.Cost));
            Assert.Equal("EUR", hit.Currency);
        }

        [Fact]
        public void NewDoesNotFireAtTheMinimumOrWhenTheFirstDayHadCost()
        {
            Assert.Empty(Detect(Query(4), Series("rg", 0, 1m, 2m, 2m), CostAnomalyKind.New));
            Assert.Empty(Detect(Query(4), Series("rg", 0.5m, 5m, 6m, 7m), CostAnomalyKind.New));
            Assert.Single(Detect(Query(4, minimum: 1.99m), Series("rg", 0, 1m, 2m, 2m), CostAnomalyKind.New));
        }

        [Fact]
        public void RemovedFiresTheDayAfterTheLastCost()
        {
            var hit = Assert.Single(Detect(Query(5), Series("rg-gone", 5m, 4m, 1m, 0, 0), CostAnomalyKind.Removed));
            Assert.Equal(Start.AddDays(3), hit.Date);
            Assert.Equal(Start.AddDays(2), hit.FromDate);
            Assert.Equal((1m, 0m, -1m, -100m), (hit.PreviousCost, hit.Cost, hit.Change, hit.ChangePercent!.Value));
        }

        [Fact]
        public void RemovedDoesNotFireAtTheMinimumOrWhileCostGoesOn()
        {
            Assert.Empty(Detect(Query(4), Series("rg", 2m, 1m, 0, 0), CostAnomalyKind.Removed));
            Assert.Empty(Detect(Query(4), Series("rg", 9m, 0, 0, 0.01m), CostAnomalyKind.Removed));
            Assert.Single(Detect(Query(4), Series("rg", 2.01m, 1m, 0, 0), CostAnomalyKind.Removed));
        }

        [Fact]
        public void SpikeFiresAboveThePercentAndTheMinimumOnTheLatestDay()
        {
            // 10 -> 17.51 is +75.1 %; 10 -> 20 later is the latest spike.
            var hits = Detect(Query(6), Series("rg", 10m, 17.51m, 10m, 20m, 20m, 20m), CostAnomalyKind.Spike);
            var hit = Assert.Single(hits);
            Assert.Equal(Start.AddDays(3), hit.Date);
            Assert.Equal((10m, 20m, 10m, 100m), (hit.PreviousCost, hit.Cost, hit.Change, hit.ChangePercent!.Value));
            Assert.Single(Detect(Query(2), Series("rg", 10m, 17.51m), CostAnomalyKind.Spike));
        }

        [Fact]
        public void SpikeDoesNotFireAtThePercentOrAtTheMinimum()
        {
            Assert.Empty(Detect(Query(2), Series("rg", 10m, 17.5m), CostAnomalyKind.Spike));   // exactly +75 %
            Assert.Empty(Detect(Query(2), Series("rg", 1m, 3m), CostAnomalyKind.Spike));       // +200 %, but a rise of 2
            Assert.Empty(Detect(Query(2), Series("rg", 20m, 5m), CostAnomalyKind.Spike));      // a fall is no spike
            Assert.Single(Detect(Query(2, spikePercent: 74.9m), Series("rg", 10m, 17.5m), CostAnomalyKind.Spike));
            Assert.Single(Detect(Query(2, minimum: 1.99m), Series("rg", 1m, 3m), CostAnomalyKind.Spike));
        }

        [Fact]
        public void ARiseFromNothingIsNewOnItsFirstDayAndASpikeWhenItComesBack()
        {
            var all = CostAnomalyDetector.Detect(Query(4), Series("rg", 0, 9m, 0, 9m));
            Assert.Equal(new[] { CostAnomalyKind.New, CostAnomalyKind.Spike }, all.Select(a => a.Kind));
            Assert.Equal(Start.AddDays(3), all[1].Date);
            Assert.Null(all[1].ChangePercent);
        }

        [Fact]
        public void KindsChooseWhatIsReported()
        {
            var q = Query(4);
            q.Kinds.Add(CostAnomalyKind.Spike);
            var hit = Assert.Single(CostAnomalyDetector.Detect(q, Series("rg", 0, 9m, 0, 9m)));
            Assert.Equal(CostAnomalyKind.Spike, hit.Kind);
        }

        [Fact]
        public void SteadyGrowthFiresWhenEachOfTheLastDaysCostsMore()
        {
            var hit = Assert.Single(Detect(Query(8), Series("rg", 50m, 1m, 2m, 3m, 4m, 5m, 6m, 7m), CostAnomalyKind.SteadyGrowth));
            Assert.Equal(Start.AddDays(7), hit.Date);
            Assert.Equal(Start.AddDays(1), hit.FromDate);
            Assert.Equal(7, hit.Days);
            Assert.Equal((1m, 7m, 6m, 600m), (hit.PreviousCost, hit.Cost, hit.Change, hit.ChangePercent!.Value));
        }

        [Fact]
        public void SteadyGrowthDoesNotFireOnAShorterRunAFlatDayOrASmallGrowth()
        {
            Assert.Empty(Detect(Query(8), Series("rg", 50m, 50m, 2m, 3m, 4m, 5m, 6m, 7m), CostAnomalyKind.SteadyGrowth)); // a run of 6
            Assert.Empty(Detect(Query(6), Series("rg", 1m, 2m, 3m, 4m, 5m, 6m), CostAnomalyKind.SteadyGrowth));          // window too short
            Assert.Empty(Detect(Query(7), Series("rg", 1m, 2m, 3m, 3m, 5m, 6m, 7m), CostAnomalyKind.SteadyGrowth));      // a flat day
            Assert.Empty(Detect(Query(7), Series("rg", 1m, 1.1m, 1.2m, 1.3m, 1.4m, 1.5m, 3m), CostAnomalyKind.SteadyGrowth)); // grew by 2
            Assert.Single(Detect(Query(7), Series("rg", 1m, 1.1m, 1.2m, 1.3m, 1.4m, 1.5m, 3.01m), CostAnomalyKind.SteadyGrowth));
            Assert.Single(Detect(Query(8, growthDays: 6), Series("rg", 50m, 50m, 2m, 3m, 4m, 5m, 6m, 9m), CostAnomalyKind.SteadyGrowth));
        }

        [Fact]
        public void EachGroupAndCurrencyIsItsOwnSeries()
        {
            // The same resource group in two currencies: a cost in GBP does not hide that the USD cost stopped.
            var rows = Series("rg", "USD", 5m, 5m, 0).Concat(Series("rg", "GBP", 5m, 5m, 5m)).Concat(Series("rg-other", "USD", 5m, 5m, 5m));
            var hit = Assert.Single(CostAnomalyDetector.Detect(Query(3), rows));
            Assert.Equal((CostAnomalyKind.Removed, "rg", "USD"), (hit.Kind, hit.Name, hit.Currency));
        }

        [Fact]
        public void DaysOutsideTheWindowAreIgnoredAndSeveralRowsOfADayAreAdded()
        {
            var rows = Series("rg", 5m, 5m, 5m).Concat(new[] { new CostRow { Date = Start.AddDays(3), Cost = 100m, Currency = "EUR" } }).ToList();
            rows[0].Group["ResourceGroupName"] = "rg";
            rows.Add(new CostRow { Date = Start.AddDays(2), Cost = 20m, Currency = "EUR", Group = { ["ResourceGroupName"] = "rg" } });
            var hit = Assert.Single(CostAnomalyDetector.Detect(Query(3), rows));
            Assert.Equal((CostAnomalyKind.Spike, 25m), (hit.Kind, hit.Cost));
        }

        [Fact]
        public async Task FindAnomaliesAsksForDailyCostByTheGroupOverTheWindow()
        {
            var t = new FakeTransport(Reply.With(200, "{\"properties\":{\"nextLink\":null,\"columns\":[{\"name\":\"Cost\",\"type\":\"Number\"},{\"name\":\"ResourceGroupName\",\"type\":\"String\"},{\"name\":\"UsageDate\",\"type\":\"Number\"},{\"name\":\"Currency\",\"type\":\"String\"}],\"rows\":[[9.5,\"rg-web\",20261003,\"EUR\"]]}}"));
            var anomalies = await CostComparisonTests.Client(t).Costs.FindAnomaliesAsync(Query(3), CallContext.None, CancellationToken.None);
            using var body = JsonDocument.Parse(t.Requests.Single().Body!);
            Assert.Equal("Daily", body.RootElement.GetProperty("dataset").GetProperty("granularity").GetString());
            Assert.Equal("2026-10-01T00:00:00Z", body.RootElement.GetProperty("timePeriod").GetProperty("from").GetString());
            Assert.Equal("2026-10-03T23:59:59Z", body.RootElement.GetProperty("timePeriod").GetProperty("to").GetString());
            Assert.Equal("ResourceGroupName", body.RootElement.GetProperty("dataset").GetProperty("grouping")[0].GetProperty("name").GetString());
            var hit = Assert.Single(anomalies);
            Assert.Equal((CostAnomalyKind.New, "rg-web", Start.AddDays(2), 9.5m), (hit.Kind, hit.Name, hit.Date, hit.Cost));
        }
    }
}
