using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Threading.Tasks;
using BillingPowerShell.Emulator.Billing;
using BillingPowerShell.Emulator.Usage;
using Microsoft.AspNetCore.Http;

namespace BillingPowerShell.Emulator.Infrastructure;

/// <summary>
/// The Resource Manager host: admin endpoints, bearer auth, api-version check, faults, then the route's handler.
/// </summary>
internal sealed class ArmPipeline
{
    private readonly EmulatorServices _e;
    private readonly List<Route> _routes;

    public static readonly Dictionary<ApiFamily, string[]> Versions = new()
    {
        // Older versions served side by side, each with its own parameters and shapes (docs/contracts/): the
        // endpoint files branch on ArmRequest.ApiVersion where a version differs.
        [ApiFamily.Billing2024] = new[] { "2024-04-01", ApiVersions.Billing2020 },
        [ApiFamily.Billing2018] = new[] { "2018-03-01-preview" },
        [ApiFamily.Consumption] = new[] { "2024-08-01", ApiVersions.Consumption2021 },
        [ApiFamily.CostManagement] = new[] { "2025-03-01", ApiVersions.CostManagement2022 },
        // Exports (docs/contracts/azure-api/EXPORTS.md): the contract's version, and 2024-08-01 of the one example
        // taken from that version ("Example files": "The operation is identical in both versions").
        [ApiFamily.CostManagementExports] = new[] { "2025-03-01", "2024-08-01" },
    };

    /// <summary>Api-versions that appear in links the emulator issues itself (the Query API's nextLink carries
    /// 2021-10-01, as the live service's does); accepted when they come back, as Azure accepts its own links.</summary>
    public static readonly Dictionary<ApiFamily, string[]> IssuedVersions = new()
    {
        [ApiFamily.CostManagement] = new[] { "2021-10-01" },
    };

    public ArmPipeline(EmulatorServices e)
    {
        _e = e;
        _routes = new List<Route>();
        _routes.AddRange(AccountEndpoints.Routes());
        _routes.AddRange(InvoiceEndpoints.Routes());
        _routes.AddRange(DownloadEndpoints.Routes());
        _routes.AddRange(LegacyEndpoints.Routes());
        _routes.AddRange(UsageDetailsEndpoints.Routes());
        _routes.AddRange(CostDetailsEndpoints.Routes());
        _routes.AddRange(QueryEndpoints.Routes());
        _routes.AddRange(ForecastEndpoints.Routes());
        _routes.AddRange(Exports.ExportEndpoints.Routes());
    }

    public async Task HandleAsync(HttpContext ctx)
    {
        var path = ctx.Request.Path.Value ?? "/";
        if (await Identity.IdentityEndpoints.TryHandleAsync(ctx, _e)) return;
        if (path.StartsWith("/_emulator", StringComparison.OrdinalIgnoreCase))
        {
            await AdminEndpoints.HandleAsync(ctx, _e);
            return;
        }

        ctx.Response.Headers["x-ms-request-id"] = Guid.NewGuid().ToString();
        ctx.Response.Headers["x-ms-correlation-request-id"] = ctx.Request.Headers.TryGetValue("x-ms-correlation-request-id", out var corr) && corr.Count > 0 ? corr[0] : Guid.NewGuid().ToString();
        long seq = _e.Faults.NextSequence();
        await _e.Faults.DelayAsync(seq, ctx.RequestAborted);

        var segs = path.Split('/', StringSplitOptions.RemoveEmptyEntries);
        var route = Match(ctx.Request.Method, segs, out var values, out var scope);
        _e.Stats.Request(route?.Name ?? "Unmatched");

        // Authentication comes first, as at Resource Manager's front door.
        if (!await AuthoriseAsync(ctx, path)) { _e.Stats.Status(ctx.Response.StatusCode); return; }

        if (route == null)
        {
            bool wrongMethod = _routes.Any(r => r.TryMatch(segs, out _, out _));
            if (wrongMethod) await ArmErrors.Write(ctx, 405, "MethodNotAllowed", $"The requested resource does not support http method '{ctx.Request.Method}'.");
            else await ArmErrors.Write(ctx, 404, "InvalidResourceType", $"The resource type could not be found for the path '{path}'.");
            _e.Stats.Status(ctx.Response.StatusCode);
            return;
        }

        var req = new ArmRequest { Http = ctx, E = _e, Route = route, Values = values!, Scope = scope };
        if (!await AcceptApiVersionAsync(req, segs)) { _e.Stats.Status(400); return; }
        // Resource Manager's generic remaining-request counter, as on every real response.
        ctx.Response.Headers[HttpMethods.IsGet(ctx.Request.Method) ? "x-ms-ratelimit-remaining-tenant-reads" : "x-ms-ratelimit-remaining-tenant-writes"] = "11999";

        if (await InjectFaultAsync(req, path, seq)) { _e.Stats.Status(ctx.Response.StatusCode); return; }
        await RunHandlerAsync(req, path, seq);
    }

