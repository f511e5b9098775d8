using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;
using BillingPowerShell.Engine.Billing;
using BillingPowerShell.Engine.Http;
using BillingPowerShell.Engine.Usage;

namespace BillingPowerShell.Engine.Costs
{
    /// <summary>
    /// Daily usage for every agreement type, read as records or exported to a CSV file, at constant memory. Each call
    /// runs as its own <see cref="UsageJob"/>; progress and bad rows go to the call's CallContext. Shared by every
    /// command of a connection; thread-safe.
    /// </summary>
    public sealed class UsageService
    {
        public const string ConsumptionApi = "2024-08-01";
        public const string CostManagementApi = "2025-03-01";

        private readonly BillingClient _client;
        internal UsageService(BillingClient client) { _client = client; }

        /// <summary>Which source Auto means for this scope before asking the service anything.</summary>
        public static UsageSource Resolve(UsageRequest r)
        {
            if (r.Source != UsageSource.Auto) return r.Source;
            if (r.InvoiceId is not null) return UsageSource.CostDetails;
            if (r.Scope.IsPayAsYouGo) return UsageSource.UsageDetails;
            // A pay-as-you-go period name ("201702-1") is a usage-details scope suffix.
            if (AgreementTypes.IsPayAsYouGoPeriodName(r.BillingPeriodName)) return UsageSource.UsageDetails;
            return UsageSource.CostDetails;
        }

        /// <summary>Every usage record of the request, in chunk order, while later chunks are already being fetched.</summary>
        public IAsyncEnumerable<UsageRecord> GetRecordsAsync(UsageRequest request, CallContext call, CancellationToken ct) =>
            new UsageJob(_client).GetRecordsAsync(request, call, ct);

        /// <summary>
        /// Writes the request's usage to <paramref name="path"/> (through a temporary file renamed into place at the end).
        /// Native keeps the report's CSV bytes (chunks merged under one header); Normalized writes our record columns.
        /// Where Native cannot be written (usage details are JSON), Normalized is, said as a warning when
        /// <paramref name="schemaTyped"/>, else in the verbose stream.
        /// </summary>
        public Task<UsageExportSummary> ExportAsync(UsageRequest request, string path, UsageCsvSchema schema, UsageCsvWriterOptions options, CallContext call, CancellationToken ct,
            bool schemaTyped = false) =>
            new UsageJob(_client).ExportAsync(request, path, schema, options, call, ct, schemaTyped);

        /// <summary>Asks for one chunk's Cost Details report and waits for it (its blobs are secret SAS links).</summary>
        internal Task<UsageJob.CostReport> RunReportAsync(UsageRequest request, UsageChunk chunk, CallContext call, CancellationToken ct) =>
            new UsageJob(_client).RunReportAsync(request, chunk, call, ct);
    }
}
