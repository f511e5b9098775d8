#if NET8_0_OR_GREATER
using System;
using System.Globalization;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using Parquet;
using Parquet.Schema;

namespace BillingPowerShell.Engine.Usage
{
    /// <summary>
    /// One column of one row group, read whole and typed, writing one row's value as the UTF-8 text a usage record
    /// keeps (the same text a CSV of the same data would hold): decimals and numbers invariant, DATE as yyyy-MM-dd,
    /// TIMESTAMP as ISO 8601 UTC, strings as they are, null as an empty field.
    /// </summary>
    internal abstract class ParquetColumnValues
    {
        private Text? _text;

        /// <summary>Appends row <paramref name="row"/>'s text to <paramref name="buffer"/> at <paramref name="at"/>; returns the new end.</summary>
        public abstract int Append(int row, ref byte[] buffer, int at);

        /// <summary>Rows in the column.</summary>
        public abstract int Count { get; }

        /// <summary>
        /// Where row <paramref name="row"/>'s text is. Values that are not UTF-8 already are written out as text for
        /// the whole column the first time any row's is asked for (most columns of most rows never are); records on
        /// other threads may ask at the same time, and then both write it and one is kept.
        /// </summary>
        public virtual void Locate(int row, out byte[] array, out int start, out int length)
        {
            var text = Volatile.Read(ref _text);
            if (text == null)
            {
                var made = WriteAll();
                text = Interlocked.CompareExchange(ref _text, made, null) ?? made;
            }
            array = text.Bytes;
            start = text.Starts[row];
            length = text.Starts[row + 1] - start;
        }

        private sealed class Text
        {
            public byte[] Bytes = Array.Empty<byte>();
            public int[] Starts = Array.Empty<int>();
        }

        private Text WriteAll()
        {
            var n = Count;
            var text = new Text { Bytes = new byte[Math.Max(64, n * 8)], Starts = new int[n + 1] };
            var at = 0;
            for (var r = 0; r < n; r++)
            {
                text.Starts[r] = at;
                at = Append(r, ref text.Bytes, at);
            }
            text.Starts[n] = at;
            return text;
        }

        /// <summary>The calendar day of a row when the column is DATE or TIMESTAMP (the Date check then parses nothing).</summary>
        public virtual bool TryGetDay(int row, out DateTime? day)
        {
            day = null;
            return false;
        }

        /// <summary>The typed decimal of a row when the column is DECIMAL (the Cost check then parses nothing).</summary>
        public virtual bool TryGetDecimal(int row, out decimal? value)
        {
            value = null;
            return false;
        }

        /// <summary>Text that is already UTF-8: slices of the column's pages (<see cref="ParquetChunkDecoder"/>).</summary>
        public static ParquetColumnValues Utf8(int rows, Func<ParquetSlices> decode) => new Utf8Values(rows, decode);

        /// <summary>DECIMAL values left in the column's pages (<see cref="ParquetChunkDecoder"/>) until read.</summary>
        public static ParquetColumnValues Decimals(int rows, int scale, Func<ParquetSlices> decode) => new SliceDecimals(rows, scale, decode);

        protected static Span<byte> Room(ref byte[] buffer, int at, int needed)
        {
            if (buffer.Length - at < needed) Array.Resize(ref buffer, Math.Max(buffer.Length * 2, at + needed));
            return buffer.AsSpan(at);
        }

