# Compare-BillingCost through the real module against the emulator's Query API: month over month by service and by
# resource group, totals that agree with /_emulator/world per currency (never added across currencies), each group's
# costs equal to Get-BillingCost's, new and vanished groups at the edge of the world's usage, day ranges, the 120-column
# view, pipeline input, and bad input refused before any request.

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Import-Module (Join-Path $PSScriptRoot 'UsageTestHelpers.psm1') -Force
    if (-not (Get-Module BillingPowerShell)) { Import-Module (Get-TestModulePath) }
    $ProgressPreference = 'SilentlyContinue'
    $script:emu = Start-TestEmulator
    $null = Connect-BillingAccount -ResourceManagerUrl $emu.ArmUrl -AccessToken $emu.SecureToken
    $script:world = Get-UsageWorld $emu
    $script:m1 = Get-MonthStart $world -1
    $script:m2 = Get-MonthStart $world -2
    $script:eaName = $world.Ea.name
    $script:eaScope = "/providers/Microsoft.Billing/billingAccounts/$eaName"
    $script:mcaName = $world.Mca.name
    $script:mcaScope = "/providers/Microsoft.Billing/billingAccounts/$mcaName"
    $script:dataStart = [datetime]::ParseExact($world.Raw.usageDataStart, 'yyyy-MM-dd', [cultureinfo]::InvariantCulture)

    function script:Get-Total($Changes, [string] $Property) {
        $t = @{}
        foreach ($c in $Changes) { $t[$c.Currency] = [decimal]$t[$c.Currency] + [decimal]$c.$Property }
        $t
    }
    function script:Get-MonthByGroup([datetime] $Month, [string] $GroupBy, [string] $Property) {
        $t = @{}
        foreach ($r in Get-BillingCost -BillingAccountName $eaName -StartDate $Month -EndDate $Month.AddMonths(1).AddDays(-1) -Granularity None -GroupBy $GroupBy) {
            $t[[string]$r.$Property] = [decimal]$r.Cost
        }
        $t
    }
}

AfterAll {
    Disconnect-BillingAccount -ErrorAction Ignore
    Stop-TestEmulator $script:emu
}

