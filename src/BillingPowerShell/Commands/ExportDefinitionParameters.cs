using System;
using System.Collections.Generic;
using System.Management.Automation;
using BillingPowerShell.Engine.Exports;

namespace BillingPowerShell.Commands
{
    /// <summary>
    /// The settings New-BillingExport and Set-BillingExport share, their checks before any request, and how they change
    /// a definition. Each cmdlet adds the parameters whose rules differ (mandatory on New, optional on Set).
    /// </summary>
    public abstract class ExportDefinitionCmdlet : ExportScopeCmdlet
    {
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? DataVersion { get; set; }

        [Parameter]
        [ValidateSet("Daily", "Monthly")]
        public string? Granularity { get; set; }

        [Parameter]
        [ValidateSet("MonthToDate", "BillingMonthToDate", "TheLastMonth", "TheLastBillingMonth", "WeekToDate", "TheCurrentMonth")]
        public string? Timeframe { get; set; }

        [Parameter]
        public DateTime? StartDate { get; set; }

        [Parameter]
        public DateTime? EndDate { get; set; }

        [Parameter]
        [ValidateSet("Csv", "Parquet")]
        public string? Format { get; set; }

        [Parameter]
        [ValidateSet("None", "Gzip", "Snappy")]
        public string? Compression { get; set; }

        [Parameter]
        public SwitchParameter PartitionData { get; set; }

        [Parameter]
        [ValidateSet("OverwritePreviousReport", "CreateNewReport")]
        public string? DataOverwriteBehavior { get; set; }

        [Parameter]
        [AllowEmptyString]
        public string? RootFolderPath { get; set; }

        [Parameter]
        [ValidateSet("Daily", "Weekly", "Monthly", "Annually")]
        public string? Recurrence { get; set; }

        [Parameter]
        public DateTime? ScheduleStartDate { get; set; }

        [Parameter]
        public DateTime? ScheduleEndDate { get; set; }

        [Parameter]
        public SwitchParameter NoSchedule { get; set; }

        [Parameter]
        [AllowEmptyString]
        public string? Description { get; set; }

        private readonly HashSet<string> _bound = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        private (DateTime From, DateTime To)? _period;
        private DateTime? _scheduleStart, _scheduleEnd;

        /// <summary>Hints that name the parameter behind an engine rule.</summary>
        private static string? Hint(string errorId) => errorId switch
        {
            "ScheduleNeedsStartDate" => "Add -ScheduleStartDate.",
            "ScheduleNeedsRecurrence" => "Add -Recurrence, or -NoSchedule for an export that runs only when started.",
            "CustomTimeframeNeedsPeriod" => "Give -StartDate and -EndDate.",
            _ => null,
        };

        /// <summary>
        /// Checks the settings typed, on their own and together, before any request (from BeginProcessing: they are the
        /// same for every record); a problem stops the command.
        /// </summary>
        internal void CheckSettings()
        {
            _bound.Clear();
            foreach (var key in MyInvocation.BoundParameters.Keys) _bound.Add(key);
            if (NoSchedule && (Recurrence is not null || ScheduleStartDate is not null || ScheduleEndDate is not null))
                FailArgument("ConflictingScheduleParameters", "-NoSchedule removes the schedule: leave out -Recurrence, -ScheduleStartDate and -ScheduleEndDate.", null);
            if (Timeframe is not null && (StartDate is not null || EndDate is not null))
                FailArgument("ConflictingTimeParameters", "Use -Timeframe, or -StartDate and -EndDate for a custom period of days, not both.", Timeframe);
            try
            {
                _period = ExportRules.CheckPeriod(StartDate, EndDate);
                _scheduleStart = ScheduleStartDate is DateTime s ? ExportRules.CheckScheduleStart(s, Now) : null;
                _scheduleEnd = ScheduleEndDate is DateTime e ? Utc(e) : null;
                ExportRules.CheckFormatPair(Format, Compression);
            }
            catch (ExportDefinitionException ex)
            {
                FailArgument(ex.ErrorId, ex.Message, null);
            }
            if (_scheduleEnd is not null && _scheduleStart is not null && _scheduleEnd <= _scheduleStart)
                FailArgument("ScheduleEndBeforeStart", $"-ScheduleEndDate ({_scheduleEnd:yyyy-MM-dd HH:mm}) is not after -ScheduleStartDate ({_scheduleStart:yyyy-MM-dd HH:mm}) (UTC).", ScheduleEndDate);
        }

        /// <summary>A typed date and time as the service takes it: UTC ("the API does not convert local time").</summary>
        private static DateTime Utc(DateTime d) => d.Kind == DateTimeKind.Unspecified ? DateTime.SpecifyKind(d, DateTimeKind.Utc) : d.ToUniversalTime();

        /// <summary>Checks the whole definition for the scope (the engine's rules) before any request.</summary>
        internal bool CheckDefinition(ExportDefinition definition, ExportScope scope)
        {
            try
            {
                ExportRules.Normalize(definition, scope);
                return true;
            }
            catch (ExportDefinitionException ex)
            {
                return Reject<object>(ex.ErrorId, Hint(ex.ErrorId) is string h ? ex.Message + " " + h : ex.Message, definition.Name) is not null;
            }
        }

        /// <summary>Changes <paramref name="d"/> as the settings typed say; what was not typed stays. Thread-safe (reads a snapshot).</summary>
        internal void Apply(ExportDefinition d)
        {
            if (DataVersion is not null) d.DataVersion = DataVersion;
            if (Granularity is not null) d.Granularity = Granularity;
            if (Timeframe is not null) { d.Timeframe = Timeframe; d.PeriodFrom = null; d.PeriodTo = null; }
            if (_period is { } p) { d.Timeframe = "Custom"; d.PeriodFrom = p.From; d.PeriodTo = p.To; }
            if (Format is not null) d.Format = Format;
            if (Compression is not null) d.Compression = Compression;
            if (_bound.Contains(nameof(PartitionData))) d.PartitionData = PartitionData.IsPresent;
            if (DataOverwriteBehavior is not null) d.DataOverwriteBehavior = DataOverwriteBehavior;
            if (_bound.Contains(nameof(RootFolderPath))) d.RootFolderPath = string.IsNullOrEmpty(RootFolderPath) ? null : RootFolderPath;
            if (NoSchedule) d.ClearSchedule();
            if (Recurrence is not null) { d.Recurrence = Recurrence; d.ScheduleStatus = "Active"; }
            if (_scheduleStart is not null) d.ScheduleFrom = _scheduleStart;
            if (_scheduleEnd is not null) d.ScheduleTo = _scheduleEnd;
            if (_bound.Contains(nameof(Description))) d.Description = string.IsNullOrEmpty(Description) ? null : Description;
        }
    }
}
