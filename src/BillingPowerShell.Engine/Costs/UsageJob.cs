using System;
using System.Collections.Generic;
using System.IO;
using System.Runtime.CompilerServices;
using System.Text.Json;
using System.Threading;
using System.Threading.Tasks;
using Azure.Core;
using BillingPowerShell.Engine.Billing;
using BillingPowerShell.Engine.Http;
using BillingPowerShell.Engine.Threading;
using BillingPowerShell.Engine.Usage;

namespace BillingPowerShell.Engine.Costs
{
    /// <summary>
    /// One read or export of daily usage, streamed at constant memory: the Cost Details report (CSV blobs) for EA and
    /// MCA scopes, Consumption usage details (JSON pages) for pay-as-you-go, in month chunks fetched a few ahead. Holds
    /// that call's progress and the report fetched while choosing the source; made per call by <see cref="UsageService"/>.
    /// </summary>
    internal sealed class UsageJob
    {
        private const int QueueCapacity = 2000;
        /// <summary>Progress is reported after each chunk and every this many records in between.</summary>
        private const int RowsPerProgress = 5000;
        /// <summary>Day-range length for usage-details chunks: a month pages as four ranges at once (within ThrottleLimit).</summary>
        internal const int UsageDetailsDaysPerChunk = 8;

        private readonly BillingClient _client;
        public UsageJob(BillingClient client) { _client = client; }

        private readonly UsageProgress _progress = new UsageProgress();

        /// <summary>Reports where the job is (CallContext.Progress): chunks done of all, rows, bytes.</summary>
        private void ReportProgress(CallContext call) =>
            call.Progress?.Invoke(new CallProgress(_progress.ChunksDone, _progress.ChunksTotal, _progress.Status, _progress.Rows, _progress.Bytes));

        private static UsageSource Resolve(UsageRequest r) => UsageService.Resolve(r);

        // ---- records ----

        /// <summary>Every usage record of the request, in chunk order, while later chunks are already being fetched.</summary>
        public async IAsyncEnumerable<UsageRecord> GetRecordsAsync(UsageRequest request, CallContext call, [EnumeratorCancellation] CancellationToken ct)
        {
            var chunks = UsageChunk.Plan(request);
            _progress.ChunksTotal = chunks.Count;
            var source = await ProbeSourceAsync(request, chunks[0], call, ct).ConfigureAwait(false);
            if (source == UsageSource.UsageDetails && request.BillingPeriodName is null && request.InvoiceId is null && request.MaxConcurrency > 1)
            {
                // Pages of one range come one after another (nextLink); week-long ranges page side by side instead.
                chunks = UsageChunk.Plan(request, UsageDetailsDaysPerChunk);
                _progress.ChunksTotal = chunks.Count;
            }
            using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
            var queues = new AsyncBoundedQueue<UsageRecord>?[chunks.Count];
            var producers = new List<Task>();
            var allowed = Math.Max(1, request.MaxConcurrency);
            var next = 0;
            long throttledSeen = call.Throttled;
            try
            {
                for (var i = 0; i < chunks.Count; i++)
                {
                    // Keep up to `allowed` chunks in flight ahead of the one being read; fewer while throttled.
                    while (next < chunks.Count && next < i + allowed)
                    {
                        var chunk = chunks[next];
                        var q = new AsyncBoundedQueue<UsageRecord>(QueueCapacity);
                        queues[next] = q;
                        producers.Add(Task.Run(() => ProduceAsync(request, source, chunk, q, call, stop.Token)));
                        next++;
                    }
                    var queue = queues[i]!;
                    while (true)
                    {
                        var (ok, record) = await queue.TakeAsync(ct).ConfigureAwait(false);
                        if (!ok) break;
                        if (++_progress.Rows % RowsPerProgress == 0) ReportProgress(call);
                        yield return record;
                    }
                    queues[i] = null;
                    _progress.ChunksDone++;
                    _progress.Status = $"{chunks[i]} done";
                    ReportProgress(call);
                    var throttled = call.Throttled;
                    if (throttled > throttledSeen) { allowed = Math.Max(1, allowed - 1); call.Verbose?.Invoke($"Throttled by the service: fetching {allowed} chunk(s) at a time."); }
                    else if (allowed < request.MaxConcurrency) allowed++;
                    throttledSeen = throttled;
                }
            }
            finally
            {
                stop.Cancel(); // a consumer that stopped early must not leave producers running
                try { await Task.WhenAll(producers).ConfigureAwait(false); } catch { /* their errors were delivered through the queues */ }
            }
        }

