using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using BillingPowerShell.Engine.Http;
using BillingPowerShell.Engine.Usage;

namespace BillingPowerShell.Engine.Tests.Http
{
    /// <summary>
    /// List pages are read from the network into pooled 64 KB pieces (not buffered by Azure.Core): a body spread over
    /// many pieces reads whole, and a body cut off half-way is retried like any transport failure, without duplicates.
    /// </summary>
    public sealed class PooledBodyTests
    {
        private const string Path = "/subscriptions/s/providers/Microsoft.Consumption/usageDetails?api-version=2024-08-01";

        /// <summary>A page of n usage details, about 300 bytes each, the last one's name with an escape.</summary>
        private static byte[] UsagePage(int n, int first, string? nextLink) =>
            Encoding.UTF8.GetBytes("{\"value\":[" + string.Join(",", Enumerable.Range(first, n).Select(i =>
                $"{{\"id\":\"/subscriptions/s/providers/Microsoft.Consumption/usageDetails/{i}\",\"name\":\"u\\u0031{i}\",\"kind\":\"legacy\"," +
                $"\"properties\":{{\"date\":\"2024-01-01T00:00:00Z\",\"cost\":{i},\"billingCurrency\":\"USD\",\"product\":\"Product {new string('x', 150)}\"}}}}"))
                + "]" + (nextLink is null ? "" : ",\"nextLink\":\"" + nextLink + "\"") + "}");

        private static async Task<List<UsageRecord>> ReadAll(ArmClient arm)
        {
            var list = new List<UsageRecord>();
            await foreach (var r in arm.ListAsync(Path, (bytes, status) => UsageDetailsJson.ReadPage(bytes, status, bad => throw new InvalidDataException(bad)), new CallContext("Test-Cmd")))
                list.Add(r);
            return list;
        }

        [Fact]
        public async Task BodyDeliveredInDribsOverManyPiecesReadsWhole()
        {
            var next = TestArm.Base.AbsoluteUri + "subscriptions/s/providers/Microsoft.Consumption/usageDetails?api-version=2024-08-01&$skiptoken=2";
            var page1 = UsagePage(1000, 0, next);
            var page2 = UsagePage(700, 1000, null);
            Assert.True(page1.Length > 4 * PooledBodyPolicy.SegmentBytes);
            var t = new FakeTransport(
                Reply.Stream(200, () => new Dribble(page1, 997), ("Content-Type", "application/json"), ("Content-Length", page1.Length.ToString())),
                Reply.Stream(200, () => new Dribble(page2, 65536 + 3), ("Content-Type", "application/json")));
            var records = await ReadAll(TestArm.Client(t));
            Assert.Equal(Enumerable.Range(0, 1700).Select(i => (decimal?)i), records.Select(r => r.Cost));
            Assert.Equal("u1" + 1234, records[1234].SourceColumns["name"]);
            Assert.Equal(2, t.Count);
        }

        [Fact]
        public async Task BodyCutOffHalfWayIsAskedForAgainAndNothingIsDuplicated()
        {
            var page = UsagePage(800, 0, null);
            var t = new FakeTransport(
                Reply.Stream(200, () => new Dribble(page, 4096, failAfter: page.Length / 2), ("Content-Type", "application/json")),
                Reply.Stream(200, () => new Dribble(page, 4096), ("Content-Type", "application/json"), ("Content-Length", (page.Length + 10).ToString())),
                Reply.Stream(200, () => new Dribble(page, 4096), ("Content-Type", "application/json"), ("Content-Length", page.Length.ToString())));
            var records = await ReadAll(TestArm.Client(t));
            Assert.Equal(3, t.Count); // reset mid-body, then a body shorter than its Content-Length, then whole
            Assert.Equal(800, records.Count);
            Assert.Equal(Enumerable.Range(0, 800).Select(i => (decimal?)i), records.Select(r => r.Cost));
        }

        [Fact]
        public async Task ErrorAnswerOnAPooledRequestStillReadsAsAnArmError()
        {
            var t = new FakeTransport(Reply.Stream(404, () => new Dribble(Encoding.UTF8.GetBytes("{\"error\":{\"code\":\"NotFound\",\"message\":\"No such scope.\"}}"), 5),
                ("Content-Type", "application/json")));
            var ex = await Assert.ThrowsAsync<ArmException>(() => ReadAll(TestArm.Client(t)));
            Assert.Equal(404, ex.Status);
            Assert.Equal("NotFound", ex.Code);
            Assert.Contains("No such scope.", ex.Message);
        }

        [Fact]
        public async Task BlobErrorArrivingInDribsIsReadAndReportedWithoutTheSignature()
        {
            var xml = "<?xml version=\"1.0\" encoding=\"utf-8\"?><Error><Code>AuthenticationFailed</Code><Message>Signature not valid in the specified time frame.</Message></Error>";
            var t = new FakeTransport(Reply.Stream(403, () => new Dribble(Encoding.UTF8.GetBytes(xml), 7), ("Content-Type", "application/xml")));
            var blob = new BlobClient(TestArm.FastRetry(), t);
            var ex = await Assert.ThrowsAsync<BlobAccessException>(() => blob.OpenReadAsync(new Uri(TestArm.BlobHost + "/r/a.csv?" + TestArm.Sas), new CallContext("c"), default));
            Assert.Equal(403, ex.Status);
            Assert.Equal("AuthenticationFailed", ex.Code);
            Assert.Contains("Signature not valid", ex.Message);
            Assert.DoesNotContain("TOPSECRET", ex.Message);
        }

        /// <summary>A network stream: a few bytes per read, optionally failing part-way like a reset connection.</summary>
        private sealed class Dribble : BillingPowerShell.Engine.Files.ReadOnlyStream
        {
            private readonly byte[] _data;
            private readonly int _chunk;
            private readonly int _failAfter;
            private int _position;

            public Dribble(byte[] data, int chunk, int failAfter = -1) { _data = data; _chunk = chunk; _failAfter = failAfter; }

            public override int Read(byte[] buffer, int offset, int count)
            {
                if (_failAfter >= 0 && _position >= _failAfter) throw new IOException("Connection reset by peer (test).");
                var n = Math.Min(Math.Min(count, _chunk), _data.Length - _position);
                Buffer.BlockCopy(_data, _position, buffer, offset, n);
                _position += n;
                return n;
            }

            public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken ct) => Task.FromResult(Read(buffer, offset, count));
        }
    }
}
