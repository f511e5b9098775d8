using System;
using System.Collections.Generic;

namespace BillingPowerShell.Engine.Usage
{
    /// <summary>
    /// A record's tags as the Normalized schema writes them (JSON), for the CSV and the Parquet writers alike. Tags repeat
    /// from row to row (same resource, same tags): each distinct source text is formatted once. One per writer; not
    /// thread-safe.
    /// </summary>
    internal sealed class UsageTagsText
    {
        private readonly Dictionary<string, string> _cache = new Dictionary<string, string>(StringComparer.Ordinal);

        public string Of(UsageRecord r)
        {
            if (r.TagsMaterialized) return UsageValueParser.FormatTags(r.Tags); // the caller may have changed them
            var raw = r.RawField(UsageField.Tags);
            if (string.IsNullOrWhiteSpace(raw)) return string.Empty;
            if (_cache.TryGetValue(raw!, out var t)) return t;
            UsageValueParser.TryParseTags(raw, out var tags);
            t = UsageValueParser.FormatTags(tags);
            if (_cache.Count >= 4096) _cache.Clear();
            _cache[raw!] = t;
            return t;
        }
    }
}
