#if NET8_0_OR_GREATER
using System;
using System.Buffers.Binary;
using Microsoft.Win32.SafeHandles;
using Parquet.Meta;
using Parquet.Schema;

namespace BillingPowerShell.Engine.Usage
{
    /// <summary>
    /// Reads one column chunk of text or DECIMAL values straight from its pages, for the columns that are most of a
    /// cost file: text stays the UTF-8 bytes the file holds (Parquet.Net makes characters of them, which the record
    /// then turns back into UTF-8), and a DECIMAL becomes a <see cref="decimal"/> from its bytes (Parquet.Net goes
    /// through BigInteger). On a FOCUS file that is most of the import's time (docs/contracts/azure-api/EXPORTS.md,
    /// "Data files": Microsoft writes snappy Parquet). It reads the common layout only: a flat, required or optional
    /// column; SNAPPY or no compression; data pages v1 or v2; PLAIN or dictionary values; RLE definition levels.
    /// Anything else, or anything it does not expect in the page headers, gives null (nothing is half read), and the
    /// column is read by Parquet.Net as before.
    /// A column is only read as far as its page headers until a record asks for one of its values: most columns of
    /// most rows never are (an import summed by Measure-Object reads Date and Cost). A page that then turns out corrupt
    /// is a <see cref="UsageFormatException"/> naming the column, from the field that asked.
    /// </summary>
    internal static class ParquetChunkDecoder
    {
        /// <summary>The column's values, or null when this chunk is not one it reads.</summary>
        public static ParquetColumnValues? TryRead(SafeFileHandle file, ColumnChunk chunk, SchemaElement element, DataField field, int rows, string? source = null)
        {
            var meta = chunk.MetaData;
            if (meta == null || element.Name != field.Name || !IsSupported(meta, field, element) || meta.NumValues != rows) return null;
            try
            {
                var bytes = new ChunkBytes(file, meta);
                var pages = Walk(bytes, meta.Codec, field.MaxDefinitionLevel, rows);
                var fixedLength = meta.Type == Parquet.Meta.Type.FIXED_LEN_BYTE_ARRAY ? element.TypeLength ?? -1 : -1;
                var arena = 0L;
                foreach (var p in pages) arena += p.Header.UncompressedSize; // the pages' sizes: the arena is allocated once
                ParquetSlices Decode() => DecodePages(bytes.Bytes, pages, meta.Codec, field.MaxDefinitionLevel, new ParquetSlices(rows, fixedLength, meta.Type, checked((int)arena)));
                ParquetSlices Decoded() => DecodeOrSay(Decode, field.Name, source);
                return field is DecimalDataField d ? ParquetColumnValues.Decimals(rows, d.Scale, Decoded) : ParquetColumnValues.Utf8(rows, Decoded);
            }
            catch (Exception ex) when (IsDecodeFailure(ex))
            {
                return null; // Parquet.Net reads it, and says what is wrong with it if anything is
            }
        }

        private static bool IsDecodeFailure(Exception ex) =>
            ex is NotSupportedException || ex is System.IO.InvalidDataException || ex is IndexOutOfRangeException ||
            ex is ArgumentException || ex is OverflowException || ex is InvalidOperationException;

        private static ParquetSlices DecodeOrSay(Func<ParquetSlices> decode, string column, string? source)
        {
            try { return decode(); }
            catch (Exception ex) when (IsDecodeFailure(ex))
            {
                throw new UsageFormatException($"column '{column}' cannot be read: its pages are corrupt ({ex.Message})", source, null, ex);
            }
        }

        private static bool IsSupported(ColumnMetaData meta, DataField field, SchemaElement element)
        {
            if (field.MaxRepetitionLevel != 0 || field.MaxDefinitionLevel > 1) return false;
            if (meta.Codec != CompressionCodec.SNAPPY && meta.Codec != CompressionCodec.UNCOMPRESSED) return false;
            if (field is DecimalDataField d)
                return d.Scale is >= 0 and <= 28 && (meta.Type == Parquet.Meta.Type.INT32 || meta.Type == Parquet.Meta.Type.INT64 ||
                    (meta.Type == Parquet.Meta.Type.FIXED_LEN_BYTE_ARRAY && element.TypeLength is > 0 and <= 16));
            return meta.Type == Parquet.Meta.Type.BYTE_ARRAY && (field.ClrType == typeof(string) || field.ClrType == typeof(ReadOnlyMemory<char>));
        }

