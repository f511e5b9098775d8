using System;
using System.Collections.Generic;
using System.Linq;
using System.Text;
using System.Text.Json;
using System.Threading;
using System.Threading.Tasks;
using Azure.Core;
using BillingPowerShell.Engine.Http;

namespace BillingPowerShell.Engine.Tests.Http
{
    public sealed class ArmPagingAndErrorTests
    {
        private const string ListPath = "/providers/Microsoft.Billing/billingAccounts?api-version=2024-04-01";

        private static string Page(string? nextLink, params string[] names) =>
            "{\"value\":[" + string.Join(",", names.Select(n => "{\"name\":\"" + n + "\"}")) + "]"
            + (nextLink is null ? "" : ",\"nextLink\":\"" + nextLink + "\"") + "}";

        private static IAsyncEnumerable<string> List(ArmClient arm, CallContext? ctx = null, CancellationToken ct = default) =>
            arm.ListAsync(ListPath, e => e.GetProperty("name").GetString(), ctx ?? new CallContext("Test-Cmd"), ct);

        private static async Task<List<string>> All(IAsyncEnumerable<string> items)
        {
            var list = new List<string>();
            await foreach (var i in items) list.Add(i);
            return list;
        }

        [Fact]
        public async Task FollowsNextLinkAcrossPages()
        {
            var next2 = TestArm.Base.AbsoluteUri + "providers/Microsoft.Billing/billingAccounts?api-version=2024-04-01&$skiptoken=p2";
            var next3 = TestArm.Base.AbsoluteUri + "providers/Microsoft.Billing/billingAccounts?api-version=2024-04-01&$skiptoken=p3";
            var t = new FakeTransport(Reply.With(200, Page(next2, "a", "b")), Reply.With(200, Page(next3, "c")), Reply.With(200, Page(null, "d", "e")));
            var items = await All(List(TestArm.Client(t)));
            Assert.Equal(new[] { "a", "b", "c", "d", "e" }, items);
            Assert.Equal(3, t.Count);
            Assert.Equal(new Uri(next2), t.Requests[1].Uri);
            Assert.Equal(new Uri(next3), t.Requests[2].Uri);
            Assert.All(t.Requests, r => Assert.Equal("GET", r.Method));
        }

        [Fact]
        public async Task StreamsPageByPage_SecondPageNotRequestedBeforeFirstPageConsumed()
        {
            var next = TestArm.Base.AbsoluteUri + "next?page=2";
            var t = new FakeTransport(Reply.With(200, Page(next, "a", "b")), Reply.With(200, Page(null, "c")));
            await using var e = List(TestArm.Client(t)).GetAsyncEnumerator();
            Assert.True(await e.MoveNextAsync());
            Assert.Equal("a", e.Current);
            Assert.Equal(1, t.Count);
            Assert.True(await e.MoveNextAsync());
            Assert.Equal("b", e.Current);
            Assert.Equal(1, t.Count); // still only the first page
            Assert.True(await e.MoveNextAsync());
            Assert.Equal("c", e.Current);
            Assert.Equal(2, t.Count);
            Assert.False(await e.MoveNextAsync());
            Assert.Equal(2, t.Count);
        }

        [Fact]
        public async Task NextLinkPointingAtTheSamePageDoesNotLoopForever()
        {
            var self = TestArm.Base.AbsoluteUri + "providers/Microsoft.Billing/billingAccounts?api-version=2024-04-01&$skiptoken=same";
            var t = new FakeTransport(Reply.With(200, Page(self, "a")));
            t.Handler = _ => Reply.With(200, Page(self, "again"));
            var items = new List<string>();
            var ex = await Assert.ThrowsAsync<ArmException>(async () => { await foreach (var i in List(TestArm.Client(t))) { items.Add(i); if (items.Count > 50) break; } });
            Assert.Equal("InvalidResponse", ex.Code);
            Assert.True(t.Count <= 3, $"{t.Count} requests");
            Assert.Equal(new[] { "a", "again" }, items);
        }

