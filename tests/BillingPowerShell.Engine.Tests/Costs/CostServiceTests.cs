using System;
using System.Collections.Generic;
using System.Linq;
using System.Text.Json;
using System.Threading.Tasks;
using BillingPowerShell.Engine.Billing;
using BillingPowerShell.Engine.Costs;
using BillingPowerShell.Engine.Http;
using BillingPowerShell.Engine.Tests.Billing;
using BillingPowerShell.Engine.Tests.Http;

namespace BillingPowerShell.Engine.Tests.Costs
{
    public sealed class CostServiceTests
    {
        private const string Cm = "Microsoft.CostManagement/2025-03-01/";

        /// <summary>A client whose Resource Manager is management.azure.com, the host of the examples' nextLink.</summary>
        private static CostService Service(FakeTransport t)
        {
            var options = new ArmClientOptions(new Uri("https://management.azure.com"), "https://management.azure.com/.default");
            options.Retry.BaseDelay = TimeSpan.FromMilliseconds(1);
            options.Retry.MaxDelay = TimeSpan.FromMilliseconds(5);
            var client = new BillingClient(new ArmClient(new FakeCredential(), options, t), new BlobClient(TestArm.FastRetry(), t), new BillingContext());
            return client.Costs;
        }

        private static async Task<List<CostRow>> All(IAsyncEnumerable<CostRow> rows)
        {
            var list = new List<CostRow>();
            await foreach (var r in rows) list.Add(r);
            return list;
        }

        private static JsonElement DefinitionJson(CostQuery q) => JsonDocument.Parse(JsonSerializer.SerializeToUtf8Bytes(CostService.Definition(q))).RootElement;

        private static IEnumerable<string> PropertyNames(JsonElement e) => e.EnumerateObject().Select(p => p.Name);

        // ---- the request body ----

        [Fact]
        public void DefinitionHasTheShapeOfTheOfficialExamples()
        {
            var example = Examples.Parameters(Cm + "SubscriptionQueryGrouping.json").GetProperty("parameters");
            var q = new CostQuery(UsageScope.Subscription("00000000-0000-0000-0000-000000000000", null)) { Timeframe = "TheLastMonth", Granularity = "None" };
            q.GroupBy.Add("ResourceGroup");
            var d = DefinitionJson(q);
            Assert.Equal(PropertyNames(example).OrderBy(n => n), PropertyNames(d).OrderBy(n => n)); // type, timeframe, dataset
            Assert.Equal(PropertyNames(example.GetProperty("dataset")).OrderBy(n => n), PropertyNames(d.GetProperty("dataset")).OrderBy(n => n));
            Assert.Equal("ActualCost", d.GetProperty("type").GetString());
            Assert.Equal("TheLastMonth", d.GetProperty("timeframe").GetString());
            Assert.Equal("None", d.GetProperty("dataset").GetProperty("granularity").GetString());
            var total = d.GetProperty("dataset").GetProperty("aggregation").GetProperty("totalCost");
            Assert.Equal("Sum", total.GetProperty("function").GetString());
            Assert.Contains(total.GetProperty("name").GetString(), new[] { "Cost", "PreTaxCost" });
            var g = d.GetProperty("dataset").GetProperty("grouping")[0];
            Assert.Equal(PropertyNames(example.GetProperty("dataset").GetProperty("grouping")[0]).OrderBy(n => n), PropertyNames(g).OrderBy(n => n));
            Assert.Equal(PropertyNames(example.GetProperty("dataset").GetProperty("aggregation").GetProperty("totalCost")).OrderBy(n => n), PropertyNames(total).OrderBy(n => n));
            Assert.Equal("Dimension", g.GetProperty("type").GetString());
            Assert.Equal("ResourceGroup", g.GetProperty("name").GetString());
            Assert.False(d.TryGetProperty("timePeriod", out _));
        }

