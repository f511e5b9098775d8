using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text.Json;
using System.Threading.Tasks;
using BillingPowerShell.Engine.Billing;
using BillingPowerShell.Engine.Exports;
using BillingPowerShell.Engine.Http;
using BillingPowerShell.Engine.Tests.Billing;
using BillingPowerShell.Engine.Tests.Http;

namespace BillingPowerShell.Engine.Tests.Exports
{
    /// <summary>
    /// ExportService against FakeTransport, with the official examples of docs/contracts/azure-api/examples
    /// (Microsoft.CostManagement/2025-03-01/Export*.json) as the requests expected and the answers given.
    /// </summary>
    public sealed class ExportServiceTests
    {
        private const string Cm = "Microsoft.CostManagement/2025-03-01/";
        private const string Arm = "https://management.azure.com";
        private const string Storage = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/MYDEVTESTRG/providers/Microsoft.Storage/storageAccounts/ccmeastusdiag182";

        private static ExportService Service(FakeTransport t)
        {
            var options = new ArmClientOptions(new Uri(Arm), Arm + "/.default");
            options.Retry.BaseDelay = TimeSpan.FromMilliseconds(1);
            options.Retry.MaxDelay = TimeSpan.FromMilliseconds(5);
            options.Retry.MaxRetries = 1;
            var client = new BillingClient(new ArmClient(new FakeCredential(), options, t), new BlobClient(TestArm.FastRetry(), t), new BillingContext());
            return client.Exports;
        }

        private static CallContext Call() => new CallContext("Test-Export", new DateTimeOffset(2026, 12, 7, 12, 0, 0, TimeSpan.Zero));

        private static async Task<List<T>> All<T>(IAsyncEnumerable<T> items)
        {
            var list = new List<T>();
            await foreach (var i in items) list.Add(i);
            return list;
        }

        /// <summary>The example's scope as this client builds it, and the exports URL of that scope.</summary>
        private static (ExportScope Scope, string Url) ScopeOf(string example)
        {
            var scope = Examples.Parameters(Cm + example).GetProperty("scope").GetString()!;
            return (ExportScope.Parse(scope), $"{Arm}/{scope.TrimStart('/')}/providers/Microsoft.CostManagement/exports");
        }

        /// <summary>
        /// The same JSON: objects with the same members in any order, arrays in order, and date-time strings equal as
        /// instants ("2023-12-01T00:00:00.000Z" is "2023-12-01T00:00:00Z").
        /// </summary>
        internal static void AssertSameJson(JsonElement expected, JsonElement actual, string path = "$")
        {
            Assert.True(expected.ValueKind == actual.ValueKind, $"{path}: {expected.ValueKind} expected, {actual.ValueKind} sent");
            switch (expected.ValueKind)
            {
                case JsonValueKind.Object:
                    Assert.Equal(expected.EnumerateObject().Select(p => p.Name).OrderBy(n => n, StringComparer.Ordinal),
                        actual.EnumerateObject().Select(p => p.Name).OrderBy(n => n, StringComparer.Ordinal));
                    foreach (var p in expected.EnumerateObject()) AssertSameJson(p.Value, actual.GetProperty(p.Name), $"{path}.{p.Name}");
                    break;
                case JsonValueKind.Array:
                    Assert.Equal(expected.GetArrayLength(), actual.GetArrayLength());
                    for (var i = 0; i < expected.GetArrayLength(); i++) AssertSameJson(expected[i], actual[i], $"{path}[{i}]");
                    break;
                case JsonValueKind.String:
                    var e = expected.GetString()!;
                    var a = actual.GetString()!;
                    if (e.Contains('T') && DateTimeOffset.TryParse(e, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var ed)
                        && DateTimeOffset.TryParse(a, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var ad))
                        Assert.True(ed == ad, $"{path}: {e} expected, {a} sent");
                    else Assert.True(e == a, $"{path}: '{e}' expected, '{a}' sent");
                    break;
                default:
                    Assert.True(expected.GetRawText() == actual.GetRawText(), $"{path}: {expected.GetRawText()} expected, {actual.GetRawText()} sent");
                    break;
            }
        }

        // ---- scopes and routes ----

        public static IEnumerable<object[]> ScopeFactories() => new[]
        {
            new object[] { ExportScope.Subscription("00000000-0000-0000-0000-000000000000"), "/subscriptions/00000000-0000-0000-0000-000000000000", ExportScopeKind.Subscription },
            new object[] { ExportScope.ResourceGroup("00000000-0000-0000-0000-000000000000", "MYDEVTESTRG"), "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/MYDEVTESTRG", ExportScopeKind.ResourceGroup },
            new object[] { ExportScope.BillingAccount("123456"), "/providers/Microsoft.Billing/billingAccounts/123456", ExportScopeKind.BillingAccount },
            new object[] { ExportScope.BillingProfile("a1b2:c3d4_2019-05-31", "BP-1234"), "/providers/Microsoft.Billing/billingAccounts/a1b2%3Ac3d4_2019-05-31/billingProfiles/BP-1234", ExportScopeKind.BillingProfile },
            new object[] { ExportScope.InvoiceSection("a1b2:c3d4_2019-05-31", "BP-1234", "IS-5678"), "/providers/Microsoft.Billing/billingAccounts/a1b2%3Ac3d4_2019-05-31/billingProfiles/BP-1234/invoiceSections/IS-5678", ExportScopeKind.InvoiceSection },
            new object[] { ExportScope.Department("12", "1234"), "/providers/Microsoft.Billing/billingAccounts/12/departments/1234", ExportScopeKind.Department },
            new object[] { ExportScope.EnrollmentAccount("100", "456"), "/providers/Microsoft.Billing/billingAccounts/100/enrollmentAccounts/456", ExportScopeKind.EnrollmentAccount },
            new object[] { ExportScope.ManagementGroup("TestMG"), "/providers/Microsoft.Management/managementGroups/TestMG", ExportScopeKind.ManagementGroup },
            new object[] { ExportScope.Customer("123456", "cust-1"), "/providers/Microsoft.Billing/billingAccounts/123456/customers/cust-1", ExportScopeKind.Customer },
        };

