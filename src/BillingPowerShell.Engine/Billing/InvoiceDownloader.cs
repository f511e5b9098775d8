using System;
using System.Collections.Generic;
using System.Collections.Concurrent;
using System.IO;
using System.Linq;
using System.Runtime.CompilerServices;
using System.Threading;
using System.Threading.Tasks;
using BillingPowerShell.Engine.Files;
using BillingPowerShell.Engine.Http;
using BillingPowerShell.Engine.Threading;

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

    /// <summary>
    /// Plans file names for invoice documents and saves them atomically, several at once, asking again when a link has
    /// expired. Reached through <see cref="InvoiceService"/>.
    /// </summary>
    internal static class InvoiceDownloader
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
                var link = await client.Invoices.GetDownloadLinkAsync(file.Invoice, file.DocumentNames, call, ct, file.IsZip).ConfigureAwait(false);
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
        /// <summary>
        /// Saves <paramref name="files"/>, at most <paramref name="throttleLimit"/> at a time, yielding each one saved.
        /// A file that fails is reported (CallContext.ItemFailed) and the others go on; a sign-in that stops working
        /// fails every file the same way, so its first failure stops the batch with one error naming the files not saved.
        /// </summary>
        public static async IAsyncEnumerable<InvoiceFile> SaveAllAsync(BillingClient client, IReadOnlyList<InvoiceFile> files, bool overwrite, int throttleLimit,
            CallContext call, [EnumeratorCancellation] CancellationToken ct)
        {
            var saved = new AsyncBoundedQueue<InvoiceFile>(Math.Max(1, files.Count)); // never full: the batch never waits for the reader
            using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
            var batch = Task.Run(async () =>
            {
                try
                {
                    await SaveBatchAsync(client, files, overwrite, throttleLimit, saved, call, stop.Token).ConfigureAwait(false);
                    saved.Complete();
                }
                catch (Exception ex) { saved.Complete(ex); }
            });
            try
            {
                while (true)
                {
                    var (ok, file) = await saved.TakeAsync(ct).ConfigureAwait(false);
                    if (!ok) break;
                    yield return file;
                }
            }
            finally
            {
                stop.Cancel(); // a reader that stopped early must not leave downloads running
                await batch.ConfigureAwait(false);
            }
        }

        private static async Task SaveBatchAsync(BillingClient client, IReadOnlyList<InvoiceFile> files, bool overwrite, int throttleLimit,
            AsyncBoundedQueue<InvoiceFile> saved, CallContext call, CancellationToken token)
        {
            var done = 0;
            call.Progress?.Invoke(new CallProgress(0, files.Count));
            using var gate = new SemaphoreSlim(Math.Max(1, throttleLimit));
            using var signInLost = CancellationTokenSource.CreateLinkedTokenSource(token);
            ArmException? authFailure = null;
            var finished = new ConcurrentDictionary<InvoiceFile, bool>();
            var tasks = files.Select(async file =>
            {
                try { await gate.WaitAsync(signInLost.Token).ConfigureAwait(false); }
                catch (OperationCanceledException) when (!token.IsCancellationRequested) { return; }
                try
                {
                    var bytes = await SaveAsync(client, file, overwrite, call, signInLost.Token).ConfigureAwait(false);
                    finished[file] = true;
                    call.Verbose?.Invoke($"Saved {file.Path} ({bytes:N0} bytes).");
                    await saved.AddAsync(file, CancellationToken.None).ConfigureAwait(false);
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
                    call.Fail(ex is InvalidDataException ide ? new ArmException(200, "InvalidDownload", ide.Message) : ex,
                        file.Invoice, $"Invoice {file.Invoice.Name} ({System.IO.Path.GetFileName(file.Path)})");
                }
                finally
                {
                    gate.Release();
                    var n = Interlocked.Increment(ref done);
                    call.Progress?.Invoke(new CallProgress(n, files.Count, System.IO.Path.GetFileName(file.Path)));
                }
            }).ToList();
            await Task.WhenAll(tasks).ConfigureAwait(false);
            if (authFailure is not null)
                throw SignInLost(authFailure, files, finished);
        }

        private static bool IsSignInFailure(ArmException ex) => ex.Status == 401 || ex.Code == "CredentialUnavailable";

        /// <summary>One error for a batch whose sign-in stopped working: what was saved, and which files were not.</summary>
        private static ArmException SignInLost(ArmException failure, IReadOnlyList<InvoiceFile> files, ConcurrentDictionary<InvoiceFile, bool> finished)
        {
            var notSaved = files.Where(f => !finished.ContainsKey(f)).Select(f => System.IO.Path.GetFileName(f.Path)).ToList();
            var savedCount = finished.Count(kv => kv.Value);
            var list = string.Join(", ", notSaved.Take(20)) + (notSaved.Count > 20 ? $" and {notSaved.Count - 20} more" : "");
            return new ArmException(failure.Status, failure.Code ?? "AuthenticationFailed",
                $"The sign-in stopped working after {savedCount} of {files.Count} files were saved, so the batch stopped; not saved: {list} " +
                $"(after signing in again, a rerun without -Force saves only these). The service said: {Sentence(failure.Message)}",
                requestId: failure.RequestId, correlationId: failure.CorrelationId);
        }

        /// <summary>The text as one sentence ending in a single full stop, whether or not the service ended it with one.</summary>
        private static string Sentence(string text) => text.TrimEnd().TrimEnd('.') + ".";
    }
}
