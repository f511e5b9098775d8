using System;
using System.Collections.Generic;
using System.Linq;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json;
using System.Threading.Tasks;
using BillingPowerShell.Emulator.Infrastructure;
using Microsoft.AspNetCore.Http;

namespace BillingPowerShell.Emulator.Identity;

/// <summary>
/// Microsoft Entra ID and the managed identity endpoints, on the emulator's Resource Manager port, as Azure.Identity
/// (MSAL) calls them (src/BillingPowerShell.Emulator/README.md, "Sign-in: Entra ID and managed identity"):
/// <list type="bullet">
/// <item><c>GET /common/discovery/instance</c>, <c>GET /{tenant}/v2.0/.well-known/openid-configuration</c>,
/// <c>GET /{tenant}/discovery/v2.0/keys</c>: authority metadata.</item>
/// <item><c>POST /{tenant}/oauth2/v2.0/token</c>: client_credentials (client_secret or a certificate's client_assertion),
/// device_code polling, refresh_token.</item>
/// <item><c>POST /{tenant}/oauth2/v2.0/devicecode</c>: starts a device-code sign-in.</item>
/// <item><c>GET /msi/token</c>: the App Service / Functions / Automation endpoint (IDENTITY_ENDPOINT + IDENTITY_HEADER, api-version 2019-08-01).</item>
/// <item><c>GET /metadata/identity/oauth2/token</c>: the VM instance metadata service's path (header Metadata: true).</item>
/// <item>Admin (<c>x-emulator-admin: true</c>): <c>GET /_emulator/identity</c>, <c>GET /_emulator/devicecode</c>, <c>POST /_emulator/devicecode/approve</c>.</item>
/// </list>
/// Errors have Entra ID's shape (<c>error</c>, <c>error_description</c> starting "AADSTSnnnn:", <c>error_codes</c>, ...);
/// no secret is ever echoed back.
/// </summary>
internal static class IdentityEndpoints
{
    private static readonly string[] OidcScopes = { "openid", "profile", "offline_access" };

    /// <summary>Handles the request when it is an identity request; false when it is not (Resource Manager's then).</summary>
    public static async Task<bool> TryHandleAsync(HttpContext ctx, EmulatorServices e)
    {
        var id = e.Identity;
        string path = (ctx.Request.Path.Value ?? "/").TrimEnd('/');
        var segs = path.Split('/', StringSplitOptions.RemoveEmptyEntries);
        string method = ctx.Request.Method.ToUpperInvariant();

        if (path.StartsWith("/_emulator/identity", StringComparison.OrdinalIgnoreCase) || path.StartsWith("/_emulator/devicecode", StringComparison.OrdinalIgnoreCase))
        {
            await AdminAsync(ctx, id, path.ToLowerInvariant(), method);
            return true;
        }
        if (segs.Length == 2 && segs[0].Equals("msi", StringComparison.OrdinalIgnoreCase) && segs[1].Equals("token", StringComparison.OrdinalIgnoreCase) && method == "GET")
        {
            e.Stats.Request("Identity_ManagedIdentity_AppService");
            await AppServiceManagedIdentityAsync(ctx, id);
            return true;
        }
        if (path.Equals("/metadata/identity/oauth2/token", StringComparison.OrdinalIgnoreCase) && method == "GET")
        {
            e.Stats.Request("Identity_ManagedIdentity_Imds");
            await ImdsAsync(ctx, id);
            return true;
        }
        if (segs.Length == 3 && segs[1].Equals("discovery", StringComparison.OrdinalIgnoreCase) && segs[2].Equals("instance", StringComparison.OrdinalIgnoreCase) && method == "GET")
        {
            e.Stats.Request("Identity_InstanceDiscovery");
            await InstanceDiscoveryAsync(ctx, id);
            return true;
        }
        if (segs.Length >= 2 && path.EndsWith("/.well-known/openid-configuration", StringComparison.OrdinalIgnoreCase) && method == "GET")
        {
            e.Stats.Request("Identity_OpenIdConfiguration");
            await OpenIdConfigurationAsync(ctx, id, segs[0]);
            return true;
        }
        if (segs.Length == 4 && segs[1].Equals("discovery", StringComparison.OrdinalIgnoreCase) && segs[3].Equals("keys", StringComparison.OrdinalIgnoreCase) && method == "GET")
        {
            e.Stats.Request("Identity_Keys");
            await WriteJson(ctx, 200, id.Jwks());
            return true;
        }
        if (segs.Length == 4 && segs[1].Equals("oauth2", StringComparison.OrdinalIgnoreCase) && segs[2].Equals("v2.0", StringComparison.OrdinalIgnoreCase))
        {
            if (segs[3].Equals("token", StringComparison.OrdinalIgnoreCase) && method == "POST")
            {
                e.Stats.Request("Identity_Token");
                await TokenAsync(ctx, id, segs[0]);
                return true;
            }
            if (segs[3].Equals("devicecode", StringComparison.OrdinalIgnoreCase) && method == "POST")
            {
                e.Stats.Request("Identity_DeviceCode");
                await DeviceCodeAsync(ctx, id, segs[0]);
                return true;
            }
        }
        return false;
    }

