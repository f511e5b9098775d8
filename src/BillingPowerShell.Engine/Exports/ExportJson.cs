using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text.Json;
using BillingPowerShell.Engine.Billing;

namespace BillingPowerShell.Engine.Exports
{
    /// <summary>
    /// The Export body sent on PUT and the Export and ExportRun answers read back (docs/contracts/azure-api/EXPORTS.md,
    /// "The Export resource (request and response body)", "Run (Execute) and run history" and "List and Get responses").
    /// Reading is tolerant: every property may be missing, enums may hold values the spec does not list.
    /// </summary>
    internal static class ExportJson
    {
        private static string Instant(DateTime d) =>
            (d.Kind == DateTimeKind.Local ? d.ToUniversalTime() : d).ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

        private static Dictionary<string, string> Period(DateTime from, DateTime? to)
        {
            var p = new Dictionary<string, string> { ["from"] = Instant(from) };
            if (to is DateTime t) p["to"] = Instant(t);
            return p;
        }

        /// <summary>The PUT body of a normalized definition; <paramref name="eTag"/> goes next to properties.</summary>
        public static Dictionary<string, object> Body(ExportDefinition d, string? eTag)
        {
            var configuration = new Dictionary<string, object>();
            if (d.DataVersion is not null) configuration["dataVersion"] = d.DataVersion;
            if (d.Columns.Count > 0) configuration["columns"] = d.Columns.ToArray();
            if (d.Filters.Count > 0) configuration["filters"] = d.Filters.Select(f => new Dictionary<string, string> { ["name"] = f.Key, ["value"] = f.Value }).ToArray();
            var dataSet = new Dictionary<string, object>();
            if (d.Granularity is not null) dataSet["granularity"] = d.Granularity;
            if (configuration.Count > 0) dataSet["configuration"] = configuration;
            var definition = new Dictionary<string, object> { ["type"] = d.Dataset!, ["timeframe"] = d.Timeframe! };
            if (d.Timeframe == "Custom") definition["timePeriod"] = Period(d.PeriodFrom!.Value, d.PeriodTo!.Value);
            if (dataSet.Count > 0) definition["dataSet"] = dataSet;

            var destination = new Dictionary<string, object> { ["type"] = "AzureBlob", ["resourceId"] = d.StorageAccountId!, ["container"] = d.Container! };
            if (!string.IsNullOrEmpty(d.RootFolderPath)) destination["rootFolderPath"] = d.RootFolderPath!;
            var properties = new Dictionary<string, object>
            {
                ["definition"] = definition,
                ["deliveryInfo"] = new Dictionary<string, object> { ["destination"] = destination },
            };
            if (d.ScheduleStatus is not null)
            {
                var schedule = new Dictionary<string, object> { ["status"] = d.ScheduleStatus };
                if (d.Recurrence is not null) schedule["recurrence"] = d.Recurrence;
                if (d.ScheduleFrom is DateTime from) schedule["recurrencePeriod"] = Period(from, d.ScheduleTo);
                properties["schedule"] = schedule;
            }
            if (d.Format is not null) properties["format"] = d.Format;
            if (d.PartitionData is bool partition) properties["partitionData"] = partition;
            if (d.DataOverwriteBehavior is not null) properties["dataOverwriteBehavior"] = d.DataOverwriteBehavior;
            // The spec's enum is lower case (gzip, snappy, none); the service is read case-insensitively.
            if (d.Compression is not null) properties["compressionMode"] = d.Compression.ToLowerInvariant();
            if (d.Description is not null) properties["exportDescription"] = d.Description;

            var body = new Dictionary<string, object>();
            if (eTag is not null) body["eTag"] = eTag;
            if (d.IdentityType is not null) body["identity"] = new Dictionary<string, string> { ["type"] = d.IdentityType };
            if (d.Location is not null) body["location"] = d.Location;
            body["properties"] = properties;
            return body;
        }

        /// <summary>The optional body of POST …/run: a one-time period (ExportRunRequest).</summary>
        public static Dictionary<string, object> RunBody(DateTime from, DateTime to) =>
            new Dictionary<string, object> { ["timePeriod"] = Period(from, to) };

        private static DateTime? Utc(JsonElement e, string name) => e.DateOffset(name)?.UtcDateTime;

        private static string? Known(string? value, string[] known) => ExportRules.Canonical(value, known) ?? value;