        private async Task ProduceAsync(UsageRequest request, UsageSource source, UsageChunk chunk, AsyncBoundedQueue<UsageRecord> queue, CallContext call, CancellationToken ct)
        {
            try
            {
                var records = source == UsageSource.CostDetails ? CostDetailsRecordsAsync(request, chunk, call, ct) : UsageDetailsRecordsAsync(request, chunk, call, ct);
                await foreach (var r in records.WithCancellation(ct).ConfigureAwait(false))
                    await queue.AddAsync(r, ct).ConfigureAwait(false);
                queue.Complete();
            }
            catch (Exception ex)
            {
                queue.Complete(ex);
            }
        }

        /// <summary>
        /// Auto: a subscription whose agreement we do not know is tried with the Cost Details report first; the service's
        /// 422 for pay-as-you-go ("offer type ... not supported") sends us to usage details. That is the documented,
        /// expected route for pay-as-you-go, so it is said in the verbose stream, without the service's raw text.
        /// </summary>
        private async Task<UsageSource> ProbeSourceAsync(UsageRequest request, UsageChunk first, CallContext call, CancellationToken ct)
        {
            var source = Resolve(request);
            if (request.Source != UsageSource.Auto || source != UsageSource.CostDetails || request.Scope.AgreementType is not null)
                return source;
            try
            {
                _prefetched = (first, await RunReportAsync(request, first, call, ct).ConfigureAwait(false));
                return UsageSource.CostDetails;
            }
            catch (ArmException ex) when (IsNotSupported(ex))
            {
                call.Verbose?.Invoke($"The Cost Details report does not serve {request.Scope} (HTTP {ex.Status}, {ex.Code}: a pay-as-you-go subscription); reading Consumption usage details instead.");
                return UsageSource.UsageDetails;
            }
        }

        private (UsageChunk, CostReport)? _prefetched;

        private static bool IsNotSupported(ArmException ex) =>
            ex.Status == 422 || (ex.Status == 400 && ex.Message.IndexOf("not supported", StringComparison.OrdinalIgnoreCase) >= 0);

        // ---- the Cost Details report (docs/contracts/azure-api/OPERATIONS.md, "GenerateCostDetailsReport_CreateOperation", then poll) ----

        /// <summary>The finished report: its blobs (secret SAS links) and how long they are valid.</summary>
        public sealed class CostReport
        {
            public List<(Uri Link, long Bytes)> Blobs { get; } = new List<(Uri, long)>();
            public string Status { get; set; } = "";
            public DateTimeOffset? ValidTill { get; set; }
        }

        public async Task<CostReport> RunReportAsync(UsageRequest request, UsageChunk chunk, CallContext call, CancellationToken ct)
        {
            var body = new Dictionary<string, object> { ["metric"] = request.Metric.ToString() };
            if (chunk.InvoiceId is not null) body["invoiceId"] = chunk.InvoiceId;
            else if (chunk.BillingPeriodName is not null) body["billingPeriod"] = chunk.BillingPeriodName;
            else body["timePeriod"] = new Dictionary<string, string> { ["start"] = UsageChunk.Day(chunk.Start!.Value), ["end"] = UsageChunk.Day(chunk.End!.Value) };
            call.Verbose?.Invoke($"Requesting the cost details report for {request.Scope}, {chunk} ({request.Metric}).");
            using var result = await _client.Arm.RunOperationAsync(RequestMethod.Post,
                $"{request.Scope.Path}/providers/Microsoft.CostManagement/generateCostDetailsReport?api-version={UsageService.CostManagementApi}",
                JsonSerializer.SerializeToUtf8Bytes(body), request.ReportTimeout, call, ct).ConfigureAwait(false);
            var report = new CostReport();
            if (result is null) return report; // 204: no data
            var root = result.RootElement;
            report.Status = root.Str("status") ?? "";
            report.ValidTill = root.DateOffset("validTill");
            if (root.Obj("manifest") is JsonElement manifest && manifest.TryGetProperty("blobs", out var blobs) && blobs.ValueKind == JsonValueKind.Array)
                foreach (var b in blobs.EnumerateArray())
                    if (b.Str("blobLink") is string link && Uri.TryCreate(link, UriKind.Absolute, out var uri))
                        report.Blobs.Add((uri, b.TryGetProperty("byteCount", out var bc) && bc.TryGetInt64(out var n) ? n : -1));
            call.Verbose?.Invoke($"Report for {chunk}: {report.Status}, {report.Blobs.Count} blob(s).");
            return report;
        }

