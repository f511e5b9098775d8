using System;

namespace BillingPowerShell
{
    /// <summary>The current connection: which cloud and identity, never a token.</summary>
    public sealed class BillingContext
    {
        public string Environment { get; set; } = "";
        public Uri ResourceManagerUrl { get; set; } = new Uri("https://management.azure.com");
        public string? TenantId { get; set; }
        public string CredentialKind { get; set; } = "";
        public string? ClientId { get; set; }
        public DateTimeOffset ConnectedAt { get; set; }
        public override string ToString() => $"{CredentialKind} @ {ResourceManagerUrl}";
    }
}
