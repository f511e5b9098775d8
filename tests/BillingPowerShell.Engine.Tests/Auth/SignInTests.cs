using System;
using Azure.Identity;
using BillingPowerShell.Engine.Auth;
using BillingPowerShell.Engine.Http;

namespace BillingPowerShell.Engine.Tests.Auth
{
    /// <summary>Where the credentials sign in (AZURE_AUTHORITY_HOST) and what a failed sign-in says.</summary>
    public sealed class SignInTests
    {
        [Fact]
        public void A_failure_at_Entra_ID_says_the_servers_reason_up_to_the_trace_ids()
        {
            var inner = new Exception("A configuration issue is preventing authentication - check the error message from the server for details. Original exception: AADSTS7000215: Invalid client secret provided. Ensure the secret being sent in the request is the client secret value. Trace ID: 1 Correlation ID: 2 Timestamp: 2026-12-07 16:00:00Z");
            var ex = new AuthenticationFailedException("ClientSecretCredential authentication failed: ", inner);
            Assert.Equal("ClientSecretCredential authentication failed: AADSTS7000215: Invalid client secret provided. Ensure the secret being sent in the request is the client secret value.", ArmClient.SignInFailure(ex));
        }

        [Fact]
        public void A_failure_that_says_its_reason_is_kept_as_it_is()
        {
            var ex = new AuthenticationFailedException("ManagedIdentityCredential authentication failed: No managed identity found.", new Exception("inner"));
            Assert.Equal(ex.Message, ArmClient.SignInFailure(ex));
        }

        [Fact]
        public void The_public_cloud_honours_AZURE_AUTHORITY_HOST_and_refuses_one_that_is_not_https()
        {
            var saved = Environment.GetEnvironmentVariable("AZURE_AUTHORITY_HOST");
            try
            {
                Environment.SetEnvironmentVariable("AZURE_AUTHORITY_HOST", null);
                Assert.Equal(CloudEnvironment.AzureCloud.AuthorityHost, CredentialFactory.AuthorityHostFor(CloudEnvironment.AzureCloud));
                Environment.SetEnvironmentVariable("AZURE_AUTHORITY_HOST", "https://127.0.0.1:4443/");
                Assert.Equal(new Uri("https://127.0.0.1:4443/"), CredentialFactory.AuthorityHostFor(CloudEnvironment.AzureCloud));
                Assert.Equal(new Uri("https://127.0.0.1:4443/"), CredentialFactory.AuthorityHostFor(CloudEnvironment.Custom(new Uri("https://127.0.0.1:4443"), CloudEnvironment.AzureCloud)));
                // A sovereign cloud chosen with -Environment keeps its own sign-in host.
                Assert.Equal(CloudEnvironment.AzureUSGovernment.AuthorityHost, CredentialFactory.AuthorityHostFor(CloudEnvironment.AzureUSGovernment));
                Environment.SetEnvironmentVariable("AZURE_AUTHORITY_HOST", "http://127.0.0.1:4443/");
                var ex = Assert.Throws<ArgumentException>(() => CredentialFactory.AuthorityHostFor(CloudEnvironment.AzureCloud));
                Assert.Contains("AZURE_AUTHORITY_HOST", ex.Message);
            }
            finally
            {
                Environment.SetEnvironmentVariable("AZURE_AUTHORITY_HOST", saved);
            }
        }
    }
}
