using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Azure.Core;
using BillingPowerShell.Engine.Http;

namespace BillingPowerShell.Engine.Tests.Http
{
    public sealed class LongRunningOperationTests
    {
        private const string Start = "/providers/Microsoft.Billing/billingAccounts/1234/invoices/G1/download?api-version=2024-04-01&documentName=D1";
        private static readonly string Poll = TestArm.Base.AbsoluteUri + "providers/Microsoft.Billing/billingAccounts/1234/operationResults/invoiceDownload_1?api-version=2024-04-01";
        private const string Result = "{\"expiryTime\":\"2026-11-29T18:00:00Z\",\"url\":\"https://blobhost.example.test/invoices/G1.pdf?sv=2019-02-02&sr=b&sp=r&sig=abc\"}";

        private static Task<System.Text.Json.JsonDocument?> Run(ArmClient arm, TimeSpan? timeout = null, CancellationToken ct = default, Action<string>? onPoll = null) =>
            arm.RunOperationAsync(RequestMethod.Post, Start, null, timeout ?? TimeSpan.FromSeconds(10), new CallContext("Save-BillingInvoice"), ct, onPoll);

        [Fact]
        public async Task AcceptedWithLocationAndRetryAfterIsPolledUntilResult()
        {
            var t = new FakeTransport(
                Reply.With(202, null, ("Location", Poll), ("Retry-After", "1")),
                Reply.With(202, null, ("Location", Poll), ("Retry-After", "0")),
                Reply.With(200, Result));
            var polls = new List<string>();
            var sw = Stopwatch.StartNew();
            using var doc = await Run(TestArm.Client(t), onPoll: polls.Add);
            Assert.True(sw.Elapsed >= TimeSpan.FromMilliseconds(950), $"Retry-After: 1 not honoured ({sw.Elapsed.TotalMilliseconds} ms)");
            Assert.StartsWith("https://blobhost.example.test/", doc!.RootElement.GetProperty("url").GetString());
            Assert.Equal(3, t.Count);
            Assert.Equal("POST", t.Requests[0].Method);
            Assert.Equal("0", t.Requests[0].Header("Content-Length"));
            Assert.Equal(new[] { "GET", "GET" }, t.Requests.Skip(1).Select(r => r.Method));
            Assert.All(t.Requests.Skip(1), r => Assert.Equal(new Uri(Poll), r.Uri));
            Assert.Equal(2, polls.Count);
        }

        [Fact]
        public async Task NoRetryAfterUsesTheDefaultPollInterval()
        {
            var t = new FakeTransport(Reply.With(202, null, ("Location", Poll)), Reply.With(200, Result));
            var sw = Stopwatch.StartNew();
            using var doc = await Run(TestArm.Client(t, o => o.DefaultPollInterval = TimeSpan.FromMilliseconds(150)));
            Assert.True(sw.Elapsed >= TimeSpan.FromMilliseconds(140));
            Assert.NotNull(doc);
        }

        [Fact]
        public async Task AzureAsyncOperationIsPreferredOverLocation()
        {
            var asyncOp = TestArm.Base.AbsoluteUri + "providers/Microsoft.Billing/operationStatus/op1?api-version=2024-04-01";
            var t = new FakeTransport(
                Reply.With(202, null, ("Location", Poll), ("Azure-AsyncOperation", asyncOp), ("retry-after-ms", "1")),
                Reply.With(200, "{\"status\":\"Succeeded\"}"),
                Reply.With(200, Result));
            using var doc = await Run(TestArm.Client(t));
            Assert.Equal(new Uri(asyncOp), t.Requests[1].Uri);
            // final-state-via: location: once the status monitor says Succeeded, the result is read from Location
            Assert.Equal(new Uri(Poll), t.Requests[2].Uri);
            Assert.Equal(3, t.Count);
            Assert.True(doc!.RootElement.TryGetProperty("url", out _));
        }

        [Fact]
        public async Task StatusMonitorAnsweringInProgressWithoutHeadersIsPolledAgain()
        {
            var asyncOp = TestArm.Base.AbsoluteUri + "operationStatus/op2";
            var t = new FakeTransport(
                Reply.With(201, null, ("Azure-AsyncOperation", asyncOp), ("retry-after-ms", "1")),
                Reply.With(200, "{\"status\":\"InProgress\"}"),
                Reply.With(200, "{\"status\":\"Running\"}"),
                Reply.With(200, "{\"status\":\"Succeeded\",\"properties\":{\"url\":\"https://x.example/y\"}}"));
            using var doc = await Run(TestArm.Client(t));
            Assert.Equal(4, t.Count);
            Assert.All(t.Requests.Skip(1), r => Assert.Equal(new Uri(asyncOp), r.Uri));
            Assert.Equal("Succeeded", doc!.RootElement.GetProperty("status").GetString());
        }

        [Fact]
        public async Task FailedStatusIsALongRunningOperationExceptionWithTheMessage()
        {
            var t = new FakeTransport(
                Reply.With(202, null, ("Location", Poll), ("retry-after-ms", "1")),
                Reply.With(200, "{\"status\":\"Failed\",\"error\":{\"code\":\"DocumentNotReady\",\"message\":\"The invoice document could not be generated.\"}}", ("x-ms-request-id", "lro-rid")));
            var ex = await Assert.ThrowsAsync<LongRunningOperationException>(() => Run(TestArm.Client(t)));
            Assert.False(ex.TimedOut);
            Assert.Equal("DocumentNotReady", ex.Code);
            Assert.Contains("The invoice document could not be generated.", ex.Message);
            Assert.Equal("lro-rid", ex.RequestId);
        }