        [Fact]
        public void CustomTimeframeCarriesWholeDaysAndTagGrouping()
        {
            var q = new CostQuery(UsageScope.Billing("1234567", null, null, null))
            {
                Timeframe = "Custom", From = new DateTime(2026, 10, 1, 15, 0, 0), To = new DateTime(2026, 10, 31), Metric = CostMetric.AmortizedCost, Granularity = "Monthly",
            };
            q.GroupBy.Add("Tag:env");
            q.GroupBy.Add("ServiceName");
            var d = DefinitionJson(q);
            Assert.Equal("AmortizedCost", d.GetProperty("type").GetString());
            Assert.Equal("2026-10-01T00:00:00Z", d.GetProperty("timePeriod").GetProperty("from").GetString());
            Assert.Equal("2026-10-31T23:59:59Z", d.GetProperty("timePeriod").GetProperty("to").GetString());
            var grouping = d.GetProperty("dataset").GetProperty("grouping");
            Assert.Equal("TagKey", grouping[0].GetProperty("type").GetString());
            Assert.Equal("env", grouping[0].GetProperty("name").GetString());
            Assert.Equal("Dimension", grouping[1].GetProperty("type").GetString());
            Assert.Equal("Monthly", d.GetProperty("dataset").GetProperty("granularity").GetString());
        }

        // ---- the answer ----

        [Fact]
        public async Task SubscriptionQueryExampleRowsMapped()
        {
            var t = new FakeTransport(Reply.With(200, Examples.Body(Cm + "SubscriptionQuery.json")));
            var q = new CostQuery(UsageScope.Subscription("00000000-0000-0000-0000-000000000000", null));
            var rows = await All(Service(t).QueryAsync(q, new CallContext("Get-BillingCost"), default));

            var req = t.Requests.Single();
            Assert.Equal("POST", req.Method);
            Assert.Equal("https://management.azure.com/subscriptions/00000000-0000-0000-0000-000000000000/providers/Microsoft.CostManagement/query?api-version=2025-03-01", req.Uri.AbsoluteUri);
            Assert.Equal("application/json", req.Header("Content-Type"));
            using (var body = JsonDocument.Parse(req.Body!)) Assert.Equal("MonthToDate", body.RootElement.GetProperty("timeframe").GetString());

            using var example = Examples.BodyDocument(Cm + "SubscriptionQuery.json");
            var exampleRows = example.RootElement.GetProperty("properties").GetProperty("rows").EnumerateArray().ToList();
            Assert.Equal(exampleRows.Count, rows.Count);
            for (var i = 0; i < rows.Count; i++)
            {
                Assert.Equal(exampleRows[i][0].GetDecimal(), rows[i].Cost); // decimal, not a rounded double
                Assert.Equal(exampleRows[i][1].GetString(), rows[i].Group["ResourceGroup"]);
                var day = exampleRows[i][2].GetInt32();
                Assert.Equal(new DateTime(day / 10000, day / 100 % 100, day % 100), rows[i].Date);
                Assert.Equal(DateTimeKind.Utc, rows[i].Date!.Value.Kind);
                Assert.Equal("USD", rows[i].Currency);
                Assert.Equal(q.Scope.Display, rows[i].Scope);
                Assert.Single(rows[i].Group);
            }
            Assert.Equal(2.10333307059661m, rows[0].Cost);
        }

        [Fact]
        public async Task McaExampleFollowsNextLinkWithTheSameBodyAndStreams()
        {
            var t = new FakeTransport(Reply.With(200, Examples.Body(Cm + "MCABillingProfileQuery.json")), Reply.With(200, Examples.Body(Cm + "SubscriptionQuery.json")));
            var q = new CostQuery(UsageScope.Billing("12345:6789", "13579", null, null));
            var service = Service(t);
            await using var e = service.QueryAsync(q, new CallContext("c"), default).GetAsyncEnumerator();
            var rows = new List<CostRow>();
            while (await e.MoveNextAsync())
            {
                rows.Add(e.Current);
                if (rows.Count <= 4) Assert.Equal(1, t.Count); // the first page's rows come before the second page is asked for
            }
            Assert.Equal(8, rows.Count);
            Assert.Equal(2, t.Count);
            Assert.Equal("/providers/Microsoft.Billing/billingAccounts/12345%3A6789/billingProfiles/13579/providers/Microsoft.CostManagement/query", t.Requests[0].Uri.AbsolutePath);
            Assert.Equal("https://management.azure.com/providers/Microsoft.Billing/billingAccounts/12345:6789/billingProfiles/13579/providers/Microsoft.CostManagement/Query?api-version=2021-10-01&$skiptoken=AQAAAA%3D%3D",
                t.Requests[1].Uri.OriginalString.Replace("%24skiptoken", "$skiptoken"));
            Assert.Equal("POST", t.Requests[1].Method);
            Assert.Equal(t.Requests[0].BodyText, t.Requests[1].BodyText);
            Assert.Equal(19.545363672276512m, rows[0].Cost);
            Assert.Equal("JapanUnifia-Trial", rows[0].Group["ResourceGroup"]);
        }

