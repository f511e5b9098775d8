using System;
using System.Buffers;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Text;
using System.Text.Json;
using BillingPowerShell.Engine.Http;

namespace BillingPowerShell.Engine.Usage
{
    /// <summary>
    /// Turns Consumption <c>usageDetails</c> items (legacy or modern kind) into <see cref="UsageRecord"/>s.
    /// Source columns: <c>id</c>, <c>name</c>, <c>kind</c>, <c>tags</c> (JSON text) and every property, nested objects
    /// flattened as <c>meterDetails.meterName</c>. Numbers keep their JSON text (parsed as decimal when read).
    /// </summary>
    /// <remarks>
    /// A page is read token by token straight from its bytes: each record gets one UTF-8 row (values laid out like a CSV
    /// line, the same shape the CSV reader produces) and shares its column layout with the records before it. Building
    /// a JsonDocument, a string per property name and a string per value cost about 20 KB of garbage per record; this
    /// costs the row itself.
    /// </remarks>
    public static class UsageDetailsJson
    {
        private static readonly ConcurrentDictionary<string, UsageColumnLayout> Layouts =
            new ConcurrentDictionary<string, UsageColumnLayout>(StringComparer.Ordinal);

        /// <summary>
        /// Reads one page (<c>{"value":[...],"nextLink":...}</c>). An item whose date or cost is invalid is passed to
        /// <paramref name="onBadItem"/> and skipped. Null for an empty body.
        /// </summary>
        public static ArmPage<UsageRecord>? ReadPage(ReadOnlySequence<byte> json, int status, Action<string>? onBadItem)
        {
            if (json.IsEmpty) return null;
            var reader = new Utf8JsonReader(json, new JsonReaderOptions { MaxDepth = 256 });
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
                throw new ArmException(status, "InvalidResponse", "The service answered a list request without a 'value' array.");
            var items = new List<UsageRecord>();
            var builder = new RowBuilder();
            string? nextLink = null;
            var sawValue = false;
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                if (reader.ValueTextEquals("value"))
                {
                    sawValue = true;
                    reader.Read();
                    if (reader.TokenType != JsonTokenType.StartArray) { reader.Skip(); continue; }
                    while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
                    {
                        if (reader.TokenType != JsonTokenType.StartObject) { reader.Skip(); continue; }
                        try { items.Add(builder.ReadItem(ref reader, json)); }
                        catch (UsageFormatException ex) { onBadItem?.Invoke(ex.Message); }
                    }
                }
                else if (reader.ValueTextEquals("nextLink"))
                {
                    reader.Read();
                    if (reader.TokenType == JsonTokenType.String) nextLink = reader.GetString();
                    else reader.Skip();
                }
                else
                {
                    reader.Read();
                    reader.Skip();
                }
            }
            if (!sawValue)
                throw new ArmException(status, "InvalidResponse", "The service answered a list request without a 'value' array.");
            return new ArmPage<UsageRecord>(items, nextLink);
        }

        /// <summary>Converts an item of <c>value[]</c>. Throws <see cref="UsageFormatException"/> when its date or cost is invalid.</summary>
        public static UsageRecord ToRecord(JsonElement item)
        {
            if (item.ValueKind != JsonValueKind.Object) throw new UsageFormatException("usage detail is not a JSON object");
            var bytes = Encoding.UTF8.GetBytes(item.GetRawText());
            var page = new ReadOnlySequence<byte>(bytes);
            var reader = new Utf8JsonReader(page, new JsonReaderOptions { MaxDepth = 256 });
            reader.Read();
            return new RowBuilder().ReadItem(ref reader, page);
        }

        /// <summary>Reusable scratch space for one item at a time: its column names and its row.</summary>
        private sealed class RowBuilder
        {
            private byte[] _names = new byte[4096];
            private int _namesLength;
            private int[] _nameEnds = new int[129]; // as long as _offsets: both grow together
            private byte[] _row = new byte[8192];
            private int _rowLength;
            private int[] _offsets = new int[129];
            private int _count;
            // Items of a page share a few column sets (tags present or not, a property left out when empty): the sets
            // seen last are matched on their UTF-8 names before any string is made.
            private readonly List<UsageColumnLayout> _recent = new List<UsageColumnLayout>(4);

