using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json;
using BillingPowerShell.Emulator.Data;

namespace BillingPowerShell.Emulator.Identity;

/// <summary>
/// The emulator's Microsoft Entra ID: one tenant, one application (service principal) with a client secret and a
/// client certificate (plus an expired one), a system-assigned and a user-assigned managed identity, and device-code
/// sign-ins of one user. Issues RS256 JWT access tokens for the Resource Manager audiences (the emulator's own URL and
/// the public cloud's) and for storage, which the emulator's Resource Manager accepts besides its static --token.
/// Ids are derived from the seed; the secret, the identity header and the keys are new on every run. Thread-safe.
/// </summary>
internal sealed class IdentityAuthority
{
    public const string StorageAudience = "https://storage.azure.com";
    public static readonly TimeSpan TokenLifetime = TimeSpan.FromHours(1);
    public static readonly TimeSpan DeviceCodeLifetime = TimeSpan.FromMinutes(15);

    private readonly RSA _signingKey = RSA.Create(2048);
    private readonly ConcurrentDictionary<string, DeviceCodeGrant> _deviceCodes = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, string> _refreshTokens = new(StringComparer.Ordinal);
    private readonly ConcurrentQueue<string> _issued = new();

    public IdentityAuthority(long seed, string certDir, int deviceCodeAutoApprove)
    {
        TenantId = Det.Guid(seed, "identity-tenant").ToString();
        ClientId = Det.Guid(seed, "identity-sp-client").ToString();
        ServicePrincipalObjectId = Det.Guid(seed, "identity-sp-object").ToString();
        SystemAssigned = new ManagedIdentity(Det.Guid(seed, "identity-mi-system-client").ToString(), Det.Guid(seed, "identity-mi-system-principal").ToString(),
            $"/subscriptions/{Det.Guid(seed, "identity-mi-subscription")}/resourceGroups/billing-automation/providers/Microsoft.Automation/automationAccounts/billing-runbooks");
        UserAssigned = new ManagedIdentity(Det.Guid(seed, "identity-mi-user-client").ToString(), Det.Guid(seed, "identity-mi-user-principal").ToString(),
            $"/subscriptions/{Det.Guid(seed, "identity-mi-subscription")}/resourceGroups/billing-automation/providers/Microsoft.ManagedIdentity/userAssignedIdentities/billing-reader");
        ClientSecret = "emu~" + RandomText(30);
        IdentityHeader = RandomText(24);
        KeyId = Base64Url(SHA256.HashData(_signingKey.ExportSubjectPublicKeyInfo())).Substring(0, 16);
        DeviceCodeAutoApprove = deviceCodeAutoApprove;
        User = new DeviceCodeUser(Det.Guid(seed, "identity-user").ToString(), "billing.admin@emulator.local", "Billing Admin (emulator)");

        Directory.CreateDirectory(certDir);
        var now = DateTimeOffset.UtcNow;
        ClientCertificate = CreateClientCertificate("CN=billing-automation (emulator)", now.AddDays(-1), now.AddDays(30));
        ClientCertificatePath = WritePfx(certDir, "client.pfx", ClientCertificate);
        ExpiredClientCertificate = CreateClientCertificate("CN=billing-automation expired (emulator)", now.AddDays(-60), now.AddDays(-30));
        ExpiredClientCertificatePath = WritePfx(certDir, "client-expired.pfx", ExpiredClientCertificate);
    }

    public string TenantId { get; }
    public string ClientId { get; }
    public string ServicePrincipalObjectId { get; }
    public string ClientSecret { get; }
    public string IdentityHeader { get; }
    public string KeyId { get; }
    public ManagedIdentity SystemAssigned { get; }
    public ManagedIdentity UserAssigned { get; }
    public X509Certificate2 ClientCertificate { get; }
    public string ClientCertificatePath { get; }
    public X509Certificate2 ExpiredClientCertificate { get; }
    public string ExpiredClientCertificatePath { get; }
    /// <summary>Pending answers a device code gets before it is approved by itself (0: only POST /_emulator/devicecode/approve).</summary>
    public int DeviceCodeAutoApprove { get; }
    /// <summary>https://127.0.0.1:port, set once the listener is up: the authority host and the emulator's own ARM audience.</summary>
    public string BaseUrl { get; set; } = "";
    public string Issuer => $"https://sts.windows.net/{TenantId}/";

