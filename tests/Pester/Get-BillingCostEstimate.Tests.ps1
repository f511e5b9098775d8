# Get-BillingCostEstimate through the real module against the emulator: the open month's charges to date for a scope
# (an object with scope, period start and end, as-of time, cost to date = the sum of the daily costs = the world's
# month-to-date total, currency) and a projected total at least the cost to date; every agreement type, both metrics,
# a scope billed in two currencies, pipeline input, and a missing scope refused before any request.

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Import-Module (Join-Path $PSScriptRoot 'UsageTestHelpers.psm1') -Force
    if (-not (Get-Module BillingPowerShell)) { Import-Module (Get-TestModulePath) }
    $ProgressPreference = 'SilentlyContinue'
    $script:emu = Start-TestEmulator -ExtraArgument '--query-page-size', '10'
    $null = Connect-BillingAccount -ResourceManagerUrl $emu.ArmUrl -AccessToken $emu.SecureToken
    $script:world = Get-UsageWorld $emu
    $script:m0 = Get-MonthStart $world 0
    $script:m0End = $m0.AddMonths(1).AddDays(-1)
    $script:eaName = $world.Ea.name
    $script:mcaName = $world.Mca.name
    $script:paygSub = $world.Payg.subscriptions[0].subscriptionId
    # Usage is known up to yesterday: the days with data so far this month.
    $script:daysWithData = ($world.Today - $m0).Days

    function script:Get-CostSum($Rows) { $t = [decimal]0; foreach ($r in $Rows) { $t += [decimal]$r.Cost }; $t }
    function script:Assert-Estimate($Estimate, [string] $Scope, [string] $Currency, [string] $Metric = 'ActualCost') {
        Skip-IfDayChanged $world.Today
        $Estimate.GetType().FullName | Should -Be 'BillingPowerShell.CostEstimate'
        $Estimate.Scope | Should -Not -BeNullOrEmpty
        $Estimate.PeriodStart | Should -Be $m0
        $Estimate.PeriodEnd | Should -Be $m0End
        ([DateTimeOffset]::UtcNow - $Estimate.AsOf).TotalMinutes | Should -BeLessThan 5
        if ($daysWithData -eq 0) {
            # The 1st of the month: no usage yet, so no currency either; one estimate of nothing.
            $Estimate.Currency | Should -BeNullOrEmpty
            $Estimate.CostToDate | Should -Be 0
            @($Estimate.DailyCosts) | Should -HaveCount 0
            $Estimate.ProjectedTotal | Should -Be 0
            return
        }
        $Estimate.Currency | Should -Be $Currency
        $expected = (Get-ExpectedUsage -World $world -Scope $Scope -Month $m0 -Metric $Metric).Cost[$Currency]
        $Estimate.CostToDate | Should -Be $expected -Because 'the cost to date is the world''s month-to-date total'
        $Estimate.CostToDate | Should -Be (Get-CostSum $Estimate.DailyCosts) -Because 'the cost to date is the sum of the daily costs'
        @($Estimate.DailyCosts) | Should -HaveCount $daysWithData
        $Estimate.DailyCosts | ForEach-Object { $_.Date | Should -BeGreaterOrEqual $m0; $_.Date | Should -BeLessThan $world.Today; $_.Currency | Should -Be $Currency }
        $Estimate.ProjectedTotal | Should -BeGreaterOrEqual $Estimate.CostToDate
        if ($daysWithData -gt 0) {
            # A straight line through the days with data, over the whole month.
            $perDay = $Estimate.CostToDate / [Math]::Max($daysWithData, ($world.Today - $m0).Days)
            [Math]::Abs($Estimate.ProjectedTotal - [Math]::Round($perDay * $m0End.Day, 2)) | Should -BeLessOrEqual 0.01
        }
    }
}

AfterAll {
    Disconnect-BillingAccount -ErrorAction Ignore
    Stop-TestEmulator $script:emu
}

