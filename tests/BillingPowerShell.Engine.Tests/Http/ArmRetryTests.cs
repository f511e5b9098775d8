using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Net.Http;
using System.Threading;
using System.Threading.Tasks;
using Azure.Core;
using BillingPowerShell.Engine.Http;

namespace BillingPowerShell.Engine.Tests.Http
{
    public sealed class ArmRetryTests
    {
        private const string Path = "/providers/Microsoft.Billing/billingAccounts?api-version=2024-04-01";

        private static Task<ArmResponse> Get(ArmClient arm, CallContext? ctx = null, CancellationToken ct = default) =>
            arm.GetAsync(Path, ctx ?? new CallContext("Test-Cmd"), ct);

        [Theory]
        [InlineData(408)]
        [InlineData(429)]
        [InlineData(500)]
        [InlineData(502)]
        [InlineData(503)]
        [InlineData(504)]
        public async Task RetriesTransientStatusThenSucceeds(int status)
        {
            var t = new FakeTransport(Reply.With(status, TestArm.ArmError("Busy", "try later")), Reply.With(status), Reply.With(200, "{\"value\":[]}"));
            var ctx = new CallContext("Test-Cmd");
            var statuses = new ConcurrentQueue<int>();
            ctx.Retrying += (s, _) => statuses.Enqueue(s);
            using var r = await Get(TestArm.Client(t), ctx);
            Assert.Equal(200, r.Status);
            Assert.Equal(3, t.Count);
            Assert.Equal(new[] { status, status }, statuses.ToArray());
            Assert.Equal(2, ctx.Retries);
            Assert.Equal(3, ctx.Requests);
            Assert.Equal(status == 429 ? 2 : 0, ctx.Throttled);
        }

        [Theory]
        [InlineData(429)]
        [InlineData(503)]
        public async Task BoundedByMaxRetriesThenSurfacesArmExceptionWithIdentifiers(int status)
        {
            var t = new FakeTransport { Handler = _ => Reply.With(status, TestArm.ArmError("TooManyRequests", "Slow down please.", "billingAccounts"),
                ("x-ms-request-id", "req-123"), ("x-ms-correlation-request-id", "corr-456")) };
            var ex = await Assert.ThrowsAsync<ArmException>(() => Get(TestArm.Client(t, o => o.Retry.MaxRetries = 2)));
            Assert.Equal(3, t.Count); // 1 + MaxRetries
            Assert.Equal(status, ex.Status);
            Assert.Equal("TooManyRequests", ex.Code);
            Assert.Equal("Slow down please.", ex.Message);
            Assert.Equal("billingAccounts", ex.Target);
            Assert.Equal("req-123", ex.RequestId);
            Assert.Equal("corr-456", ex.CorrelationId);
            Assert.Contains("req-123", ex.Describe());
            Assert.Contains("corr-456", ex.Describe());
        }

        [Theory]
        [InlineData(400)]
        [InlineData(401)]
        [InlineData(403)]
        [InlineData(404)]
        public async Task NoRetryOnClientErrors(int status)
        {
            var t = new FakeTransport { Handler = _ => Reply.With(status, TestArm.ArmError("Nope", "not for you")) };
            var ctx = new CallContext("Test-Cmd");
            var ex = await Assert.ThrowsAsync<ArmException>(() => Get(TestArm.Client(t), ctx));
            Assert.Equal(1, t.Count);
            Assert.Equal(status, ex.Status);
            Assert.Equal("Nope", ex.Code);
            Assert.Equal(0, ctx.Retries);
        }

        public static IEnumerable<object[]> TransportFailures() => new[]
        {
            new object[] { new IOException("Connection reset by peer") },
            new object[] { new HttpRequestException("No such host is known") },
        };

        [Theory]
        [MemberData(nameof(TransportFailures))]
        public async Task RetriesTransportFailureThrownBeforeAnyResponse(Exception failure)
        {
            var t = new FakeTransport(Reply.Throw(failure), Reply.Throw(failure), Reply.With(200, "{\"value\":[]}"));
            using var r = await Get(TestArm.Client(t));
            Assert.Equal(200, r.Status);
            Assert.Equal(3, t.Count);
        }

