using System;
using System.Management.Automation;
using BillingPowerShell.Engine.Costs;
using BillingPowerShell.Engine.Http;
using BillingPowerShell.Engine.Usage;

namespace BillingPowerShell.Commands
{
    /// <summary>Error and progress records shared by the usage cmdlets.</summary>
    internal static class UsageErrors
    {
        public static ErrorRecord BadRow(UsageRowError e) =>
            new ErrorRecord(new InvalidOperationException($"Skipped a usage row: {e}"), "BadUsageRow", ErrorCategory.InvalidData, $"{e.Source}:{e.LineNumber}");

        /// <summary>A .parquet path on the netstandard2.0 engine build (Windows PowerShell 5.1, PowerShell 7.0-7.3).</summary>
        public static ErrorRecord ParquetNeedsPowerShell7(string path, object? target) =>
            new ErrorRecord(new PlatformNotSupportedException(UsageParquet.NotSupportedMessage(path)), "ParquetNeedsPowerShell7", ErrorCategory.NotImplemented, target);

        public static ProgressRecord ProgressOf(string activity, UsageRequest request, CallProgress p) =>
            new ProgressRecord(2, activity, $"{request.Scope}: chunk {Math.Min(p.Done + 1, Math.Max(p.Total, 1))} of {p.Total}, {p.Rows:N0} rows, {p.Bytes / 1048576.0:N1} MB")
            {
                PercentComplete = p.Total == 0 ? -1 : (int)(100L * p.Done / p.Total),
            };
    }
}
