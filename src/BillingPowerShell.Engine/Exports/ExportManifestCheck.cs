using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using BillingPowerShell.Engine.Files;

namespace BillingPowerShell.Engine.Exports
{
    /// <summary>
    /// Compares a run's manifest with what is in storage, and decides which files a receive still has to download
    /// (docs/contracts/EXPORTS_RECEIVE.md, "What is checked" and "Resuming"). Pure: no I/O but the local file sizes.
    /// </summary>
    public static class ExportManifestCheck
    {
        /// <summary>
        /// The data files of a run: the manifest's <c>blobs</c>, or, when it has none at all, every blob of the
        /// manifest's folder but the manifest itself (docs/contracts/azure-api/EXPORTS.md, "manifest.json fields",
        /// reading rule 2).
        /// </summary>
        public static IReadOnlyList<ExportManifestBlob> Files(ExportManifest manifest, string manifestPath, IReadOnlyDictionary<string, long> stored)
        {
            if (manifest.Blobs is not null) return manifest.Blobs;
            var folder = FolderOf(manifestPath);
            return stored.Where(kv => kv.Key.StartsWith(folder, StringComparison.Ordinal) && !kv.Key.Equals(manifestPath, StringComparison.Ordinal))
                .OrderBy(kv => kv.Key, StringComparer.Ordinal)
                .Select(kv => new ExportManifestBlob(kv.Key, null, null)).ToList();
        }

        /// <summary>The folder of a blob path, with its trailing slash ("" at the container's root).</summary>
        public static string FolderOf(string blobPath)
        {
            var slash = blobPath.LastIndexOf('/');
            return slash < 0 ? "" : blobPath.Substring(0, slash + 1);
        }

        /// <summary>
        /// Everything in which the manifest and storage disagree, one phrase each; empty when they agree. The manifest's
        /// own totals are checked against its files (blob count, byte count, row count, each only where present), and
        /// every file against storage: missing, or of another length than the manifest says.
        /// </summary>
        public static List<string> Problems(ExportManifest manifest, IReadOnlyList<ExportManifestBlob> files, IReadOnlyDictionary<string, long> stored)
        {
            var problems = new List<string>();
            if (files.Count == 0) problems.Add("the manifest lists no data files");
            if (manifest.BlobCount is long count && count != files.Count)
                problems.Add($"the manifest says blobCount {count} but lists {files.Count} file(s)");
            if (manifest.ByteCount is long bytes && files.All(f => f.ByteCount.HasValue) && files.Sum(f => f.ByteCount!.Value) is var fileBytes && fileBytes != bytes)
                problems.Add($"the manifest says byteCount {bytes} but its files add up to {fileBytes} bytes");
            if (manifest.DataRowCount is long rows && files.All(f => f.DataRowCount.HasValue) && files.Sum(f => f.DataRowCount!.Value) is var fileRows && fileRows != rows)
                problems.Add($"the manifest says dataRowCount {rows} but its files add up to {fileRows} rows");
            var missing = files.Where(f => !stored.ContainsKey(f.Name)).Select(f => f.Name).ToList();
            if (missing.Count > 0)
                problems.Add($"missing in storage: {string.Join(", ", missing)}");
            foreach (var f in files)
                if (f.ByteCount is long expected && stored.TryGetValue(f.Name, out var actual) && actual != expected)
                    problems.Add($"{f.Name} is {actual} bytes in storage but the manifest says {expected}");
            return problems;
        }

        /// <summary>
        /// Where a data file goes: the blob's path (relative to the container) under the destination folder, each
        /// segment made safe, so runs never collide and the layout matches the storage account's.
        /// </summary>
        public static string LocalPath(string destination, string blobName)
        {
            var root = Path.GetFullPath(destination);
            var segments = blobName.Split(new[] { '/' }, StringSplitOptions.RemoveEmptyEntries).Select(s => SafeFileName.Clean(s, 200)).ToArray();
            if (segments.Length == 0) throw new UnauthorizedAccessException($"The blob name '{blobName}' names no file.");
            var folder = segments.Length == 1 ? root : Path.Combine(root, Path.Combine(segments.Take(segments.Length - 1).ToArray()));
            var full = SafeFileName.Inside(folder, segments[segments.Length - 1]);
            if (!full.StartsWith(root.TrimEnd(Path.DirectorySeparatorChar) + Path.DirectorySeparatorChar, StringComparison.Ordinal))
                throw new UnauthorizedAccessException($"The blob name '{blobName}' would be written outside '{root}'.");
            return full;
        }

        /// <summary>
        /// Resuming: a file needs downloading unless it is already at its place with the length the manifest (or,
        /// without one, storage) gives. Files only ever reach their place complete (Files/AtomicFile), so a file of
        /// the right length is the run's file; one of another length was changed or cut locally and is fetched again.
        /// </summary>
        public static bool NeedsDownload(string localPath, long expectedLength, bool force)
        {
            if (force) return true;
            var file = new FileInfo(localPath);
            return !file.Exists || file.Length != expectedLength;
        }
    }

    /// <summary>A run whose manifest does not match its storage account: nothing of it is received.</summary>
    public sealed class ExportManifestMismatchException : Exception
    {
        public ExportManifestMismatchException(string what, IReadOnlyList<string> problems)
            : base($"{what}: the manifest does not match the storage account, so no file of this run was received: {string.Join("; ", problems)}. " +
                   "A run still being written is complete once its files match: wait and run Receive-BillingExport again; otherwise run the export again.")
        {
            Problems = problems;
        }

        public IReadOnlyList<string> Problems { get; }
    }
}
