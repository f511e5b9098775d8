using System;
using System.IO;
using System.Management.Automation;
using BillingPowerShell.Engine.Costs;
using BillingPowerShell.Engine.Usage;

namespace BillingPowerShell.Commands
{
    /// <summary>
    /// Writes daily usage to a CSV file (.csv or .csv.gz) or a Parquet file (.parquet, PowerShell 7.4+): Native keeps
    /// Azure's columns byte for byte, chunks merged under one header (CSV only); Normalized writes the usage record's
    /// columns, the same for every agreement type. The file only appears under its name once complete.
    /// </summary>
    [Cmdlet(VerbsData.Export, "DailyUsage", SupportsShouldProcess = true)]
    [OutputType(typeof(FileInfo))]
    public sealed class ExportDailyUsageCommand : UsageRequestCmdlet
    {
        [Parameter(Mandatory = true, Position = 0)]
        [ValidateNotNullOrEmpty]
        public string Path { get; set; } = "";

        [Parameter]
        [ValidateSet("Native", "Normalized", "Focus")]
        public string Schema { get; set; } = "Native";

        /// <summary>With -Schema Focus: the FOCUS version of the columns (1.2 by default).</summary>
        [Parameter]
        [ValidateSet("1.2", "1.0")]
        public string FocusVersion { get; set; } = "1.2";

        [Parameter]
        public SwitchParameter Force { get; set; }

        [Parameter]
        public SwitchParameter NoClobber { get; set; }

        /// <summary>Leave text that a spreadsheet would run as a formula as it is (Normalized schema only).</summary>
        [Parameter]
        public SwitchParameter NoFormulaEscape { get; set; }

        private readonly OutputFilePath _output = new OutputFilePath();

        protected override void ProcessRecord()
        {
            var full = _output.Resolve(this, Path, "usage.csv");
            var parquet = UsageParquet.IsParquetPath(full);
            if (!parquet && !full.EndsWith(".csv", StringComparison.OrdinalIgnoreCase) && !full.EndsWith(".csv.gz", StringComparison.OrdinalIgnoreCase))
                FailArgument("UnsupportedExtension", $"-Path '{full}' must end with .csv, .csv.gz or .parquet.", Path);
            if (parquet && !UsageParquet.IsSupported) ThrowTerminatingError(UsageErrors.ParquetNeedsPowerShell7(full, Path));
            if (parquet && string.Equals(Schema, "Native", StringComparison.OrdinalIgnoreCase) && MyInvocation.BoundParameters.ContainsKey(nameof(Schema)))
                FailArgument("NativeSchemaNotParquet", $"-Schema Native keeps Azure's CSV bytes, which a Parquet file cannot hold; for '{full}' use -Schema Normalized (the default for .parquet), or a .csv path for Native.", Schema);
            if (_output.RefuseRewrite(this, full, Path, "Export-DailyUsage -Path \"usage-$($_.Name).csv\"")) return;
            if (File.Exists(full) && (NoClobber || !Force))
                FailArgument("FileExists", $"The file '{full}' already exists. Use -Force to replace it.", Path, ErrorCategory.ResourceExists);
            if (MyInvocation.BoundParameters.ContainsKey(nameof(FocusVersion)) && Schema != "Focus")
                FailArgument("FocusVersionNeedsFocusSchema", $"-FocusVersion {FocusVersion} applies to -Schema Focus only; add -Schema Focus or leave -FocusVersion out.", FocusVersion);
            if (Schema == "Focus" && MyInvocation.BoundParameters.ContainsKey("Metric"))
                FailArgument("MetricNotWithFocus", "-Schema Focus carries both metrics (BilledCost from the actual cost, EffectiveCost from the amortized cost); leave -Metric out.", Metric);
            var request = BuildRequest();
            if (request is null) return; // this pipeline record was rejected
            if (!ShouldProcess(full, $"Export {(parquet && string.Equals(Schema, "Native", StringComparison.OrdinalIgnoreCase) ? "Normalized" : Schema)} daily usage of {request.Scope}{(parquet ? " as Parquet" : "")}")) return;

            UsageExportSummary? summary = null;
            Run(async (sink, token) =>
            {
                var call = NewCall(sink, p => UsageErrors.ProgressOf("Exporting daily usage", request, p));
                var options = new UsageCsvWriterOptions { Overwrite = Force, EscapeFormulas = !NoFormulaEscape,
                    FocusVersion = FocusVersion == "1.0" ? Engine.Usage.Focus.FocusVersion.V1_0 : Engine.Usage.Focus.FocusVersion.V1_2 };
                var schema = (UsageCsvSchema)Enum.Parse(typeof(UsageCsvSchema), Schema, ignoreCase: true);
                summary = await Client.Usage.ExportAsync(request, full, schema, options, call, token, MyInvocation.BoundParameters.ContainsKey(nameof(Schema))).ConfigureAwait(false);
                sink.WriteProgress(new ProgressRecord(2, "Exporting daily usage", "Done") { RecordType = ProgressRecordType.Completed });
            }, full);
            if (summary is null) return;
            // The file as Get-Item shows it (through the provider, on this thread), with what was written added.
            var file = InvokeProvider.Item.Get(new[] { summary.Path }, false, true)[0];
            file.TypeNames.Insert(0, "BillingPowerShell.UsageExportResult");
            file.Properties.Add(new PSNoteProperty("RowCount", summary.RowCount));
            file.Properties.Add(new PSNoteProperty("StartDate", summary.StartDate));
            file.Properties.Add(new PSNoteProperty("EndDate", summary.EndDate));
            file.Properties.Add(new PSNoteProperty("CostByCurrency", summary.CostByCurrency));
            file.Properties.Add(new PSNoteProperty("Schema", summary.Schema.ToString()));
            if (summary.Schema == UsageCsvSchema.Focus) // CostByCurrency is then the BilledCost
                file.Properties.Add(new PSNoteProperty("EffectiveCostByCurrency", summary.EffectiveCostByCurrency));
            file.Properties.Add(new PSNoteProperty("Scope", request.Scope.Display));
            WriteObject(file);
            _output.Add(full);
        }
    }
}
