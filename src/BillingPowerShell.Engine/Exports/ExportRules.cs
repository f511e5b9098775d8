using System;
using System.Linq;
using System.Text.RegularExpressions;

namespace BillingPowerShell.Engine.Exports
{
    /// <summary>
    /// The checks of an export definition that can be made before any request, with a stable id and a sentence for each
    /// problem, and the canonical spelling of every value. From docs/contracts/azure-api/EXPORTS.md: "The Export
    /// resource (request and response body)" (format/compression pairs), "definition (ExportDefinition)" (timeframes,
    /// dataVersion per definition.type), "schedule (ExportSchedule)", "deliveryInfo.destination
    /// (ExportDeliveryDestination)" and "Which dataset works at which scope".
    /// </summary>
    public static class ExportRules
    {
        public static readonly string[] Datasets =
            { "ActualCost", "AmortizedCost", "FocusCost", "PriceSheet", "ReservationDetails", "ReservationTransactions", "ReservationRecommendations", "Usage" };
        public static readonly string[] Timeframes =
            { "MonthToDate", "BillingMonthToDate", "TheLastMonth", "TheLastBillingMonth", "WeekToDate", "TheCurrentMonth", "Custom" };
        /// <summary>The FOCUS versions Cost Management exports (the table "dataVersion per definition.type").</summary>
        public static readonly string[] FocusVersions = { "1.0-preview(v1)", "1.0", "1.0r2", "1.2-preview", "1.2" };
        public static readonly string[] Formats = { "Csv", "Parquet" };
        public static readonly string[] Compressions = { "None", "Gzip", "Snappy" };
        public static readonly string[] Recurrences = { "Daily", "Weekly", "Monthly", "Annually" };
        public static readonly string[] ScheduleStatuses = { "Active", "Inactive" };
        public static readonly string[] OverwriteBehaviors = { "OverwritePreviousReport", "CreateNewReport" };
        public static readonly string[] Granularities = { "Daily", "Monthly" };

        /// <summary>Datasets served only at an EA billing account or an MCA billing profile.</summary>
        private static readonly string[] BillingOnly = { "PriceSheet", "ReservationDetails", "ReservationTransactions", "ReservationRecommendations" };
        private static readonly string[] Reservations = { "ReservationDetails", "ReservationTransactions", "ReservationRecommendations" };
        /// <summary>Datasets sent without a granularity, as the FinOps toolkit does.</summary>
        private static readonly string[] NoGranularity = { "PriceSheet", "ReservationTransactions", "ReservationRecommendations" };

        private static readonly Regex DateVersion = new Regex(@"^\d{4}-\d{2}-\d{2}(-preview)?$", RegexOptions.CultureInvariant);
        private static readonly Regex StorageAccount = new Regex(
            @"^/subscriptions/[^/]+/resourceGroups/[^/]+/providers/Microsoft\.Storage/storageAccounts/[^/]+$", RegexOptions.CultureInvariant | RegexOptions.IgnoreCase);

        private static ExportDefinitionException Bad(string id, string message) => new ExportDefinitionException(id, message);

        /// <summary>The known spelling of <paramref name="value"/> (compared case-insensitively), or null when unknown.</summary>
        public static string? Canonical(string? value, string[] known) =>
            value is null ? null : known.FirstOrDefault(k => string.Equals(k, value.Trim(), StringComparison.OrdinalIgnoreCase));

        private static string? OneOf(string? value, string[] known, string id, string what)
        {
            if (value is null) return null;
            return Canonical(value, known) ?? throw Bad(id, $"'{value}' is not a valid {what}; use one of: {string.Join(", ", known)}.");
        }

        /// <summary>An export name: not empty, no path or query characters (the spec gives no pattern).</summary>
        public static string CheckName(string? name)
        {
            if (string.IsNullOrWhiteSpace(name) || name!.Length > 200 || name.IndexOfAny(new[] { '/', '\\', '?', '#', '%' }) >= 0 || name.Any(char.IsControl))
                throw Bad("InvalidExportName", $"'{name}' is not an export name: use letters, digits, hyphens and underscores (no /, \\, ?, # or %).");
            return name;
        }

        /// <summary>
        /// Checks a definition for <paramref name="scope"/>, spells every value as the service does and fills the usual
        /// defaults (timeframe MonthToDate, TheCurrentMonth for PriceSheet; granularity Daily for the cost datasets; an
        /// Active schedule when a recurrence is given). Throws <see cref="ExportDefinitionException"/>.
        /// </summary>
        public static void Normalize(ExportDefinition d, ExportScope scope)
        {
            CheckName(d.Name);
            CheckDataset(d, scope);
            CheckFormat(d, scope);
            CheckTime(d);
            CheckSchedule(d);
            CheckDestination(d);
        }

