using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Management.Automation;
using System.Threading;
using System.Threading.Tasks;
using BillingPowerShell.Engine.Billing;
using BillingPowerShell.Engine.Http;

namespace BillingPowerShell.Commands
{
    /// <summary>
    /// Saves invoice PDFs (and credit notes, tax receipts, ... or zips of them) to a folder: several at once, each through a
    /// temporary file renamed into place when complete, skipping files already there.
    /// </summary>
    [Cmdlet(VerbsData.Save, "BillingInvoice", DefaultParameterSetName = InvoiceSet, SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Low)]
    [OutputType(typeof(FileInfo))]
    public sealed class SaveBillingInvoiceCommand : BillingApiCmdlet
    {
        private const string InvoiceSet = "ByInvoice";
        private const string NameSet = "ByName";

        [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ParameterSetName = InvoiceSet)]
        [ValidateNotNull]
        public BillingInvoice[]? InputObject { get; set; }

        [Parameter(Mandatory = true, Position = 0, ParameterSetName = NameSet)]
        [ValidateInvoiceName]
        [Alias("InvoiceName")]
        public string[]? Name { get; set; }

        [Parameter(ParameterSetName = NameSet)]
        [ValidateNotNullOrEmpty]
        [ArgumentCompleter(typeof(BillingNameCompleter))]
        public string? BillingAccountName { get; set; }

        [Parameter(ParameterSetName = NameSet)]
        [ValidateGuid]
        [ArgumentCompleter(typeof(BillingNameCompleter))]
        public string? SubscriptionId { get => _subscriptionId; set => _subscriptionId = string.IsNullOrEmpty(value) ? null : value; }
        private string? _subscriptionId;

        [Parameter(Position = 1)]
        [ValidateNotNullOrEmpty]
        [Alias("Path")]
        public string? Destination { get; set; }

        [Parameter]
        [ValidateSet("Invoice", "CreditNote", "TaxReceipt", "VoidNote", "Summary", "Transactions", "Other", "All")]
        public string[] DocumentType { get; set; } = { "Invoice" };

        [Parameter]
        public SwitchParameter AsZip { get; set; }

        [Parameter]
        [ValidateRange(1, 32)]
        public int ThrottleLimit { get; set; } = 4;

        [Parameter]
        public SwitchParameter Force { get; set; }

        [Parameter]
        public SwitchParameter PassThru { get; set; }

        private readonly List<BillingInvoice> _invoices = new List<BillingInvoice>();
        private readonly HashSet<string> _names = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        private string _folder = "";

        protected override void BeginProcessing()
        {
            var path = Destination ?? SessionState.Path.CurrentFileSystemLocation.ProviderPath;
            if (WildcardPattern.ContainsWildcardCharacters(path) && !Directory.Exists(path))
                FailArgument("WildcardNotSupported", $"-Destination '{path}' contains wildcard characters; name one folder.", path);
            _folder = GetUnresolvedProviderPathFromPSPath(path);
            if (File.Exists(_folder))
                FailArgument("DestinationIsAFile", $"-Destination '{_folder}' is a file; name a folder.", path);
            if (!Directory.Exists(_folder) && !Force)
                FailArgument("DestinationNotFound", $"The folder '{_folder}' does not exist. Create it, or add -Force to have it created.", path, ErrorCategory.ObjectNotFound);
        }

        protected override void ProcessRecord()
        {
            if (ParameterSetName == InvoiceSet)
            {
                foreach (var i in InputObject!)
                    if (_names.Add(i.Name)) _invoices.Add(i);
                return;
            }
            Run(async (sink, token) =>
            {
                var call = NewCall(sink);
                foreach (var n in Name!)
                {
                    try
                    {
                        var invoice = await Client.GetInvoiceAsync(BillingAccountName, SubscriptionId, n, call, token).ConfigureAwait(false);
                        if (_names.Add(invoice.Name)) _invoices.Add(invoice);
                    }
                    catch (ArmException ex) { sink.WriteError(ErrorFor(ex, n, $"Invoice '{n}'")); }
                }
            }, Name);
        }

