using System;
using System.Runtime.InteropServices;
using System.Security;
using System.Security.Cryptography.X509Certificates;
using System.Threading;
using System.Threading.Tasks;
using Azure.Core;
using Azure.Identity;

namespace BillingPowerShell.Engine.Auth
{
    /// <summary>Builds the Azure.Identity credential for a <see cref="ConnectOptions"/>.</summary>
    public static class CredentialFactory
    {
        public static TokenCredential Create(ConnectOptions o, CloudEnvironment cloud)
        {
            // Only the kinds that sign in at Entra ID read the authority host (and AZURE_AUTHORITY_HOST).
            // Instance discovery asks login.microsoftonline.com whether the authority is a Microsoft one. A private
            // authority (Azure Stack Hub's, a local emulator's) is never on that list: skip the question for it, as
            // Azure.Identity documents for such hosts.
            var usesAuthority = o.Kind is not (CredentialKind.AccessToken or CredentialKind.ManagedIdentity);
            var authority = usesAuthority ? AuthorityHostFor(cloud) : cloud.AuthorityHost;
            var disableDiscovery = !IsKnownAuthorityHost(authority);
            switch (o.Kind)
            {
                case CredentialKind.AccessToken:
                    return new StaticTokenCredential(Unprotect(o.AccessToken) ?? throw new ArgumentException("An access token is required.", nameof(o.AccessToken)));
                case CredentialKind.ManagedIdentity:
                    return new ManagedIdentityCredential(string.IsNullOrEmpty(o.ClientId) ? ManagedIdentityId.SystemAssigned : ManagedIdentityId.FromUserAssignedClientId(o.ClientId));
                case CredentialKind.ServicePrincipalSecret:
                    return new ClientSecretCredential(o.TenantId, o.ClientId, Unprotect(o.ClientSecret),
                        new ClientSecretCredentialOptions { AuthorityHost = authority, DisableInstanceDiscovery = disableDiscovery });
                case CredentialKind.ServicePrincipalCertificate:
                    return new ClientCertificateCredential(o.TenantId, o.ClientId, LoadCertificate(o),
                        new ClientCertificateCredentialOptions { AuthorityHost = authority, SendCertificateChain = true, DisableInstanceDiscovery = disableDiscovery });
                case CredentialKind.Interactive:
                    return new InteractiveBrowserCredential(new InteractiveBrowserCredentialOptions { TenantId = o.TenantId, AuthorityHost = authority, DisableInstanceDiscovery = disableDiscovery });
                case CredentialKind.DeviceCode:
                    return new DeviceCodeCredential(new DeviceCodeCredentialOptions
                    {
                        TenantId = o.TenantId,
                        AuthorityHost = authority,
                        DisableInstanceDiscovery = disableDiscovery,
                        DeviceCodeCallback = (info, _) => { o.DeviceCodePrompt?.Invoke(info.Message); return Task.CompletedTask; },
                    });
                default:
                    // TenantId and ManagedIdentityClientId start out as AZURE_TENANT_ID and AZURE_CLIENT_ID: overwritten
                    // only when given, or the chain's EnvironmentCredential would find no tenant.
                    var chain = new DefaultAzureCredentialOptions
                    {
                        AuthorityHost = authority,
                        DisableInstanceDiscovery = disableDiscovery,
                        ExcludeInteractiveBrowserCredential = true,
                    };
                    if (!string.IsNullOrEmpty(o.TenantId)) chain.TenantId = o.TenantId;
                    if (!string.IsNullOrEmpty(o.ClientId)) chain.ManagedIdentityClientId = o.ClientId;
                    return new DefaultAzureCredential(chain);
            }
        }

