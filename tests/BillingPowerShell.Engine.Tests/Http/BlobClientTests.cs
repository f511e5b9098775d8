using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using BillingPowerShell.Engine.Http;

namespace BillingPowerShell.Engine.Tests.Http
{
    /// <summary>A blob host in memory: serves one blob with Range support, and faults scripted per response.</summary>
    internal sealed class FakeBlobServer
    {
        public const string ETag = "\"0x8DCAFEBABE\"";
        private readonly byte[] _data;
        private readonly Queue<Func<byte[], Stream>?> _faults = new Queue<Func<byte[], Stream>?>();

        public FakeBlobServer(byte[] data) { _data = data; }

        /// <summary>The next response's body resets (IOException) after <paramref name="bytes"/> bytes.</summary>
        public FakeBlobServer ResetAfter(int bytes) { _faults.Enqueue(body => new FlakyStream(body, bytes)); return this; }

        /// <summary>The next response's body ends cleanly after <paramref name="bytes"/> bytes, short of its Content-Length.</summary>
        public FakeBlobServer EndEarlyAfter(int bytes) { _faults.Enqueue(body => new MemoryStream(body, 0, Math.Min(bytes, body.Length))); return this; }

        public Reply Handle(RecordedRequest r)
        {
            var fault = _faults.Count > 0 ? _faults.Dequeue() : null;
            var range = r.Header("Range");
            var offset = 0;
            var status = 200;
            var headers = new List<(string, string)> { ("ETag", ETag), ("Content-Type", "application/pdf") };
            if (range is not null)
            {
                offset = int.Parse(range.Substring("bytes=".Length).TrimEnd('-'));
                if (offset >= _data.Length) // as Blob storage answers a range that starts at the end
                    return Reply.With(416, "<Error><Code>InvalidRange</Code><Message>The range specified is invalid for the current size of the resource.</Message></Error>");
                status = 206;
                headers.Add(("Content-Range", $"bytes {offset}-{_data.Length - 1}/{_data.Length}"));
            }
            var body = _data.Skip(offset).ToArray();
            headers.Add(("Content-Length", body.Length.ToString()));
            return Reply.Stream(status, () => fault is null ? new MemoryStream(body) : fault(body), headers.ToArray());
        }
    }

    public sealed class BlobClientTests
    {
        private static readonly Uri SasUrl = new Uri(TestArm.BlobHost + "/invoices/G123456789.pdf?" + TestArm.Sas);

        private static byte[] Data(int length)
        {
            var data = new byte[length];
            new Random(42).NextBytes(data);
            return data;
        }

        private static async Task<byte[]> Download(BlobClient blob, CallContext? ctx = null, CancellationToken ct = default)
        {
            using var ms = new MemoryStream();
            var n = await blob.CopyToAsync(SasUrl, ms, ctx ?? new CallContext("Save-BillingInvoice"), ct);
            Assert.Equal(ms.Length, n);
            return ms.ToArray();
        }

        private static (BlobClient Blob, FakeTransport Transport, FakeBlobServer Server) Setup(byte[] data, int maxResumes = 8)
        {
            var server = new FakeBlobServer(data);
            var t = new FakeTransport { Handler = server.Handle };
            return (new BlobClient(TestArm.FastRetry(), t, maxResumes), t, server);
        }

        [Fact]
        public async Task DownloadsWholeBlobWithoutAuthorizationEvenIfTheRequestStartedWithOne()
        {
            var data = Data(200_000);
            var (blob, t, _) = Setup(data);
            t.PresetHeaders.Add(("Authorization", "Bearer " + FakeCredential.Token));
            Assert.Equal(data, await Download(blob));
            Assert.Single(t.Requests);
            Assert.All(t.Requests, r => Assert.Null(r.Header("Authorization")));
            Assert.Equal(SasUrl, t.Requests[0].Uri);
            Assert.Null(t.Requests[0].Header("Range"));
        }

        [Fact]
        public async Task ResumesWithRangeAndIfMatchAfterAMidBodyReset()
        {
            var data = Data(300_000);
            var (blob, t, server) = Setup(data);
            t.PresetHeaders.Add(("Authorization", "Bearer " + FakeCredential.Token));
            server.ResetAfter(100_000).ResetAfter(50_000);
            var ctx = new CallContext("Save-BillingInvoice");
            var got = await Download(blob, ctx);
            Assert.Equal(data, got); // byte-identical
            Assert.Equal(3, t.Count);
            Assert.Equal("bytes=100000-", t.Requests[1].Header("Range"));
            Assert.Equal(FakeBlobServer.ETag, t.Requests[1].Header("If-Match"));
            Assert.Equal("bytes=150000-", t.Requests[2].Header("Range"));
            Assert.All(t.Requests, r => Assert.Null(r.Header("Authorization")));
            Assert.Equal(2, ctx.Retries);
        }

