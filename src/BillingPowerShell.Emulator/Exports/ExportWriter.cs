using System;
using System.Collections.Generic;
using System.IO;
using System.IO.Compression;
using System.Linq;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using BillingPowerShell.Emulator.Data;
using BillingPowerShell.Emulator.Usage;

namespace BillingPowerShell.Emulator.Exports;

/// <summary>One data file of a run, as the manifest lists it.</summary>
internal sealed record ExportBlob(string BlobName, long ByteCount, long DataRowCount);

/// <summary>What a run is asked to write: the export, its scope, the run and the fault mode in force.</summary>
internal sealed record ExportJob(ExportRecord Export, ExportScope Scope, ExportRun Run, string ApiVersion, string Mode, TimeSpan FaultDelay, Task Released);

/// <summary>
/// Writes a run's files into the storage account in the layout of docs/contracts/azure-api/EXPORTS.md, "Folder
/// layout": `{container}/{rootFolderPath}/{exportName}/{yyyyMMdd-yyyyMMdd}/{runId}/` holding the partitions
/// (`part_0_0001.csv`, `.csv.gz` with gzip, `.snappy.parquet` for Parquet; "Data files") and `manifest.json` ("`manifest.json` fields").
/// Rows come from the world's usage generator through the cost details CSV formatter (Usage/CostReport) — the cost
/// details columns of CSV_SCHEMAS.md, or FOCUS's (FocusSchema) — so their totals agree with `/_emulator/world` and
/// with the cost details API.
/// </summary>
internal sealed class ExportWriter
{
    private readonly World _world;
    private readonly UsageGenerator _usage;
    private readonly int _rowsPerFile;

    public ExportWriter(World world, UsageGenerator usage, int rowsPerFile)
    {
        _world = world;
        _usage = usage;
        _rowsPerFile = Math.Max(1, rowsPerFile);
    }

    /// <summary>The run's folder, relative to the container: the date-range folder is the month of the run's start.</summary>
    public static string RunFolder(ExportSettings s, string exportName, ExportRun run)
    {
        var month = new DateOnly(run.StartDate.Year, run.StartDate.Month, 1);
        string range = $"{month:yyyyMMdd}-{month.AddMonths(1).AddDays(-1):yyyyMMdd}";
        return string.Join('/', new[] { s.RootFolderPath?.Trim('/'), exportName, range, run.RunId }.Where(p => !string.IsNullOrEmpty(p)));
    }

    /// <summary>Writes the partitions, then the manifest. Faults (mode): "manifestFirst" uploads the manifest before
    /// the last partition (which follows after the fault delay, or at once when POST /_emulator/exports/release
    /// releases the held files), "manifestFirstCompleted" too but returns (the run
    /// completes) before that last partition lands, "shortFile" uploads the last partition shorter than
    /// the manifest says. Returns the manifest's and the first data file's paths, relative to the container.</summary>
    public async Task<(string Manifest, string FirstFile)> WriteAsync(BlobServiceClient service, ExportJob job, CancellationToken ct)
    {
        var s = job.Run.Settings;
        var container = service.GetBlobContainerClient(s.Container);
        await container.CreateIfNotExistsAsync(cancellationToken: ct);
        string folder = RunFolder(s, job.Export.Name, job.Run);
        var formatter = NewFormatter(job);
        long total = Rows(job).LongCount();
        int parts = (int)Math.Max(1, (total + _rowsPerFile - 1) / _rowsPerFile);
        var blobs = new List<ExportBlob>();
        byte[]? lastContent = null;
        using (var rows = Rows(job).GetEnumerator())
            for (int i = 1; i <= parts; i++)
            {
                string name = $"{folder}/part_0_{i:D4}{Extension(s)}";
                long count = Math.Min(_rowsPerFile, total - (long)(i - 1) * _rowsPerFile);
                bool holdBack = i == parts && job.Mode is "manifestFirst" or "manifestFirstCompleted" or "shortFile";
                if (holdBack || s.Format == "Parquet")
                {
                    // Parquet's footer is written last and points back into the file: built whole, then uploaded.
                    using var ms = new MemoryStream();
                    long n = s.Format == "Parquet"
                        ? await ParquetPart.WriteAsync(ms, formatter, rows, count, s.Compression == "snappy", ct)
                        : await WriteCsvAsync(ms, formatter, rows, count, s.Compression == "gzip", ct);
                    blobs.Add(new ExportBlob(name, ms.Length, n));
                    if (holdBack) lastContent = ms.ToArray();
                    else await UploadAsync(container.GetBlobClient(name), ms.ToArray(), ct);
                }
                else blobs.Add(await WritePartAsync(container.GetBlobClient(name), formatter, rows, count, s.Compression == "gzip", ct));
            }
        string manifestPath = folder + "/manifest.json";
        var manifest = ExportManifest.Build(_world, job, blobs);
        if (job.Mode == "manifestFirst")
        {
            await UploadAsync(container.GetBlobClient(manifestPath), manifest, ct);
            await Task.WhenAny(Task.Delay(job.FaultDelay, ct), job.Released);
            await UploadAsync(container.GetBlobClient(blobs[^1].BlobName), lastContent!, ct);
        }
        else if (job.Mode == "manifestFirstCompleted")
        {
            // The run reports Completed while its last file is still on its way (it lands after the fault delay):
            // what a reader that trusts the run's status alone meets.
            await UploadAsync(container.GetBlobClient(manifestPath), manifest, ct);
            var last = container.GetBlobClient(blobs[^1].BlobName);
            _ = Task.Run(async () => { await Task.WhenAny(Task.Delay(job.FaultDelay), job.Released); await UploadAsync(last, lastContent!, CancellationToken.None); });
        }
        else
        {
            if (lastContent != null) await UploadAsync(container.GetBlobClient(blobs[^1].BlobName), lastContent.AsSpan(0, lastContent.Length / 2).ToArray(), ct);
            await UploadAsync(container.GetBlobClient(manifestPath), manifest, ct);
        }
        if (s.OverwriteBehavior == "OverwritePreviousReport") await DeleteOtherRunsAsync(container, folder, ct);
        return (manifestPath, blobs[0].BlobName);
    }

