using System;
using System.Collections.Generic;
using System.Linq;
using System.Net.Http;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json;
using System.Threading;
using System.Threading.Tasks;
using Azure.Core;
using Azure.Core.Pipeline;
using Azure.Identity;
using BillingPowerShell.Emulator.Identity;
using BillingPowerShell.Emulator.Infrastructure;

namespace BillingPowerShell.Emulator.Tests;

/// <summary>
/// The emulator's Entra ID and managed identity endpoints, signed in to with the Azure.Identity the module ships
/// (service principal with a secret or a certificate, device code) or called as the managed identity sources call
/// them; the tokens it issues are accepted by its Resource Manager.
/// </summary>
[Collection("emulator")]
public sealed class IdentityTests
{
    private readonly EmulatorFixture _f;
    public IdentityTests(EmulatorFixture f) => _f = f;
    private IdentityAuthority Id => _f.Host.Services.Identity;
    private const string Accounts = "/providers/Microsoft.Billing/billingAccounts?api-version=2024-04-01";
    private string ArmScope => _f.Arm + "/.default";

    private T Options<T>(T o) where T : TokenCredentialOptions
    {
        o.AuthorityHost = new Uri(_f.Arm + "/");
        o.Transport = new HttpClientTransport(EmulatorFixture.CreateClient(_f.Host.Certificate));
        o.Retry.MaxRetries = 0;
        return o;
    }

    private async Task AssertArmAccepts(string token)
    {
        var (status, body, _) = await _f.Send(HttpMethod.Get, Accounts, token);
        Assert.Equal(200, status);
        Assert.Equal(_f.World.GetProperty("accounts").GetArrayLength(), body.GetProperty("value").GetArrayLength());
    }

    private static JsonElement Claims(string jwt)
    {
        var parts = jwt.Split('.');
        Assert.Equal(3, parts.Length);
        return JsonDocument.Parse(IdentityAuthority.FromBase64Url(parts[1])).RootElement.Clone();
    }

    [Fact]
    public async Task Client_secret_signs_in_and_the_token_reads_billing_data()
    {
        var credential = new ClientSecretCredential(Id.TenantId, Id.ClientId, Id.ClientSecret, Options(new ClientSecretCredentialOptions { DisableInstanceDiscovery = true }));
        var token = await credential.GetTokenAsync(new TokenRequestContext(new[] { ArmScope }), CancellationToken.None);
        Assert.True(token.ExpiresOn > DateTimeOffset.UtcNow.AddMinutes(50));
        var claims = Claims(token.Token);
        Assert.Equal(_f.Arm, claims.GetProperty("aud").GetString());
        Assert.Equal($"https://sts.windows.net/{Id.TenantId}/", claims.GetProperty("iss").GetString());
        Assert.Equal(Id.ClientId, claims.GetProperty("appid").GetString());
        await AssertArmAccepts(token.Token);
    }

