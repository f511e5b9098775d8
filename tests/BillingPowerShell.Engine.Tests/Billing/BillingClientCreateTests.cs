using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Security;
using System.Threading;
using System.Threading.Tasks;
using Azure.Core;
using Azure.Identity;
using BillingPowerShell.Engine.Auth;
using BillingPowerShell.Engine.Billing;
using BillingPowerShell.Engine.Http;
using BillingPowerShell.Engine.Tests.Http;

namespace BillingPowerShell.Engine.Tests.Billing
{
    public sealed class BillingClientCreateTests
    {
        private const string Token = "opaque-token-value-1234567890";

        private static SecureString Secure(string s)
        {
            var ss = new SecureString();
            foreach (var c in s) ss.AppendChar(c);
            ss.MakeReadOnly();
            return ss;
        }

        private static ConnectOptions WithToken(string url) => new ConnectOptions
        {
            Kind = CredentialKind.AccessToken, AccessToken = Secure(Token), ResourceManagerUrl = new Uri(url),
        };

        [Theory]
        [InlineData("http://127.0.0.1:5000")]
        [InlineData("http://management.azure.com")]
        public async Task NonHttpsResourceManagerIsRefusedBeforeAnyTokenIsSent(string url)
        {
            var t = new FakeTransport { Handler = _ => Reply.With(200, "{\"value\":[]}") };
            var ex = Assert.Throws<UnsafeRequestException>(() => BillingClient.Create(WithToken(url), t));
            Assert.Contains("not HTTPS", ex.Message);
            Assert.DoesNotContain(Token, ex.Message);
            await Task.Yield();
            Assert.Equal(0, t.Count);
        }

        [Fact]
        public async Task AccessTokenAgainstACustomHttpsUrlGoesOnlyThere()
        {
            var t = new FakeTransport { Handler = _ => Reply.With(200, "{\"value\":[]}") };
            var client = BillingClient.Create(WithToken("https://127.0.0.1:5443"), t);
            Assert.Equal("Custom", client.Context.Environment);
            Assert.Equal("AccessToken", client.Context.CredentialKind);
            Assert.DoesNotContain(Token, client.Context.ToString());
            await client.VerifyAsync(new CallContext("Connect-BillingAccount"), default);
            var r = t.Requests.Single();
            Assert.Equal("https://127.0.0.1:5443/providers/Microsoft.Billing/billingAccounts?api-version=2024-04-01&top=1", r.Uri.AbsoluteUri);
            Assert.Equal("Bearer " + Token, r.Header("Authorization"));
            Assert.Equal("Connect-BillingAccount", r.Header("x-ms-command-name"));
            Assert.StartsWith("BillingPowerShell/", r.Header("User-Agent"));
        }

        [Fact]
        public async Task TheBlobClientOfTheSameConnectionNeverSendsTheToken()
        {
            var t = new FakeTransport { Handler = _ => Reply.Bytes(200, new byte[] { 1, 2, 3 }, ("Content-Length", "3")) };
            var client = BillingClient.Create(WithToken("https://127.0.0.1:5443"), t);
            using var ms = new MemoryStream();
            await client.Blob.CopyToAsync(new Uri("https://localhost:5444/blob/x.pdf?" + TestArm.Sas), ms, new CallContext("c"), default);
            Assert.Equal(new byte[] { 1, 2, 3 }, ms.ToArray());
            Assert.Null(t.Requests.Single().Header("Authorization"));
        }

        [Theory]
        [InlineData("AzureCloud", "https://management.azure.com/")]
        [InlineData("AzureChinaCloud", "https://management.chinacloudapi.cn/")]
        [InlineData("AzureUSGovernment", "https://management.usgovcloudapi.net/")]
        public async Task EachCloudTalksToItsOwnResourceManager(string environment, string expected)
        {
            var t = new FakeTransport { Handler = _ => Reply.With(200, "{\"value\":[]}") };
            var client = BillingClient.Create(new ConnectOptions { Kind = CredentialKind.AccessToken, AccessToken = Secure(Token), Environment = environment }, t);
            await client.VerifyAsync(new CallContext("c"), default);
            Assert.StartsWith(expected, t.Requests.Single().Uri.AbsoluteUri);
        }