        private async Task<CostReport> ReportForAsync(UsageRequest request, UsageChunk chunk, CallContext call, CancellationToken ct)
        {
            if (_prefetched is (UsageChunk c, CostReport r) && ReferenceEquals(c, chunk)) { _prefetched = null; return r; }
            return await RunReportAsync(request, chunk, call, ct).ConfigureAwait(false);
        }

        /// <summary>
        /// Opens blob <paramref name="index"/> of the report; a link that expired before we used it is renewed by asking
        /// for the report again (the same request yields the same blobs).
        /// </summary>
        private async Task<Stream> OpenBlobAsync(UsageRequest request, UsageChunk chunk, CostReport report, int index, CallContext call, CancellationToken ct)
        {
            for (var attempt = 1; ; attempt++)
            {
                try
                {
                    return new CountingStream(await _client.Blob.OpenReadAsync(report.Blobs[index].Link, call, ct).ConfigureAwait(false), n => { lock (_progress) _progress.Bytes += n; });
                }
                catch (BlobAccessException) when (attempt < 3)
                {
                    call.Verbose?.Invoke($"The link to blob {index + 1} of {chunk} was refused (expired?); asking for the report again.");
                    var fresh = await RunReportAsync(request, chunk, call, ct).ConfigureAwait(false);
                    if (fresh.Blobs.Count != report.Blobs.Count)
                        throw new ArmException(0, "ReportChanged", $"The renewed cost details report for {chunk} has {fresh.Blobs.Count} blobs instead of {report.Blobs.Count}; run the command again.");
                    report.Blobs.Clear();
                    report.Blobs.AddRange(fresh.Blobs);
                }
            }
        }

        private async IAsyncEnumerable<UsageRecord> CostDetailsRecordsAsync(UsageRequest request, UsageChunk chunk, CallContext call, [EnumeratorCancellation] CancellationToken ct)
        {
            var report = await ReportForAsync(request, chunk, call, ct).ConfigureAwait(false);
            for (var i = 0; i < report.Blobs.Count; i++)
            {
                using var stream = await OpenBlobAsync(request, chunk, report, i, call, ct).ConfigureAwait(false);
                using var reader = new UsageCsvReader(stream, new UsageCsvReaderOptions { SourceName = $"{request.Scope.Display} {chunk} blob {i + 1}", OnError = call.RowError });
                await foreach (var r in reader.ReadAllAsync(ct).ConfigureAwait(false))
                    yield return r;
            }
        }

        // ---- Consumption usage details (docs/contracts/azure-api/OPERATIONS.md, B) ----