        [Theory]
        [MemberData(nameof(ScopeFactories))]
        public async Task EveryScopeKindHasItsPathAndEveryOperationItsRoute(ExportScope scope, string path, ExportScopeKind kind)
        {
            Assert.Equal(path, scope.Path);
            Assert.Equal(kind, scope.Kind);
            Assert.Equal(path, ExportScope.Parse(path).Path);
            Assert.Equal(path, ExportScope.Parse(path.TrimStart('/')).Path);

            var t = new FakeTransport { Handler = _ => Reply.With(200, "{\"value\":[]}") };
            var s = Service(t);
            var exports = $"{Arm}{path}/providers/Microsoft.CostManagement/exports";
            await All(s.ListAsync(scope, false, Call(), default));
            await All(s.ListAsync(scope, true, Call(), default));
            await s.DeleteAsync(scope, "TestExport", Call(), default);
            await s.RunAsync(scope, "TestExport", null, null, Call(), default);
            await All(s.ListRunsAsync(scope, "TestExport", Call(), default));
            Assert.Equal(new[]
            {
                $"GET {exports}?api-version=2025-03-01",
                $"GET {exports}?api-version=2025-03-01&$expand=runHistory",
                $"DELETE {exports}/TestExport?api-version=2025-03-01",
                $"POST {exports}/TestExport/run?api-version=2025-03-01",
                $"GET {exports}/TestExport/runHistory?api-version=2025-03-01",
            }, t.Requests.Select(r => $"{r.Method} {r.Uri.AbsoluteUri}"));
        }

        [Theory]
        [InlineData("ExportDeleteByBillingAccount.json")]
        [InlineData("ExportDeleteByEnrollmentAccount.json")]
        [InlineData("ExportDeleteByManagementGroup.json")]
        [InlineData("ExportDeleteByResourceGroup.json")]
        [InlineData("ExportDeleteBySubscription.json")]
        public async Task DeleteGoesToTheExamplesUrlAndTakesItsEmpty200(string example)
        {
            var (scope, url) = ScopeOf(example);
            var t = new FakeTransport(Reply.With(200));
            await Service(t).DeleteAsync(scope, "TestExport", Call(), default);
            var r = t.Requests.Single();
            Assert.Equal("DELETE", r.Method);
            Assert.Equal($"{url}/TestExport?api-version=2025-03-01", r.Uri.AbsoluteUri);
        }

        [Theory]
        [InlineData("ExportRunByBillingAccount.json")]
        [InlineData("ExportRunByDepartment.json")]
        [InlineData("ExportRunByResourceGroup.json")]
        [InlineData("ExportRunBySubscription.json")]
        public async Task RunWithoutAPeriodPostsNoBody(string example)
        {
            var (scope, url) = ScopeOf(example);
            var t = new FakeTransport(Reply.With(200));
            await Service(t).RunAsync(scope, "TestExport", null, null, Call(), default);
            var r = t.Requests.Single();
            Assert.Equal("POST", r.Method);
            Assert.Equal($"{url}/TestExport/run?api-version=2025-03-01", r.Uri.AbsoluteUri);
            Assert.True(r.Body is null || r.Body.Length == 0);
        }

        [Fact]
        public async Task RunForAPeriodPostsTheExamplesOptionalBody()
        {
            const string example = "ExportRunByBillingAccountWithOptionalRequestBody.json";
            var (scope, url) = ScopeOf(example);
            var t = new FakeTransport(Reply.With(200));
            await Service(t).RunAsync(scope, "TestExport", new DateTime(2023, 12, 1), new DateTime(2023, 12, 31), Call(), default);
            var r = t.Requests.Single();
            Assert.Equal($"{url}/TestExport/run?api-version=2025-03-01", r.Uri.AbsoluteUri);
            Assert.Equal("application/json", r.Header("Content-Type"));
            using var sent = JsonDocument.Parse(r.Body!);
            AssertSameJson(Examples.Parameters(Cm + example).GetProperty("exportRunRequest"), sent.RootElement);
        }

