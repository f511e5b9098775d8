# BillingPowerShell module manifest.
# ModuleVersion is stamped by build.ps1 from Directory.Build.props <ModuleVersion> (the only place it lives);
# the value below is a placeholder for the source tree.
@{
    RootModule             = 'BillingPowerShell.dll'
    ModuleVersion          = '0.0.0'
    CompatiblePSEditions   = @('Desktop', 'Core')
    GUID                   = '5b0f2c52-9d7e-4c5a-8a0e-3f6c1d2b7e41'
    Author                 = 'BillingPowerShell contributors'
    CompanyName            = 'BillingPowerShell contributors'
    Copyright              = '(c) BillingPowerShell contributors. MIT licence.'
    Description            = 'Azure billing from PowerShell: billing accounts, profiles and subscriptions; invoices saved as PDF files; daily usage and costs streamed at constant memory for every agreement type (pay-as-you-go, Enterprise Agreement, Microsoft Customer Agreement). Handles Azure throttling and keeps tokens and download URLs out of every output.'
    PowerShellVersion      = '5.1'
    DotNetFrameworkVersion = '4.7.2'

    # Views for the output types. No RequiredAssemblies or NestedModules: the engine and every third-party DLL live
    # in dependencies/net8.0/ and dependencies/netstandard2.0/ and are loaded by the module's own resolver, from the
    # one folder it picks for the running .NET (see src/BillingPowerShell/Loader).
    FormatsToProcess       = @('BillingPowerShell.Format.ps1xml')

    CmdletsToExport        = @(
        'Connect-BillingAccount'
        'Disconnect-BillingAccount'
        'Get-BillingContext'
        'Get-BillingAccount'
        'Get-BillingProfile'
        'Get-BillingSubscription'
        'Get-BillingPeriod'
        'Get-BillingInvoice'
        'Save-BillingInvoice'
        'Get-DailyUsage'
        'Export-DailyUsage'
        'Import-DailyUsage'
        'Get-BillingCost'
        'Get-BillingCostEstimate'
        'Get-BillingExport'
        'New-BillingExport'
        'Set-BillingExport'
        'Remove-BillingExport'
        'Start-BillingExport'
        'Get-BillingExportRun'
        'Receive-BillingExport'
        'Export-BillingReport'
        'Compare-BillingCost'
        'Get-BillingCostAnomaly'
    )
    FunctionsToExport      = @()
    AliasesToExport        = @()
    VariablesToExport      = @()

    PrivateData            = @{
        PSData = @{
            Tags         = @('Azure', 'Billing', 'Invoice', 'Usage', 'Cost', 'CostManagement', 'Consumption', 'FinOps', 'EnterpriseAgreement', 'MCA', 'PSEdition_Core', 'PSEdition_Desktop', 'Linux', 'Windows', 'MacOS')
            ProjectUri   = 'https://github.com/billingpowershell/BillingPowerShell'
            LicenseUri   = 'https://github.com/billingpowershell/BillingPowerShell/blob/main/LICENSE'
            ReleaseNotes = 'See the README.'
        }
    }
}