    /// <summary>The first route of the method (GET routes answer HEAD too) whose template matches the path.</summary>
    private Route? Match(string method, string[] segs, out Dictionary<string, string>? values, out string scope)
    {
        values = null;
        scope = "";
        foreach (var r in _routes)
        {
            if (!r.Method.Equals(method, StringComparison.OrdinalIgnoreCase) && !(r.Method == "GET" && HttpMethods.IsHead(method))) continue;
            if (r.TryMatch(segs, out values, out scope)) return r;
        }
        return null;
    }

    /// <summary>Sets req.ApiVersion when the route's family serves (or issued) the request's api-version; otherwise
    /// writes Resource Manager's 400 and returns false.</summary>
    private static async Task<bool> AcceptApiVersionAsync(ArmRequest req, string[] segs)
    {
        var ctx = req.Http;
        string? apiVersion = req.Q("api-version");
        if (string.IsNullOrEmpty(apiVersion))
        {
            await ArmErrors.Write(ctx, 400, "MissingApiVersionParameter", "The api-version query parameter (?api-version=) is required for all requests.");
            return false;
        }
        var accepted = Versions[req.Route.Family];
        bool issued = IssuedVersions.TryGetValue(req.Route.Family, out var iv) && iv.Contains(apiVersion, StringComparer.OrdinalIgnoreCase);
        if (!accepted.Contains(apiVersion, StringComparer.OrdinalIgnoreCase) && !issued)
        {
            string type = segs.Length >= 3 ? segs[^1] : "resource";
            await ArmErrors.Write(ctx, 400, "NoRegisteredProviderFound",
                $"No registered resource provider found for location 'global' and API version '{apiVersion}' for type '{type}'. The supported api-versions are '{string.Join(", ", accepted)}'. The supported locations are ', global'.");
            return false;
        }
        req.ApiVersion = apiVersion;
        return true;
    }

    /// <summary>The route's handler; under a JSON reset or truncation fault, half its body and then a cut connection.</summary>
    private async Task RunHandlerAsync(ArmRequest req, string path, long seq)
    {
        var ctx = req.Http;
        var route = req.Route;
        var fs = _e.Faults.Settings;
        bool jsonTarget = _e.Faults.AppliesTo(path) && fs.ResetTargets.Contains("json", StringComparer.OrdinalIgnoreCase);
        bool reset = jsonTarget && _e.Faults.Decide("reset-json", fs.FaultResetRate, seq);
        bool truncate = !reset && jsonTarget && _e.Faults.Decide("truncate-json", fs.FaultTruncateRate, seq);
        if (!reset && !truncate)
        {
            await route.Handler(req);
            _e.Stats.Status(ctx.Response.StatusCode);
            return;
        }

        // Connection reset (or truncation: Content-Length promises the whole body) in the middle of a JSON body:
        // render the response aside, send part of it, abort.
        var real = ctx.Response.Body;
        var buffer = new MemoryStream();
        ctx.Response.Body = buffer;
        await route.Handler(req);
        ctx.Response.Body = real;
        _e.Stats.Status(ctx.Response.StatusCode);
        if (buffer.Length < 2 || ctx.Response.StatusCode >= 300)
        {
            buffer.Position = 0;
            await buffer.CopyToAsync(real);
            return;
        }
        _e.Stats.Fault(reset ? "reset-json" : "truncate-json");
        if (truncate) ctx.Response.ContentLength = buffer.Length;
        await real.WriteAsync(buffer.GetBuffer().AsMemory(0, (int)(buffer.Length / 2)));
        await real.FlushAsync();
        await FaultInjector.CutConnectionAsync(ctx);
    }

