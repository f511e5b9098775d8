using System;
using System.Globalization;
using System.Linq;
using System.Text.Json.Nodes;

namespace BillingPowerShell.Emulator.Exports;

/// <summary>
/// An export's settings read from its `properties` (docs/contracts/azure-api/EXPORTS.md, "The `Export` resource
/// (request and response body)"): enum values normalised to the spec's spelling, compared case-insensitively as that
/// section advises. <see cref="Read"/> refuses what the service refuses, with a 400 message.
/// </summary>
internal sealed record ExportSettings
{
    public static readonly string[] Types = { "Usage", "ActualCost", "AmortizedCost", "FocusCost", "PriceSheet", "ReservationTransactions", "ReservationRecommendations", "ReservationDetails" };
    public static readonly string[] Timeframes = { "MonthToDate", "BillingMonthToDate", "TheLastMonth", "TheLastBillingMonth", "WeekToDate", "Custom", "TheCurrentMonth" };
    private static readonly string[] Formats = { "Csv", "Parquet" };
    private static readonly string[] Compressions = { "gzip", "snappy", "none" };
    private static readonly string[] Overwrites = { "OverwritePreviousReport", "CreateNewReport" };
    private static readonly string[] Granularities = { "Daily", "Monthly" };
    private static readonly string[] Statuses = { "Active", "Inactive" };
    private static readonly string[] Recurrences = { "Daily", "Weekly", "Monthly", "Annually" };

    public required string Type { get; init; }
    public required string Timeframe { get; init; }
    public DateOnly? From { get; init; }
    public DateOnly? To { get; init; }
    public string? Granularity { get; init; }
    public string? DataVersion { get; init; }
    /// <summary>`dataSet.configuration.columns`: the columns to write (empty = all).</summary>
    public string[] Columns { get; init; } = Array.Empty<string>();
    public required string Format { get; init; }
    public required string Compression { get; init; }   // gzip | snappy | none
    public bool PartitionData { get; init; }
    public required string OverwriteBehavior { get; init; }
    public required string Container { get; init; }
    public string? RootFolderPath { get; init; }
    public string? ResourceId { get; init; }
    public bool ScheduleActive { get; init; }
    public string? Recurrence { get; init; }
    public DateTime? RecurrenceFrom { get; init; }
    public DateTime? RecurrenceTo { get; init; }

    public bool IsCostDataset => Type is "ActualCost" or "AmortizedCost" or "Usage" or "FocusCost";
    public bool IsReservationDataset => Type.StartsWith("Reservation", StringComparison.Ordinal);

    /// <summary>Reads and checks `properties`; returns null and the 400 message when the service would refuse it.</summary>
    public static ExportSettings? Read(JsonObject? properties, out string error)
    {
        error = "";
        if (properties == null) { error = "Invalid export: 'properties' is required."; return null; }
        var def = properties["definition"] as JsonObject;
        if (def == null) { error = "Invalid export: 'properties.definition' is required."; return null; }
        string? type = Enum(def["type"], Types), timeframe = Enum(def["timeframe"], Timeframes);
        if (type == null) { error = $"Invalid export definition: 'type' must be one of {string.Join(", ", Types)}."; return null; }
        if (timeframe == null) { error = $"Invalid export definition: 'timeframe' must be one of {string.Join(", ", Timeframes)}."; return null; }
        var (from, to, periodError) = ReadTimePeriod(def["timePeriod"], timeframe);
        if (periodError != null) { error = periodError; return null; }
        var dataSet = def["dataSet"] as JsonObject;
        string? granularity = null;
        if (dataSet?["granularity"] is JsonNode g && (granularity = Enum(g, Granularities)) == null)
        { error = "Invalid export definition: 'dataSet.granularity' must be Daily or Monthly."; return null; }

        var dest = (properties["deliveryInfo"] as JsonObject)?["destination"] as JsonObject;
        string? destError = CheckDestination(dest);
        if (destError != null) { error = destError; return null; }
        var (format, compression, fcError) = ReadFormat(properties, type);
        if (fcError != null) { error = fcError; return null; }
        string overwrite = "CreateNewReport";
        if (properties["dataOverwriteBehavior"] is JsonNode ow && (overwrite = Enum(ow, Overwrites)!) == null)
        { error = "Invalid export: 'dataOverwriteBehavior' must be OverwritePreviousReport or CreateNewReport."; return null; }
        var (active, recurrence, scheduleError) = ReadSchedule(properties["schedule"] as JsonObject);
        if (scheduleError != null) { error = scheduleError; return null; }
        var period = (properties["schedule"] as JsonObject)?["recurrencePeriod"] as JsonObject;
        return new ExportSettings
        {
            Type = type, Timeframe = timeframe, From = from, To = to, Granularity = granularity,
            DataVersion = (dataSet?["configuration"] as JsonObject)?["dataVersion"] is JsonValue dv && dv.TryGetValue<string>(out var v) ? v : null,
            Columns = ((dataSet?["configuration"] as JsonObject)?["columns"] as JsonArray)?.Select(Str).OfType<string>().ToArray() ?? Array.Empty<string>(),
            Format = format!, Compression = compression!, PartitionData = properties["partitionData"] is JsonValue pd && pd.TryGetValue<bool>(out var b) && b,
            OverwriteBehavior = overwrite, Container = Str(dest!["container"])!, RootFolderPath = Str(dest["rootFolderPath"]),
            ResourceId = Str(dest["resourceId"]), ScheduleActive = active, Recurrence = recurrence,
            RecurrenceFrom = TryDateTime(period?["from"], out var rf) ? rf : null, RecurrenceTo = TryDateTime(period?["to"], out var rt) ? rt : null,
        };
    }

