using System;
using System.Collections.Generic;
using System.Runtime.CompilerServices;
using System.Text.Json;
using System.Threading;
using System.Threading.Tasks;
using Azure.Core;
using BillingPowerShell.Engine.Billing;
using BillingPowerShell.Engine.Http;

namespace BillingPowerShell.Engine.Exports
{
    /// <summary>
    /// Cost Management exports of every scope kind: list, get, create or update (with the eTag), delete, run now, run
    /// history (docs/contracts/azure-api/EXPORTS.md, "Operations"). Definitions are checked before any request
    /// (<see cref="ExportRules"/>). Shared by every command of a connection; thread-safe.
    /// </summary>
    public sealed class ExportService
    {
        public const string Api = "2025-03-01";
        private readonly BillingClient _client;
        internal ExportService(BillingClient client) { _client = client; }

        private ArmClient Arm => _client.Arm;

        // $expand=runHistory: the last run of each export on List, the last 10 runs on Get ("$expand").
        private static string Query(bool runHistory) => $"?api-version={Api}" + (runHistory ? "&$expand=runHistory" : "");

        /// <summary>The exports of one scope (not those of the scopes below it); not paged by the service.</summary>
        public IAsyncEnumerable<BillingExport> ListAsync(ExportScope scope, bool includeRunHistory, CallContext call, CancellationToken ct) =>
            Arm.ListAsync(scope.Exports + Query(includeRunHistory), e => ExportJson.Export(e, scope), call, ct);

        /// <summary>One export; a missing one is an ArmException with status 404.</summary>
        public async Task<BillingExport> GetAsync(ExportScope scope, string name, bool includeRunHistory, CallContext call, CancellationToken ct)
        {
            using var response = await Arm.GetAsync(scope.Export(name) + Query(includeRunHistory), call, ct).ConfigureAwait(false);
            return ExportJson.Export(BillingPaths.Root(response), scope);
        }

        /// <summary>Exports by name; one that cannot be got is reported through CallContext.ItemFailed and the others go on.</summary>
        public async IAsyncEnumerable<BillingExport> GetAsync(ExportScope scope, IEnumerable<string> names, bool includeRunHistory, CallContext call,
            [EnumeratorCancellation] CancellationToken ct)
        {
            foreach (var name in names)
            {
                BillingExport? export = null;
                try { export = await GetAsync(scope, name, includeRunHistory, call, ct).ConfigureAwait(false); }
                catch (ArmException ex) when (!ex.IsAuthentication && ex.Status != 0) { call.Fail(ex, name, $"Export '{name}' at {scope}"); }
                if (export is not null) yield return export;
            }
        }

        /// <summary>
        /// Creates the export, or replaces it when <paramref name="eTag"/> is the one it was read with ("Create vs update,
        /// and eTag": an update needs the latest eTag). The definition is checked and spelled as the service expects
        /// first. A stale eTag becomes <see cref="ExportConflictException"/>.
        /// </summary>
        public async Task<BillingExport> CreateOrUpdateAsync(ExportScope scope, ExportDefinition definition, string? eTag, CallContext call, CancellationToken ct)
        {
            ExportRules.Normalize(definition, scope);
            var body = JsonSerializer.SerializeToUtf8Bytes(ExportJson.Body(definition, eTag));
            var uri = Arm.MakeUri(scope.Export(definition.Name) + Query(false));
            try
            {
                using var response = await Arm.SendAsync(RequestMethod.Put, uri, body, call, ct).ConfigureAwait(false);
                call.Verbose?.Invoke($"{(response.Status == 201 ? "Created" : "Updated")} export '{definition.Name}' at {scope}.");
                if (response.Body is null) return await GetAsync(scope, definition.Name, false, call, ct).ConfigureAwait(false);
                return ExportJson.Export(response.Body.RootElement, scope);
            }
            catch (ArmException ex) when (eTag is not null && ExportConflictException.IsETagMismatch(ex))
            {
                throw new ExportConflictException(scope, definition.Name, ex);
            }
        }

