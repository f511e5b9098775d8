using System;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Security;
using System.Threading;
using System.Threading.Tasks;
using BillingPowerShell.Emulator.Data;
using BillingPowerShell.Emulator.Infrastructure;
using Microsoft.AspNetCore.Http;

namespace BillingPowerShell.Emulator.Blob;

/// <summary>Something the blob host can serve, in whole or by byte range.</summary>
internal interface IBlobSource
{
    long Length { get; }
    string ContentType { get; }
    string ETag { get; }
    Task WriteAsync(Stream target, long offset, long count, CancellationToken ct);
}

internal sealed class BytesBlob : IBlobSource
{
    private readonly byte[] _bytes;
    public BytesBlob(byte[] bytes, string contentType)
    {
        _bytes = bytes;
        ContentType = contentType;
        ETag = "\"0x8D" + DocumentFactory.Sha256(bytes).Substring(0, 12).ToUpperInvariant() + "\"";
    }
    public long Length => _bytes.Length;
    public string ContentType { get; }
    public string ETag { get; }
    public Task WriteAsync(Stream target, long offset, long count, CancellationToken ct) => target.WriteAsync(_bytes, (int)offset, (int)count, ct);
}

/// <summary>
/// The blob host (https://localhost:&lt;blob-port&gt;): SAS-authorised GET/HEAD with Range support, like Azure Blob
/// storage. Any request that carries an Authorization header is refused, so a client that leaks its ARM token to
/// the storage host fails loudly.
/// </summary>
internal static class BlobHost
{
    public static async Task HandleAsync(HttpContext ctx, EmulatorServices e)
    {
        var res = ctx.Response;
        res.Headers["x-ms-request-id"] = Guid.NewGuid().ToString();
        res.Headers["x-ms-version"] = SasSigner.Version;
        long seq = e.Faults.NextSequence();
        await e.Faults.DelayAsync(seq, ctx.RequestAborted);
        e.Stats.Request("Blob_" + ctx.Request.Method.ToUpperInvariant());

        if (!HttpMethods.IsGet(ctx.Request.Method) && !HttpMethods.IsHead(ctx.Request.Method))
        {
            await StorageError(ctx, 405, "UnsupportedHttpVerb", "The resource doesn't support specified Http Verb.");
            return;
        }
        if (ctx.Request.Headers.ContainsKey("Authorization"))
        {
            // Blob storage cannot combine a SAS with a bearer token; a token here means the client leaked it.
            e.Stats.Fault("blob-authorization-refused");
            await StorageError(ctx, 400, "InvalidAuthenticationInfo",
                "Authentication information is not given in the correct format. A request with a shared access signature must not carry an Authorization header.");
            return;
        }

        string path = ctx.Request.Path.Value ?? "/";
        int slash = path.IndexOf('/', 1);
        if (slash < 0) { await StorageError(ctx, 400, "InvalidUri", "The requested URI does not represent any resource on the server."); return; }
        string container = path.Substring(1, slash - 1);
        string blob = path.Substring(slash + 1);
        if (!await AcceptSasAsync(ctx, e, container, blob)) return;

        var source = Resolve(e, container, blob, out string kind);
        if (source == null) { await StorageError(ctx, 404, "BlobNotFound", "The specified blob does not exist."); return; }
        await WriteBlobAsync(ctx, e, source, kind, path, seq);
    }

    /// <summary>True when the query carries a read SAS of this blob, signed by this host and not expired; otherwise
    /// writes storage's 403 (and counts the fault) and returns false.</summary>
    private static async Task<bool> AcceptSasAsync(HttpContext ctx, EmulatorServices e, string container, string blob)
    {
        var q = ctx.Request.Query;
        string se = q["se"].ToString(), sig = q["sig"].ToString();
        if (q["sv"].ToString() != SasSigner.Version || q["sp"].ToString() != "r" || q["sr"].ToString() != "b" || se.Length == 0 || sig.Length == 0 || !e.Sas.Verify(container, blob, se, sig))
        {
            e.Stats.Fault("blob-bad-signature");
            await StorageError(ctx, 403, "AuthenticationFailed",
                "Server failed to authenticate the request. Make sure the value of Authorization header is formed correctly including the signature.",
                $"Signature did not match. String to sign used was r\n{se}\n/{container}/{blob}\n{SasSigner.Version}");
            return false;
        }
        if (!DateTime.TryParse(se, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out var expiry) || expiry <= DateTime.UtcNow)
        {
            e.Stats.Fault("blob-expired");
            await StorageError(ctx, 403, "AuthenticationFailed",
                "Server failed to authenticate the request. Make sure the value of Authorization header is formed correctly including the signature.",
                $"Signed expiry time [{expiry:R}] must be after signed start time [{DateTime.UtcNow:R}]");
            return false;
        }
        return true;
    }