    /// <summary>Resource Manager audiences: the emulator's own URL (the module's -ResourceManagerUrl audience) and the public cloud's.</summary>
    public bool IsArmAudience(string resource)
    {
        var r = resource.TrimEnd('/');
        return r.Equals(BaseUrl.TrimEnd('/'), StringComparison.OrdinalIgnoreCase)
            || r.Equals("https://management.azure.com", StringComparison.OrdinalIgnoreCase)
            || r.Equals("https://management.core.windows.net", StringComparison.OrdinalIgnoreCase);
    }

    public bool IsKnownAudience(string resource) => IsArmAudience(resource) || resource.TrimEnd('/').Equals(StorageAudience, StringComparison.OrdinalIgnoreCase);

    /// <summary>Tenants a request may name: the emulator's, and the multi-tenant aliases of public clients.</summary>
    public bool IsTenant(string tenant, bool publicClient) =>
        tenant.Equals(TenantId, StringComparison.OrdinalIgnoreCase)
        || (publicClient && (tenant.Equals("organizations", StringComparison.OrdinalIgnoreCase) || tenant.Equals("common", StringComparison.OrdinalIgnoreCase)));

    public ManagedIdentity? FindManagedIdentity(string? clientId, string? objectId, string? resourceId)
    {
        if (clientId == null && objectId == null && resourceId == null) return SystemAssigned;
        foreach (var mi in new[] { SystemAssigned, UserAssigned })
            if ((clientId != null && mi.ClientId.Equals(clientId, StringComparison.OrdinalIgnoreCase))
                || (objectId != null && mi.PrincipalId.Equals(objectId, StringComparison.OrdinalIgnoreCase))
                || (resourceId != null && mi.ResourceId.Equals(resourceId, StringComparison.OrdinalIgnoreCase)))
                return mi;
        return null;
    }

    /// <summary>An access token: JWT (RS256) with the claims Entra ID v1 tokens carry, as Azurite and ARM read them.</summary>
    public (string Token, DateTimeOffset ExpiresOn) IssueAccessToken(string audience, string appId, string objectId, string identityType, string? upn = null)
    {
        var now = DateTimeOffset.UtcNow;
        var expires = now.Add(TokenLifetime);
        var claims = new Dictionary<string, object>
        {
            ["aud"] = audience,
            ["iss"] = Issuer,
            ["iat"] = now.ToUnixTimeSeconds() - 1,
            ["nbf"] = now.ToUnixTimeSeconds() - 300,
            ["exp"] = expires.ToUnixTimeSeconds(),
            ["appid"] = appId,
            ["appidacr"] = identityType == "user" ? "0" : "1",
            ["idtyp"] = identityType == "user" ? "user" : "app",
            ["oid"] = objectId,
            ["sub"] = objectId,
            ["tid"] = TenantId,
            ["ver"] = "1.0",
            ["uti"] = RandomText(16),
        };
        if (upn != null) claims["upn"] = upn;
        var token = Sign(new Dictionary<string, object> { ["typ"] = "JWT", ["alg"] = "RS256", ["kid"] = KeyId }, claims);
        _issued.Enqueue(token);
        while (_issued.Count > 200 && _issued.TryDequeue(out _)) { }
        return (token, expires);
    }

    /// <summary>The tokens issued lately (admin endpoint): what the tests scan the module's output for.</summary>
    public IReadOnlyList<string> IssuedTokens => _issued.ToArray();

