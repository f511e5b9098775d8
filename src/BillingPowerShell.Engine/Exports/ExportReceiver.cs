using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Runtime.CompilerServices;
using System.Threading;
using System.Threading.Tasks;
using BillingPowerShell.Engine.Auth;
using BillingPowerShell.Engine.Billing;
using BillingPowerShell.Engine.Files;
using BillingPowerShell.Engine.Http;
using BillingPowerShell.Engine.Threading;

namespace BillingPowerShell.Engine.Exports
{
    /// <summary>
    /// Receive-BillingExport's work (docs/contracts/EXPORTS_RECEIVE.md): for each run, read its manifest.json, check it
    /// against storage, and download the data files that are not already complete locally, several at once, each
    /// through a temporary file. A run that cannot be received is that run's error (CallContext.ItemFailed) and the
    /// other runs go on; a file that fails is that file's error.
    /// </summary>
    internal sealed class ExportReceiver
    {
        private readonly BillingClient _client;
        private readonly ExportReceiveOptions _options;
        private readonly CallContext _call;
        private readonly Dictionary<string, BillingExport> _exports = new Dictionary<string, BillingExport>(StringComparer.OrdinalIgnoreCase);
        private readonly Dictionary<string, ExportStorage> _storages = new Dictionary<string, ExportStorage>(StringComparer.OrdinalIgnoreCase);
        private readonly string? _sas;

        public ExportReceiver(BillingClient client, ExportReceiveOptions options, CallContext call)
        {
            _client = client; _options = options; _call = call;
            _sas = CredentialFactory.Unprotect(options.SasToken);
        }

        /// <summary>The runs to receive: those given, then each export's newest successful run of every month.</summary>
        public async IAsyncEnumerable<ReceivedExportFile> ReceiveAsync(IReadOnlyList<BillingExportRun> runs, IReadOnlyList<BillingExport> exports,
            [EnumeratorCancellation] CancellationToken ct)
        {
            var work = new List<(BillingExport? Export, BillingExportRun Run)>();
            foreach (var run in runs) work.Add((null, run));
            foreach (var export in exports)
                foreach (var run in await NewestPerMonthAsync(export, ct).ConfigureAwait(false)) work.Add((export, run));
            foreach (var (export, run) in work)
            {
                var what = $"Run {run.RunId} of export '{run.ExportName}'" + (run.StartDate is DateTime d ? $" ({d:yyyy-MM})" : "");
                RunPlan? plan = null;
                try { plan = await PlanAsync(export, run, what, ct).ConfigureAwait(false); }
                catch (Exception ex) when (IsRunFailure(ex, ct)) { _call.Fail(ex, run, what); }
                if (plan is null) continue;
                foreach (var done in plan.Complete) yield return done;
                await foreach (var file in DownloadAllAsync(plan, ct).WithCancellation(ct).ConfigureAwait(false))
                    yield return file;
            }
        }

        private static bool IsRunFailure(Exception ex, CancellationToken ct) =>
            !(ex is OperationCanceledException && ct.IsCancellationRequested) && !(ex is ArmException a && (a.IsAuthentication || a.Status == 0));

        /// <summary>
        /// An export's runs that completed, the newest of each month (by submission time), oldest month first: what a
        /// rerun of an export run again for the same month replaces (docs/contracts/EXPORTS_RECEIVE.md, "Which runs").
        /// </summary>
        private async Task<List<BillingExportRun>> NewestPerMonthAsync(BillingExport export, CancellationToken ct)
        {
            var scope = ExportScope.Parse(export.Scope);
            var completed = new List<BillingExportRun>();
            try
            {
                await foreach (var run in _client.Exports.ListRunsAsync(scope, export.Name, _call, ct).WithCancellation(ct).ConfigureAwait(false))
                    if (string.Equals(run.Status, "Completed", StringComparison.OrdinalIgnoreCase) && run.StartDate is not null) completed.Add(run);
            }
            catch (ArmException ex) when (!ex.IsAuthentication && ex.Status != 0)
            {
                _call.Fail(ex, export, $"Export '{export.Name}' at {export.Scope}");
                return completed;
            }
            if (completed.Count == 0) _call.Warning?.Invoke($"Export '{export.Name}' at {export.Scope} has no completed run to receive.");
            return completed.GroupBy(r => r.StartDate!.Value.ToString("yyyy-MM"))
                .Select(g => g.OrderByDescending(r => r.SubmittedTime ?? DateTime.MinValue).First())
                .OrderBy(r => r.StartDate).ToList();
        }