        [Theory]
        [InlineData(null, "2023-12-31", "PeriodIncomplete")]
        [InlineData("2023-12-31", "2023-12-01", "EndBeforeStart")]
        [InlineData("2023-11-15", "2023-12-15", "TimePeriodTooLong")]
        public async Task RunPeriodIsCheckedBeforeAnyRequest(string? from, string? to, string errorId)
        {
            var t = new FakeTransport();
            DateTime? F(string? s) => s is null ? null : DateTime.Parse(s, CultureInfo.InvariantCulture);
            var ex = await Assert.ThrowsAsync<ExportDefinitionException>(() => Service(t).RunAsync(ExportScope.BillingAccount("123456"), "TestExport", F(from), F(to), Call(), default));
            Assert.Equal(errorId, ex.ErrorId);
            Assert.Equal(0, t.Count);
        }

        // ---- create or update: the bodies of the examples ----

        public static IEnumerable<object[]> CreateExamples() => new[]
        {
            "ExportCreateOrUpdateByBillingAccount.json", "ExportCreateOrUpdateByBillingAccountMonthly.json",
            "ExportCreateOrUpdateByBillingAccountPricesheet.json", "ExportCreateOrUpdateByBillingAccountReservationDetails.json",
            "ExportCreateOrUpdateByBillingAccountReservationTransactions.json", "ExportCreateOrUpdateByEnrollmentAccount.json",
            "ExportCreateOrUpdateByManagementGroup.json", "ExportCreateOrUpdateByResourceGroup.json", "ExportCreateOrUpdateBySubscription.json",
        }.Select(f => new object[] { f });

        [Theory]
        [MemberData(nameof(CreateExamples))]
        public async Task EachExampleRequestReadBackAndSentAgainIsTheSameBody(string example)
        {
            // The example request read as an export, its definition sent again: the body must be the example's.
            var request = Examples.Parameters(Cm + example).GetProperty("parameters");
            var (scope, url) = ScopeOf(example);
            var read = ExportJson.Export(request, scope);
            read.Name = "TestExport"; // a request body has no name: it is in the URL
            var t = new FakeTransport(Reply.With(201, Examples.Body(Cm + example, "201")));
            var created = await Service(t).CreateOrUpdateAsync(scope, ExportDefinition.From(read), null, Call(), default);
            var r = t.Requests.Single();
            Assert.Equal("PUT", r.Method);
            Assert.Equal($"{url}/TestExport?api-version=2025-03-01", r.Uri.AbsoluteUri);
            using var sent = JsonDocument.Parse(r.Body!);
            AssertSameJson(request, sent.RootElement);
            Assert.Equal("TestExport", created.Name);
            Assert.Equal(scope.Path, created.Scope);
        }

        [Fact]
        public async Task ADefinitionSetFieldByFieldSendsTheSubscriptionExampleAndReadsItsAnswer()
        {
            const string example = "ExportCreateOrUpdateBySubscription.json";
            var scope = ExportScope.Subscription("00000000-0000-0000-0000-000000000000");
            var d = new ExportDefinition("TestExport")
            {
                Dataset = "actualcost", DataVersion = "2023-05-01", Timeframe = "MonthToDate", Format = "csv", Compression = "Gzip",
                PartitionData = true, DataOverwriteBehavior = "OverwritePreviousReport", StorageAccountId = Storage, Container = "exports",
                RootFolderPath = "ad-hoc", Recurrence = "Daily", ScheduleFrom = new DateTime(2020, 6, 1, 0, 0, 0, DateTimeKind.Utc),
                ScheduleTo = new DateTime(2020, 6, 30, 0, 0, 0, DateTimeKind.Utc), Description = "This is a test export.",
                Location = "centralus", IdentityType = "SystemAssigned",
            };
            var t = new FakeTransport(Reply.With(201, Examples.Body(Cm + example, "201")));
            var e = await Service(t).CreateOrUpdateAsync(scope, d, null, Call(), default);

            using (var sent = JsonDocument.Parse(t.Requests.Single().Body!))
                AssertSameJson(Examples.Parameters(Cm + example).GetProperty("parameters"), sent.RootElement);
            Assert.Equal("TestExport", e.Name);
            Assert.Equal("/subscriptions/00000000-0000-0000-0000-000000000000", e.Scope);
            Assert.Equal("Subscription", e.ScopeKind);
            Assert.Equal("\"00000000-0000-0000-0000-000000000000\"", e.ETag);
            Assert.Equal("ActualCost", e.Dataset);
            Assert.Equal("2023-05-01", e.DataVersion);
            Assert.Equal("Daily", e.Granularity);
            Assert.Equal("MonthToDate", e.Timeframe);
            Assert.Null(e.TimePeriodStart);
            Assert.Equal("Csv", e.Format);
            Assert.Equal("Gzip", e.Compression); // the spec's "gzip", spelled as the cmdlets take it
            Assert.True(e.PartitionData);
            Assert.Equal("OverwritePreviousReport", e.DataOverwriteBehavior);
            Assert.Equal(Storage, e.StorageAccountId);
            Assert.Equal("exports", e.Container);
            Assert.Equal("ad-hoc", e.RootFolderPath);
            Assert.Equal("Active", e.ScheduleStatus);
            Assert.Equal("Daily", e.Recurrence);
            Assert.Equal(new DateTime(2020, 6, 1), e.ScheduleStartDate);
            Assert.Equal(new DateTime(2020, 6, 30), e.ScheduleEndDate);
            Assert.Equal(DateTimeKind.Utc, e.ScheduleStartDate!.Value.Kind);
            Assert.Equal(new DateTime(2020, 6, 1, 23, 0, 0), e.NextRunTime);
            Assert.Equal("This is a test export.", e.Description);
            Assert.Equal("centralus", e.Location);
            Assert.Equal("SystemAssigned", e.IdentityType);
            Assert.Empty(e.RunHistory);
        }