    // ---- authority metadata ----

    private static Task InstanceDiscoveryAsync(HttpContext ctx, IdentityAuthority id)
    {
        string host = new Uri(id.BaseUrl).Authority;
        return WriteJson(ctx, 200, new Dictionary<string, object>
        {
            ["tenant_discovery_endpoint"] = $"{id.BaseUrl}/{id.TenantId}/v2.0/.well-known/openid-configuration",
            ["api-version"] = "1.1",
            ["metadata"] = new[] { new { preferred_network = host, preferred_cache = host, aliases = new[] { host } } },
        });
    }

    private static Task OpenIdConfigurationAsync(HttpContext ctx, IdentityAuthority id, string tenant)
    {
        if (!id.IsTenant(tenant, publicClient: true))
            return WriteAadError(ctx, 400, "invalid_tenant", 90002, $"Tenant '{tenant}' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud.");
        string t = tenant;
        return WriteJson(ctx, 200, new Dictionary<string, object>
        {
            ["issuer"] = $"{id.BaseUrl}/{id.TenantId}/v2.0",
            ["authorization_endpoint"] = $"{id.BaseUrl}/{t}/oauth2/v2.0/authorize",
            ["token_endpoint"] = $"{id.BaseUrl}/{t}/oauth2/v2.0/token",
            ["device_authorization_endpoint"] = $"{id.BaseUrl}/{t}/oauth2/v2.0/devicecode",
            ["jwks_uri"] = $"{id.BaseUrl}/{t}/discovery/v2.0/keys",
            ["token_endpoint_auth_methods_supported"] = new[] { "client_secret_post", "private_key_jwt" },
            ["grant_types_supported"] = new[] { "client_credentials", "urn:ietf:params:oauth:grant-type:device_code", "refresh_token" },
            ["response_types_supported"] = new[] { "code", "id_token", "code id_token", "id_token token" },
            ["scopes_supported"] = new[] { "openid", "profile", "email", "offline_access" },
            ["subject_types_supported"] = new[] { "pairwise" },
            ["id_token_signing_alg_values_supported"] = new[] { "RS256" },
            ["tenant_region_scope"] = "NA",
            ["cloud_instance_name"] = "emulator.local",
        });
    }

    // ---- token endpoint ----

    private static async Task TokenAsync(HttpContext ctx, IdentityAuthority id, string tenant)
    {
        if (!ctx.Request.HasFormContentType)
        {
            await WriteAadError(ctx, 400, "invalid_request", 900144, "The request body must contain the following parameter: 'grant_type'.");
            return;
        }
        var form = await ctx.Request.ReadFormAsync(ctx.RequestAborted);
        string grant = form["grant_type"].ToString();
        string clientId = form["client_id"].ToString();
        switch (grant)
        {
            case "client_credentials": await ClientCredentialsAsync(ctx, id, tenant, clientId, form); break;
            case "device_code":
            case "urn:ietf:params:oauth:grant-type:device_code": await DeviceCodeTokenAsync(ctx, id, tenant, clientId, form["device_code"].ToString()); break;
            case "refresh_token": await RefreshAsync(ctx, id, tenant, clientId, form); break;
            case "": await WriteAadError(ctx, 400, "invalid_request", 900144, "The request body must contain the following parameter: 'grant_type'."); break;
            default: await WriteAadError(ctx, 400, "unsupported_grant_type", 70003, $"The app requested an unsupported grant type '{Printable(grant)}'."); break;
        }
    }