        private IAsyncEnumerable<UsageRecord> UsageDetailsRecordsAsync(UsageRequest request, UsageChunk chunk, CallContext call, CancellationToken ct)
        {
            if (chunk.InvoiceId is not null) // e.g. -InvoiceId with -Source UsageDetails: usage details have no invoice filter
                throw new ArgumentException($"An invoice's usage needs the cost details report: Consumption usage details cannot be read by invoice ({request.Scope}). " +
                    "Read it from the cost details report, or read the invoice's period.");
            var scope = request.Scope.Path;
            var query = $"api-version={UsageService.ConsumptionApi}&metric={(request.Metric == CostMetric.AmortizedCost ? "amortizedcost" : "actualcost")}&$expand=properties/meterDetails,properties/additionalInfo&$top=1000";
            if (chunk.BillingPeriodName is not null)
                scope += $"/providers/Microsoft.Billing/billingPeriods/{Uri.EscapeDataString(chunk.BillingPeriodName)}";
            else if (request.Scope.IsCustomerAgreement)
                query += $"&startDate={UsageChunk.Day(chunk.Start!.Value)}&endDate={UsageChunk.Day(chunk.End!.Value)}"; // MCA has no $filter
            else
                query += "&$filter=" + Uri.EscapeDataString($"properties/usageStart ge '{UsageChunk.Day(chunk.Start!.Value)}' and properties/usageEnd le '{UsageChunk.Day(chunk.End!.Value)}'");
            call.Verbose?.Invoke($"Listing usage details for {request.Scope}, {chunk}.");
            var source = $"{request.Scope.Display} {chunk}";
            return _client.Arm.ListAsync($"{scope}/providers/Microsoft.Consumption/usageDetails?{query}",
                (bytes, status) => UsageDetailsJson.ReadPage(bytes, status, bad => call.RowError?.Invoke(new UsageRowError(source, 0, bad))), call, ct);
        }

        // ---- export ----

        /// <summary>
        /// Writes the request's usage to <paramref name="path"/> (through a temporary file renamed into place at the end).
        /// Native keeps the report's CSV bytes (chunks merged under one header); Normalized writes our record columns.
        /// </summary>
        public async Task<UsageExportSummary> ExportAsync(UsageRequest request, string path, UsageCsvSchema schema, UsageCsvWriterOptions options, CallContext call, CancellationToken ct,
            bool schemaTyped = false)
        {
            if (schema == UsageCsvSchema.Focus) return await ExportFocusAsync(request, path, options, call, ct).ConfigureAwait(false);
            // Native is the default; writing Normalized instead is only worth a warning when Native was asked for.
            var schemaNote = schemaTyped ? call.Warning : call.Verbose;
            if (UsageParquet.IsParquetPath(path))
                return await ExportParquetAsync(request, path, schema, options, call, ct, schemaNote).ConfigureAwait(false);
            var source = Resolve(request);
            if (schema == UsageCsvSchema.Native && source == UsageSource.CostDetails)
            {
                var chunks = UsageChunk.Plan(request);
                _progress.ChunksTotal = chunks.Count;
                source = await ProbeSourceAsync(request, chunks[0], call, ct).ConfigureAwait(false);
                if (source == UsageSource.CostDetails)
                    return await ExportNativeAsync(request, chunks, path, options, call, ct).ConfigureAwait(false);
                request.Source = UsageSource.UsageDetails;
                schemaNote?.Invoke("Usage details are JSON, not a CSV file: writing the Normalized schema instead of Native.");
                schema = UsageCsvSchema.Normalized;
            }
            else if (schema == UsageCsvSchema.Native)
            {
                schemaNote?.Invoke("Usage details are JSON, not a CSV file: writing the Normalized schema instead of Native.");
                schema = UsageCsvSchema.Normalized;
            }
            using var writer = UsageCsvWriter.Create(path, schema, options);
            await foreach (var r in GetRecordsAsync(request, call, ct).WithCancellation(ct).ConfigureAwait(false))
                writer.Write(r);
            return writer.Complete();
        }