        [Fact]
        public async Task NoContentIsAnEmptyList()
        {
            var t = new FakeTransport(Reply.With(204));
            Assert.Empty(await All(List(TestArm.Client(t))));
            Assert.Equal(1, t.Count);
        }

        [Fact]
        public async Task EmptyValueArrayWithoutNextLinkEnds()
        {
            var t = new FakeTransport(Reply.With(200, "{\"value\":[]}"));
            Assert.Empty(await All(List(TestArm.Client(t))));
        }

        [Theory]
        [InlineData("{\"items\":[]}")]
        [InlineData("[1,2,3]")]
        [InlineData("\"text\"")]
        public async Task MissingValueIsInvalidResponse(string body)
        {
            var t = new FakeTransport(Reply.With(200, body));
            var ex = await Assert.ThrowsAsync<ArmException>(() => All(List(TestArm.Client(t))));
            Assert.Equal("InvalidResponse", ex.Code);
        }

        [Theory]
        [InlineData("https://evil.example.test/providers/Microsoft.Billing/billingAccounts?page=2", "evil.example.test")]
        [InlineData("http://management.example.test/providers/Microsoft.Billing/billingAccounts?page=2", "management.example.test")]
        [InlineData("https://management.example.test:8443/providers?page=2", "management.example.test")]
        [InlineData("https://management.example.test@evil.example.test/providers?page=2", "evil.example.test")]
        public async Task NextLinkToAnotherHostOrHttpIsRefusedBeforeSending(string nextLink, string host)
        {
            var t = new FakeTransport(Reply.With(200, Page(nextLink, "a")));
            t.Handler = _ => Reply.With(200, Page(null, "stolen"));
            var items = new List<string>();
            var ex = await Assert.ThrowsAsync<UnsafeRequestException>(async () => { await foreach (var i in List(TestArm.Client(t))) items.Add(i); });
            Assert.Equal(new[] { "a" }, items); // the first page was delivered
            Assert.Equal("UnsafeRequestRefused", ex.Code);
            Assert.Single(t.Requests);
            Assert.All(t.Requests, r => Assert.Equal(TestArm.Base.Authority, r.Uri.Authority));
            Assert.DoesNotContain(FakeCredential.Token, ex.Message);
            _ = host;
        }

        [Fact]
        public async Task AuthorizationOnlyEverSentToTheResourceManagerHost()
        {
            var t = new FakeTransport(Reply.With(200, Page(TestArm.Base.AbsoluteUri + "p2", "a")), Reply.With(200, Page("https://other.example.test/p3", "b")));
            await Assert.ThrowsAsync<UnsafeRequestException>(() => All(List(TestArm.Client(t))));
            Assert.Equal(2, t.Count);
            foreach (var r in t.Requests)
            {
                Assert.Equal("management.example.test", r.Uri.Host);
                Assert.Equal("https", r.Uri.Scheme);
                Assert.Equal("Bearer " + FakeCredential.Token, r.Header("Authorization"));
            }
        }

        [Theory]
        [InlineData(301)]
        [InlineData(302)]
        [InlineData(307)]
        public async Task RedirectToAnotherHostNeverCarriesTheToken(int status)
        {
            var t = new FakeTransport(Reply.With(status, null, ("Location", "https://evil.example.test/steal")));
            t.Handler = _ => Reply.With(200, "{\"value\":[]}");
            var ex = await Assert.ThrowsAsync<ArmException>(async () => { using var _ = await TestArm.Client(t).GetAsync("/x", new CallContext("c"), default); });
            Assert.Equal(status, ex.Status);
            var only = Assert.Single(t.Requests); // the redirect was not followed: nothing, token or not, went to evil.example.test
            Assert.Equal("management.example.test", only.Uri.Host);
            Assert.DoesNotContain(FakeCredential.Token, ex.Message);
        }

