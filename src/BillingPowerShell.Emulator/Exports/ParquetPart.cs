using System;
using System.Collections.Generic;
using System.IO;
using System.Threading;
using System.Threading.Tasks;
using BillingPowerShell.Emulator.Data;
using BillingPowerShell.Emulator.Usage;
using Parquet;
using Parquet.Schema;

namespace BillingPowerShell.Emulator.Exports;

/// <summary>
/// One Parquet partition of an export run (docs/contracts/azure-api/EXPORTS.md, "Data files": `.snappy.parquet`): the
/// same columns and rows as the CSV partition would hold (the cost details or FOCUS columns of the run's CostReport),
/// numbers as DECIMAL(38,18) and the rest as the CSV's text, one row group per 100,000 rows, snappy unless the export
/// asks for no compression.
/// </summary>
internal static class ParquetPart
{
    private const int RowGroupSize = 100_000;

    public static async Task<long> WriteAsync(Stream target, CostReport formatter, IEnumerator<UsageRow> rows, long count, bool snappy, CancellationToken ct)
    {
        var columns = formatter.Schema;
        var fields = new DataField[columns.Length];
        for (int i = 0; i < columns.Length; i++)
            fields[i] = columns[i].Number != null ? new DecimalDataField(columns[i].Name, 38, 18, false, true) : new DataField<string>(columns[i].Name, true);
        var options = new ParquetOptions { CompressionMethod = snappy ? CompressionMethod.Snappy : CompressionMethod.None };
        long n = 0;
        await using (var writer = await ParquetWriter.CreateAsync(new ParquetSchema(fields), target, options, false, ct))
        {
            while (n < count)
            {
                int size = (int)Math.Min(RowGroupSize, count - n);
                var numbers = new decimal?[columns.Length][];
                var texts = new string?[columns.Length][];
                for (int i = 0; i < columns.Length; i++)
                    if (columns[i].Number != null) numbers[i] = new decimal?[size]; else texts[i] = new string?[size];
                int got = 0;
                while (got < size && rows.MoveNext())
                {
                    var r = rows.Current;
                    for (int i = 0; i < columns.Length; i++)
                        if (numbers[i] is { } d) d[got] = Math.Round(columns[i].Number!(r), 18);
                        else texts[i]![got] = columns[i].Value!(r, formatter.World);
                    got++;
                }
                if (got == 0) break;
                using (var group = writer.CreateRowGroup())
                    for (int i = 0; i < columns.Length; i++)
                        if (numbers[i] is { } d) await group.WriteAsync<decimal>(fields[i], new ReadOnlyMemory<decimal?>(d, 0, got), null, null, ct);
                        else await group.WriteAsync(fields[i], new ArraySegment<string>(texts[i]!, 0, got), null);
                n += got;
                if (got < size) break;
            }
        }
        return n;
    }
}