        public static BillingExport Export(JsonElement e, ExportScope scope)
        {
            var p = e.Props();
            var definition = p.Obj("definition") ?? default;
            var dataSet = definition.Obj("dataSet") ?? default;
            var configuration = dataSet.Obj("configuration") ?? default;
            var period = definition.Obj("timePeriod") ?? default;
            var destination = p.Obj("deliveryInfo")?.Obj("destination") ?? default;
            var schedule = p.Obj("schedule") ?? default;
            var recurrencePeriod = schedule.Obj("recurrencePeriod") ?? default;
            bool? partition = null;
            if (p.ValueKind == JsonValueKind.Object && p.TryGetProperty("partitionData", out var pd) && (pd.ValueKind == JsonValueKind.True || pd.ValueKind == JsonValueKind.False))
                partition = pd.GetBoolean();
            return new BillingExport
            {
                Name = e.Str("name") ?? Json.LastSegmentAfter(e.Str("id"), "exports") ?? "",
                Scope = scope.Path,
                ScopeKind = scope.Kind.ToString(),
                Id = e.Str("id") ?? "",
                ETag = e.Str("eTag"),
                Location = e.Str("location"),
                IdentityType = e.Obj("identity").Str("type"),
                Dataset = Known(definition.Str("type"), ExportRules.Datasets),
                Timeframe = Known(definition.Str("timeframe"), ExportRules.Timeframes),
                TimePeriodStart = Utc(period, "from"),
                TimePeriodEnd = Utc(period, "to"),
                Granularity = Known(dataSet.Str("granularity"), ExportRules.Granularities),
                DataVersion = configuration.Str("dataVersion"),
                Columns = Strings(configuration, "columns"),
                Filters = Filters(configuration),
                Format = Known(p.Str("format"), ExportRules.Formats),
                Compression = Known(p.Str("compressionMode"), ExportRules.Compressions),
                PartitionData = partition,
                DataOverwriteBehavior = Known(p.Str("dataOverwriteBehavior"), ExportRules.OverwriteBehaviors),
                StorageAccountId = destination.Str("resourceId"),
                Container = destination.Str("container"),
                RootFolderPath = destination.Str("rootFolderPath"),
                ScheduleStatus = Known(schedule.Str("status"), ExportRules.ScheduleStatuses),
                Recurrence = Known(schedule.Str("recurrence"), ExportRules.Recurrences),
                ScheduleStartDate = Utc(recurrencePeriod, "from"),
                ScheduleEndDate = Utc(recurrencePeriod, "to"),
                NextRunTime = Utc(p, "nextRunTimeEstimate"),
                Description = p.Str("exportDescription"),
                RunHistory = Runs(p.Obj("runHistory"), e.Str("name") ?? "", scope),
            };
        }

        private static IReadOnlyList<string> Strings(JsonElement e, string name)
        {
            if (e.ValueKind != JsonValueKind.Object || !e.TryGetProperty(name, out var a) || a.ValueKind != JsonValueKind.Array) return Array.Empty<string>();
            return a.EnumerateArray().Where(x => x.ValueKind == JsonValueKind.String).Select(x => x.GetString()!).ToList();
        }

        private static IDictionary<string, string> Filters(JsonElement configuration)
        {
            var filters = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
            if (configuration.ValueKind == JsonValueKind.Object && configuration.TryGetProperty("filters", out var a) && a.ValueKind == JsonValueKind.Array)
                foreach (var f in a.EnumerateArray())
                    if (f.Str("name") is string n && f.Str("value") is string v) filters[n] = v;
            return filters;
        }

        private static IReadOnlyList<BillingExportRun> Runs(JsonElement? list, string exportName, ExportScope scope)
        {
            if (list is not JsonElement l || !l.TryGetProperty("value", out var value) || value.ValueKind != JsonValueKind.Array)
                return Array.Empty<BillingExportRun>();
            return value.EnumerateArray().Select(r => Run(r, exportName, scope)).ToList();
        }

        /// <summary>The GUID after the last "/Run/" of a run id: …/exports/{name}/Run/{runGuid}.</summary>
        private static string? RunIdOf(string id)
        {
            var segments = id.TrimEnd('/').Split('/');
            var n = segments.Length;
            return n >= 2 && string.Equals(segments[n - 2], "Run", StringComparison.OrdinalIgnoreCase) ? segments[n - 1] : null;
        }

        public static BillingExportRun Run(JsonElement e, string exportName, ExportScope scope)
        {
            var p = e.Props();
            var id = e.Str("id") ?? "";
            var error = p.Obj("error");
            // runSettings: the export's properties in force for this run ("`GET …/runHistory`"), where its files went.
            var settings = p.Obj("runSettings") ?? default;
            var destination = settings.Obj("deliveryInfo")?.Obj("destination") ?? default;
            return new BillingExportRun
            {
                Dataset = Known(settings.Obj("definition").Str("type"), ExportRules.Datasets),
                Format = Known(settings.Str("format"), ExportRules.Formats),
                Compression = Known(settings.Str("compressionMode"), ExportRules.Compressions),
                StorageAccountId = destination.Str("resourceId"),
                Container = destination.Str("container"),
                RootFolderPath = destination.Str("rootFolderPath"),
                Id = id,
                RunId = RunIdOf(id) ?? e.Str("name") ?? "",
                ExportName = exportName.Length > 0 ? exportName : Json.LastSegmentAfter(id, "exports") ?? "",
                Scope = scope.Path,
                Status = p.Str("status"),
                ExecutionType = p.Str("executionType"),
                SubmittedBy = p.Str("submittedBy"),
                SubmittedTime = Utc(p, "submittedTime"),
                ProcessingStartTime = Utc(p, "processingStartTime"),
                ProcessingEndTime = Utc(p, "processingEndTime"),
                StartDate = Utc(p, "startDate"),
                EndDate = Utc(p, "endDate"),
                ManifestFile = p.Str("manifestFile"),
                FileName = p.Str("fileName"),
                ErrorCode = error.Str("code"),
                ErrorMessage = error.Str("message"),
            };
        }
    }
}