        /// <summary>
        /// The chunk's bytes from its first page, read as far as its metadata says and further when a page goes on:
        /// some writers (Parquet.Net among them) count only the pages' data in total_compressed_size, not their headers.
        /// </summary>
        private sealed class ChunkBytes
        {
            private readonly SafeFileHandle _file;
            private readonly long _start, _fileLength;
            public byte[] Bytes = Array.Empty<byte>();
            public int Length;

            public ChunkBytes(SafeFileHandle file, ColumnMetaData meta)
            {
                _file = file;
                _start = meta.DictionaryPageOffset is long dict && dict > 0 ? Math.Min(dict, meta.DataPageOffset) : meta.DataPageOffset;
                _fileLength = System.IO.RandomAccess.GetLength(file);
                if (_start < 4 || _start >= _fileLength) throw new NotSupportedException("column chunk offset outside the file");
                Ensure(checked((int)Math.Min(meta.TotalCompressedSize, _fileLength - _start)));
            }

            /// <summary>Reads up to <paramref name="end"/> bytes of the chunk; false when the file ends first.</summary>
            public bool Ensure(int end)
            {
                if (end <= Length) return true;
                if (end > _fileLength - _start) return false;
                if (Bytes.Length < end) Array.Resize(ref Bytes, Math.Max(end, Bytes.Length * 2));
                while (Length < end)
                {
                    var n = System.IO.RandomAccess.Read(_file, Bytes.AsSpan(Length, end - Length), _start + Length);
                    if (n == 0) return false;
                    Length += n;
                }
                return true;
            }

            // Up to 4 KB more, or what is left of the file; false when nothing is.
            private bool Grow()
            {
                var end = (int)Math.Min(Math.Min(Length + 4096L, _fileLength - _start), int.MaxValue);
                return end > Length && Ensure(end);
            }

            public ParquetPageHeader ReadHeader(ref int pos)
            {
                while (true)
                {
                    var at = pos;
                    try { var h = ParquetPageHeader.Read(Bytes.AsSpan(0, Length), ref at); pos = at; return h; }
                    catch (ParquetChunkEndException) when (Grow()) { }
                }
            }
        }

        private readonly struct Page
        {
            public readonly ParquetPageHeader Header;
            public readonly int Start;
            public Page(ParquetPageHeader header, int start) { Header = header; Start = start; }
        }

        /// <summary>Reads the page headers (not the pages), checking each is of a kind <see cref="DecodePages"/> reads.</summary>
        private static Page[] Walk(ChunkBytes chunk, CompressionCodec codec, int maxDefinition, int rows)
        {
            var pages = new System.Collections.Generic.List<Page>();
            int pos = 0, values = 0;
            var dictionary = false;
            while (values < rows)
            {
                var h = chunk.ReadHeader(ref pos);
                if (!chunk.Ensure(checked(pos + h.CompressedSize))) throw new ParquetChunkEndException();
                CheckSizes(h, chunk.Bytes.AsSpan(pos, h.CompressedSize), codec);
                pages.Add(new Page(h, pos));
                pos += h.CompressedSize;
                switch (h.Type)
                {
                    case ParquetPageHeader.DictionaryPage:
                        if (h.Encoding != 0 && h.Encoding != 2) throw new NotSupportedException("dictionary encoding");
                        dictionary = true;
                        break;
                    case ParquetPageHeader.DataPage:
                    case ParquetPageHeader.DataPageV2:
                        if (h.Encoding != 0 && !(dictionary && (h.Encoding == 2 || h.Encoding == 8))) throw new NotSupportedException("value encoding " + h.Encoding);
                        if (h.Type == ParquetPageHeader.DataPage && maxDefinition > 0 && h.DefinitionLevelEncoding != 3) throw new NotSupportedException("definition levels not RLE");
                        if (h.Type == ParquetPageHeader.DataPageV2 && h.RepetitionLevelsLength != 0) throw new NotSupportedException("repetition levels");
                        values = checked(values + h.NumValues);
                        break;
                    case ParquetPageHeader.IndexPage: break;
                    default: throw new NotSupportedException("page type " + h.Type);
                }
            }
            if (values != rows) throw new NotSupportedException("more values than rows");
            return pages.ToArray();
        }

