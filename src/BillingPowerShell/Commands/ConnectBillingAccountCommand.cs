using System;
using System.Management.Automation;
using System.Security;
using System.Threading;
using BillingPowerShell.Engine.Auth;
using BillingPowerShell.Engine.Billing;
using BillingPowerShell.Engine.Http;

namespace BillingPowerShell.Commands
{
    /// <summary>Signs in for billing: picks the credential, checks it with one cheap call, and keeps the connection for the session.</summary>
    [Cmdlet(VerbsCommunications.Connect, "BillingAccount", DefaultParameterSetName = DefaultSet)]
    [OutputType(typeof(BillingContext))]
    public sealed class ConnectBillingAccountCommand : BillingApiCmdlet
    {
        private const string DefaultSet = "Default";
        private const string InteractiveSet = "Interactive";
        private const string DeviceCodeSet = "DeviceCode";
        private const string IdentitySet = "ManagedIdentity";
        private const string SecretSet = "ServicePrincipalSecret";
        private const string CertificatePathSet = "ServicePrincipalCertificatePath";
        private const string CertificateThumbprintSet = "ServicePrincipalCertificateThumbprint";
        private const string AccessTokenSet = "AccessToken";
        private const int MaxTransportFailures = 2;

        [Parameter(Mandatory = true, ParameterSetName = InteractiveSet)]
        public SwitchParameter Interactive { get; set; }

        [Parameter(Mandatory = true, ParameterSetName = DeviceCodeSet)]
        public SwitchParameter DeviceCode { get; set; }

        [Parameter(Mandatory = true, ParameterSetName = IdentitySet)]
        [Alias("ManagedIdentity")]
        public SwitchParameter Identity { get; set; }

        [Parameter(Mandatory = true, ParameterSetName = SecretSet)]
        [Parameter(Mandatory = true, ParameterSetName = CertificatePathSet)]
        [Parameter(Mandatory = true, ParameterSetName = CertificateThumbprintSet)]
        public SwitchParameter ServicePrincipal { get; set; }

        [Parameter(ParameterSetName = IdentitySet)]
        [Parameter(ParameterSetName = DefaultSet)]
        [Parameter(Mandatory = true, ParameterSetName = SecretSet)]
        [Parameter(Mandatory = true, ParameterSetName = CertificatePathSet)]
        [Parameter(Mandatory = true, ParameterSetName = CertificateThumbprintSet)]
        [ValidateNotNullOrEmpty]
        [Alias("ApplicationId")]
        public string? ClientId { get; set; }

        [Parameter(Mandatory = true, ParameterSetName = SecretSet)]
        [ValidateNotNull]
        public SecureString? ClientSecret { get; set; }

        [Parameter(Mandatory = true, ParameterSetName = CertificatePathSet)]
        [ValidateNotNullOrEmpty]
        public string? CertificatePath { get; set; }

        [Parameter(ParameterSetName = CertificatePathSet)]
        public SecureString? CertificatePassword { get; set; }

        [Parameter(Mandatory = true, ParameterSetName = CertificateThumbprintSet)]
        [ValidateFormat("^[0-9A-Fa-f]{40}$", "a certificate thumbprint: 40 hexadecimal digits are expected")]
        public string? CertificateThumbprint { get; set; }

        [Parameter(Mandatory = true, ParameterSetName = AccessTokenSet)]
        [ValidateNotNull]
        public SecureString? AccessToken { get; set; }

        [Parameter]
        [ValidateSet("AzureCloud", "AzureChinaCloud", "AzureUSGovernment")]
        public string Environment { get; set; } = "AzureCloud";

        [Parameter]
        [ValidateNotNull]
        public Uri? ResourceManagerUrl { get; set; }