Describe 'Get-BillingCostEstimate' {
    BeforeEach { Reset-Emulator $emu }

    It 'estimates an EA billing account' {
        $e = @(Get-BillingCostEstimate -BillingAccountName $eaName)
        $e | Should -HaveCount 1
        Assert-Estimate $e[0] "/providers/Microsoft.Billing/billingAccounts/$eaName" 'EUR'
        Get-EmulatorStatsCount (Get-EmulatorStats $emu) 'Query_Usage' | Should -Be ([Math]::Max(1, [Math]::Ceiling($daysWithData / 10))) -Because 'the daily costs are paged'
    }

    It 'estimates a pay-as-you-go subscription' {
        $e = Get-BillingCostEstimate -SubscriptionId $paygSub
        Assert-Estimate $e "/subscriptions/$paygSub" 'USD'
    }

    It 'carries its scope as properties that bind by name, and shows as a table within 120 columns' {
        $sub = Get-BillingCostEstimate -SubscriptionId $paygSub
        $sub.SubscriptionId | Should -Be $paygSub
        $sub.BillingAccountName | Should -BeNullOrEmpty
        $sub.DisplayName | Should -BeNullOrEmpty -Because 'a scope typed by id is not looked up'
        $p = $world.Mca.billingProfiles[0]
        $prof = @(Get-BillingCostEstimate -BillingAccountName $mcaName -BillingProfileName $p.name)[0]
        $prof.BillingAccountName | Should -Be $mcaName
        $prof.BillingProfileName | Should -Be $p.name
        $prof.SubscriptionId | Should -BeNullOrEmpty
        $lines = @((@($sub) + @($prof) | Out-String -Width 120) -split "`r?`n" | Where-Object { $_ })
        $lines[0] | Should -Match '^Scope\s+DisplayName\s+PeriodStart\s+PeriodEnd\s+CostToDate\s+ProjectedTotal\s+Currency\s+Days'
        ($lines -join "`n") | Should -Match ([regex]::Escape($paygSub))
        ($lines -join "`n") | Should -Match ([regex]::Escape($p.name))
        $lines | ForEach-Object { $_.Length | Should -BeLessOrEqual 120 }
    }

    It 'shows amounts rounded to their currency''s own decimals (<Currency>: <Shown>)' -ForEach @(
        @{ Currency = 'USD'; Amount = 199.504356; Shown = '199.50' }
        @{ Currency = 'JPY'; Amount = 199.504356; Shown = '200' }
        @{ Currency = 'KWD'; Amount = 199.504356; Shown = '199.504' }
        @{ Currency = $null; Amount = 1234.5; Shown = '1,234.50' }
    ) {
        $formatter = [BillingPowerShell.Formatting.CurrencyAmount]
        $culture = [cultureinfo]::CurrentCulture
        try {
            [cultureinfo]::CurrentCulture = 'en-US'
            $formatter::Format([decimal]$Amount, $Currency) | Should -Be $Shown
            $formatter::WithCode([decimal]$Amount, $Currency) | Should -Be ("$Shown $Currency".Trim())
            $formatter::Format($null, $Currency) | Should -Be ''
        }
        finally { [cultureinfo]::CurrentCulture = $culture }
    }

    It 'estimates an MCA billing profile in its currency' {
        $p = $world.Mca.billingProfiles[1]
        $e = Get-BillingCostEstimate -BillingAccountName $mcaName -BillingProfileName $p.name
        Assert-Estimate $e "/providers/Microsoft.Billing/billingAccounts/$mcaName/billingProfiles/$($p.name)" $p.currency
    }

    It 'estimates an MCA invoice section' {
        $p = $world.Mca.billingProfiles[0]
        $s = $p.invoiceSections[0]
        $e = Get-BillingCostEstimate -BillingAccountName $mcaName -BillingProfileName $p.name -InvoiceSectionName $s.name
        Assert-Estimate $e "/providers/Microsoft.Billing/billingAccounts/$mcaName/billingProfiles/$($p.name)/invoiceSections/$($s.name)" $p.currency
    }

    It 'uses -Metric AmortizedCost' {
        if ($daysWithData -eq 0) { Set-ItResult -Skipped -Because 'on the 1st of the month no usage has a currency yet'; return }
        $actual = Get-BillingCostEstimate -BillingAccountName $eaName
        $amortized = Get-BillingCostEstimate -BillingAccountName $eaName -Metric AmortizedCost
        Assert-Estimate $amortized "/providers/Microsoft.Billing/billingAccounts/$eaName" 'EUR' -Metric AmortizedCost
        # Which is larger depends on the days so far (on the 2nd, one day, they can be equal): the world says.
        $scope = "/providers/Microsoft.Billing/billingAccounts/$eaName"
        $worldActual = (Get-ExpectedUsage -World $world -Scope $scope -Month $m0 -Metric ActualCost).Cost['EUR']
        $worldAmortized = (Get-ExpectedUsage -World $world -Scope $scope -Month $m0 -Metric AmortizedCost).Cost['EUR']
        $actual.CostToDate | Should -Be $worldActual
        [Math]::Sign($amortized.CostToDate - $actual.CostToDate) | Should -Be ([Math]::Sign($worldAmortized - $worldActual))
    }

    It 'gives one estimate per currency for a scope billed in two currencies, never a sum of both' {
        if ($daysWithData -eq 0) { Set-ItResult -Skipped -Because 'on the 1st of the month no usage has a currency yet'; return }
        $e = @(Get-BillingCostEstimate -BillingAccountName $mcaName)
        $e | Should -HaveCount 2
        ($e.Currency | Sort-Object) -join ',' | Should -Be 'GBP,USD'
        foreach ($one in $e) { Assert-Estimate $one "/providers/Microsoft.Billing/billingAccounts/$mcaName" $one.Currency }
    }

    It 'takes subscriptions from Get-BillingSubscription: one estimate each' {
        $subs = @(Get-BillingSubscription | Where-Object BillingAccountName -eq $eaName)
        $subs | Should -HaveCount @($world.Ea.subscriptions).Count
        $e = @($subs | Get-BillingCostEstimate)
        $e | Should -HaveCount $subs.Count
        for ($i = 0; $i -lt $subs.Count; $i++) {
            $e[$i].Scope | Should -Match $subs[$i].SubscriptionId
            $e[$i].DisplayName | Should -Be $subs[$i].DisplayName -Because 'a piped subscription names the estimate as the user knows it'
            Assert-Estimate $e[$i] "/subscriptions/$($subs[$i].SubscriptionId)" 'EUR'
        }
    }

    It 'takes billing profiles from Get-BillingProfile' {
        if ($daysWithData -eq 0) { Set-ItResult -Skipped -Because 'on the 1st of the month no usage has a currency yet'; return }
        $profiles = @(Get-BillingAccount | Where-Object Name -eq $mcaName | Get-BillingProfile)
        $e = @($profiles | Get-BillingCostEstimate)
        $e | Should -HaveCount 2
        foreach ($one in $e) {
            $one.DisplayName | Should -Be ($profiles | Where-Object Name -eq $one.BillingProfileName).DisplayName
            $one.DisplayName | Should -Not -BeNullOrEmpty
        }
        foreach ($p in $world.Mca.billingProfiles) {
            Assert-Estimate ($e | Where-Object Currency -eq $p.currency) "/providers/Microsoft.Billing/billingAccounts/$mcaName/billingProfiles/$($p.name)" $p.currency
        }
    }

    It 'refuses a missing scope before any request: <Name>' -ForEach @(
        @{ Name = 'no scope'; Id = 'ScopeRequired'; Call = { Get-BillingCostEstimate } }
        @{ Name = 'a profile without its account'; Id = 'BillingAccountNameRequired'; Call = { Get-BillingCostEstimate -BillingProfileName 'x' } }
        @{ Name = 'an invoice section without its profile'; Id = 'BillingProfileNameRequired'; Call = { Get-BillingCostEstimate -BillingAccountName $mcaName -InvoiceSectionName 'x' } }
    ) {
        $err = Get-ErrorFromCommand $Call
        Assert-BillingError $err $Id InvalidArgument
        (Get-EmulatorStats $emu).totalRequests | Should -Be 0
    }

    It 'refuses a subscription id that is not a GUID' {
        $err = Get-ErrorFromCommand { Get-BillingCostEstimate -SubscriptionId 'abc' }
        Assert-BillingError $err 'ParameterArgumentValidationError' InvalidData
        (Get-EmulatorStats $emu).totalRequests | Should -Be 0
    }

    It 'reports an unknown billing account as a clear error' {
        $err = Get-ErrorFromCommand { Get-BillingCostEstimate -BillingAccountName '99999999' }
        Assert-BillingError $err 'BillingObjectNotFound' ObjectNotFound
    }
}