        // A page's uncompressed size is what its decoding allocates: it must be what its bytes hold, not any header's say.
        private static void CheckSizes(ParquetPageHeader h, ReadOnlySpan<byte> payload, CompressionCodec codec)
        {
            if (h.Type == ParquetPageHeader.IndexPage) return;
            var levels = h.Type == ParquetPageHeader.DataPageV2 ? h.DefinitionLevelsLength + h.RepetitionLevelsLength : 0;
            if (levels < 0 || levels > payload.Length || levels > h.UncompressedSize) throw new NotSupportedException("levels run past the page");
            var values = payload.Slice(levels);
            var compressed = codec == CompressionCodec.SNAPPY && (h.Type != ParquetPageHeader.DataPageV2 || h.IsCompressed);
            var size = compressed ? Snappier.Snappy.GetUncompressedLength(values) : values.Length;
            if (size != h.UncompressedSize - levels) throw new NotSupportedException("page sizes differ from its bytes");
        }

        private static ParquetSlices DecodePages(byte[] chunk, Page[] pages, CompressionCodec codec, int maxDefinition, ParquetSlices slices)
        {
            foreach (var page in pages)
            {
                var h = page.Header;
                var payload = chunk.AsSpan(page.Start, h.CompressedSize);
                switch (h.Type)
                {
                    case ParquetPageHeader.DictionaryPage:
                        slices.SetDictionary(Inflate(payload, h.UncompressedSize, codec, slices), h.UncompressedSize, h.NumValues);
                        break;
                    case ParquetPageHeader.DataPage:
                        DecodeDataPage(h, payload, codec, maxDefinition, slices);
                        break;
                    case ParquetPageHeader.DataPageV2:
                        DecodeDataPageV2(h, payload, codec, maxDefinition, slices);
                        break;
                }
            }
            if (slices.Rows != slices.Capacity) throw new NotSupportedException("fewer values than rows");
            return slices;
        }

        // v1: the whole page is compressed; definition levels (RLE, with a 4-byte length) come before the values.
        private static void DecodeDataPage(ParquetPageHeader h, ReadOnlySpan<byte> payload, CompressionCodec codec, int maxDefinition, ParquetSlices slices)
        {
            var at = Inflate(payload, h.UncompressedSize, codec, slices);
            var page = slices.Arena.AsSpan(at, h.UncompressedSize);
            var levels = 0;
            if (maxDefinition > 0)
            {
                levels = 4 + BinaryPrimitives.ReadInt32LittleEndian(page);
                if (levels < 4 || levels > page.Length) throw new NotSupportedException("definition levels run past the page");
                slices.ReadDefinitionLevels(page.Slice(4, levels - 4), h.NumValues);
            }
            else slices.AllDefined(h.NumValues);
            slices.ReadValues(at + levels, h.UncompressedSize - levels, h.Encoding);
        }

        // v2: levels are never compressed and carry no length prefix; the values after them may be.
        private static void DecodeDataPageV2(ParquetPageHeader h, ReadOnlySpan<byte> payload, CompressionCodec codec, int maxDefinition, ParquetSlices slices)
        {
            var levels = h.DefinitionLevelsLength;
            if (levels > payload.Length) throw new NotSupportedException("levels run past the page");
            if (maxDefinition > 0) slices.ReadDefinitionLevels(payload.Slice(0, levels), h.NumValues);
            else slices.AllDefined(h.NumValues);
            var values = payload.Slice(levels);
            var size = h.UncompressedSize - levels;
            var at = Inflate(values, size, h.IsCompressed ? codec : CompressionCodec.UNCOMPRESSED, slices);
            slices.ReadValues(at, size, h.Encoding);
        }

        /// <summary>Decompresses into the column's arena (the values point into it); returns where it starts.</summary>
        private static int Inflate(ReadOnlySpan<byte> src, int size, CompressionCodec codec, ParquetSlices slices)
        {
            var at = slices.Reserve(size);
            var dest = slices.Arena.AsSpan(at, size);
            if (codec == CompressionCodec.UNCOMPRESSED)
            {
                if (src.Length != size) throw new NotSupportedException("uncompressed page size differs");
                src.CopyTo(dest);
            }
            else if (Snappier.Snappy.Decompress(src, dest) != size) throw new NotSupportedException("snappy page size differs");
            return at;
        }
    }
}
#endif