        [Fact]
        public async Task StalledBodyThatHitsTheReadTimeoutResumes()
        {
            // Azure.Core's read timeout surfaces as TaskCanceledException while the caller's token is not cancelled
            var data = Data(40_000);
            var server = new FakeBlobServer(data);
            var served = 0;
            var t = new FakeTransport
            {
                Handler = r => served++ == 0
                    ? Reply.Stream(200, () => new FlakyStream(data, 10_000, () => new TaskCanceledException("The operation was cancelled because it exceeded the configured timeout of 0:01:40.")),
                        ("Content-Length", data.Length.ToString()), ("ETag", FakeBlobServer.ETag))
                    : server.Handle(r),
            };
            Assert.Equal(data, await Download(new BlobClient(TestArm.FastRetry(), t)));
            Assert.Equal(2, t.Count);
            Assert.Equal("bytes=10000-", t.Requests[1].Header("Range"));
        }

        [Fact]
        public async Task EarlyEndBelowContentLengthResumes()
        {
            var data = Data(50_000);
            var (blob, t, server) = Setup(data);
            server.EndEarlyAfter(12_345);
            Assert.Equal(data, await Download(blob));
            Assert.Equal(2, t.Count);
            Assert.Equal("bytes=12345-", t.Requests[1].Header("Range"));
        }

        [Fact]
        public async Task ResetAfterTheLastByteCompletesWithoutAskingForAnEmptyRange()
        {
            var data = Data(10_000);
            var (blob, t, server) = Setup(data);
            server.ResetAfter(10_000);
            Assert.Equal(data, await Download(blob));
            Assert.Single(t.Requests);
        }

        [Fact]
        public async Task RedirectFromTheBlobHostIsAnErrorNotTheFileContent()
        {
            var t = new FakeTransport { Handler = _ => Reply.With(302, "<html>moved</html>", ("Location", "https://elsewhere.example.test/x")) };
            var ex = await Assert.ThrowsAsync<ArmException>(() => Download(new BlobClient(TestArm.FastRetry(), t)));
            Assert.Equal(302, ex.Status);
        }

        [Fact]
        public async Task ResetBeforeAnyByteRetriesFromTheStart()
        {
            var data = Data(10_000);
            var (blob, t, server) = Setup(data);
            server.ResetAfter(0);
            Assert.Equal(data, await Download(blob));
            Assert.Equal(2, t.Count);
        }

        [Fact]
        public async Task ResumeLimitGivesDownloadInterrupted()
        {
            var data = Data(10_000);
            var server = new FakeBlobServer(data);
            for (var i = 0; i < 10; i++) server.ResetAfter(100);
            var t = new FakeTransport { Handler = server.Handle };
            var blob = new BlobClient(TestArm.FastRetry(), t, maxResumes: 3);
            var ex = await Assert.ThrowsAsync<ArmException>(() => Download(blob));
            Assert.Equal("DownloadInterrupted", ex.Code);
            Assert.Equal(4, t.Count); // the first request and three resumes
            Assert.DoesNotContain("TOPSECRETsignature", ex.Message);
            Assert.DoesNotContain("sig=", ex.Message);
        }

        [Fact]
        public async Task ForbiddenIsBlobAccessExceptionWithoutTheSasQuery()
        {
            var xml = "<?xml version=\"1.0\" encoding=\"utf-8\"?><Error><Code>AuthenticationFailed</Code><Message>Server failed to authenticate the request. Signature did not match for " + SasUrl + "</Message></Error>";
            var t = new FakeTransport { Handler = _ => Reply.With(403, xml, ("x-ms-request-id", "blob-rid")) };
            var blob = new BlobClient(TestArm.FastRetry(), t);
            var ex = await Assert.ThrowsAsync<BlobAccessException>(() => Download(blob));
            Assert.Equal(403, ex.Status);
            Assert.Equal("AuthenticationFailed", ex.Code);
            Assert.Contains("Server failed to authenticate the request", ex.Message);
            Assert.Contains("/invoices/G123456789.pdf", ex.Message);
            Assert.DoesNotContain("TOPSECRETsignature", ex.Message);
            Assert.DoesNotMatch("sig=(?!REDACTED)", ex.Message);
            Assert.DoesNotContain("skoid=1111", ex.Message);
            Assert.DoesNotContain("se=2026", ex.Message);
            Assert.Equal(1, t.Count);
        }

        [Theory]
        [InlineData(404, "BlobNotFound")]
        [InlineData(409, "AuthorizationFailure")]
        public async Task OtherRefusalsAreBlobAccessExceptions(int status, string code)
        {
            var t = new FakeTransport { Handler = _ => Reply.With(status, $"<Error><Code>{code}</Code><Message>nope</Message></Error>") };
            var ex = await Assert.ThrowsAsync<BlobAccessException>(() => Download(new BlobClient(TestArm.FastRetry(), t)));
            Assert.Equal(status, ex.Status);
            Assert.Equal(code, ex.Code);
        }

        [Fact]
        public async Task ServerErrorsAreRetriedThenSucceed()
        {
            var data = Data(1000);
            var server = new FakeBlobServer(data);
            var t = new FakeTransport(Reply.With(503, "<Error><Code>ServerBusy</Code><Message>busy</Message></Error>"), Reply.With(500));
            t.Handler = server.Handle;
            Assert.Equal(data, await Download(new BlobClient(TestArm.FastRetry(), t)));
            Assert.Equal(3, t.Count);
        }