        [Fact]
        public async Task RetriesResetInTheMiddleOfABufferedBody()
        {
            var body = System.Text.Encoding.UTF8.GetBytes("{\"value\":[{\"name\":\"a\"},{\"name\":\"b\"}]}");
            var t = new FakeTransport(Reply.Stream(200, () => new FlakyStream(body, 10)), Reply.Bytes(200, body));
            using var r = await Get(TestArm.Client(t));
            Assert.Equal(2, r.Body!.RootElement.GetProperty("value").GetArrayLength());
            Assert.Equal(2, t.Count);
        }

        [Fact]
        public async Task BodyThatHangsPastTheNetworkTimeoutIsRetried()
        {
            var ok = System.Text.Encoding.UTF8.GetBytes("{\"value\":[]}");
            var t = new FakeTransport(Reply.Stream(200, () => new HangingStream()), Reply.Bytes(200, ok));
            var sw = Stopwatch.StartNew();
            using var r = await Get(TestArm.Client(t, o => o.NetworkTimeout = TimeSpan.FromMilliseconds(200)));
            Assert.Equal(200, r.Status);
            Assert.Equal(2, t.Count);
            Assert.True(sw.Elapsed < TimeSpan.FromSeconds(10));
        }

        private sealed class HangingStream : Stream
        {
            public override async Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken ct) { await Task.Delay(Timeout.Infinite, ct); return 0; }
            public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken ct = default) { await Task.Delay(Timeout.Infinite, ct); return 0; }
            public override int Read(byte[] buffer, int offset, int count) { Thread.Sleep(Timeout.Infinite); return 0; }
            public override bool CanRead => true;
            public override bool CanSeek => false;
            public override bool CanWrite => false;
            public override long Length => throw new NotSupportedException();
            public override long Position { get => 0; set => throw new NotSupportedException(); }
            public override void Flush() { }
            public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
            public override void SetLength(long value) => throw new NotSupportedException();
            public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        }

        [Fact]
        public async Task TransportFailuresBoundedThenTransportFailureError()
        {
            var t = new FakeTransport { Handler = _ => Reply.Throw(new HttpRequestException("Connection refused")) };
            var ex = await Assert.ThrowsAsync<ArmException>(() => Get(TestArm.Client(t, o => o.Retry.MaxRetries = 2)));
            Assert.Equal(3, t.Count);
            Assert.Equal(0, ex.Status);
            Assert.Equal("TransportFailure", ex.Code);
            Assert.Contains("Connection refused", ex.Message);
        }

        [Fact]
        public async Task CancellationDuringBackoffStopsPromptly()
        {
            var t = new FakeTransport { Handler = _ => Reply.With(503) };
            using var cts = new CancellationTokenSource();
            var arm = TestArm.Client(t, o => { o.Retry.BaseDelay = TimeSpan.FromSeconds(30); o.Retry.MaxDelay = TimeSpan.FromSeconds(30); o.Retry.MaxRetries = 5; });
            var ctx = new CallContext("Test-Cmd");
            ctx.Retrying += (_, _) => cts.CancelAfter(50);
            var sw = Stopwatch.StartNew();
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => Get(arm, ctx, cts.Token));
            Assert.True(sw.Elapsed < TimeSpan.FromSeconds(5), $"took {sw.Elapsed}");
            Assert.Equal(1, t.Count);
        }

        [Fact]
        public async Task CancelledTokenIsNotMistakenForATransportFailure()
        {
            using var cts = new CancellationTokenSource();
            var t = new FakeTransport { Handler = _ => Reply.With(200, "{}") };
            t.OnRequest = _ => cts.Cancel();
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => Get(TestArm.Client(t, o => o.Retry.MaxRetries = 5), null, cts.Token));
            Assert.Equal(1, t.Count);
        }

        [Fact]
        public async Task BackoffGrowsExponentiallyWithJitterAndIsCapped()
        {
            var t = new FakeTransport { Handler = _ => Reply.With(500) };
            var arm = TestArm.Client(t, o => { o.Retry.BaseDelay = TimeSpan.FromMilliseconds(4); o.Retry.MaxDelay = TimeSpan.FromMilliseconds(20); o.Retry.MaxRetries = 4; });
            var ctx = new CallContext("Test-Cmd");
            var waits = new List<TimeSpan>();
            ctx.Retrying += (_, w) => { lock (waits) waits.Add(w); };
            await Assert.ThrowsAsync<ArmException>(() => Get(arm, ctx));
            Assert.Equal(4, waits.Count);
            double[] nominal = { 4, 8, 16, 20 };
            for (var i = 0; i < 4; i++)
            {
                Assert.InRange(waits[i].TotalMilliseconds, nominal[i] * 0.5 - 0.01, nominal[i] + 0.01);
            }
        }

        // ---- the wait honours each retry-after header ----

        private static async Task<TimeSpan> FirstWaitFor(params (string, string)[] headers)
        {
            var t = new FakeTransport { Handler = _ => Reply.With(429, TestArm.ArmError("429", "Too many requests. Please retry."), headers) };
            using var cts = new CancellationTokenSource();
            var ctx = new CallContext("Test-Cmd");
            TimeSpan? wait = null;
            ctx.Retrying += (_, w) => { wait = w; cts.Cancel(); }; // record what the policy asked for, then stop waiting
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => Get(TestArm.Client(t), ctx, cts.Token));
            Assert.Equal(1, t.Count);
            return wait ?? throw new Xunit.Sdk.XunitException("no retry was scheduled");
        }

        private static void AssertServerWait(TimeSpan actual, TimeSpan asked) =>
            // never less than asked; at most 10% (capped at 1 s) of jitter on top
            Assert.InRange(actual.TotalMilliseconds, asked.TotalMilliseconds, asked.TotalMilliseconds + Math.Min(asked.TotalMilliseconds * 0.1, 1000) + 0.5);

        [Theory]
        [InlineData("Retry-After", "7", 7000)]
        [InlineData("retry-after-ms", "1500", 1500)]
        [InlineData("x-ms-retry-after-ms", "2500", 2500)]
        [InlineData("x-ms-ratelimit-microsoft.consumption-retry-after", "13", 13000)]
        [InlineData("x-ms-ratelimit-microsoft.costmanagement-qpu-retry-after", "21", 21000)]
        [InlineData("x-ms-ratelimit-microsoft.costmanagement-entity-retry-after", "17", 17000)]
        [InlineData("x-ms-ratelimit-microsoft.costmanagement-tenant-retry-after", "19", 19000)]
        [InlineData("x-ms-ratelimit-microsoft.costmanagement-clienttype-retry-after", "23", 23000)]
        public async Task WaitHonoursEachHeader(string header, string value, int expectedMs)
        {
            var wait = await FirstWaitFor((header, value));
            AssertServerWait(wait, TimeSpan.FromMilliseconds(expectedMs));
        }

        [Fact]
        public async Task WaitHonoursRetryAfterHttpDate()
        {
            var at = DateTimeOffset.UtcNow.AddSeconds(40);
            var wait = await FirstWaitFor(("Retry-After", at.ToString("r")));
            // The date has whole seconds, and the wait counts from when the answer is read: a slow machine waits less.
            Assert.InRange(wait.TotalSeconds, 30, 41.1);
        }

        [Fact]
        public async Task MillisecondHeadersWinOverSecondHeaders()
        {
            var wait = await FirstWaitFor(("Retry-After", "30"), ("x-ms-ratelimit-microsoft.consumption-retry-after", "40"), ("retry-after-ms", "250"));
            AssertServerWait(wait, TimeSpan.FromMilliseconds(250));
        }

        [Fact]
        public async Task LongestOfTheSecondBasedHeadersWins()
        {
            var wait = await FirstWaitFor(("Retry-After", "3"), ("x-ms-ratelimit-microsoft.costmanagement-qpu-retry-after", "11"), ("x-ms-ratelimit-microsoft.consumption-retry-after", "5"));
            AssertServerWait(wait, TimeSpan.FromSeconds(11));
        }

        [Fact]
        public async Task ServerWaitLongerThanMaxServerDelaySurfacesAtOnce()
        {
            var t = new FakeTransport { Handler = _ => Reply.With(429, TestArm.ArmError("429", "Too many requests. Please retry."),
                ("x-ms-ratelimit-microsoft.costmanagement-qpu-retry-after", "600")) };
            var ctx = new CallContext("Test-Cmd");
            var sw = Stopwatch.StartNew();
            var ex = await Assert.ThrowsAsync<ArmException>(() => Get(TestArm.Client(t, o => o.Retry.MaxServerDelay = TimeSpan.FromMinutes(5)), ctx));
            Assert.True(sw.Elapsed < TimeSpan.FromSeconds(5));
            Assert.Equal(1, t.Count);
            Assert.Equal(429, ex.Status);
            Assert.Equal("429", ex.Code);
            Assert.True(ex.IsThrottled);
            Assert.Equal(0, ctx.Retries);
        }

        [Fact]
        public async Task SmallServerWaitIsActuallyWaitedAndThenSucceeds()
        {
            var t = new FakeTransport(Reply.With(429, null, ("x-ms-retry-after-ms", "80")), Reply.With(200, "{}"));
            var sw = Stopwatch.StartNew();
            using var r = await Get(TestArm.Client(t));
            Assert.True(sw.Elapsed >= TimeSpan.FromMilliseconds(70), $"only {sw.Elapsed.TotalMilliseconds} ms");
            Assert.Equal(2, t.Count);
        }

        // ---- RetryAfter parsing, without the pipeline ----

        [Theory]
        [InlineData("Retry-After", "10", 10000)]
        [InlineData("retry-after", "0", 0)]
        [InlineData("Retry-After", " 2.5 ", 2500)]
        [InlineData("RETRY-AFTER-MS", "42", 42)]
        [InlineData("x-ms-retry-after-ms", "7", 7)]
        [InlineData("x-ms-ratelimit-microsoft.consumption-retry-after", "60", 60000)]
        [InlineData("X-MS-RATELIMIT-MICROSOFT.COSTMANAGEMENT-QPU-RETRY-AFTER", "4", 4000)]
        [InlineData("x-ms-ratelimit-microsoft.costmanagement-entity-retry-after", "5", 5000)]
        [InlineData("x-ms-ratelimit-microsoft.costmanagement-tenant-retry-after", "6", 6000)]
        [InlineData("x-ms-ratelimit-microsoft.costmanagement-clienttype-retry-after", "8", 8000)]
        public void FromHeadersReadsEachHeader(string name, string value, int ms)
        {
            var now = new DateTimeOffset(2026, 11, 29, 12, 0, 0, TimeSpan.Zero);
            Assert.Equal(TimeSpan.FromMilliseconds(ms), RetryAfter.FromHeaders(FakeResponse.WithHeaders((name, value)).Headers, now));
        }

        [Theory]
        [InlineData("x-ms-ratelimit-remaining-subscription-reads", "11999")]
        [InlineData("x-ms-ratelimit-microsoft.costmanagement-qpu-remaining", "QueryUsage=12")]
        [InlineData("Retry-After", "soon")]
        [InlineData("Retry-After", "-5")]
        [InlineData("retry-after-ms", "-1")]
        [InlineData("Retry-After", "")]
        public void FromHeadersIgnoresNonWaitsAndGarbage(string name, string value)
        {
            Assert.Null(RetryAfter.FromHeaders(FakeResponse.WithHeaders((name, value)).Headers, DateTimeOffset.UtcNow));
        }

        [Fact]
        public void FromHeadersHttpDateRelativeToNow()
        {
            var now = new DateTimeOffset(2026, 11, 29, 12, 0, 0, TimeSpan.Zero);
            var headers = FakeResponse.WithHeaders(("Retry-After", "Sun, 29 Nov 2026 12:00:45 GMT")).Headers;
            Assert.Equal(TimeSpan.FromSeconds(45), RetryAfter.FromHeaders(headers, now));
            var past = FakeResponse.WithHeaders(("Retry-After", "Sun, 29 Nov 2026 11:00:00 GMT")).Headers;
            Assert.Equal(TimeSpan.Zero, RetryAfter.FromHeaders(past, now));
        }

        [Fact]
        public void FromHeadersPrecedence()
        {
            var now = DateTimeOffset.UtcNow;
            var both = FakeResponse.WithHeaders(("Retry-After", "30"), ("x-ms-retry-after-ms", "100"), ("retry-after-ms", "300")).Headers;
            Assert.Equal(TimeSpan.FromMilliseconds(300), RetryAfter.FromHeaders(both, now)); // ms win; the longer of two ms headers
            var seconds = FakeResponse.WithHeaders(("x-ms-ratelimit-microsoft.consumption-retry-after", "9"), ("Retry-After", "4"), ("x-ms-ratelimit-microsoft.costmanagement-tenant-retry-after", "6")).Headers;
            Assert.Equal(TimeSpan.FromSeconds(9), RetryAfter.FromHeaders(seconds, now));
        }
    }
}