    /// <summary>"`definition` (`ExportDefinition`)": Custom needs timePeriod with from and to, at most one calendar month.</summary>
    internal static (DateOnly?, DateOnly?, string?) ReadTimePeriod(JsonNode? node, string timeframe)
    {
        if (node == null)
            return timeframe == "Custom" ? (null, null, "Invalid export definition: 'timePeriod' is required when 'timeframe' is Custom.") : (null, null, null);
        if (timeframe != "Custom") return (null, null, "Invalid export definition: 'timePeriod' can only be specified with timeframe 'Custom'.");
        var (from, to, e) = ReadPeriod(node);
        return (from, to, e);
    }

    /// <summary>A {from, to} period (the definition's timePeriod or a run request's): both required, to not before
    /// from, at most one calendar month.</summary>
    internal static (DateOnly?, DateOnly?, string?) ReadPeriod(JsonNode? node)
    {
        if (node is not JsonObject tp || !TryDate(tp["from"], out var from) || !TryDate(tp["to"], out var to))
            return (null, null, "Invalid time period: 'from' and 'to' are both required date-times.");
        if (to < from) return (null, null, "Invalid time period: 'to' must be on or after 'from'.");
        if (to > from.AddMonths(1).AddDays(-1)) return (null, null, "Invalid time period: the maximum date range is 1 calendar month.");
        return (from, to, null);
    }

    private static string? CheckDestination(JsonObject? dest)
    {
        if (dest == null) return "Invalid export: 'properties.deliveryInfo.destination' is required.";
        if (dest["type"] is JsonNode t && Enum(t, new[] { "AzureBlob" }) == null) return "Invalid export destination: 'type' must be AzureBlob.";
        if (string.IsNullOrWhiteSpace(Str(dest["container"]))) return "Invalid export destination: 'container' is required.";
        bool hasId = !string.IsNullOrWhiteSpace(Str(dest["resourceId"]));
        bool hasSas = !string.IsNullOrWhiteSpace(Str(dest["sasToken"])) && !string.IsNullOrWhiteSpace(Str(dest["storageAccount"]));
        return hasId || hasSas ? null : "Invalid export destination: either 'resourceId' or both 'storageAccount' and 'sasToken' are required.";
    }

    /// <summary>"Format/compression pairs supported per dataset": Csv with none or gzip, Parquet with none or snappy;
    /// the reservation datasets have no Parquet.</summary>
    private static (string?, string?, string?) ReadFormat(JsonObject properties, string type)
    {
        string format = "Csv", compression = "none";
        if (properties["format"] is JsonNode f && (format = Enum(f, Formats)!) == null) return (null, null, "Invalid export: 'format' must be Csv or Parquet.");
        if (properties["compressionMode"] is JsonNode c && (compression = Enum(c, Compressions)!) == null) return (null, null, "Invalid export: 'compressionMode' must be gzip, snappy or none.");
        if (format == "Csv" && compression == "snappy") return (null, null, "Invalid export: compression 'snappy' is only supported with format Parquet; use gzip or none for Csv.");
        if (format == "Parquet" && compression == "gzip") return (null, null, "Invalid export: compression 'gzip' is only supported with format Csv; use snappy or none for Parquet.");
        if (format == "Parquet" && type.StartsWith("Reservation", StringComparison.Ordinal)) return (null, null, $"Invalid export: format Parquet is not supported for dataset {type}; use Csv.");
        return (format, compression, null);
    }

    /// <summary>"`schedule` (`ExportSchedule`)": status and recurrence from their enums; recurrencePeriod needs from,
    /// and a to after it.</summary>
    private static (bool, string?, string?) ReadSchedule(JsonObject? s)
    {
        if (s == null) return (false, null, null);
        string? status = s["status"] is JsonNode st ? Enum(st, Statuses) : "Inactive";
        if (status == null) return (false, null, "Invalid export schedule: 'status' must be Active or Inactive.");
        string? recurrence = null;
        if (s["recurrence"] is JsonNode r && (recurrence = Enum(r, Recurrences)) == null)
            return (false, null, "Invalid export schedule: 'recurrence' must be Daily, Weekly, Monthly or Annually.");
        if (s["recurrencePeriod"] is JsonNode rp)
        {
            if (rp is not JsonObject o || !TryDateTime(o["from"], out var from)) return (false, null, "Invalid export schedule: 'recurrencePeriod.from' is required.");
            if (o["to"] != null && (!TryDateTime(o["to"], out var to) || to <= from)) return (false, null, "Invalid export schedule: the end date must be greater than the start date.");
        }
        if (status == "Active" && recurrence == null) return (false, null, "Invalid export schedule: 'recurrence' is required when the schedule is Active.");
        return (status == "Active", recurrence, null);
    }

    internal static string? Str(JsonNode? n) => n is JsonValue v && v.TryGetValue<string>(out var s) ? s : null;

    private static string? Enum(JsonNode? n, string[] allowed)
    {
        var s = Str(n);
        return s == null ? null : allowed.FirstOrDefault(a => a.Equals(s, StringComparison.OrdinalIgnoreCase));
    }

    private static bool TryDateTime(JsonNode? n, out DateTime d)
    {
        d = default;
        var s = Str(n);
        return s != null && DateTime.TryParse(s, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out d);
    }

    private static bool TryDate(JsonNode? n, out DateOnly d)
    {
        d = default;
        if (!TryDateTime(n, out var t)) return false;
        d = DateOnly.FromDateTime(t);
        return true;
    }
}