        private static void CheckDataset(ExportDefinition d, ExportScope scope)
        {
            if (d.Dataset is null) throw Bad("DatasetRequired", $"Name the dataset to export: one of {string.Join(", ", Datasets)}.");
            d.Dataset = OneOf(d.Dataset, Datasets, "InvalidDataset", "dataset");
            if (BillingOnly.Contains(d.Dataset) && scope.Kind != ExportScopeKind.BillingAccount && scope.Kind != ExportScopeKind.BillingProfile)
                throw Bad("DatasetNotSupportedAtScope", $"{d.Dataset} is exported at an Enterprise Agreement billing account or a Microsoft Customer Agreement billing profile only, not at {scope}.");
            if (d.Dataset == "FocusCost" && scope.Kind == ExportScopeKind.ManagementGroup)
                throw Bad("DatasetNotSupportedAtScope", $"FocusCost cannot be exported at a management group ({scope}); export it per billing account or subscription.");
            if (d.DataVersion is not null)
            {
                var v = d.DataVersion.Replace(" ", "");
                if (d.Dataset == "FocusCost")
                    d.DataVersion = Canonical(v, FocusVersions) ?? throw Bad("InvalidDataVersion",
                        $"'{d.DataVersion}' is not a FOCUS version of the FocusCost dataset; use one of: {string.Join(", ", FocusVersions)}.");
                else if (!DateVersion.IsMatch(v))
                    throw Bad("InvalidDataVersion", $"'{d.DataVersion}' is not a {d.Dataset} dataset version: a date such as {Versions(d.Dataset!)} is expected.");
                else d.DataVersion = v;
            }
            d.Granularity = OneOf(d.Granularity, Granularities, "InvalidGranularity", "granularity");
            if (d.Granularity is null && !NoGranularity.Contains(d.Dataset)) d.Granularity = "Daily";
        }

        private static string Versions(string dataset) => dataset switch
        {
            "ReservationDetails" => "2023-03-01",
            "ActualCost" or "AmortizedCost" or "Usage" => "2023-05-01 or 2021-10-01",
            _ => "2023-05-01",
        };

        private static void CheckFormat(ExportDefinition d, ExportScope scope)
        {
            d.Format = OneOf(d.Format, Formats, "InvalidFormat", "format");
            d.Compression = OneOf(d.Compression, Compressions, "InvalidCompression", "compression");
            d.DataOverwriteBehavior = OneOf(d.DataOverwriteBehavior, OverwriteBehaviors, "InvalidDataOverwriteBehavior", "data overwrite behavior");
            var format = d.Format ?? "Csv";
            if (format == "Parquet" && Reservations.Contains(d.Dataset))
                throw Bad("FormatNotSupported", $"{d.Dataset} is exported as Csv only, not as Parquet.");
            if (format == "Parquet" && scope.Kind == ExportScopeKind.ManagementGroup)
                throw Bad("FormatNotSupported", $"Exports at a management group ({scope}) are written as Csv only, not as Parquet.");
            CheckFormatPair(format, d.Compression);
        }

        /// <summary>
        /// Gzip is for Csv and Snappy for Parquet ("By default set to None. Gzip is for csv and snappy for parquet."). The
        /// reservation examples send Csv with gzip, so every dataset written as Csv keeps both None and Gzip.
        /// </summary>
        public static void CheckFormatPair(string? format, string? compression)
        {
            var f = Canonical(format, Formats);
            var c = Canonical(compression, Compressions);
            if (c == "Snappy" && f == "Csv")
                throw Bad("InvalidCompression", "Snappy compression is for Parquet files; Csv files take None or Gzip.");
            if (c == "Gzip" && f == "Parquet")
                throw Bad("InvalidCompression", "Gzip compression is for Csv files; Parquet files take None or Snappy.");
        }

        private static void CheckTime(ExportDefinition d)
        {
            d.Timeframe = OneOf(d.Timeframe, Timeframes, "InvalidTimeframe", "timeframe");
            if (d.Timeframe is null)
                d.Timeframe = d.PeriodFrom is not null || d.PeriodTo is not null ? "Custom" : d.Dataset == "PriceSheet" ? "TheCurrentMonth" : "MonthToDate";
            if (d.Timeframe == "Custom")
            {
                if (d.PeriodFrom is null || d.PeriodTo is null)
                    throw Bad("CustomTimeframeNeedsPeriod", "A Custom timeframe needs both the first and the last day of the period to export.");
                if (d.PeriodTo.Value.Date < d.PeriodFrom.Value.Date)
                    throw Bad("EndBeforeStart", $"The period ends ({d.PeriodTo:yyyy-MM-dd}) before it starts ({d.PeriodFrom:yyyy-MM-dd}).");
            }
            else if (d.PeriodFrom is not null || d.PeriodTo is not null)
                throw Bad("TimePeriodNeedsCustomTimeframe", $"A period of days goes with the Custom timeframe only, not with {d.Timeframe}.");
        }

