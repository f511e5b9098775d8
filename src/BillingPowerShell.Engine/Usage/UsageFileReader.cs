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
        IEnumerable<UsageRecord> ReadAllPrefetched(int batchSize = 256, int maxBatchesAhead = 16, CancellationToken cancellationToken = default);

        /// <summary>Good records returned so far.</summary>
        long RowCount { get; }

        /// <summary>Bad rows reported so far.</summary>
        long ErrorCount { get; }
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
