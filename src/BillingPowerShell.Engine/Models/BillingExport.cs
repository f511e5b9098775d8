using System;
using System.Collections.Generic;

namespace BillingPowerShell
{
    /// <summary>
    /// A Cost Management export: what it exports (dataset, version, timeframe), where (storage account, container,
    /// folder), in which form (format, compression, partitions) and when (schedule). Read from
    /// docs/contracts/azure-api/EXPORTS.md, "The Export resource (request and response body)".
    /// </summary>
    public sealed class BillingExport
    {
        public string Name { get; set; } = "";
        /// <summary>The ARM scope the export belongs to, such as /subscriptions/&lt;id&gt; (binds to -Scope).</summary>
        public string Scope { get; set; } = "";
        /// <summary>The kind of scope: Subscription, ResourceGroup, BillingAccount, BillingProfile, InvoiceSection, Department, EnrollmentAccount, ManagementGroup, Customer.</summary>
        public string ScopeKind { get; set; } = "";
        /// <summary>ActualCost, AmortizedCost, FocusCost, PriceSheet, ReservationDetails, ReservationTransactions, ReservationRecommendations or Usage.</summary>
        public string? Dataset { get; set; }
        public string? DataVersion { get; set; }
        /// <summary>Daily or Monthly; empty when the service chooses.</summary>
        public string? Granularity { get; set; }
        /// <summary>The columns exported, when the export names a subset (older exports); empty means all.</summary>
        public IReadOnlyList<string> Columns { get; set; } = Array.Empty<string>();
        /// <summary>Reservation recommendation filters (ReservationScope, ResourceType, LookBackPeriod) by name.</summary>
        public IDictionary<string, string> Filters { get; set; } = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        /// <summary>Csv or Parquet.</summary>
        public string? Format { get; set; }
        /// <summary>None, Gzip or Snappy.</summary>
        public string? Compression { get; set; }
        public bool? PartitionData { get; set; }
        /// <summary>OverwritePreviousReport or CreateNewReport.</summary>
        public string? DataOverwriteBehavior { get; set; }
        /// <summary>The ARM id of the storage account the files are written to.</summary>
        public string? StorageAccountId { get; set; }
        public string? Container { get; set; }
        public string? RootFolderPath { get; set; }
        /// <summary>Active or Inactive; empty when the export has no schedule (it runs only when started).</summary>
        public string? ScheduleStatus { get; set; }
        /// <summary>Daily, Weekly, Monthly or Annually.</summary>
        public string? Recurrence { get; set; }
        public DateTime? ScheduleStartDate { get; set; }
        public DateTime? ScheduleEndDate { get; set; }
        /// <summary>MonthToDate, BillingMonthToDate, TheLastMonth, TheLastBillingMonth, WeekToDate, TheCurrentMonth or Custom.</summary>
        public string? Timeframe { get; set; }
        /// <summary>With Timeframe Custom: the first day exported.</summary>
        public DateTime? TimePeriodStart { get; set; }
        /// <summary>With Timeframe Custom: the last day exported.</summary>
        public DateTime? TimePeriodEnd { get; set; }
        /// <summary>The service's estimate of the next scheduled run (only while the schedule is active).</summary>
        public DateTime? NextRunTime { get; set; }
        public string? Description { get; set; }
        /// <summary>The region of the export's managed identity (set on create only).</summary>
        public string? Location { get; set; }
        /// <summary>SystemAssigned when the export has a managed identity.</summary>
        public string? IdentityType { get; set; }
        /// <summary>The concurrency token: an update sends it back, and fails when someone changed the export since.</summary>
        public string? ETag { get; set; }
        public string Id { get; set; } = "";
        /// <summary>The last runs, when asked for (Get-BillingExport -IncludeRunHistory).</summary>
        public IReadOnlyList<BillingExportRun> RunHistory { get; set; } = Array.Empty<BillingExportRun>();
        public override string ToString() => Name;
    }

    /// <summary>
    /// One run of an export, from its run history (docs/contracts/azure-api/EXPORTS.md, "Run (Execute) and run
    /// history"). Every property but the ids may be empty: the service leaves out what it does not know.
    /// </summary>
    public sealed class BillingExportRun
    {
        /// <summary>The run's GUID: the last segment of its id (also the run id of the manifest it wrote).</summary>
        public string RunId { get; set; } = "";
        public string ExportName { get; set; } = "";
        public string Scope { get; set; } = "";
        /// <summary>Queued, InProgress, Completed, Failed, Timeout, NewDataNotAvailable or DataNotAvailable.</summary>
        public string? Status { get; set; }
        /// <summary>OnDemand or Scheduled.</summary>
        public string? ExecutionType { get; set; }
        public string? SubmittedBy { get; set; }
        public DateTime? SubmittedTime { get; set; }
        public DateTime? ProcessingStartTime { get; set; }
        public DateTime? ProcessingEndTime { get; set; }
        /// <summary>The first day of the data the run covered.</summary>
        public DateTime? StartDate { get; set; }
        /// <summary>The last day of the data the run covered.</summary>
        public DateTime? EndDate { get; set; }
        /// <summary>Where the run's manifest is, relative to the container.</summary>
        public string? ManifestFile { get; set; }
        /// <summary>The exported file, relative to the container (runs of older exports).</summary>
        public string? FileName { get; set; }
        public string? ErrorCode { get; set; }
        public string? ErrorMessage { get; set; }
        /// <summary>The dataset the run exported (its runSettings: the export as it was when the run was submitted).</summary>
        public string? Dataset { get; set; }
        /// <summary>Csv or Parquet (runSettings).</summary>
        public string? Format { get; set; }
        /// <summary>None, Gzip or Snappy (runSettings).</summary>
        public string? Compression { get; set; }
        /// <summary>The storage account resource id the run wrote into (runSettings' destination).</summary>
        public string? StorageAccountId { get; set; }
        /// <summary>The container the run wrote into; <see cref="ManifestFile"/> is relative to it.</summary>
        public string? Container { get; set; }
        public string? RootFolderPath { get; set; }
        /// <summary>True once the run has ended, well or not (Completed, Failed, Timeout, NewDataNotAvailable, DataNotAvailable).</summary>
        public bool IsFinished => Status is not null && !string.Equals(Status, "Queued", StringComparison.OrdinalIgnoreCase)
            && !string.Equals(Status, "InProgress", StringComparison.OrdinalIgnoreCase);
        public string Id { get; set; } = "";
        public override string ToString() => $"{ExportName} {RunId} {Status}";
    }
}
