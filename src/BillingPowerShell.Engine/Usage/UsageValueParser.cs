using System.Runtime.CompilerServices;
using System;
using System.Collections.Generic;
using System.Globalization;
using System.Text;
using System.Text.Json;

namespace BillingPowerShell.Engine.Usage
{
    /// <summary>Culture-invariant parsing of the values found in usage files.</summary>
    public static class UsageValueParser
    {
        // AggressiveOptimization (not in the netstandard2.0 enum): skip tier-0 for the per-row parsers, the first 100k rows count.
        internal const MethodImplOptions Hot = (MethodImplOptions)512;

        private static readonly decimal[] Pow10 = BuildPow10();

        private static decimal[] BuildPow10()
        {
            var p = new decimal[19];
            p[0] = 1m;
            for (int i = 1; i < p.Length; i++) p[i] = p[i - 1] * 10m;
            return p;
        }

        /// <summary>Invariant decimal: sign, digits, '.', exponent (<c>1.2E-05</c>). Keeps the scale as written.</summary>
        public static bool TryParseDecimal(string? text, out decimal value) =>
            TryParseDecimal((text ?? string.Empty).AsSpan(), out value);

        [System.Runtime.CompilerServices.MethodImpl(Hot)]
        public static bool TryParseDecimal(ReadOnlySpan<char> s, out decimal value)
        {
            s = Trim(s);
            value = 0m;
            if (s.IsEmpty) return false;
            // Fast path: up to 18 significant digits fit a long, built straight into a decimal with its scale.
            int i = 0;
            bool neg = false;
            if (s[0] == '-' || s[0] == '+') { neg = s[0] == '-'; i++; }
            long mant = 0;
            int digits = 0, frac = 0;
            bool dot = false, any = false;
            for (; i < s.Length; i++)
            {
                char c = s[i];
                if (c >= '0' && c <= '9')
                {
                    any = true;
                    if (digits == 0 && c == '0') { if (dot) frac++; continue; }
                    if (digits >= 18) return Slow(s, out value);
                    mant = mant * 10 + (c - '0');
                    digits++;
                    if (dot) frac++;
                }
                else if (c == '.' && !dot) dot = true;
                else break;
            }
            if (!any) return false;
            int exp = 0;
            if (i < s.Length)
            {
                if (s[i] != 'e' && s[i] != 'E') return false;
                i++;
                bool eneg = false;
                if (i < s.Length && (s[i] == '-' || s[i] == '+')) { eneg = s[i] == '-'; i++; }
                if (i >= s.Length) return false;
                for (; i < s.Length; i++)
                {
                    char c = s[i];
                    if (c < '0' || c > '9') return false;
                    if (exp > 1000) return Slow(s, out value);
                    exp = exp * 10 + (c - '0');
                }
                if (eneg) exp = -exp;
            }
            int scale = frac - exp;
            if (scale < 0)
            {
                if (digits - scale > 18) return Slow(s, out value);
                mant *= (long)Pow10[-scale];
                scale = 0;
            }
            if (scale > 28) return Slow(s, out value);
            value = new decimal((int)(mant & 0xFFFFFFFF), (int)(mant >> 32), 0, neg, (byte)scale);
            return true;
        }

        /// <summary>The same, on UTF-8 bytes (numbers are ASCII: anything else is not a number).</summary>
        [System.Runtime.CompilerServices.MethodImpl(Hot)]
        public static bool TryParseDecimal(ReadOnlySpan<byte> s, out decimal value)
        {
            value = 0m;
            if (s.Length > 128) return TryParseDecimal(Encoding.UTF8.GetString(s.ToArray()), out value);
            Span<char> c = stackalloc char[s.Length];
            for (int i = 0; i < s.Length; i++) c[i] = (char)s[i]; // non-ASCII bytes become chars the parser rejects
            return TryParseDecimal(c, out value);
        }