        [Fact]
        public async Task PersistentServerErrorIsArmExceptionWithoutTheSasQuery()
        {
            var t = new FakeTransport { Handler = _ => Reply.With(500, "<Error><Code>InternalError</Code><Message>oops " + SasUrl + "</Message></Error>") };
            var ex = await Assert.ThrowsAsync<ArmException>(() => Download(new BlobClient(TestArm.FastRetry(2), t)));
            Assert.IsNotType<BlobAccessException>(ex);
            Assert.Equal(500, ex.Status);
            Assert.Equal(3, t.Count);
            Assert.DoesNotContain("TOPSECRETsignature", ex.Message);
        }

        [Fact]
        public async Task TransportFailuresExhaustedDoNotLeakTheSignature()
        {
            var t = new FakeTransport { Handler = _ => Reply.Throw(new IOException("reset")) };
            var lines = new List<string>();
            var ctx = new CallContext("c") { Debug = lines.Add, Verbose = lines.Add };
            var ex = await Assert.ThrowsAsync<ArmException>(() => Download(new BlobClient(TestArm.FastRetry(1), t), ctx));
            Assert.Equal("TransportFailure", ex.Code);
            Assert.DoesNotContain("TOPSECRETsignature", ex.Message);
            Assert.NotEmpty(lines);
            Assert.All(lines, l => Assert.DoesNotContain("TOPSECRETsignature", l));
            Assert.All(lines, l => Assert.DoesNotContain("sig=", l));
        }

        [Fact]
        public async Task RangeNotHonouredIsAnError()
        {
            var data = Data(5000);
            var served = 0;
            var t = new FakeTransport
            {
                // the host ignores Range and starts over with 200
                Handler = _ => served++ == 0
                    ? Reply.Stream(200, () => new FlakyStream(data, 1000), ("Content-Length", "5000"), ("ETag", "\"e\""))
                    : Reply.Bytes(200, data, ("Content-Length", "5000")),
            };
            var ex = await Assert.ThrowsAsync<ArmException>(() => Download(new BlobClient(TestArm.FastRetry(), t)));
            Assert.Equal("RangeNotHonoured", ex.Code);
        }

        [Fact]
        public async Task ChangedBlobDuringResumeIsRefused()
        {
            var data = Data(5000);
            var served = 0;
            var t = new FakeTransport
            {
                Handler = r => served++ == 0
                    ? Reply.Stream(200, () => new FlakyStream(data, 1000), ("Content-Length", "5000"), ("ETag", "\"v1\""))
                    : r.Header("If-Match") == "\"v1\"" ? Reply.With(412, "<Error><Code>ConditionNotMet</Code><Message>The condition specified using HTTP conditional header(s) is not met.</Message></Error>") : Reply.Bytes(206, data.Skip(1000).ToArray()),
            };
            var ex = await Assert.ThrowsAsync<BlobAccessException>(() => Download(new BlobClient(TestArm.FastRetry(), t)));
            Assert.Equal(412, ex.Status);
            Assert.Equal("ConditionNotMet", ex.Code);
        }

        [Fact]
        public async Task HttpBlobUrlIsRefusedBeforeSending()
        {
            var t = new FakeTransport { Handler = _ => Reply.With(200, "x") };
            var ex = await Assert.ThrowsAsync<UnsafeRequestException>(() =>
                new BlobClient(TestArm.FastRetry(), t).OpenReadAsync(new Uri("http://blobhost.example.test/a.pdf?" + TestArm.Sas), new CallContext("c"), default));
            Assert.Equal(0, t.Count);
            Assert.DoesNotContain("TOPSECRETsignature", ex.Message);
        }

        [Fact]
        public async Task DiagnosticsNeverContainTheSasQuery()
        {
            var data = Data(20_000);
            var (blob, _, server) = Setup(data);
            server.ResetAfter(5000).EndEarlyAfter(100);
            var lines = new List<string>();
            var ctx = new CallContext("c") { Debug = s => { lock (lines) lines.Add(s); }, Verbose = s => { lock (lines) lines.Add(s); }, Warning = s => { lock (lines) lines.Add(s); } };
            Assert.Equal(data, await Download(blob, ctx));
            Assert.Contains(lines, l => l.Contains("G123456789.pdf"));
            Assert.Contains(lines, l => l.Contains("resuming"));
            foreach (var l in lines)
            {
                Assert.DoesNotContain("sig=", l);
                Assert.DoesNotContain("TOPSECRETsignature", l);
                Assert.DoesNotContain("skoid", l);
            }
        }

        [Fact]
        public async Task CancellationStopsTheDownload()
        {
            var data = Data(500_000);
            var (blob, _, _) = Setup(data);
            using var cts = new CancellationTokenSource();
            using var ms = new MemoryStream();
            var ex = await Record.ExceptionAsync(() => blob.CopyToAsync(SasUrl, ms, new CallContext("c"), cts.Token, progress: _ => cts.Cancel()));
            Assert.IsAssignableFrom<OperationCanceledException>(ex);
            Assert.True(ms.Length < data.Length);
        }
    }
}
