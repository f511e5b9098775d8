using System;
using System.Management.Automation;
using BillingPowerShell.Engine.Exports;

namespace BillingPowerShell.Commands
{
    /// <summary>
    /// The scope parameters of the export cmdlets and their resolution, before any request. Every kind of export
    /// scope can be named by its parts or by -Scope (a full ARM scope, as BillingExport.Scope carries it); objects of
    /// Get-BillingSubscription, Get-BillingAccount, Get-BillingProfile and Get-BillingExport bind by property name.
    /// </summary>
    public abstract class ExportScopeCmdlet : BillingApiCmdlet
    {
        private static string? Value(string? v) => string.IsNullOrEmpty(v) ? null : v;

        [Parameter(ValueFromPipelineByPropertyName = true)]
        [ValidateGuid]
        [ArgumentCompleter(typeof(BillingNameCompleter))]
        public string? SubscriptionId { get => _subscriptionId; set => _subscriptionId = Value(value); }
        private string? _subscriptionId;

        [Parameter(ValueFromPipelineByPropertyName = true)]
        public string? ResourceGroupName { get => _resourceGroupName; set => _resourceGroupName = Value(value); }
        private string? _resourceGroupName;

        [Parameter(ValueFromPipelineByPropertyName = true)]
        [ArgumentCompleter(typeof(BillingNameCompleter))]
        [ValidateBillingAccountName]
        public string? BillingAccountName { get => _billingAccountName; set => _billingAccountName = Value(value); }
        private string? _billingAccountName;

        [Parameter(ValueFromPipelineByPropertyName = true)]
        [ArgumentCompleter(typeof(BillingNameCompleter))]
        public string? BillingProfileName { get => _billingProfileName; set => _billingProfileName = Value(value); }
        private string? _billingProfileName;

        [Parameter(ValueFromPipelineByPropertyName = true)]
        public string? InvoiceSectionName { get => _invoiceSectionName; set => _invoiceSectionName = Value(value); }
        private string? _invoiceSectionName;

        [Parameter(ValueFromPipelineByPropertyName = true)]
        public string? DepartmentName { get => _departmentName; set => _departmentName = Value(value); }
        private string? _departmentName;

        [Parameter(ValueFromPipelineByPropertyName = true)]
        public string? EnrollmentAccountName { get => _enrollmentAccountName; set => _enrollmentAccountName = Value(value); }
        private string? _enrollmentAccountName;

        [Parameter(ValueFromPipelineByPropertyName = true)]
        public string? ManagementGroupId { get => _managementGroupId; set => _managementGroupId = Value(value); }
        private string? _managementGroupId;

        /// <summary>A full ARM scope (/subscriptions/…, /providers/Microsoft.Billing/billingAccounts/…, …).</summary>
        [Parameter(ValueFromPipelineByPropertyName = true)]
        public string? Scope { get => _scope; set => _scope = Value(value); }
        private string? _scope;

        /// <summary>
        /// The scope the parameters name. A subscription wins over the billing scope it belongs to (subscription objects
        /// carry their billing account too). Null when the scope of a pipeline record was rejected: skip that record.
        /// </summary>
        internal ExportScope? ResolveScope()
        {
            var billingParts = BillingAccountName ?? BillingProfileName ?? InvoiceSectionName ?? DepartmentName ?? EnrollmentAccountName;
            var others = (SubscriptionId is not null || ResourceGroupName is not null ? 1 : 0) + (billingParts is not null ? 1 : 0) + (ManagementGroupId is not null ? 1 : 0);
            try
            {
                if (Scope is not null)
                    return others == 0 ? ExportScope.Parse(Scope)
                        : Reject<ExportScope>("ConflictingScopeParameters", "-Scope names the whole scope: leave out -SubscriptionId, -ResourceGroupName, -BillingAccountName and the other scope parameters.", Scope);
                if (ManagementGroupId is not null)
                    return others == 1 ? ExportScope.ManagementGroup(ManagementGroupId)
                        : Reject<ExportScope>("ConflictingScopeParameters", "-ManagementGroupId names the whole scope: leave out the subscription and billing scope parameters.", ManagementGroupId);
                if (ResourceGroupName is not null && SubscriptionId is null)
                    return Reject<ExportScope>("SubscriptionIdRequired", "-ResourceGroupName needs -SubscriptionId: a resource group is named within its subscription.", ResourceGroupName);
                if (SubscriptionId is not null)
                    return ResourceGroupName is null ? ExportScope.Subscription(SubscriptionId) : ExportScope.ResourceGroup(SubscriptionId, ResourceGroupName);
                return ResolveBillingScope();
            }
            catch (ExportDefinitionException ex)
            {
                return Reject<ExportScope>(ex.ErrorId, ex.Message, Scope);
            }
        }

