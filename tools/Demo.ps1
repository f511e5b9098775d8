<#
.SYNOPSIS
    The demo run by `build.ps1 Demo`: the module as a user meets it, against the billing emulator.
.DESCRIPTION
    Started by build.ps1 in a fresh pwsh, after the emulator is up. The bearer token arrives in the environment
    (BILLINGPS_DEMO_TOKEN), never on the command line, and is never printed. SSL_CERT_FILE (set by build.ps1 before
    this process started) makes .NET trust the emulator's self-signed certificate; validation stays on.
#>
[CmdletBinding()]
param(
    [Parameter(Mandatory)] [string] $ModulePath,
    [Parameter(Mandatory)] [string] $ResourceManagerUrl,
    [Parameter(Mandatory)] [string] $OutputDirectory
)
$ErrorActionPreference = 'Stop'
$ProgressPreference = 'SilentlyContinue'
if ($PSStyle) { $PSStyle.OutputRendering = 'PlainText' }

function Show([string] $Command, [scriptblock] $Block) {
    Write-Host ''
    Write-Host "PS> $Command" -ForegroundColor Cyan
    & $Block | Out-Host
}

Import-Module $ModulePath
$token = ConvertTo-SecureString $env:BILLINGPS_DEMO_TOKEN -AsPlainText -Force
Remove-Item Env:BILLINGPS_DEMO_TOKEN

Show "Connect-BillingAccount -ResourceManagerUrl $ResourceManagerUrl -AccessToken `$token" {
    Connect-BillingAccount -ResourceManagerUrl $ResourceManagerUrl -AccessToken $token
}
Show 'Get-BillingAccount' { Get-BillingAccount | Format-Table }
Show 'Get-BillingAccount | Get-BillingProfile' { Get-BillingAccount | Get-BillingProfile | Format-Table }
Show 'Get-BillingSubscription' { Get-BillingSubscription | Format-Table }

# ---- Invoices (issue 3): added here once Get-BillingInvoice / Save-BillingInvoice exist ----------------------------
if (Get-Command Save-BillingInvoice -ErrorAction Ignore) {
    $invoiceDir = Join-Path $OutputDirectory 'invoices'
    Show "Get-BillingSubscription | Get-BillingInvoice -PeriodStartDate (Get-Date).AddMonths(-12) | Save-BillingInvoice -Destination $invoiceDir -PassThru" {
        # INVOICES: the lead fills in the final form of this pipeline.
        Get-BillingSubscription | Get-BillingInvoice -PeriodStartDate (Get-Date).AddMonths(-12) |
            Save-BillingInvoice -Destination $invoiceDir -Force -PassThru | Format-Table Name, Length
    }
}

# ---- Daily usage (issue 4): added here once Export-DailyUsage exists -----------------------------------------------
if (Get-Command Export-DailyUsage -ErrorAction Ignore) {
    # USAGE: the lead fills in Export-DailyUsage (and Get-DailyUsage / Get-BillingCost) here.
}

Show 'Disconnect-BillingAccount' { Disconnect-BillingAccount }
