using System;

namespace BillingPowerShell.Engine.Usage
{
    /// <summary>
    /// Whether this build of the engine reads and writes Parquet. Parquet.Net 6 targets net8.0 and later only, so the
    /// net8.0 build (PowerShell 7.4+) has it and the netstandard2.0 build (Windows PowerShell 5.1, PowerShell 7.0-7.3)
    /// does not: callers check <see cref="IsSupported"/> before any request and say so (ErrorId ParquetNeedsPowerShell7).
    /// </summary>
    public static class UsageParquet
    {
#if NET8_0_OR_GREATER
        public static bool IsSupported => true;
#else
        public static bool IsSupported => false;
#endif

        /// <summary>True for a path ending <c>.parquet</c> (any case), the only way a Parquet file is chosen.</summary>
        public static bool IsParquetPath(string? path) =>
            path != null && path.EndsWith(".parquet", StringComparison.OrdinalIgnoreCase);

        /// <summary>The message for a Parquet path on the netstandard2.0 build.</summary>
        public static string NotSupportedMessage(string path) =>
            $"'{path}' is a Parquet file, and Parquet needs PowerShell 7.4 or later: this session runs the module's " +
            ".NET Standard build (Windows PowerShell 5.1, or PowerShell 7.0 to 7.3). Run the command in pwsh 7.4+, " +
            "or use a .csv or .csv.gz path.";

        internal static void ThrowIfNotSupported(string path)
        {
            if (!IsSupported) throw new PlatformNotSupportedException(NotSupportedMessage(path));
        }
    }
}