        private static void CheckSchedule(ExportDefinition d)
        {
            d.ScheduleStatus = OneOf(d.ScheduleStatus, ScheduleStatuses, "InvalidScheduleStatus", "schedule status");
            d.Recurrence = OneOf(d.Recurrence, Recurrences, "InvalidRecurrence", "recurrence");
            if (d.Recurrence is not null && d.ScheduleStatus is null) d.ScheduleStatus = "Active";
            if (d.ScheduleStatus != "Active") return;
            if (d.Recurrence is null)
                throw Bad("ScheduleNeedsRecurrence", "An active schedule needs a recurrence: Daily, Weekly, Monthly or Annually.");
            if (d.ScheduleFrom is null)
                throw Bad("ScheduleNeedsStartDate", "A schedule needs a start date (UTC): the day of the first run.");
            if (d.ScheduleTo is DateTime to && to <= d.ScheduleFrom.Value)
                throw Bad("ScheduleEndBeforeStart", $"The schedule ends ({to:yyyy-MM-dd}) before or when it starts ({d.ScheduleFrom:yyyy-MM-dd}).");
        }

        private static void CheckDestination(ExportDefinition d)
        {
            if (string.IsNullOrWhiteSpace(d.StorageAccountId))
                throw Bad("StorageAccountIdRequired", "Name the storage account the files go to, by its resource id (/subscriptions/<id>/resourceGroups/<name>/providers/Microsoft.Storage/storageAccounts/<name>).");
            if (!StorageAccount.IsMatch(d.StorageAccountId!.Trim()))
                throw Bad("InvalidStorageAccountId", $"'{d.StorageAccountId}' is not a storage account resource id: /subscriptions/<id>/resourceGroups/<name>/providers/Microsoft.Storage/storageAccounts/<name> is expected.");
            d.StorageAccountId = d.StorageAccountId.Trim();
            if (string.IsNullOrWhiteSpace(d.Container))
                throw Bad("ContainerRequired", "Name the blob container the files go to (it is created when missing).");
        }

        /// <summary>
        /// A period typed by the user for a custom timeframe or a one-time run: whole UTC days, the end not before the
        /// start, at most one calendar month ("The maximum date range is 1 calendar month").
        /// </summary>
        public static (DateTime From, DateTime To) CheckPeriod(DateTime from, DateTime to)
        {
            var f = DateTime.SpecifyKind(from.Date, DateTimeKind.Utc);
            var t = DateTime.SpecifyKind(to.Date, DateTimeKind.Utc);
            if (t < f) throw Bad("EndBeforeStart", $"The end date ({t:yyyy-MM-dd}) is before the start date ({f:yyyy-MM-dd}).");
            if (t > f.AddMonths(1).AddDays(-1))
                throw Bad("TimePeriodTooLong", $"{f:yyyy-MM-dd} to {t:yyyy-MM-dd} is longer than one calendar month, the most one export run covers; export one month at a time.");
            return (f, t);
        }

        /// <summary>A period given as two optional days: both (checked as above) or neither (null).</summary>
        public static (DateTime From, DateTime To)? CheckPeriod(DateTime? from, DateTime? to)
        {
            if (from is null && to is null) return null;
            if (from is null || to is null)
                throw Bad("PeriodIncomplete", "A period of days needs both its first and its last day (-StartDate and -EndDate).");
            return CheckPeriod(from.Value, to.Value);
        }

        /// <summary>A schedule start typed by the user: the service wants it in the future.</summary>
        public static DateTime CheckScheduleStart(DateTime start, DateTimeOffset now)
        {
            var s = start.Kind == DateTimeKind.Unspecified ? DateTime.SpecifyKind(start, DateTimeKind.Utc) : start.ToUniversalTime();
            if (s <= now.UtcDateTime)
                throw Bad("ScheduleStartInPast", $"The schedule start ({s:yyyy-MM-dd HH:mm} UTC) is not in the future ({now.UtcDateTime:yyyy-MM-dd HH:mm} UTC now); the service wants the first run ahead.");
            return s;
        }
    }
}