    /// <summary>True when <paramref name="token"/> is a JWT this emulator signed, valid now, for a Resource Manager audience.</summary>
    public bool AcceptsForArm(string token, out string? problem)
    {
        problem = null;
        var parts = token.Split('.');
        if (parts.Length != 3) { problem = "not a JWT"; return false; }
        try
        {
            using var header = JsonDocument.Parse(FromBase64Url(parts[0]));
            if (!header.RootElement.TryGetProperty("kid", out var kid) || kid.GetString() != KeyId) { problem = "unknown signing key"; return false; }
            var signed = Encoding.ASCII.GetBytes(parts[0] + "." + parts[1]);
            if (!_signingKey.VerifyData(signed, FromBase64Url(parts[2]), HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1)) { problem = "invalid signature"; return false; }
            using var payload = JsonDocument.Parse(FromBase64Url(parts[1]));
            var p = payload.RootElement;
            long now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
            if (p.GetProperty("exp").GetInt64() <= now) { problem = "expired"; return false; }
            if (p.GetProperty("nbf").GetInt64() > now + 300) { problem = "not yet valid"; return false; }
            if (!IsArmAudience(p.GetProperty("aud").GetString() ?? "")) { problem = "audience"; return false; }
            return true;
        }
        catch (Exception ex) when (ex is FormatException or JsonException or KeyNotFoundException or InvalidOperationException or CryptographicException)
        {
            problem = "malformed";
            return false;
        }
    }

    /// <summary>An id_token for a device-code user (MSAL only decodes it) and the matching client_info.</summary>
    public (string IdToken, string ClientInfo) IssueIdToken(string clientId, DeviceCodeUser user)
    {
        long now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        var claims = new Dictionary<string, object>
        {
            ["aud"] = clientId, ["iss"] = $"{BaseUrl}/{TenantId}/v2.0", ["iat"] = now, ["nbf"] = now, ["exp"] = now + 3600,
            ["name"] = user.Name, ["oid"] = user.ObjectId, ["preferred_username"] = user.UserName, ["sub"] = user.ObjectId,
            ["tid"] = TenantId, ["ver"] = "2.0",
        };
        var idToken = Sign(new Dictionary<string, object> { ["typ"] = "JWT", ["alg"] = "RS256", ["kid"] = KeyId }, claims);
        var clientInfo = Base64Url(JsonSerializer.SerializeToUtf8Bytes(new Dictionary<string, string> { ["uid"] = user.ObjectId, ["utid"] = TenantId }));
        return (idToken, clientInfo);
    }

    /// <summary>The one person who signs in with a device code.</summary>
    public DeviceCodeUser User { get; }

    public DeviceCodeGrant StartDeviceCode(string clientId, string resource)
    {
        var grant = new DeviceCodeGrant(RandomText(48), UserCode(), clientId, resource, DateTimeOffset.UtcNow.Add(DeviceCodeLifetime));
        _deviceCodes[grant.DeviceCode] = grant;
        return grant;
    }

    public DeviceCodeGrant? FindDeviceCode(string deviceCode) => _deviceCodes.TryGetValue(deviceCode, out var g) ? g : null;

    public IReadOnlyList<DeviceCodeGrant> PendingDeviceCodes => _deviceCodes.Values.Where(g => !g.Approved && !g.Redeemed).ToArray();

    /// <summary>Approves the pending device code with this user code, or every pending one when it is null; returns how many.</summary>
    public int Approve(string? userCode)
    {
        int n = 0;
        foreach (var g in _deviceCodes.Values)
            if (!g.Approved && !g.Redeemed && (userCode == null || g.UserCode.Equals(userCode, StringComparison.OrdinalIgnoreCase))) { g.Approved = true; n++; }
        return n;
    }

    public string IssueRefreshToken(string clientId)
    {
        var rt = "emu-rt." + RandomText(40);
        _refreshTokens[rt] = clientId;
        return rt;
    }

