# Get-BillingSubscription through the real module against the emulator: every agreement type, all / by account /
# by profile / by id, pipelines from accounts and profiles, values from /_emulator/world, and errors.

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    if (-not (Get-Module BillingPowerShell)) { Import-Module (Get-TestModulePath) }
    $script:emu = Start-TestEmulator
    $script:world = Get-EmulatorWorld $emu
    Connect-BillingAccount -ResourceManagerUrl $emu.ArmUrl -AccessToken $emu.SecureToken | Out-Null
    $script:payg = $world.accounts | Where-Object agreementType -EQ 'MicrosoftOnlineServicesProgram'
    $script:ea = $world.accounts | Where-Object agreementType -EQ 'EnterpriseAgreement'
    $script:mca = $world.accounts | Where-Object agreementType -EQ 'MicrosoftCustomerAgreement'
    $script:allSubs = @($world.accounts | ForEach-Object { $_.subscriptions })

}

AfterAll {
    Disconnect-BillingAccount
    Stop-TestEmulator $script:emu
}

Describe 'Get-BillingSubscription' {
    Context 'no parameters' {
        BeforeAll { $script:all = @(Get-BillingSubscription -ErrorVariable allErrors) }

        It 'lists every subscription of every account, each once, without errors' {
            $all.SubscriptionId | Sort-Object | Should -Be ($allSubs.subscriptionId | Sort-Object)
            $allErrors | Should -BeNullOrEmpty
        }

        It 'writes BillingSubscription objects, the type its [OutputType] declares' {
            (Get-Command Get-BillingSubscription).OutputType.Name | Should -Contain 'BillingPowerShell.BillingSubscription'
            $all | Should -HaveCount @($allSubs).Count
            foreach ($s in $all) { $s.GetType().FullName | Should -Be 'BillingPowerShell.BillingSubscription' }
        }

        It 'matches the world: account, profile, section, display name; ids lower-case GUIDs' {
            foreach ($account in $world.accounts) {
                foreach ($expected in $account.subscriptions) {
                    $got = $all | Where-Object SubscriptionId -EQ $expected.subscriptionId
                    $got.SubscriptionId | Should -MatchExactly '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$'
                    $got.BillingAccountName | Should -Be $account.name
                    $got.DisplayName | Should -Be $expected.displayName
                    $got.BillingProfileName | Should -Be $expected.billingProfileName
                    $got.InvoiceSectionName | Should -Be $expected.invoiceSectionName
                    $got.Id | Should -Not -BeNullOrEmpty
                }
            }
        }
    }

    Context 'NextInvoiceDate and the default view' {
        BeforeAll { $script:subs = @(Get-BillingSubscription) }

        It 'is a month after the newest invoice of the subscription''s invoice scope, for <_>' -ForEach 'MicrosoftOnlineServicesProgram', 'EnterpriseAgreement', 'MicrosoftCustomerAgreement' {
            $account = $world.accounts | Where-Object agreementType -EQ $_
            $mine = @($subs | Where-Object BillingAccountName -EQ $account.name)
            $mine | Should -HaveCount @($account.subscriptions).Count
            foreach ($s in $mine) {
                $invoices = switch ($_) {
                    'MicrosoftOnlineServicesProgram' { @($account.invoices | Where-Object subscriptionId -EQ $s.SubscriptionId) }
                    'EnterpriseAgreement' { @($account.invoices) }
                    default { @($account.invoices | Where-Object billingProfileName -EQ $s.BillingProfileName) }
                }
                $s.NextInvoiceDate | Should -Be (Get-WorldNextInvoiceDate $invoices) -Because "$($s.SubscriptionId) ($_)"
            }
        }

        It 'the default view shows AgreementType and NextInvoiceDate within 120 columns' {
            $lines = @(($subs | Out-String -Width 120) -split "`r?`n" | Where-Object { $_ })
            $lines[0] | Should -Match 'SubscriptionId\s+DisplayName\s+Status\s+NextInvoiceDate\s+AgreementType'
            $lines | ForEach-Object { $_.Length | Should -BeLessOrEqual 120 }
            ($lines -join "`n") | Should -Match 'MicrosoftOnlineServicesProgram'
        }
    }

    Context 'by account, for each agreement type' {
        It 'lists the subscriptions of the <_> account' -ForEach 'MicrosoftOnlineServicesProgram', 'EnterpriseAgreement', 'MicrosoftCustomerAgreement' {
            $account = $world.accounts | Where-Object agreementType -EQ $_
            $got = @(Get-BillingSubscription -BillingAccountName $account.name)
            $got.SubscriptionId | Sort-Object | Should -Be (@($account.subscriptions.subscriptionId) | Sort-Object)
            $got.BillingAccountName | Select-Object -Unique | Should -Be $account.name
        }

        It 'takes the account by position' {
            @(Get-BillingSubscription $ea.name).Count | Should -Be @($ea.subscriptions).Count
        }

        It 'Get-BillingAccount | Get-BillingSubscription lists every subscription once' {
            $got = @(Get-BillingAccount | Get-BillingSubscription)
            $got.SubscriptionId | Sort-Object | Should -Be ($allSubs.subscriptionId | Sort-Object)
        }
    }

    Context 'by profile (MCA)' {
        It 'lists the subscriptions of each profile' {
            foreach ($p in $mca.billingProfiles) {
                $got = @(Get-BillingSubscription -BillingAccountName $mca.name -BillingProfileName $p.name)
                $expected = @($mca.subscriptions | Where-Object billingProfileName -EQ $p.name)
                $expected.Count | Should -BeGreaterThan 0
                $got.SubscriptionId | Sort-Object | Should -Be ($expected.subscriptionId | Sort-Object)
                $got.BillingProfileName | Select-Object -Unique | Should -Be $p.name
            }
        }

        It 'Get-BillingProfile | Get-BillingSubscription lists each profile''s subscriptions' {
            $got = @(Get-BillingProfile | Get-BillingSubscription)
            $got.SubscriptionId | Sort-Object | Should -Be (@($mca.subscriptions.subscriptionId) | Sort-Object)
            foreach ($s in $got) {
                $s.BillingProfileName | Should -Be ($mca.subscriptions | Where-Object subscriptionId -EQ $s.SubscriptionId).billingProfileName
            }
        }

        It 'Get-BillingAccount | Get-BillingProfile | Get-BillingSubscription composes' {
            $got = @(Get-BillingAccount | Get-BillingProfile | Get-BillingSubscription)
            $got.Count | Should -Be @($mca.subscriptions).Count
        }

        It '-BillingProfileName without -BillingAccountName is refused before any request' {
            $before = (Get-EmulatorStats $emu).totalRequests
            $e = try { Get-BillingSubscription -BillingProfileName $mca.billingProfiles[0].name -ErrorAction Stop; $null } catch { $_ }
            Assert-BillingError $e 'BillingAccountNameRequired' 'InvalidArgument'
            (Get-EmulatorStats $emu).totalRequests | Should -Be $before
        }
    }

    Context 'by id' {
        It 'gets one subscription of the <_> account by account and id' -ForEach 'MicrosoftOnlineServicesProgram', 'EnterpriseAgreement', 'MicrosoftCustomerAgreement' {
            $account = $world.accounts | Where-Object agreementType -EQ $_
            $id = $account.subscriptions[1].subscriptionId
            $got = @(Get-BillingSubscription -BillingAccountName $account.name -SubscriptionId $id)
            $got.SubscriptionId | Should -Be @($id)
            $got[0].BillingAccountName | Should -Be $account.name
        }

        It 'finds a subscription by id alone, in whichever account holds it' {
            $id = $mca.subscriptions[0].subscriptionId
            $got = @(Get-BillingSubscription -SubscriptionId $id)
            $got.SubscriptionId | Should -Be @($id)
            $got[0].BillingAccountName | Should -Be $mca.name
        }

        It 'an upper-case id finds the subscription and the output is lower-case' {
            $id = $ea.subscriptions[0].subscriptionId
            $got = @(Get-BillingSubscription -SubscriptionId $id.ToUpperInvariant())
            $got.SubscriptionId | Should -BeExactly @($id)
        }

        It 'binds SubscriptionId from the pipeline' {
            $ids = @($payg.subscriptions[0].subscriptionId, $ea.subscriptions[0].subscriptionId)
            $got = @($ids | ForEach-Object { [pscustomobject]@{ SubscriptionId = $_ } } | Get-BillingSubscription)
            $got.SubscriptionId | Sort-Object | Should -Be ($ids | Sort-Object)
        }
    }

    Context 'errors' {
        It 'an unknown id in a named account is ObjectNotFound' {
            $got = Get-BillingSubscription -BillingAccountName $ea.name -SubscriptionId ([guid]::NewGuid()) -ErrorVariable ev -ErrorAction SilentlyContinue
            $got | Should -BeNullOrEmpty
            $ev.Count | Should -Be 1
            $ev[0].CategoryInfo.Category | Should -Be 'ObjectNotFound'
            $ev[0].ToString() | Should -Not -Match '   at '
        }

        It 'an unknown id in no account is SubscriptionNotFound (ObjectNotFound)' {
            $id = [guid]::NewGuid().ToString()
            $got = Get-BillingSubscription -SubscriptionId $id -ErrorVariable ev -ErrorAction SilentlyContinue
            $got | Should -BeNullOrEmpty
            Assert-BillingError $ev[-1] 'SubscriptionNotFound' 'ObjectNotFound'
            $ev[-1].TargetObject | Should -Be $id
        }

        It 'an unknown account is ObjectNotFound' {
            $e = try { Get-BillingSubscription -BillingAccountName 'no-such-account' -ErrorAction Stop; $null } catch { $_ }
            Assert-BillingError $e 'BillingObjectNotFound' 'ObjectNotFound'
        }

        It 'a malformed subscription id <_> is a parameter validation error, before any request' -ForEach 'not-a-guid', '1234', '*', '00000000-0000-0000-0000-00000000000g' {
            $before = (Get-EmulatorStats $emu).totalRequests
            $e = try { Get-BillingSubscription -SubscriptionId $_ -ErrorAction Stop; $null } catch { $_ }
            $e.FullyQualifiedErrorId | Should -BeLike 'ParameterArgumentValidationError,*'
            $e.CategoryInfo.Category | Should -Be 'InvalidData'
            $e.Exception.Message | Should -Match 'GUID'
            $e.ToString() | Should -Not -Match '   at '
            (Get-EmulatorStats $emu).totalRequests | Should -Be $before
        }

        It 'a token rejected half-way is AuthenticationFailed saying how to connect' {
            try {
                Set-EmulatorFaults $emu @{ revokeTokenAfter = 1 } | Out-Null
                $null = Get-BillingAccount -Name $ea.name
                $e = try { Get-BillingSubscription -BillingAccountName $ea.name -ErrorAction Stop; $null } catch { $_ }
            }
            finally { Reset-Emulator $emu | Out-Null }
            $e.FullyQualifiedErrorId | Should -BeLike 'AuthenticationFailed,*'
            $e.CategoryInfo.Category | Should -Be 'AuthenticationError'
            $e.Exception.Message | Should -Match 'Connect-BillingAccount'
        }
    }
}