    /// <summary>The blob, or the byte range the request asks for (206); under a reset or truncation fault of its kind,
    /// half of it and then a cut connection.</summary>
    private static async Task WriteBlobAsync(HttpContext ctx, EmulatorServices e, IBlobSource source, string kind, string path, long seq)
    {
        var res = ctx.Response;
        long length = source.Length, from = 0, to = length - 1;
        int status = 200;
        string? range = ctx.Request.Headers.Range.FirstOrDefault() ?? ctx.Request.Headers["x-ms-range"].FirstOrDefault();
        if (!string.IsNullOrEmpty(range))
        {
            if (!TryParseRange(range, length, out from, out to))
            {
                res.Headers.ContentRange = $"bytes */{length}";
                await StorageError(ctx, 416, "InvalidRange", "The range specified is invalid for the current size of the resource.");
                return;
            }
            status = 206;
            res.Headers.ContentRange = $"bytes {from}-{to}/{length}";
        }
        long count = to - from + 1;
        res.StatusCode = status;
        res.ContentType = source.ContentType;
        res.ContentLength = count;
        res.Headers.ETag = source.ETag;
        res.Headers.LastModified = "Mon, 01 Jan 2024 00:00:00 GMT";
        res.Headers.AcceptRanges = "bytes";
        res.Headers["x-ms-blob-type"] = "BlockBlob";
        if (HttpMethods.IsHead(ctx.Request.Method)) return;

        var s = e.Faults.Settings;
        bool target = s.ResetTargets.Contains(kind, StringComparer.OrdinalIgnoreCase) && e.Faults.AppliesTo(path) && count > 1;
        bool reset = target && e.Faults.Decide("reset-" + kind, s.FaultResetRate, seq);
        bool truncate = !reset && target && e.Faults.Decide("truncate-" + kind, s.FaultTruncateRate, seq);
        if (reset || truncate)
        {
            // Send part of the body (Content-Length promises more), then drop the connection.
            e.Stats.Fault((reset ? "reset-" : "truncate-") + kind);
            long part = Math.Max(1, count / 2);
            await source.WriteAsync(res.Body, from, part, ctx.RequestAborted);
            await res.Body.FlushAsync();
            e.Stats.Bytes(part);
            await FaultInjector.CutConnectionAsync(ctx);
            return;
        }
        await source.WriteAsync(res.Body, from, count, ctx.RequestAborted);
        e.Stats.Bytes(count);
    }

    private static IBlobSource? Resolve(EmulatorServices e, string container, string blob, out string kind)
    {
        kind = "pdf";
        if (container == "invoices" && blob.EndsWith(".pdf", StringComparison.Ordinal))
        {
            string docName = blob[..^4];
            if (!e.World.DocumentsByBlob.TryGetValue(docName, out var d)) return null;
            return new BytesBlob(DocumentFactory.Pdf(d.Invoice, d.Document), "application/pdf");
        }
        if (container == "invoices" && blob.EndsWith(".zip", StringComparison.Ordinal))
        {
            kind = "zip";
            if (!e.ZipBatches.TryGetValue(blob[..^4], out var items)) return null;
            return new BytesBlob(DocumentFactory.Zip(e.World, items), "application/zip");
        }
        if (container == "costdetails")
        {
            kind = "csv";
            var parts = blob.Split('/');
            if (parts.Length != 2 || !e.CostReports.TryGetValue(parts[0], out var report)) return null;
            return report.PartByBlobName(parts[1]);
        }
        return null;
    }

    internal static bool TryParseRange(string header, long length, out long from, out long to)
    {
        from = 0; to = length - 1;
        if (!header.StartsWith("bytes=", StringComparison.OrdinalIgnoreCase) || header.Contains(',')) return false;
        var spec = header.Substring(6).Split('-');
        if (spec.Length != 2) return false;
        if (spec[0].Length == 0)
        {
            if (!long.TryParse(spec[1], out long suffix) || suffix <= 0) return false;
            from = Math.Max(0, length - suffix);
            return length > 0;
        }
        if (!long.TryParse(spec[0], out from) || from >= length) return false;
        if (spec[1].Length > 0)
        {
            if (!long.TryParse(spec[1], out to) || to < from) return false;
            to = Math.Min(to, length - 1);
        }
        return true;
    }

    private static Task StorageError(HttpContext ctx, int status, string code, string message, string? detail = null)
    {
        // Azure Storage error bodies are XML, not ARM JSON.
        string requestId = ctx.Response.Headers["x-ms-request-id"].ToString();
        string xml = "\uFEFF<?xml version=\"1.0\" encoding=\"utf-8\"?><Error><Code>" + code + "</Code><Message>" + SecurityElement.Escape(message)
                     + "\nRequestId:" + requestId + "\nTime:" + DateTime.UtcNow.ToString("yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'", CultureInfo.InvariantCulture) + "</Message>"
                     + (detail != null ? "<AuthenticationErrorDetail>" + SecurityElement.Escape(detail) + "</AuthenticationErrorDetail>" : "") + "</Error>";
        var bytes = System.Text.Encoding.UTF8.GetBytes(xml);
        ctx.Response.StatusCode = status;
        ctx.Response.ContentType = "application/xml";
        ctx.Response.Headers["x-ms-error-code"] = code;
        ctx.Response.ContentLength = bytes.Length;
        if (HttpMethods.IsHead(ctx.Request.Method)) return Task.CompletedTask;
        return ctx.Response.Body.WriteAsync(bytes, 0, bytes.Length);
    }
}
