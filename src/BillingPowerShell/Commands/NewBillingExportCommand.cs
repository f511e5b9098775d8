using System.Management.Automation;
using BillingPowerShell.Engine.Exports;

namespace BillingPowerShell.Commands
{
    /// <summary>
    /// Creates a Cost Management export (ExportService.CreateAsync), refusing a name already taken. Every setting is
    /// checked before any request: alone and together when typed, then the whole definition for the scope.
    /// </summary>
    [Cmdlet(VerbsCommon.New, "BillingExport", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
    [OutputType(typeof(BillingExport))]
    public sealed class NewBillingExportCommand : ExportDefinitionCmdlet
    {
        [Parameter(Mandatory = true, Position = 0)]
        [ValidateNotNullOrEmpty]
        [Alias("ExportName")]
        public string? Name { get; set; }

        [Parameter(Mandatory = true)]
        [ValidateSet("ActualCost", "AmortizedCost", "FocusCost", "PriceSheet", "ReservationDetails", "ReservationTransactions", "ReservationRecommendations", "Usage")]
        public string? Dataset { get; set; }

        [Parameter(Mandatory = true)]
        [ValidateNotNullOrEmpty]
        public string? StorageAccountId { get; set; }

        [Parameter(Mandatory = true)]
        [ValidateNotNullOrEmpty]
        public string? Container { get; set; }

        /// <summary>With it the export gets a system-assigned managed identity in that region.</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? Location { get; set; }

        protected override void BeginProcessing() => CheckSettings();

        protected override void ProcessRecord()
        {
            var scope = ResolveScope();
            if (scope is null) return; // this pipeline record's scope was rejected
            var name = CheckedName(Name!);
            if (name is null) return;
            var definition = new ExportDefinition(name)
            {
                Dataset = Dataset, StorageAccountId = StorageAccountId, Container = Container,
                Location = Location, IdentityType = Location is null ? null : "SystemAssigned",
                PartitionData = true, // the current exports always partition; -PartitionData:$false asks otherwise
            };
            definition.ClearSchedule(); // without -Recurrence: runs only when started
            Apply(definition);
            if (!CheckDefinition(definition, scope)) return;
            if (!ShouldProcess($"export '{name}' at {scope}", $"Create {definition.Dataset} export to container '{definition.Container}'")) return;
            this.RunOne($"Export '{name}' at {scope}", name, async (sink, call, token) =>
                sink.WriteObject(await Client.Exports.CreateAsync(scope, definition, call, token).ConfigureAwait(false)));
        }
    }
}