        [Fact]
        public async Task CanceledStatusIsAFailureToo()
        {
            var t = new FakeTransport(Reply.With(202, null, ("Location", Poll), ("retry-after-ms", "1")), Reply.With(200, "{\"status\":\"Canceled\"}"));
            var ex = await Assert.ThrowsAsync<LongRunningOperationException>(() => Run(TestArm.Client(t)));
            Assert.False(ex.TimedOut);
            Assert.Equal("OperationFailed", ex.Code);
        }

        [Fact]
        public async Task ErrorWhilePollingSurfacesAsArmException()
        {
            var t = new FakeTransport(Reply.With(202, null, ("Location", Poll), ("retry-after-ms", "1")), Reply.With(404, TestArm.ArmError("OperationNotFound", "gone")));
            var ex = await Assert.ThrowsAsync<ArmException>(() => Run(TestArm.Client(t)));
            Assert.Equal(404, ex.Status);
            Assert.Equal("OperationNotFound", ex.Code);
        }

        [Fact]
        public async Task TransientErrorWhilePollingIsRetried()
        {
            var t = new FakeTransport(Reply.With(202, null, ("Location", Poll), ("retry-after-ms", "1")), Reply.With(503), Reply.With(200, Result));
            using var doc = await Run(TestArm.Client(t));
            Assert.NotNull(doc);
            Assert.Equal(3, t.Count);
        }

        [Fact]
        public async Task NeverFinishingOperationTimesOutWithAClearMessage()
        {
            var t = new FakeTransport { Handler = _ => Reply.With(202, null, ("Location", Poll), ("retry-after-ms", "20")) };
            var sw = Stopwatch.StartNew();
            var ex = await Assert.ThrowsAsync<LongRunningOperationException>(() => Run(TestArm.Client(t), TimeSpan.FromMilliseconds(600)));
            Assert.True(sw.Elapsed < TimeSpan.FromSeconds(5));
            Assert.True(ex.TimedOut);
            Assert.Equal("OperationTimedOut", ex.Code);
            Assert.Equal(408, ex.Status);
            Assert.Contains("did not finish within", ex.Message);
            Assert.Contains($"({t.Count - 1} poll(s))", ex.Message); // the start plus every poll the deadline allowed
            Assert.All(t.Requests.Skip(1), r => Assert.Equal("GET", r.Method));
        }

        [Fact]
        public async Task ServerWaitBeyondTheDeadlineTimesOutWithoutWaiting()
        {
            var t = new FakeTransport(Reply.With(202, null, ("Location", Poll), ("Retry-After", "3600")));
            var sw = Stopwatch.StartNew();
            var ex = await Assert.ThrowsAsync<LongRunningOperationException>(() => Run(TestArm.Client(t), TimeSpan.FromSeconds(30)));
            Assert.True(ex.TimedOut);
            Assert.True(sw.Elapsed < TimeSpan.FromSeconds(5));
            Assert.Equal(1, t.Count);
        }

        [Fact]
        public async Task CancellationWhileWaitingToPollStopsPromptly()
        {
            using var cts = new CancellationTokenSource();
            var t = new FakeTransport(Reply.With(202, null, ("Location", Poll), ("Retry-After", "30")));
            t.OnRequest = _ => cts.CancelAfter(50);
            var sw = Stopwatch.StartNew();
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => Run(TestArm.Client(t), TimeSpan.FromMinutes(5), cts.Token));
            Assert.True(sw.Elapsed < TimeSpan.FromSeconds(5));
            Assert.Equal(1, t.Count);
        }

        [Theory]
        [InlineData("https://evil.example.test/operationResults/1")]
        [InlineData("http://management.example.test/operationResults/1")]
        public async Task LocationToAnotherHostIsRefused(string location)
        {
            var t = new FakeTransport(Reply.With(202, null, ("Location", location), ("retry-after-ms", "1")));
            t.Handler = _ => Reply.With(200, Result);
            await Assert.ThrowsAsync<UnsafeRequestException>(() => Run(TestArm.Client(t)));
            Assert.Equal(1, t.Count);
            Assert.All(t.Requests, r => Assert.Equal("management.example.test", r.Uri.Host));
        }

        [Fact]
        public async Task AzureAsyncOperationToAnotherHostIsRefused()
        {
            var t = new FakeTransport(Reply.With(202, null, ("Location", Poll), ("Azure-AsyncOperation", "https://evil.example.test/op"), ("retry-after-ms", "1")));
            t.Handler = _ => Reply.With(200, Result);
            await Assert.ThrowsAsync<UnsafeRequestException>(() => Run(TestArm.Client(t)));
            Assert.Equal(1, t.Count);
        }

        [Fact]
        public async Task AcceptedWithoutLocationIsInvalidResponse()
        {
            var t = new FakeTransport(Reply.With(202));
            var ex = await Assert.ThrowsAsync<ArmException>(() => Run(TestArm.Client(t)));
            Assert.Equal("InvalidResponse", ex.Code);
        }

        [Fact]
        public async Task ImmediateResultNeedsNoPolling()
        {
            var t = new FakeTransport(Reply.With(200, Result));
            using var doc = await Run(TestArm.Client(t));
            Assert.Equal(1, t.Count);
            Assert.NotNull(doc);
        }

        [Fact]
        public async Task PollRequestsCarryTheTokenOnlyToTheResourceManager()
        {
            var t = new FakeTransport(Reply.With(202, null, ("Location", Poll), ("retry-after-ms", "1")), Reply.With(200, Result));
            using var _ = await Run(TestArm.Client(t));
            Assert.All(t.Requests, r => Assert.Equal("Bearer " + FakeCredential.Token, r.Header("Authorization")));
            Assert.All(t.Requests, r => Assert.Equal(TestArm.Base.Authority, r.Uri.Authority));
        }
    }
}