        /// <summary>
        /// Creates a new export and refuses to replace one of the same name (<see cref="ExportExistsException"/>): the
        /// definition is checked before any request, then the name is looked up, then the export is created.
        /// </summary>
        public async Task<BillingExport> CreateAsync(ExportScope scope, ExportDefinition definition, CallContext call, CancellationToken ct)
        {
            ExportRules.Normalize(definition, scope);
            try
            {
                await GetAsync(scope, definition.Name, false, call, ct).ConfigureAwait(false);
                throw new ExportExistsException(scope, definition.Name);
            }
            catch (ArmException ex) when (ex.IsNotFound)
            {
                call.Verbose?.Invoke($"No export '{definition.Name}' at {scope} yet: creating it.");
            }
            return await CreateOrUpdateAsync(scope, definition, null, call, ct).ConfigureAwait(false);
        }

        /// <summary>
        /// Reads the export, applies <paramref name="change"/> to its definition and sends it back with the eTag just
        /// read, so a change made by someone else in between fails with <see cref="ExportConflictException"/>.
        /// </summary>
        public async Task<BillingExport> UpdateAsync(ExportScope scope, string name, Action<ExportDefinition> change, CallContext call, CancellationToken ct)
        {
            var current = await GetAsync(scope, name, false, call, ct).ConfigureAwait(false);
            var definition = ExportDefinition.From(current);
            change(definition);
            return await CreateOrUpdateAsync(scope, definition, current.ETag, call, ct).ConfigureAwait(false);
        }

        /// <summary>Deletes the export (its files in storage stay).</summary>
        public async Task DeleteAsync(ExportScope scope, string name, CallContext call, CancellationToken ct)
        {
            using var _ = await Arm.SendAsync(RequestMethod.Delete, Arm.MakeUri(scope.Export(name) + Query(false)), null, call, ct).ConfigureAwait(false);
            call.Verbose?.Invoke($"Deleted export '{name}' at {scope}.");
        }

        /// <summary>
        /// Queues a run now ("Run (Execute) and run history"): for the export's own timeframe, or for the days
        /// <paramref name="from"/> to <paramref name="to"/> (both or neither; at most one calendar month). The service
        /// answers before the run starts: its progress is in the run history.
        /// </summary>
        public async Task RunAsync(ExportScope scope, string name, DateTime? from, DateTime? to, CallContext call, CancellationToken ct)
        {
            byte[]? body = null;
            if (ExportRules.CheckPeriod(from, to) is { } period)
                body = JsonSerializer.SerializeToUtf8Bytes(ExportJson.RunBody(period.From, period.To));
            var path = scope.Export(name) + "/run" + Query(false);
            using var _ = await Arm.SendAsync(RequestMethod.Post, Arm.MakeUri(path), body, call, ct).ConfigureAwait(false);
            call.Verbose?.Invoke($"Queued a run of export '{name}' at {scope}" + (from is null ? "." : $" for {from:yyyy-MM-dd} to {to:yyyy-MM-dd}."));
        }

        /// <summary>
        /// Runs the export now, for its own timeframe or for <paramref name="from"/> to <paramref name="to"/> (as
        /// <see cref="RunAsync"/>), a throttled or transiently failed request submitted again (bounded); with
        /// <see cref="ExportRunOptions.Wait"/> follows the run in the run history and yields it when it has completed
        /// (a run that failed or did not end in time is reported through CallContext.ItemFailed).
        /// </summary>
        public IAsyncEnumerable<BillingExportRun> StartAsync(ExportScope scope, string name, DateTime? from, DateTime? to, ExportRunOptions options, CallContext call, CancellationToken ct)
        {
            var period = ExportRules.CheckPeriod(from, to) is { } p ? new ExportRunPeriod(p.From, p.To) : null;
            return new ExportRunBatch(this, scope, name, new[] { period }, options, call).RunAsync(false, ct);
        }