        /// <summary>
        /// Writes the request's records to a snappy Parquet file, a row group every 100,000 rows. Native is Azure's CSV
        /// bytes, which Parquet cannot hold: the Normalized schema is written instead (the cmdlet refuses -Schema Native
        /// with a .parquet path before any request, so this is the default schema only).
        /// </summary>
        private async Task<UsageExportSummary> ExportParquetAsync(UsageRequest request, string path, UsageCsvSchema schema, UsageCsvWriterOptions options,
            CallContext call, CancellationToken ct, Action<string>? schemaNote)
        {
            UsageParquet.ThrowIfNotSupported(path);
            if (schema == UsageCsvSchema.Native)
            {
                schemaNote?.Invoke("Parquet holds typed columns, not Azure's CSV bytes: writing the Normalized schema instead of Native.");
                schema = UsageCsvSchema.Normalized;
            }
#if NET8_0_OR_GREATER
            await using var writer = await UsageParquetWriter.CreateAsync(path, TableFor(schema, options), options.Overwrite, ct).ConfigureAwait(false);
            await foreach (var r in GetRecordsAsync(request, call, ct).WithCancellation(ct).ConfigureAwait(false))
                await writer.WriteAsync(r, ct).ConfigureAwait(false);
            return await writer.CompleteAsync(ct).ConfigureAwait(false);
#else
            throw new PlatformNotSupportedException(UsageParquet.NotSupportedMessage(path));
#endif
        }

        /// <summary>The table a typed schema writes (Parquet): its columns and how a record fills them.</summary>
        internal static IUsageTable TableFor(UsageCsvSchema schema, UsageCsvWriterOptions? options = null) => schema switch
        {
            UsageCsvSchema.Normalized => new UsageNormalizedTable(),
            UsageCsvSchema.Focus => new Usage.Focus.FocusTable(options?.FocusVersion ?? Usage.Focus.FocusVersion.V1_2),
            _ => throw new ArgumentException($"The {schema} schema has no typed table.", nameof(schema)),
        };

        /// FOCUS from both metrics, as Microsoft documents it (docs/contracts/azure-api/FOCUS.md, "Row selection"): every
        /// row of the amortized data except commitment purchases, then the commitment purchases and refunds of the actual
        /// data, so that each is counted once. Two passes one after the other, each streamed: constant memory.
        /// </summary>
        private async Task<UsageExportSummary> ExportFocusAsync(UsageRequest request, string path, UsageCsvWriterOptions options, CallContext call, CancellationToken ct)
        {
            if (UsageParquet.IsParquetPath(path)) return await ExportFocusParquetAsync(request, path, options, call, ct).ConfigureAwait(false);
            using var writer = UsageCsvWriter.Create(path, UsageCsvSchema.Focus, options);
            call.Verbose?.Invoke($"FOCUS: reading the amortized cost of {request.Scope} (every row but commitment purchases).");
            await foreach (var r in GetRecordsAsync(request.WithMetric(CostMetric.AmortizedCost), call, ct).WithCancellation(ct).ConfigureAwait(false))
                if (!Usage.Focus.FocusTable.FromActualCost(r)) writer.Write(r);
            call.Verbose?.Invoke($"FOCUS: reading the actual cost of {request.Scope} (its commitment purchases and refunds).");
            var actual = new UsageJob(_client);
            await foreach (var r in actual.GetRecordsAsync(request.WithMetric(CostMetric.ActualCost), call, ct).WithCancellation(ct).ConfigureAwait(false))
                if (Usage.Focus.FocusTable.FromActualCost(r)) writer.Write(r);
            return writer.Complete();
        }

        /// <summary>The same two passes as <see cref="ExportFocusAsync"/>, into a Parquet file (FocusTable's typed columns).</summary>
        private async Task<UsageExportSummary> ExportFocusParquetAsync(UsageRequest request, string path, UsageCsvWriterOptions options, CallContext call, CancellationToken ct)
        {
            UsageParquet.ThrowIfNotSupported(path);
#if NET8_0_OR_GREATER
            await using var writer = await UsageParquetWriter.CreateAsync(path, TableFor(UsageCsvSchema.Focus, options), options.Overwrite, ct).ConfigureAwait(false);
            await foreach (var r in GetRecordsAsync(request.WithMetric(CostMetric.AmortizedCost), call, ct).WithCancellation(ct).ConfigureAwait(false))
                if (!Usage.Focus.FocusTable.FromActualCost(r)) await writer.WriteAsync(r, ct).ConfigureAwait(false);
            var actual = new UsageJob(_client);
            await foreach (var r in actual.GetRecordsAsync(request.WithMetric(CostMetric.ActualCost), call, ct).WithCancellation(ct).ConfigureAwait(false))
                if (Usage.Focus.FocusTable.FromActualCost(r)) await writer.WriteAsync(r, ct).ConfigureAwait(false);
            return await writer.CompleteAsync(ct).ConfigureAwait(false);
#else
            throw new PlatformNotSupportedException(UsageParquet.NotSupportedMessage(path));
#endif
        }

