using System;
using System.Collections.Generic;
using System.Threading;

namespace BillingPowerShell.Engine.Usage
{
    /// <summary>A usage file being read, whatever its format (CSV, gzip CSV, Parquet): what Import-DailyUsage needs.</summary>
    public interface IUsageFileReader : IDisposable
    {
        /// <summary>Reads the header (CSV) or the schema (Parquet) and returns the format; UsageFormatException if unknown.</summary>
        UsageFileFormat ReadHeader();

        /// <summary>Every good record, read a little ahead on another thread; bad rows reach OnError on this thread.</summary>
        IEnumerable<UsageRecord> ReadAllPrefetched(int batchSize = UsagePrefetch.BatchSize, int maxBatchesAhead = UsagePrefetch.BatchesAhead, CancellationToken cancellationToken = default);

        /// <summary>Good records returned so far.</summary>
        long RowCount { get; }

        /// <summary>Bad rows reported so far.</summary>
        long ErrorCount { get; }
    }

    /// <summary>How far a prefetching reader reads ahead of its consumer.</summary>
    public static class UsagePrefetch
    {
        // 256 records ahead: enough to keep both threads busy, and few enough that the records waiting in the queue are
        // not most of what a gen0 collection finds alive. At 4,096 ahead (the old 256 x 16: about 6 MB of FOCUS rows,
        // as much as gen0 held between collections here) nearly every gen0 collection went on to gen1: 217 gen1
        // collections and 1.25 s of pauses in an import of 1M FOCUS CSV rows, against 1 and 0.24 s now.
        public const int BatchSize = 64;
        public const int BatchesAhead = 4;
    }

    /// <summary>Opens a usage file with the reader its name calls for: <c>.parquet</c> Parquet, anything else CSV (gzip sniffed).</summary>
    public static class UsageFileReader
    {
        /// <summary>
        /// Opens <paramref name="path"/>. A <c>.parquet</c> path on the netstandard2.0 build throws
        /// <see cref="PlatformNotSupportedException"/> (check <see cref="UsageParquet.IsSupported"/> first).
        /// </summary>
        public static IUsageFileReader Open(string path, UsageCsvReaderOptions? options = null)
        {
            if (path == null) throw new ArgumentNullException(nameof(path));
            if (!UsageParquet.IsParquetPath(path)) return UsageCsvReader.Open(path, options);
            UsageParquet.ThrowIfNotSupported(path);
#if NET8_0_OR_GREATER
            return UsageParquetReader.Open(path, options);
#else
            throw new PlatformNotSupportedException(UsageParquet.NotSupportedMessage(path));
#endif
        }
    }
}