    [Fact]
    public async Task Wrong_secret_is_invalid_client_AADSTS7000215_and_the_secret_is_not_echoed()
    {
        const string wrong = "wrong-secret-6f1d2c";
        var credential = new ClientSecretCredential(Id.TenantId, Id.ClientId, wrong, Options(new ClientSecretCredentialOptions { DisableInstanceDiscovery = true }));
        var ex = await Assert.ThrowsAsync<AuthenticationFailedException>(async () => await credential.GetTokenAsync(new TokenRequestContext(new[] { ArmScope }), CancellationToken.None));
        Assert.Contains("AADSTS7000215", ex.ToString());
        Assert.Contains("invalid_client", ex.ToString());
        Assert.DoesNotContain(wrong, ex.ToString());
        Assert.DoesNotContain(Id.ClientSecret, ex.ToString());

        // The raw answer: Entra ID's error shape, 401.
        using var res = await _f.Client.PostAsync($"{_f.Arm}/{Id.TenantId}/oauth2/v2.0/token", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["grant_type"] = "client_credentials", ["client_id"] = Id.ClientId, ["client_secret"] = wrong, ["scope"] = ArmScope,
        }));
        Assert.Equal(401, (int)res.StatusCode);
        var body = JsonDocument.Parse(await res.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal("invalid_client", body.GetProperty("error").GetString());
        Assert.StartsWith("AADSTS7000215: ", body.GetProperty("error_description").GetString());
        Assert.Equal(7000215, body.GetProperty("error_codes")[0].GetInt32());
        foreach (var name in new[] { "timestamp", "trace_id", "correlation_id" }) Assert.True(body.TryGetProperty(name, out _), name);
    }

    [Fact]
    public async Task Unknown_client_and_unknown_tenant_are_refused()
    {
        var other = new ClientSecretCredential(Id.TenantId, Guid.NewGuid().ToString(), Id.ClientSecret, Options(new ClientSecretCredentialOptions { DisableInstanceDiscovery = true }));
        var ex = await Assert.ThrowsAsync<AuthenticationFailedException>(async () => await other.GetTokenAsync(new TokenRequestContext(new[] { ArmScope }), CancellationToken.None));
        Assert.Contains("AADSTS700016", ex.ToString());
        var tenant = new ClientSecretCredential(Guid.NewGuid().ToString(), Id.ClientId, Id.ClientSecret, Options(new ClientSecretCredentialOptions { DisableInstanceDiscovery = true }));
        ex = await Assert.ThrowsAsync<AuthenticationFailedException>(async () => await tenant.GetTokenAsync(new TokenRequestContext(new[] { ArmScope }), CancellationToken.None));
        Assert.Contains("AADSTS90002", ex.ToString());
    }

    [Fact]
    public async Task Client_certificate_signs_in_from_the_pfx_the_emulator_wrote()
    {
        using var cert = X509CertificateLoader.LoadPkcs12FromFile(Id.ClientCertificatePath, null);
        Assert.True(cert.HasPrivateKey);
        foreach (var chain in new[] { false, true })
        {
            var credential = new ClientCertificateCredential(Id.TenantId, Id.ClientId, cert, Options(new ClientCertificateCredentialOptions { DisableInstanceDiscovery = true, SendCertificateChain = chain }));
            var token = await credential.GetTokenAsync(new TokenRequestContext(new[] { ArmScope }), CancellationToken.None);
            await AssertArmAccepts(token.Token);
        }
    }

    [Fact]
    public async Task Expired_certificate_is_refused_saying_the_key_is_expired()
    {
        using var cert = X509CertificateLoader.LoadPkcs12FromFile(Id.ExpiredClientCertificatePath, null);
        Assert.True(cert.NotAfter < DateTime.Now);
        var credential = new ClientCertificateCredential(Id.TenantId, Id.ClientId, cert, Options(new ClientCertificateCredentialOptions { DisableInstanceDiscovery = true }));
        var ex = await Assert.ThrowsAsync<AuthenticationFailedException>(async () => await credential.GetTokenAsync(new TokenRequestContext(new[] { ArmScope }), CancellationToken.None));
        Assert.Contains("AADSTS700027", ex.ToString());
        Assert.Contains("The key used is expired", ex.ToString());
    }

    [Fact]
    public async Task A_certificate_the_emulator_does_not_know_is_refused()
    {
        using var rsa = RSA.Create(2048);
        using var stranger = new CertificateRequest("CN=stranger", rsa, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1).CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));
        var credential = new ClientCertificateCredential(Id.TenantId, Id.ClientId, stranger, Options(new ClientCertificateCredentialOptions { DisableInstanceDiscovery = true }));
        var ex = await Assert.ThrowsAsync<AuthenticationFailedException>(async () => await credential.GetTokenAsync(new TokenRequestContext(new[] { ArmScope }), CancellationToken.None));
        Assert.Contains("AADSTS700027", ex.ToString());
        Assert.Contains("The key was not found", ex.ToString());
    }

    [Fact]
    public void Client_assertion_checks_signature_audience_issuer_subject_and_expiry()
    {
        using var cert = X509CertificateLoader.LoadPkcs12FromFile(Id.ClientCertificatePath, null);
        string endpoint = $"{_f.Arm}/{Id.TenantId}/oauth2/v2.0/token";
        long now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        string Assertion(string aud, string iss, string sub, long exp, X509Certificate2? signer = null)
        {
            var header = new Dictionary<string, object> { ["alg"] = "PS256", ["typ"] = "JWT", ["x5t#S256"] = IdentityAuthority.Base64Url(SHA256.HashData(cert.RawData)) };
            var payload = new Dictionary<string, object> { ["aud"] = aud, ["iss"] = iss, ["sub"] = sub, ["jti"] = Guid.NewGuid().ToString(), ["nbf"] = (now - 10).ToString(), ["exp"] = exp.ToString() };
            string signed = IdentityAuthority.Base64Url(JsonSerializer.SerializeToUtf8Bytes(header)) + "." + IdentityAuthority.Base64Url(JsonSerializer.SerializeToUtf8Bytes(payload));
            using var key = (signer ?? cert).GetRSAPrivateKey()!;
            return signed + "." + IdentityAuthority.Base64Url(key.SignData(Encoding.ASCII.GetBytes(signed), HashAlgorithmName.SHA256, RSASignaturePadding.Pss));
        }
        Assert.Null(IdentityEndpoints.CheckClientAssertion(Id, Assertion(endpoint, Id.ClientId, Id.ClientId, now + 600), Id.ClientId, endpoint));
        Assert.Equal(700212, IdentityEndpoints.CheckClientAssertion(Id, Assertion("https://login.microsoftonline.com/x/oauth2/v2.0/token", Id.ClientId, Id.ClientId, now + 600), Id.ClientId, endpoint)!.Value.Code);
        Assert.Equal(700021, IdentityEndpoints.CheckClientAssertion(Id, Assertion(endpoint, "someone-else", Id.ClientId, now + 600), Id.ClientId, endpoint)!.Value.Code);
        Assert.Equal(700021, IdentityEndpoints.CheckClientAssertion(Id, Assertion(endpoint, Id.ClientId, "someone-else", now + 600), Id.ClientId, endpoint)!.Value.Code);
        Assert.Equal(700024, IdentityEndpoints.CheckClientAssertion(Id, Assertion(endpoint, Id.ClientId, Id.ClientId, now - 60), Id.ClientId, endpoint)!.Value.Code);
        using var expired = X509CertificateLoader.LoadPkcs12FromFile(Id.ExpiredClientCertificatePath, null);
        // Signed by another key than the certificate named in the header.
        var wrongKey = IdentityEndpoints.CheckClientAssertion(Id, Assertion(endpoint, Id.ClientId, Id.ClientId, now + 600, expired), Id.ClientId, endpoint);
        Assert.Equal(700027, wrongKey!.Value.Code);
        Assert.Contains("did not match", wrongKey.Value.Message);
    }

    [Fact]
    public async Task Device_code_prompts_then_polls_through_authorization_pending_to_a_token()
    {
        var before = (await _f.GetAdmin("/_emulator/stats")).GetProperty("requests");
        long Count(JsonElement r, string n) => r.TryGetProperty(n, out var v) ? v.GetInt64() : 0;
        string? prompt = null;
        var credential = new DeviceCodeCredential(Options(new DeviceCodeCredentialOptions
        {
            TenantId = Id.TenantId,
            DisableInstanceDiscovery = true,
            DeviceCodeCallback = (info, _) => { prompt = info.Message; return Task.CompletedTask; },
        }));
        var token = await credential.GetTokenAsync(new TokenRequestContext(new[] { ArmScope }), CancellationToken.None);
        Assert.Matches(@"^To sign in, use a web browser to open the page https://127\.0\.0\.1:\d+/devicelogin and enter the code [A-Z]{9} to authenticate\.$", prompt);
        var claims = Claims(token.Token);
        Assert.Equal(Id.User.ObjectId, claims.GetProperty("oid").GetString());
        Assert.Equal("user", claims.GetProperty("idtyp").GetString());
        await AssertArmAccepts(token.Token);
        var after = (await _f.GetAdmin("/_emulator/stats")).GetProperty("requests");
        // One authorization_pending answer, then the token: at least two polls (other tests may poll too).
        Assert.True(Count(after, "Identity_Token") - Count(before, "Identity_Token") >= 2);
        // The second GetToken is silent (MSAL's cache): no new device code.
        await credential.GetTokenAsync(new TokenRequestContext(new[] { ArmScope }), CancellationToken.None);
    }

    [Fact]
    public async Task Device_code_waits_for_the_admin_approval_when_auto_approval_is_off()
    {
        var options = _f.Options();
        options.DeviceCodeAutoApprove = 0;
        options.CertDir = _f.CertDir + "-manual";
        await using var host = await EmulatorHost.StartAsync(options, EmulatorFixture.FixedToday);
        using var client = EmulatorFixture.CreateClient(host.Certificate);
        var id = host.Services.Identity;
        var form = new Dictionary<string, string> { ["client_id"] = "04b07795-8ddb-461a-bbee-02f9e1bf7b46", ["scope"] = host.ArmUrl + "/.default offline_access openid profile" };
        using var start = await client.PostAsync($"{host.ArmUrl}/organizations/oauth2/v2.0/devicecode", new FormUrlEncodedContent(form));
        var code = JsonDocument.Parse(await start.Content.ReadAsStringAsync()).RootElement.Clone();
        Assert.Equal(1, code.GetProperty("interval").GetInt32());
        var poll = new Dictionary<string, string> { ["client_id"] = form["client_id"], ["grant_type"] = "device_code", ["device_code"] = code.GetProperty("device_code").GetString()!, ["scope"] = form["scope"] };
        for (int i = 0; i < 3; i++)
        {
            using var pending = await client.PostAsync($"{host.ArmUrl}/organizations/oauth2/v2.0/token", new FormUrlEncodedContent(poll));
            Assert.Equal(400, (int)pending.StatusCode);
            Assert.Equal("authorization_pending", JsonDocument.Parse(await pending.Content.ReadAsStringAsync()).RootElement.GetProperty("error").GetString());
        }
        using var approve = new HttpRequestMessage(HttpMethod.Post, host.ArmUrl + "/_emulator/devicecode/approve")
        { Content = new StringContent(JsonSerializer.Serialize(new { userCode = code.GetProperty("user_code").GetString() }), Encoding.UTF8, "application/json") };
        approve.Headers.Add("x-emulator-admin", "true");
        using var approved = await client.SendAsync(approve);
        Assert.Equal(1, JsonDocument.Parse(await approved.Content.ReadAsStringAsync()).RootElement.GetProperty("approved").GetInt32());
        using var ok = await client.PostAsync($"{host.ArmUrl}/organizations/oauth2/v2.0/token", new FormUrlEncodedContent(poll));
        Assert.Equal(200, (int)ok.StatusCode);
        var tokens = JsonDocument.Parse(await ok.Content.ReadAsStringAsync()).RootElement;
        foreach (var name in new[] { "access_token", "id_token", "client_info", "refresh_token" }) Assert.False(string.IsNullOrEmpty(tokens.GetProperty(name).GetString()), name);
        Assert.Equal("Bearer", tokens.GetProperty("token_type").GetString());
        // A device code is redeemed once.
        using var again = await client.PostAsync($"{host.ArmUrl}/organizations/oauth2/v2.0/token", new FormUrlEncodedContent(poll));
        Assert.Equal("invalid_grant", JsonDocument.Parse(await again.Content.ReadAsStringAsync()).RootElement.GetProperty("error").GetString());
    }

    private async Task<(int Status, JsonElement Body)> GetMi(string pathAndQuery, params (string Name, string Value)[] headers)
    {
        using var req = new HttpRequestMessage(HttpMethod.Get, _f.Arm + pathAndQuery);
        foreach (var (n, v) in headers) req.Headers.Add(n, v);
        using var res = await _f.Client.SendAsync(req);
        return ((int)res.StatusCode, JsonDocument.Parse(await res.Content.ReadAsStringAsync()).RootElement.Clone());
    }

    [Fact]
    public async Task App_service_managed_identity_endpoint_system_and_user_assigned()
    {
        string resource = Uri.EscapeDataString(_f.Arm);
        var header = ("X-IDENTITY-HEADER", Id.IdentityHeader);
        var (status, body) = await GetMi($"/msi/token?api-version=2019-08-01&resource={resource}", header);
        Assert.Equal(200, status);
        Assert.Equal(Id.SystemAssigned.ClientId, body.GetProperty("client_id").GetString());
        Assert.Equal("Bearer", body.GetProperty("token_type").GetString());
        long expiresOn = long.Parse(body.GetProperty("expires_on").GetString()!);
        Assert.True(expiresOn > DateTimeOffset.UtcNow.AddMinutes(50).ToUnixTimeSeconds());
        Assert.Equal(Id.SystemAssigned.PrincipalId, Claims(body.GetProperty("access_token").GetString()!).GetProperty("oid").GetString());
        await AssertArmAccepts(body.GetProperty("access_token").GetString()!);

        foreach (var query in new[] { $"client_id={Id.UserAssigned.ClientId}", $"object_id={Id.UserAssigned.PrincipalId}", $"principal_id={Id.UserAssigned.PrincipalId}", $"mi_res_id={Uri.EscapeDataString(Id.UserAssigned.ResourceId)}" })
        {
            (status, body) = await GetMi($"/msi/token?api-version=2019-08-01&resource={resource}&{query}", header);
            Assert.Equal(200, status);
            Assert.Equal(Id.UserAssigned.ClientId, body.GetProperty("client_id").GetString());
        }
        (status, body) = await GetMi($"/msi/token?api-version=2019-08-01&resource={resource}&client_id={Guid.NewGuid()}", header);
        Assert.Equal(400, status);
        Assert.Contains("No managed identity", body.GetProperty("message").GetString());
        (status, _) = await GetMi($"/msi/token?api-version=2019-08-01&resource={resource}");
        Assert.Equal(401, status);
        (status, _) = await GetMi($"/msi/token?api-version=2019-08-01&resource={resource}", ("X-IDENTITY-HEADER", "guess"));
        Assert.Equal(401, status);
        (status, _) = await GetMi($"/msi/token?api-version=2017-09-01&resource={resource}", header);
        Assert.Equal(400, status);
    }

    [Fact]
    public async Task Imds_path_needs_the_metadata_header_and_answers_as_a_vm_does()
    {
        string q = $"/metadata/identity/oauth2/token?api-version=2018-02-01&resource={Uri.EscapeDataString("https://management.azure.com/")}";
        var (status, body) = await GetMi(q);
        Assert.Equal(400, status);
        Assert.Equal("invalid_request", body.GetProperty("error").GetString());
        (status, body) = await GetMi(q, ("Metadata", "true"));
        Assert.Equal(200, status);
        foreach (var name in new[] { "access_token", "expires_in", "expires_on", "not_before", "resource", "token_type" }) Assert.Equal(JsonValueKind.String, body.GetProperty(name).ValueKind);
        await AssertArmAccepts(body.GetProperty("access_token").GetString()!);
        (status, body) = await GetMi(q + "&msi_res_id=" + Uri.EscapeDataString(Id.UserAssigned.ResourceId), ("Metadata", "true"));
        Assert.Equal(Id.UserAssigned.ClientId, body.GetProperty("client_id").GetString());
        (status, body) = await GetMi(q + "&client_id=" + Guid.NewGuid(), ("Metadata", "true"));
        Assert.Equal(400, status);
        Assert.Equal("Identity not found", body.GetProperty("error_description").GetString());
    }

    [Fact]
    public async Task Storage_tokens_carry_the_claims_Azurite_checks_and_Resource_Manager_refuses_them()
    {
        var credential = new ClientSecretCredential(Id.TenantId, Id.ClientId, Id.ClientSecret, Options(new ClientSecretCredentialOptions { DisableInstanceDiscovery = true }));
        var token = await credential.GetTokenAsync(new TokenRequestContext(new[] { "https://storage.azure.com/.default" }), CancellationToken.None);
        var claims = Claims(token.Token);
        Assert.Equal("https://storage.azure.com", claims.GetProperty("aud").GetString());
        Assert.StartsWith("https://sts.windows.net/", claims.GetProperty("iss").GetString());
        long now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        Assert.True(claims.GetProperty("nbf").GetInt64() <= now);
        Assert.True(claims.GetProperty("exp").GetInt64() > now + 3000);
        var (status, _, _) = await _f.Send(HttpMethod.Get, Accounts, token.Token);
        Assert.Equal(401, status);

        // A resource the tenant does not have.
        var ex = await Assert.ThrowsAsync<AuthenticationFailedException>(async () => await credential.GetTokenAsync(new TokenRequestContext(new[] { "https://vault.azure.net/.default" }), CancellationToken.None));
        Assert.Contains("AADSTS500011", ex.ToString());
    }

    [Fact]
    public async Task Tampered_or_foreign_jwts_are_refused_by_Resource_Manager()
    {
        var (token, _) = Id.IssueAccessToken(_f.Arm, Id.ClientId, Id.ServicePrincipalObjectId, "app");
        await AssertArmAccepts(token);
        var parts = token.Split('.');
        var claims = JsonSerializer.Deserialize<Dictionary<string, JsonElement>>(IdentityAuthority.FromBase64Url(parts[1]))!;
        claims["exp"] = JsonSerializer.SerializeToElement(DateTimeOffset.UtcNow.AddDays(10).ToUnixTimeSeconds());
        string tampered = parts[0] + "." + IdentityAuthority.Base64Url(JsonSerializer.SerializeToUtf8Bytes(claims)) + "." + parts[2];
        var (status, _, _) = await _f.Send(HttpMethod.Get, Accounts, tampered);
        Assert.Equal(401, status);
    }

    [Fact]
    public async Task Authority_metadata_instance_discovery_and_openid_configuration()
    {
        using var res = await _f.Client.GetAsync($"{_f.Arm}/common/discovery/instance?api-version=1.1&authorization_endpoint={Uri.EscapeDataString(_f.Arm + "/" + Id.TenantId + "/oauth2/v2.0/authorize")}");
        var disc = JsonDocument.Parse(await res.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal($"{_f.Arm}/{Id.TenantId}/v2.0/.well-known/openid-configuration", disc.GetProperty("tenant_discovery_endpoint").GetString());
        Assert.Equal(new Uri(_f.Arm).Authority, disc.GetProperty("metadata")[0].GetProperty("preferred_network").GetString());
        using var oidc = await _f.Client.GetAsync(disc.GetProperty("tenant_discovery_endpoint").GetString());
        var config = JsonDocument.Parse(await oidc.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal($"{_f.Arm}/{Id.TenantId}/oauth2/v2.0/token", config.GetProperty("token_endpoint").GetString());
        Assert.Equal($"{_f.Arm}/{Id.TenantId}/oauth2/v2.0/devicecode", config.GetProperty("device_authorization_endpoint").GetString());
        using var keys = await _f.Client.GetAsync(config.GetProperty("jwks_uri").GetString());
        Assert.Equal(Id.KeyId, JsonDocument.Parse(await keys.Content.ReadAsStringAsync()).RootElement.GetProperty("keys")[0].GetProperty("kid").GetString());
    }

    [Fact]
    public void Ready_json_names_what_a_client_needs_to_sign_in()
    {
        var ready = JsonDocument.Parse(_f.Host.ReadyJson()).RootElement;
        Assert.Equal(_f.Arm + "/", ready.GetProperty("authorityHost").GetString());
        Assert.Equal(_f.Arm + "/msi/token", ready.GetProperty("identityEndpoint").GetString());
        Assert.Equal(Id.IdentityHeader, ready.GetProperty("identityHeader").GetString());
        Assert.Equal(Id.TenantId, ready.GetProperty("tenantId").GetString());
        Assert.Equal(Id.ClientId, ready.GetProperty("clientId").GetString());
        Assert.Equal(Id.ClientSecret, ready.GetProperty("clientSecret").GetString());
        Assert.True(System.IO.File.Exists(ready.GetProperty("clientCertificatePath").GetString()));
        Assert.True(System.IO.File.Exists(ready.GetProperty("expiredClientCertificatePath").GetString()));
        Assert.Equal(Id.UserAssigned.ClientId, ready.GetProperty("managedIdentityClientId").GetString());
    }
}
