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
    /// ExportService.BackfillAsync and StartAsync against a scripted export (FakeTransport): one run per whole month,
    /// throttled submissions submitted again, a month that still fails reported by name while the others go on, a rerun
    /// that submits only the months without a completed run, and -Wait following the run history
    /// (src/BillingPowerShell.Engine/Exports/README.md, "Start, backfill and wait").
    /// </summary>
    public sealed class ExportBackfillTests
    {
        private const string Arm = "https://management.azure.com";
        private static readonly ExportScope Scope = ExportScope.BillingAccount("123456");
        private static readonly DateTime Today = new DateTime(2026, 12, 7, 0, 0, 0, DateTimeKind.Utc);

        /// <summary>One export's run history, kept by the fake service: POST …/run adds a Queued run, each read of the
        /// history moves every run one step (Queued → InProgress → its end).</summary>
        private sealed class FakeExport
        {
            public List<(string Id, DateTime From, DateTime To, string Status, string End)> Runs { get; } = new();
            /// <summary>The answer to a run request for a month (yyyy-MM) and its attempt number, or null to queue the run.</summary>
            public Func<string, int, Reply?> Refuse { get; set; } = (_, _) => null;
            /// <summary>How a run of a month ends: Completed unless said otherwise; "Queued" never moves.</summary>
            public Func<string, string> EndOf { get; set; } = _ => "Completed";
            public Dictionary<string, int> Attempts { get; } = new();
            public List<string> Submitted { get; } = new();
            public int HistoryReads { get; private set; }

            public void Add(string month, string status)
            {
                var from = DateTime.ParseExact(month + "-01", "yyyy-MM-dd", CultureInfo.InvariantCulture);
                Runs.Add((Guid.NewGuid().ToString(), from, from.AddMonths(1).AddDays(-1), status, status));
            }

            public Reply Answer(RecordedRequest r)
            {
                if (r.Method == "POST")
                {
                    using var body = JsonDocument.Parse(r.Body!);
                    var from = DateTime.Parse(body.RootElement.GetProperty("timePeriod").GetProperty("from").GetString()!, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal);
                    var to = DateTime.Parse(body.RootElement.GetProperty("timePeriod").GetProperty("to").GetString()!, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal);
                    var month = from.ToString("yyyy-MM", CultureInfo.InvariantCulture);
                    Attempts[month] = Attempts.TryGetValue(month, out var n) ? n + 1 : 1;
                    if (Refuse(month, Attempts[month]) is { } refusal) return refusal;
                    Submitted.Add(month);
                    Runs.Add((Guid.NewGuid().ToString(), from.Date, to.Date, "Queued", EndOf(month)));
                    return Reply.With(200);
                }
                HistoryReads++;
                var value = Runs.Select(x => Json(x)).ToList();
                for (var i = 0; i < Runs.Count; i++)
                {
                    var x = Runs[i];
                    if (x.Status == "Queued" && x.End != "Queued") Runs[i] = (x.Id, x.From, x.To, "InProgress", x.End);
                    else if (x.Status == "InProgress") Runs[i] = (x.Id, x.From, x.To, x.End, x.End);
                }
                return Reply.With(200, "{\"value\":[" + string.Join(",", value) + "]}");
            }

            private static string Json((string Id, DateTime From, DateTime To, string Status, string End) x) =>
                $"{{\"id\":\"/providers/Microsoft.Billing/billingAccounts/123456/providers/Microsoft.CostManagement/exports/e1/Run/{x.Id}\",\"properties\":{{"
                + $"\"status\":\"{x.Status}\",\"executionType\":\"OnDemand\",\"submittedTime\":\"{DateTime.UtcNow:O}\","
                + $"\"startDate\":\"{x.From:yyyy-MM-dd}T00:00:00Z\",\"endDate\":\"{x.To:yyyy-MM-dd}T00:00:00Z\","
                + (x.Status == "Completed" ? $"\"manifestFile\":\"e1/{x.From:yyyyMMdd}-{x.To:yyyyMMdd}/{x.Id}/manifest.json\"," : "")
                + (x.Status == "Failed" ? "\"error\":{\"code\":\"ExportRunFailed\",\"message\":\"The export run failed.\"}," : "")
                + "\"runSettings\":{\"format\":\"Csv\",\"compressionMode\":\"gzip\",\"definition\":{\"type\":\"ActualCost\"},"
                + "\"deliveryInfo\":{\"destination\":{\"resourceId\":\"/subscriptions/s/resourceGroups/rg/providers/Microsoft.Storage/storageAccounts/acct\",\"container\":\"exports\",\"rootFolderPath\":\"root\"}}}}}";
        }

        private static (ExportService Service, FakeTransport Transport) Service(FakeExport export)
        {
            var t = new FakeTransport { Handler = export.Answer };
            var options = new ArmClientOptions(new Uri(Arm), Arm + "/.default");
            options.Retry.BaseDelay = TimeSpan.FromMilliseconds(1);
            options.Retry.MaxDelay = TimeSpan.FromMilliseconds(5);
            options.Retry.MaxRetries = 1;
            var client = new BillingClient(new ArmClient(new FakeCredential(), options, t), new BlobClient(TestArm.FastRetry(), t), new BillingContext());
            return (client.Exports, t);
        }

        private static ExportRunOptions Fast(bool wait = false) => new ExportRunOptions
        {
            Wait = wait, FirstPoll = TimeSpan.FromMilliseconds(1), MaxPoll = TimeSpan.FromMilliseconds(2),
            SubmitBackoff = TimeSpan.FromMilliseconds(1), Timeout = TimeSpan.FromMinutes(1),
        };

        private sealed class Reports
        {
            public List<ItemFailure> Failures { get; } = new();
            public List<string> Verbose { get; } = new();
            public List<CallProgress> Progress { get; } = new();

            public CallContext Call() => new CallContext("Start-BillingExport", new DateTimeOffset(Today.AddHours(12)))
            {
                ItemFailed = f => { lock (Failures) Failures.Add(f); },
                Verbose = v => { lock (Verbose) Verbose.Add(v); },
                Progress = p => { lock (Progress) Progress.Add(p); },
            };
        }

        private static async Task<List<BillingExportRun>> Backfill(ExportService s, Reports r, ExportRunOptions o, string from = "2025-11-15", string to = "2026-11-20")
        {
            var list = new List<BillingExportRun>();
            await foreach (var run in s.BackfillAsync(Scope, "e1", DateTime.Parse(from, CultureInfo.InvariantCulture), DateTime.Parse(to, CultureInfo.InvariantCulture), o, r.Call(), default))
                list.Add(run);
            return list;
        }

        private static readonly string[] Thirteen = Enumerable.Range(0, 13).Select(i => new DateTime(2025, 11, 1).AddMonths(i).ToString("yyyy-MM", CultureInfo.InvariantCulture)).ToArray();

        [Fact]
        public void MonthsAreWholeCalendarMonthsEndingYesterdayAtTheLatest()
        {
            var months = ExportRunPeriod.Months(new DateTime(2025, 1, 15), new DateTime(2025, 3, 10), Today);
            Assert.Equal(new[] { "2025-01", "2025-02", "2025-03" }, months.Select(m => m.Label));
            Assert.Equal(new DateTime(2025, 2, 28), months[1].To);
            var current = ExportRunPeriod.Months(new DateTime(2026, 11, 5), Today, Today);
            Assert.Equal(new DateTime(2026, 12, 6), current[1].To);
            Assert.Equal("2026-12", current[1].Label); // the month so far is still named by its month
            Assert.Empty(ExportRunPeriod.Months(new DateTime(2026, 12, 1), new DateTime(2026, 12, 1), new DateTime(2026, 12, 1)));
        }

        [Fact]
        public async Task ABackfillUnderThrottlingSubmitsEveryMonthOnceAndHonoursTheServicesWait()
        {
            // Every month's first three requests are throttled: more than the pipeline's own retry (one here).
            var export = new FakeExport { Refuse = (_, n) => n <= 3 ? Reply.With(429, "{\"error\":{\"code\":\"429\",\"message\":\"Too many requests.\"}}", ("retry-after-ms", "30")) : null };
            var (s, t) = Service(export);
            var reports = new Reports();
            var runs = await Backfill(s, reports, Fast());
            Assert.Empty(runs);
            Assert.Empty(reports.Failures);
            Assert.Equal(Thirteen, export.Submitted);
            Assert.Equal(1, export.HistoryReads);
            Assert.Contains(reports.Verbose, v => v.Contains("2025-11") && v.Contains("in 30 ms"));
            Assert.Equal(13, reports.Progress.Last().Done);
            var bodies = t.Requests.Where(r => r.Method == "POST").Select(r => r.BodyText).Distinct().ToList();
            Assert.Contains("{\"timePeriod\":{\"from\":\"2026-02-01T00:00:00Z\",\"to\":\"2026-02-28T00:00:00Z\"}}", bodies);
        }

        [Fact]
        public async Task AMonthThatStaysThrottledIsNamedAndTheOthersGoOn()
        {
            var export = new FakeExport { Refuse = (m, _) => m == "2026-03" ? Reply.With(429, "{\"error\":{\"code\":\"429\",\"message\":\"Too many requests.\"}}", ("Retry-After", "0")) : null };
            var (s, _) = Service(export);
            var reports = new Reports();
            var options = Fast();
            await Backfill(s, reports, options);
            Assert.Equal(Thirteen.Where(m => m != "2026-03"), export.Submitted);
            Assert.Equal(options.SubmitAttempts * 2, export.Attempts["2026-03"]); // each round is the pipeline's request and its one retry
            var f = Assert.Single(reports.Failures);
            var error = Assert.IsType<ExportRunException>(f.Error);
            Assert.Equal(ExportRunException.NotSubmitted, error.ErrorId);
            Assert.Equal("2026-03", error.Period);
            Assert.Equal("2026-03", f.Target);
            Assert.Contains("Month 2026-03", error.Message);
            Assert.True(error.Cause!.IsThrottled);
        }

        [Fact]
        public async Task AMonthTheServiceRefusesIsNotRetried()
        {
            var export = new FakeExport { Refuse = (m, _) => m == "2026-01" ? Reply.With(400, "{\"error\":{\"code\":\"BadRequest\",\"message\":\"No.\"}}") : null };
            var (s, _) = Service(export);
            var reports = new Reports();
            await Backfill(s, reports, Fast());
            Assert.Equal(1, export.Attempts["2026-01"]);
            Assert.Equal(ExportRunException.Rejected, Assert.IsType<ExportRunException>(Assert.Single(reports.Failures).Error).ErrorId);
            Assert.Equal(12, export.Submitted.Count);
        }

        [Fact]
        public async Task ARerunSubmitsOnlyTheMonthsWithoutACompletedOrOngoingRun()
        {
            var export = new FakeExport();
            foreach (var m in Thirteen) export.Add(m, "Completed");
            export.Runs.RemoveAll(r => r.From.Month is 2 or 5 or 7 && r.From.Year == 2026);
            export.Add("2026-02", "Failed");                     // failed: submitted again
            export.Add("2026-05", "Queued");                     // still queued: followed, not submitted again
            export.Add("2026-07", "Failed");
            export.Add("2026-07", "Completed");                  // a later run completed: done
            var (s, _) = Service(export);
            var reports = new Reports();
            var runs = await Backfill(s, reports, Fast());
            Assert.Equal(new[] { "2026-02" }, export.Submitted);
            Assert.Empty(runs);
            Assert.Contains(reports.Verbose, v => v.Contains("2026-05") && v.Contains("Queued"));
        }

        [Fact]
        public async Task WaitYieldsEveryMonthsCompletedRunAndNamesTheFailedOne()
        {
            var export = new FakeExport { EndOf = m => m == "2026-04" ? "Failed" : "Completed" };
            export.Add("2025-11", "Completed");
            var (s, _) = Service(export);
            var reports = new Reports();
            var runs = await Backfill(s, reports, Fast(wait: true));
            Assert.Equal(Thirteen.Where(m => m != "2026-04"), runs.Select(r => r.StartDate!.Value.ToString("yyyy-MM", CultureInfo.InvariantCulture)));
            Assert.All(runs, r => Assert.Equal("Completed", r.Status));
            Assert.All(runs, r => Assert.Equal("exports", r.Container));
            Assert.All(runs, r => Assert.Equal("ActualCost", r.Dataset));
            Assert.All(runs, r => Assert.EndsWith("manifest.json", r.ManifestFile));
            Assert.Equal("/subscriptions/s/resourceGroups/rg/providers/Microsoft.Storage/storageAccounts/acct", runs[0].StorageAccountId);
            var error = Assert.IsType<ExportRunException>(Assert.Single(reports.Failures).Error);
            Assert.Equal(ExportRunException.Failed, error.ErrorId);
            Assert.Equal("2026-04", error.Period);
            Assert.Contains("ExportRunFailed", error.Message);
            Assert.Equal(12, export.Submitted.Count);
            Assert.Contains(reports.Progress, p => p.Item == "2026-04: Failed");
            Assert.Equal(13, reports.Progress.Last().Done);
        }

        [Fact]
        public async Task WaitEndsAtItsTimeoutAndNamesTheRunStillQueued()
        {
            var export = new FakeExport { EndOf = m => m == "2026-06" ? "Queued" : "Completed" };
            var (s, _) = Service(export);
            var reports = new Reports();
            var o = Fast(wait: true);
            o.Timeout = TimeSpan.FromMilliseconds(300);
            var runs = await Backfill(s, reports, o);
            Assert.Equal(12, runs.Count);
            var error = Assert.IsType<ExportRunException>(Assert.Single(reports.Failures).Error);
            Assert.Equal(ExportRunException.TimedOut, error.ErrorId);
            Assert.Equal("2026-06", error.Period);
            Assert.Contains("still Queued", error.Message);
        }

        [Fact]
        public async Task StartWithWaitFollowsTheNewRunOfTheExportsTimeframe()
        {
            var export = new FakeExport();
            export.Add("2026-10", "Completed"); // an older run, not this command's
            var t = new FakeTransport();
            t.Handler = r =>
            {
                if (r.Method != "POST") return export.Answer(r);
                export.Runs.Add((Guid.NewGuid().ToString(), new DateTime(2026, 11, 1), new DateTime(2026, 11, 30), "Queued", "Completed"));
                return Reply.With(200);
            };
            var options = new ArmClientOptions(new Uri(Arm), Arm + "/.default");
            var client = new BillingClient(new ArmClient(new FakeCredential(), options, t), new BlobClient(TestArm.FastRetry(), t), new BillingContext());
            var reports = new Reports();
            var runs = new List<BillingExportRun>();
            await foreach (var run in client.Exports.StartAsync(Scope, "e1", null, null, Fast(wait: true), reports.Call(), default)) runs.Add(run);
            var only = Assert.Single(runs);
            Assert.Equal(new DateTime(2026, 11, 1), only.StartDate);
            Assert.Equal("Completed", only.Status);
            Assert.DoesNotContain(t.Requests, r => r.Method == "POST" && r.Body is { Length: > 0 });
        }

        [Fact]
        public async Task StartWithoutWaitSendsOnlyTheRunRequest()
        {
            var export = new FakeExport();
            var (s, t) = Service(export);
            var runs = new List<BillingExportRun>();
            await foreach (var run in s.StartAsync(Scope, "e1", new DateTime(2026, 10, 1), new DateTime(2026, 10, 31), Fast(), new Reports().Call(), default)) runs.Add(run);
            Assert.Empty(runs);
            Assert.Equal("POST", Assert.Single(t.Requests).Method);
        }
    }
}
