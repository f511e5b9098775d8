# Get-BillingExport without a server: the scope of every kind named by its parts or by -Scope, the problems with a
# scope refused before any request (each with its ErrorId), and the parameters that bind from the pipeline by property
# name (so Get-BillingSubscription, Get-BillingAccount, Get-BillingProfile and Get-BillingExport output pipe in).
# Routes, bodies and answers are the engine's xunit ExportServiceTests, against the official examples.

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    if (-not (Get-Module BillingPowerShell)) { Import-Module (Get-TestModulePath) }
    $script:sub = '00000000-0000-0000-0000-000000000001'
}

Describe 'Get-BillingExport' {
    Context 'scope problems, before any request' {
        It '<Case>' -ForEach @(
            @{ Case = 'no scope at all'; Script = { Get-BillingExport }; Id = 'ScopeRequired' }
            @{ Case = 'a resource group without its subscription'; Script = { Get-BillingExport -ResourceGroupName rg1 }; Id = 'SubscriptionIdRequired' }
            @{ Case = 'an invoice section without its billing profile'; Script = { Get-BillingExport -BillingAccountName 'a:b_2019-05-31' -InvoiceSectionName S1 }; Id = 'BillingProfileNameRequired' }
            @{ Case = 'a billing profile without its account'; Script = { Get-BillingExport -BillingProfileName P1 }; Id = 'BillingAccountNameRequired' }
            @{ Case = 'a department without its account'; Script = { Get-BillingExport -DepartmentName 12 }; Id = 'BillingAccountNameRequired' }
            @{ Case = 'a department and an enrollment account at once'; Script = { Get-BillingExport -BillingAccountName 100 -DepartmentName 12 -EnrollmentAccountName 456 }; Id = 'ConflictingScopeParameters' }
            @{ Case = '-Scope with a scope part'; Script = { Get-BillingExport -Scope "/subscriptions/$sub" -SubscriptionId $sub }; Id = 'ConflictingScopeParameters' }
            @{ Case = 'a management group with a subscription'; Script = { Get-BillingExport -ManagementGroupId mg1 -SubscriptionId $sub }; Id = 'ConflictingScopeParameters' }
            @{ Case = '-Scope that is an export id, not a scope'; Script = { Get-BillingExport -Scope "/subscriptions/$sub/providers/Microsoft.CostManagement/exports/e1" }; Id = 'InvalidScope' }
            @{ Case = 'an exact name with a slash'; Script = { Get-BillingExport -SubscriptionId $sub -Name 'a/b' }; Id = 'InvalidExportName' }
        ) {
            $e = Get-ErrorFromCommand $Script
            Assert-BillingError $e -Id $Id -Category InvalidArgument
        }

        It 'refuses a subscription id that is not a GUID when binding' {
            $e = Get-ErrorFromCommand { Get-BillingExport -SubscriptionId 'not-a-guid' }
            Assert-BillingError $e -Id 'ParameterArgumentValidationError' -Category InvalidData
        }

        It 'makes a piped record with a bad scope that record''s error, not the end of the pipeline' {
            $records = @(
                [pscustomobject]@{ BillingProfileName = 'P1' }
                [pscustomobject]@{ ResourceGroupName = 'rg1' }
            )
            $errors = @()
            $records | Get-BillingExport -ErrorVariable +errors -ErrorAction SilentlyContinue
            $errors.Count | Should -Be 2
            $errors[0].FullyQualifiedErrorId | Should -BeLike 'BillingAccountNameRequired,*'
            $errors[1].FullyQualifiedErrorId | Should -BeLike 'SubscriptionIdRequired,*'
        }
    }

    Context 'binding' {
        It 'binds every scope parameter by property name, and not -Name (an account''s Name is not an export''s)' {
            $command = Get-Command Get-BillingExport
            foreach ($p in 'SubscriptionId', 'ResourceGroupName', 'BillingAccountName', 'BillingProfileName', 'InvoiceSectionName',
                'DepartmentName', 'EnrollmentAccountName', 'ManagementGroupId', 'Scope') {
                $command.Parameters[$p].ParameterSets.Values.ValueFromPipelineByPropertyName | Should -Contain $true -Because "-$p binds from objects"
            }
            $command.Parameters['Name'].ParameterSets.Values.ValueFromPipelineByPropertyName | Should -Not -Contain $true
            $command.Parameters['Name'].Attributes | Where-Object { $_ -is [System.Management.Automation.SupportsWildcardsAttribute] } | Should -Not -BeNullOrEmpty
        }

        It 'declares BillingExport as its output, with a table view that starts with the name' {
            (Get-Command Get-BillingExport).OutputType.Name | Should -Be 'BillingPowerShell.BillingExport'
            $view = (Get-FormatData -TypeName BillingPowerShell.BillingExport).FormatViewDefinition | Where-Object { $_.Control -is [System.Management.Automation.TableControl] }
            $view.Control.Headers[0].Label | Should -Be 'Name'
        }

        It 'shows a BillingExport in its table: custom days, schedule and destination' {
            $e = [BillingPowerShell.BillingExport]@{
                Name = 'monthly-cost'; Scope = "/subscriptions/$sub"; Dataset = 'AmortizedCost'; Timeframe = 'Custom'
                TimePeriodStart = [datetime]'2026-11-01'; TimePeriodEnd = [datetime]'2026-11-30'; Recurrence = 'Monthly'; ScheduleStatus = 'Inactive'
                Format = 'Parquet'; Container = 'exports'; RootFolderPath = 'cost'
            }
            $text = $e | Format-Table | Out-String -Width 120
            $text | Should -Match 'monthly-cost\s+AmortizedCost\s+2026-11-01\.\.2026-11-30\s+Monthly \(off\)\s+Parquet\s+exports/cost'
        }
    }
}