        [Fact]
        public void DefaultsAreFilledAndValuesSpelledAsTheServiceDoes()
        {
            var d = new ExportDefinition("x") { Dataset = "pricesheet", StorageAccountId = Storage, Container = "c", Recurrence = "monthly", ScheduleFrom = new DateTime(2027, 1, 1) };
            ExportRules.Normalize(d, ExportScope.BillingAccount("123456"));
            Assert.Equal("PriceSheet", d.Dataset);
            Assert.Equal("TheCurrentMonth", d.Timeframe);
            Assert.Null(d.Granularity); // the price sheet goes without one
            Assert.Equal("Active", d.ScheduleStatus);
            Assert.Equal("Monthly", d.Recurrence);

            var cost = new ExportDefinition("y") { Dataset = "FocusCost", DataVersion = "1.0-preview (v1)", Format = "Parquet", Compression = "snappy", StorageAccountId = Storage, Container = "c" };
            ExportRules.Normalize(cost, ExportScope.Subscription("00000000-0000-0000-0000-000000000000"));
            Assert.Equal("MonthToDate", cost.Timeframe);
            Assert.Equal("Daily", cost.Granularity);
            Assert.Equal("1.0-preview(v1)", cost.DataVersion);
            Assert.Equal("Snappy", cost.Compression);
            Assert.Null(cost.ScheduleStatus);
            var body = JsonDocument.Parse(JsonSerializer.SerializeToUtf8Bytes(ExportJson.Body(cost, null))).RootElement;
            Assert.Equal("snappy", body.GetProperty("properties").GetProperty("compressionMode").GetString());
            Assert.False(body.TryGetProperty("eTag", out _));
            Assert.False(body.TryGetProperty("location", out _));
            Assert.False(body.GetProperty("properties").TryGetProperty("schedule", out _));

            var oneTime = new ExportDefinition("z") { Dataset = "AmortizedCost", PeriodFrom = new DateTime(2026, 11, 1), PeriodTo = new DateTime(2026, 11, 30), StorageAccountId = Storage, Container = "c" };
            oneTime.ClearSchedule();
            ExportRules.Normalize(oneTime, ExportScope.BillingProfile("a:b_2019-05-31", "P1"));
            Assert.Equal("Custom", oneTime.Timeframe);
            var one = JsonDocument.Parse(JsonSerializer.SerializeToUtf8Bytes(ExportJson.Body(oneTime, null))).RootElement.GetProperty("properties");
            Assert.Equal("Inactive", one.GetProperty("schedule").GetProperty("status").GetString());
            Assert.False(one.GetProperty("schedule").TryGetProperty("recurrence", out _));
            Assert.Equal("2026-11-01T00:00:00Z", one.GetProperty("definition").GetProperty("timePeriod").GetProperty("from").GetString());
            Assert.Equal("2026-11-30T00:00:00Z", one.GetProperty("definition").GetProperty("timePeriod").GetProperty("to").GetString());
        }

        // ---- get, list, run history: the answers of the examples ----

        [Fact]
        public async Task GetReadsTheBillingAccountExampleAndKeepsTheScopeAsked()
        {
            const string example = "ExportGetByBillingAccount.json";
            var (scope, url) = ScopeOf(example);
            var t = new FakeTransport(Reply.With(200, Examples.Body(Cm + example)));
            var e = await Service(t).GetAsync(scope, "TestExport", false, Call(), default);
            Assert.Equal($"GET {url}/TestExport?api-version=2025-03-01", $"{t.Requests.Single().Method} {t.Requests.Single().Uri.AbsoluteUri}");
            Assert.Equal("/providers/Microsoft.Billing/billingAccounts/123456", e.Scope); // the example's id has a placeholder
            Assert.Equal("BillingAccount", e.ScopeKind);
            Assert.Equal("Custom", e.Timeframe);
            Assert.Equal(new DateTime(2020, 5, 1), e.TimePeriodStart);
            Assert.Equal(new DateTime(2020, 5, 31), e.TimePeriodEnd);
            Assert.Equal("Gzip", e.Compression);
            Assert.Null(e.ScheduleStatus);
            Assert.Null(e.Recurrence);
            Assert.Null(e.NextRunTime);
        }

