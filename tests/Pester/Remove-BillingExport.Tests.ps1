# Remove-BillingExport without a server: a high-impact command that asks first, -WhatIf on a piped export and by name,
# and scope problems refused before any request. The DELETE route of every scope kind is the engine's xunit
# ExportServiceTests.

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Import-Module (Join-Path $PSScriptRoot 'ExportTestHelpers.psm1') -Force
    if (-not (Get-Module BillingPowerShell)) { Import-Module (Get-TestModulePath) }
    $script:sub = '00000000-0000-0000-0000-000000000001'
}

Describe 'Remove-BillingExport' {
    It 'is high impact, so it asks before removing' {
        $attribute = (Get-Command Remove-BillingExport).ImplementingType.GetCustomAttributes([System.Management.Automation.CmdletAttribute], $false)[0]
        $attribute.SupportsShouldProcess | Should -BeTrue
        $attribute.ConfirmImpact | Should -Be 'High'
    }

    It 'takes an export from the pipeline, or a name and a scope' {
        $c = Get-Command Remove-BillingExport
        $c.ParameterSets.Name | Sort-Object | Should -Be @('ByInputObject', 'ByName')
        $c.Parameters['InputObject'].ParameterSets['ByInputObject'].ValueFromPipeline | Should -BeTrue
    }

    It '<Case>' -ForEach @(
        @{ Case = 'no scope'; Script = { Remove-BillingExport daily -Confirm:$false }; Id = 'ScopeRequired' }
        @{ Case = 'an invoice section without its profile'; Script = { Remove-BillingExport daily -BillingAccountName a -InvoiceSectionName s -Confirm:$false }; Id = 'BillingProfileNameRequired' }
        @{ Case = 'a piped export whose scope is not one'; Script = { [BillingPowerShell.BillingExport]@{ Name = 'daily'; Scope = 'subscriptions' } | Remove-BillingExport -Confirm:$false }; Id = 'InvalidScope' }
        @{ Case = 'a name with a question mark'; Script = { Remove-BillingExport 'daily?x' -SubscriptionId $sub -Confirm:$false }; Id = 'InvalidExportName' }
    ) {
        Assert-BillingError (Get-ErrorFromCommand $Script) -Id $Id -Category InvalidArgument
    }

    It '-WhatIf says what it would remove and asks the service nothing (child pwsh, no connection)' {
        $text = (Invoke-WhatIfChild -ModulePath (Get-TestModulePath) -Script @'
'--1'; [BillingPowerShell.BillingExport]@{ Name = 'daily'; Scope = 'providers/Microsoft.Billing/billingAccounts/a:b_2019-05-31/billingProfiles/P1/invoiceSections/S1' } | Remove-BillingExport -WhatIf
'--2'; Remove-BillingExport weekly -SubscriptionId 00000000-0000-0000-0000-000000000001 -ResourceGroupName rg1 -WhatIf
'--end'
'@) -join "`n"
        $text | Should -Match '--end'
        $text | Should -Not -Match 'Exception|Error|AuthenticationFailed'
        $text | Should -Match "(?s)--1.*What if: .*Remove export.*export 'daily' at billing account a:b_2019-05-31, billing profile P1, invoice section S1.*--2"
        $text | Should -Match "(?s)--2.*export 'weekly' at subscription 00000000-0000-0000-0000-000000000001, resource group rg1.*--end"
    }
}
