using System;
using System.Runtime.CompilerServices;
using System.Text;
using BillingPowerShell;
using CsvHelper;

namespace BillingPowerShell.Engine.Usage
{
    /// <summary>
    /// Makes a <see cref="UsageRecord"/> of the row CsvHelper is on: the fields' decoded UTF-8 bytes one after the
    /// other, one byte apart, and where each starts, so a record keeps one array per row and parses a field only when
    /// it is read. With reuse (the Native export's summary) one record and its arrays serve every row.
    /// </summary>
    internal sealed class UsageRowBuilder
    {
        private static readonly UTF8Encoding StrictUtf8 = new UTF8Encoding(false, true);
        private readonly bool _reuse;
        private UsageRecord? _reused;
        private byte[]? _line;
        private ushort[]? _short;
        private int[]? _wide;

        public UsageRowBuilder(bool reuse) => _reuse = reuse;

        /// <summary>The record built last.</summary>
        public UsageRecord? Last { get; private set; }

        /// <summary>The record of the current row, or null when its bytes are not UTF-8.</summary>
        [MethodImpl(UsageValueParser.Hot)]
        public UsageRecord? Build(CsvReader csv, UsageColumnLayout layout)
        {
            var raw = csv.RawRecord;
            int fields = csv.FieldCount;
            int size = raw.Length + 1; // decoded fields are never longer than the raw ones with their separators
            var line = _reuse && _line != null && _line.Length >= size ? _line : new byte[_reuse ? Math.Max(size, 1024) : size];
            if (_reuse) _line = line;
            bool wide = size > ushort.MaxValue;
            var shortOffsets = wide ? null : _reuse && _short?.Length == fields + 1 ? _short : new ushort[fields + 1];
            var wideOffsets = !wide ? null : _reuse && _wide?.Length == fields + 1 ? _wide : new int[fields + 1];
            if (_reuse) { _short = shortOffsets ?? _short; _wide = wideOffsets ?? _wide; }
            int length = Copy(csv, raw, line, shortOffsets, wideOffsets);
            if (!IsUtf8(new ReadOnlySpan<byte>(line, 0, length))) return null;
            UsageRecord record;
            if (_reused != null) { _reused.Reuse(layout, line, shortOffsets, wideOffsets); record = _reused; }
            else
            {
                record = wide ? new UsageRecord(layout, line, wideOffsets!) : new UsageRecord(layout, line, shortOffsets!);
                if (_reuse) _reused = record;
            }
            return Last = record;
        }

        /// <summary>
        /// Copies the row whole (unquoted fields are already what they mean: RFC 4180 mode, no trimming), then puts
        /// each quoted field's decoded bytes (CsvHelper's) in its place, moving the rest of the row left by what the
        /// quotes took. Offsets come from CsvHelper's raw field lengths: one separator byte follows each field.
        /// </summary>
        [MethodImpl(UsageValueParser.Hot)]
        private static int Copy(CsvReader csv, ReadOnlySpan<byte> raw, byte[] line, ushort[]? shortOffsets, int[]? wideOffsets)
        {
            raw.CopyTo(line);
            line[raw.Length] = (byte)',';
            int src = 0, shift = 0, fields = csv.FieldCount;
            for (int i = 0; i < fields; i++)
            {
                int rawLength = csv.GetRawSpan(i).Length;
                Set(shortOffsets, wideOffsets, i, src - shift);
                if (rawLength > 0 && raw[src] == (byte)'"')
                {
                    var decoded = csv.GetSpan(i);
                    decoded.CopyTo(new Span<byte>(line, src - shift, decoded.Length));
                    shift += rawLength - decoded.Length;
                    int rest = src + rawLength;
                    raw.Slice(rest).CopyTo(new Span<byte>(line, rest - shift, raw.Length - rest));
                    line[raw.Length - shift] = (byte)',';
                }
                src += rawLength + 1;
            }
            Set(shortOffsets, wideOffsets, fields, src - shift);
            return src - shift;
        }

        private static void Set(ushort[]? shortOffsets, int[]? wideOffsets, int i, int value)
        {
            if (shortOffsets != null) shortOffsets[i] = (ushort)value;
            else wideOffsets![i] = value;
        }

        private static bool IsUtf8(ReadOnlySpan<byte> bytes)
        {
#if NET8_0_OR_GREATER
            return System.Text.Unicode.Utf8.IsValid(bytes);
#else
            // ASCII rows (the usual case) are checked eight bytes at a time; others are decoded strictly once.
            var words = System.Runtime.InteropServices.MemoryMarshal.Cast<byte, ulong>(bytes);
            ulong acc = 0;
            for (int i = 0; i < words.Length; i++) acc |= words[i];
            for (int i = words.Length * 8; i < bytes.Length; i++) acc |= bytes[i];
            if ((acc & 0x8080808080808080UL) == 0) return true;
            try
            {
                StrictUtf8.GetCharCount(bytes.ToArray());
                return true;
            }
            catch (DecoderFallbackException)
            {
                return false;
            }
#endif
        }
    }
}