        [Theory]
        [InlineData(302)]
        [InlineData(304)]
        public async Task RedirectOrNotModifiedIsAnErrorNotAnEmptyList(int status)
        {
            var t = new FakeTransport(Reply.With(status, null, ("Location", "https://login.example.test/captive")).WithReason("Found"));
            var ex = await Assert.ThrowsAsync<ArmException>(() => All(List(TestArm.Client(t))));
            Assert.Equal(status, ex.Status);
            Assert.Single(t.Requests);
        }

        [Fact]
        public async Task SendAsyncRefusesForeignHostDirectly()
        {
            var t = new FakeTransport { Handler = _ => Reply.With(200, "{}") };
            var arm = TestArm.Client(t);
            await Assert.ThrowsAsync<UnsafeRequestException>(() => arm.SendAsync(RequestMethod.Get, new Uri("https://attacker.example.test/x"), null, new CallContext("c"), default));
            await Assert.ThrowsAsync<UnsafeRequestException>(() => arm.SendAsync(RequestMethod.Get, new Uri("http://management.example.test/x"), null, new CallContext("c"), default));
            Assert.Equal(0, t.Count);
        }

        [Fact]
        public void HostGuardAllows()
        {
            Assert.True(HostGuardPolicy.IsAllowed(TestArm.Base, new Uri("https://MANAGEMENT.example.test/x?y=1")));
            Assert.False(HostGuardPolicy.IsAllowed(TestArm.Base, new Uri("https://management.example.test.evil.test/x")));
            Assert.False(HostGuardPolicy.IsAllowed(new Uri("https://127.0.0.1:5001"), new Uri("https://127.0.0.1:5002/x")));
            Assert.True(HostGuardPolicy.IsAllowed(new Uri("https://127.0.0.1:5001"), new Uri("https://127.0.0.1:5001/x")));
        }

        private sealed class PlainOptions : Azure.Core.ClientOptions { }

        [Theory]
        [InlineData("https://evil.example.test/x")]
        [InlineData("http://management.example.test/x")]
        public async Task HostGuardPolicyStopsTheRequestInsideThePipelineToo(string target)
        {
            var t = new FakeTransport { Handler = _ => Reply.With(200, "{}") };
            var options = new PlainOptions { Transport = t };
            var pipeline = Azure.Core.Pipeline.HttpPipelineBuilder.Build(options, new Azure.Core.Pipeline.HttpPipelinePolicy[] { new HostGuardPolicy(TestArm.Base) },
                Array.Empty<Azure.Core.Pipeline.HttpPipelinePolicy>(), new Azure.Core.ResponseClassifier());
            using var message = pipeline.CreateMessage();
            message.Request.Method = RequestMethod.Get;
            message.Request.Uri.Reset(new Uri(target));
            await Assert.ThrowsAsync<UnsafeRequestException>(async () => await pipeline.SendAsync(message, default));
            Assert.Equal(0, t.Count);
        }

        [Theory]
        [InlineData("/providers/x?api-version=1", "https://management.example.test/providers/x?api-version=1")]
        [InlineData("providers/x", "https://management.example.test/providers/x")]
        [InlineData("https://management.example.test/a?b=c", "https://management.example.test/a?b=c")]
        [InlineData("https://elsewhere.example.test/a", "https://elsewhere.example.test/a")]
        public void MakeUriResolvesAgainstTheResourceManager(string input, string expected)
        {
            Assert.Equal(new Uri(expected), TestArm.Client(new FakeTransport()).MakeUri(input));
        }

        [Fact]
        public async Task RequestCarriesUserAgentCommandNameAndBearer()
        {
            var t = new FakeTransport(Reply.With(200, "{}"));
            using var _ = await TestArm.Client(t).GetAsync("/x?api-version=1", new CallContext("Get-BillingAccount"), default);
            var r = t.Requests.Single();
            Assert.StartsWith("BillingPowerShell/", r.Header("User-Agent"));
            Assert.Equal("Get-BillingAccount", r.Header("x-ms-command-name"));
            Assert.Equal("Bearer " + FakeCredential.Token, r.Header("Authorization"));
            Assert.Equal(new Uri("https://management.example.test/x?api-version=1"), r.Uri);
        }