            /// <summary>Reads the object the reader is on (StartObject) up to its EndObject.</summary>
            public UsageRecord ReadItem(ref Utf8JsonReader reader, ReadOnlySequence<byte> page)
            {
                _namesLength = _rowLength = _count = 0;
                var modern = false;
                while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
                {
                    var isProperties = reader.ValueTextEquals("properties");
                    var isKind = reader.ValueTextEquals("kind");
                    var nameStart = _namesLength;
                    AppendName(ref reader);
                    reader.Read();
                    if (isProperties && reader.TokenType == JsonTokenType.StartObject)
                    {
                        _namesLength = nameStart; // "properties" is not a column: its members are
                        ReadProperties(ref reader, page);
                        continue;
                    }
                    if (isKind && reader.TokenType == JsonTokenType.String)
                        // The exact spellings first: no string per item; only an unusual casing costs one.
                        modern = reader.ValueTextEquals("modern") || (!reader.ValueTextEquals("legacy") && reader.ValueSpan.Length <= 12 && EqualsIgnoreCase(ref reader, "modern"));
                    EndName();
                    AppendValue(ref reader, page);
                }
                _offsets[_count] = _rowLength;
                var layout = LayoutFor(modern ? UsageFileFormat.UsageDetailsModern : UsageFileFormat.UsageDetailsLegacy);
                var line = new byte[_rowLength];
                Buffer.BlockCopy(_row, 0, line, 0, _rowLength);
                var offsets = new int[_count + 1];
                Array.Copy(_offsets, offsets, _count + 1);
                var rec = new UsageRecord(layout, line, offsets);
                if (!rec.TryGetDate(out _, out var rawDate))
                    throw new UsageFormatException($"usage detail with an invalid or missing date '{rawDate}'");
                if (!rec.TryGetDecimal(UsageField.Cost, out var cost, out _))
                    throw new UsageFormatException("usage detail with an invalid cost");
                rec.CacheCost(cost);
                return rec;
            }

            private void ReadProperties(ref Utf8JsonReader reader, ReadOnlySequence<byte> page)
            {
                while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
                {
                    var prefixStart = _namesLength;
                    AppendName(ref reader);
                    reader.Read();
                    if (reader.TokenType == JsonTokenType.StartObject)
                    {
                        // One level is flattened: meterDetails.meterName. Deeper objects stay JSON text.
                        var prefixEnd = _namesLength;
                        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
                        {
                            Ensure(ref _names, _namesLength + (prefixEnd - prefixStart) + 1);
                            Buffer.BlockCopy(_names, prefixStart, _names, _namesLength, prefixEnd - prefixStart);
                            _namesLength += prefixEnd - prefixStart;
                            _names[_namesLength++] = (byte)'.';
                            AppendName(ref reader);
                            reader.Read();
                            EndName();
                            AppendValue(ref reader, page);
                        }
                        // The prefix itself is not a column; drop it by moving the flattened names down.
                        var moved = _namesLength - prefixEnd;
                        Buffer.BlockCopy(_names, prefixEnd, _names, prefixStart, moved);
                        var shift = prefixEnd - prefixStart;
                        for (var i = _count - 1; i >= 0 && _nameEnds[i] > prefixEnd; i--) _nameEnds[i] -= shift;
                        _namesLength -= shift;
                        continue;
                    }
                    EndName();
                    AppendValue(ref reader, page);
                }
            }

            private static bool EqualsIgnoreCase(ref Utf8JsonReader reader, string text) =>
                string.Equals(reader.GetString(), text, StringComparison.OrdinalIgnoreCase);

            private void AppendName(ref Utf8JsonReader reader)
            {
                var length = reader.HasValueSequence ? (int)reader.ValueSequence.Length : reader.ValueSpan.Length;
                Ensure(ref _names, _namesLength + length);
                _namesLength += reader.CopyString(new Span<byte>(_names, _namesLength, _names.Length - _namesLength));
            }

            private void EndName()
            {
                if (_count + 1 >= _offsets.Length)
                {
                    Array.Resize(ref _offsets, _offsets.Length * 2);
                    Array.Resize(ref _nameEnds, _offsets.Length);
                }
                _nameEnds[_count] = _namesLength;
            }