        /// <summary>One run, checked: its manifest read and compared with storage, its files split into complete and to do.</summary>
        private async Task<RunPlan> PlanAsync(BillingExport? export, BillingExportRun run, string what, CancellationToken ct)
        {
            if (!string.Equals(run.Status, "Completed", StringComparison.OrdinalIgnoreCase))
                throw new ExportRunNotReceivableException($"{what} is {run.Status ?? "of unknown status"}, not Completed" +
                    (run.IsFinished ? (run.ErrorMessage is null ? "." : $": {run.ErrorMessage}") : ": wait for it (Start-BillingExport -Wait) and receive it then."));
            if (string.IsNullOrEmpty(run.ManifestFile))
                throw new ExportRunNotReceivableException($"{what}: its run history names no manifest file, so its files cannot be found.");
            export ??= await ExportOfAsync(run, ct).ConfigureAwait(false);
            var storage = StorageFor(export);
            var manifestPath = run.ManifestFile!.TrimStart('/');
            var manifest = ExportManifest.Parse(await storage.ReadAllAsync(manifestPath, ct).ConfigureAwait(false));
            var stored = await storage.ListAsync(ExportManifestCheck.FolderOf(manifestPath), ct).ConfigureAwait(false);
            foreach (var outside in (manifest.Blobs ?? Array.Empty<ExportManifestBlob>()).Where(b => !stored.ContainsKey(b.Name) && !b.Name.StartsWith(ExportManifestCheck.FolderOf(manifestPath), StringComparison.Ordinal)))
                if (await storage.LengthAsync(outside.Name, ct).ConfigureAwait(false) is long length) stored[outside.Name] = length;
            var files = ExportManifestCheck.Files(manifest, manifestPath, stored);
            var problems = ExportManifestCheck.Problems(manifest, files, stored);
            if (problems.Count > 0) throw new ExportManifestMismatchException(what, problems);
            var plan = new RunPlan(storage, what);
            foreach (var f in files)
            {
                var item = new ReceivedExportFile
                {
                    Path = ExportManifestCheck.LocalPath(_options.Destination, f.Name), BlobName = f.Name,
                    ExportName = manifest.ExportName ?? run.ExportName, RunId = manifest.RunId ?? run.RunId,
                    Month = manifest.Month ?? run.StartDate?.ToString("yyyy-MM"), Dataset = manifest.Dataset ?? export.Dataset,
                    Length = f.ByteCount ?? stored[f.Name], RowCount = f.DataRowCount,
                };
                if (ExportManifestCheck.NeedsDownload(item.Path, item.Length, _options.Force)) plan.ToDo.Add(item);
                else { plan.Complete.Add(item); _call.Verbose?.Invoke($"{item.Path} is already complete ({item.Length:N0} bytes): not downloaded again."); }
            }
            return plan;
        }

        /// <summary>The export a run belongs to (its destination), read once per export.</summary>
        private async Task<BillingExport> ExportOfAsync(BillingExportRun run, CancellationToken ct)
        {
            var key = run.Scope + "|" + run.ExportName;
            if (_exports.TryGetValue(key, out var known)) return known;
            var export = await _client.Exports.GetAsync(ExportScope.Parse(run.Scope), run.ExportName, false, _call, ct).ConfigureAwait(false);
            _exports[key] = export;
            return export;
        }