        protected override void EndProcessing()
        {
            if (_invoices.Count == 0) return;
            if (!Directory.Exists(_folder))
            {
                // The reason tells "what if" (-WhatIf or $WhatIfPreference: go on and say which files would be saved)
                // from a "no" to -Confirm (stop here); -WhatIf:$false is bound but is no what-if.
                var description = $"Performing the operation \"Create folder\" on target \"{_folder}\".";
                if (ShouldProcess(description, "Are you sure you want to perform this action?" + System.Environment.NewLine + description, "Confirm", out var reason))
                {
                    try { Directory.CreateDirectory(_folder); }
                    catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException) { Fail(ex, _folder, "Could not create the destination folder"); }
                }
                else if (reason != ShouldProcessReason.WhatIf) return;
            }

            // Plan every file and ask about each on this (the pipeline) thread, before any parallel work starts.
            var kinds = new HashSet<string>(DocumentType, StringComparer.OrdinalIgnoreCase);
            var work = new List<InvoiceFile>();
            foreach (var invoice in _invoices)
            {
                List<InvoiceFile> planned;
                try { planned = InvoiceDownloader.Plan(invoice, kinds, AsZip, _folder); }
                catch (UnauthorizedAccessException ex)
                {
                    WriteError(new ErrorRecord(ex, "UnsafeFileName", ErrorCategory.SecurityError, invoice));
                    continue;
                }
                if (planned.Count == 0)
                    WriteVerbose($"Invoice {invoice.Name} has no document of type {string.Join(", ", DocumentType)}.");
                foreach (var file in planned)
                {
                    if (File.Exists(file.Path) && !Force)
                    {
                        // Complete by construction (only finished downloads are renamed into place): a rerun costs nothing.
                        WriteVerbose($"Skipping {file.Path}: it is already there (use -Force to download it again).");
                        continue;
                    }
                    if (ShouldProcess(file.Path, $"Save {(file.IsZip ? "documents" : "document")} of invoice {invoice.Name}"))
                        work.Add(file);
                }
            }
            if (work.Count == 0) return;

            var saved = new System.Collections.Concurrent.ConcurrentQueue<string>();
            try
            {
                Run(async (sink, token) =>
            {
                var call = NewCall(sink);
                var done = 0;
                var progress = new ProgressRecord(1, "Saving invoices", $"0 of {work.Count} files");
                sink.WriteProgress(progress);
                using var gate = new SemaphoreSlim(ThrottleLimit);
                var tasks = work.Select(async file =>
                {
                    await gate.WaitAsync(token).ConfigureAwait(false);
                    try
                    {
                        var bytes = await InvoiceDownloader.SaveAsync(Client, file, Force, call, token).ConfigureAwait(false);
                        sink.WriteVerbose($"Saved {file.Path} ({bytes:N0} bytes).");
                        if (PassThru) saved.Enqueue(file.Path);
                    }
                    catch (Exception ex) when (ex is not OperationCanceledException || !token.IsCancellationRequested)
                    {
                        // One invoice failing is that invoice's error; the others go on.
                        sink.WriteError(ErrorFor(ex is InvalidDataException ide ? new ArmException(200, "InvalidDownload", ide.Message) : ex,
                            file.Invoice, $"Invoice {file.Invoice.Name} ({Path.GetFileName(file.Path)})"));
                    }
                    finally
                    {
                        gate.Release();
                        var n = Interlocked.Increment(ref done);
                        sink.WriteProgress(new ProgressRecord(1, "Saving invoices", $"{n} of {work.Count} files")
                        {
                            PercentComplete = (int)(100L * n / work.Count),
                            CurrentOperation = Path.GetFileName(file.Path),
                        });
                    }
                }).ToList();
                try
                {
                    await Task.WhenAll(tasks).ConfigureAwait(false);
                }
                finally
                {
                    sink.WriteProgress(new ProgressRecord(1, "Saving invoices", "Done") { RecordType = ProgressRecordType.Completed });
                }
            }, _folder);
            }
            finally
            {
                // Through the provider (on this thread), so -PassThru items look like Get-Item's, every column filled.
                if (PassThru)
                    foreach (var path in saved)
                        WriteObject(InvokeProvider.Item.Get(new[] { path }, false, true), true);
            }
        }
    }
}
