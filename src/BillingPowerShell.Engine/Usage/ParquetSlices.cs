#if NET8_0_OR_GREATER
using System;
using System.Buffers.Binary;
using System.Numerics;

namespace BillingPowerShell.Engine.Usage
{
    /// <summary>
    /// One column chunk's values as slices of its decompressed pages (<see cref="ParquetChunkDecoder"/>): row r's value
    /// is <see cref="Arena"/>[<see cref="Start"/>[r] ..] of <see cref="Length"/>[r] bytes, or null when the length is -1.
    /// Dictionary values are sliced once and shared by every row that names them.
    /// </summary>
    internal sealed class ParquetSlices
    {
        private readonly int _fixedLength;          // FIXED_LEN_BYTE_ARRAY's size; -1 otherwise
        private readonly Parquet.Meta.Type _type;
        private int _used;
        private int[] _dictStart = Array.Empty<int>(), _dictLength = Array.Empty<int>();
        private int[] _levels = Array.Empty<int>(); // the current page's definition levels (1 = a value)
        private int _pageRows, _pageValues;
        private int[] _indices = Array.Empty<int>();

        public ParquetSlices(int rows, int fixedLength, Parquet.Meta.Type type, int arenaSize)
        {
            Capacity = rows;
            Start = new int[rows];
            Length = new int[rows];
            Arena = new byte[Math.Max(16, arenaSize)];
            _fixedLength = fixedLength;
            _type = type;
        }

        public byte[] Arena { get; private set; }
        public int[] Start { get; }
        public int[] Length { get; }
        public int Capacity { get; }

        /// <summary>Rows filled so far.</summary>
        public int Rows { get; private set; }

        /// <summary>Room for <paramref name="size"/> bytes at the arena's end; returns where.</summary>
        public int Reserve(int size)
        {
            if (Arena.Length - _used < size)
            {
                var bigger = new byte[Math.Max(Arena.Length * 2, checked(_used + size))];
                Buffer.BlockCopy(Arena, 0, bigger, 0, _used);
                Arena = bigger;
            }
            var at = _used;
            _used += size;
            return at;
        }

        public void SetDictionary(int at, int size, int count)
        {
            var smallest = _type == Parquet.Meta.Type.BYTE_ARRAY ? 4 : Math.Max(1, _fixedLength > 0 ? _fixedLength : _type == Parquet.Meta.Type.INT64 ? 8 : 4);
            if (count < 0 || count > size / smallest) throw new NotSupportedException("more dictionary values than its page holds");
            _dictStart = new int[count];
            _dictLength = new int[count];
            var cursor = at;
            for (var i = 0; i < count; i++) cursor = Plain(cursor, at + size, out _dictStart[i], out _dictLength[i]);
        }

        public void AllDefined(int pageRows)
        {
            BeginPage(pageRows);
            _levels.AsSpan(0, pageRows).Fill(1);
            _pageValues = pageRows;
        }

        public void ReadDefinitionLevels(ReadOnlySpan<byte> src, int pageRows)
        {
            BeginPage(pageRows);
            ParquetHybrid.Decode(src, 1, _levels.AsSpan(0, pageRows));
            var values = 0;
            foreach (var l in _levels.AsSpan(0, pageRows))
            {
                if ((uint)l > 1) throw new NotSupportedException("definition level out of range");
                values += l;
            }
            _pageValues = values;
        }

        private void BeginPage(int pageRows)
        {
            if (pageRows > Capacity - Rows) throw new NotSupportedException("more values than rows");
            if (_levels.Length < pageRows) _levels = new int[pageRows];
            _pageRows = pageRows;
        }

        /// <summary>The page's values (PLAIN, or dictionary indices) for the rows its definition levels say have one.</summary>
        public void ReadValues(int at, int size, int encoding)
        {
            var end = at + size;
            if (encoding == 0)
            {
                var cursor = at;
                for (var i = 0; i < _pageRows; i++, Rows++)
                {
                    if (_levels[i] == 0) Length[Rows] = -1;
                    else cursor = Plain(cursor, end, out Start[Rows], out Length[Rows]);
                }
                return;
            }
            if (encoding != 2 && encoding != 8) throw new NotSupportedException("value encoding " + encoding);
            if (_pageValues == 0) { for (var i = 0; i < _pageRows; i++, Rows++) Length[Rows] = -1; return; } // all null
            if (size < 1) throw new NotSupportedException("empty dictionary indices");
            if (_indices.Length < _pageValues) _indices = new int[_pageValues];
            var indices = _indices.AsSpan(0, _pageValues);
            ParquetHybrid.Decode(Arena.AsSpan(at + 1, size - 1), Arena[at], indices);
            for (int i = 0, v = 0; i < _pageRows; i++, Rows++)
            {
                if (_levels[i] == 0) { Length[Rows] = -1; continue; }
                var d = indices[v++];
                if ((uint)d >= (uint)_dictStart.Length) throw new NotSupportedException("dictionary index out of range");
                Start[Rows] = _dictStart[d];
                Length[Rows] = _dictLength[d];
            }
        }