        /// <summary>Reads a column of a row group by its Parquet type; a type usage files never hold reads as empty.</summary>
        public static async Task<ParquetColumnValues> ReadAsync(ParquetRowGroupReader group, DataField field, int rows, CancellationToken ct)
        {
            var t = field.ClrType;
            if (t == typeof(ReadOnlyMemory<char>) && field.MaxRepetitionLevel == 0) return await CharsAsync(group, field, rows, ct).ConfigureAwait(false);
            if (t == typeof(string) || t == typeof(ReadOnlyMemory<char>))
            {
                var s = new string?[rows];
                await group.ReadAsync(field, s.AsMemory(), null, ct).ConfigureAwait(false);
                return new TextValues(s);
            }
            if (t == typeof(decimal)) return new DecimalValues(await StructsAsync<decimal>(group, field, rows, ct).ConfigureAwait(false));
            if (t == typeof(double)) return new Formatted<double>(await StructsAsync<double>(group, field, rows, ct).ConfigureAwait(false), "R");
            if (t == typeof(float)) return new Formatted<float>(await StructsAsync<float>(group, field, rows, ct).ConfigureAwait(false), "R");
            if (t == typeof(long)) return new Formatted<long>(await StructsAsync<long>(group, field, rows, ct).ConfigureAwait(false), null);
            if (t == typeof(int)) return new Formatted<int>(await StructsAsync<int>(group, field, rows, ct).ConfigureAwait(false), null);
            if (t == typeof(short)) return new Formatted<short>(await StructsAsync<short>(group, field, rows, ct).ConfigureAwait(false), null);
            if (t == typeof(DateOnly)) return new Formatted<DateOnly>(await StructsAsync<DateOnly>(group, field, rows, ct).ConfigureAwait(false), "yyyy-MM-dd", v => Day(v.Year, v.Month, v.Day));
            if (t == typeof(DateTime))
            {
                var date = field is DateTimeDataField d && d.DateTimeFormat == DateTimeFormat.Date;
                return new Formatted<DateTime>(await StructsAsync<DateTime>(group, field, rows, ct).ConfigureAwait(false), date ? "yyyy-MM-dd" : "yyyy-MM-dd'T'HH:mm:ss.FFFFFFF'Z'", v => Day(v.Year, v.Month, v.Day));
            }
            if (t == typeof(DateTimeOffset))
                return new Formatted<DateTimeOffset>(await StructsAsync<DateTimeOffset>(group, field, rows, ct).ConfigureAwait(false), "yyyy-MM-dd'T'HH:mm:ss.FFFFFFFzzz", v => Day(v.Year, v.Month, v.Day));
            if (t == typeof(bool))
            {
                var b = await StructsAsync<bool>(group, field, rows, ct).ConfigureAwait(false);
                var s = new string?[rows];
                for (var i = 0; i < rows; i++) s[i] = b[i] is bool v ? (v ? "True" : "False") : null;
                return new TextValues(s);
            }
            return new TextValues(new string?[rows]);
        }

        // The day as its text reads (UsageValueParser.TryParseDate: the calendar day as written, midnight UTC).
        private static DateTime Day(int year, int month, int day) => new DateTime(year, month, day, 0, 0, 0, DateTimeKind.Utc);

        private static async Task<T?[]> StructsAsync<T>(ParquetRowGroupReader group, DataField field, int rows, CancellationToken ct) where T : struct
        {
            var values = new T?[rows];
            if (field.IsNullable)
            {
                await group.ReadAsync<T>(field, values.AsMemory(), null, ct).ConfigureAwait(false);
                return values;
            }
            var required = new T[rows];
            await group.ReadAsync<T>(field, required.AsMemory(), null, ct).ConfigureAwait(false);
            for (var i = 0; i < rows; i++) values[i] = required[i];
            return values;
        }

        // Text as Parquet.Net decodes it, slices of its own character buffers: no string per value (a hundred-column
        // FOCUS file holds a hundred million of them per million rows; as strings they cost a third of the read).
        private static async Task<ParquetColumnValues> CharsAsync(ParquetRowGroupReader group, DataField field, int rows, CancellationToken ct)
        {
            var values = new ReadOnlyMemory<char>[rows];
            if (field.MaxDefinitionLevel == 0)
            {
                await group.ReadRawAsync<ReadOnlyMemory<char>>(field, values.AsMemory(), null, null, ct).ConfigureAwait(false);
                return new CharValues(values, null);
            }
            // Only the defined values are read, packed; the definition levels say which rows they belong to.
            var levels = new int[rows];
            await group.ReadRawAsync<ReadOnlyMemory<char>>(field, values.AsMemory(), levels.AsMemory(), null, ct).ConfigureAwait(false);
            var at = new int[rows];
            for (int r = 0, v = 0; r < rows; r++) at[r] = levels[r] == field.MaxDefinitionLevel ? v++ : -1;
            return new CharValues(values, at);
        }

        private sealed class CharValues : ParquetColumnValues
        {
            private readonly ReadOnlyMemory<char>[] _values;
            private readonly int[]? _at;
            public CharValues(ReadOnlyMemory<char>[] values, int[]? at) { _values = values; _at = at; }
            public override int Count => _at?.Length ?? _values.Length;

            public override int Append(int row, ref byte[] buffer, int at)
            {
                var i = _at == null ? row : _at[row];
                if (i < 0) return at;
                var s = _values[i].Span;
                if (s.IsEmpty) return at;
                var room = Room(ref buffer, at, Encoding.UTF8.GetMaxByteCount(s.Length));
                return at + Encoding.UTF8.GetBytes(s, room);
            }
        }

        // Decoded when a row's text is first asked for (on whichever thread asks first; the others wait for it).
        private sealed class Utf8Values : ParquetColumnValues
        {
            private readonly int _rows;
            private readonly Lazy<ParquetSlices> _slices;
            public Utf8Values(int rows, Func<ParquetSlices> decode) { _rows = rows; _slices = new Lazy<ParquetSlices>(decode, LazyThreadSafetyMode.ExecutionAndPublication); }
            public override int Count => _rows;

            public override void Locate(int row, out byte[] array, out int start, out int length)
            {
                var s = _slices.Value;
                array = s.Arena;
                start = s.Start[row];
                length = Math.Max(0, s.Length[row]);
            }

