using System.Management.Automation;
using BillingPowerShell.Engine.Exports;

namespace BillingPowerShell.Commands
{
    /// <summary>
    /// Changes an export. Piped in, the export is sent back as it was read with the changes typed and its eTag
    /// (ExportService.CreateOrUpdateAsync), so a change made by someone else since fails with ExportChangedElsewhere;
    /// by name, it is read and sent back at once (ExportService.UpdateAsync).
    /// </summary>
    [Cmdlet(VerbsCommon.Set, "BillingExport", DefaultParameterSetName = NameSet, SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
    [OutputType(typeof(BillingExport))]
    public sealed class SetBillingExportCommand : ExportDefinitionCmdlet
    {
        private const string NameSet = "ByName";
        private const string InputSet = "ByInputObject";

        [Parameter(Mandatory = true, Position = 0, ParameterSetName = NameSet)]
        [ValidateNotNullOrEmpty]
        [Alias("ExportName")]
        public string? Name { get; set; }

        [Parameter(Mandatory = true, ValueFromPipeline = true, ParameterSetName = InputSet)]
        [ValidateNotNull]
        public BillingExport? InputObject { get; set; }

        [Parameter]
        [ValidateSet("ActualCost", "AmortizedCost", "FocusCost", "PriceSheet", "ReservationDetails", "ReservationTransactions", "ReservationRecommendations", "Usage")]
        public string? Dataset { get; set; }

        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? StorageAccountId { get; set; }

        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? Container { get; set; }

        [Parameter]
        public SwitchParameter PassThru { get; set; }

        protected override void BeginProcessing() => CheckSettings();

        private void ApplyAll(ExportDefinition d)
        {
            if (Dataset is not null) d.Dataset = Dataset;
            if (StorageAccountId is not null) d.StorageAccountId = StorageAccountId;
            if (Container is not null) d.Container = Container;
            Apply(d);
        }

        protected override void ProcessRecord()
        {
            if (Target(Name, InputObject) is not { } target) return;
            var (scope, name) = target;
            ExportDefinition? definition = null;
            if (InputObject is not null)
            {
                definition = ExportDefinition.From(InputObject);
                ApplyAll(definition);
                if (!CheckDefinition(definition, scope)) return;
            }
            if (!ShouldProcess($"export '{name}' at {scope}", "Update export")) return;
            var eTag = InputObject?.ETag;
            this.RunOne($"Export '{name}' at {scope}", name, async (sink, call, token) =>
            {
                var updated = definition is null
                    ? await Client.Exports.UpdateAsync(scope, name, ApplyAll, call, token).ConfigureAwait(false)
                    : await Client.Exports.CreateOrUpdateAsync(scope, definition, eTag, call, token).ConfigureAwait(false);
                if (PassThru) sink.WriteObject(updated);
            });
        }
    }
}
