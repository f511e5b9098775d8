# Start-BillingExport without a server: the one-time period checked before any request (both days, in order, at most
# one calendar month), -WhatIf with and without a period, and exports piped in. The POST and its optional body are the
# engine's xunit ExportServiceTests, against the official examples.

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Import-Module (Join-Path $PSScriptRoot 'ExportTestHelpers.psm1') -Force
    if (-not (Get-Module BillingPowerShell)) { Import-Module (Get-TestModulePath) }
    $script:sub = '00000000-0000-0000-0000-000000000001'
}

Describe 'Start-BillingExport' {
    It '<Case>' -ForEach @(
        @{ Case = 'a start date without an end date'; Script = { Start-BillingExport daily -SubscriptionId $sub -StartDate 2026-10-01 }; Id = 'PeriodIncomplete' }
        @{ Case = 'a period longer than one calendar month'; Script = { Start-BillingExport daily -SubscriptionId $sub -StartDate 2026-10-15 -EndDate 2026-11-15 }; Id = 'TimePeriodTooLong' }
        @{ Case = 'a period that ends before it starts'; Script = { Start-BillingExport daily -SubscriptionId $sub -StartDate 2026-10-31 -EndDate 2026-10-01 }; Id = 'EndBeforeStart' }
        @{ Case = 'a bad period with exports piped in stops before the first'; Script = { [BillingPowerShell.BillingExport]@{ Name = 'daily'; Scope = "/subscriptions/$sub" } | Start-BillingExport -EndDate 2026-10-31 }; Id = 'PeriodIncomplete' }
        @{ Case = 'no scope'; Script = { Start-BillingExport daily }; Id = 'ScopeRequired' }
    ) {
        Assert-BillingError (Get-ErrorFromCommand $Script) -Id $Id -Category InvalidArgument
    }

    It 'supports -WhatIf and takes exports from the pipeline' {
        $c = Get-Command Start-BillingExport
        $c.Parameters.Keys | Should -Contain 'WhatIf'
        $c.Parameters['InputObject'].ParameterSets['ByInputObject'].ValueFromPipeline | Should -BeTrue
        $c.Parameters.Keys | Should -Contain 'Wait'
        $c.Parameters.Keys | Should -Contain 'Backfill'
        $c.Parameters.Keys | Should -Contain 'TimeoutSeconds'
        $c.OutputType.Type | Should -Contain ([BillingPowerShell.BillingExportRun]) -Because '-Wait writes runs, as Get-BillingExportRun does'
    }

    It '-WhatIf says which export would run for which days, and asks the service nothing (child pwsh, no connection)' {
        $text = (Invoke-WhatIfChild -ModulePath (Get-TestModulePath) -Script @'
'--1'; [BillingPowerShell.BillingExport]@{ Name = 'daily'; Scope = '/subscriptions/00000000-0000-0000-0000-000000000001' } | Start-BillingExport -StartDate 2026-10-01 -EndDate 2026-10-31 -WhatIf
'--2'; Start-BillingExport monthly -BillingAccountName 8608480 -WhatIf
'--3'; Start-BillingExport monthly -BillingAccountName 8608480 -Backfill -StartDate 2025-01-15 -EndDate 2025-12-31 -Wait -WhatIf
'--end'
'@) -join "`n"
        $text | Should -Match '--end'
        $text | Should -Not -Match 'Exception|Error|AuthenticationFailed'
        $text | Should -Match "(?s)--1.*What if: .*Run export for 2026-10-01 to 2026-10-31.*export 'daily' at subscription 00000000-0000-0000-0000-000000000001.*--2"
        $text | Should -Match "(?s)--2.*Run export for its timeframe.*export 'monthly' at billing account 8608480.*--3"
        $text | Should -Match "(?s)--3.*Run export once per month, 2025-01 to 2025-12 \(12 months\), except months already exported.*--end"
    }
}