        /// <summary>
        /// Where Entra ID is: the chosen cloud's sign-in host, except that in the public cloud (the default) the
        /// AZURE_AUTHORITY_HOST environment variable is honoured, as Azure.Identity and the Azure CLI do (a private
        /// cloud, a local emulator). A value that is not an absolute HTTPS URL is refused: credentials are only sent over HTTPS.
        /// </summary>
        internal static Uri AuthorityHostFor(CloudEnvironment cloud)
        {
            if (cloud.AuthorityHost != CloudEnvironment.AzureCloud.AuthorityHost) return cloud.AuthorityHost;
            var text = System.Environment.GetEnvironmentVariable("AZURE_AUTHORITY_HOST");
            if (string.IsNullOrWhiteSpace(text)) return cloud.AuthorityHost;
            if (!Uri.TryCreate(text!.Trim(), UriKind.Absolute, out var uri) || uri.Scheme != Uri.UriSchemeHttps)
                throw new ArgumentException($"The AZURE_AUTHORITY_HOST environment variable ('{text}') is not an absolute HTTPS URL. Credentials are only ever sent over HTTPS.");
            return uri;
        }

        private static bool IsKnownAuthorityHost(Uri authority)
        {
            foreach (var c in CloudEnvironment.All)
                if (Uri.Compare(c.AuthorityHost, authority, UriComponents.SchemeAndServer, UriFormat.Unescaped, StringComparison.OrdinalIgnoreCase) == 0) return true;
            return false;
        }

        private static X509Certificate2 LoadCertificate(ConnectOptions o)
        {
            if (!string.IsNullOrEmpty(o.CertificatePath))
                return new X509Certificate2(o.CertificatePath, Unprotect(o.CertificatePassword), X509KeyStorageFlags.DefaultKeySet);
            using var store = new X509Store(StoreName.My, StoreLocation.CurrentUser);
            store.Open(OpenFlags.ReadOnly);
            var found = store.Certificates.Find(X509FindType.FindByThumbprint, o.CertificateThumbprint ?? "", validOnly: false);
            if (found.Count == 0) throw new ArgumentException($"No certificate with thumbprint {o.CertificateThumbprint} is in the current user's store.");
            return found[0];
        }

        internal static string? Unprotect(SecureString? secure)
        {
            if (secure is null) return null;
            var ptr = IntPtr.Zero;
            try
            {
                ptr = Marshal.SecureStringToGlobalAllocUnicode(secure);
                return Marshal.PtrToStringUni(ptr);
            }
            finally
            {
                if (ptr != IntPtr.Zero) Marshal.ZeroFreeGlobalAllocUnicode(ptr);
            }
        }
    }

    /// <summary>A token obtained elsewhere (Get-AzAccessToken, az account get-access-token, a pipeline secret).</summary>
    internal sealed class StaticTokenCredential : TokenCredential
    {
        private readonly AccessToken _token;
        public StaticTokenCredential(string token) { _token = new AccessToken(token, ExpiryOf(token)); }
        public override AccessToken GetToken(TokenRequestContext requestContext, CancellationToken cancellationToken) => _token;
        public override ValueTask<AccessToken> GetTokenAsync(TokenRequestContext requestContext, CancellationToken cancellationToken) => new ValueTask<AccessToken>(_token);

        // A JWT says when it expires; anything else is treated as good for an hour (Azure.Core refreshes nothing we cannot renew anyway).
        private static DateTimeOffset ExpiryOf(string token)
        {
            try
            {
                var parts = token.Split('.');
                if (parts.Length == 3)
                {
                    var payload = parts[1].Replace('-', '+').Replace('_', '/');
                    payload = payload.PadRight(payload.Length + (4 - payload.Length % 4) % 4, '=');
                    using var doc = System.Text.Json.JsonDocument.Parse(Convert.FromBase64String(payload));
                    if (doc.RootElement.TryGetProperty("exp", out var exp) && exp.TryGetInt64(out var seconds))
                        return DateTimeOffset.FromUnixTimeSeconds(seconds);
                }
            }
            catch (FormatException) { }
            catch (System.Text.Json.JsonException) { }
            return Http.BillingClock.Now().AddHours(1);
        }
    }
}
