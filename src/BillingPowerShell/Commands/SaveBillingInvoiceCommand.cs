using System;
using System.Collections.Generic;
using System.IO;
using System.Management.Automation;
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
        [ValidateBillingAccountName]
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
                await foreach (var invoice in Client.Invoices.GetAsync(Name!, BillingAccountName, SubscriptionId, NewCall(sink), token).WithCancellation(token).ConfigureAwait(false))
                    if (_names.Add(invoice.Name)) _invoices.Add(invoice);
            }, Name);
        }

        protected override void EndProcessing()
        {
            if (_invoices.Count == 0 || !EnsureDestination()) return;
            var work = PlanFiles();
            if (work.Count == 0) return;
            var saved = new System.Collections.Concurrent.ConcurrentQueue<string>(); // read here even if the work is abandoned
            try
            {
                Run(async (sink, token) =>
                {
                    var call = NewCall(sink, p => new ProgressRecord(1, "Saving invoices", $"{p.Done} of {p.Total} files")
                    {
                        PercentComplete = p.Done == 0 ? -1 : (int)(100L * p.Done / p.Total),
                        CurrentOperation = p.Item,
                    });
                    try
                    {
                        await foreach (var file in Client.Invoices.SaveAsync(work, Force, ThrottleLimit, call, token).WithCancellation(token).ConfigureAwait(false))
                            if (PassThru) saved.Enqueue(file.Path);
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
                foreach (var path in saved)
                    WriteObject(InvokeProvider.Item.Get(new[] { path }, false, true), true);
            }
        }

        /// <summary>
        /// Creates a missing destination folder (ShouldProcess "Create folder"). False when the answer to -Confirm was no;
        /// under "what if" the command goes on to say which files would be saved.
        /// </summary>
        private bool EnsureDestination()
        {
            if (Directory.Exists(_folder)) return true;
            // The reason tells "what if" (-WhatIf or $WhatIfPreference: go on and say which files would be saved)
            // from a "no" to -Confirm (stop here); -WhatIf:$false is bound but is no what-if.
            var description = $"Performing the operation \"Create folder\" on target \"{_folder}\".";
            if (ShouldProcess(description, "Are you sure you want to perform this action?" + System.Environment.NewLine + description, "Confirm", out var reason))
            {
                try { Directory.CreateDirectory(_folder); WriteVerboseLine($"Created the folder {_folder}."); }
                catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException) { Fail(ex, _folder, "Could not create the destination folder"); }
                return true;
            }
            return reason == ShouldProcessReason.WhatIf;
        }

        /// <summary>Plans every file and asks about each on this (the pipeline) thread, before any parallel work starts.</summary>
        private List<InvoiceFile> PlanFiles()
        {
            var kinds = new HashSet<string>(DocumentType, StringComparer.OrdinalIgnoreCase);
            var work = new List<InvoiceFile>();
            foreach (var invoice in _invoices)
            {
                List<InvoiceFile> planned;
                try { planned = Client.Invoices.PlanFiles(invoice, kinds, AsZip, _folder); }
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
            return work;
        }
    }
}