    /// <summary>docs/contracts/azure-api/EXPORTS.md, "Data files": `part_{n}_{nnnn}.csv`, `.csv.gz`, `.snappy.parquet`
    /// (an uncompressed Parquet export: `.parquet`).</summary>
    internal static string Extension(ExportSettings s) => s.Format == "Parquet"
        ? (s.Compression == "snappy" ? ".snappy.parquet" : ".parquet")
        : ".csv" + (s.Compression == "gzip" ? ".gz" : "");

    /// <summary>Streams one partition into its blob (bounded memory); its byte count is what reached the blob.</summary>
    private static async Task<ExportBlob> WritePartAsync(BlobClient blob, CostReport formatter, IEnumerator<UsageRow> rows, long count, bool gzip, CancellationToken ct)
    {
        long n;
        long bytes;
        await using (var target = await blob.OpenWriteAsync(overwrite: true, cancellationToken: ct))
        {
            var counting = new CountingStream(target);
            n = await WriteCsvAsync(counting, formatter, rows, count, gzip, ct);
            bytes = counting.Written;
        }
        return new ExportBlob(blob.Name, bytes, n);
    }

    /// <summary>BOM + header + the next <paramref name="count"/> rows (the cost details CSV: Usage/CostReport), gzipped
    /// or not. Returns the rows written.</summary>
    private static async Task<long> WriteCsvAsync(Stream target, CostReport formatter, IEnumerator<UsageRow> rows, long count, bool gzip, CancellationToken ct)
    {
        var output = gzip ? new GZipStream(target, CompressionLevel.Fastest, leaveOpen: true) : target;
        var buffered = new BufferedStream(output, 64 * 1024);
        await buffered.WriteAsync(formatter.HeaderBytes, ct);
        var sb = new StringBuilder(1024);
        byte[] row = new byte[4096];
        long n = 0;
        while (n < count && rows.MoveNext())
        {
            int len = formatter.Format(rows.Current, sb, ref row);
            await buffered.WriteAsync(row.AsMemory(0, len), ct);
            n++;
        }
        await buffered.FlushAsync(ct);
        if (gzip) await output.DisposeAsync();
        return n;
    }

    private static async Task UploadAsync(BlobClient blob, byte[] content, CancellationToken ct)
    {
        using var ms = new MemoryStream(content, writable: false);
        await blob.UploadAsync(ms, overwrite: true, cancellationToken: ct);
    }

    /// <summary>"`dataOverwriteBehavior = OverwritePreviousReport`: … only the latest run's folder remains": removes
    /// the blobs of the same date-range folder that are not this run's.</summary>
    private static async Task DeleteOtherRunsAsync(BlobContainerClient container, string runFolder, CancellationToken ct)
    {
        string rangeFolder = runFolder.Substring(0, runFolder.LastIndexOf('/') + 1);
        await foreach (var item in container.GetBlobsAsync(BlobTraits.None, BlobStates.None, rangeFolder, ct))
            if (!item.Name.StartsWith(runFolder + "/", StringComparison.Ordinal))
                await container.DeleteBlobIfExistsAsync(item.Name, cancellationToken: ct);
    }

    private CostReport NewFormatter(ExportJob job) => new()
    {
        Id = job.Run.RunId, World = _world, Usage = _usage, Subs = job.Scope.Subs, From = job.Run.StartDate, To = job.Run.EndDate,
        Amortized = Amortized(job), RowsPerBlob = _rowsPerFile,
        Schema = Selected(job.Run.Settings.Type == "FocusCost" ? FocusSchema.Columns : job.Scope.IsMca ? CsvSchemas.Mca : CsvSchemas.Ea, job.Run.Settings.Columns),
    };

    /// <summary>"`…configuration.columns` | subset of columns; omitted = all columns": the dataset's columns that are
    /// named (case-insensitively), in the dataset's order; unknown names are ignored, and none known means all.</summary>
    private static CsvSchemas.Column[] Selected(CsvSchemas.Column[] all, string[] wanted)
    {
        if (wanted.Length == 0) return all;
        var kept = all.Where(c => wanted.Contains(c.Name, StringComparer.OrdinalIgnoreCase)).ToArray();
        return kept.Length == 0 ? all : kept;
    }

    /// <summary>AmortizedCost rows, and FocusCost's (FOCUS.md, "Row selection": every amortized row).</summary>
    private static bool Amortized(ExportJob job) => job.Run.Settings.Type is "AmortizedCost" or "FocusCost";

    /// <summary>The scope's rows over the run's days (a resource group scope keeps its own rows only).</summary>
    private IEnumerable<UsageRow> Rows(ExportJob job)
    {
        foreach (var r in _usage.Rows(job.Scope.Subs, job.Run.StartDate, job.Run.EndDate, Amortized(job)))
            if (job.Scope.ResourceGroup == null || r.ResourceGroup.Equals(job.Scope.ResourceGroup, StringComparison.OrdinalIgnoreCase))
                yield return r;
    }
}
