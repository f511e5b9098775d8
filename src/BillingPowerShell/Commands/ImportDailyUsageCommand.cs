using System;
using System.Collections.Generic;
using System.Collections.ObjectModel;
using System.IO;
using System.Management.Automation;
using BillingPowerShell.Engine.Usage;

namespace BillingPowerShell.Commands
{
    /// <summary>
    /// Reads usage files — EA and MCA cost details, pay-as-you-go, the legacy portal download, our own Normalized export;
    /// .csv, .csv.gz or .parquet (PowerShell 7.4+) — and emits one usage record per row, the same type Get-DailyUsage emits.
    /// </summary>
    [Cmdlet(VerbsData.Import, "DailyUsage", DefaultParameterSetName = PathSet)]
    [OutputType(typeof(UsageRecord))]
    public sealed class ImportDailyUsageCommand : BillingCmdlet
    {
        private const string PathSet = "Path";
        private const string LiteralSet = "LiteralPath";

        [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ParameterSetName = PathSet)]
        [ValidateNotNullOrEmpty]
        [SupportsWildcards]
        public string[] Path { get; set; } = Array.Empty<string>();

        [Parameter(Mandatory = true, ValueFromPipelineByPropertyName = true, ParameterSetName = LiteralSet)]
        [ValidateNotNullOrEmpty]
        [Alias("PSPath", "LP")]
        public string[] LiteralPath { get; set; } = Array.Empty<string>();

        /// <summary>A FOCUS file's Cost: BilledCost (ActualCost, the default) or EffectiveCost (AmortizedCost).</summary>
        [Parameter]
        [ValidateSet("ActualCost", "AmortizedCost")]
        public string Metric { get; set; } = "ActualCost";

        protected override void ProcessRecord()
        {
            foreach (var file in Resolve())
                ReadFile(file);
        }

        private IEnumerable<string> Resolve()
        {
            if (ParameterSetName == LiteralSet)
            {
                foreach (var p in LiteralPath)
                {
                    var full = GetUnresolvedProviderPathFromPSPath(p);
                    if (File.Exists(full)) yield return full;
                    else WriteError(new ErrorRecord(new ItemNotFoundException($"Cannot find the file '{full}'."), "PathNotFound", ErrorCategory.ObjectNotFound, p));
                }
                yield break;
            }
            foreach (var p in Path)
            {
                Collection<string>? resolved = null;
                try
                {
                    resolved = GetResolvedProviderPathFromPSPath(p, out var provider);
                    if (provider.Name != "FileSystem")
                    {
                        WriteError(new ErrorRecord(new ArgumentException($"'{p}' is not a file system path."), "NotAFileSystemPath", ErrorCategory.InvalidArgument, p));
                        continue;
                    }
                }
                catch (ItemNotFoundException ex)
                {
                    WriteError(new ErrorRecord(ex, "PathNotFound", ErrorCategory.ObjectNotFound, p));
                    continue;
                }
                if (resolved.Count == 0)
                    WriteError(new ErrorRecord(new ItemNotFoundException($"No file matches '{p}'."), "PathNotFound", ErrorCategory.ObjectNotFound, p));
                foreach (var r in resolved)
                {
                    if (Directory.Exists(r))
                        WriteError(new ErrorRecord(new ArgumentException($"'{r}' is a folder; name usage files."), "PathIsAFolder", ErrorCategory.InvalidArgument, r));
                    else
                        yield return r;
                }
            }
        }

        private void ReadFile(string path)
        {
            // Reading a local file needs no async work: records go straight to the pipeline, no queue in between. Bad
            // rows are reported on this thread, in row order: ReadAllPrefetched hands them to OnError as it yields.
            if (UsageParquet.IsParquetPath(path) && !UsageParquet.IsSupported)
            {
                WriteError(UsageErrors.ParquetNeedsPowerShell7(path, path));
                return;
            }
            var options = new UsageCsvReaderOptions { SourceName = path, OnError = e => WriteError(UsageErrors.BadRow(e)), CostMetric = Metric == "AmortizedCost" ? Engine.Costs.CostMetric.AmortizedCost : Engine.Costs.CostMetric.ActualCost };
            try
            {
                using var reader = UsageFileReader.Open(path, options);
                WriteVerboseLine($"{path}: {reader.ReadHeader()} format.");
                // Parsing runs a few batches ahead on another thread while this one feeds the pipeline.
                foreach (var record in reader.ReadAllPrefetched(cancellationToken: StopToken))
                    WriteObject(record);
                WriteVerboseLine($"{path}: {reader.RowCount:N0} record(s), {reader.ErrorCount:N0} bad row(s).");
            }
            catch (UsageFormatException ex)
            {
                WriteError(new ErrorRecord(new InvalidDataException(ex.Message), "UnrecognisedUsageFile", ErrorCategory.InvalidData, path));
            }
            catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException || ex is InvalidDataException)
            {
                WriteError(new ErrorRecord(ex, ex is UnauthorizedAccessException ? "FileAccessDenied" : "FileReadFailed",
                    ex is UnauthorizedAccessException ? ErrorCategory.PermissionDenied : ErrorCategory.ReadError, path));
            }
            catch (OperationCanceledException) when (StopToken.IsCancellationRequested)
            {
                throw new PipelineStoppedException();
            }
        }
    }
}