        [Parameter(ParameterSetName = DefaultSet)]
        [Parameter(ParameterSetName = InteractiveSet)]
        [Parameter(ParameterSetName = DeviceCodeSet)]
        [Parameter(ParameterSetName = AccessTokenSet)]
        [Parameter(Mandatory = true, ParameterSetName = SecretSet)]
        [Parameter(Mandatory = true, ParameterSetName = CertificatePathSet)]
        [Parameter(Mandatory = true, ParameterSetName = CertificateThumbprintSet)]
        [ValidateNotNullOrEmpty]
        [Alias("Tenant")]
        public string? TenantId { get; set; }

        protected override void EndProcessing()
        {
            if (ResourceManagerUrl is Uri url && (!url.IsAbsoluteUri || url.Scheme != Uri.UriSchemeHttps))
                FailArgument("ResourceManagerUrlNotHttps",
                    $"The Resource Manager URL '{url}' is not an absolute HTTPS URL. The access token is only ever sent over HTTPS.", url, ErrorCategory.SecurityError);
            if (CertificatePath is not null && !System.IO.File.Exists(GetUnresolvedProviderPathFromPSPath(CertificatePath)))
                FailArgument("CertificateFileNotFound", $"The certificate file '{CertificatePath}' does not exist.", CertificatePath, ErrorCategory.ObjectNotFound);

            var options = new ConnectOptions
            {
                Kind = ParameterSetName switch
                {
                    InteractiveSet => CredentialKind.Interactive,
                    DeviceCodeSet => CredentialKind.DeviceCode,
                    IdentitySet => CredentialKind.ManagedIdentity,
                    SecretSet => CredentialKind.ServicePrincipalSecret,
                    CertificatePathSet or CertificateThumbprintSet => CredentialKind.ServicePrincipalCertificate,
                    AccessTokenSet => CredentialKind.AccessToken,
                    _ => CredentialKind.Default,
                },
                Environment = Environment,
                ResourceManagerUrl = ResourceManagerUrl,
                TenantId = TenantId,
                ClientId = ClientId,
                ClientSecret = ClientSecret,
                CertificatePath = CertificatePath is null ? null : GetUnresolvedProviderPathFromPSPath(CertificatePath),
                CertificatePassword = CertificatePassword,
                CertificateThumbprint = CertificateThumbprint,
                AccessToken = AccessToken,
                // Not this command's sink, which is dead once it ends: the prompt of a later sign-in goes to the command running then.
                DeviceCodePrompt = BillingSession.ShowDeviceCodePrompt,
            };

            BillingClient client;
            try
            {
                client = BillingClient.Create(options);
            }
            catch (Exception ex)
            {
                Fail(ex, ResourceManagerUrl ?? (object)Environment, "Could not connect");
                return;
            }

            Run(async (sink, token) =>
            {
                sink.WriteVerbose($"Checking the connection to {client.Context.ResourceManagerUrl} ({options.Kind}).");
                // The check is one cheap call: a host that cannot be reached at all is reported after a second failed
                // attempt, instead of after the full retry budget (minutes) that later commands get.
                var call = NewCall(sink);
                var transportFailures = 0;
                using var unreachable = CancellationTokenSource.CreateLinkedTokenSource(token);
                call.Retrying += (status, _) => { if (status == 0 && Interlocked.Increment(ref transportFailures) >= MaxTransportFailures) unreachable.Cancel(); };
                try
                {
                    await client.VerifyAsync(call, unreachable.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (!token.IsCancellationRequested && Volatile.Read(ref transportFailures) >= MaxTransportFailures)
                {
                    throw new ArmException(0, "TransportFailure",
                        $"Could not reach {client.Context.ResourceManagerUrl.GetLeftPart(UriPartial.Authority)}: {transportFailures} attempts failed to connect. Check the URL (-ResourceManagerUrl or -Environment), the network and any proxy.");
                }
                BillingSession.Set(client);
                sink.WriteObject(client.Context);
            }, client.Context.ResourceManagerUrl, "Could not connect");
        }
    }
}