        [Fact]
        public async Task QueryNextLinkToAnotherHostIsRefused()
        {
            var page = "{\"properties\":{\"columns\":[{\"name\":\"Cost\",\"type\":\"Number\"}],\"rows\":[[1.5]],\"nextLink\":\"https://evil.example.test/query?$skiptoken=x\"}}";
            var t = new FakeTransport(Reply.With(200, page));
            t.Handler = _ => Reply.With(200, page);
            var rows = new List<CostRow>();
            await Assert.ThrowsAsync<UnsafeRequestException>(async () => { await foreach (var r in Service(t).QueryAsync(new CostQuery(UsageScope.Subscription("s", null)), new CallContext("c"), default)) rows.Add(r); });
            Assert.Single(rows);
            Assert.Equal(1.5m, rows[0].Cost);
            Assert.Equal(1, t.Count);
        }

        [Fact]
        public async Task QueryNextLinkRepeatingItselfDoesNotLoopForever()
        {
            var page = "{\"properties\":{\"columns\":[{\"name\":\"Cost\"}],\"rows\":[[1]],\"nextLink\":\"https://management.azure.com/subscriptions/s/providers/Microsoft.CostManagement/query?api-version=2025-03-01&$skiptoken=x\"}}";
            var t = new FakeTransport { Handler = _ => Reply.With(200, page) };
            var rows = new List<CostRow>();
            var ex = await Assert.ThrowsAsync<ArmException>(async () =>
            {
                await foreach (var r in Service(t).QueryAsync(new CostQuery(UsageScope.Subscription("s", null)), new CallContext("c"), default)) { rows.Add(r); if (rows.Count > 50) break; }
            });
            Assert.Equal("InvalidResponse", ex.Code);
            Assert.True(t.Count <= 3, $"{t.Count} requests");
        }

        [Fact]
        public async Task NoContentAndEmptyRows()
        {
            var t = new FakeTransport(Reply.With(204));
            Assert.Empty(await All(Service(t).QueryAsync(new CostQuery(UsageScope.Subscription("s", null)), new CallContext("c"), default)));
            var t2 = new FakeTransport(Reply.With(200, "{\"properties\":{\"columns\":[],\"rows\":[],\"nextLink\":null}}"));
            Assert.Empty(await All(Service(t2).QueryAsync(new CostQuery(UsageScope.Subscription("s", null)), new CallContext("c"), default)));
        }

        [Fact]
        public async Task AnswerWithoutPropertiesIsInvalidResponse()
        {
            var t = new FakeTransport(Reply.With(200, "{\"value\":[]}"));
            var ex = await Assert.ThrowsAsync<ArmException>(() => All(Service(t).QueryAsync(new CostQuery(UsageScope.Subscription("s", null)), new CallContext("c"), default)));
            Assert.Equal("InvalidResponse", ex.Code);
        }

        [Fact]
        public async Task OddlyTypedCellsDoNotThrow()
        {
            const string page = "{\"properties\":{\"columns\":[{\"name\":\"Cost\"},{\"name\":\"BillingMonth\"},{\"name\":\"Currency\"},{\"name\":\"TagKey\"},{\"name\":\"TagValue\"},{\"name\":\"Extra\"}],"
                + "\"rows\":[[\"12.25\",\"2026-10-01T00:00:00\",\"EUR\",\"env\",\"prod\",7],[null,null,null,null,null,null],[1e40,\"garbage\",5,\"env\",null,{\"a\":1}],[3.5,20261131,\"EUR\",\"env\",\"dev\",true,\"surplus\"]]}}";
            var t = new FakeTransport(Reply.With(200, page));
            var q = new CostQuery(UsageScope.Subscription("s", null)) { Granularity = "Monthly" };
            q.GroupBy.Add("Tag:env");
            var rows = await All(Service(t).QueryAsync(q, new CallContext("c"), default));
            Assert.Equal(4, rows.Count);
            Assert.Equal(12.25m, rows[0].Cost);
            Assert.Equal(new DateTime(2026, 10, 1), rows[0].Date);
            Assert.Equal("EUR", rows[0].Currency);
            Assert.Equal("prod", rows[0].Group["Tag:env"]); // the tag value is named after the key asked for
            Assert.Equal("7", rows[0].Group["Extra"]);
            Assert.Equal(0m, rows[1].Cost);
            Assert.Null(rows[1].Date);
            Assert.Null(rows[2].Date);
            Assert.Null(rows[2].Currency);
            Assert.Equal(3.5m, rows[3].Cost);
            Assert.Null(rows[3].Date); // 31 November does not exist
            Assert.Equal("surplus", rows[3].Group["Column6"]);
        }