        // ---- bodies that are not what they should be ----

        [Theory]
        [InlineData("<html><body>Gateway</body></html>")]
        [InlineData("{\"value\":[{\"name\":\"a\"},{\"na")]
        [InlineData("not json at all")]
        [InlineData("{\"value\": [1,2,]}")]
        public async Task NonJsonOrTruncatedBodyIsInvalidResponseNotJsonException(string body)
        {
            var t = new FakeTransport(Reply.With(200, body, ("x-ms-request-id", "rid-9")));
            var ex = await Assert.ThrowsAsync<ArmException>(() => TestArm.Client(t).GetAsync("/x", new CallContext("c"), default));
            Assert.Equal("InvalidResponse", ex.Code);
            Assert.Equal("rid-9", ex.RequestId);
            Assert.IsNotType<JsonException>(ex.InnerException);
        }

        [Fact]
        public async Task TruncatedPageInAListIsInvalidResponse()
        {
            var t = new FakeTransport(Reply.With(200, "{\"value\":[{\"name\":\"a\"}"));
            var ex = await Assert.ThrowsAsync<ArmException>(() => All(List(TestArm.Client(t))));
            Assert.Equal("InvalidResponse", ex.Code);
        }

        [Fact]
        public async Task JsonWithUtf8BomIsAccepted()
        {
            var bytes = new byte[] { 0xEF, 0xBB, 0xBF }.Concat(Encoding.UTF8.GetBytes("{\"value\":[{\"name\":\"bom\"}]}")).ToArray();
            var t = new FakeTransport(Reply.Bytes(200, bytes, ("Content-Type", "application/json; charset=utf-8")));
            Assert.Equal(new[] { "bom" }, await All(List(TestArm.Client(t))));
        }

        [Fact]
        public async Task ArmV5ErrorWithDetailsIsParsed()
        {
            const string body = "{\"error\":{\"code\":\"InvalidBillingAccount\",\"message\":\"The billing account 'x' is not valid.\",\"target\":\"billingAccountName\","
                + "\"details\":[{\"code\":\"Inner\",\"message\":\"deeper\",\"target\":\"t\"}],\"additionalInfo\":[{\"type\":\"PolicyViolation\",\"info\":{\"a\":1}}]}}";
            var t = new FakeTransport(Reply.With(400, body, ("x-ms-request-id", "11111111-aaaa"), ("x-ms-correlation-request-id", "22222222-bbbb")));
            var ex = await Assert.ThrowsAsync<ArmException>(() => TestArm.Client(t).GetAsync("/x", new CallContext("c"), default));
            Assert.Equal(400, ex.Status);
            Assert.Equal("InvalidBillingAccount", ex.Code);
            Assert.Equal("The billing account 'x' is not valid.", ex.Message);
            Assert.Equal("billingAccountName", ex.Target);
            Assert.Equal("11111111-aaaa", ex.RequestId);
            Assert.Equal("22222222-bbbb", ex.CorrelationId);
        }

        [Fact]
        public async Task ErrorWithNumericStringCodeIsParsed()
        {
            var t = new FakeTransport { Handler = _ => Reply.With(429, "{\"error\": {\"code\": \"429\", \"message\": \"Too many requests. Please retry.\"}}") };
            var ex = await Assert.ThrowsAsync<ArmException>(() => TestArm.Client(t, o => o.Retry.MaxRetries = 0).GetAsync("/x", new CallContext("c"), default));
            Assert.Equal(429, ex.Status);
            Assert.Equal("429", ex.Code);
            Assert.Equal("Too many requests. Please retry.", ex.Message);
        }

