using System;
using System.Text;
using BillingPowerShell;
using CsvHelper;

namespace BillingPowerShell.Engine.Usage
{
    /// <summary>
    /// Makes a <see cref="UsageRecord"/> of the row CsvHelper is on: the fields' decoded UTF-8 bytes (quotes removed)
    /// one after the other, one byte apart, with their offsets, so a record keeps one array per row and parses a field
    /// only when it is read. With reuse (the Native export's summary) one record and its arrays serve every row.
    /// </summary>
    internal sealed class UsageRowBuilder
    {
        private static readonly UTF8Encoding StrictUtf8 = new UTF8Encoding(false, true);
        private readonly bool _reuse;
        private UsageRecord? _reused;
        private byte[]? _line;
        private int[]? _offsets;

        public UsageRowBuilder(bool reuse) => _reuse = reuse;

        /// <summary>The record built last.</summary>
        public UsageRecord? Last { get; private set; }

        /// <summary>The record of the current row, or null when its bytes are not UTF-8.</summary>
        public UsageRecord? Build(CsvReader csv, UsageColumnLayout layout)
        {
            int fields = csv.FieldCount;
            int size = csv.RawRecord.Length + 1; // decoded fields are never longer than the raw ones with their separators
            byte[] line;
            int[] offsets;
            if (_reuse)
            {
                line = _line is { } l && l.Length >= size ? l : (_line = new byte[Math.Max(size, 2 * (_line?.Length ?? 512))]);
                offsets = _offsets is { } o && o.Length == fields + 1 ? o : (_offsets = new int[fields + 1]);
            }
            else
            {
                line = new byte[size];
                offsets = new int[fields + 1];
            }
            int p = 0;
            for (int i = 0; i < fields; i++)
            {
                offsets[i] = p;
                var field = csv.GetSpan(i);
                field.CopyTo(new Span<byte>(line, p, field.Length));
                p += field.Length;
                line[p++] = (byte)',';
            }
            offsets[fields] = p;
            if (!IsUtf8(line, p)) return null;
            UsageRecord record;
            if (_reused != null) { _reused.Reuse(layout, line, offsets); record = _reused; }
            else
            {
                record = new UsageRecord(layout, line, offsets);
                if (_reuse) _reused = record;
            }
            return Last = record;
        }

        // ASCII rows (the usual case) are checked eight bytes at a time; others are decoded strictly once.
        private static bool IsUtf8(byte[] line, int length)
        {
            var words = System.Runtime.InteropServices.MemoryMarshal.Cast<byte, ulong>(new ReadOnlySpan<byte>(line, 0, length));
            ulong acc = 0;
            for (int i = 0; i < words.Length; i++) acc |= words[i];
            for (int i = words.Length * 8; i < length; i++) acc |= line[i];
            if ((acc & 0x8080808080808080UL) == 0) return true;
            try
            {
                StrictUtf8.GetCharCount(line, 0, length);
                return true;
            }
            catch (DecoderFallbackException)
            {
                return false;
            }
        }
    }
}