        [Fact]
        public async Task EstimateProjectsTheMonthFromTheDaysWithData()
        {
            var rows = string.Join(",", Enumerable.Range(1, 9).Select(d => $"[10,{20261100 + d},\"USD\"]"));
            var page = "{\"properties\":{\"columns\":[{\"name\":\"Cost\"},{\"name\":\"UsageDate\"},{\"name\":\"Currency\"}],\"rows\":[" + rows + "]}}";
            var t = new FakeTransport(Reply.With(200, page), Reply.With(204)); // no forecast: the straight line
            var est = Assert.Single(await Service(t).EstimateAsync(UsageScope.Subscription("s", null), new DateTime(2026, 11, 10), new CallContext("c"), default));
            Assert.Equal(90m, est.CostToDate);
            Assert.Equal(300m, est.ProjectedTotal);
            Assert.Equal(CostEstimateMethod.StraightLine, est.Method);
            Assert.Empty(est.ForecastDailyCosts);
            Assert.Equal("USD", est.Currency);
            Assert.Equal(new DateTime(2026, 11, 1), est.PeriodStart);
            Assert.Equal(new DateTime(2026, 11, 30), est.PeriodEnd);
            Assert.Equal(9, est.DailyCosts.Count);
            Assert.Equal(2, t.Count);
            using var body = JsonDocument.Parse(t.Requests[0].Body!);
            Assert.Equal("Custom", body.RootElement.GetProperty("timeframe").GetString());
            Assert.Equal("2026-11-01T00:00:00Z", body.RootElement.GetProperty("timePeriod").GetProperty("from").GetString());
            Assert.Equal("2026-11-10T23:59:59Z", body.RootElement.GetProperty("timePeriod").GetProperty("to").GetString());
        }

        [Fact]
        public async Task EstimateIsOnePerCurrencyAndPassesTheMetric()
        {
            var page = "{\"properties\":{\"columns\":[{\"name\":\"Cost\"},{\"name\":\"UsageDate\"},{\"name\":\"Currency\"}],\"rows\":["
                + "[10,20261101,\"USD\"],[20,20261101,\"GBP\"],[10,20261102,\"USD\"],[20,20261102,\"GBP\"]]}}";
            var t = new FakeTransport(Reply.With(200, page), Reply.With(400, "{\"error\":{\"code\":\"BadRequest\",\"message\":\"Forecast is not supported for this scope.\"}}"));
            var est = await Service(t).EstimateAsync(UsageScope.Subscription("s", null), new DateTime(2026, 11, 3), new CallContext("c"), default, CostMetric.AmortizedCost);
            Assert.Equal(new[] { "GBP", "USD" }, est.Select(e => e.Currency));
            Assert.Equal(new[] { 40m, 20m }, est.Select(e => e.CostToDate));
            Assert.Equal(new[] { 600m, 300m }, est.Select(e => e.ProjectedTotal)); // the forecast failed: the straight line
            Assert.All(est, e => Assert.Equal(CostEstimateMethod.StraightLine, e.Method));
            foreach (var request in t.Requests)
            {
                using var body = JsonDocument.Parse(request.Body!);
                Assert.Equal("AmortizedCost", body.RootElement.GetProperty("type").GetString());
            }
        }

        [Fact]
        public async Task EstimateWithNoDataIsZero()
        {
            var t = new FakeTransport(Reply.With(204), Reply.With(204));
            var est = Assert.Single(await Service(t).EstimateAsync(UsageScope.Subscription("s", null), new DateTime(2026, 11, 3), new CallContext("c"), default));
            Assert.Equal(0m, est.CostToDate);
            Assert.Equal(0m, est.ProjectedTotal);
        }

