using System;
using System.Collections.Generic;
using System.Linq;

namespace BillingPowerShell.Engine.Exports
{
    /// <summary>
    /// What a caller can set on an export: the user-settable fields of docs/contracts/azure-api/EXPORTS.md, "The Export
    /// resource (request and response body)". A new export starts empty; an update starts from the export as read
    /// (<see cref="From"/>), so the fields nobody changed go back as they were. Checked by <see cref="ExportRules.Validate"/>.
    /// </summary>
    public sealed class ExportDefinition
    {
        public ExportDefinition(string name) { Name = name; }

        public string Name { get; }
        /// <summary>definition.type: ActualCost, AmortizedCost, FocusCost, PriceSheet, ReservationDetails, ReservationTransactions, ReservationRecommendations, Usage.</summary>
        public string? Dataset { get; set; }
        /// <summary>definition.dataSet.configuration.dataVersion; null lets the service use the latest.</summary>
        public string? DataVersion { get; set; }
        /// <summary>definition.dataSet.granularity (Daily, Monthly); null gives the usual one for the dataset.</summary>
        public string? Granularity { get; set; }
        /// <summary>definition.dataSet.configuration.columns: kept as read, never set by the cmdlets.</summary>
        public IList<string> Columns { get; set; } = new List<string>();
        /// <summary>definition.dataSet.configuration.filters (ReservationRecommendations): kept as read.</summary>
        public IDictionary<string, string> Filters { get; set; } = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        /// <summary>definition.timeframe; Custom needs <see cref="PeriodFrom"/> and <see cref="PeriodTo"/>.</summary>
        public string? Timeframe { get; set; }
        public DateTime? PeriodFrom { get; set; }
        public DateTime? PeriodTo { get; set; }
        /// <summary>Csv or Parquet.</summary>
        public string? Format { get; set; }
        /// <summary>None, Gzip or Snappy (sent in the spec's lower case).</summary>
        public string? Compression { get; set; }
        public bool? PartitionData { get; set; }
        public string? DataOverwriteBehavior { get; set; }
        public string? StorageAccountId { get; set; }
        public string? Container { get; set; }
        public string? RootFolderPath { get; set; }
        /// <summary>Active or Inactive; null sends no schedule.</summary>
        public string? ScheduleStatus { get; set; }
        public string? Recurrence { get; set; }
        public DateTime? ScheduleFrom { get; set; }
        public DateTime? ScheduleTo { get; set; }
        public string? Description { get; set; }
        /// <summary>Create only; with it the export gets a system-assigned identity (storage behind a firewall).</summary>
        public string? Location { get; set; }
        public string? IdentityType { get; set; }

        /// <summary>Removes the schedule: the export runs only when started (status Inactive, no recurrence).</summary>
        public void ClearSchedule()
        {
            ScheduleStatus = "Inactive";
            Recurrence = null;
            ScheduleFrom = null;
            ScheduleTo = null;
        }

        /// <summary>The definition of an export as read, to change some fields and send it back.</summary>
        public static ExportDefinition From(BillingExport e) => new ExportDefinition(e.Name)
        {
            Dataset = e.Dataset, DataVersion = e.DataVersion, Granularity = e.Granularity,
            Columns = e.Columns.ToList(), Filters = new Dictionary<string, string>(e.Filters, StringComparer.OrdinalIgnoreCase),
            Timeframe = e.Timeframe, PeriodFrom = e.TimePeriodStart, PeriodTo = e.TimePeriodEnd,
            Format = e.Format, Compression = e.Compression, PartitionData = e.PartitionData, DataOverwriteBehavior = e.DataOverwriteBehavior,
            StorageAccountId = e.StorageAccountId, Container = e.Container, RootFolderPath = e.RootFolderPath,
            ScheduleStatus = e.ScheduleStatus, Recurrence = e.Recurrence, ScheduleFrom = e.ScheduleStartDate, ScheduleTo = e.ScheduleEndDate,
            Description = e.Description, Location = e.Location, IdentityType = e.IdentityType,
        };
    }

    /// <summary>An export definition, scope or period the service would refuse, found before any request.</summary>
    public sealed class ExportDefinitionException : ArgumentException
    {
        public ExportDefinitionException(string errorId, string message) : base(message) { ErrorId = errorId; }

        /// <summary>A stable id for the problem (InvalidCompression, CustomTimeframeNeedsPeriod, ...).</summary>
        public string ErrorId { get; }
    }
}