        [Theory]
        [InlineData("ExportGetByBillingAccount.json")]
        [InlineData("ExportGetByDepartment.json")]
        [InlineData("ExportGetByManagementGroup.json")]
        [InlineData("ExportGetByResourceGroup.json")]
        [InlineData("ExportGetBySubscription.json")]
        public async Task GetWithRunHistoryReadsEveryGetExample(string example)
        {
            var (scope, url) = ScopeOf(example);
            using var doc = Examples.BodyDocument(Cm + example);
            var t = new FakeTransport(Reply.With(200, Examples.Body(Cm + example)));
            var e = await Service(t).GetAsync(scope, "TestExport", true, Call(), default);
            Assert.Equal($"{url}/TestExport?api-version=2025-03-01&$expand=runHistory", t.Requests.Single().Uri.AbsoluteUri);
            var p = doc.RootElement.GetProperty("properties");
            Assert.Equal(doc.RootElement.GetProperty("name").GetString(), e.Name);
            Assert.Equal(p.GetProperty("definition").GetProperty("type").GetString(), e.Dataset);
            Assert.Equal(p.GetProperty("deliveryInfo").GetProperty("destination").GetProperty("container").GetString(), e.Container);
            Assert.Equal(p.GetProperty("deliveryInfo").GetProperty("destination").GetProperty("resourceId").GetString(), e.StorageAccountId);
            Assert.Equal(doc.RootElement.TryGetProperty("eTag", out var tag) ? tag.GetString() : null, e.ETag);
            // Sent back, the definition read is the export as the example shows it.
            var again = JsonDocument.Parse(JsonSerializer.SerializeToUtf8Bytes(ExportJson.Body(ExportDefinition.From(e), e.ETag))).RootElement;
            Assert.Equal(p.GetProperty("definition").GetProperty("timeframe").GetString(), again.GetProperty("properties").GetProperty("definition").GetProperty("timeframe").GetString());
        }

        [Fact]
        public async Task ListReadsEveryExportOfTheSubscriptionExample()
        {
            const string example = "ExportsGetBySubscription.json";
            var (scope, url) = ScopeOf(example);
            using var doc = Examples.BodyDocument(Cm + example);
            var t = new FakeTransport(Reply.With(200, Examples.Body(Cm + example)));
            var list = await All(Service(t).ListAsync(scope, false, Call(), default));
            Assert.Equal($"{url}?api-version=2025-03-01", t.Requests.Single().Uri.AbsoluteUri);
            var value = doc.RootElement.GetProperty("value");
            Assert.Equal(value.GetArrayLength(), list.Count);
            Assert.Equal(value.EnumerateArray().Select(v => v.GetProperty("name").GetString()), list.Select(e => e.Name));
            Assert.Equal(new[] { "Date", "MeterId", "ResourceId", "ResourceLocation", "Quantity" }, list[0].Columns);
            Assert.Equal("Weekly", list[1].Recurrence);
            Assert.All(list, e => Assert.Equal(scope.Path, e.Scope));
        }

        [Theory]
        [InlineData("ExportsGetByBillingAccount.json")]
        [InlineData("ExportsGetByDepartment.json")]
        [InlineData("ExportsGetByEnrollmentAccount.json")]
        [InlineData("ExportsGetByResourceGroup.json")]
        public async Task ListReadsEveryListExample(string example)
        {
            var (scope, _) = ScopeOf(example);
            using var doc = Examples.BodyDocument(Cm + example);
            var t = new FakeTransport(Reply.With(200, Examples.Body(Cm + example)));
            var list = await All(Service(t).ListAsync(scope, false, Call(), default));
            Assert.Equal(doc.RootElement.GetProperty("value").GetArrayLength(), list.Count);
            Assert.All(list, e => Assert.False(string.IsNullOrEmpty(e.Name)));
        }

        [Theory]
        [InlineData("ExportRunHistoryGetByBillingAccount.json")]
        [InlineData("ExportRunHistoryGetByDepartment.json")]
        [InlineData("ExportRunHistoryGetByResourceGroup.json")]
        [InlineData("ExportRunHistoryGetBySubscription.json")]
        public async Task RunHistoryReadsEveryRunOfTheExamples(string example)
        {
            var (scope, url) = ScopeOf(example);
            using var doc = Examples.BodyDocument(Cm + example);
            var t = new FakeTransport(Reply.With(200, Examples.Body(Cm + example)));
            var runs = await All(Service(t).ListRunsAsync(scope, "TestExport", Call(), default));
            Assert.Equal($"{url}/TestExport/runHistory?api-version=2025-03-01", t.Requests.Single().Uri.AbsoluteUri);
            var value = doc.RootElement.GetProperty("value").EnumerateArray().ToList();
            Assert.Equal(value.Count, runs.Count);
            for (var i = 0; i < runs.Count; i++)
            {
                var id = value[i].GetProperty("id").GetString()!;
                var p = value[i].GetProperty("properties");
                Assert.Equal(id.Substring(id.LastIndexOf('/') + 1), runs[i].RunId);
                Assert.Equal("TestExport", runs[i].ExportName);
                Assert.Equal(scope.Path, runs[i].Scope);
                Assert.Equal(p.GetProperty("status").GetString(), runs[i].Status);
                Assert.Equal(p.GetProperty("executionType").GetString(), runs[i].ExecutionType);
                Assert.Equal(p.GetProperty("submittedTime").GetDateTimeOffset().UtcDateTime, runs[i].SubmittedTime);
                Assert.Equal(p.TryGetProperty("manifestFile", out var m) ? m.GetString() : null, runs[i].ManifestFile);
                Assert.Equal(p.TryGetProperty("fileName", out var f) ? f.GetString() : null, runs[i].FileName);
                Assert.True(runs[i].IsFinished);
            }
        }