        // One PLAIN value at cursor: a BYTE_ARRAY has a 4-byte length first; the other types have a fixed size.
        private int Plain(int cursor, int end, out int start, out int length)
        {
            switch (_type)
            {
                case Parquet.Meta.Type.BYTE_ARRAY:
                    if (end - cursor < 4) throw new NotSupportedException("value runs past the page");
                    length = BinaryPrimitives.ReadInt32LittleEndian(Arena.AsSpan(cursor));
                    cursor += 4;
                    break;
                case Parquet.Meta.Type.FIXED_LEN_BYTE_ARRAY: length = _fixedLength; break;
                case Parquet.Meta.Type.INT32: length = 4; break;
                case Parquet.Meta.Type.INT64: length = 8; break;
                default: throw new NotSupportedException("physical type " + _type);
            }
            if (length < 0 || length > end - cursor) throw new NotSupportedException("value runs past the page");
            start = cursor;
            return cursor + length;
        }

        /// <summary>Row <paramref name="row"/> as a decimal of <paramref name="scale"/> (INT32, INT64 or big-endian two's complement).</summary>
        /// <summary>
        /// Row <paramref name="row"/> as a decimal of <paramref name="scale"/> (INT32, INT64 or big-endian two's
        /// complement; null when the row has none). An integer beyond 96 bits loses fractional digits, rounded half to
        /// even, until it fits; false when it cannot (a value beyond ±7.9e28, which <see cref="ExactText"/> writes).
        /// </summary>
        public bool TryToDecimal(int row, int scale, out decimal? value)
        {
            value = null;
            if (Length[row] < 0) return true;
            var bytes = Arena.AsSpan(Start[row], Length[row]);
            Int128 v = _type switch
            {
                Parquet.Meta.Type.INT32 => BinaryPrimitives.ReadInt32LittleEndian(bytes),
                Parquet.Meta.Type.INT64 => BinaryPrimitives.ReadInt64LittleEndian(bytes),
                _ => bytes.Length <= 16 ? BigEndian(bytes) : Int128.MinValue,
            };
            var negative = v < 0;
            var magnitude = (UInt128)(negative ? -v : v);
            if (v == Int128.MinValue || magnitude >> 96 != 0) return TryRounded(Unscaled(row), scale, out value);
            var lo = (ulong)magnitude;
            value = new decimal((int)(uint)lo, (int)(uint)(lo >> 32), (int)(uint)(ulong)(magnitude >> 64), negative, (byte)scale);
            return true;
        }

        /// <summary>
        /// The fewest fractional digits dropped (one rounding, half to even, on the whole remainder: digit by digit
        /// would round twice) for the integer to fit a decimal's 96 bits; false when dropping them all is not enough.
        /// </summary>
        internal static bool TryRounded(BigInteger unscaled, int scale, out decimal? value)
        {
            value = null;
            var limit = BigInteger.One << 96;
            var whole = BigInteger.Abs(unscaled);
            for (var drop = 0; drop <= scale; drop++)
            {
                var divisor = BigInteger.Pow(10, drop);
                var magnitude = BigInteger.DivRem(whole, divisor, out var rest);
                var twice = rest * 2;
                if (twice > divisor || (twice == divisor && !magnitude.IsEven)) magnitude += 1;
                if (magnitude >= limit) continue;
                var lo = (ulong)(magnitude & ulong.MaxValue);
                value = new decimal((int)(uint)lo, (int)(uint)(lo >> 32), (int)(uint)(magnitude >> 64), unscaled.Sign < 0, (byte)(scale - drop));
                return true;
            }
            return false;
        }

        private BigInteger Unscaled(int row) =>
            new BigInteger(Arena.AsSpan(Start[row], Length[row]), isUnsigned: false, isBigEndian: true);

        /// <summary>The exact number as text, for a value no decimal holds (it then reads as text that is not a number).</summary>
        public string ExactText(int row, int scale)
        {
            if (Length[row] < 0) return string.Empty;
            var digits = BigInteger.Abs(Unscaled(row)).ToString(System.Globalization.CultureInfo.InvariantCulture).PadLeft(scale + 1, '0');
            var text = scale == 0 ? digits : digits.Substring(0, digits.Length - scale) + "." + digits.Substring(digits.Length - scale);
            return Unscaled(row).Sign < 0 ? "-" + text : text;
        }

        private static Int128 BigEndian(ReadOnlySpan<byte> bytes)
        {
            if (bytes.Length == 16) return new Int128(BinaryPrimitives.ReadUInt64BigEndian(bytes), BinaryPrimitives.ReadUInt64BigEndian(bytes.Slice(8)));
            Int128 v = (sbyte)bytes[0]; // the sign comes from the first byte
            for (var i = 1; i < bytes.Length; i++) v = (v << 8) | bytes[i];
            return v;
        }
    }
}
#endif