            /// <summary>Appends the value the reader is on as the next field of the row (CSV layout: field, comma).</summary>
            private void AppendValue(ref Utf8JsonReader reader, ReadOnlySequence<byte> page)
            {
                _offsets[_count++] = _rowLength;
                switch (reader.TokenType)
                {
                    case JsonTokenType.String:
                        if (!reader.ValueIsEscaped && !reader.HasValueSequence)
                            AppendField(reader.ValueSpan);
                        else
                            AppendField(Unescaped(ref reader));
                        break;
                    case JsonTokenType.Number:
                        AppendField(reader.HasValueSequence ? Copied(reader.ValueSequence) : reader.ValueSpan);
                        break;
                    case JsonTokenType.True: AppendField(True); break;
                    case JsonTokenType.False: AppendField(False); break;
                    case JsonTokenType.StartObject:
                    case JsonTokenType.StartArray:
                    {
                        var start = reader.TokenStartIndex;
                        reader.Skip();
                        AppendField(Copied(page.Slice(start, reader.BytesConsumed - start)));
                        break;
                    }
                    default: break; // null: empty
                }
                Ensure(ref _row, _rowLength + 1);
                _row[_rowLength++] = (byte)',';
            }

            private byte[] _scratch = new byte[1024];

            /// <summary>A string value unescaped (or gathered from two pieces of the page) into scratch space.</summary>
            private ReadOnlySpan<byte> Unescaped(ref Utf8JsonReader reader)
            {
                var length = reader.HasValueSequence ? (int)reader.ValueSequence.Length : reader.ValueSpan.Length;
                Ensure(ref _scratch, length); // unescaped text is never longer than escaped
                var n = reader.CopyString(_scratch);
                return new ReadOnlySpan<byte>(_scratch, 0, n);
            }

            private ReadOnlySpan<byte> Copied(ReadOnlySequence<byte> bytes)
            {
                if (bytes.IsSingleSegment) return bytes.First.Span;
                Ensure(ref _scratch, (int)bytes.Length);
                bytes.CopyTo(_scratch);
                return new ReadOnlySpan<byte>(_scratch, 0, (int)bytes.Length);
            }

            private static readonly byte[] True = Encoding.ASCII.GetBytes("True");
            private static readonly byte[] False = Encoding.ASCII.GetBytes("False");

            // A field that starts with a quote is read back as a quoted CSV field, so it is written as one.
            private void AppendField(ReadOnlySpan<byte> value)
            {
                Ensure(ref _row, _rowLength + value.Length + 1);
                _rowLength += Copy(value, _row, _rowLength);
            }

            private UsageColumnLayout LayoutFor(UsageFileFormat format)
            {
                for (var i = 0; i < _recent.Count; i++)
                {
                    var seen = _recent[i];
                    if (seen.Format != format || !SameNames(seen)) continue;
                    if (i > 0) { _recent.RemoveAt(i); _recent.Insert(0, seen); }
                    return seen;
                }
                var names = new string[_count];
                var start = 0;
                for (var i = 0; i < _count; i++)
                {
                    names[i] = Encoding.UTF8.GetString(_names, start, _nameEnds[i] - start);
                    start = _nameEnds[i];
                }
                // Each name with its length in front, so that no two lists of names make the same key.
                var key = new StringBuilder().Append((int)format);
                foreach (var n in names) key.Append('|').Append(n.Length).Append(':').Append(n);
                var keyText = key.ToString();
                if (!Layouts.TryGetValue(keyText, out var layout))
                {
                    if (Layouts.Count > 256) Layouts.Clear(); // bounded: property sets are few in practice
                    layout = Layouts.GetOrAdd(keyText, _ => new UsageColumnLayout(names, format));
                }
                _recent.Insert(0, layout);
                if (_recent.Count > 4) _recent.RemoveAt(4);
                return layout;
            }

            private bool SameNames(UsageColumnLayout layout)
            {
                var utf8 = layout.Utf8Names;
                if (utf8.Length != _count) return false;
                var start = 0;
                for (var i = 0; i < _count; i++)
                {
                    if (!new ReadOnlySpan<byte>(_names, start, _nameEnds[i] - start).SequenceEqual(utf8[i])) return false;
                    start = _nameEnds[i];
                }
                return true;
            }

            private static int Copy(ReadOnlySpan<byte> source, byte[] target, int at)
            {
                source.CopyTo(new Span<byte>(target, at, source.Length));
                return source.Length;
            }

            private static void Ensure(ref byte[] buffer, int length)
            {
                if (length > buffer.Length) Array.Resize(ref buffer, Math.Max(length, buffer.Length * 2));
            }
        }
    }
}