        [Fact]
        public async Task RunHistoryOfTheSubscriptionExampleInDetail()
        {
            var (scope, _) = ScopeOf("ExportRunHistoryGetBySubscription.json");
            var t = new FakeTransport(Reply.With(200, Examples.Body(Cm + "ExportRunHistoryGetBySubscription.json")));
            var run = (await All(Service(t).ListRunsAsync(scope, "TestExport", Call(), default)))[0];
            Assert.Equal("1e25d58a-a3b0-4916-9542-6e04a89bc100", run.RunId);
            Assert.Equal("OnDemand", run.ExecutionType);
            Assert.Equal("Completed", run.Status);
            Assert.Equal("john.doe@gmail.com", run.SubmittedBy);
            Assert.Equal(new DateTime(2018, 8, 3, 7, 52, 16, DateTimeKind.Utc).AddTicks(9123797), run.ProcessingStartTime);
            Assert.Equal(new DateTime(2020, 6, 1), run.StartDate);
            Assert.Equal(new DateTime(2020, 6, 30), run.EndDate);
            Assert.Equal("ScheduledTestsForJohnDoe/JohnDoeSchedule/20180729-20180804/manifestfile", run.ManifestFile);
            Assert.Null(run.ErrorCode);
        }

        [Fact]
        public async Task AFailedRunCarriesItsErrorAndAQueuedOneIsNotFinished()
        {
            var body = "{\"value\":[{\"id\":\"/subscriptions/s/providers/Microsoft.CostManagement/exports/e1/Run/r1\",\"properties\":{\"status\":\"Failed\",\"error\":{\"code\":\"StorageAccessDenied\",\"message\":\"No access.\"}}},"
                + "{\"id\":\"/subscriptions/s/providers/Microsoft.CostManagement/exports/e1/Run/r2\",\"properties\":{\"status\":\"Queued\"}}]}";
            var t = new FakeTransport(Reply.With(200, body));
            var runs = await All(Service(t).ListRunsAsync(ExportScope.Subscription("00000000-0000-0000-0000-000000000001"), "e1", Call(), default));
            Assert.Equal("r1", runs[0].RunId);
            Assert.Equal("StorageAccessDenied", runs[0].ErrorCode);
            Assert.Equal("No access.", runs[0].ErrorMessage);
            Assert.True(runs[0].IsFinished);
            Assert.False(runs[1].IsFinished);
        }

        // ---- the eTag, and a name already taken ----

        private static ExportDefinition Valid(string name = "TestExport") => new ExportDefinition(name)
        {
            Dataset = "ActualCost", StorageAccountId = Storage, Container = "exports",
        };

        [Fact]
        public async Task UpdateSendsTheETagJustReadAndA412BecomesTheConflictError()
        {
            const string example = "ExportGetByBillingAccount.json";
            var (scope, _) = ScopeOf(example);
            var t = new FakeTransport(
                Reply.With(200, Examples.Body(Cm + example)),
                Reply.With(412, TestArm.ArmError("PreconditionFailed", "The specified eTag does not match.")));
            var ex = await Assert.ThrowsAsync<ExportConflictException>(() =>
                Service(t).UpdateAsync(scope, "TestExport", d => d.RootFolderPath = "monthly", Call(), default));
            Assert.Equal(2, t.Count);
            using var sent = JsonDocument.Parse(t.Requests[1].Body!);
            Assert.Equal("\"00000000-0000-0000-0000-000000000000\"", sent.RootElement.GetProperty("eTag").GetString());
            Assert.Equal("monthly", sent.RootElement.GetProperty("properties").GetProperty("deliveryInfo").GetProperty("destination").GetProperty("rootFolderPath").GetString());
            Assert.Equal("Custom", sent.RootElement.GetProperty("properties").GetProperty("definition").GetProperty("timeframe").GetString());
            Assert.Equal(412, ex.Status);
            Assert.Equal("TestExport", ex.ExportName);
            Assert.Contains("changed by someone else", ex.Message);
            Assert.Contains("Read the export again", ex.Message);
        }

        [Theory]
        [InlineData(409, "Conflict", "The eTag of the export is stale.")]
        [InlineData(400, "InvalidETag", "Bad request.")]
        [InlineData(412, "Whatever", "Precondition failed.")]
        public async Task AnETagMismatchOfAnyStatusIsTheConflictError(int status, string code, string message)
        {
            var t = new FakeTransport(Reply.With(status, TestArm.ArmError(code, message)));
            await Assert.ThrowsAsync<ExportConflictException>(() =>
                Service(t).CreateOrUpdateAsync(ExportScope.BillingAccount("123456"), Valid(), "\"1\"", Call(), default));
        }

        [Fact]
        public async Task OtherRejectionsOfAnUpdateStayWhatTheyAre()
        {
            var t = new FakeTransport(Reply.With(400, TestArm.ArmError("BadRequest", "The container name is invalid.")));
            var ex = await Assert.ThrowsAsync<ArmException>(() =>
                Service(t).CreateOrUpdateAsync(ExportScope.BillingAccount("123456"), Valid(), "\"1\"", Call(), default));
            Assert.IsNotType<ExportConflictException>(ex);
            Assert.Equal(400, ex.Status);
        }