            public override int Append(int row, ref byte[] buffer, int at)
            {
                Locate(row, out var array, out var start, out var n);
                if (n == 0) return at;
                array.AsSpan(start, n).CopyTo(Room(ref buffer, at, n));
                return at + n;
            }
        }

        private sealed class TextValues : ParquetColumnValues
        {
            private readonly string?[] _values;
            public TextValues(string?[] values) => _values = values;
            public override int Count => _values.Length;

            public override int Append(int row, ref byte[] buffer, int at)
            {
                var s = _values[row];
                if (string.IsNullOrEmpty(s)) return at;
                var room = Room(ref buffer, at, Encoding.UTF8.GetMaxByteCount(s.Length));
                return at + Encoding.UTF8.GetBytes(s, room);
            }
        }

        private class Formatted<T> : ParquetColumnValues where T : struct, IUtf8SpanFormattable
        {
            protected readonly T?[] Values;
            private readonly string? _format;
            private readonly Func<T, DateTime>? _day;
            public Formatted(T?[] values, string? format, Func<T, DateTime>? day = null) { Values = values; _format = format; _day = day; }
            public override int Count => Values.Length;

            public override bool TryGetDay(int row, out DateTime? day)
            {
                day = _day != null && Values[row] is T v ? _day(v) : null;
                return _day != null;
            }

            public override int Append(int row, ref byte[] buffer, int at)
            {
                if (Values[row] is not T v) return at;
                int written;
                while (!v.TryFormat(Room(ref buffer, at, 64), out written, _format, CultureInfo.InvariantCulture))
                    Array.Resize(ref buffer, buffer.Length * 2);
                return at + written;
            }
        }

        // A DECIMAL(38,18) value reads back with 18 fractional digits: trailing zeros go, as a CSV would hold them. Done
        // as a value is read (only the Cost of most rows ever is), and only for values that end in a zero digit.
        private abstract class DecimalColumn : ParquetColumnValues
        {
            /// <summary>The value as stored (null when none); false when no decimal holds it.</summary>
            protected abstract bool TryRaw(int row, out decimal? value);

            /// <summary>The text of a value no decimal holds.</summary>
            protected virtual string TextBeyondDecimal(int row) => string.Empty;

            public override bool TryGetDecimal(int row, out decimal? value)
            {
                if (!TryRaw(row, out value)) return false; // the Cost check then reads its text: not a number, a bad row
                if (value is decimal d) value = WithoutTrailingZeros(d);
                return true;
            }

            public override int Append(int row, ref byte[] buffer, int at)
            {
                if (!TryRaw(row, out var raw))
                {
                    var text = TextBeyondDecimal(row);
                    return at + Encoding.UTF8.GetBytes(text, Room(ref buffer, at, text.Length));
                }
                if (raw is not decimal d) return at;
                d = WithoutTrailingZeros(d);
                int written;
                while (!d.TryFormat(Room(ref buffer, at, 64), out written, default, CultureInfo.InvariantCulture))
                    Array.Resize(ref buffer, buffer.Length * 2);
                return at + written;
            }

            private static decimal WithoutTrailingZeros(decimal d)
            {
                Span<int> bits = stackalloc int[4];
                decimal.GetBits(d, bits);
                if (((bits[3] >> 16) & 0xFF) == 0) return d;
                // The last digit of the 96-bit integer: 2^64 ends in 6, so hi * 2^64 + lo ends as (hi % 10) * 6 + lo % 10.
                var lo = (uint)bits[0] | (ulong)(uint)bits[1] << 32;
                var last = (lo % 10 + (uint)bits[2] % 10 * 6) % 10;
                return last != 0 ? d : d / 1.000000000000000000000000000000000m;
            }
        }

        private sealed class DecimalValues : DecimalColumn
        {
            private readonly decimal?[] _values;
            public DecimalValues(decimal?[] values) => _values = values;
            public override int Count => _values.Length;
            protected override bool TryRaw(int row, out decimal? value) { value = _values[row]; return true; }
        }

        /// <summary>DECIMAL values left in the column's pages (<see cref="ParquetChunkDecoder"/>), decoded when first read.</summary>
        private sealed class SliceDecimals : DecimalColumn
        {
            private readonly int _rows, _scale;
            private readonly Lazy<ParquetSlices> _slices;
            public SliceDecimals(int rows, int scale, Func<ParquetSlices> decode) { _rows = rows; _scale = scale; _slices = new Lazy<ParquetSlices>(decode, LazyThreadSafetyMode.ExecutionAndPublication); }
            public override int Count => _rows;
            protected override bool TryRaw(int row, out decimal? value) => _slices.Value.TryToDecimal(row, _scale, out value);
            protected override string TextBeyondDecimal(int row) => _slices.Value.ExactText(row, _scale);
        }
    }
}
#endif
