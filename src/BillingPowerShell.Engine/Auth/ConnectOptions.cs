using System;
using System.Security;

namespace BillingPowerShell.Engine.Auth
{
    /// <summary>How the user asked to sign in. Plain data, so the cmdlets never touch an Azure.Identity type.</summary>
    public enum CredentialKind
    {
        Default,
        Interactive,
        DeviceCode,
        ManagedIdentity,
        ServicePrincipalSecret,
        ServicePrincipalCertificate,
        AccessToken,
    }

    public sealed class ConnectOptions
    {
        public CredentialKind Kind { get; set; } = CredentialKind.Default;
        public string Environment { get; set; } = "AzureCloud";
        public Uri? ResourceManagerUrl { get; set; }
        public string? TenantId { get; set; }
        public string? ClientId { get; set; }
        public SecureString? ClientSecret { get; set; }
        public string? CertificatePath { get; set; }
        public SecureString? CertificatePassword { get; set; }
        public string? CertificateThumbprint { get; set; }
        public SecureString? AccessToken { get; set; }
        /// <summary>Where the device-code prompt goes (the cmdlet writes it as a warning).</summary>
        public Action<string>? DeviceCodePrompt { get; set; }
    }
}