        private ExportScope? ResolveBillingScope()
        {
            if (BillingAccountName is null)
            {
                if ((BillingProfileName ?? InvoiceSectionName ?? DepartmentName ?? EnrollmentAccountName) is string part)
                    return Reject<ExportScope>("BillingAccountNameRequired", "-BillingProfileName, -InvoiceSectionName, -DepartmentName and -EnrollmentAccountName need -BillingAccountName.", part);
                return Reject<ExportScope>("ScopeRequired",
                    "Name a scope: -SubscriptionId (with -ResourceGroupName), -BillingAccountName (with -BillingProfileName and -InvoiceSectionName, -DepartmentName or -EnrollmentAccountName), -ManagementGroupId or -Scope, or pipe in Get-BillingSubscription, Get-BillingAccount or Get-BillingProfile output.", null);
            }
            var below = (BillingProfileName is not null ? 1 : 0) + (DepartmentName is not null ? 1 : 0) + (EnrollmentAccountName is not null ? 1 : 0);
            if (below > 1)
                return Reject<ExportScope>("ConflictingScopeParameters", "Use one of -BillingProfileName, -DepartmentName and -EnrollmentAccountName: each names a different kind of scope under the billing account.", BillingAccountName);
            if (InvoiceSectionName is not null && BillingProfileName is null)
                return Reject<ExportScope>("BillingProfileNameRequired", "-InvoiceSectionName needs -BillingProfileName: an invoice section is named within its billing profile.", InvoiceSectionName);
            if (InvoiceSectionName is not null) return ExportScope.InvoiceSection(BillingAccountName, BillingProfileName!, InvoiceSectionName);
            if (BillingProfileName is not null) return ExportScope.BillingProfile(BillingAccountName, BillingProfileName);
            if (DepartmentName is not null) return ExportScope.Department(BillingAccountName, DepartmentName);
            if (EnrollmentAccountName is not null) return ExportScope.EnrollmentAccount(BillingAccountName, EnrollmentAccountName);
            return ExportScope.BillingAccount(BillingAccountName);
        }

        /// <summary>
        /// A problem with one input, found before any request. Typed on the command line, it stops the command; for a
        /// record from the pipeline it is that record's non-terminating error and the record is skipped. Returns null.
        /// </summary>
        internal T? Reject<T>(string id, string message, object? target) where T : class
        {
            var record = new ErrorRecord(new ArgumentException(message), id, ErrorCategory.InvalidArgument, target);
            if (!MyInvocation.ExpectingInput) ThrowTerminatingError(record);
            WriteError(record);
            return null;
        }

        /// <summary>The scope of an export object (its Scope property), or null after writing why it cannot be used.</summary>
        internal ExportScope? ScopeOf(BillingExport export)
        {
            try { return ExportScope.Parse(export.Scope); }
            catch (ExportDefinitionException ex) { return Reject<ExportScope>(ex.ErrorId, ex.Message, export); }
        }

        /// <summary>
        /// The export one record names: a piped BillingExport (its own Scope and Name), else <paramref name="name"/> at
        /// the scope the parameters name. Null after writing why it cannot be used (before any request).
        /// </summary>
        internal (ExportScope Scope, string Name)? Target(string? name, BillingExport? input)
        {
            if (input is not null)
            {
                var s = ScopeOf(input);
                var n = s is null ? null : CheckedName(input.Name);
                return s is null || n is null ? null : (s, n);
            }
            var scope = ResolveScope();
            var checkedName = scope is null ? null : CheckedName(name ?? "");
            return scope is null || checkedName is null ? null : (scope, checkedName);
        }

        /// <summary>An export name typed or piped, checked before any request; null after writing why it cannot be used.</summary>
        internal string? CheckedName(string name)
        {
            try { return ExportRules.CheckName(name); }
            catch (ExportDefinitionException ex) { return Reject<string>(ex.ErrorId, ex.Message, name); }
        }
    }
}
