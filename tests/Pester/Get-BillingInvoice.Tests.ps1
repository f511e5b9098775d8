# Get-BillingInvoice through the real module against the emulator: each agreement type's route (account, profile,
# billing subscription), values from /_emulator/world, date filters (default: the last 12 months), -Latest, -Status,
# -First/-Skip, -Name, pipelines (subscriptions, profiles, accounts, periods) with each invoice emitted once, and errors.

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    if (-not (Get-Module BillingPowerShell)) { Import-Module (Get-TestModulePath) }
    $script:emu = Start-TestEmulator
    $script:world = Get-EmulatorWorld $emu
    Connect-BillingAccount -ResourceManagerUrl $emu.ArmUrl -AccessToken $emu.SecureToken | Out-Null
    $script:payg = $world.accounts | Where-Object agreementType -EQ 'MicrosoftOnlineServicesProgram'
    $script:ea = $world.accounts | Where-Object agreementType -EQ 'EnterpriseAgreement'
    $script:mca = $world.accounts | Where-Object agreementType -EQ 'MicrosoftCustomerAgreement'
    $script:today = [datetime]::ParseExact($world.today, 'yyyy-MM-dd', [Globalization.CultureInfo]::InvariantCulture)
    # Wide enough for the whole generated history.
    $script:wide = @{ PeriodStartDate = $today.AddYears(-5); PeriodEndDate = $today }

    function Get-RequestCount([string] $Route) {
        $r = (Get-EmulatorStats $script:emu).requests
        if ($r.PSObject.Properties[$Route]) { [long]$r.$Route } else { 0 }
    }

}

AfterAll {
    Disconnect-BillingAccount
    Stop-TestEmulator $script:emu
}

