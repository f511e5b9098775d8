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
            // A missing folder is created in EndProcessing (ShouldProcess "Create folder"): -Force only means
            // "download again what is already there", so a monthly job is one command.
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

        private static bool IsSignInFailure(ArmException ex) => ex.Status == 401 || ex.Code == "CredentialUnavailable";

        /// <summary>One error for a batch whose sign-in stopped working: what was saved, and which files were not.</summary>
        private static ArmException SignInLost(ArmException failure, List<InvoiceFile> work, System.Collections.Concurrent.ConcurrentDictionary<InvoiceFile, bool> finished)
        {
            var notSaved = work.Where(f => !finished.ContainsKey(f)).Select(f => Path.GetFileName(f.Path)).ToList();
            var savedCount = finished.Count(kv => kv.Value);
            var list = string.Join(", ", notSaved.Take(20)) + (notSaved.Count > 20 ? $" and {notSaved.Count - 20} more" : "");
            return new ArmException(failure.Status, failure.Code ?? "AuthenticationFailed",
                $"The sign-in stopped working after {savedCount} of {work.Count} files were saved, so the batch stopped; not saved: {list} " +
                $"(after signing in again, a rerun without -Force saves only these). The service said: {Sentence(failure.Message)}",
                requestId: failure.RequestId, correlationId: failure.CorrelationId);
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
                    try { Directory.CreateDirectory(_folder); WriteVerboseLine($"Created the folder {_folder}."); }
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
                    WriteVerboseLine($"Invoice {invoice.Name} has no document of type {string.Join(", ", DocumentType)}.");
                foreach (var file in planned)
                {
                    if (File.Exists(file.Path) && !Force)
                    {
                        // Complete by construction (only finished downloads are renamed into place): a rerun costs nothing.
                        WriteVerboseLine($"Skipping {file.Path}: it is already there (use -Force to download it again).");
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
                // A sign-in that stops working fails every file the same way: the first such failure stops the batch.
                using var signInLost = CancellationTokenSource.CreateLinkedTokenSource(token);
                ArmException? authFailure = null;
                var finished = new System.Collections.Concurrent.ConcurrentDictionary<InvoiceFile, bool>();
                var tasks = work.Select(async file =>
                {
                    try { await gate.WaitAsync(signInLost.Token).ConfigureAwait(false); }
                    catch (OperationCanceledException) when (!token.IsCancellationRequested) { return; }
                    try
                    {
                        var bytes = await InvoiceDownloader.SaveAsync(Client, file, Force, call, signInLost.Token).ConfigureAwait(false);
                        finished[file] = true;
                        sink.WriteVerbose($"Saved {file.Path} ({bytes:N0} bytes).");
                        if (PassThru) saved.Enqueue(file.Path);
                    }
                    catch (ArmException ex) when (IsSignInFailure(ex))
                    {
                        Interlocked.CompareExchange(ref authFailure, ex, null);
                        signInLost.Cancel();
                    }
                    catch (OperationCanceledException) when (signInLost.IsCancellationRequested && !token.IsCancellationRequested)
                    {
                        // Stopped because the sign-in failed for another file: reported once, below.
                    }
                    catch (Exception ex) when (ex is not OperationCanceledException || !token.IsCancellationRequested)
                    {
                        finished[file] = false;
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
                if (authFailure is not null)
                    throw SignInLost(authFailure, work, finished);
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