    public bool RedeemRefreshToken(string refreshToken, string clientId) =>
        _refreshTokens.TryGetValue(refreshToken, out var owner) && owner.Equals(clientId, StringComparison.OrdinalIgnoreCase);

    /// <summary>Which known client certificate a client assertion names (x5t#S256, or x5t), or null.</summary>
    public X509Certificate2? FindClientCertificate(string? x5tS256, string? x5t)
    {
        foreach (var c in new[] { ClientCertificate, ExpiredClientCertificate })
        {
            if (x5tS256 != null && Base64Url(SHA256.HashData(c.RawData)) == x5tS256.TrimEnd('=')) return c;
            if (x5t != null && Base64Url(SHA1.HashData(c.RawData)) == x5t.TrimEnd('=')) return c;
        }
        return null;
    }

    private string Sign(Dictionary<string, object> header, Dictionary<string, object> claims)
    {
        string h = Base64Url(JsonSerializer.SerializeToUtf8Bytes(header));
        string p = Base64Url(JsonSerializer.SerializeToUtf8Bytes(claims));
        var sig = _signingKey.SignData(Encoding.ASCII.GetBytes(h + "." + p), HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        return h + "." + p + "." + Base64Url(sig);
    }

    /// <summary>The JSON Web Key Set of the signing key (jwks_uri).</summary>
    public object Jwks()
    {
        var pk = _signingKey.ExportParameters(false);
        return new { keys = new[] { new { kty = "RSA", use = "sig", kid = KeyId, n = Base64Url(pk.Modulus!), e = Base64Url(pk.Exponent!) } } };
    }

    private static X509Certificate2 CreateClientCertificate(string subject, DateTimeOffset notBefore, DateTimeOffset notAfter)
    {
        using var rsa = RSA.Create(2048);
        var req = new CertificateRequest(subject, rsa, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        req.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
        using var created = req.CreateSelfSigned(notBefore, notAfter);
        return X509CertificateLoader.LoadPkcs12(created.Export(X509ContentType.Pkcs12), null, X509KeyStorageFlags.Exportable);
    }

    // PKCS#12 without a password (a test credential of this run only), as Connect-BillingAccount -CertificatePath and
    // AZURE_CLIENT_CERTIFICATE_PATH read it.
    private static string WritePfx(string dir, string name, X509Certificate2 cert)
    {
        var path = Path.GetFullPath(Path.Combine(dir, name));
        File.WriteAllBytes(path, cert.Export(X509ContentType.Pkcs12));
        return path;
    }

    private static string UserCode()
    {
        const string letters = "BCDFGHJKLMNPQRSTVWXZ";
        var b = RandomNumberGenerator.GetBytes(9);
        return new string(b.Select(x => letters[x % letters.Length]).ToArray());
    }

    private static string RandomText(int bytes) => Base64Url(RandomNumberGenerator.GetBytes(bytes));

    public static string Base64Url(byte[] b) => Convert.ToBase64String(b).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    public static byte[] FromBase64Url(string s)
    {
        s = s.Replace('-', '+').Replace('_', '/');
        return Convert.FromBase64String(s.PadRight(s.Length + (4 - s.Length % 4) % 4, '='));
    }
}

internal sealed record ManagedIdentity(string ClientId, string PrincipalId, string ResourceId);

internal sealed record DeviceCodeUser(string ObjectId, string UserName, string Name);

internal sealed class DeviceCodeGrant
{
    public DeviceCodeGrant(string deviceCode, string userCode, string clientId, string resource, DateTimeOffset expiresAt)
    {
        DeviceCode = deviceCode; UserCode = userCode; ClientId = clientId; Resource = resource; ExpiresAt = expiresAt;
    }
    public string DeviceCode { get; }
    public string UserCode { get; }
    public string ClientId { get; }
    public string Resource { get; }
    public DateTimeOffset ExpiresAt { get; }
    public volatile bool Approved;
    public volatile bool Redeemed;
    public int PendingAnswers;
}
