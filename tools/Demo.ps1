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
    # As a person at a 120-column terminal sees it (a child process without a console would wrap at 80).
    & $Block | Out-String -Width 120 | Write-Host
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

# ---- Invoices: a year of invoice PDFs for every subscription, in one pipeline ------------------------------------
$invoiceDir = Join-Path $OutputDirectory 'invoices'
Show 'Get-BillingSubscription | Get-BillingInvoice -PeriodStartDate (Get-Date).AddMonths(-12) | Select-Object -First 8 | Format-Table' {
    Get-BillingSubscription | Get-BillingInvoice -PeriodStartDate (Get-Date).AddMonths(-12) | Select-Object -First 8 | Format-Table
}
Show "`$files = Get-BillingSubscription | Get-BillingInvoice -PeriodStartDate (Get-Date).AddMonths(-12) | Save-BillingInvoice -Destination $invoiceDir -Force -PassThru; `$files | Select-Object -First 5 | Format-Table Name, Length, LastWriteTime" {
    $files = Get-BillingSubscription | Get-BillingInvoice -PeriodStartDate (Get-Date).AddMonths(-12) |
        Save-BillingInvoice -Destination $invoiceDir -Force -PassThru
    $files | Select-Object -First 5 | Format-Table Name, Length, LastWriteTime
    "{0} invoice PDFs saved to {1}" -f @($files).Count, $invoiceDir
}
Show "Get-BillingSubscription | Get-BillingInvoice -PeriodStartDate (Get-Date).AddMonths(-12) | Save-BillingInvoice -Destination $invoiceDir -PassThru   # a rerun downloads nothing" {
    $sw = [Diagnostics.Stopwatch]::StartNew()
    $again = Get-BillingSubscription | Get-BillingInvoice -PeriodStartDate (Get-Date).AddMonths(-12) |
        Save-BillingInvoice -Destination $invoiceDir -PassThru
    "rerun: {0} new files in {1:N1} s" -f @($again).Count, $sw.Elapsed.TotalSeconds
}

# ---- Daily usage: the month so far, streamed, exported, re-imported -----------------------------------------------
$ea = Get-BillingAccount | Where-Object AgreementType -eq 'EnterpriseAgreement' | Select-Object -First 1
$payg = Get-BillingSubscription | Where-Object AgreementType -eq 'MicrosoftOnlineServicesProgram' | Select-Object -First 1
$lastMonth = (Get-Date).AddMonths(-1)
$start = Get-Date -Year $lastMonth.Year -Month $lastMonth.Month -Day 1
$end = $start.AddMonths(1).AddDays(-1)
Show "Get-DailyUsage -SubscriptionId $($payg.SubscriptionId) -StartDate $($start.ToString('yyyy-MM-dd')) -EndDate $($end.ToString('yyyy-MM-dd')) | Group-Object MeterCategory | Sort-Object Count -Descending | Select-Object Count, Name" {
    Get-DailyUsage -SubscriptionId $payg.SubscriptionId -StartDate $start -EndDate $end |
        Group-Object MeterCategory | Sort-Object Count -Descending | Select-Object Count, Name | Format-Table
}
$usageFile = Join-Path $OutputDirectory 'ea-usage.csv'
Show "Get-BillingAccount $($ea.Name) | Export-DailyUsage -Path $usageFile -StartDate $($start.ToString('yyyy-MM-dd')) -EndDate $($end.ToString('yyyy-MM-dd')) -Force | Format-List Name, Length, RowCount, StartDate, EndDate, CostByCurrency" {
    $ea | Export-DailyUsage -Path $usageFile -StartDate $start -EndDate $end -Force | Format-List Name, Length, RowCount, StartDate, EndDate, CostByCurrency
}
Show "Import-DailyUsage $usageFile | Measure-Object Cost -Sum | Format-Table Count, Sum" {
    Import-DailyUsage $usageFile | Measure-Object Cost -Sum | Format-Table Count, Sum
}
Show "Get-BillingCost -BillingAccountName $($ea.Name) -Timeframe TheLastMonth -Granularity None -GroupBy ResourceGroup" {
    Get-BillingCost -BillingAccountName $ea.Name -Timeframe TheLastMonth -Granularity None -GroupBy ResourceGroup | Format-Table
}
Show "Get-BillingCostEstimate -SubscriptionId $($payg.SubscriptionId) | Format-List Scope, PeriodStart, PeriodEnd, CostToDate, Currency, ProjectedTotal" {
    Get-BillingCostEstimate -SubscriptionId $payg.SubscriptionId | Format-List Scope, PeriodStart, PeriodEnd, CostToDate, Currency, ProjectedTotal
}

Show 'Disconnect-BillingAccount' { Disconnect-BillingAccount }
