using System;
using System.Collections.Generic;
using System.IO;
using System.Threading;
using System.Threading.Tasks;
using BillingPowerShell.Engine.Files;
using BillingPowerShell.Engine.Http;

namespace BillingPowerShell.Engine.Billing
{
    /// <summary>One file to save: which invoice, which documents (several make a zip), and where.</summary>
    public sealed class InvoiceFile
    {
        public InvoiceFile(BillingInvoice invoice, IReadOnlyList<string> documentNames, string path, bool zip)
        {
            Invoice = invoice; DocumentNames = documentNames; Path = path; IsZip = zip;
        }

        public BillingInvoice Invoice { get; }
        /// <summary>Empty: the invoice's default document.</summary>
        public IReadOnlyList<string> DocumentNames { get; }
        public string Path { get; }
        public bool IsZip { get; }
    }

    /// <summary>Plans file names for invoice documents and saves them atomically, asking again when a link has expired.</summary>
    public static class InvoiceDownloader
    {
        public static readonly string[] DocumentKinds = { "Invoice", "CreditNote", "TaxReceipt", "VoidNote", "Summary", "Transactions", "Other" };

        /// <summary>
        /// The files for one invoice: "&lt;Invoice&gt;.pdf" for the invoice document, "&lt;Invoice&gt;_&lt;Kind&gt;_&lt;Document&gt;.pdf" for
        /// the others; with <paramref name="asZip"/>, one "&lt;Invoice&gt;.zip" of all selected documents.
        /// </summary>
        public static List<InvoiceFile> Plan(BillingInvoice invoice, ICollection<string> kinds, bool asZip, string folder)
        {
            var all = kinds.Contains("All");
            var selected = new List<InvoiceDocument>();
            foreach (var d in invoice.Documents)
                if (all || kinds.Contains(NormaliseKind(d.Kind))) selected.Add(d);
            var files = new List<InvoiceFile>();
            var stem = SafeFileName.Clean(invoice.Name);
            if (selected.Count == 0)
            {
                // Lists do not always carry documents; the invoice PDF is still there to download.
                if ((all || kinds.Contains("Invoice")) && !HasKind(invoice, "Invoice"))
                    files.Add(new InvoiceFile(invoice, Array.Empty<string>(), SafeFileName.Inside(folder, stem + ".pdf"), false));
                return files;
            }
            // Legacy pay-as-you-go invoices have one inline PDF link and no documents operation: a zip is not on offer.
            if (asZip && invoice.Source != InvoiceSource.LegacySubscription)
            {
                var names = selected.ConvertAll(d => d.Name);
                files.Add(new InvoiceFile(invoice, names, SafeFileName.Inside(folder, stem + ".zip"), true));
                return files;
            }
            var invoicePdfTaken = false;
            foreach (var d in selected)
            {
                var kind = NormaliseKind(d.Kind);
                string name;
                if (kind == "Invoice" && !invoicePdfTaken) { name = stem + ".pdf"; invoicePdfTaken = true; }
                else name = SafeFileName.Clean($"{invoice.Name}_{kind}_{d.Name}", 200) + ".pdf";
                files.Add(new InvoiceFile(invoice, new[] { d.Name }, SafeFileName.Inside(folder, name), false));
            }
            return files;
        }

        private static bool HasKind(BillingInvoice invoice, string kind)
        {
            foreach (var d in invoice.Documents) if (NormaliseKind(d.Kind) == kind) return true;
            return false;
        }

        public static string NormaliseKind(string? kind)
        {
            foreach (var k in DocumentKinds)
                if (string.Equals(k, kind, StringComparison.OrdinalIgnoreCase)) return k;
            return "Other";
        }

        /// <summary>Downloads one planned file through a temporary file; returns its length.</summary>
        public static async Task<long> SaveAsync(BillingClient client, InvoiceFile file, bool overwrite, CallContext call, CancellationToken ct)
        {
            for (var attempt = 1; ; attempt++)
            {
                var link = await client.GetDownloadLinkAsync(file.Invoice, file.DocumentNames, call, ct, file.IsZip).ConfigureAwait(false);
                try
                {
                    return await AtomicFile.WriteAsync(file.Path, overwrite,
                        (stream, token) => client.Blob.CopyToAsync(link.Url, stream, call, token),
                        temp =>
                        {
                            if (new FileInfo(temp).Length == 0 || !SafeFileName.HasMagic(temp, file.IsZip))
                                throw new InvalidDataException($"The download of invoice {file.Invoice.Name} is not a {(file.IsZip ? "zip" : "PDF")} file.");
                        }, ct).ConfigureAwait(false);
                }
                catch (BlobAccessException) when (attempt < 3)
                {
                    // Download links live minutes; one that expired before we used it is asked for again.
                    call.Verbose?.Invoke($"The download link for invoice {file.Invoice.Name} was refused (expired?); asking for a new one.");
                }
            }
        }
    }
}
