# New-BillingExport without a server: every setting checked before any request (alone, together, and as a whole
# definition for its scope, each problem with its own ErrorId), -WhatIf, and scope objects that bind by property name
# (seen through the "What if:" line of a child pwsh). The request body itself is the engine's xunit
# ExportServiceTests, against the official examples.

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Import-Module (Join-Path $PSScriptRoot 'ExportTestHelpers.psm1') -Force
    if (-not (Get-Module BillingPowerShell)) { Import-Module (Get-TestModulePath) }
    $script:sub = '00000000-0000-0000-0000-000000000001'
    $script:storage = Get-TestStorageAccountId
    $script:tomorrow = [datetime]::UtcNow.Date.AddDays(1)
}

Describe 'New-BillingExport' {
    Context 'settings refused before any request' {
        It '<Case>' -ForEach @(
            @{ Case = 'no scope'; Script = { New-BillingExport e1 -Dataset ActualCost -StorageAccountId $storage -Container c }; Id = 'ScopeRequired' }
            @{ Case = 'Snappy with Csv'; Script = { New-BillingExport e1 -SubscriptionId $sub -Dataset ActualCost -StorageAccountId $storage -Container c -Format Csv -Compression Snappy }; Id = 'InvalidCompression' }
            @{ Case = 'Snappy with the default format (Csv)'; Script = { New-BillingExport e1 -SubscriptionId $sub -Dataset ActualCost -StorageAccountId $storage -Container c -Compression Snappy }; Id = 'InvalidCompression' }
            @{ Case = 'Gzip with Parquet'; Script = { New-BillingExport e1 -SubscriptionId $sub -Dataset FocusCost -StorageAccountId $storage -Container c -Format Parquet -Compression Gzip }; Id = 'InvalidCompression' }
            @{ Case = 'reservation details as Parquet'; Script = { New-BillingExport e1 -BillingAccountName 100 -Dataset ReservationDetails -StorageAccountId $storage -Container c -Format Parquet }; Id = 'FormatNotSupported' }
            @{ Case = 'a price sheet at a subscription'; Script = { New-BillingExport e1 -SubscriptionId $sub -Dataset PriceSheet -StorageAccountId $storage -Container c }; Id = 'DatasetNotSupportedAtScope' }
            @{ Case = 'FOCUS at a management group'; Script = { New-BillingExport e1 -ManagementGroupId mg1 -Dataset FocusCost -StorageAccountId $storage -Container c }; Id = 'DatasetNotSupportedAtScope' }
            @{ Case = 'a FOCUS version that is a date'; Script = { New-BillingExport e1 -SubscriptionId $sub -Dataset FocusCost -DataVersion 2023-05-01 -StorageAccountId $storage -Container c }; Id = 'InvalidDataVersion' }
            @{ Case = 'a recurrence without a start'; Script = { New-BillingExport e1 -SubscriptionId $sub -Dataset ActualCost -StorageAccountId $storage -Container c -Recurrence Daily }; Id = 'ScheduleNeedsStartDate' }
            @{ Case = 'a schedule start in the past'; Script = { New-BillingExport e1 -SubscriptionId $sub -Dataset ActualCost -StorageAccountId $storage -Container c -Recurrence Daily -ScheduleStartDate 2020-01-01 }; Id = 'ScheduleStartInPast' }
            @{ Case = 'a schedule that ends before it starts'; Script = { New-BillingExport e1 -SubscriptionId $sub -Dataset ActualCost -StorageAccountId $storage -Container c -Recurrence Daily -ScheduleStartDate $tomorrow.AddDays(5) -ScheduleEndDate $tomorrow }; Id = 'ScheduleEndBeforeStart' }
            @{ Case = '-NoSchedule with -Recurrence'; Script = { New-BillingExport e1 -SubscriptionId $sub -Dataset ActualCost -StorageAccountId $storage -Container c -NoSchedule -Recurrence Daily }; Id = 'ConflictingScheduleParameters' }
            @{ Case = '-Timeframe with -StartDate'; Script = { New-BillingExport e1 -SubscriptionId $sub -Dataset ActualCost -StorageAccountId $storage -Container c -Timeframe MonthToDate -StartDate 2026-10-01 -EndDate 2026-10-31 }; Id = 'ConflictingTimeParameters' }
            @{ Case = 'a start date without an end date'; Script = { New-BillingExport e1 -SubscriptionId $sub -Dataset ActualCost -StorageAccountId $storage -Container c -StartDate 2026-10-01 }; Id = 'PeriodIncomplete' }
            @{ Case = 'a custom period longer than a month'; Script = { New-BillingExport e1 -SubscriptionId $sub -Dataset ActualCost -StorageAccountId $storage -Container c -StartDate 2026-09-01 -EndDate 2026-10-31 }; Id = 'TimePeriodTooLong' }
            @{ Case = 'a custom period that ends before it starts'; Script = { New-BillingExport e1 -SubscriptionId $sub -Dataset ActualCost -StorageAccountId $storage -Container c -StartDate 2026-10-31 -EndDate 2026-10-01 }; Id = 'EndBeforeStart' }
            @{ Case = 'a storage account named, not its resource id'; Script = { New-BillingExport e1 -SubscriptionId $sub -Dataset ActualCost -StorageAccountId costexports -Container c }; Id = 'InvalidStorageAccountId' }
            @{ Case = 'a name with a slash'; Script = { New-BillingExport 'a/b' -SubscriptionId $sub -Dataset ActualCost -StorageAccountId $storage -Container c }; Id = 'InvalidExportName' }
        ) {
            $e = Get-ErrorFromCommand $Script
            Assert-BillingError $e -Id $Id -Category InvalidArgument
        }

        It 'names the parameter to add when the schedule has no start' {
            $e = Get-ErrorFromCommand { New-BillingExport e1 -SubscriptionId $sub -Dataset ActualCost -StorageAccountId $storage -Container c -Recurrence Weekly }
            $e.Exception.Message | Should -Match '-ScheduleStartDate'
        }

        It 'refuses a dataset, format or recurrence it does not know when binding' -ForEach @(
            @{ Script = { New-BillingExport e1 -SubscriptionId $sub -Dataset Invoices -StorageAccountId $storage -Container c } }
            @{ Script = { New-BillingExport e1 -SubscriptionId $sub -Dataset ActualCost -StorageAccountId $storage -Container c -Format Json } }
            @{ Script = { New-BillingExport e1 -SubscriptionId $sub -Dataset ActualCost -StorageAccountId $storage -Container c -Recurrence Hourly } }
        ) {
            Assert-BillingError (Get-ErrorFromCommand $Script) -Id 'ParameterArgumentValidationError' -Category InvalidData
        }
    }

    Context 'parameters' {
        It 'requires the name, the dataset, the storage account and the container, and supports -WhatIf' {
            $c = Get-Command New-BillingExport
            foreach ($p in 'Name', 'Dataset', 'StorageAccountId', 'Container') {
                $c.Parameters[$p].ParameterSets.Values.IsMandatory | Should -Contain $true -Because "-$p is required"
            }
            $c.Parameters.Keys | Should -Contain 'WhatIf'
            ($c.Parameters['Dataset'].Attributes | Where-Object { $_ -is [System.Management.Automation.ValidateSetAttribute] }).ValidValues | Sort-Object | Should -Be (@('ActualCost', 'AmortizedCost', 'FocusCost', 'PriceSheet', 'ReservationDetails', 'ReservationTransactions', 'ReservationRecommendations', 'Usage') | Sort-Object)
            ($c.Parameters['Compression'].Attributes | Where-Object { $_ -is [System.Management.Automation.ValidateSetAttribute] }).ValidValues | Should -Be @('None', 'Gzip', 'Snappy')
            $c.OutputType.Name | Should -Be 'BillingPowerShell.BillingExport'
        }
    }

    Context '-WhatIf and scope objects from the pipeline (child pwsh, no connection)' {
        BeforeAll {
            $script:out = Invoke-WhatIfChild -ModulePath (Get-TestModulePath) -Script @'
$s = '00000000-0000-0000-0000-000000000001'
$start = [datetime]::UtcNow.Date.AddDays(2)
'--1'; [BillingPowerShell.BillingSubscription]@{ SubscriptionId = $s; BillingAccountName = 'a:b_2019-05-31'; BillingProfileName = 'P1' } | New-BillingExport daily -Dataset ActualCost -StorageAccountId $Storage -Container exports -Recurrence Daily -ScheduleStartDate $start -WhatIf
'--2'; [BillingPowerShell.BillingAccount]@{ Name = '8608480' } | New-BillingExport ea -Dataset PriceSheet -StorageAccountId $Storage -Container exports -WhatIf
'--3'; [BillingPowerShell.BillingProfile]@{ Name = 'P1'; BillingAccountName = 'a:b_2019-05-31' } | New-BillingExport focus -Dataset FocusCost -DataVersion 1.0r2 -Format Parquet -Compression Snappy -StorageAccountId $Storage -Container exports -WhatIf
'--4'; New-BillingExport rg -SubscriptionId $s -ResourceGroupName rg1 -Dataset AmortizedCost -StartDate 2026-10-01 -EndDate 2026-10-31 -StorageAccountId $Storage -Container exports -WhatIf
'--5'; New-BillingExport mg -Scope /providers/Microsoft.Management/managementGroups/mg1 -Dataset Usage -StorageAccountId $Storage -Container exports -WhatIf
'--end'
'@
            $script:text = $out -join "`n"
        }

        It 'ran every case to the end without an error' {
            $text | Should -Match '--end'
            $text | Should -Not -Match 'Exception|Error|AuthenticationFailed|Could not'
        }

        It 'binds a subscription object to its subscription (not its billing account)' {
            $text | Should -Match "(?s)--1.*What if: .*Create ActualCost export to container 'exports'.*export 'daily' at subscription 00000000-0000-0000-0000-000000000001.*--2"
        }

        It 'binds an account object to its billing account' {
            $text | Should -Match "(?s)--2.*export 'ea' at billing account 8608480.*--3"
        }

        It 'binds a profile object to its billing profile' {
            $text | Should -Match "(?s)--3.*export 'focus' at billing account a:b_2019-05-31, billing profile P1.*--4"
        }

        It 'takes a resource group and a full ARM scope' {
            $text | Should -Match "(?s)--4.*export 'rg' at subscription 00000000-0000-0000-0000-000000000001, resource group rg1.*--5"
            $text | Should -Match "(?s)--5.*export 'mg' at management group mg1.*--end"
        }
    }
}