        /// <summary>
        /// A backfill: one run per whole month from the month of <paramref name="start"/> to that of <paramref name="end"/>
        /// (<see cref="ExportRunPeriod.Months"/>, as of the call's today). The run history is read first: a month with a
        /// Completed run, or one still queued or in progress, is not submitted again. A month whose submission still
        /// fails after the retries is reported through CallContext.ItemFailed, naming it, and the other months go on.
        /// With <see cref="ExportRunOptions.Wait"/>, yields each month's completed run (those completed before too).
        /// </summary>
        public IAsyncEnumerable<BillingExportRun> BackfillAsync(ExportScope scope, string name, DateTime start, DateTime end, ExportRunOptions options, CallContext call, CancellationToken ct)
        {
            var months = ExportRunPeriod.Months(start, end, call.Today);
            if (months.Count == 0)
                throw new ExportDefinitionException("BackfillHasNoMonth", $"{start:yyyy-MM-dd} to {end:yyyy-MM-dd} holds no day before today ({call.Today:yyyy-MM-dd}, UTC): there is nothing to export yet.");
            return new ExportRunBatch(this, scope, name, months, options, call).RunAsync(true, ct);
        }

        /// <summary>The export's runs as the service lists them (it keeps the recent ones; not paged).</summary>
        public IAsyncEnumerable<BillingExportRun> ListRunsAsync(ExportScope scope, string name, CallContext call, CancellationToken ct) =>
            Arm.ListAsync($"{scope.Export(name)}/runHistory{Query(false)}", e => ExportJson.Run(e, name, scope), call, ct);

        /// <summary>
        /// Receives runs into a local folder (Receive-BillingExport; docs/contracts/EXPORTS_RECEIVE.md): the given
        /// <paramref name="runs"/>, then each of <paramref name="exports"/>' newest completed run per month. Each run's
        /// manifest is checked against storage first; yields one record per data file (already complete, or downloaded).
        /// </summary>
        public IAsyncEnumerable<ReceivedExportFile> ReceiveAsync(IReadOnlyList<BillingExportRun> runs, IReadOnlyList<BillingExport> exports,
            ExportReceiveOptions options, CallContext call, CancellationToken ct) =>
            new ExportReceiver(_client, options, call).ReceiveAsync(runs, exports, ct);
    }

    /// <summary>An update whose eTag no longer matches: someone changed the export after it was read.</summary>
    public sealed class ExportConflictException : ArmException
    {
        public ExportConflictException(ExportScope scope, string name, ArmException inner)
            : base(inner.Status, inner.Code ?? "ETagMismatch",
                $"Export '{name}' at {scope} was changed by someone else after it was read: its eTag no longer matches ({inner.Message.TrimEnd('.')}). Read the export again and make the change to what it is now.",
                inner.Target, inner.RequestId, inner.CorrelationId)
        {
            ExportName = name;
        }

        public string ExportName { get; }

        /// <summary>
        /// The spec leaves the status of a stale eTag undocumented ("Create vs update, and eTag"): 412 Precondition
        /// Failed, or a 409/400 whose code or message speaks of the eTag or a precondition.
        /// </summary>
        internal static bool IsETagMismatch(ArmException ex)
        {
            if (ex.Status == 412) return true;
            if (ex.Status != 409 && ex.Status != 400) return false;
            var text = (ex.Code ?? "") + " " + ex.Message;
            return text.IndexOf("etag", StringComparison.OrdinalIgnoreCase) >= 0 || text.IndexOf("precondition", StringComparison.OrdinalIgnoreCase) >= 0;
        }
    }

    /// <summary>A new export whose name is already taken at its scope.</summary>
    public sealed class ExportExistsException : ArmException
    {
        public ExportExistsException(ExportScope scope, string name)
            : base(409, "ExportAlreadyExists", $"An export named '{name}' already exists at {scope}. Change it with an update (which sends its eTag), remove it first, or choose another name.")
        {
        }
    }
}