        [System.Runtime.CompilerServices.MethodImpl(Hot)]
        public static bool TryParseDate(ReadOnlySpan<byte> s, out DateTime value)
        {
            value = default;
            if (s.Length > 64) return TryParseDate(Encoding.UTF8.GetString(s.ToArray()), out value);
            Span<char> c = stackalloc char[s.Length];
            for (int i = 0; i < s.Length; i++) c[i] = (char)s[i];
            return TryParseDate(c, out value);
        }

        private static bool Slow(ReadOnlySpan<char> s, out decimal value)
        {
            try
            {
                return decimal.TryParse(s.ToString(), NumberStyles.Float, CultureInfo.InvariantCulture, out value);
            }
            catch (OverflowException)
            {
                value = 0m;
                return false;
            }
        }

        /// <summary>
        /// A usage date as midnight UTC: ISO <c>yyyy-MM-dd</c> optionally followed by a time and offset, or
        /// <c>M/d/yyyy</c> optionally followed by a time. The calendar day as written is kept (no offset conversion).
        /// </summary>
        public static bool TryParseDate(string? text, out DateTime value) =>
            TryParseDate((text ?? string.Empty).AsSpan(), out value);

        [System.Runtime.CompilerServices.MethodImpl(Hot)]
        public static bool TryParseDate(ReadOnlySpan<char> s, out DateTime value)
        {
            s = Trim(s);
            value = default;
            int y, m, d, rest;
            if (s.Length >= 10 && s[4] == '-' && s[7] == '-')
            {
                if (!Num(s, 0, 4, out y) || !Num(s, 5, 2, out m) || !Num(s, 8, 2, out d)) return false;
                rest = 10;
            }
            else
            {
                int p = 0;
                if (!Digits(s, ref p, 1, 2, out m) || p >= s.Length || s[p++] != '/') return false;
                if (!Digits(s, ref p, 1, 2, out d) || p >= s.Length || s[p++] != '/') return false;
                if (!Digits(s, ref p, 4, 4, out y)) return false;
                rest = p;
            }
            if (y < 1 || m < 1 || m > 12 || d < 1 || d > DateTime.DaysInMonth(y, m)) return false;
            if (rest < s.Length && !ValidTimeSuffix(s.Slice(rest))) return false;
            value = new DateTime(y, m, d, 0, 0, 0, DateTimeKind.Utc);
            return true;
        }

        // "T00:00:00", " 12:00:00 AM", "T00:00:00.0000000Z", "T00:00:00+01:00": validated loosely but completely.
        private static bool ValidTimeSuffix(ReadOnlySpan<char> t)
        {
            if (t[0] != 'T' && t[0] != ' ') return false;
            int p = 1;
            if (!Digits(t, ref p, 1, 2, out int hh) || hh > 23) return false;
            if (p < t.Length && t[p] == ':')
            {
                p++;
                if (!Digits(t, ref p, 2, 2, out int mm) || mm > 59) return false;
                if (p < t.Length && t[p] == ':')
                {
                    p++;
                    if (!Digits(t, ref p, 2, 2, out int ss) || ss > 60) return false;
                    if (p < t.Length && t[p] == '.')
                    {
                        p++;
                        if (!Digits(t, ref p, 1, 9, out _)) return false;
                    }
                }
            }
            if (p == t.Length) return true;
            var tail = t.Slice(p);
            if (tail.Length == 1 && (tail[0] == 'Z' || tail[0] == 'z')) return true;
            if (tail[0] == '+' || tail[0] == '-')
            {
                int q = 1;
                if (!Digits(tail, ref q, 2, 2, out _)) return false;
                if (q < tail.Length && tail[q] == ':') q++;
                if (q < tail.Length && !Digits(tail, ref q, 2, 2, out _)) return false;
                return q == tail.Length;
            }
            var ampm = Trim(tail);
            return ampm.Equals("AM".AsSpan(), StringComparison.OrdinalIgnoreCase) || ampm.Equals("PM".AsSpan(), StringComparison.OrdinalIgnoreCase);
        }

        private static bool Num(ReadOnlySpan<char> s, int start, int len, out int v)
        {
            int p = start;
            return Digits(s, ref p, len, len, out v);
        }

