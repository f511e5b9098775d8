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
        /// <summary>Appends row <paramref name="row"/>'s text to <paramref name="buffer"/> at <paramref name="at"/>; returns the new end.</summary>
        public abstract int Append(int row, ref byte[] buffer, int at);

        /// <summary>The typed decimal of a row when the column is DECIMAL (the Cost check then parses nothing).</summary>
        public virtual bool TryGetDecimal(int row, out decimal? value)
        {
            value = null;
            return false;
        }

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
            if (t == typeof(DateOnly)) return new Formatted<DateOnly>(await StructsAsync<DateOnly>(group, field, rows, ct).ConfigureAwait(false), "yyyy-MM-dd");
            if (t == typeof(DateTime))
            {
                var date = field is DateTimeDataField d && d.DateTimeFormat == DateTimeFormat.Date;
                return new Formatted<DateTime>(await StructsAsync<DateTime>(group, field, rows, ct).ConfigureAwait(false), date ? "yyyy-MM-dd" : "yyyy-MM-dd'T'HH:mm:ss.FFFFFFF'Z'");
            }
            if (t == typeof(DateTimeOffset))
                return new Formatted<DateTimeOffset>(await StructsAsync<DateTimeOffset>(group, field, rows, ct).ConfigureAwait(false), "yyyy-MM-dd'T'HH:mm:ss.FFFFFFFzzz");
            if (t == typeof(bool))
            {
                var b = await StructsAsync<bool>(group, field, rows, ct).ConfigureAwait(false);
                var s = new string?[rows];
                for (var i = 0; i < rows; i++) s[i] = b[i] is bool v ? (v ? "True" : "False") : null;
                return new TextValues(s);
            }
            return new TextValues(new string?[rows]);
        }

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

        private sealed class TextValues : ParquetColumnValues
        {
            private readonly string?[] _values;
            public TextValues(string?[] values) => _values = values;

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
            public Formatted(T?[] values, string? format) { Values = values; _format = format; }

            public override int Append(int row, ref byte[] buffer, int at)
            {
                if (Values[row] is not T v) return at;
                int written;
                while (!v.TryFormat(Room(ref buffer, at, 64), out written, _format, CultureInfo.InvariantCulture))
                    Array.Resize(ref buffer, buffer.Length * 2);
                return at + written;
            }
        }

        private sealed class DecimalValues : Formatted<decimal>
        {
            // A DECIMAL(38,18) value reads back with 18 fractional digits: trailing zeros go, as a CSV would hold it.
            public DecimalValues(decimal?[] values) : base(Trimmed(values), null) { }

            private static decimal?[] Trimmed(decimal?[] values)
            {
                for (var i = 0; i < values.Length; i++)
                    if (values[i] is decimal d && d.Scale > 0) values[i] = d / 1.000000000000000000000000000000000m;
                return values;
            }

            public override bool TryGetDecimal(int row, out decimal? value)
            {
                value = Values[row];
                return true;
            }
        }
    }
}
#endif
