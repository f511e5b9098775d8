# Set-BillingExport without a server: the settings checked before any request, a piped export checked as a whole with
# the changes typed, -WhatIf on a piped export and by name, and the parameter sets. Sending the piped export's eTag
# and the conflict error when it is stale are the engine's xunit ExportServiceTests.

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Import-Module (Join-Path $PSScriptRoot 'ExportTestHelpers.psm1') -Force
    if (-not (Get-Module BillingPowerShell)) { Import-Module (Get-TestModulePath) }
    $script:sub = '00000000-0000-0000-0000-000000000001'
    $script:storage = Get-TestStorageAccountId
    function script:New-TestExport {
        [BillingPowerShell.BillingExport]@{
            Name = 'daily'; Scope = "/subscriptions/$sub"; ScopeKind = 'Subscription'; Dataset = 'ActualCost'; Timeframe = 'MonthToDate'
            Format = 'Csv'; Compression = 'Gzip'; StorageAccountId = $storage; Container = 'exports'; ETag = '"1"'
        }
    }
}

Describe 'Set-BillingExport' {
    Context 'settings refused before any request' {
        It '<Case>' -ForEach @(
            @{ Case = 'no scope'; Script = { Set-BillingExport daily -RootFolderPath x }; Id = 'ScopeRequired' }
            @{ Case = 'Snappy with Csv'; Script = { Set-BillingExport daily -SubscriptionId $sub -Format Csv -Compression Snappy }; Id = 'InvalidCompression' }
            @{ Case = '-NoSchedule with a start date'; Script = { Set-BillingExport daily -SubscriptionId $sub -NoSchedule -ScheduleStartDate ([datetime]::UtcNow.AddDays(3)) }; Id = 'ConflictingScheduleParameters' }
            @{ Case = '-Timeframe with -EndDate'; Script = { Set-BillingExport daily -SubscriptionId $sub -Timeframe TheLastMonth -EndDate 2026-10-31 }; Id = 'ConflictingTimeParameters' }
            @{ Case = 'an end date without a start date'; Script = { Set-BillingExport daily -SubscriptionId $sub -EndDate 2026-10-31 }; Id = 'PeriodIncomplete' }
            @{ Case = 'a schedule start in the past'; Script = { Set-BillingExport daily -SubscriptionId $sub -ScheduleStartDate 2021-01-01 }; Id = 'ScheduleStartInPast' }
            @{ Case = 'a piped export made invalid by a change: Parquet with its Gzip'; Script = { New-TestExport | Set-BillingExport -Format Parquet }; Id = 'InvalidCompression' }
            @{ Case = 'a piped export with a scope that is not one'; Script = { $e = New-TestExport; $e.Scope = '/nowhere'; $e | Set-BillingExport -Container c2 }; Id = 'InvalidScope' }
            @{ Case = 'a piped export made to recur without a start'; Script = { New-TestExport | Set-BillingExport -Recurrence Monthly }; Id = 'ScheduleNeedsStartDate' }
        ) {
            $e = Get-ErrorFromCommand $Script
            Assert-BillingError $e -Id $Id -Category InvalidArgument
        }
    }

    Context 'parameters' {
        It 'takes an export from the pipeline, or a name and a scope' {
            $c = Get-Command Set-BillingExport
            $c.ParameterSets.Name | Sort-Object | Should -Be @('ByInputObject', 'ByName')
            $c.DefaultParameterSet | Should -Be 'ByName'
            $c.Parameters['InputObject'].ParameterType | Should -Be ([BillingPowerShell.BillingExport])
            $c.Parameters['InputObject'].ParameterSets['ByInputObject'].ValueFromPipeline | Should -BeTrue
            $c.Parameters['Name'].ParameterSets['ByName'].IsMandatory | Should -BeTrue
            $c.Parameters.Keys | Should -Not -Contain 'Location' -Because 'the location is set on create only'
            $c.Parameters.Keys | Should -Contain 'WhatIf'
        }
    }

    Context '-WhatIf (child pwsh, no connection)' {
        BeforeAll {
            $script:text = (Invoke-WhatIfChild -ModulePath (Get-TestModulePath) -Script @'
$e = [BillingPowerShell.BillingExport]@{ Name = 'daily'; Scope = '/providers/Microsoft.Billing/billingAccounts/8608480/departments/12'; Dataset = 'ActualCost'; StorageAccountId = $Storage; Container = 'exports'; ETag = '"1"' }
'--1'; $e | Set-BillingExport -RootFolderPath monthly -Timeframe TheLastMonth -WhatIf
'--2'; Set-BillingExport daily -BillingAccountName 100 -EnrollmentAccountName 456 -Description 'x' -WhatIf
'--end'
'@) -join "`n"
        }

        It 'says which export it would update, and asks the service nothing' {
            $text | Should -Match '--end'
            $text | Should -Not -Match 'Exception|Error|AuthenticationFailed'
            $text | Should -Match "(?s)--1.*What if: .*Update export.*export 'daily' at billing account 8608480, department 12.*--2"
            $text | Should -Match "(?s)--2.*What if: .*export 'daily' at billing account 100, enrollment account 456.*--end"
        }
    }
}
