using System;
using System.Globalization;
using System.Text.Json;

namespace BillingPowerShell.Engine.Billing
{
    /// <summary>Tolerant readers for ARM JSON: missing, null or oddly typed properties give null, never an exception.</summary>
    internal static class Json
    {
        public static JsonElement? Obj(this JsonElement e, string name) =>
            e.ValueKind == JsonValueKind.Object && e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Object ? v : (JsonElement?)null;

        public static JsonElement Props(this JsonElement e) => e.Obj("properties") ?? default;

        public static string? Str(this JsonElement e, string name)
        {
            if (e.ValueKind != JsonValueKind.Object || !e.TryGetProperty(name, out var v)) return null;
            return v.ValueKind switch
            {
                JsonValueKind.String => v.GetString(),
                JsonValueKind.Number or JsonValueKind.True or JsonValueKind.False => v.GetRawText(),
                _ => null,
            };
        }

        public static string? Str(this JsonElement? e, string name) => e is JsonElement x ? x.Str(name) : null;

        public static decimal? Dec(this JsonElement e, string name)
        {
            if (e.ValueKind != JsonValueKind.Object || !e.TryGetProperty(name, out var v)) return null;
            if (v.ValueKind == JsonValueKind.Number && v.TryGetDecimal(out var d)) return d;
            if (v.ValueKind == JsonValueKind.Number && v.TryGetDouble(out var dbl) && Math.Abs(dbl) < 7.9e28) return (decimal)dbl; // beyond decimal: no value, not an OverflowException
            if (v.ValueKind == JsonValueKind.String && decimal.TryParse(v.GetString(), NumberStyles.Float, CultureInfo.InvariantCulture, out var s)) return s;
            return null;
        }

        public static int? Int(this JsonElement e, string name)
        {
            if (e.ValueKind != JsonValueKind.Object || !e.TryGetProperty(name, out var v)) return null;
            if (v.ValueKind == JsonValueKind.Number && v.TryGetInt32(out var i)) return i;
            if (v.ValueKind == JsonValueKind.String && int.TryParse(v.GetString(), NumberStyles.Integer, CultureInfo.InvariantCulture, out var s)) return s;
            return null;
        }

        public static DateTimeOffset? DateOffset(this JsonElement e, string name)
        {
            var s = e.Str(name);
            return s is not null && DateTimeOffset.TryParse(s, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var d) ? d : null;
        }

        /// <summary>A date as the portal shows it: the calendar day in UTC.</summary>
        public static DateTime? Day(this JsonElement e, string name) =>
            e.DateOffset(name) is DateTimeOffset d ? DateTime.SpecifyKind(d.UtcDateTime.Date, DateTimeKind.Utc) : null;

        /// <summary>An Amount {currency, value}.</summary>
        public static (decimal? Value, string? Currency) Amount(this JsonElement e, string name)
        {
            var a = e.Obj(name);
            if (a is not JsonElement amount) return (e.Dec(name), null);
            return (amount.Dec("value"), amount.Str("currency"));
        }

        public static string? LastSegmentAfter(string? id, string segment)
        {
            if (id is null) return null;
            var parts = id.Split('/');
            for (var i = 0; i < parts.Length - 1; i++)
                if (string.Equals(parts[i], segment, StringComparison.OrdinalIgnoreCase)) return parts[i + 1];
            return null;
        }
    }
}
