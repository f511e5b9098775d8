using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Text;
using System.Text.Json;

namespace BillingPowerShell.Engine.Usage
{
    /// <summary>
    /// Turns one Consumption <c>usageDetails</c> item (legacy or modern kind) into a <see cref="UsageRecord"/>.
    /// Source columns: <c>id</c>, <c>name</c>, <c>kind</c>, <c>tags</c> (JSON text) and every property, nested objects
    /// flattened as <c>meterDetails.meterName</c>. Numbers keep their JSON text (parsed as decimal when read).
    /// </summary>
    public static class UsageDetailsJson
    {
        private static readonly ConcurrentDictionary<string, UsageColumnLayout> Layouts =
            new ConcurrentDictionary<string, UsageColumnLayout>(StringComparer.Ordinal);

        /// <summary>Converts an item of <c>value[]</c>. Throws <see cref="UsageFormatException"/> when its date or cost is invalid.</summary>
        public static UsageRecord ToRecord(JsonElement item)
        {
            if (item.ValueKind != JsonValueKind.Object) throw new UsageFormatException("usage detail is not a JSON object");
            var names = new List<string>(80);
            var values = new List<string?>(80);
            string kind = string.Empty;
            foreach (var p in item.EnumerateObject())
            {
                if (p.NameEquals("properties") && p.Value.ValueKind == JsonValueKind.Object)
                {
                    foreach (var q in p.Value.EnumerateObject()) Add(names, values, q.Name, q.Value, flattenOnce: true);
                }
                else
                {
                    if (p.NameEquals("kind") && p.Value.ValueKind == JsonValueKind.String) kind = p.Value.GetString() ?? string.Empty;
                    Add(names, values, p.Name, p.Value, flattenOnce: false);
                }
            }
            var format = kind.Equals("modern", StringComparison.OrdinalIgnoreCase) ? UsageFileFormat.UsageDetailsModern : UsageFileFormat.UsageDetailsLegacy;
            var key = new StringBuilder(names.Count * 16).Append((int)format);
            foreach (var n in names) key.Append('|').Append(n);
            var k = key.ToString();
            if (!Layouts.TryGetValue(k, out var layout))
            {
                if (Layouts.Count > 256) Layouts.Clear(); // bounded: property sets are few in practice
                layout = Layouts.GetOrAdd(k, _ => new UsageColumnLayout(names.ToArray(), format));
            }
            var rec = new UsageRecord(layout, values.ToArray());
            if (!rec.TryGetDate(out _, out var rawDate))
                throw new UsageFormatException($"usage detail with an invalid or missing date '{rawDate}'");
            if (!rec.TryGetDecimal(UsageField.Cost, out var cost, out _))
                throw new UsageFormatException("usage detail with an invalid cost");
            rec.CacheCost(cost);
            return rec;
        }

        private static void Add(List<string> names, List<string?> values, string name, JsonElement v, bool flattenOnce)
        {
            if (v.ValueKind == JsonValueKind.Object && flattenOnce)
            {
                foreach (var q in v.EnumerateObject()) Add(names, values, name + "." + q.Name, q.Value, false);
                return;
            }
            names.Add(name);
            values.Add(v.ValueKind switch
            {
                JsonValueKind.String => v.GetString(),
                JsonValueKind.Null => string.Empty,
                JsonValueKind.Undefined => string.Empty,
                JsonValueKind.True => "True",
                JsonValueKind.False => "False",
                _ => v.GetRawText(),
            });
        }
    }
}