        [Fact]
        public async Task StorageXmlErrorIsParsed()
        {
            const string xml = "\uFEFF<?xml version=\"1.0\" encoding=\"utf-8\"?><Error><Code>AuthenticationFailed</Code><Message>Server failed to authenticate the request. Make sure the value of Authorization header is formed correctly including the signature.\nRequestId:abc\nTime:2026-11-29T10:00:00Z</Message><AuthenticationErrorDetail>Signature fields not well formed.</AuthenticationErrorDetail></Error>";
            var t = new FakeTransport(Reply.With(403, xml, ("x-ms-request-id", "stor-1")));
            var ex = await Assert.ThrowsAsync<ArmException>(() => TestArm.Client(t).GetAsync("/x", new CallContext("c"), default));
            Assert.Equal(403, ex.Status);
            Assert.Equal("AuthenticationFailed", ex.Code);
            Assert.StartsWith("Server failed to authenticate the request.", ex.Message);
            Assert.Equal("stor-1", ex.RequestId);
            Assert.True(ex.IsPermission);
        }

        [Theory]
        [InlineData("{\"code\":\"Flat\",\"message\":\"flat shape\"}", "Flat", "flat shape")]
        [InlineData("{\"error\":\"just a string\"}", null, "Service Unavailable")]
        [InlineData("", null, "Service Unavailable")]
        [InlineData("<html>bad gateway</html>", null, "Service Unavailable")]
        [InlineData("{\"error\":{\"code\":503,\"message\":null}}", "503", "Service Unavailable")]
        public async Task OddErrorBodiesNeverThrowAnythingButArmException(string body, string? code, string message)
        {
            var t = new FakeTransport { Handler = _ => Reply.With(503, body).WithReason("Service Unavailable") };
            var ex = await Assert.ThrowsAsync<ArmException>(() => TestArm.Client(t, o => o.Retry.MaxRetries = 0).GetAsync("/x", new CallContext("c"), default));
            Assert.Equal(503, ex.Status);
            Assert.Equal(code, ex.Code);
            Assert.Equal(message, ex.Message);
        }

        [Fact]
        public async Task ErrorMessagesAreRedacted()
        {
            var body = TestArm.ArmError("Leaky", "Could not read https://store.blob.example/x.pdf?" + TestArm.Sas + " with Bearer " + FakeCredential.Token);
            var t = new FakeTransport(Reply.With(400, body));
            var ex = await Assert.ThrowsAsync<ArmException>(() => TestArm.Client(t).GetAsync("/x", new CallContext("c"), default));
            Assert.DoesNotContain("TOPSECRETsignature", ex.Message);
            Assert.DoesNotContain(FakeCredential.Token, ex.Message);
            Assert.DoesNotContain("U0VDUkVUU0lHTkFUVVJF", ex.Message);
            Assert.Contains("Could not read https://store.blob.example/x.pdf?", ex.Message);
        }

        [Fact]
        public async Task DebugLogNeverContainsTokenOrSignature()
        {
            var lines = new List<string>();
            var ctx = new CallContext("c") { Debug = s => { lock (lines) lines.Add(s); }, Verbose = s => { lock (lines) lines.Add(s); } };
            var next = TestArm.Base.AbsoluteUri + "p2?api-version=1&sig=LEAKEDsig123&token=" + FakeCredential.Token;
            var t = new FakeTransport(
                Reply.With(503), Reply.Throw(new System.IO.IOException("reset while sending Bearer " + FakeCredential.Token)),
                Reply.With(200, Page(next, "a")), Reply.With(200, Page(null, "b")));
            var items = await All(List(TestArm.Client(t), ctx));
            Assert.Equal(new[] { "a", "b" }, items);
            Assert.NotEmpty(lines);
            Assert.Contains(lines, l => l.Contains("/p2"));
            foreach (var l in lines)
            {
                Assert.DoesNotContain(FakeCredential.Token, l);
                Assert.DoesNotContain("sig=LEAKED", l);
                Assert.DoesNotContain("LEAKEDsig123", l);
            }
        }
    }
}
