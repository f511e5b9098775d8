# Get-BillingProfile through the real module against the emulator: profiles of the Microsoft Customer Agreement only,
# values from /_emulator/world, -Name exact and with wildcards, `Get-BillingAccount | Get-BillingProfile`, and errors.

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    if (-not (Get-Module BillingPowerShell)) { Import-Module (Get-TestModulePath) }
    $script:emu = Start-TestEmulator
    $script:world = Get-EmulatorWorld $emu
    Connect-BillingAccount -ResourceManagerUrl $emu.ArmUrl -AccessToken $emu.SecureToken | Out-Null
    $script:payg = $world.accounts | Where-Object agreementType -EQ 'MicrosoftOnlineServicesProgram'
    $script:ea = $world.accounts | Where-Object agreementType -EQ 'EnterpriseAgreement'
    $script:mca = $world.accounts | Where-Object agreementType -EQ 'MicrosoftCustomerAgreement'
    $script:profiles = @($mca.billingProfiles)

}

AfterAll {
    Disconnect-BillingAccount
    Stop-TestEmulator $script:emu
}

Describe 'Get-BillingProfile' {
    It 'the world has at least two profiles on the MCA account and none elsewhere' {
        $profiles.Count | Should -BeGreaterOrEqual 2
        @($payg.billingProfiles).Count + @($ea.billingProfiles).Count | Should -Be 0
    }

    Context 'all profiles' {
        BeforeAll { $script:all = @(Get-BillingProfile -ErrorVariable allErrors) }

        It 'lists the profiles of every MCA account, and asks no other agreement' {
            $all.Name | Sort-Object | Should -Be ($profiles.name | Sort-Object)
            $allErrors | Should -BeNullOrEmpty
        }

        It 'writes BillingProfile objects, the type its [OutputType] declares' {
            (Get-Command Get-BillingProfile).OutputType.Name | Should -Contain 'BillingPowerShell.BillingProfile'
            $all | Should -HaveCount @($profiles).Count
            foreach ($p in $all) { $p.GetType().FullName | Should -Be 'BillingPowerShell.BillingProfile' }
        }

        It 'matches the world: names, display names, currency, account' {
            foreach ($expected in $profiles) {
                $got = $all | Where-Object Name -EQ $expected.name
                $got.DisplayName | Should -Be $expected.displayName
                $got.Currency | Should -Be $expected.currency
                $got.BillingAccountName | Should -Be $mca.name
                $got.BillingProfileName | Should -Be $expected.name
                $got.Id | Should -Be "/providers/Microsoft.Billing/billingAccounts/$($mca.name)/billingProfiles/$($expected.name)"
                $got.Status | Should -Not -BeNullOrEmpty
                $got.InvoiceDay | Should -BeGreaterThan 0
            }
        }
    }

    Context 'NextInvoiceDate' {
        It 'is the next invoice day after today, a month after the profile''s newest invoice, and shown by default' {
            $got = @(Get-BillingProfile -BillingAccountName $mca.name)
            $got | Should -HaveCount $profiles.Count
            foreach ($p in $got) {
                $expected = Get-WorldNextInvoiceDate @($mca.invoices | Where-Object billingProfileName -EQ $p.Name)
                $p.NextInvoiceDate | Should -Be $expected
                $p.NextInvoiceDate.Day | Should -Be $p.InvoiceDay
                $p.NextInvoiceDate | Should -BeGreaterThan ([datetime]::ParseExact($world.today, 'yyyy-MM-dd', $null))
            }
            $table = $got | Format-Table | Out-String -Width 120
            $table | Should -Match 'NextInvoiceDate'
            $table | Should -Match ([regex]::Escape($got[0].NextInvoiceDate.ToString('yyyy-MM-dd')))
        }
    }

    Context 'pipeline' {
        It 'Get-BillingAccount | Get-BillingProfile lists each account''s profiles, without errors for accounts without profiles' {
            $got = @(Get-BillingAccount | Get-BillingProfile -ErrorVariable ev)
            $ev | Should -BeNullOrEmpty
            $got.Name | Sort-Object | Should -Be ($profiles.name | Sort-Object)
            $got.BillingAccountName | Select-Object -Unique | Should -Be $mca.name
        }

        It 'Get-BillingSubscription | Get-BillingProfile lists each MCA account''s profiles once, and asks no other agreement' {
            $subs = @(Get-BillingSubscription)
            @($subs | Where-Object BillingAccountName -EQ $mca.name).Count | Should -BeGreaterThan 1
            $subs.AgreementType | Select-Object -Unique | Should -HaveCount 3
            $before = (Get-EmulatorStats $emu).requests
            $listed = if ($before.PSObject.Properties['BillingProfiles_ListByBillingAccount']) { [long]$before.BillingProfiles_ListByBillingAccount } else { 0 }
            $got = @($subs | Get-BillingProfile -ErrorVariable ev)
            $ev | Should -BeNullOrEmpty
            $got.Name | Sort-Object | Should -Be ($profiles.name | Sort-Object)
            (Get-EmulatorStats $emu).requests.BillingProfiles_ListByBillingAccount - $listed | Should -Be 1
        }

        It 'binds by BillingAccountName, never by the account''s Name as a profile name' {
            $got = @(Get-BillingAccount -Name $mca.name | Get-BillingProfile)
            $got.Count | Should -Be $profiles.Count
        }

        It 'a profile piped on gives its subscriptions (Get-BillingProfile | Get-BillingSubscription)' {
            $got = @(Get-BillingProfile -BillingAccountName $mca.name -Name $profiles[0].name | Get-BillingSubscription)
            $got.SubscriptionId | Sort-Object | Should -Be (@($mca.subscriptions | Where-Object billingProfileName -EQ $profiles[0].name).subscriptionId | Sort-Object)
        }
    }

    Context '-BillingAccountName and -Name' {
        It 'lists one account''s profiles (by position too)' {
            @(Get-BillingProfile -BillingAccountName $mca.name).Count | Should -Be $profiles.Count
            @(Get-BillingProfile $mca.name).Count | Should -Be $profiles.Count
        }

        It 'gets one profile by exact name' {
            $got = @(Get-BillingProfile -BillingAccountName $mca.name -Name $profiles[1].name)
            $got.Name | Should -Be @($profiles[1].name)
            $got[0].DisplayName | Should -Be $profiles[1].displayName
        }

        It 'matches a wildcard on the name without naming the account' {
            $got = @(Get-BillingProfile -Name ($profiles[0].name.Substring(0, 4) + '*'))
            $got.Name | Should -Be @($profiles[0].name)
        }

        It 'matches a wildcard on the display name, case-insensitively' {
            $got = @(Get-BillingProfile -Name ('*' + $profiles[1].displayName.Substring($profiles[1].displayName.Length - 4).ToLowerInvariant()))
            $got.Name | Should -Contain $profiles[1].name
            $got | ForEach-Object { $_.DisplayName | Should -BeLike ('*' + $profiles[1].displayName.Substring($profiles[1].displayName.Length - 4)) }
        }

        It 'a wildcard that matches nothing writes nothing and no error' {
            $got = Get-BillingProfile -Name 'zzz*' -ErrorVariable ev
            $got | Should -BeNullOrEmpty
            $ev | Should -BeNullOrEmpty
        }
    }

    Context 'errors' {
        It 'an unknown profile is ObjectNotFound' {
            $got = Get-BillingProfile -BillingAccountName $mca.name -Name 'NO-SUCH-PROF' -ErrorVariable ev -ErrorAction SilentlyContinue
            $got | Should -BeNullOrEmpty
            $ev.Count | Should -Be 1
            Assert-BillingError $ev[0] 'BillingObjectNotFound' 'ObjectNotFound'
            $ev[0].TargetObject | Should -Be 'NO-SUCH-PROF'
        }

        It 'an unknown account is ObjectNotFound' {
            $got = Get-BillingProfile -BillingAccountName 'no-such-account' -ErrorVariable ev -ErrorAction SilentlyContinue
            $got | Should -BeNullOrEmpty
            $ev.Count | Should -BeGreaterOrEqual 1
            $ev[0].CategoryInfo.Category | Should -Be 'ObjectNotFound'
            $ev[0].ToString() | Should -Not -Match '   at '
        }

        It 'a token rejected half-way is AuthenticationFailed saying how to connect' {
            try {
                Set-EmulatorFaults $emu @{ revokeTokenAfter = 1 } | Out-Null
                $null = Get-BillingAccount -Name $ea.name
                $e = try { Get-BillingProfile -ErrorAction Stop; $null } catch { $_ }
            }
            finally { Reset-Emulator $emu | Out-Null }
            Assert-BillingError $e 'AuthenticationFailed' 'AuthenticationError'
            $e.Exception.Message | Should -Match 'Connect-BillingAccount'
        }
    }
}