        [Fact]
        public async Task EstimateAddsTheForecastOfTheRestOfThePeriodToTheDaysBeforeToday()
        {
            var actual = string.Join(",", Enumerable.Range(1, 9).Select(d => $"[10,{20261100 + d},\"USD\"]"));
            var forecast = string.Join(",", Enumerable.Range(10, 21).Select(d => $"[12,{20261100 + d},\"Forecast\",\"USD\"]")) + ",[1.5,20261130,\"Forecast\",\"USD\"]";
            var t = new FakeTransport(
                Reply.With(200, "{\"properties\":{\"columns\":[{\"name\":\"Cost\"},{\"name\":\"UsageDate\"},{\"name\":\"Currency\"}],\"rows\":[" + actual + "]}}"),
                Reply.With(200, "{\"properties\":{\"nextLink\":null,\"columns\":[{\"name\":\"PreTaxCost\"},{\"name\":\"UsageDate\"},{\"name\":\"CostStatus\"},{\"name\":\"Currency\"}],\"rows\":[" + forecast + "]}}"));
            var est = Assert.Single(await Service(t).EstimateAsync(UsageScope.Subscription("00000000-0000-0000-0000-000000000000", null), new DateTime(2026, 11, 10), new CallContext("c"), default));
            Assert.Equal(CostEstimateMethod.Forecast, est.Method);
            Assert.Equal(90m, est.CostToDate);
            Assert.Equal(90m + 21 * 12m + 1.5m, est.ProjectedTotal);
            Assert.Equal(21, est.ForecastDailyCosts.Count); // rows of one day are added up
            Assert.Equal(13.5m, est.ForecastDailyCosts[20].Cost);
            Assert.Equal(new DateTime(2026, 11, 10), est.ForecastDailyCosts[0].Date);
            Assert.All(est.ForecastDailyCosts, f => Assert.Equal("USD", f.Currency));
            var request = t.Requests[1];
            Assert.Equal("https://management.azure.com/subscriptions/00000000-0000-0000-0000-000000000000/providers/Microsoft.CostManagement/forecast?api-version=2025-03-01", request.Uri.AbsoluteUri);
            using var body = JsonDocument.Parse(request.Body!);
            Assert.Equal("2026-11-10T00:00:00Z", body.RootElement.GetProperty("timePeriod").GetProperty("from").GetString());
            Assert.Equal("2026-11-30T23:59:59Z", body.RootElement.GetProperty("timePeriod").GetProperty("to").GetString());
            Assert.False(body.RootElement.GetProperty("includeActualCost").GetBoolean());
            Assert.False(body.RootElement.GetProperty("includeFreshPartialCost").GetBoolean());
            Assert.Equal("Daily", body.RootElement.GetProperty("dataset").GetProperty("granularity").GetString());
        }

        [Fact]
        public async Task EstimateReadsTheOfficialForecastExample()
        {
            var example = Examples.Body(Cm + "SubscriptionForecast.json");
            var t = new FakeTransport(Reply.With(204), Reply.With(200, example));
            var est = Assert.Single(await Service(t).EstimateAsync(UsageScope.Subscription("s", null), new DateTime(2018, 3, 31), new CallContext("c"), default));
            Assert.Equal(CostEstimateMethod.Forecast, est.Method);
            Assert.Equal("USD", est.Currency);
            // Two rows of 2018-03-31 added up; the April rows are past the period (March) and left out.
            var day = Assert.Single(est.ForecastDailyCosts);
            Assert.Equal(new DateTime(2018, 3, 31), day.Date);
            Assert.Equal(2.10333307059661m + 218.68795741935486m, day.Cost);
            Assert.Equal(Math.Round(2.10333307059661m + 218.68795741935486m, 2), est.ProjectedTotal);
        }

        [Fact]
        public async Task ThrottledQueryHonoursTheQpuHeaderThenSucceeds()
        {
            var t = new FakeTransport(
                Reply.With(429, "{\"error\":{\"code\":\"429\",\"message\":\"Too many requests. Please retry.\"}}", ("x-ms-ratelimit-microsoft.costmanagement-qpu-retry-after", "0.05")),
                Reply.With(200, Examples.Body(Cm + "SubscriptionQuery.json")));
            var ctx = new CallContext("c");
            var waits = new List<TimeSpan>();
            ctx.Retrying += (_, w) => waits.Add(w);
            var rows = await All(Service(t).QueryAsync(new CostQuery(UsageScope.Subscription("s", null)), ctx, default));
            Assert.Equal(4, rows.Count);
            Assert.InRange(Assert.Single(waits).TotalMilliseconds, 50, 56);
            Assert.Equal(t.Requests[0].BodyText, t.Requests[1].BodyText); // the POST body is sent again on retry
        }
    }
}