        [Fact]
        public async Task CreateRefusesANameAlreadyTakenWithoutReplacingIt()
        {
            var t = new FakeTransport(Reply.With(200, Examples.Body(Cm + "ExportGetBySubscription.json")));
            var ex = await Assert.ThrowsAsync<ExportExistsException>(() =>
                Service(t).CreateAsync(ExportScope.Subscription("00000000-0000-0000-0000-000000000000"), Valid(), Call(), default));
            Assert.Equal("ExportAlreadyExists", ex.Code);
            Assert.Equal("GET", t.Requests.Single().Method);
        }

        [Fact]
        public async Task CreateOfANewNamePutsWithoutAnETag()
        {
            var t = new FakeTransport(
                Reply.With(404, TestArm.ArmError("NotFound", "Export not found.")),
                Reply.With(201, Examples.Body(Cm + "ExportCreateOrUpdateBySubscription.json", "201")));
            var e = await Service(t).CreateAsync(ExportScope.Subscription("00000000-0000-0000-0000-000000000000"), Valid(), Call(), default);
            Assert.Equal(new[] { "GET", "PUT" }, t.Requests.Select(r => r.Method));
            using var sent = JsonDocument.Parse(t.Requests[1].Body!);
            Assert.False(sent.RootElement.TryGetProperty("eTag", out _));
            Assert.Equal("TestExport", e.Name);
        }

        // ---- checks before any request ----

        public static IEnumerable<object[]> BadDefinitions()
        {
            ExportDefinition V(Action<ExportDefinition> change) { var d = Valid(); change(d); return d; }
            var sub = ExportScope.Subscription("00000000-0000-0000-0000-000000000000");
            var account = ExportScope.BillingAccount("123456");
            var mg = ExportScope.ManagementGroup("TestMG");
            return new[]
            {
                new object[] { V(d => d.Dataset = null), sub, "DatasetRequired" },
                new object[] { V(d => d.Dataset = "Invoices"), sub, "InvalidDataset" },
                new object[] { V(d => { d.Format = "Csv"; d.Compression = "Snappy"; }), sub, "InvalidCompression" },
                new object[] { V(d => { d.Compression = "Snappy"; }), sub, "InvalidCompression" }, // Csv by default
                new object[] { V(d => { d.Format = "Parquet"; d.Compression = "Gzip"; }), sub, "InvalidCompression" },
                new object[] { V(d => d.Compression = "zip"), sub, "InvalidCompression" },
                new object[] { V(d => d.Format = "Json"), sub, "InvalidFormat" },
                new object[] { V(d => { d.Dataset = "ReservationDetails"; d.Format = "Parquet"; }), account, "FormatNotSupported" },
                new object[] { V(d => d.Format = "Parquet"), mg, "FormatNotSupported" },
                new object[] { V(d => { d.Dataset = "FocusCost"; d.DataVersion = "2023-05-01"; }), sub, "InvalidDataVersion" },
                new object[] { V(d => d.DataVersion = "1.0r2"), sub, "InvalidDataVersion" },
                new object[] { V(d => d.Dataset = "FocusCost"), mg, "DatasetNotSupportedAtScope" },
                new object[] { V(d => d.Dataset = "PriceSheet"), sub, "DatasetNotSupportedAtScope" },
                new object[] { V(d => d.Dataset = "ReservationRecommendations"), ExportScope.Department("12", "1234"), "DatasetNotSupportedAtScope" },
                new object[] { V(d => d.Granularity = "Hourly"), sub, "InvalidGranularity" },
                new object[] { V(d => d.Timeframe = "Custom"), sub, "CustomTimeframeNeedsPeriod" },
                new object[] { V(d => { d.Timeframe = "Custom"; d.PeriodFrom = new DateTime(2026, 11, 1); }), sub, "CustomTimeframeNeedsPeriod" },
                new object[] { V(d => { d.PeriodFrom = new DateTime(2026, 11, 30); d.PeriodTo = new DateTime(2026, 11, 1); }), sub, "EndBeforeStart" },
                new object[] { V(d => { d.Timeframe = "MonthToDate"; d.PeriodFrom = new DateTime(2026, 11, 1); d.PeriodTo = new DateTime(2026, 11, 30); }), sub, "TimePeriodNeedsCustomTimeframe" },
                new object[] { V(d => d.Timeframe = "LastYear"), sub, "InvalidTimeframe" },
                new object[] { V(d => d.Recurrence = "Daily"), sub, "ScheduleNeedsStartDate" },
                new object[] { V(d => d.ScheduleStatus = "Active"), sub, "ScheduleNeedsRecurrence" },
                new object[] { V(d => d.Recurrence = "Hourly"), sub, "InvalidRecurrence" },
                new object[] { V(d => { d.Recurrence = "Daily"; d.ScheduleFrom = new DateTime(2027, 1, 2); d.ScheduleTo = new DateTime(2027, 1, 1); }), sub, "ScheduleEndBeforeStart" },
                new object[] { V(d => d.DataOverwriteBehavior = "Append"), sub, "InvalidDataOverwriteBehavior" },
                new object[] { V(d => d.StorageAccountId = null), sub, "StorageAccountIdRequired" },
                new object[] { V(d => d.StorageAccountId = "ccmeastusdiag182"), sub, "InvalidStorageAccountId" },
                new object[] { V(d => d.Container = " "), sub, "ContainerRequired" },
                new object[] { new ExportDefinition("a/b") { Dataset = "ActualCost", StorageAccountId = Storage, Container = "c" }, sub, "InvalidExportName" },
            };
        }

