# Helpers of the export cmdlets' tests, which need no server: sample objects as Get-BillingSubscription,
# Get-BillingAccount, Get-BillingProfile and Get-BillingExport write them, and a child pwsh that runs commands with
# -WhatIf and returns what the host showed (PowerShell writes "What if:" lines to the host, not to a stream).

Set-StrictMode -Version 3.0
Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1')

$script:Storage = '/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg/providers/Microsoft.Storage/storageAccounts/costexports'

function Get-TestStorageAccountId { $script:Storage }

function Invoke-WhatIfChild {
    <#
    Runs -Script in a fresh pwsh that has imported the module (no connection: a request would fail loudly) and
    returns its output lines, "What if:" lines included.
    #>
    [CmdletBinding()]
    param([Parameter(Mandatory)] [string] $Script, [Parameter(Mandatory)] [string] $ModulePath)
    $block = [scriptblock]::Create(@"
`$ErrorActionPreference = 'Continue'
Import-Module `$env:BPS_EXPORT_TEST_MODULE
`$Storage = '$script:Storage'
$Script
"@)
    (Invoke-ChildPwsh -ScriptBlock $block -Environment @{ BPS_EXPORT_TEST_MODULE = $ModulePath } -TimeoutSeconds 120).Output
}

Export-ModuleMember -Function Get-TestStorageAccountId, Invoke-WhatIfChild
