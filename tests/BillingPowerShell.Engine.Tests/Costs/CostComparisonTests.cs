using System;
using System.Collections.Generic;
using System.Linq;
using System.Text.Json;
using System.Threading;
using System.Threading.Tasks;
using BillingPowerShell.Engine.Billing;
using BillingPowerShell.Engine.Costs;
using BillingPowerShell.Engine.Http;
using BillingPowerShell.Engine.Tests.Billing;
using BillingPowerShell.Engine.Tests.Http;

namespace BillingPowerShell.Engine.Tests.Costs
{
    public sealed class CostComparisonTests
    {
        private static readonly UsageScope Ea = UsageScope.Billing("8080487", null, null, null);

        internal static BillingClient Client(FakeTransport t)
        {
            var options = new ArmClientOptions(new Uri("https://management.azure.com"), "https://management.azure.com/.default");
            options.Retry.BaseDelay = TimeSpan.FromMilliseconds(1);
            return new BillingClient(new ArmClient(new FakeCredential(), options, t), new BlobClient(TestArm.FastRetry(), t), new BillingContext());
        }

        private static CostComparisonQuery Query() => new CostComparisonQuery(Ea, "ServiceName",
            new DateTime(2026, 9, 1), new DateTime(2026, 9, 30), new DateTime(2026, 10, 1), new DateTime(2026, 10, 31));

        private static CostRow Row(string? group, decimal cost, string? currency = "EUR")
        {
            var r = new CostRow { Cost = cost, Currency = currency };
            r.Group["ServiceName"] = group;
            return r;
        }

        private static CostChange Find(List<CostChange> changes, string name, string? currency = "EUR") =>
            changes.Single(c => c.Name == name && c.Currency == currency);

        [Fact]
        public void EachGroupCarriesBothCostsItsChangeAndItsShares()
        {
            var changes = CostComparison.Compare(Query(),
                new[] { Row("Storage", 100m), Row("Virtual Machines", 200m) },
                new[] { Row("Storage", 150m), Row("Virtual Machines", 250m) });
            var storage = Find(changes, "Storage");
            Assert.Equal(100m, storage.ReferenceCost);
            Assert.Equal(150m, storage.DifferenceCost);
            Assert.Equal(50m, storage.Change);
            Assert.Equal(50m, storage.ChangePercent);
            Assert.Equal(50m, storage.ShareOfChange); // 50 of the net change of 100
            Assert.Equal(37.5m, storage.Share);        // 150 of the difference total of 400
            Assert.Equal(CostChangeStatus.Increased, storage.Status);
            Assert.Equal("ServiceName", storage.GroupBy);
            Assert.Equal(new DateTime(2026, 9, 1), storage.ReferenceStart);
            Assert.Equal(new DateTime(2026, 10, 31), storage.DifferenceEnd);
            Assert.Equal("8080487", storage.BillingAccountName);
            Assert.Equal(25m, Find(changes, "Virtual Machines").ChangePercent);
        }

        [Fact]
        public void NewAndRemovedGroupsAreMarkedAndANewGroupHasNoPercent()
        {
            var changes = CostComparison.Compare(Query(),
                new[] { Row("Storage", 100m), Row("Key Vault", 3m) },
                new[] { Row("Storage", 80m), Row("SQL Database", 40m) });
            var sql = Find(changes, "SQL Database");
            Assert.Equal(CostChangeStatus.New, sql.Status);
            Assert.Equal(0m, sql.ReferenceCost);
            Assert.Null(sql.ChangePercent);
            var vault = Find(changes, "Key Vault");
            Assert.Equal(CostChangeStatus.Removed, vault.Status);
            Assert.Equal(-3m, vault.Change);
            Assert.Equal(-100m, vault.ChangePercent);
            Assert.Equal(CostChangeStatus.Decreased, Find(changes, "Storage").Status);
            Assert.Equal(3, changes.Count);
        }