    private static async Task ClientCredentialsAsync(HttpContext ctx, IdentityAuthority id, string tenant, string clientId, IFormCollection form)
    {
        if (!id.IsTenant(tenant, publicClient: false))
        {
            await WriteAadError(ctx, 400, "invalid_request", 90002, $"Tenant '{Printable(tenant)}' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud.");
            return;
        }
        if (!clientId.Equals(id.ClientId, StringComparison.OrdinalIgnoreCase))
        {
            await WriteAadError(ctx, 400, "unauthorized_client", 700016, $"Application with identifier '{Printable(clientId)}' was not found in the directory '{id.TenantId}'. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant.");
            return;
        }
        string? secret = form.TryGetValue("client_secret", out var s) ? s.ToString() : null;
        string? assertion = form.TryGetValue("client_assertion", out var a) ? a.ToString() : null;
        if (secret != null)
        {
            if (!CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(secret), Encoding.UTF8.GetBytes(id.ClientSecret)))
            {
                await WriteAadError(ctx, 401, "invalid_client", 7000215, $"Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '{id.ClientId}'.");
                return;
            }
        }
        else if (assertion != null)
        {
            if (form["client_assertion_type"].ToString() != "urn:ietf:params:oauth:client-assertion-type:jwt-bearer")
            {
                await WriteAadError(ctx, 400, "invalid_request", 50027, "The client_assertion_type must be 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer'.");
                return;
            }
            string tokenEndpoint = $"https://{ctx.Request.Host}{ctx.Request.Path}";
            var problem = CheckClientAssertion(id, assertion, clientId, tokenEndpoint);
            if (problem != null)
            {
                await WriteAadError(ctx, 401, "invalid_client", problem.Value.Code, problem.Value.Message);
                return;
            }
        }
        else
        {
            await WriteAadError(ctx, 401, "invalid_client", 7000218, "The request body must contain the following parameter: 'client_assertion' or 'client_secret'.");
            return;
        }

