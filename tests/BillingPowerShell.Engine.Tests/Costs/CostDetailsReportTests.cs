using System;
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
    /// <summary>The cost details report operation (docs/contracts/azure-api/OPERATIONS.md, "GenerateCostDetailsReport_CreateOperation" and
    /// "GenerateCostDetailsReport_GetOperationResults (poll)") against the official examples.</summary>
    public sealed class CostDetailsReportTests
    {
        private const string Cm = "Microsoft.CostManagement/2025-03-01/";
        private const string Poll = "https://management.azure.com/subscriptions/00000000-0000-0000-0000-000000000000/providers/Microsoft.CostManagement/costDetailsOperationResults/00000000-0000-0000-0000-000000000000?api-version=2025-03-01";

        private static UsageService Service(FakeTransport t)
        {
            var options = new ArmClientOptions(new Uri("https://management.azure.com"), "https://management.azure.com/.default");
            options.Retry.BaseDelay = TimeSpan.FromMilliseconds(1);
            options.DefaultPollInterval = TimeSpan.FromMilliseconds(1);
            return new BillingClient(new ArmClient(new FakeCredential(), options, t), new BlobClient(TestArm.FastRetry(), t), new BillingContext()).Usage;
        }

        private static bool JsonEquals(JsonElement a, JsonElement b) =>
            a.ValueKind == b.ValueKind && a.ValueKind switch
            {
                JsonValueKind.Object => a.EnumerateObject().Count() == b.EnumerateObject().Count()
                    && a.EnumerateObject().All(p => b.TryGetProperty(p.Name, out var q) && JsonEquals(p.Value, q)),
                JsonValueKind.Array => a.GetArrayLength() == b.GetArrayLength() && a.EnumerateArray().Zip(b.EnumerateArray()).All(x => JsonEquals(x.First, x.Second)),
                _ => a.GetRawText() == b.GetRawText(),
            };

        [Fact]
        public async Task SubscriptionTimePeriodReportAsInTheOfficialExample()
        {
            const string example = Cm + "GenerateCostDetailsReportBySubscriptionAndTimePeriod.json";
            var t = new FakeTransport(
                Reply.With(202, null, ("Location", Poll), ("retry-after-ms", "1")),
                Reply.With(202, null, ("Location", Poll), ("retry-after-ms", "1")),
                Reply.With(200, Examples.Body(Cm + "CostDetailsOperationResultsBySubscriptionScope.json")));
            var request = new UsageRequest(UsageScope.Subscription("00000000-0000-0000-0000-000000000000", null));
            var chunk = new UsageChunk { Start = new DateTime(2020, 3, 1), End = new DateTime(2020, 3, 15) };
            var report = await Service(t).RunReportAsync(request, chunk, new CallContext("Export-DailyUsage"), default);

            var post = t.Requests[0];
            Assert.Equal("POST", post.Method);
            Assert.Equal("https://management.azure.com/subscriptions/00000000-0000-0000-0000-000000000000/providers/Microsoft.CostManagement/generateCostDetailsReport?api-version=2025-03-01", post.Uri.AbsoluteUri);
            using var body = JsonDocument.Parse(post.Body!);
            Assert.True(JsonEquals(Examples.Parameters(example).GetProperty("parameters"), body.RootElement), post.BodyText);
            Assert.Equal(new Uri(Poll), t.Requests[1].Uri);
            Assert.Equal(3, t.Count);

            Assert.Equal("Completed", report.Status);
            var (link, bytes) = Assert.Single(report.Blobs);
            Assert.Equal("ccmreportstorageeastus.blob.core.windows.net", link.Host);
            Assert.Equal(32741, bytes);
            Assert.Equal(new DateTimeOffset(2022, 5, 10, 8, 8, 46, TimeSpan.Zero), report.ValidTill!.Value.AddTicks(-report.ValidTill.Value.Ticks % TimeSpan.TicksPerSecond));
        }

        [Fact]
        public async Task EnterpriseBillingPeriodReportAsInTheOfficialExample()
        {
            const string example = Cm + "GenerateCostDetailsReportByBillingAccountEnterpriseAgreementCustomerAndBillingPeriod.json";
            var t = new FakeTransport(Reply.With(200, Examples.Body(Cm + "CostDetailsOperationResultsBySubscriptionScope.json")));
            var request = new UsageRequest(UsageScope.Billing("12345", null, null, null)) { BillingPeriodName = "202205" };
            await Service(t).RunReportAsync(request, UsageChunk.Plan(request).Single(), new CallContext("c"), default);
            var post = t.Requests.Single();
            Assert.Equal("/providers/Microsoft.Billing/billingAccounts/12345/providers/Microsoft.CostManagement/generateCostDetailsReport", post.Uri.AbsolutePath);
            using var body = JsonDocument.Parse(post.Body!);
            Assert.True(JsonEquals(Examples.Parameters(example).GetProperty("parameters"), body.RootElement), post.BodyText);
        }

        [Fact]
        public async Task InvoiceReportAndAmortizedMetric()
        {
            var t = new FakeTransport(Reply.With(204));
            var request = new UsageRequest(UsageScope.Billing("a:b", "p", null, "MicrosoftCustomerAgreement")) { InvoiceId = "G123456789", Metric = CostMetric.AmortizedCost };
            var report = await Service(t).RunReportAsync(request, UsageChunk.Plan(request).Single(), new CallContext("c"), default);
            Assert.Empty(report.Blobs); // 204: no data
            using var body = JsonDocument.Parse(t.Requests.Single().Body!);
            Assert.Equal("AmortizedCost", body.RootElement.GetProperty("metric").GetString());
            Assert.Equal("G123456789", body.RootElement.GetProperty("invoiceId").GetString());
            Assert.Equal(2, body.RootElement.EnumerateObject().Count()); // exactly one of timePeriod / billingPeriod / invoiceId
        }

        [Fact]
        public async Task FailedReportIsALongRunningOperationException()
        {
            var t = new FakeTransport(
                Reply.With(202, null, ("Location", Poll), ("retry-after-ms", "1")),
                Reply.With(200, "{\"status\":\"Failed\",\"error\":{\"code\":\"ReportGenerationFailed\",\"message\":\"The report could not be generated.\"}}"));
            var request = new UsageRequest(UsageScope.Subscription("00000000-0000-0000-0000-000000000000", null)) { StartDate = new DateTime(2026, 10, 1), EndDate = new DateTime(2026, 10, 31) };
            var ex = await Assert.ThrowsAsync<LongRunningOperationException>(() => Service(t).RunReportAsync(request, UsageChunk.Plan(request)[0], new CallContext("c"), default));
            Assert.False(ex.TimedOut);
            Assert.Equal("ReportGenerationFailed", ex.Code);
            Assert.Contains("could not be generated", ex.Message);
        }

        [Fact]
        public async Task ReportThatNeverFinishesTimesOut()
        {
            var t = new FakeTransport { Handler = _ => Reply.With(202, null, ("Location", Poll), ("retry-after-ms", "10")) };
            var request = new UsageRequest(UsageScope.Subscription("s", null)) { StartDate = new DateTime(2026, 10, 1), ReportTimeout = TimeSpan.FromMilliseconds(300) };
            var ex = await Assert.ThrowsAsync<LongRunningOperationException>(() => Service(t).RunReportAsync(request, UsageChunk.Plan(request)[0], new CallContext("c"), default));
            Assert.True(ex.TimedOut);
        }

        [Fact]
        public async Task FailedNativeExportStopsTheReportsAskedForAhead()
        {
            // Three months: the first report is ready at once and its CSV is not a usage file; the two asked for ahead
            // never finish. Once the export has failed, nobody may keep polling them.
            var blob = TestArm.BlobHost + "/reports/r.csv?" + TestArm.Sas;
            using var askedAhead = new ManualResetEventSlim();
            var t = new FakeTransport
            {
                Handler = r =>
                {
                    if (r.Method == "POST" && r.BodyText.Contains("2026-08-01"))
                        return Reply.With(200, "{\"status\":\"Completed\",\"manifest\":{\"blobCount\":1,\"blobs\":[{\"blobLink\":\"" + blob + "\",\"byteCount\":20}]}}");
                    if (r.Uri.Host == new Uri(TestArm.BlobHost).Host)
                    {
                        askedAhead.Wait(TimeSpan.FromSeconds(30)); // fail only once a later month has been asked for
                        return Reply.With(200, "not,a,usage,file\r\n1,2,3,4\r\n");
                    }
                    if (r.Method == "POST") askedAhead.Set();
                    return Reply.With(202, null, ("Location", Poll), ("retry-after-ms", "5"));
                },
            };
            var request = new UsageRequest(UsageScope.Billing("8080487", null, null, "EnterpriseAgreement"))
            {
                StartDate = new DateTime(2026, 8, 1), EndDate = new DateTime(2026, 10, 31), MaxConcurrency = 3,
            };
            var path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "bps-" + Guid.NewGuid().ToString("n") + ".csv");
            var export = Service(t).ExportAsync(request, path, BillingPowerShell.Engine.Usage.UsageCsvSchema.Native, new BillingPowerShell.Engine.Usage.UsageCsvWriterOptions(), new CallContext("c"), default);
            // Bounded: an export that waited for the abandoned reports would wait for their 30-minute timeout.
            Assert.Same(export, await Task.WhenAny(export, Task.Delay(TimeSpan.FromSeconds(60))));
            await Assert.ThrowsAsync<BillingPowerShell.Engine.Usage.UsageFormatException>(() => export);
            Assert.False(System.IO.File.Exists(path));
            var after = t.Count;
            await Task.Delay(200);
            Assert.Equal(after, t.Count);
            Assert.True(t.Requests.Count(r => r.Method == "POST") >= 2, "the later months were asked for ahead");
        }

        [Fact]
        public async Task NoDataFoundIsAnEmptyReport()
        {
            var t = new FakeTransport(Reply.With(200, "{\"status\":\"NoDataFound\",\"manifest\":{\"blobCount\":0,\"blobs\":[]}}"));
            var request = new UsageRequest(UsageScope.Subscription("s", null)) { StartDate = new DateTime(2026, 10, 1) };
            var report = await Service(t).RunReportAsync(request, UsageChunk.Plan(request)[0], new CallContext("c"), default);
            Assert.Equal("NoDataFound", report.Status);
            Assert.Empty(report.Blobs);
        }

        [Theory]
        [InlineData("MicrosoftOnlineServicesProgram", null, null, UsageSource.UsageDetails)]
        [InlineData("EnterpriseAgreement", null, null, UsageSource.CostDetails)]
        [InlineData(null, "201702-1", null, UsageSource.UsageDetails)]
        [InlineData(null, "202401", null, UsageSource.CostDetails)]
        [InlineData("MicrosoftOnlineServicesProgram", null, "G1", UsageSource.CostDetails)]
        public void AutoSourceResolution(string? agreement, string? period, string? invoice, UsageSource expected)
        {
            var r = new UsageRequest(UsageScope.Subscription("s", agreement)) { BillingPeriodName = period, InvoiceId = invoice };
            Assert.Equal(expected, UsageService.Resolve(r));
            r.Source = UsageSource.CostDetails;
            Assert.Equal(UsageSource.CostDetails, UsageService.Resolve(r));
        }
    }
}