        [Fact]
        public void CurrenciesAreNeverAddedTogether()
        {
            // An MCA account billed in USD and GBP: the same service is one result per currency, and shares are per currency.
            var changes = CostComparison.Compare(Query(),
                new[] { Row("Storage", 10m, "USD"), Row("Storage", 20m, "GBP") },
                new[] { Row("Storage", 30m, "USD"), Row("Storage", 20m, "GBP"), Row("Storage", 5m, "GBP") });
            Assert.Equal(2, changes.Count);
            var usd = Find(changes, "Storage", "USD");
            var gbp = Find(changes, "Storage", "GBP");
            Assert.Equal((10m, 30m), (usd.ReferenceCost, usd.DifferenceCost));
            Assert.Equal((20m, 25m), (gbp.ReferenceCost, gbp.DifferenceCost));
            Assert.Equal(100m, usd.Share);
            Assert.Equal(100m, gbp.ShareOfChange);
            Assert.Equal(new[] { "GBP", "USD" }, changes.Select(c => c.Currency));
        }

        [Fact]
        public void NoNetChangeLeavesShareOfChangeEmptyAndEqualCostsAreUnchanged()
        {
            var changes = CostComparison.Compare(Query(),
                new[] { Row("A", 10m), Row("B", 10m), Row("C", 7m) },
                new[] { Row("A", 15m), Row("B", 5m), Row("C", 7m) });
            Assert.All(changes, c => Assert.Null(c.ShareOfChange));
            Assert.Equal(CostChangeStatus.Unchanged, Find(changes, "C").Status);
            Assert.Equal(0m, Find(changes, "C").ChangePercent);
        }

        [Fact]
        public void ResultsAreOrderedByCurrencyThenByTheSizeOfTheChange()
        {
            var changes = CostComparison.Compare(Query(),
                new[] { Row("Small", 10m), Row("Big", 100m), Row("Drop", 50m) },
                new[] { Row("Small", 11m), Row("Big", 200m), Row("Drop", 10m) });
            Assert.Equal(new[] { "Big", "Drop", "Small" }, changes.Select(c => c.Name));
        }

        [Fact]
        public void CostWithoutAGroupValueIsItsOwnGroup()
        {
            var changes = CostComparison.Compare(Query(), new[] { Row(null, 4m) }, new[] { Row(null, 6m), Row("Storage", 1m) });
            Assert.Equal(6m, Find(changes, "").DifferenceCost);
        }

        [Fact]
        public async Task CompareAsksTheQueryApiOncePerPeriodForTotalsByTheGroup()
        {
            var t = new FakeTransport { Handler = req =>
            {
                using var body = JsonDocument.Parse(req.Body!);
                var from = body.RootElement.GetProperty("timePeriod").GetProperty("from").GetString();
                var cost = from!.StartsWith("2026-09") ? 100 : 130;
                return Reply.With(200, "{\"properties\":{\"nextLink\":null,\"columns\":[{\"name\":\"Cost\",\"type\":\"Number\"},{\"name\":\"ServiceName\",\"type\":\"String\"},{\"name\":\"Currency\",\"type\":\"String\"}],\"rows\":[[" + cost + ",\"Storage\",\"EUR\"]]}}");
            } };
            var changes = await Client(t).Costs.CompareAsync(Query(), CallContext.None, CancellationToken.None);
            Assert.Equal(2, t.Count);
            foreach (var req in t.Requests)
            {
                Assert.EndsWith("/providers/Microsoft.Billing/billingAccounts/8080487/providers/Microsoft.CostManagement/query", req.Uri.AbsolutePath);
                using var body = JsonDocument.Parse(req.Body!);
                Assert.Equal("Custom", body.RootElement.GetProperty("timeframe").GetString());
                Assert.Equal("None", body.RootElement.GetProperty("dataset").GetProperty("granularity").GetString());
                Assert.Equal("ServiceName", body.RootElement.GetProperty("dataset").GetProperty("grouping")[0].GetProperty("name").GetString());
            }
            Assert.Equal(new[] { "2026-09-01T00:00:00Z", "2026-10-01T00:00:00Z" },
                t.Requests.Select(r => JsonDocument.Parse(r.Body!).RootElement.GetProperty("timePeriod").GetProperty("from").GetString()));
            var storage = Assert.Single(changes);
            Assert.Equal((100m, 130m, 30m), (storage.ReferenceCost, storage.DifferenceCost, storage.Change));
        }
    }
}