        var resource = ResourceOf(form["scope"].ToString());
        if (resource == null || !form["scope"].ToString().Trim().EndsWith("/.default", StringComparison.Ordinal))
        {
            await WriteAadError(ctx, 400, "invalid_scope", 1002012, $"The provided value for scope {Printable(form["scope"].ToString())} is not valid. Client credential flows must have a scope value with /.default suffixed to the resource identifier (application ID URI).");
            return;
        }
        if (!id.IsKnownAudience(resource))
        {
            await WriteAadError(ctx, 400, "invalid_resource", 500011, $"The resource principal named {Printable(resource)} was not found in the tenant named {id.TenantId}. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant.");
            return;
        }
        var (token, _) = id.IssueAccessToken(resource, id.ClientId, id.ServicePrincipalObjectId, "app");
        await WriteJson(ctx, 200, new Dictionary<string, object>
        {
            ["token_type"] = "Bearer",
            ["expires_in"] = (int)IdentityAuthority.TokenLifetime.TotalSeconds - 1,
            ["ext_expires_in"] = (int)IdentityAuthority.TokenLifetime.TotalSeconds - 1,
            ["access_token"] = token,
        });
    }

    /// <summary>A certificate's client assertion (RFC 7523, as MSAL builds it): a known certificate that has not
    /// expired signed it (PS256 or RS256), aud is this token endpoint, iss = sub = client_id, exp in the future.</summary>
    internal static (int Code, string Message)? CheckClientAssertion(IdentityAuthority id, string assertion, string clientId, string tokenEndpoint)
    {
        var parts = assertion.Split('.');
        if (parts.Length != 3) return (50027, "JWT token is invalid or malformed.");
        JsonElement header, payload;
        try
        {
            header = JsonDocument.Parse(IdentityAuthority.FromBase64Url(parts[0])).RootElement.Clone();
            payload = JsonDocument.Parse(IdentityAuthority.FromBase64Url(parts[1])).RootElement.Clone();
        }
        catch (Exception ex) when (ex is FormatException or JsonException)
        {
            return (50027, "JWT token is invalid or malformed.");
        }
        string? x5tS256 = header.TryGetProperty("x5t#S256", out var h1) ? h1.GetString() : null;
        string? x5t = header.TryGetProperty("x5t", out var h2) ? h2.GetString() : null;
        string alg = header.TryGetProperty("alg", out var h3) ? h3.GetString() ?? "" : "";
        var cert = id.FindClientCertificate(x5tS256, x5t);
        if (cert == null)
            return (700027, $"Client assertion contains an invalid signature. [Reason - The key was not found., Thumbprint of key used by client: '{Printable(x5tS256 ?? x5t ?? "")}', Please visit the Azure Portal, Graph Explorer or directly use MS Graph to see configured keys for app Id '{id.ClientId}'.]");
        var padding = alg switch { "PS256" => RSASignaturePadding.Pss, "RS256" => RSASignaturePadding.Pkcs1, _ => null };
        if (padding == null) return (5002738, $"The client assertion algorithm '{Printable(alg)}' is not supported: PS256 or RS256 is expected.");
        using (var rsa = cert.GetRSAPublicKey()!)
        {
            byte[] sig;
            try { sig = IdentityAuthority.FromBase64Url(parts[2]); }
            catch (FormatException) { return (700027, "Client assertion contains an invalid signature. [Reason - The signature is malformed.]"); }
            if (!rsa.VerifyData(Encoding.ASCII.GetBytes(parts[0] + "." + parts[1]), sig, HashAlgorithmName.SHA256, padding))
                return (700027, $"Client assertion contains an invalid signature. [Reason - The provided signature value did not match the expected signature value., Thumbprint of key used by client: '{cert.Thumbprint}']");
        }
        var now = DateTimeOffset.UtcNow;
        if (cert.NotAfter.ToUniversalTime() < now.UtcDateTime)
            return (700027, $"Client assertion contains an invalid signature. [Reason - The key used is expired., Thumbprint of key used by client: '{cert.Thumbprint}', Found key 'Start={cert.NotBefore.ToUniversalTime():MM/dd/yyyy HH:mm:ss}, End={cert.NotAfter.ToUniversalTime():MM/dd/yyyy HH:mm:ss}']");
        string? iss = Str(payload, "iss"), sub = Str(payload, "sub"), aud = Str(payload, "aud");
        if (!string.Equals(iss, clientId, StringComparison.OrdinalIgnoreCase) || !string.Equals(sub, clientId, StringComparison.OrdinalIgnoreCase))
            return (700021, "Client assertion application identifier doesn't match 'client_id' parameter. Review the documentation at https://learn.microsoft.com/entra/identity-platform/certificate-credentials .");
        if (!string.Equals(aud?.TrimEnd('/'), tokenEndpoint.TrimEnd('/'), StringComparison.OrdinalIgnoreCase))
            return (700212, $"Client assertion audience claim does not match Realm issuer. Review the documentation at https://learn.microsoft.com/entra/identity-platform/certificate-credentials . [Expected: '{tokenEndpoint}']");
        long? exp = Unix(payload, "exp"), nbf = Unix(payload, "nbf");
        if (exp == null || exp <= now.ToUnixTimeSeconds() || (nbf != null && nbf > now.ToUnixTimeSeconds() + 300))
            return (700024, "Client assertion is not within its valid time range.");
        return null;
    }

    private static string? Str(JsonElement e, string name) => e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;

    // MSAL writes nbf/exp as JSON strings of Unix seconds; numbers are accepted too.
    private static long? Unix(JsonElement e, string name)
    {
        if (!e.TryGetProperty(name, out var v)) return null;
        if (v.ValueKind == JsonValueKind.Number && v.TryGetInt64(out var n)) return n;
        if (v.ValueKind == JsonValueKind.String && long.TryParse(v.GetString(), System.Globalization.NumberStyles.Integer, System.Globalization.CultureInfo.InvariantCulture, out var m)) return m;
        return null;
    }

    // ---- device code ----

    private static async Task DeviceCodeAsync(HttpContext ctx, IdentityAuthority id, string tenant)
    {
        if (!ctx.Request.HasFormContentType) { await WriteAadError(ctx, 400, "invalid_request", 900144, "The request body must contain the following parameter: 'client_id'."); return; }
        var form = await ctx.Request.ReadFormAsync(ctx.RequestAborted);
        string clientId = form["client_id"].ToString();
        if (!id.IsTenant(tenant, publicClient: true))
        {
            await WriteAadError(ctx, 400, "invalid_request", 90002, $"Tenant '{Printable(tenant)}' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud.");
            return;
        }
        if (clientId.Length == 0) { await WriteAadError(ctx, 400, "invalid_request", 900144, "The request body must contain the following parameter: 'client_id'."); return; }
        var resource = ResourceOf(form["scope"].ToString());
        if (resource == null || !id.IsKnownAudience(resource))
        {
            await WriteAadError(ctx, 400, "invalid_resource", 500011, $"The resource principal named {Printable(resource ?? form["scope"].ToString())} was not found in the tenant named {id.TenantId}.");
            return;
        }
        var grant = id.StartDeviceCode(clientId, resource);
        string verification = $"{id.BaseUrl}/devicelogin";
        await WriteJson(ctx, 200, new Dictionary<string, object>
        {
            ["user_code"] = grant.UserCode,
            ["device_code"] = grant.DeviceCode,
            ["verification_uri"] = verification,
            ["expires_in"] = (int)IdentityAuthority.DeviceCodeLifetime.TotalSeconds,
            ["interval"] = 1,
            ["message"] = $"To sign in, use a web browser to open the page {verification} and enter the code {grant.UserCode} to authenticate.",
        });
    }

    private static async Task DeviceCodeTokenAsync(HttpContext ctx, IdentityAuthority id, string tenant, string clientId, string deviceCode)
    {
        var grant = id.FindDeviceCode(deviceCode);
        if (grant == null || !grant.ClientId.Equals(clientId, StringComparison.OrdinalIgnoreCase) || !id.IsTenant(tenant, publicClient: true))
        {
            await WriteAadError(ctx, 400, "bad_verification_code", 70019, "Verification code expired or was not found.");
            return;
        }
        if (DateTimeOffset.UtcNow > grant.ExpiresAt)
        {
            await WriteAadError(ctx, 400, "expired_token", 70020, "The provided value for the input parameter 'device_code' is not valid. This device code has expired.");
            return;
        }
        if (grant.Redeemed)
        {
            await WriteAadError(ctx, 400, "invalid_grant", 54005, "OAuth2 Authorization code was already redeemed, please retry with a new valid code or use an existing refresh token.");
            return;
        }
        if (!grant.Approved)
        {
            int answered = System.Threading.Interlocked.Increment(ref grant.PendingAnswers);
            if (id.DeviceCodeAutoApprove > 0 && answered >= id.DeviceCodeAutoApprove) grant.Approved = true; // the person types the code while the client waits
            await WriteAadError(ctx, 400, "authorization_pending", 70016, "OAuth 2.0 device flow error. Authorization is pending. Continue polling.");
            return;
        }
        grant.Redeemed = true;
        await WriteUserTokens(ctx, id, clientId, grant.Resource);
    }

    private static async Task RefreshAsync(HttpContext ctx, IdentityAuthority id, string tenant, string clientId, IFormCollection form)
    {
        var resource = ResourceOf(form["scope"].ToString());
        if (!id.IsTenant(tenant, publicClient: true) || !id.RedeemRefreshToken(form["refresh_token"].ToString(), clientId))
        {
            await WriteAadError(ctx, 400, "invalid_grant", 9002313, "Invalid request. Request is malformed or invalid.");
            return;
        }
        if (resource == null || !id.IsKnownAudience(resource))
        {
            await WriteAadError(ctx, 400, "invalid_resource", 500011, $"The resource principal named {Printable(resource ?? "")} was not found in the tenant named {id.TenantId}.");
            return;
        }
        await WriteUserTokens(ctx, id, clientId, resource);
    }

    // What MSAL needs to build an account for Azure.Identity's AuthenticationRecord: id_token and client_info.
    private static Task WriteUserTokens(HttpContext ctx, IdentityAuthority id, string clientId, string resource)
    {
        var user = id.User;
        var (token, _) = id.IssueAccessToken(resource, clientId, user.ObjectId, "user", user.UserName);
        var (idToken, clientInfo) = id.IssueIdToken(clientId, user);
        return WriteJson(ctx, 200, new Dictionary<string, object>
        {
            ["token_type"] = "Bearer",
            ["scope"] = resource.TrimEnd('/') + "/.default openid profile offline_access",
            ["expires_in"] = (int)IdentityAuthority.TokenLifetime.TotalSeconds - 1,
            ["ext_expires_in"] = (int)IdentityAuthority.TokenLifetime.TotalSeconds - 1,
            ["access_token"] = token,
            ["refresh_token"] = id.IssueRefreshToken(clientId),
            ["id_token"] = idToken,
            ["client_info"] = clientInfo,
        });
    }

    // ---- managed identity ----

    // App Service 2019-08-01, which Azure Automation, Functions and App Service expose through IDENTITY_ENDPOINT/IDENTITY_HEADER.
    private static async Task AppServiceManagedIdentityAsync(HttpContext ctx, IdentityAuthority id)
    {
        string header = ctx.Request.Headers["X-IDENTITY-HEADER"].ToString();
        if (!CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(header), Encoding.UTF8.GetBytes(id.IdentityHeader)))
        {
            await WriteJson(ctx, 401, new { statusCode = 401, message = "Unauthorized: the X-IDENTITY-HEADER header is missing or does not match IDENTITY_HEADER." });
            return;
        }
        var q = ctx.Request.Query;
        if (q["api-version"].ToString() != "2019-08-01")
        {
            await WriteJson(ctx, 400, new { statusCode = 400, message = $"The api-version '{Printable(q["api-version"].ToString())}' is not supported: 2019-08-01 is expected." });
            return;
        }
        string resource = q["resource"].ToString();
        if (resource.Length == 0 || !id.IsKnownAudience(resource))
        {
            await WriteJson(ctx, 400, new { statusCode = 400, message = $"AADSTS500011: The resource principal named {Printable(resource)} was not found in the tenant named {id.TenantId}." });
            return;
        }
        var mi = id.FindManagedIdentity(Opt(q, "client_id"), Opt(q, "object_id") ?? Opt(q, "principal_id"), Opt(q, "mi_res_id"));
        if (mi == null)
        {
            await WriteJson(ctx, 400, new { statusCode = 400, message = "No managed identity found for specified ClientId/ResourceId/PrincipalId." });
            return;
        }
        var (token, expires) = id.IssueAccessToken(resource, mi.ClientId, mi.PrincipalId, "app");
        await WriteJson(ctx, 200, new Dictionary<string, object>
        {
            ["access_token"] = token,
            ["expires_on"] = expires.ToUnixTimeSeconds().ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["resource"] = resource,
            ["token_type"] = "Bearer",
            ["client_id"] = mi.ClientId,
        });
    }

    // The instance metadata service of a VM (169.254.169.254 in Azure; here reached through AZURE_POD_IDENTITY_AUTHORITY_HOST).
    private static async Task ImdsAsync(HttpContext ctx, IdentityAuthority id)
    {
        if (!ctx.Request.Headers["Metadata"].ToString().Equals("true", StringComparison.OrdinalIgnoreCase))
        {
            await WriteJson(ctx, 400, new { error = "invalid_request", error_description = "Required metadata header not specified" });
            return;
        }
        var q = ctx.Request.Query;
        if (q["api-version"].ToString().Length == 0)
        {
            await WriteJson(ctx, 400, new { error = "invalid_request", error_description = "Required query variable 'api-version' is missing" });
            return;
        }
        string resource = q["resource"].ToString();
        if (resource.Length == 0 || !id.IsKnownAudience(resource))
        {
            await WriteJson(ctx, 400, new { error = "invalid_resource", error_description = $"AADSTS500011: The resource principal named {Printable(resource)} was not found in the tenant named {id.TenantId}." });
            return;
        }
        var mi = id.FindManagedIdentity(Opt(q, "client_id"), Opt(q, "object_id"), Opt(q, "msi_res_id") ?? Opt(q, "mi_res_id") ?? Opt(q, "msi-res-id"));
        if (mi == null)
        {
            await WriteJson(ctx, 400, new { error = "invalid_request", error_description = "Identity not found" });
            return;
        }
        var (token, expires) = id.IssueAccessToken(resource, mi.ClientId, mi.PrincipalId, "app");
        var inv = System.Globalization.CultureInfo.InvariantCulture;
        long now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        await WriteJson(ctx, 200, new Dictionary<string, object>
        {
            ["access_token"] = token,
            ["client_id"] = mi.ClientId,
            ["expires_in"] = (expires.ToUnixTimeSeconds() - now).ToString(inv),
            ["expires_on"] = expires.ToUnixTimeSeconds().ToString(inv),
            ["ext_expires_in"] = (expires.ToUnixTimeSeconds() - now).ToString(inv),
            ["not_before"] = (now - 300).ToString(inv),
            ["resource"] = resource,
            ["token_type"] = "Bearer",
        });
    }

    private static string? Opt(IQueryCollection q, string name) => q.TryGetValue(name, out var v) && v.ToString().Length > 0 ? v.ToString() : null;

    // ---- admin ----

    private static async Task AdminAsync(HttpContext ctx, IdentityAuthority id, string path, string method)
    {
        if (!string.Equals(ctx.Request.Headers["x-emulator-admin"].ToString(), "true", StringComparison.OrdinalIgnoreCase))
        {
            await ArmErrors.Write(ctx, 400, "AdminHeaderRequired", "Admin endpoints need the header 'x-emulator-admin: true'.");
            return;
        }
        switch (path, method)
        {
            case ("/_emulator/identity", "GET"):
                await WriteJson(ctx, 200, new
                {
                    tenantId = id.TenantId, clientId = id.ClientId,
                    managedIdentity = new { systemAssigned = id.SystemAssigned, userAssigned = id.UserAssigned },
                    user = id.User, issuedTokens = id.IssuedTokens,
                });
                break;
            case ("/_emulator/devicecode", "GET"):
                await WriteJson(ctx, 200, new { pending = id.PendingDeviceCodes.Select(g => new { userCode = g.UserCode, clientId = g.ClientId, resource = g.Resource, polls = g.PendingAnswers }) });
                break;
            case ("/_emulator/devicecode/approve", "POST"):
                string? userCode = null;
                if (ctx.Request.ContentLength > 0 || ctx.Request.Headers.TransferEncoding.Count > 0)
                {
                    try
                    {
                        using var doc = await JsonDocument.ParseAsync(ctx.Request.Body, cancellationToken: ctx.RequestAborted);
                        if (doc.RootElement.ValueKind == JsonValueKind.Object && doc.RootElement.TryGetProperty("userCode", out var u)) userCode = u.GetString();
                    }
                    catch (JsonException ex) { await ArmErrors.Write(ctx, 400, "InvalidBody", ex.Message); return; }
                }
                await WriteJson(ctx, 200, new { approved = id.Approve(userCode) });
                break;
            default:
                await ArmErrors.Write(ctx, 404, "NotFound", "Unknown admin endpoint.");
                break;
        }
    }

    // ---- helpers ----

    /// <summary>The resource of a scope list: "https://x/.default openid" → "https://x"; null when there is none.</summary>
    internal static string? ResourceOf(string scopes)
    {
        foreach (var s in scopes.Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            if (OidcScopes.Contains(s, StringComparer.OrdinalIgnoreCase)) continue;
            if (s.EndsWith("/.default", StringComparison.Ordinal)) return s.Substring(0, s.Length - "/.default".Length);
            int slash = s.LastIndexOf('/');
            if (s.StartsWith("https://", StringComparison.OrdinalIgnoreCase) && slash > "https://".Length) return s.Substring(0, slash);
            return s;
        }
        return null;
    }

    // Echoed values are the caller's own, but cut short and kept to printable ASCII.
    private static string Printable(string s)
    {
        var t = new string(s.Where(c => c >= ' ' && c < 127).Take(200).ToArray());
        return t;
    }

    private static Task WriteAadError(HttpContext ctx, int status, string error, int code, string description)
    {
        string trace = Guid.NewGuid().ToString(), correlation = Guid.NewGuid().ToString();
        var now = DateTime.UtcNow.ToString("yyyy-MM-dd HH:mm:ss'Z'", System.Globalization.CultureInfo.InvariantCulture);
        return WriteJson(ctx, status, new Dictionary<string, object>
        {
            ["error"] = error,
            ["error_description"] = $"AADSTS{code}: {description} Trace ID: {trace} Correlation ID: {correlation} Timestamp: {now}",
            ["error_codes"] = new[] { code },
            ["timestamp"] = now,
            ["trace_id"] = trace,
            ["correlation_id"] = correlation,
            ["error_uri"] = $"{(ctx.Request.IsHttps ? "https" : "http")}://{ctx.Request.Host}/error?code={code}",
        });
    }

    private static Task WriteJson(HttpContext ctx, int status, object body)
    {
        ctx.Response.StatusCode = status;
        ctx.Response.ContentType = "application/json; charset=utf-8";
        ctx.Response.Headers.CacheControl = "no-store, no-cache";
        return JsonSerializer.SerializeAsync(ctx.Response.Body, body, body.GetType());
    }
}
