using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text.Json;
using System.Threading.Tasks;
using Microsoft.AspNetCore.Http;

namespace BillingPowerShell.Emulator.Infrastructure;

/// <summary>Which service answers a route: decides the accepted api-versions and the error body
/// (docs/contracts/azure-api/OPERATIONS.md, "Error response shapes").</summary>
internal enum ApiFamily { Billing2024, Billing2018, Consumption, CostManagement, CostManagementExports }

/// <summary>The older api-versions the official JS SDKs call (docs/contracts/*.md).</summary>
internal static class ApiVersions
{
    public const string Billing2020 = "2020-05-01";
    public const string Consumption2021 = "2021-10-01";
    public const string CostManagement2022 = "2022-10-01";
}

internal sealed class ArmRequest
{
    public required HttpContext Http { get; init; }
    public required EmulatorServices E { get; init; }
    public required Route Route { get; init; }
    public required Dictionary<string, string> Values { get; init; }
    public string Scope { get; init; } = "";
    public string ApiVersion { get; set; } = "";
    public string this[string key] => Values[key];
    public string? Q(string name)
    {
        // Query names are matched case-insensitively, as ARM does; "$top" and "top" are distinct parameters.
        var v = Http.Request.Query[name];
        return v.Count == 0 ? null : v[0];
    }
    public HttpResponse Response => Http.Response;
    public bool Is(string apiVersion) => ApiVersion.Equals(apiVersion, StringComparison.OrdinalIgnoreCase);
    /// <summary>The versions whose SDK pollers read only a whole-seconds Retry-After (and treat "0" as absent).</summary>
    public bool OldSdkVersion => Is(ApiVersions.Billing2020) || Is(ApiVersions.Consumption2021) || Is(ApiVersions.CostManagement2022);
}

internal sealed class Route
{
    public required string Method { get; init; }
    public required string Name { get; init; }       // operationId, used in stats and errors
    public required ApiFamily Family { get; init; }
    public required string[] Pattern { get; init; }   // segments; "{x}" captures; first "{*scope}" captures a prefix
    public required Func<ArmRequest, Task> Handler { get; init; }
    public bool HasScope => Pattern.Length > 0 && Pattern[0] == "{*scope}";

    public bool TryMatch(string[] segs, out Dictionary<string, string> values, out string scope)
    {
        values = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        scope = "";
        int fixedLen = HasScope ? Pattern.Length - 1 : Pattern.Length;
        int offset = HasScope ? segs.Length - fixedLen : 0;
        if (HasScope ? offset < 1 : segs.Length != fixedLen) return false;
        for (int i = 0; i < fixedLen; i++)
        {
            string p = Pattern[i + (HasScope ? 1 : 0)];
            string s = segs[offset + i];
            if (p.StartsWith('{')) values[p.Trim('{', '}')] = s;
            else if (!p.Equals(s, StringComparison.OrdinalIgnoreCase)) return false;
        }
        if (HasScope) scope = "/" + string.Join('/', segs, 0, offset);
        return true;
    }
}

internal static class ArmErrors
{
    public static Task Write(HttpContext ctx, int status, string code, string message, string? target = null)
    {
        ctx.Response.StatusCode = status;
        ctx.Response.ContentType = "application/json; charset=utf-8";
        // docs/contracts/azure-api/OPERATIONS.md, "Error response shapes": every family's error body is {"error":{"code","message"[,"target"]}}; v5 and billing-local add optional fields.
        using var ms = new MemoryStream();
        using (var w = new Utf8JsonWriter(ms, JsonOut.Options))
        {
            w.WriteStartObject();
            w.WriteStartObject("error");
            w.WriteString("code", code);
            w.WriteString("message", message);
            if (target != null) w.WriteString("target", target);
            w.WriteEndObject();
            w.WriteEndObject();
        }
        ctx.Response.ContentLength = ms.Length;
        return ctx.Response.Body.WriteAsync(ms.ToArray()).AsTask();
    }

    public static Task BadRequest(ArmRequest r, string message, string code = "BadRequest") => Write(r.Http, 400, code, message);
}

/// <summary>Small helpers for streaming JSON straight to the response body.</summary>
internal static class JsonOut
{
    internal static readonly JsonWriterOptions Options = new() { SkipValidation = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static Utf8JsonWriter Start(HttpContext ctx, int status = 200)
    {
        ctx.Response.StatusCode = status;
        ctx.Response.ContentType = "application/json; charset=utf-8";
        return new Utf8JsonWriter(ctx.Response.Body, Options);
    }

    /// <summary>Flushes when enough is buffered, so big pages go out while they are written (bounded memory).</summary>
    public static ValueTask MaybeFlush(Utf8JsonWriter w) => w.BytesPending > 32 * 1024 ? new ValueTask(w.FlushAsync()) : ValueTask.CompletedTask;

    public static void Amount(Utf8JsonWriter w, string name, string currency, decimal value)
    {
        w.WriteStartObject(name);
        w.WriteString("currency", currency);
        w.WriteNumber("value", value);
        w.WriteEndObject();
    }

    public static async Task Finish(Utf8JsonWriter w)
    {
        await w.FlushAsync();
        await w.DisposeAsync();
    }
}
