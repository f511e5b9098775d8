# Get-BillingAccount through the real module against the emulator: every agreement type, values from
# /_emulator/world, -Name exact and with wildcards, pipeline binding by BillingAccountName, and errors.

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    if (-not (Get-Module BillingPowerShell)) { Import-Module (Get-TestModulePath) }
    $script:emu = Start-TestEmulator
    $script:world = Get-EmulatorWorld $emu
    Connect-BillingAccount -ResourceManagerUrl $emu.ArmUrl -AccessToken $emu.SecureToken | Out-Null
    $script:payg = $world.accounts | Where-Object agreementType -EQ 'MicrosoftOnlineServicesProgram'
    $script:ea = $world.accounts | Where-Object agreementType -EQ 'EnterpriseAgreement'
    $script:mca = $world.accounts | Where-Object agreementType -EQ 'MicrosoftCustomerAgreement'

}

AfterAll {
    Disconnect-BillingAccount
    Stop-TestEmulator $script:emu
}

Describe 'Get-BillingAccount' {
    It 'the emulator has one account of each agreement type' {
        @($payg).Count | Should -Be 1
        @($ea).Count | Should -Be 1
        @($mca).Count | Should -Be 1
    }

    Context 'all accounts' {
        BeforeAll { $script:all = @(Get-BillingAccount) }

        It 'lists every account of the world, each once' {
            $all.Name | Sort-Object | Should -Be ($world.accounts.name | Sort-Object)
        }

        It 'shows, in 120 columns, the whole name one types first, then the agreement, status and display name' {
            $lines = @(($all | Format-Table | Out-String -Width 120) -split "\r?\n" | Where-Object { $_.Trim() })
            $lines[0] | Should -Match '^Name\s+Type\s+Status\s+DisplayName'
            foreach ($a in $all) {
                $row = $lines | Where-Object { $_.StartsWith($a.Name + ' ') } | Select-Object -First 1
                $row | Should -Not -BeNullOrEmpty -Because "the row of '$($a.Name)' starts with its whole name"
                $short = @{ EnterpriseAgreement = 'EA'; MicrosoftCustomerAgreement = 'MCA'; MicrosoftOnlineServicesProgram = 'MOSP' }[$a.AgreementType]
                $row | Should -Match ('\s' + $short + '\s+' + [regex]::Escape($a.AccountStatus))
                $row | Should -Match ([regex]::Escape($a.DisplayName.Substring(0, [math]::Min(12, $a.DisplayName.Length))))
            }
            $lines | ForEach-Object { $_.Length | Should -BeLessOrEqual 120 }
        }

        It 'writes BillingAccount objects, the type its [OutputType] declares' {
            (Get-Command Get-BillingAccount).OutputType.Name | Should -Contain 'BillingPowerShell.BillingAccount'
            $all | Should -HaveCount @($world.accounts).Count
            foreach ($a in $all) { $a.GetType().FullName | Should -Be 'BillingPowerShell.BillingAccount' }
        }

        It 'matches the world for <_>' -ForEach 'MicrosoftOnlineServicesProgram', 'EnterpriseAgreement', 'MicrosoftCustomerAgreement' {
            $expected = $world.accounts | Where-Object agreementType -EQ $_
            $got = $all | Where-Object Name -EQ $expected.name
            $got.AgreementType | Should -Be $_
            $got.DisplayName | Should -Be $expected.displayName
            $got.BillingAccountName | Should -Be $expected.name
            $got.Id | Should -Be "/providers/Microsoft.Billing/billingAccounts/$($expected.name)"
            $got.AccountStatus | Should -Not -BeNullOrEmpty
            $got.AccountType | Should -Not -BeNullOrEmpty
        }

        It 'names accounts as each agreement does (PAYG and MCA guid:guid_date, EA an enrollment number)' {
            ($all | Where-Object AgreementType -EQ 'EnterpriseAgreement').Name | Should -Match '^\d+$'
            ($all | Where-Object AgreementType -EQ 'MicrosoftCustomerAgreement').Name | Should -Match '^[0-9a-f-]{36}:[0-9a-f-]{36}_\d{4}-\d{2}-\d{2}$'
            ($all | Where-Object AgreementType -EQ 'MicrosoftOnlineServicesProgram').Name | Should -Match '^[0-9a-f-]{36}:[0-9a-f-]{36}_\d{4}-\d{2}-\d{2}$'
        }

        It 'the EA account carries its enrollment details' {
            ($all | Where-Object AgreementType -EQ 'EnterpriseAgreement').EnrollmentDetails | Should -Not -BeNullOrEmpty
        }

        It 'the MCA account carries its sold-to address (listed and by name); pay-as-you-go has none' {
            ($all | Where-Object AgreementType -EQ 'MicrosoftCustomerAgreement').SoldTo.CompanyName | Should -Be $mca.displayName
            (Get-BillingAccount -Name $mca.name).SoldTo.CompanyName | Should -Be $mca.displayName
            ($all | Where-Object AgreementType -EQ 'MicrosoftOnlineServicesProgram').SoldTo | Should -BeNullOrEmpty
        }
    }

    Context '-Name' {
        It 'gets one account by its exact name for <_>' -ForEach 'MicrosoftOnlineServicesProgram', 'EnterpriseAgreement', 'MicrosoftCustomerAgreement' {
            $expected = $world.accounts | Where-Object agreementType -EQ $_
            $got = @(Get-BillingAccount -Name $expected.name)
            $got.Count | Should -Be 1
            $got[0].Name | Should -Be $expected.name
            $got[0].AgreementType | Should -Be $_
        }

        It 'takes the name by position and several names' {
            $got = @(Get-BillingAccount $ea.name, $mca.name)
            $got.Name | Should -Be @($ea.name, $mca.name)
        }

        It 'matches a wildcard on the name' {
            $got = @(Get-BillingAccount -Name ($ea.name.Substring(0, 3) + '*'))
            $got.Name | Should -Be @($ea.name)
        }

        It 'matches a wildcard on the display name, case-insensitively' {
            $got = @(Get-BillingAccount -Name ($mca.displayName.Substring(0, 5).ToUpperInvariant() + '*'))
            $got.Name | Should -Be @($mca.name)
        }

        It '* lists all accounts' {
            @(Get-BillingAccount -Name '*').Count | Should -Be @($world.accounts).Count
        }

        It 'patterns that overlap (and an exact name they match too) write each account once, from one listing' {
            $before = (Get-EmulatorStats $emu).requests
            $listed = if ($before.PSObject.Properties['BillingAccounts_List']) { [long]$before.BillingAccounts_List } else { 0 }
            $got = @(Get-BillingAccount -Name ($ea.name.Substring(0, 3) + '*'), ('*' + $ea.name.Substring($ea.name.Length - 3)), '*', $ea.name)
            $got.Name | Sort-Object | Should -Be (@($world.accounts.name) | Sort-Object)
            (Get-EmulatorStats $emu).requests.BillingAccounts_List - $listed | Should -Be 1
        }

        It 'a wildcard that matches nothing writes nothing and no error' {
            $got = Get-BillingAccount -Name 'zzz-no-match-*' -ErrorVariable ev
            $got | Should -BeNullOrEmpty
            $ev | Should -BeNullOrEmpty
        }

        It 'binds BillingAccountName from the pipeline' {
            $got = @([pscustomobject]@{ BillingAccountName = $ea.name }, [pscustomobject]@{ BillingAccountName = $payg.name } | Get-BillingAccount)
            $got.Name | Should -Be @($ea.name, $payg.name)
        }

        It 'an empty name is a parameter validation error' {
            $e = try { Get-BillingAccount -Name '' -ErrorAction Stop; $null } catch { $_ }
            $e.FullyQualifiedErrorId | Should -BeLike 'ParameterArgumentValidationError,*'
        }
    }

    Context 'errors' {
        It 'an unknown account is ObjectNotFound, and the other names are still listed' {
            $got = @(Get-BillingAccount -Name 'no-such-account', $ea.name -ErrorVariable ev -ErrorAction SilentlyContinue)
            $got.Name | Should -Be @($ea.name)
            $ev.Count | Should -Be 1
            Assert-BillingError $ev[0] 'BillingObjectNotFound' 'ObjectNotFound'
            $ev[0].TargetObject | Should -Be 'no-such-account'
        }

        It 'a token rejected by the service is AuthenticationFailed saying how to connect' {
            try {
                Set-EmulatorFaults $emu @{ revokeTokenAfter = 1 } | Out-Null
                $null = Get-BillingAccount -Name $ea.name   # the one call still allowed
                $e = try { Get-BillingAccount -ErrorAction Stop; $null } catch { $_ }
            }
            finally { Reset-Emulator $emu | Out-Null }
            Assert-BillingError $e 'AuthenticationFailed' 'AuthenticationError'
            $e.Exception.Message | Should -Match 'Connect-BillingAccount'
        }

        It 'a token without billing rights (403) is BillingPermissionDenied naming the billing role' {
            # Connect checks the token, so the reader session is made by revoking nothing: connect as reader fails the
            # same way a later call does. Both must name the role.
            $e = try { Connect-BillingAccount -ResourceManagerUrl $emu.ArmUrl -AccessToken $emu.SecureReaderToken -ErrorAction Stop; $null } catch { $_ }
            Assert-BillingError $e 'BillingPermissionDenied' 'PermissionDenied'
            $e.Exception.Message | Should -Match '(?i)billing account reader|enterprise administrator|account administrator'
            # The working connection is untouched.
            @(Get-BillingAccount).Count | Should -Be @($world.accounts).Count
        }
    }
}