        [Fact]
        public void UnknownEnvironmentIsAClearError()
        {
            var ex = Assert.Throws<ArgumentException>(() => BillingClient.Create(new ConnectOptions { Kind = CredentialKind.AccessToken, AccessToken = Secure(Token), Environment = "Mars" }, new FakeTransport()));
            Assert.Contains("AzureCloud", ex.Message);
        }

        private sealed class FailingCredential : TokenCredential
        {
            public override AccessToken GetToken(TokenRequestContext requestContext, CancellationToken cancellationToken) =>
                throw new AuthenticationFailedException("AADSTS70000: the grant is invalid; sent Bearer " + FakeCredential.Token);
            public override ValueTask<AccessToken> GetTokenAsync(TokenRequestContext requestContext, CancellationToken cancellationToken) =>
                throw new AuthenticationFailedException("AADSTS70000: the grant is invalid; sent Bearer " + FakeCredential.Token);
        }

        [Fact]
        public async Task CredentialFailureIsA401ArmExceptionWithoutSecretsAndNothingSent()
        {
            var t = new FakeTransport { Handler = _ => Reply.With(200, "{}") };
            var arm = new ArmClient(new FailingCredential(), TestArm.Options(), t);
            var ex = await Assert.ThrowsAsync<ArmException>(() => arm.GetAsync("/x", new CallContext("c"), default));
            Assert.Equal(401, ex.Status);
            Assert.Equal("CredentialUnavailable", ex.Code);
            Assert.True(ex.IsAuthentication);
            Assert.Contains("AADSTS70000", ex.Message);
            Assert.DoesNotContain(FakeCredential.Token, ex.Message);
            Assert.Equal(0, t.Count);
        }

        private sealed class ChainCredential : TokenCredential
        {
            internal const string Text = "DefaultAzureCredential failed to retrieve a token from the included credentials.\n" +
                "- EnvironmentCredential authentication unavailable.\n- ManagedIdentityCredential: sent Bearer " + FakeCredential.Token;
            public override AccessToken GetToken(TokenRequestContext requestContext, CancellationToken cancellationToken) => throw new AuthenticationFailedException(Text);
            public override ValueTask<AccessToken> GetTokenAsync(TokenRequestContext requestContext, CancellationToken cancellationToken) => throw new AuthenticationFailedException(Text);
        }

        [Fact]
        public async Task CredentialChainFailureSaysTheFirstLineAndListsTheRestOnDebug()
        {
            var debug = new List<string>();
            var arm = new ArmClient(new ChainCredential(), TestArm.Options(), new FakeTransport());
            var ex = await Assert.ThrowsAsync<ArmException>(() => arm.GetAsync("/x", new CallContext("c") { Debug = debug.Add }, default));
            Assert.Equal("CredentialUnavailable", ex.Code);
            Assert.Contains("DefaultAzureCredential failed to retrieve a token", ex.Message);
            Assert.Contains("-Debug", ex.Message);
            Assert.DoesNotContain("EnvironmentCredential", ex.Message);
            Assert.Contains(debug, d => d.Contains("EnvironmentCredential") && d.Contains("ManagedIdentityCredential"));
            Assert.DoesNotContain(debug, d => d.Contains(FakeCredential.Token));
        }

        [Fact]
        public async Task RejectedTokenIsNotRetried()
        {
            var t = new FakeTransport { Handler = _ => Reply.With(401, TestArm.ArmError("InvalidAuthenticationToken", "The access token is invalid.")) };
            var client = BillingClient.Create(WithToken("https://127.0.0.1:5443"), t);
            var ex = await Assert.ThrowsAsync<ArmException>(() => client.VerifyAsync(new CallContext("c"), default));
            Assert.True(ex.IsAuthentication);
            Assert.Equal("InvalidAuthenticationToken", ex.Code);
            Assert.Equal(1, t.Count);
        }
    }
}
