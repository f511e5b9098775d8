# Get-BillingPeriod through the real module against the emulator: pay-as-you-go billing periods, newest first, the
# portal's default of six, -First/-Skip, -Name, pipelines from subscriptions and on to Get-BillingInvoice, and errors.

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    if (-not (Get-Module BillingPowerShell)) { Import-Module (Get-TestModulePath) }
    $script:emu = Start-TestEmulator
    $script:world = Get-EmulatorWorld $emu
    Connect-BillingAccount -ResourceManagerUrl $emu.ArmUrl -AccessToken $emu.SecureToken | Out-Null
    $script:payg = $world.accounts | Where-Object agreementType -EQ 'MicrosoftOnlineServicesProgram'
    $script:ea = $world.accounts | Where-Object agreementType -EQ 'EnterpriseAgreement'
    $script:sub = $payg.subscriptions[0]
    $script:subId = $sub.subscriptionId
}

AfterAll {
    Disconnect-BillingAccount
    Stop-TestEmulator $script:emu
}

Describe 'Get-BillingPeriod' {
    It 'the world has more than six periods for a pay-as-you-go subscription' {
        @($sub.legacyBillingPeriods).Count | Should -BeGreaterThan 6
    }

    Context 'one subscription' {
        BeforeAll { $script:six = @(Get-BillingPeriod -SubscriptionId $subId) }

        It 'by default returns the six newest periods, newest first' {
            $six.Name | Should -Be @($sub.legacyBillingPeriods | Sort-Object -Descending | Select-Object -First 6)
            for ($i = 1; $i -lt $six.Count; $i++) { $six[$i].StartDate | Should -BeLessThan $six[$i - 1].StartDate }
        }

        It 'writes BillingPeriod objects, the type its [OutputType] declares' {
            (Get-Command Get-BillingPeriod).OutputType.Name | Should -Contain 'BillingPowerShell.BillingPeriod'
            $six | Should -HaveCount 6
            foreach ($p in $six) { $p.GetType().FullName | Should -Be 'BillingPowerShell.BillingPeriod' }
        }

        It 'each period carries its subscription, a month of dates, and its name for binding' {
            $six | Should -HaveCount 6
            foreach ($p in $six) {
                $p.SubscriptionId | Should -Be $subId
                $p.BillingPeriodName | Should -Be $p.Name
                $p.EndDate | Should -BeGreaterThan $p.StartDate
                $p.StartDate.ToString('yyyyMM') | Should -Be ([datetime]::ParseExact($p.Name.Substring(0, 6), 'yyyyMM', $null).AddMonths(-1).ToString('yyyyMM'))
            }
        }

        It 'the invoice names of the periods are the world''s legacy invoices' {
            $names = @(Get-BillingPeriod -SubscriptionId $subId -First 100 | ForEach-Object { $_.InvoiceNames })
            $names | Sort-Object | Should -Be (@($sub.legacyInvoices) | Sort-Object)
        }

        It '-First 100 returns every period of the world' {
            (Get-BillingPeriod -SubscriptionId $subId -First 100).Name | Should -Be @($sub.legacyBillingPeriods | Sort-Object -Descending)
        }

        It '-First 2 returns the two newest' {
            (Get-BillingPeriod -SubscriptionId $subId -First 2).Name | Should -Be @($six[0].Name, $six[1].Name)
        }

        It '-Skip 2 -First 3 returns the third to fifth newest' {
            (Get-BillingPeriod -SubscriptionId $subId -Skip 2 -First 3).Name | Should -Be @($six[2].Name, $six[3].Name, $six[4].Name)
        }

        It '-IncludeTotalCount writes, after the periods, how many there are before -Skip/-First' {
            $got = @(Get-BillingPeriod -SubscriptionId $subId -Skip 1 -First 2 -IncludeTotalCount)
            $got.Count | Should -Be 3
            $got[0..1].Name | Should -Be @($six[1].Name, $six[2].Name)
            $got[2].PSObject.BaseObject | Should -Be @($sub.legacyBillingPeriods).Count
            $got[2].ToString() | Should -Match "^Total count: $(@($sub.legacyBillingPeriods).Count)"
        }

        It '-Name gets one period (by position too)' {
            $name = $sub.legacyBillingPeriods[3]
            $got = @(Get-BillingPeriod $subId $name)
            $got.Name | Should -Be @($name)
            @($got[0].InvoiceNames).Count | Should -Be 1
        }
    }

    Context 'NextInvoiceDate' {
        It 'periods without an invoice say when it is expected; the earliest is a month after the newest invoice' {
            $periods = @(Get-BillingPeriod -SubscriptionId $subId)
            $pending = @($periods | Where-Object { -not $_.InvoiceNames })
            $pending.Count | Should -BeIn 1, 2 -Because 'the open period, and last month''s until its issue day'
            foreach ($p in $periods) {
                if ($p.InvoiceNames) { $p.NextInvoiceDate | Should -BeNullOrEmpty }
                else { $p.NextInvoiceDate | Should -BeGreaterThan $p.EndDate }
            }
            $mine = @($payg.invoices | Where-Object subscriptionId -EQ $subId)
            ($pending.NextInvoiceDate | Sort-Object)[0] | Should -Be (Get-WorldNextInvoiceDate $mine)
            # The open period: the day after it ends plus the issue lag of the newest invoice (the emulator's: 1 day).
            $open = $periods[0]
            $open.NextInvoiceDate | Should -Be $open.EndDate.AddDays(2)
            ($periods | Out-String -Width 120) | Should -Match ([regex]::Escape($open.NextInvoiceDate.ToString('yyyy-MM-dd')))
        }
    }

    Context 'pipelines' {
        It 'with no subscription named: the six newest of every pay-as-you-go subscription' {
            $got = @(Get-BillingPeriod)
            $got.Count | Should -Be (6 * @($payg.subscriptions).Count)
            $got.SubscriptionId | Select-Object -Unique | Sort-Object | Should -Be ($payg.subscriptions.subscriptionId | Sort-Object)
        }

        It '-First and -Skip apply per subscription, as documented' {
            $got = @(Get-BillingPeriod -Skip 1 -First 2)
            $got.Count | Should -Be (2 * @($payg.subscriptions).Count)
            foreach ($s in $payg.subscriptions) {
                ($got | Where-Object SubscriptionId -EQ $s.subscriptionId).Name | Should -Be @($s.legacyBillingPeriods | Sort-Object -Descending | Select-Object -Skip 1 -First 2)
            }
        }

        It 'Get-BillingSubscription | Get-BillingPeriod binds the subscription id' {
            $got = @(Get-BillingSubscription -BillingAccountName $payg.name | Get-BillingPeriod -First 1)
            $got.Count | Should -Be @($payg.subscriptions).Count
            $got.SubscriptionId | Sort-Object | Should -Be ($payg.subscriptions.subscriptionId | Sort-Object)
        }

        It 'Get-BillingPeriod | Get-BillingInvoice gives exactly the invoices of those periods' {
            $periods = @(Get-BillingPeriod -SubscriptionId $subId -First 4)
            $billed = @($periods | Where-Object InvoiceNames)
            $billed.Count | Should -BeGreaterThan 1
            # Each period's invoice is the subscription's invoice of that period (issue: no hollow legacy objects).
            $expected = foreach ($p in $billed) {
                @($payg.invoices | Where-Object { $_.subscriptionId -eq $subId -and $_.periodStartDate -eq $p.StartDate.ToString('yyyy-MM-dd') }).name
            }
            $got = @($periods | Get-BillingInvoice)
            $got.Name | Sort-Object | Should -Be (@($expected) | Sort-Object)
            $got | ForEach-Object { $_.GetType().FullName | Should -Be 'BillingPowerShell.BillingInvoice' }
        }
    }

    Context 'errors' {
        It 'an unknown period is ObjectNotFound' {
            $got = Get-BillingPeriod -SubscriptionId $subId -Name '199001-1' -ErrorVariable ev -ErrorAction SilentlyContinue
            $got | Should -BeNullOrEmpty
            $ev.Count | Should -Be 1
            $ev[0].FullyQualifiedErrorId | Should -BeLike 'BillingObjectNotFound,*'
            $ev[0].CategoryInfo.Category | Should -Be 'ObjectNotFound'
            $ev[0].ToString() | Should -Not -Match '   at '
        }

        It 'a malformed period name is a parameter validation error that says what is expected, not a regex' {
            $e = try { Get-BillingPeriod -SubscriptionId $subId -Name '2026-01' -ErrorAction Stop; $null } catch { $_ }
            $e.FullyQualifiedErrorId | Should -BeLike 'ParameterArgumentValidationError,*'
            $e.CategoryInfo.Category | Should -Be 'InvalidData'
            $e.Exception.Message | Should -Match 'yyyyMM or yyyyMM-n'
            $e.Exception.Message | Should -Not -Match '\\d|\^|\$\W'
            $e.Exception.Message | Should -Not -Match '\.\.'
        }

        It 'Enterprise Agreement and MCA subscriptions piped in are refused before any request, saying what to use' {
            $subs = @(Get-BillingSubscription)
            $others = @($subs | Where-Object AgreementType -NE 'MicrosoftOnlineServicesProgram')
            $others.Count | Should -BeGreaterThan 0
            $before = (Get-EmulatorStats $emu).totalRequests
            $got = @($others | Get-BillingPeriod -ErrorVariable ev -ErrorAction SilentlyContinue)
            (Get-EmulatorStats $emu).totalRequests | Should -Be $before
            $got | Should -HaveCount 0
            $ev | Should -HaveCount $others.Count
            foreach ($e in $ev) {
                Assert-BillingError $e 'BillingPeriodsNeedPayAsYouGo' 'InvalidArgument'
                $e.Exception.Message | Should -Match 'Get-BillingInvoice'
                $others.SubscriptionId | Should -Contain $e.TargetObject
            }
            # Pay-as-you-go subscriptions in the same pipeline are still listed.
            @($subs | Get-BillingPeriod -First 1 -ErrorAction SilentlyContinue) | Should -HaveCount @($payg.subscriptions).Count
        }

        It 'a malformed subscription id is a parameter validation error before any request' {
            $before = (Get-EmulatorStats $emu).totalRequests
            $e = try { Get-BillingPeriod -SubscriptionId 'abc' -ErrorAction Stop; $null } catch { $_ }
            $e.FullyQualifiedErrorId | Should -BeLike 'ParameterArgumentValidationError,*'
            $e.ToString() | Should -Not -Match '   at '
            (Get-EmulatorStats $emu).totalRequests | Should -Be $before
        }

        It 'an unknown subscription is a not-found error, not a crash' {
            $got = Get-BillingPeriod -SubscriptionId ([guid]::NewGuid()) -ErrorVariable ev -ErrorAction SilentlyContinue
            $got | Should -BeNullOrEmpty
            $ev.Count | Should -Be 1
            $ev[0].CategoryInfo.Category | Should -BeIn @('ObjectNotFound', 'PermissionDenied')
            $ev[0].ToString() | Should -Not -Match '   at '
        }
    }
}
