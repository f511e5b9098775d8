#if NET8_0_OR_GREATER
using System;

namespace BillingPowerShell.Engine.Usage
{
    /// <summary>
    /// Parquet's RLE / bit-packing hybrid, the encoding of definition levels and dictionary indices: runs of one value
    /// (a varint header with its low bit 0, then the value in whole bytes) and groups of eight bit-packed values (low
    /// bit 1, least significant bit first).
    /// </summary>
    internal static class ParquetHybrid
    {
        /// <summary>Fills <paramref name="dest"/> with the first dest.Length values.</summary>
        public static void Decode(ReadOnlySpan<byte> src, int bitWidth, Span<int> dest)
        {
            if (bitWidth is < 0 or > 32) throw new NotSupportedException("bit width " + bitWidth);
            var pos = 0;
            var filled = 0;
            while (filled < dest.Length)
            {
                var header = VarUInt(src, ref pos);
                if ((header & 1) == 0)
                {
                    var count = (int)Math.Min(header >> 1, (uint)(dest.Length - filled));
                    var byteWidth = (bitWidth + 7) / 8;
                    if (src.Length - pos < byteWidth) throw new NotSupportedException("run past the end");
                    var value = 0;
                    for (var i = 0; i < byteWidth; i++) value |= src[pos + i] << (8 * i);
                    pos += byteWidth;
                    if (count == 0) throw new NotSupportedException("empty run");
                    dest.Slice(filled, count).Fill(value);
                    filled += count;
                }
                else
                {
                    var groups = (int)(header >> 1);
                    if (groups == 0) throw new NotSupportedException("empty bit-packed run");
                    var count = Math.Min(groups * 8, dest.Length - filled);
                    Unpack(src.Slice(pos), bitWidth, dest.Slice(filled, count));
                    pos += Math.Min(groups * bitWidth, src.Length - pos); // the last group may be cut short
                    filled += count;
                }
            }
        }

        private static void Unpack(ReadOnlySpan<byte> src, int bitWidth, Span<int> dest)
        {
            if (bitWidth == 0) { dest.Clear(); return; }
            ulong buffer = 0;
            var bits = 0;
            var at = 0;
            var mask = (1UL << bitWidth) - 1;
            for (var i = 0; i < dest.Length; i++)
            {
                while (bits < bitWidth)
                {
                    if (at >= src.Length) throw new NotSupportedException("bit-packed run past the end");
                    buffer |= (ulong)src[at++] << bits;
                    bits += 8;
                }
                dest[i] = (int)(buffer & mask);
                buffer >>= bitWidth;
                bits -= bitWidth;
            }
        }

        private static uint VarUInt(ReadOnlySpan<byte> src, ref int pos)
        {
            uint v = 0;
            for (var shift = 0; shift < 35; shift += 7)
            {
                if (pos >= src.Length) throw new NotSupportedException("hybrid run header past the end");
                var b = src[pos++];
                v |= (uint)(b & 0x7F) << shift;
                if ((b & 0x80) == 0) return v;
            }
            throw new NotSupportedException("hybrid run header too long");
        }
    }
}
#endif
