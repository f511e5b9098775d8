using System;
using System.Buffers;
using System.Collections.Generic;
using System.Linq;
using System.IO;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using BillingPowerShell.Emulator.Blob;
using BillingPowerShell.Emulator.Data;

namespace BillingPowerShell.Emulator.Usage;

/// <summary>
/// A generated cost details report: rows [0, total) of (scope, from..to) split into blobs of at most
/// rowsPerBlob rows, each a complete CSV file (BOM + header + rows). Nothing is stored but byte counts and a
/// checkpoint (row, byte offset) every <see cref="CheckpointEvery"/> rows, so a Range request restarts the
/// generator near the requested offset instead of from the top.
/// </summary>
internal sealed class CostReport
{
    public const int CheckpointEvery = 2000;
    private static readonly byte[] Bom = { 0xEF, 0xBB, 0xBF };

    public required string Id { get; init; }
    public required World World { get; init; }
    public required UsageGenerator Usage { get; init; }
    public required IReadOnlyList<Subscription> Subs { get; init; }
    public required DateOnly From { get; init; }
    public required DateOnly To { get; init; }
    public required bool Amortized { get; init; }
    public required CsvSchemas.Column[] Schema { get; init; }
    public required int RowsPerBlob { get; init; }
    public List<Part> Parts { get; } = new();
    public long TotalRows { get; private set; }
    public long TotalBytes { get; private set; }

    internal sealed class Part : IBlobSource
    {
        public required CostReport Report { get; init; }
        public required int Index { get; init; }
        public required long FirstRow { get; init; }
        public required long RowCount { get; init; }
        public long Length { get; set; }
        public List<(long Row, long Offset)> Checkpoints { get; } = new();
        public string BlobName => $"part_{Index:D5}.csv";
        public string ContentType => "text/csv";
        public string ETag => $"\"0x8D{Report.Id.Replace("-", "")[..8].ToUpperInvariant()}{Index:X4}\"";

        public async Task WriteAsync(Stream target, long offset, long count, CancellationToken ct)
        {
            byte[] buf = ArrayPool<byte>.Shared.Rent(64 * 1024);
            try
            {
                long pos = 0;       // byte position of what we generate next
                long rowStart = 0;  // rows of this part to skip
                var header = HeaderBytes();
                if (offset >= header.Length)
                {
                    // Jump to the last checkpoint at or before the offset.
                    foreach (var cp in Checkpoints) { if (cp.Offset <= offset) { pos = cp.Offset; rowStart = cp.Row; } else break; }
                }
                long end = offset + count;
                int fill = 0;
                async ValueTask Emit(byte[] src, int n)
                {
                    // Copy the intersection of [pos, pos+n) and [offset, end) into the output buffer.
                    long s = Math.Max(pos, offset), e = Math.Min(pos + n, end);
                    if (e > s)
                    {
                        int from = (int)(s - pos), len = (int)(e - s);
                        while (len > 0)
                        {
                            int take = Math.Min(len, buf.Length - fill);
                            Buffer.BlockCopy(src, from, buf, fill, take);
                            fill += take; from += take; len -= take;
                            if (fill == buf.Length) { await target.WriteAsync(buf.AsMemory(0, fill), ct); fill = 0; }
                        }
                    }
                    pos += n;
                }
                if (pos == 0) await Emit(header, header.Length);
                var sb = new StringBuilder(1024);
                byte[] row = new byte[4096];
                foreach (var r in Report.Usage.Rows(Report.Subs, Report.From, Report.To, Report.Amortized, FirstRow + rowStart))
                {
                    if (rowStart >= RowCount || pos >= end) break;
                    int n = Report.Format(r, sb, ref row);
                    await Emit(row, n);
                    rowStart++;
                }
                if (fill > 0) await target.WriteAsync(buf.AsMemory(0, fill), ct);
            }
            finally { ArrayPool<byte>.Shared.Return(buf); }
        }

        private byte[] HeaderBytes() => Report.HeaderBytes;
    }

    private byte[]? _header;
    public byte[] HeaderBytes => _header ??= Concat(Bom, Encoding.UTF8.GetBytes(CsvSchemas.Header(Schema)));
    private static byte[] Concat(byte[] a, byte[] b) { var r = new byte[a.Length + b.Length]; a.CopyTo(r, 0); b.CopyTo(r, a.Length); return r; }

    /// <summary>Formats one row as UTF-8 into <paramref name="buffer"/> (grown if needed); returns the byte count.</summary>
    public int Format(in UsageRow r, StringBuilder sb, ref byte[] buffer)
    {
        sb.Clear();
        for (int i = 0; i < Schema.Length; i++)
        {
            if (i > 0) sb.Append(',');
            var c = Schema[i];
            if (c.Number != null) sb.Append(System.Globalization.CultureInfo.InvariantCulture, $"{c.Number(r)}");
            else CsvSchemas.AppendField(sb, c.Value!(r, World));
        }
        sb.Append("\r\n");
        int max = Encoding.UTF8.GetMaxByteCount(sb.Length);
        if (buffer.Length < max) buffer = new byte[max];
        int n = 0;
        foreach (var chunk in sb.GetChunks()) n += Encoding.UTF8.GetBytes(chunk.Span, buffer.AsSpan(n));
        return n;
    }

    /// <summary>One pass over the rows to learn every blob's byte count (the manifest reports them) and checkpoints.
    /// Blobs are independent (row i is a pure function), so they are counted in parallel.</summary>
    public void Prepare()
    {
        long total = Usage.CountRows(Subs, From, To);
        TotalRows = total;
        int index = 0;
        for (long first = 0; first < total; first += RowsPerBlob)
            Parts.Add(new Part { Report = this, Index = index++, FirstRow = first, RowCount = Math.Min(RowsPerBlob, total - first) });
        System.Threading.Tasks.Parallel.ForEach(Parts, new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount }, part =>
        {
            var sb = new StringBuilder(1024);
            byte[] row = new byte[4096];
            long bytes = HeaderBytes.Length;
            long i = 0;
            foreach (var r in Usage.Rows(Subs, From, To, Amortized, part.FirstRow))
            {
                if (i >= part.RowCount) break;
                if (i % CheckpointEvery == 0) part.Checkpoints.Add((i, bytes));
                bytes += Format(r, sb, ref row);
                i++;
            }
            part.Length = bytes;
        });
        TotalBytes = Parts.Sum(p => p.Length);
    }

    public IBlobSource? PartByBlobName(string name) => Parts.Find(p => p.BlobName == name);
}
