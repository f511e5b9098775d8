#if NET8_0_OR_GREATER
using System;

namespace BillingPowerShell.Engine.Usage
{
    /// <summary>
    /// The fields of a Parquet page header that <see cref="ParquetChunkDecoder"/> needs, read from Thrift's compact
    /// protocol (the format's own encoding of its metadata: parquet.thrift's PageHeader, DataPageHeader,
    /// DictionaryPageHeader and DataPageHeaderV2). Parquet.Net reads these too but keeps its reader internal.
    /// Anything the decoder does not understand throws <see cref="NotSupportedException"/>, and the column is then
    /// read by Parquet.Net.
    /// </summary>
    /// <summary>A page header or page goes on past the bytes read so far (<see cref="ParquetChunkDecoder"/> reads more).</summary>
    internal sealed class ParquetChunkEndException : NotSupportedException
    {
        public ParquetChunkEndException() : base("page runs past the column chunk") { }
    }

    internal struct ParquetPageHeader
    {
        public const int DataPage = 0, IndexPage = 1, DictionaryPage = 2, DataPageV2 = 3;

        public int Type;
        public int UncompressedSize;
        public int CompressedSize;
        public int NumValues;
        public int Encoding;
        public int DefinitionLevelEncoding;   // DATA_PAGE only (RLE = 3)
        public int DefinitionLevelsLength;    // DATA_PAGE_V2 only: uncompressed bytes before the values
        public int RepetitionLevelsLength;    // DATA_PAGE_V2 only
        public bool IsCompressed;             // DATA_PAGE_V2 only: whether the values are compressed (default true)

        /// <summary>Reads a header at <paramref name="pos"/> and moves past it.</summary>
        public static ParquetPageHeader Read(ReadOnlySpan<byte> src, ref int pos)
        {
            var h = new ParquetPageHeader { IsCompressed = true };
            var reader = new Compact(src, pos);
            short id = 0;
            var required = 0; // type, both sizes: a header without them is not one
            while (reader.NextField(ref id, out var type))
            {
                switch (id)
                {
                    case 1: h.Type = reader.Int(type); required |= 1; break;
                    case 2: h.UncompressedSize = reader.Int(type); required |= 2; break;
                    case 3: h.CompressedSize = reader.Int(type); required |= 4; break;
                    case 5: case 7: case 8: ReadPageKind(ref reader, type, id, ref h); break;
                    default: reader.Skip(type); break;
                }
            }
            pos = reader.Position;
            if (required != 7) throw new NotSupportedException("page header without its type and sizes");
            if (h.CompressedSize < 0 || h.UncompressedSize < 0 || h.NumValues < 0) throw new NotSupportedException("negative page size");
            return h;
        }

        // DataPageHeader (5), DictionaryPageHeader (7) and DataPageHeaderV2 (8): the same first fields, then their own.
        private static void ReadPageKind(ref Compact reader, int type, short kind, ref ParquetPageHeader h)
        {
            if (type != Compact.Struct) throw new NotSupportedException("page header field is not a struct");
            short id = 0;
            while (reader.NextField(ref id, out var t))
            {
                switch ((kind, id))
                {
                    case (_, 1): h.NumValues = reader.Int(t); break;
                    case (5, 2): case (7, 2): case (8, 4): h.Encoding = reader.Int(t); break;
                    case (5, 3): h.DefinitionLevelEncoding = reader.Int(t); break;
                    case (8, 5): h.DefinitionLevelsLength = reader.Int(t); break;
                    case (8, 6): h.RepetitionLevelsLength = reader.Int(t); break;
                    case (8, 7): h.IsCompressed = t == Compact.True; break;
                    default: reader.Skip(t); break;
                }
            }
        }

        /// <summary>Thrift's compact protocol, reading only: field headers, zigzag varints, and skipping the rest.</summary>
        private ref struct Compact
        {
            public const int True = 1, False = 2, Byte = 3, I16 = 4, I32 = 5, I64 = 6, Double = 7, Binary = 8,
                List = 9, Set = 10, Map = 11, Struct = 12;

            private readonly ReadOnlySpan<byte> _src;
            private int _depth; // structs and lists within each other: bounded, so a corrupt header cannot exhaust the stack
            public int Position;

            public Compact(ReadOnlySpan<byte> src, int pos) { _src = src; Position = pos; }

            /// <summary>The next field of the current struct; false at its STOP byte.</summary>
            public bool NextField(ref short id, out int type)
            {
                var b = NextByte();
                type = b & 0x0F;
                if (type == 0) return false;
                var delta = b >> 4;
                id = delta != 0 ? (short)(id + delta) : (short)ZigZag(VarUInt());
                return true;
            }

            public int Int(int type)
            {
                if (type != I32 && type != I16 && type != Byte) throw new NotSupportedException("expected an integer field");
                return type == Byte ? (sbyte)NextByte() : checked((int)ZigZag(VarUInt()));
            }

            public void Skip(int type)
            {
                if (++_depth > 32) throw new NotSupportedException("page header nested too deep");
                try { SkipValue(type); }
                finally { _depth--; }
            }

            private void SkipValue(int type)
            {
                switch (type)
                {
                    case True: case False: break;
                    case Byte: Position++; break;
                    case I16: case I32: case I64: VarUInt(); break;
                    case Double: Position += 8; break;
                    case Binary: var length = checked((int)VarUInt()); Position += length; break; // not `Position += VarUInt()`: that adds to the Position before the length
                    case List: case Set: SkipList(); break;
                    case Map: SkipMap(); break;
                    case Struct: SkipStruct(); break;
                    default: throw new NotSupportedException("unknown Thrift type " + type);
                }
                if (Position > _src.Length) throw new ParquetChunkEndException();
            }

            private void SkipStruct()
            {
                short id = 0;
                while (NextField(ref id, out var t)) Skip(t);
            }

            private void SkipList()
            {
                var b = NextByte();
                var size = b >> 4 == 15 ? checked((int)VarUInt()) : b >> 4;
                var elem = b & 0x0F;
                for (var i = 0; i < size; i++) Skip(OneByteBool(elem));
            }

            private void SkipMap()
            {
                var size = checked((int)VarUInt());
                if (size == 0) return;
                var kinds = NextByte();
                for (var i = 0; i < size; i++) { Skip(OneByteBool(kinds >> 4)); Skip(OneByteBool(kinds & 0x0F)); }
            }

            // Booleans inside lists and maps are a byte each (in a struct the field header holds them).
            private static int OneByteBool(int type) => type == True || type == False ? Byte : type;

            private byte NextByte()
            {
                if (Position >= _src.Length) throw new ParquetChunkEndException();
                return _src[Position++];
            }

            private ulong VarUInt()
            {
                ulong v = 0;
                for (var shift = 0; shift < 64; shift += 7)
                {
                    var b = NextByte();
                    v |= (ulong)(b & 0x7F) << shift;
                    if ((b & 0x80) == 0) return v;
                }
                throw new NotSupportedException("varint too long");
            }

            private static long ZigZag(ulong v) => (long)(v >> 1) ^ -(long)(v & 1);
        }
    }
}
#endif