Describe 'Compare-BillingCost' {
    BeforeEach { Reset-Emulator $emu }

    Context 'month over month' {
        It 'by default compares last month with the month before, by service, with the world''s totals' {
            $changes = @(Compare-BillingCost -BillingAccountName $eaName)
            $changes[0].GetType().FullName | Should -Be 'BillingPowerShell.CostChange'
            $changes | ForEach-Object {
                $_.ReferenceStart | Should -Be $m2
                $_.DifferenceStart | Should -Be $m1
                $_.DifferenceEnd | Should -Be $m1.AddMonths(1).AddDays(-1)
                $_.GroupBy | Should -Be 'ServiceName'
                $_.Currency | Should -Be 'EUR'
            }
            Format-CostTable (Get-Total $changes ReferenceCost) | Should -Be (Format-CostTable (Get-ExpectedUsage -World $world -Scope $eaScope -Month $m2).Cost)
            Format-CostTable (Get-Total $changes DifferenceCost) | Should -Be (Format-CostTable (Get-ExpectedUsage -World $world -Scope $eaScope -Month $m1).Cost)
            Get-EmulatorStatsCount (Get-EmulatorStats $emu) 'Query_Usage' | Should -Be 2 -Because 'one query per period'
        }

        It 'gives each resource group its cost of both months, the change, its percent and its shares' {
            $changes = @(Compare-BillingCost -BillingAccountName $eaName -Month $m1 -GroupBy ResourceGroup)
            $before = Get-MonthByGroup $m2 ResourceGroup ResourceGroupName
            $after = Get-MonthByGroup $m1 ResourceGroup ResourceGroupName
            $changes | Should -HaveCount $after.Count
            $netChange = (Get-Total $changes Change)['EUR']
            foreach ($c in $changes) {
                $c.GroupBy | Should -Be 'ResourceGroupName'
                $c.ReferenceCost | Should -Be $before[$c.Name] -Because "$($c.Name) in $($m2.ToString('yyyy-MM'))"
                $c.DifferenceCost | Should -Be $after[$c.Name] -Because "$($c.Name) in $($m1.ToString('yyyy-MM'))"
                $c.Change | Should -Be ($c.DifferenceCost - $c.ReferenceCost)
                $c.ChangePercent | Should -Be ([math]::Round($c.Change / $c.ReferenceCost * 100, 2))
                $c.Share | Should -Be ([math]::Round($c.DifferenceCost / (Get-Total $changes DifferenceCost)['EUR'] * 100, 2))
                if ($netChange -ne 0) { $c.ShareOfChange | Should -Be ([math]::Round($c.Change / $netChange * 100, 2)) }
                $c.Status | Should -Be $(if ($c.Change -gt 0) { 'Increased' } elseif ($c.Change -lt 0) { 'Decreased' } else { 'Unchanged' })
            }
        }

        It 'keeps each currency apart: an MCA account in USD and GBP gives one object per group and currency' {
            $changes = @(Compare-BillingCost -BillingAccountName $mcaName -Month $m1 -ReferenceMonth $m2)
            @($changes.Currency | Sort-Object -Unique) | Should -Be @('GBP', 'USD')
            @($changes | Group-Object Name, Currency | Where-Object Count -gt 1) | Should -HaveCount 0
            Format-CostTable (Get-Total $changes DifferenceCost) | Should -Be (Format-CostTable (Get-ExpectedUsage -World $world -Scope $mcaScope -Month $m1).Cost)
            Format-CostTable (Get-Total $changes ReferenceCost) | Should -Be (Format-CostTable (Get-ExpectedUsage -World $world -Scope $mcaScope -Month $m2).Cost)
            foreach ($currency in 'GBP', 'USD') {
                $shares = [decimal]0; foreach ($c in $changes | Where-Object Currency -eq $currency) { $shares += $c.Share }
                [math]::Abs($shares - 100) | Should -BeLessThan 0.1 -Because "the shares of $currency add up to its own total"
            }
        }

        It 'marks every group New against a month before the world''s usage began, and Removed the other way round' {
            $before = $dataStart.AddMonths(-1)
            $new = @(Compare-BillingCost -BillingAccountName $eaName -Month $dataStart -ReferenceMonth $before)
            $new | Should -Not -BeNullOrEmpty
            $new | ForEach-Object { $_.Status | Should -Be 'New'; $_.ReferenceCost | Should -Be 0; $_.ChangePercent | Should -BeNullOrEmpty }
            $gone = @(Compare-BillingCost -BillingAccountName $eaName -Month $before -ReferenceMonth $dataStart)
            $gone | ForEach-Object { $_.Status | Should -Be 'Removed'; $_.DifferenceCost | Should -Be 0; $_.ChangePercent | Should -Be -100 }
            ($gone.Name | Sort-Object) | Should -Be ($new.Name | Sort-Object)
        }

        It 'takes the objects of Get-BillingAccount from the pipeline' {
            $changes = @(Get-BillingAccount -BillingAccountName $eaName | Compare-BillingCost -Month $m1)
            Format-CostTable (Get-Total $changes DifferenceCost) | Should -Be (Format-CostTable (Get-ExpectedUsage -World $world -Scope $eaScope -Month $m1).Cost)
            $changes[0].BillingAccountName | Should -Be $eaName
        }

        It 'shows name, currency, both costs, the change and the status in 120 columns' {
            $changes = @(Compare-BillingCost -BillingAccountName $mcaName -Month $m1)
            $lines = @(($changes | Format-Table | Out-String -Width 120) -split "\r?\n" | Where-Object { $_.Trim() })
            $lines[0] | Should -Match '^Name\s+Currency\s+ReferenceCost\s+DifferenceCost\s+Change\s+Change%\s+Status'
            $lines | ForEach-Object { $_.Length | Should -BeLessOrEqual 120 }
            $lines | Where-Object { $_ -match [regex]::Escape($changes[0].Name) -and $_ -match $changes[0].Currency } | Should -Not -BeNullOrEmpty
        }
    }

    Context 'day ranges' {
        It 'compares two ranges; the reference range is as long as the other when its end is left out' {
            $end = $m1.AddDays(9)
            $changes = @(Compare-BillingCost -BillingAccountName $eaName -StartDate $m1 -EndDate $end -ReferenceStartDate $m2)
            $changes | ForEach-Object { $_.ReferenceEnd | Should -Be $m2.AddDays(9); $_.DifferenceEnd | Should -Be $end }
            $expected = [decimal]0
            foreach ($r in Get-BillingCost -BillingAccountName $eaName -StartDate $m1 -EndDate $end -Granularity None) { $expected += $r.Cost }
            (Get-Total $changes DifferenceCost)['EUR'] | Should -Be $expected
        }
    }

    Context 'bad input is refused before any request' {
        It '<Name>' -ForEach @(
            @{ Name = 'a month in the future'; Id = 'MonthInFuture'; Category = 'InvalidArgument'; Call = { Compare-BillingCost -BillingAccountName $eaName -Month ([DateTime]::UtcNow.Date.AddMonths(2)) } }
            @{ Name = 'a reference month in the future'; Id = 'ReferenceMonthInFuture'; Category = 'InvalidArgument'; Call = { Compare-BillingCost -BillingAccountName $eaName -ReferenceMonth ([DateTime]::UtcNow.Date.AddMonths(2)) } }
            @{ Name = 'a reference start in the future'; Id = 'StartDateInFuture'; Category = 'InvalidArgument'; Call = { Compare-BillingCost -BillingAccountName $eaName -StartDate $m1 -ReferenceStartDate ([DateTime]::UtcNow.Date.AddDays(3)) } }
            @{ Name = 'a reference end before its start'; Id = 'EndBeforeStart'; Category = 'InvalidArgument'; Call = { Compare-BillingCost -BillingAccountName $eaName -StartDate $m1 -ReferenceStartDate $m1 -ReferenceEndDate $m2 } }
            @{ Name = 'a period over a year'; Id = 'PeriodTooLong'; Category = 'InvalidArgument'; Call = { Compare-BillingCost -BillingAccountName $eaName -StartDate $m1.AddMonths(-13) -EndDate $m1 -ReferenceStartDate $m2 } }
            @{ Name = 'missing scope'; Id = 'ScopeRequired'; Category = 'InvalidArgument'; Call = { Compare-BillingCost } }
            @{ Name = 'an unknown grouping'; Id = 'ParameterArgumentValidationError'; Category = 'InvalidData'; Call = { Compare-BillingCost -BillingAccountName $eaName -GroupBy Colour } }
            @{ Name = 'months with dates'; Id = 'AmbiguousParameterSet'; Category = 'InvalidArgument'; Call = { Compare-BillingCost -BillingAccountName $eaName -Month $m1 -StartDate $m1 -ReferenceStartDate $m2 } }
        ) {
            $err = Get-ErrorFromCommand $Call
            Assert-BillingError $err $Id $Category
            (Get-EmulatorStats $emu).totalRequests | Should -Be 0 -Because 'nothing is sent for bad input'
        }
    }
}