        private static bool Digits(ReadOnlySpan<char> s, ref int p, int min, int max, out int v)
        {
            v = 0;
            int n = 0;
            while (p < s.Length && n < max && s[p] >= '0' && s[p] <= '9')
            {
                if (n < 9) v = v * 10 + (s[p] - '0');
                p++;
                n++;
            }
            return n >= min;
        }

        private static ReadOnlySpan<char> Trim(ReadOnlySpan<char> s)
        {
            int a = 0, b = s.Length;
            while (a < b && char.IsWhiteSpace(s[a])) a++;
            while (b > a && char.IsWhiteSpace(s[b - 1])) b--;
            return s.Slice(a, b - a);
        }

        /// <summary>
        /// Tags as a JSON object, or its members without the outer braces (<c>"a": "b","c": "d"</c>), or empty.
        /// Non-string values keep their JSON text. Returns false (and an empty dictionary) when the text is not JSON.
        /// </summary>
        public static bool TryParseTags(string? text, out Dictionary<string, string> tags)
        {
            tags = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
            if (string.IsNullOrWhiteSpace(text)) return true;
            string json = text!.Trim();
            if (json[0] != '{') json = "{" + json + "}";
            try
            {
                using var doc = JsonDocument.Parse(json, new JsonDocumentOptions { AllowTrailingCommas = true, MaxDepth = 16 });
                if (doc.RootElement.ValueKind != JsonValueKind.Object) return false;
                foreach (var p in doc.RootElement.EnumerateObject())
                {
                    tags[p.Name] = p.Value.ValueKind == JsonValueKind.String ? p.Value.GetString() ?? string.Empty
                        : p.Value.ValueKind == JsonValueKind.Null ? string.Empty
                        : p.Value.GetRawText();
                }
                return true;
            }
            catch (JsonException)
            {
                tags.Clear();
                return false;
            }
        }

        /// <summary>Compact JSON object text of tags (empty string when there are none).</summary>
        public static string FormatTags(IReadOnlyDictionary<string, string>? tags)
        {
            if (tags == null || tags.Count == 0) return string.Empty;
            var sb = new StringBuilder(tags.Count * 24);
            sb.Append('{');
            bool first = true;
            foreach (var kv in tags)
            {
                if (!first) sb.Append(',');
                first = false;
                AppendJsonString(sb, kv.Key);
                sb.Append(':');
                AppendJsonString(sb, kv.Value ?? string.Empty);
            }
            return sb.Append('}').ToString();
        }

        private static void AppendJsonString(StringBuilder sb, string s)
        {
            sb.Append('"');
            foreach (char c in s)
            {
                switch (c)
                {
                    case '"': sb.Append("\\\""); break;
                    case '\\': sb.Append("\\\\"); break;
                    case '\n': sb.Append("\\n"); break;
                    case '\r': sb.Append("\\r"); break;
                    case '\t': sb.Append("\\t"); break;
                    default:
                        if (c < 0x20) sb.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture));
                        else sb.Append(c);
                        break;
                }
            }
            sb.Append('"');
        }

        // Spreadsheet formula escaping. A value is escaped when, after any leading apostrophes, it starts with a trigger:
        // escaping also values that already start with "'" makes the unescape exact.
        internal static bool IsFormulaTrigger(char c) => c == '=' || c == '+' || c == '-' || c == '@' || c == '\t' || c == '\r';

        internal static bool NeedsFormulaEscape(string s)
        {
            int i = 0;
            while (i < s.Length && s[i] == '\'') i++;
            return i < s.Length && IsFormulaTrigger(s[i]);
        }

        /// <summary>The same rule on UTF-8 bytes (the triggers and the apostrophe are ASCII).</summary>
        internal static bool NeedsFormulaEscape(ReadOnlySpan<byte> s)
        {
            int i = 0;
            while (i < s.Length && s[i] == (byte)'\'') i++;
            return i < s.Length && IsFormulaTrigger((char)s[i]);
        }

        internal static string UnescapeFormula(string s)
        {
            if (s.Length >= 2 && s[0] == '\'' && NeedsFormulaEscape(s.Substring(1))) return s.Substring(1);
            return s;
        }
    }
}