        private ExportStorage StorageFor(BillingExport export)
        {
            if (string.IsNullOrEmpty(export.Container))
                throw new ExportRunNotReceivableException($"Export '{export.Name}' at {export.Scope} names no destination container.");
            var uri = ExportStorage.ServiceUriFor(export.StorageAccountId, _client.Cloud, _options.BlobServiceUri);
            var key = uri.AbsoluteUri + "|" + export.Container;
            if (!_storages.TryGetValue(key, out var storage))
                _storages[key] = storage = ExportStorage.Open(uri, export.Container!, _client.Credential, _sas, _client.Transport);
            return storage;
        }

        /// <summary>Downloads a run's files, at most ThrottleLimit at a time, yielding each as it completes.</summary>
        private async IAsyncEnumerable<ReceivedExportFile> DownloadAllAsync(RunPlan plan, [EnumeratorCancellation] CancellationToken ct)
        {
            if (plan.ToDo.Count == 0) yield break;
            var done = new AsyncBoundedQueue<ReceivedExportFile>(plan.ToDo.Count); // never full: downloads never wait for the reader
            using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
            var batch = Task.Run(async () =>
            {
                try { await DownloadBatchAsync(plan, done, stop.Token).ConfigureAwait(false); done.Complete(); }
                catch (Exception ex) { done.Complete(ex); }
            });
            try
            {
                while (true)
                {
                    var (ok, file) = await done.TakeAsync(ct).ConfigureAwait(false);
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

        private async Task DownloadBatchAsync(RunPlan plan, AsyncBoundedQueue<ReceivedExportFile> done, CancellationToken ct)
        {
            var finished = 0;
            long bytes = 0;
            var total = plan.ToDo.Count;
            _call.Progress?.Invoke(new CallProgress(0, total, plan.What));
            using var gate = new SemaphoreSlim(Math.Max(1, _options.ThrottleLimit));
            var tasks = plan.ToDo.Select(async file =>
            {
                await gate.WaitAsync(ct).ConfigureAwait(false);
                try
                {
                    await DownloadAsync(plan.Storage, file, ct).ConfigureAwait(false);
                    file.Downloaded = true;
                    Interlocked.Add(ref bytes, file.Length);
                    _call.Verbose?.Invoke($"Received {file.BlobName} ({file.Length:N0} bytes) into {file.Path}.");
                    await done.AddAsync(file, CancellationToken.None).ConfigureAwait(false);
                }
                catch (Exception ex) when (!(ex is OperationCanceledException && ct.IsCancellationRequested))
                {
                    _call.Fail(ex, file.BlobName, $"{plan.What}, file {file.BlobName}");
                }
                finally
                {
                    gate.Release();
                    var n = Interlocked.Increment(ref finished);
                    _call.Progress?.Invoke(new CallProgress(n, total, plan.What, 0, Interlocked.Read(ref bytes)));
                }
            }).ToList();
            await Task.WhenAll(tasks).ConfigureAwait(false);
        }

        /// <summary>One file through a temporary file, renamed into place only with the length the manifest gives.</summary>
        private static async Task DownloadAsync(ExportStorage storage, ReceivedExportFile file, CancellationToken ct)
        {
            Directory.CreateDirectory(Path.GetDirectoryName(file.Path)!);
            await AtomicFile.WriteAsync(file.Path, overwrite: true, (stream, token) => storage.CopyToAsync(file.BlobName, stream, token),
                temp =>
                {
                    var length = new FileInfo(temp).Length;
                    if (length != file.Length)
                        throw new InvalidDataException($"{file.BlobName} arrived with {length:N0} bytes, but the manifest says {file.Length:N0}; it was not kept. Run Receive-BillingExport again.");
                }, ct).ConfigureAwait(false);
        }

        private sealed class RunPlan
        {
            public RunPlan(ExportStorage storage, string what) { Storage = storage; What = what; }
            public ExportStorage Storage { get; }
            public string What { get; }
            public List<ReceivedExportFile> Complete { get; } = new List<ReceivedExportFile>();
            public List<ReceivedExportFile> ToDo { get; } = new List<ReceivedExportFile>();
        }
    }

    /// <summary>A run that cannot be received: not completed, or no manifest named.</summary>
    public sealed class ExportRunNotReceivableException : Exception
    {
        public ExportRunNotReceivableException(string message) : base(message) { }
    }
}