Describe 'Get-BillingInvoice' {
    It 'the world has more than 12 months of invoices for each agreement type' {
        @($payg.invoices).Count | Should -BeGreaterThan 12
        @($ea.invoices).Count | Should -BeGreaterThan 12
        @($mca.invoices).Count | Should -BeGreaterThan 12
    }

    Context 'each agreement type, whole history' {
        It 'EA: the account''s invoices match the world' {
            $got = @(Get-BillingInvoice -BillingAccountName $ea.name @wide)
            $got.Name | Sort-Object | Should -Be ($ea.invoices.name | Sort-Object)
            foreach ($i in $got) {
                $w = $ea.invoices | Where-Object name -EQ $i.Name
                $i.Status | Should -Be $w.status
                $i.TotalAmount | Should -Be ([decimal]$w.totalAmount)
                $i.Currency | Should -Be $w.currency
                $i.PeriodStartDate.ToString('yyyy-MM-dd') | Should -Be $w.periodStartDate
                $i.PeriodEndDate.ToString('yyyy-MM-dd') | Should -Be $w.periodEndDate
                $i.BillingAccountName | Should -Be $ea.name
                @($i.Documents).Count | Should -Be @($w.documents).Count
            }
        }

        It 'MCA: the account''s invoices match the world, with their billing profiles' {
            $got = @(Get-BillingInvoice -BillingAccountName $mca.name @wide)
            $got.Name | Sort-Object | Should -Be ($mca.invoices.name | Sort-Object)
            foreach ($i in $got) {
                $w = $mca.invoices | Where-Object name -EQ $i.Name
                $i.BillingProfileName | Should -Be $w.billingProfileName
                $i.TotalAmount | Should -Be ([decimal]$w.totalAmount)
                $i.Status | Should -Be $w.status
            }
        }

        It 'MCA: one profile''s invoices' {
            $p = $mca.billingProfiles[1].name
            $got = @(Get-BillingInvoice -BillingAccountName $mca.name -BillingProfileName $p @wide)
            $got.Name | Sort-Object | Should -Be (@($mca.invoices | Where-Object billingProfileName -EQ $p).name | Sort-Object)
        }

        It 'pay-as-you-go: one subscription''s invoices' {
            $s = $payg.subscriptions[2].subscriptionId
            $got = @(Get-BillingInvoice -SubscriptionId $s @wide)
            $got.Name | Sort-Object | Should -Be (@($payg.invoices | Where-Object subscriptionId -EQ $s).name | Sort-Object)
            foreach ($i in $got) {
                $i.SubscriptionId | Should -Be $s
                $i.TotalAmount | Should -Be ([decimal]($payg.invoices | Where-Object name -EQ $i.Name).totalAmount)
            }
        }

        It 'writes BillingInvoice objects, the type its [OutputType] declares, newest first' {
            (Get-Command Get-BillingInvoice).OutputType.Name | Should -Contain 'BillingPowerShell.BillingInvoice'
            $got = @(Get-BillingInvoice -BillingAccountName $ea.name @wide)
            $got.Count | Should -BeGreaterThan 1 -Because 'the order is checked between invoices'
            foreach ($i in $got) { $i.GetType().FullName | Should -Be 'BillingPowerShell.BillingInvoice' }
            for ($k = 1; $k -lt $got.Count; $k++) { $got[$k].InvoiceDate | Should -BeLessOrEqual $got[$k - 1].InvoiceDate }
        }

        It 'the default view tells invoices of several subscriptions apart (BilledTo) within 120 columns, dates as yyyy-MM-dd' {
            $got = @(Get-BillingSubscription -BillingAccountName $payg.name | Get-BillingInvoice -Latest)
            $got.Count | Should -Be @($payg.subscriptions).Count
            $lines = @(($got | Out-String -Width 120) -split "`r?`n" | Where-Object { $_ })
            $lines[0] | Should -Match '^InvoiceDate\s+Name\s+Status\s+TotalAmount\s+Currency\s+PeriodStartDate\s+BilledTo'
            foreach ($s in $payg.subscriptions) { ($lines -join "`n") | Should -Match ([regex]::Escape($s.subscriptionId)) }
            $lines[2] | Should -Match '^\d{4}-\d{2}-\d{2} '
            $lines | ForEach-Object { $_.Length | Should -BeLessOrEqual 120 }
        }

        It 'with nothing named: every invoice of every account, each once' {
            $got = @(Get-BillingInvoice @wide)
            $all = @($world.accounts | ForEach-Object { $_.invoices })
            $got.Name | Sort-Object | Should -Be ($all.name | Sort-Object)
        }
    }

    Context 'date filters' {
        BeforeAll { $script:eaAll = @(Get-BillingInvoice -BillingAccountName $ea.name @wide) }

        It 'by default: the last 12 months by invoice date' {
            $got = @(Get-BillingInvoice -BillingAccountName $ea.name)
            $from = $today.AddMonths(-12).AddDays(1)   # the 12 months ending today, both ends included
            $expected = @($eaAll | Where-Object { $_.InvoiceDate.Date -ge $from -and $_.InvoiceDate.Date -le $today })
            $got.Name | Should -Be $expected.Name
            $got.Count | Should -BeLessThan $eaAll.Count
            $got.Count | Should -Be 12 -Because 'one EA invoice a month, and the world has issued 13 by today'
        }

        It '-PeriodStartDate/-PeriodEndDate select the invoices dated in the range' {
            $from = $today.AddMonths(-6).Date; $to = $today.AddMonths(-3).Date
            $got = @(Get-BillingInvoice -BillingAccountName $ea.name -PeriodStartDate $from -PeriodEndDate $to)
            $expected = @($eaAll | Where-Object { $_.InvoiceDate.Date -ge $from -and $_.InvoiceDate.Date -le $to })
            $expected.Count | Should -BeGreaterOrEqual 3
            $got.Name | Should -Be $expected.Name
        }

        It '-PeriodStartDate alone runs to today' {
            $from = $today.AddMonths(-2).Date
            $got = @(Get-BillingInvoice -BillingAccountName $mca.name -PeriodStartDate $from)
            $got.Count | Should -BeGreaterThan 0
            $got | ForEach-Object { $_.InvoiceDate.Date | Should -BeGreaterOrEqual $from }
        }

        It '-PeriodEndDate alone starts 12 months before it' {
            $to = $today.AddMonths(-4).Date
            $got = @(Get-BillingInvoice -BillingAccountName $ea.name -PeriodEndDate $to)
            $expected = @($eaAll | Where-Object { $_.InvoiceDate.Date -ge $to.AddMonths(-12).AddDays(1) -and $_.InvoiceDate.Date -le $to })
            $expected.Count | Should -BeGreaterOrEqual 6
            $expected.Count | Should -BeLessThan $eaAll.Count
            $got.Name | Should -Be $expected.Name
        }

        It 'the same typed dates give the same invoices and usage rows in every time zone (UTC+14, UTC-11, UTC)' {
            # .NET reads TZ when the process starts: one child pwsh per zone, each typing the same dates as text.
            $from = $today.AddMonths(-3).ToString('yyyy-MM-dd'); $to = $today.AddMonths(-1).ToString('yyyy-MM-dd')
            $day = $today.AddMonths(-1).ToString('yyyy-MM-02')
            $results = foreach ($tz in 'Pacific/Kiritimati', 'Pacific/Pago_Pago', 'UTC') {
                $r = Invoke-ChildPwsh -TimeoutSeconds 240 -Environment @{
                    TZ = $tz; BPS_TOKEN = $emu.Token; BPS_ARM = $emu.ArmUrl; BILLINGPS_MODULE_PATH = (Get-TestModulePath)
                    BPS_ACCOUNT = $ea.name; BPS_FROM = $from; BPS_TO = $to; BPS_DAY = $day
                } -ScriptBlock {
                    Import-Module $env:BILLINGPS_MODULE_PATH
                    Connect-BillingAccount -ResourceManagerUrl $env:BPS_ARM -AccessToken (ConvertTo-SecureString $env:BPS_TOKEN -AsPlainText -Force) | Out-Null
                    $names = (Get-BillingInvoice -BillingAccountName $env:BPS_ACCOUNT -PeriodStartDate $env:BPS_FROM -PeriodEndDate $env:BPS_TO).Name -join ','
                    $usage = Get-DailyUsage -BillingAccountName $env:BPS_ACCOUNT -StartDate $env:BPS_DAY -EndDate $env:BPS_DAY | Measure-Object Cost -Sum
                    "offset=$([TimeZoneInfo]::Local.BaseUtcOffset.TotalHours)"
                    "RESULT invoices=$names rows=$($usage.Count) cost=$($usage.Sum)"
                }
                $r.ExitCode | Should -Be 0 -Because ($r.Output -join "`n")
                $r.Output | Should -Contain "offset=$(@{ 'Pacific/Kiritimati' = 14; 'Pacific/Pago_Pago' = -11; 'UTC' = 0 }[$tz])" -Because 'the child really ran in that zone'
                @($r.Output | Where-Object { $_ -like 'RESULT *' })[0]
            }
            @($results) | Should -HaveCount 3
            $results[0] | Should -Match 'invoices=EA\w+,EA\w+.* rows=[1-9]'
            $results[1] | Should -Be $results[0]
            $results[2] | Should -Be $results[0]
        }

        It 'a range with no invoices gives nothing and no error' {
            $got = Get-BillingInvoice -BillingAccountName $ea.name -PeriodStartDate '2001-01-01' -PeriodEndDate '2001-12-31' -ErrorVariable ev
            $got | Should -BeNullOrEmpty
            $ev | Should -BeNullOrEmpty
        }

        It 'an end before the start is EndBeforeStart, before any request' {
            $before = (Get-EmulatorStats $emu).totalRequests
            $e = try { Get-BillingInvoice -BillingAccountName $ea.name -PeriodStartDate '2026-05-01' -PeriodEndDate '2026-04-01' -ErrorAction Stop; $null } catch { $_ }
            Assert-BillingError $e 'EndBeforeStart' 'InvalidArgument'
            (Get-EmulatorStats $emu).totalRequests | Should -Be $before
        }

        It 'a start in the future alone is StartDateInFuture, naming only the parameter typed, before any request' {
            $before = (Get-EmulatorStats $emu).totalRequests
            $e = Get-ErrorFromCommand { Get-BillingInvoice -BillingAccountName $ea.name -PeriodStartDate $today.AddDays(1) }
            Assert-BillingError $e 'StartDateInFuture' 'InvalidArgument'
            $e.Exception.Message | Should -Match '-PeriodStartDate'
            $e.Exception.Message | Should -Not -Match '-PeriodEndDate'
            (Get-EmulatorStats $emu).totalRequests | Should -Be $before
        }

        It 'a date that is not a date is a parameter binding error' {
            $e = try { Get-BillingInvoice -PeriodStartDate 'yesterday-ish' -ErrorAction Stop; $null } catch { $_ }
            $e.FullyQualifiedErrorId | Should -BeLike 'CannotConvertArgumentNoMessage,*'
        }
    }

    Context '-Latest, -Status, -First/-Skip' {
        It '-Latest gives the newest invoice of the scope' {
            $all = @(Get-BillingInvoice -BillingAccountName $ea.name @wide)
            $got = @(Get-BillingInvoice -BillingAccountName $ea.name -Latest)
            $got.Name | Should -Be @($all[0].Name)
            $got[0].PeriodEndDate.ToString('yyyy-MM-dd') | Should -Be (($ea.invoices | Sort-Object periodEndDate)[-1].periodEndDate)
        }

        It '-Latest with nothing named gives one per scope (each PAYG subscription, the EA and MCA accounts)' {
            $got = @(Get-BillingInvoice -Latest)
            $got.Count | Should -Be (@($payg.subscriptions).Count + 2)
            ($got | Where-Object BillingAccountName -EQ $ea.name).Count | Should -Be 1
        }

        It '-Status <_> keeps only invoices in that status' -ForEach 'Paid', 'Void', 'Due', 'OverDue' {
            $status = $_
            $got = @(Get-BillingInvoice -BillingAccountName $mca.name -Status $status @wide)
            $expected = @($mca.invoices | Where-Object status -EQ $status)
            $expected.Count | Should -BeGreaterThan 0
            $got.Name | Sort-Object | Should -Be ($expected.name | Sort-Object)
        }

        It '-Status with several values' {
            $got = @(Get-BillingInvoice -BillingAccountName $mca.name -Status Void, Due @wide)
            $got.Name | Sort-Object | Should -Be (@($mca.invoices | Where-Object status -In 'Void', 'Due').name | Sort-Object)
        }

        It 'an unknown -Status is a parameter validation error' {
            $e = try { Get-BillingInvoice -Status 'Lost' -ErrorAction Stop; $null } catch { $_ }
            $e.FullyQualifiedErrorId | Should -BeLike 'ParameterArgumentValidationError,*'
        }

        It '-First 3 gives the three newest' {
            $all = @(Get-BillingInvoice -BillingAccountName $ea.name @wide)
            (Get-BillingInvoice -BillingAccountName $ea.name @wide -First 3).Name | Should -Be $all[0..2].Name
        }

        It '-Skip 2 -First 2 gives the third and fourth newest' {
            $all = @(Get-BillingInvoice -BillingAccountName $ea.name @wide)
            (Get-BillingInvoice -BillingAccountName $ea.name @wide -Skip 2 -First 2).Name | Should -Be $all[2..3].Name
        }

        It '-First applies across the whole pipeline input, not per scope' {
            $got = @(Get-BillingSubscription -BillingAccountName $payg.name | Get-BillingInvoice @wide -First 4)
            $got.Count | Should -Be 4
        }
    }

    Context '-Name' {
        It 'gets one invoice by name for <_>' -ForEach 'EnterpriseAgreement', 'MicrosoftCustomerAgreement' {
            $account = $world.accounts | Where-Object agreementType -EQ $_
            $name = $account.invoices[3].name
            $got = @(Get-BillingInvoice -Name $name -BillingAccountName $account.name)
            $got.Name | Should -Be @($name)
            $got[0].TotalAmount | Should -Be ([decimal]$account.invoices[3].totalAmount)
        }

        It 'gets a pay-as-you-go invoice by name and subscription' {
            $w = $payg.invoices[5]
            $got = @(Get-BillingInvoice -Name $w.name -SubscriptionId $w.subscriptionId)
            $got.Name | Should -Be @($w.name)
        }

        It 'gets an MCA invoice by name alone (the account-independent route)' {
            $w = $mca.invoices[6]
            $got = @(Get-BillingInvoice -Name $w.name)
            $got.Name | Should -Be @($w.name)
            $got[0].BillingProfileName | Should -Be $w.billingProfileName
        }

        It 'gets a pay-as-you-go period''s invoice by -SubscriptionId and -BillingPeriodName: the same invoice as -SubscriptionId gives' {
            $s = $payg.subscriptions[1]
            $period = Get-BillingPeriod -SubscriptionId $s.subscriptionId -Name $s.legacyBillingPeriods[2]
            @($period.InvoiceNames) | Should -HaveCount 1 -Because 'the period is closed and its invoice issued'
            $got = @(Get-BillingInvoice -SubscriptionId $s.subscriptionId -BillingPeriodName $period.Name)
            $w = @($payg.invoices | Where-Object { $_.subscriptionId -eq $s.subscriptionId -and $_.periodStartDate -eq $period.StartDate.ToString('yyyy-MM-dd') })
            $w | Should -HaveCount 1
            $got.Name | Should -Be @($w.name)
            $got[0].Status | Should -Be $w.status
            $got[0].TotalAmount | Should -Be ([decimal]$w.totalAmount)
            $got[0].Currency | Should -Be $w.currency
            $got[0].InvoiceDate.ToString('yyyy-MM-dd') | Should -Be $w.invoiceDate
            $listed = @(Get-BillingInvoice -SubscriptionId $s.subscriptionId @wide | Where-Object Name -EQ $w.name)
            $listed | Should -HaveCount 1
            $got[0].Id | Should -Be $listed[0].Id
        }

        It 'a period whose invoice is not issued yet, or the open period, gives no invoice and no error' {
            $s = $payg.subscriptions[0]
            $open = $s.legacyBillingPeriods[0]
            $got = Get-BillingInvoice -SubscriptionId $s.subscriptionId -BillingPeriodName $open -ErrorVariable ev
            $got | Should -BeNullOrEmpty
            $ev | Should -BeNullOrEmpty
        }

        It 'an unknown invoice is ObjectNotFound' {
            $got = Get-BillingInvoice -Name 'NOSUCHINVOICE' -BillingAccountName $ea.name -ErrorVariable ev -ErrorAction SilentlyContinue
            $got | Should -BeNullOrEmpty
            $ev.Count | Should -Be 1
            Assert-BillingError $ev[0] 'BillingObjectNotFound' 'ObjectNotFound'
        }

        It 'a name that is not an invoice name (<_>) is a parameter validation error' -ForEach '../x', 'a b', '*' {
            $e = try { Get-BillingInvoice -Name $_ -BillingAccountName $ea.name -ErrorAction Stop; $null } catch { $_ }
            $e.FullyQualifiedErrorId | Should -BeLike 'ParameterArgumentValidationError,*'
        }
    }

    Context 'pipelines: each invoice once' {
        It 'Get-BillingSubscription (EA) | Get-BillingInvoice lists the account once and emits each invoice once' {
            # Listed first: Get-BillingSubscription asks for the account's newest invoice itself (its NextInvoiceDate).
            $subscriptions = @(Get-BillingSubscription -BillingAccountName $ea.name)
            $before = Get-RequestCount 'Invoices_ListByBillingAccount'
            $got = @($subscriptions | Get-BillingInvoice @wide)
            $after = Get-RequestCount 'Invoices_ListByBillingAccount'
            @($ea.subscriptions).Count | Should -BeGreaterThan 1
            $got.Name | Sort-Object | Should -Be ($ea.invoices.name | Sort-Object)
            ($got.Name | Select-Object -Unique).Count | Should -Be $got.Count
            ($after - $before) | Should -Be 1
        }

        It 'Get-BillingSubscription (MCA) | Get-BillingInvoice emits each profile''s invoices once' {
            $before = Get-RequestCount 'Invoices_ListByBillingProfile'
            $got = @(Get-BillingSubscription -BillingAccountName $mca.name | Get-BillingInvoice @wide)
            (Get-RequestCount 'Invoices_ListByBillingProfile') - $before | Should -Be @($mca.billingProfiles).Count
            $got.Name | Sort-Object | Should -Be ($mca.invoices.name | Sort-Object)
            ($got.Name | Select-Object -Unique).Count | Should -Be $got.Count
        }

        It 'Get-BillingSubscription (PAYG) | Get-BillingInvoice gives each subscription''s invoices' {
            $got = @(Get-BillingSubscription -BillingAccountName $payg.name | Get-BillingInvoice @wide)
            $got.Name | Sort-Object | Should -Be ($payg.invoices.name | Sort-Object)
        }

        It 'Get-BillingProfile | Get-BillingInvoice gives each profile''s invoices' {
            $got = @(Get-BillingProfile | Get-BillingInvoice @wide)
            $got.Name | Sort-Object | Should -Be ($mca.invoices.name | Sort-Object)
        }

        It 'Get-BillingAccount | Get-BillingInvoice gives every invoice once' {
            $got = @(Get-BillingAccount | Get-BillingInvoice @wide -ErrorVariable ev)
            $ev | Should -BeNullOrEmpty
            $all = @($world.accounts | ForEach-Object { $_.invoices })
            $got.Name | Sort-Object | Should -Be ($all.name | Sort-Object)
        }

        It 'Get-BillingProfile | Get-BillingInvoice -Latest gives the newest invoice of each profile' {
            $got = @(Get-BillingProfile | Get-BillingInvoice -Latest)
            $got.Count | Should -Be @($mca.billingProfiles).Count
            foreach ($i in $got) {
                $newest = @($mca.invoices | Where-Object billingProfileName -EQ $i.BillingProfileName | Sort-Object periodEndDate)[-1]
                $i.Name | Should -Be $newest.name
            }
        }

        It 'Get-BillingPeriod | Get-BillingInvoice gives the invoices of those periods' {
            $periods = @(Get-BillingPeriod -SubscriptionId $payg.subscriptions[0].subscriptionId -First 3)
            $periods | Should -HaveCount 3
            $got = @($periods | Get-BillingInvoice)
            $got | Should -Not -BeNullOrEmpty
            # One invoice per closed period with an invoice, each the subscription's invoice of that period.
            $billed = @($periods | Where-Object InvoiceNames)
            $got | Should -HaveCount $billed.Count
            $sub = $payg.subscriptions[0].subscriptionId
            $expected = foreach ($p in $billed) {
                ($payg.invoices | Where-Object { $_.subscriptionId -eq $sub -and $_.periodStartDate -eq $p.StartDate.ToString('yyyy-MM-dd') }).name
            }
            $got.Name | Sort-Object | Should -Be (@($expected) | Sort-Object)
            $got | ForEach-Object { $_.TotalAmount | Should -BeGreaterThan 0; $_.Status | Should -Not -BeNullOrEmpty }
        }
    }

    Context 'errors' {
        It 'an unknown account is ObjectNotFound' {
            $got = Get-BillingInvoice -BillingAccountName 'no-such-account' -ErrorVariable ev -ErrorAction SilentlyContinue
            $got | Should -BeNullOrEmpty
            Assert-BillingError $ev[0] 'BillingObjectNotFound' 'ObjectNotFound'
        }

        It 'an unknown profile is ObjectNotFound' {
            $got = Get-BillingInvoice -BillingAccountName $mca.name -BillingProfileName 'NO-SUCH-PROF' -ErrorVariable ev -ErrorAction SilentlyContinue
            $got | Should -BeNullOrEmpty
            Assert-BillingError $ev[0] 'BillingObjectNotFound' 'ObjectNotFound'
        }

        It 'a malformed subscription id is a parameter validation error' {
            $e = try { Get-BillingInvoice -SubscriptionId 'nope' -ErrorAction Stop; $null } catch { $_ }
            $e.FullyQualifiedErrorId | Should -BeLike 'ParameterArgumentValidationError,*'
        }

        It 'a token rejected half-way is AuthenticationFailed saying how to connect' {
            try {
                Set-EmulatorFaults $emu @{ revokeTokenAfter = 1 } | Out-Null
                $null = Get-BillingAccount -Name $ea.name
                $got = Get-BillingInvoice -BillingAccountName $ea.name -ErrorVariable ev -ErrorAction SilentlyContinue
            }
            finally { Reset-Emulator $emu | Out-Null }
            $got | Should -BeNullOrEmpty
            Assert-BillingError $ev[0] 'AuthenticationFailed' 'AuthenticationError'
            $ev[0].Exception.Message | Should -Match 'Connect-BillingAccount'
            $ev[0].Exception.Message | Should -Not -Match '\.\.' -Because 'the service''s sentence and ours are joined with one full stop'
        }

        It 'throttling on every call is retried and, when it passes, the listing is complete' {
            try {
                Reset-Emulator $emu | Out-Null
                Set-EmulatorFaults $emu @{ fault429Rate = 0.3; fault429Header = 'rotate'; pathContains = '/invoices' } | Out-Null
                # Fault decisions are per request number: list until some were throttled; every listing must be complete.
                for ($n = 0; $n -lt 8 -and (Get-EmulatorStats $emu).totalFaults -eq 0; $n++) {
                    $got = @(Get-BillingInvoice -BillingAccountName $mca.name @wide)
                    $got.Name | Sort-Object | Should -Be ($mca.invoices.name | Sort-Object)
                }
                $faults = (Get-EmulatorStats $emu).totalFaults
            }
            finally { Reset-Emulator $emu | Out-Null }
            $faults | Should -BeGreaterThan 0
        }
    }
}