        [Theory]
        [MemberData(nameof(BadDefinitions))]
        public async Task ABadDefinitionIsRefusedBeforeAnyRequestWithItsId(ExportDefinition d, ExportScope scope, string errorId)
        {
            var t = new FakeTransport();
            var ex = await Assert.ThrowsAsync<ExportDefinitionException>(() => Service(t).CreateAsync(scope, d, Call(), default));
            Assert.Equal(errorId, ex.ErrorId);
            Assert.False(string.IsNullOrWhiteSpace(ex.Message));
            Assert.Equal(0, t.Count);
        }

        [Theory]
        [InlineData("ActualCost", "Csv", "Gzip")]
        [InlineData("AmortizedCost", "Parquet", "Snappy")]
        [InlineData("FocusCost", "Parquet", "None")]
        [InlineData("Usage", "Csv", "None")]
        [InlineData("ReservationDetails", "Csv", "Gzip")] // as the reservation examples send it
        public void GoodFormatAndCompressionPairsPass(string dataset, string format, string compression)
        {
            var d = new ExportDefinition("x") { Dataset = dataset, Format = format, Compression = compression, StorageAccountId = Storage, Container = "c" };
            ExportRules.Normalize(d, ExportScope.BillingAccount("123456"));
            Assert.Equal(compression, d.Compression);
        }

        [Theory]
        [InlineData("1.0")]
        [InlineData("1.0r2")]
        [InlineData("1.0-preview(v1)")]
        [InlineData("1.2-preview")]
        public void FocusVersionsPass(string version)
        {
            var d = new ExportDefinition("x") { Dataset = "FocusCost", DataVersion = version, StorageAccountId = Storage, Container = "c" };
            ExportRules.Normalize(d, ExportScope.BillingProfile("a:b_2019-05-31", "P1"));
            Assert.Equal(version, d.DataVersion);
        }

        [Theory]
        [InlineData("2023-12-01", "2023-12-31", null)]
        [InlineData("2024-02-01", "2024-02-29", null)]
        [InlineData("2026-01-15", "2026-02-14", null)]
        [InlineData("2026-01-15", "2026-02-15", "TimePeriodTooLong")]
        [InlineData("2026-01-15", "2026-01-15", null)]
        [InlineData("2026-01-15", "2026-01-14", "EndBeforeStart")]
        public void APeriodIsAtMostOneCalendarMonth(string from, string to, string? errorId)
        {
            var f = DateTime.Parse(from, CultureInfo.InvariantCulture);
            var t = DateTime.Parse(to, CultureInfo.InvariantCulture);
            if (errorId is null)
            {
                var (pf, pt) = ExportRules.CheckPeriod(f, t);
                Assert.Equal(DateTimeKind.Utc, pf.Kind);
                Assert.Equal(t, pt);
            }
            else Assert.Equal(errorId, Assert.Throws<ExportDefinitionException>(() => ExportRules.CheckPeriod(f, t)).ErrorId);
        }

        [Fact]
        public void AScheduleStartMustBeAhead()
        {
            var now = new DateTimeOffset(2026, 12, 7, 12, 0, 0, TimeSpan.Zero);
            Assert.Equal("ScheduleStartInPast", Assert.Throws<ExportDefinitionException>(() => ExportRules.CheckScheduleStart(new DateTime(2026, 12, 7), now)).ErrorId);
            Assert.Equal(new DateTime(2026, 12, 8), ExportRules.CheckScheduleStart(new DateTime(2026, 12, 8), now));
        }

        [Theory]
        [InlineData("subscriptions/00000000-0000-0000-0000-000000000000/providers/Microsoft.CostManagement/exports/TestExport")]
        [InlineData("/subscriptions")]
        [InlineData("/providers/Microsoft.Billing/billingAccounts")]
        [InlineData("/providers/Microsoft.Billing/billingAccounts/1/invoiceSections/2")]
        [InlineData("/resourceGroups/rg")]
        [InlineData("")]
        public void AScopeOfNoKnownKindIsRefused(string scope)
        {
            Assert.Equal("InvalidScope", Assert.Throws<ExportDefinitionException>(() => ExportScope.Parse(scope)).ErrorId);
        }

        [Fact]
        public void ScopesParseInAnyCaseAndSpellTheirSegmentsAsTheSpec()
        {
            var s = ExportScope.Parse("/SUBSCRIPTIONS/00000000-0000-0000-0000-00000000000A/resourcegroups/Rg1/");
            Assert.Equal(ExportScopeKind.ResourceGroup, s.Kind);
            Assert.Equal("/subscriptions/00000000-0000-0000-0000-00000000000a/resourceGroups/Rg1", s.Path);
            var p = ExportScope.Parse("providers/microsoft.billing/billingaccounts/a%3Ab_2019-05-31/billingprofiles/P1/invoicesections/S1");
            Assert.Equal(ExportScopeKind.InvoiceSection, p.Kind);
            Assert.Equal("/providers/Microsoft.Billing/billingAccounts/a%3Ab_2019-05-31/billingProfiles/P1/invoiceSections/S1", p.Path);
        }
    }
}