        private async Task<UsageExportSummary> ExportNativeAsync(UsageRequest request, List<UsageChunk> chunks, string path, UsageCsvWriterOptions options, CallContext call, CancellationToken ct)
        {
            using var writer = UsageCsvWriter.Create(path, UsageCsvSchema.Native, options);
            // Reports take a while to prepare (60 s each in Azure): ask for the next ones while this one is copied.
            var reports = new Task<CostReport>?[chunks.Count];
            var ahead = Math.Max(1, request.MaxConcurrency);
            var blobsWritten = 0;
            using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
            try
            {
                for (var i = 0; i < chunks.Count; i++)
                {
                    for (var j = i; j < chunks.Count && j < i + ahead; j++)
                    {
                        var chunk = chunks[j];
                        reports[j] ??= Task.Run(() => ReportForAsync(request, chunk, call, stop.Token));
                    }
                    var report = await reports[i]!.ConfigureAwait(false);
                    reports[i] = null;
                    for (var b = 0; b < report.Blobs.Count; b++)
                    {
                        using var stream = await OpenBlobAsync(request, chunks[i], report, b, call, ct).ConfigureAwait(false);
                        await writer.WriteNativeChunkAsync(stream, ct).ConfigureAwait(false);
                        blobsWritten++;
                    }
                    _progress.ChunksDone++;
                    _progress.Rows = writer.Summary.RowCount;
                    _progress.Status = $"{chunks[i]} done";
                    ReportProgress(call);
                }
            }
            finally
            {
                // A failed copy must not leave the reports asked for ahead polling Azure for up to half an hour.
                stop.Cancel();
                foreach (var pending in reports)
                    if (pending is not null)
                        try { await pending.ConfigureAwait(false); } catch { /* abandoned: the copy's failure is the one reported */ }
            }
            if (blobsWritten == 0)
            {
                // No usage in the period (e.g. today only, on the first of the month): the service sends no CSV, so there is
                // no native header to write. Write the Normalized header instead of failing.
                writer.Dispose(); // drops the empty temporary file
                call.Warning?.Invoke($"No usage for {request.Scope} in this period: the service sent no CSV file, so the file has the Normalized header and no rows.");
                using var empty = UsageCsvWriter.Create(path, UsageCsvSchema.Normalized, options);
                return empty.Complete();
            }
            return writer.Complete();
        }

        /// <summary>Counts bytes as they are read, for progress.</summary>
        private sealed class CountingStream : BillingPowerShell.Engine.Files.ReadOnlyStream
        {
            private readonly Stream _inner;
            private readonly Action<int> _count;
            public CountingStream(Stream inner, Action<int> count) { _inner = inner; _count = count; }
            public override async Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken ct)
            {
                var n = await _inner.ReadAsync(buffer, offset, count, ct).ConfigureAwait(false);
                _count(n);
                return n;
            }
            public override int Read(byte[] buffer, int offset, int count) { var n = _inner.Read(buffer, offset, count); _count(n); return n; }
            public override long Length => _inner.Length;
            public override long Position { get => _inner.Position; set => throw new NotSupportedException(); }
            protected override void Dispose(bool disposing) { if (disposing) _inner.Dispose(); base.Dispose(disposing); }
        }
    }

    /// <summary>Where a usage job is, counted as it goes and reported as CallProgress.</summary>
    internal sealed class UsageProgress
    {
        public int ChunksTotal { get; set; }
        public int ChunksDone { get; set; }
        public long Rows { get; set; }
        public long Bytes { get; set; }
        public string Status { get; set; } = "";
    }
}
