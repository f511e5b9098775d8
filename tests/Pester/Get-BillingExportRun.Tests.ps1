# Get-BillingExportRun without a server: the export named by name and scope or piped in, scope problems refused before
# any request, and the output type and its view. Reading the run history of the official examples is the engine's
# xunit ExportServiceTests.

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    if (-not (Get-Module BillingPowerShell)) { Import-Module (Get-TestModulePath) }
}

Describe 'Get-BillingExportRun' {
    It '<Case>' -ForEach @(
        @{ Case = 'no scope'; Script = { Get-BillingExportRun daily }; Id = 'ScopeRequired' }
        @{ Case = 'a resource group without its subscription'; Script = { Get-BillingExportRun daily -ResourceGroupName rg1 }; Id = 'SubscriptionIdRequired' }
        @{ Case = 'a piped export whose scope is not one'; Script = { [BillingPowerShell.BillingExport]@{ Name = 'daily'; Scope = '/providers/Microsoft.Billing' } | Get-BillingExportRun }; Id = 'InvalidScope' }
    ) {
        Assert-BillingError (Get-ErrorFromCommand $Script) -Id $Id -Category InvalidArgument
    }

    It 'takes an export from the pipeline, or a name and a scope' {
        $c = Get-Command Get-BillingExportRun
        $c.ParameterSets.Name | Sort-Object | Should -Be @('ByInputObject', 'ByName')
        $c.Parameters['InputObject'].ParameterSets['ByInputObject'].ValueFromPipeline | Should -BeTrue
        $c.OutputType.Name | Should -Be 'BillingPowerShell.BillingExportRun'
    }

    It 'shows a run in a table that starts with the export''s name and fits 120 columns' {
        $run = [BillingPowerShell.BillingExportRun]@{
            ExportName = 'daily'; RunId = '1e25d58a-a3b0-4916-9542-6e04a89bc100'; Status = 'NewDataNotAvailable'; ExecutionType = 'Scheduled'
            SubmittedTime = [datetime]'2026-12-01 07:52'; StartDate = [datetime]'2026-11-01'; EndDate = [datetime]'2026-11-30'; ErrorCode = 'NoData'
        }
        $lines = @($run | Format-Table | Out-String -Width 120) -split "`r?`n" | Where-Object { $_.Trim() }
        $lines[0] | Should -Match '^ExportName\s+Status\s+ExecutionType\s+SubmittedTime\s+StartDate\s+EndDate\s+ErrorCode'
        $lines[2] | Should -Match '^daily\s+NewDataNotAvailable\s+Scheduled\s+2026-12-01 07:52\s+2026-11-01\s+2026-11-30\s+NoData'
        $run.IsFinished | Should -BeTrue
    }
}
