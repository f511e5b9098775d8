using System;
using System.Collections.Generic;
using System.IO;
using System.Management.Automation;
using System.Security;
using System.Threading.Tasks;
using BillingPowerShell.Engine.Exports;

namespace BillingPowerShell.Commands
{
    /// <summary>
    /// Downloads the data files of export runs (or of each export's newest completed run per month) to a folder, after
    /// checking each run's manifest.json against storage; resumable and atomic (ExportService.ReceiveAsync,
    /// docs/contracts/EXPORTS_RECEIVE.md).
    /// </summary>
    [Cmdlet(VerbsCommunications.Receive, "BillingExport", DefaultParameterSetName = RunSet, SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Low)]
    [OutputType(typeof(FileInfo))]
    public sealed class ReceiveBillingExportCommand : BillingApiCmdlet
    {
        private const string RunSet = "ByRun";
        private const string ExportSet = "ByExport";

        [Parameter(Mandatory = true, ValueFromPipeline = true, ParameterSetName = RunSet)]
        [ValidateNotNull]
        [Alias("Run")]
        public BillingExportRun[]? InputObject { get; set; }

        [Parameter(Mandatory = true, ValueFromPipeline = true, ParameterSetName = ExportSet)]
        [ValidateNotNull]
        public BillingExport[]? Export { get; set; }

        [Parameter(Position = 0)]
        [ValidateNotNullOrEmpty]
        [Alias("Path")]
        public string? Destination { get; set; }

        [Parameter]
        [ValidateNotNull]
        public Uri? BlobServiceUri { get; set; }

        [Parameter]
        [ValidateNotNull]
        public SecureString? SasToken { get; set; }

        [Parameter]
        [ValidateRange(1, 64)]
        public int ThrottleLimit { get; set; } = ExportReceiveOptions.DefaultThrottleLimit;

        [Parameter]
        public SwitchParameter Force { get; set; }

        private readonly List<BillingExportRun> _runs = new List<BillingExportRun>();
        private readonly List<BillingExport> _exports = new List<BillingExport>();
        private readonly HashSet<string> _seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        private string _folder = "";

        protected override void BeginProcessing()
        {
            // Checked before any request: a bearer token or SAS only ever goes over HTTPS.
            if (BlobServiceUri is { } uri && (!uri.IsAbsoluteUri || uri.Scheme != Uri.UriSchemeHttps))
                FailArgument("BlobServiceUriNotHttps", $"-BlobServiceUri '{uri.GetLeftPart(UriPartial.Path)}' is not an absolute HTTPS URL; storage is only read over HTTPS.", uri);
            if (BlobServiceUri is { } withQuery && withQuery.IsAbsoluteUri && withQuery.Query.Length > 1)
                FailArgument("BlobServiceUriHasQuery", "-BlobServiceUri has a query string; pass the blob service URL alone and a SAS token with -SasToken.", withQuery.GetLeftPart(UriPartial.Path));
            var path = Destination ?? SessionState.Path.CurrentFileSystemLocation.ProviderPath;
            if (WildcardPattern.ContainsWildcardCharacters(path) && !Directory.Exists(path))
                FailArgument("WildcardNotSupported", $"-Destination '{path}' contains wildcard characters; name one folder.", path);
            _folder = GetUnresolvedProviderPathFromPSPath(path);
            if (File.Exists(_folder))
                FailArgument("DestinationIsAFile", $"-Destination '{_folder}' is a file; name a folder.", path);
        }

        protected override void ProcessRecord()
        {
            foreach (var run in InputObject ?? Array.Empty<BillingExportRun>())
                if (_seen.Add("run|" + run.Id + "|" + run.RunId) && ShouldProcess(_folder, $"Receive run {run.RunId} of export '{run.ExportName}'" + (run.StartDate is DateTime d ? $" ({d:yyyy-MM})" : "")))
                    _runs.Add(run);
            foreach (var export in Export ?? Array.Empty<BillingExport>())
                if (_seen.Add("export|" + export.Scope + "|" + export.Name) && ShouldProcess(_folder, $"Receive the newest completed run of each month of export '{export.Name}'"))
                    _exports.Add(export);
        }

        protected override void EndProcessing()
        {
            if (_runs.Count == 0 && _exports.Count == 0) return;
            var options = new ExportReceiveOptions { Destination = _folder, BlobServiceUri = BlobServiceUri, SasToken = SasToken, ThrottleLimit = ThrottleLimit, Force = Force };
            Run(async (sink, token) =>
            {
                var call = NewCall(sink, p => new ProgressRecord(1, "Receiving export runs", $"{p.Item}: {p.Done} of {p.Total} files, {p.Bytes:N0} bytes")
                {
                    PercentComplete = p.Total == 0 ? -1 : (int)(100L * p.Done / p.Total),
                });
                try
                {
                    await foreach (var file in Client.Exports.ReceiveAsync(_runs, _exports, options, call, token).WithCancellation(token).ConfigureAwait(false))
                        sink.WriteFileItem(file.Path, item => Note(item, file));
                }
                finally
                {
                    sink.WriteProgress(new ProgressRecord(1, "Receiving export runs", "Done") { RecordType = ProgressRecordType.Completed });
                }
            }, _folder);
        }

        /// <summary>The run's facts, noted on the file as Get-Item gives it (which pipes to Import-DailyUsage).</summary>
        private static void Note(PSObject o, ReceivedExportFile file)
        {
            o.Properties.Add(new PSNoteProperty("ExportName", file.ExportName));
            o.Properties.Add(new PSNoteProperty("RunId", file.RunId));
            o.Properties.Add(new PSNoteProperty("Month", file.Month));
            o.Properties.Add(new PSNoteProperty("Dataset", file.Dataset));
            o.Properties.Add(new PSNoteProperty("BlobName", file.BlobName));
            o.Properties.Add(new PSNoteProperty("RowCount", file.RowCount));
            o.Properties.Add(new PSNoteProperty("Downloaded", file.Downloaded));
        }
    }
}
