using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text;
using System.Text.Json;
using System.Threading.Tasks;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.WebUtilities;

namespace BillingPowerShell.Emulator.Infrastructure;

/// <summary>nextLink paging with an opaque $skiptoken, as the services do.</summary>
internal static class Paging
{
    public static string EncodeToken(long offset) => Convert.ToBase64String(Encoding.ASCII.GetBytes("o:" + offset.ToString(CultureInfo.InvariantCulture)));

    public static bool TryDecodeToken(string? token, out long offset)
    {
        offset = 0;
        if (string.IsNullOrEmpty(token)) return true;
        try
        {
            var s = Encoding.ASCII.GetString(Convert.FromBase64String(token));
            return s.StartsWith("o:", StringComparison.Ordinal) && long.TryParse(s.AsSpan(2), NumberStyles.Integer, CultureInfo.InvariantCulture, out offset) && offset >= 0;
        }
        catch (FormatException) { return false; }
    }

    /// <summary>The request's own absolute URL with $skiptoken replaced (and api-version optionally replaced).</summary>
    public static string NextLink(HttpRequest req, long offset, string? apiVersion = null)
    {
        var q = QueryHelpers.ParseQuery(req.QueryString.Value);
        var parts = new List<KeyValuePair<string, string?>>();
        foreach (var kv in q)
        {
            if (kv.Key.Equals("$skiptoken", StringComparison.OrdinalIgnoreCase) || kv.Key.Equals("skiptoken", StringComparison.OrdinalIgnoreCase)) continue;
            if (kv.Key.Equals("skip", StringComparison.OrdinalIgnoreCase)) continue;
            if (apiVersion != null && kv.Key.Equals("api-version", StringComparison.OrdinalIgnoreCase)) { parts.Add(new(kv.Key, apiVersion)); continue; }
            foreach (var v in kv.Value) parts.Add(new(kv.Key, v));
        }
        parts.Add(new("$skiptoken", EncodeToken(offset)));
        return req.Scheme + "://" + req.Host + req.PathBase + req.Path + QueryString.Create(parts).ToUriComponent();
    }

    /// <summary>Reads a page-size parameter; returns false (after writing the 400) when invalid.</summary>
    public static async Task<(bool Ok, int Top)> ReadTop(ArmRequest r, string name, int max, int dflt)
    {
        string? t = r.Q(name);
        if (t == null) return (true, dflt);
        if (!int.TryParse(t, NumberStyles.Integer, CultureInfo.InvariantCulture, out int top) || top < 1 || top > max)
        {
            await ArmErrors.BadRequest(r, $"The value '{t}' of query parameter '{name}' is invalid. It must be an integer between 1 and {max}.", "InvalidQueryParameterValue");
            return (false, 0);
        }
        return (true, top);
    }

    public static async Task<(bool Ok, long Offset)> ReadOffset(ArmRequest r)
    {
        string? tok = r.Q("$skiptoken") ?? r.Q("skiptoken");
        if (!TryDecodeToken(tok, out long off))
        {
            await ArmErrors.BadRequest(r, "The $skiptoken is invalid or expired.", "InvalidSkipToken");
            return (false, 0);
        }
        string? skip = r.Q("skip");
        if (skip != null && tok == null)
        {
            if (!long.TryParse(skip, NumberStyles.Integer, CultureInfo.InvariantCulture, out off) || off < 0)
            {
                await ArmErrors.BadRequest(r, $"The value '{skip}' of query parameter 'skip' is invalid.", "InvalidQueryParameterValue");
                return (false, 0);
            }
        }
        return (true, off);
    }

    /// <summary>Writes {"value":[...],"nextLink":...[,"totalCount":n]} for an in-memory list (billing lists are small).</summary>
    public static async Task WriteList<T>(ArmRequest r, IReadOnlyList<T> items, Action<Utf8JsonWriter, T> write, int maxTop = 50, int defaultTop = 50, bool totalCount = false, string topName = "top")
    {
        var (ok, top) = await ReadTop(r, topName, maxTop, defaultTop);
        if (!ok) return;
        var (ok2, offset) = await ReadOffset(r);
        if (!ok2) return;
        var w = JsonOut.Start(r.Http);
        w.WriteStartObject();
        w.WriteStartArray("value");
        long end = Math.Min(items.Count, offset + top);
        for (long i = offset; i < end; i++) write(w, items[(int)i]);
        w.WriteEndArray();
        if (end < items.Count) w.WriteString("nextLink", NextLink(r.Http.Request, end));
        else w.WriteNull("nextLink");
        if (totalCount) w.WriteNumber("totalCount", items.Count);
        w.WriteEndObject();
        await JsonOut.Finish(w);
    }
}