    private async Task<bool> AuthoriseAsync(HttpContext ctx, string path)
    {
        string? header = ctx.Request.Headers.Authorization.FirstOrDefault();
        string? token = header != null && header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) ? header.Substring(7).Trim() : null;
        const string authUri = "Bearer authorization_uri=\"https://login.microsoftonline.com/common\", error=\"invalid_token\"";
        if (token == null)
        {
            ctx.Response.Headers.WWWAuthenticate = authUri + ", error_description=\"The authentication failed because of missing 'Authorization' header.\"";
            await ArmErrors.Write(ctx, 401, "AuthenticationFailed", "Authentication failed. The 'Authorization' header is missing.");
            return false;
        }
        if (token == _e.Options.ReaderToken && _e.Options.ReaderToken != null)
        {
            await ArmErrors.Write(ctx, 403, "AuthorizationFailed",
                $"The client 'reader@emulator.local' with object id '{Data.Det.Guid(_e.Options.Seed, "reader")}' does not have authorization to perform action '{ActionFor(ctx.Request.Method, path)}' over scope '{ScopeFor(path)}' or the scope is invalid. If access was recently granted, please refresh your credentials.");
            return false;
        }
        if (!string.Equals(token, _e.Options.Token, StringComparison.Ordinal) && !_e.Identity.AcceptsForArm(token, out _))
        {
            ctx.Response.Headers.WWWAuthenticate = authUri + ", error_description=\"The access token is invalid.\"";
            await ArmErrors.Write(ctx, 401, "AuthenticationFailed", "Authentication failed. The access token is invalid.");
            return false;
        }
        if (_e.Faults.TokenRevoked())
        {
            _e.Stats.Fault("token-revoked");
            ctx.Response.Headers.WWWAuthenticate = authUri + ", error_description=\"The access token has been revoked.\"";
            await ArmErrors.Write(ctx, 401, "AuthenticationFailed", "Authentication failed. The access token has been revoked.");
            return false;
        }
        return true;
    }

    private static string ActionFor(string method, string path)
    {
        var segs = path.Split('/', StringSplitOptions.RemoveEmptyEntries);
        int p = Array.FindLastIndex(segs, s => s.StartsWith("Microsoft.", StringComparison.OrdinalIgnoreCase));
        string ns = p >= 0 ? segs[p] : "Microsoft.Billing";
        string type = p >= 0 && p + 1 < segs.Length ? segs[p + 1] : "billingAccounts";
        return $"{ns}/{type}/{(method == "POST" ? "action" : "read")}";
    }

    private static string ScopeFor(string path)
    {
        int i = path.IndexOf("/providers/Microsoft.Consumption", StringComparison.OrdinalIgnoreCase);
        if (i < 0) i = path.IndexOf("/providers/Microsoft.CostManagement", StringComparison.OrdinalIgnoreCase);
        return i > 0 ? path.Substring(0, i) : path;
    }

    private async Task<bool> InjectFaultAsync(ArmRequest req, string path, long seq)
    {
        var ctx = req.Http;
        var s = _e.Faults.Settings;
        bool quotaPath = req.Route.Family is ApiFamily.CostManagement or ApiFamily.CostManagementExports or ApiFamily.Consumption;
        TimeSpan wait = TimeSpan.Zero;
        string remaining = "";
        if (quotaPath && !_e.Faults.TryConsumeQuota(out wait, out remaining))
        {
            _e.Stats.Fault("429-quota");
            string header = req.Route.Family is ApiFamily.CostManagement or ApiFamily.CostManagementExports
                ? "x-ms-ratelimit-microsoft.costmanagement-qpu-retry-after"
                : "x-ms-ratelimit-microsoft.consumption-retry-after";
            ctx.Response.Headers[header] = FaultInjector.Seconds(wait);
            if (_e.Options.TimeScale != 1.0) ctx.Response.Headers["retry-after-ms"] = FaultInjector.Millis(wait);
            ctx.Response.Headers["x-ms-ratelimit-microsoft.costmanagement-qpu-remaining"] = remaining;
            await ArmErrors.Write(ctx, 429, "429", "Too many requests. Please retry.");
            return true;
        }
        else if (quotaPath && remaining.Length > 0)
        {
            ctx.Response.Headers["x-ms-ratelimit-microsoft.costmanagement-qpu-remaining"] = remaining;
            ctx.Response.Headers["x-ms-ratelimit-microsoft.costmanagement-qpu-consumed"] = "1";
        }

        if (!_e.Faults.AppliesTo(path)) return false;
        if (_e.Faults.Decide("429", s.Fault429Rate, seq))
        {
            string kind = _e.Faults.Write429Header(ctx.Response, _e.Options.Scale(TimeSpan.FromSeconds(s.RetryAfterSeconds)), seq);
            _e.Stats.Fault("429:" + kind);
            await ArmErrors.Write(ctx, 429, "429", "Too many requests. Please retry.");
            return true;
        }
        if (_e.Faults.Decide("5xx", s.Fault5xxRate, seq))
        {
            bool is503 = Data.Det.Int(Data.Det.Hash(_e.Options.Seed, "5xx-kind", seq), 2) == 0;
            if (is503)
            {
                _e.Stats.Fault("503");
                _e.Faults.WriteRetryAfter(ctx.Response, _e.Options.Scale(TimeSpan.FromSeconds(s.RetryAfterSeconds)));
                await ArmErrors.Write(ctx, 503, "ServiceUnavailable", "The service is temporarily unavailable. Please retry after the time specified in the Retry-After header.");
            }
            else
            {
                _e.Stats.Fault("500");
                await ArmErrors.Write(ctx, 500, "InternalServerError", "Encountered internal server error. Diagnostic information: emulated fault.");
            }
            return true;
        }
        return false;
    }
}
