# Get-BillingCost through the real module against the emulator's Query API: Daily, Monthly and None granularity,
# both metrics, -GroupBy ResourceGroup / ServiceName / Tag:<key> (one property per grouping), paging through nextLink
# (the emulator serves 7 rows a page here), timeframes, pipeline input, totals that agree with /_emulator/world and
# with Get-DailyUsage, and bad input refused before any request.

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Import-Module (Join-Path $PSScriptRoot 'UsageTestHelpers.psm1') -Force
    if (-not (Get-Module BillingPowerShell)) { Import-Module (Get-TestModulePath) }
    $ProgressPreference = 'SilentlyContinue'
    $script:emu = Start-TestEmulator -ExtraArgument '--query-page-size', '7'
    $null = Connect-BillingAccount -ResourceManagerUrl $emu.ArmUrl -AccessToken $emu.SecureToken
    $script:world = Get-UsageWorld $emu
    $script:m1 = Get-MonthStart $world -1
    $script:m1End = $m1.AddMonths(1).AddDays(-1)
    $script:m2 = Get-MonthStart $world -2
    $script:eaName = $world.Ea.name
    $script:eaScope = "/providers/Microsoft.Billing/billingAccounts/$eaName"
    $script:mcaName = $world.Mca.name
    $script:mcaScope = "/providers/Microsoft.Billing/billingAccounts/$mcaName"
    $script:paygSub = $world.Payg.subscriptions[0].subscriptionId
    $script:daysInM1 = [DateTime]::DaysInMonth($m1.Year, $m1.Month)
    # The rows behind the totals, to check each group's amount.
    $script:eaRecords = @(Get-DailyUsage -BillingAccountName $eaName -StartDate $m1 -EndDate $m1End)
    # They are themselves the world's rows: a wrong read here would make the group checks below agree with it.
    $eaRecords.Count | Should -Be (Get-ExpectedUsage -World $world -Scope "/providers/Microsoft.Billing/billingAccounts/$eaName" -Month $m1).Rows

    function script:Get-GroupTotal($Records, [scriptblock] $Key) {
        $t = @{}
        foreach ($r in $Records) { $k = [string](& $Key $r); $t[$k] = [decimal]$t[$k] + [decimal]$r.Cost }
        $t
    }
    function script:Get-CostSum($Rows) { $t = [decimal]0; foreach ($r in $Rows) { $t += [decimal]$r.Cost }; $t }
}

AfterAll {
    Disconnect-BillingAccount -ErrorAction Ignore
    Stop-TestEmulator $script:emu
}

Describe 'Get-BillingCost' {
    BeforeEach { Reset-Emulator $emu }

    Context 'granularity and metric' {
        It 'Daily: one row per day of the month, paged through nextLink, summing to the world''s total' {
            $rows = @(Get-BillingCost -BillingAccountName $eaName -StartDate $m1 -EndDate $m1End -Granularity Daily)
            $rows | Should -HaveCount $daysInM1
            $rows[0].GetType().FullName | Should -Be 'BillingPowerShell.CostRow'
            @($rows.Date | Sort-Object -Unique) | Should -HaveCount $daysInM1
            ($rows.Date | Sort-Object)[0] | Should -Be $m1
            ($rows.Date | Sort-Object)[-1] | Should -Be $m1End
            $rows.Currency | Sort-Object -Unique | Should -Be 'EUR'
            $expected = Get-ExpectedUsage -World $world -Scope $eaScope -Month $m1
            Get-CostSum $rows | Should -Be $expected.Cost['EUR']
            Get-EmulatorStatsCount (Get-EmulatorStats $emu) 'Query_Usage' | Should -Be ([math]::Ceiling($daysInM1 / 7)) -Because 'every page is fetched once'
        }

        It 'Daily: each day''s cost equals that day''s usage records' {
            $rows = @(Get-BillingCost -BillingAccountName $eaName -StartDate $m1 -EndDate $m1End)
            $rows | Should -HaveCount $daysInM1
            $byDay = Get-GroupTotal $eaRecords { param($r) $r.Date.ToString('yyyy-MM-dd') }
            foreach ($row in $rows) { $row.Cost | Should -Be $byDay[$row.Date.ToString('yyyy-MM-dd')] -Because "the cost of $($row.Date)" }
        }

        It 'Monthly: one row per month, each the world''s month total' {
            $rows = @(Get-BillingCost -BillingAccountName $eaName -StartDate $m2 -EndDate $m1End -Granularity Monthly | Sort-Object Date)
            $rows | Should -HaveCount 2
            $rows[0].Date | Should -Be $m2
            $rows[1].Date | Should -Be $m1
            $rows[0].Cost | Should -Be (Get-ExpectedUsage -World $world -Scope $eaScope -Month $m2).Cost['EUR']
            $rows[1].Cost | Should -Be (Get-ExpectedUsage -World $world -Scope $eaScope -Month $m1).Cost['EUR']
        }

        It 'None: one row per currency, without a date (MCA account in USD and GBP)' {
            $rows = @(Get-BillingCost -BillingAccountName $mcaName -StartDate $m2 -EndDate $m1End -Granularity None)
            $rows | Should -HaveCount 2
            $rows | ForEach-Object { $_.Date | Should -BeNullOrEmpty }
            $expected = Get-ExpectedUsage -World $world -Scope $mcaScope -Month $m2, $m1
            $actual = @{}; foreach ($r in $rows) { $actual[$r.Currency] = $r.Cost }
            Format-CostTable $actual | Should -Be (Format-CostTable $expected.Cost)
        }

        It 'AmortizedCost: the world''s amortized total, above the actual cost' {
            $amortized = Get-BillingCost -BillingAccountName $eaName -StartDate $m1 -EndDate $m1End -Granularity None -Metric AmortizedCost
            $actual = Get-BillingCost -BillingAccountName $eaName -StartDate $m1 -EndDate $m1End -Granularity None -Metric ActualCost
            $amortized.Cost | Should -Be (Get-ExpectedUsage -World $world -Scope $eaScope -Month $m1 -Metric AmortizedCost).Cost['EUR']
            $amortized.Cost | Should -BeGreaterThan $actual.Cost
        }

        It '-Timeframe TheLastMonth equals last month''s range' {
            $a = Get-BillingCost -BillingAccountName $eaName -Timeframe TheLastMonth -Granularity None
            $a.Cost | Should -Be (Get-ExpectedUsage -World $world -Scope $eaScope -Month $m1).Cost['EUR']
        }

        It '-Timeframe MonthToDate (the default): this month''s days up to yesterday, the world''s month-to-date total' {
            $rows = @(Get-BillingCost -BillingAccountName $eaName)
            $m0 = Get-MonthStart $world 0
            $rows | Should -HaveCount ($world.Today - $m0).Days
            # foreach, not $rows.Date | ForEach-Object: on the 1st there are no rows, and $null piped runs the block once.
            foreach ($r in $rows) { $r.Date | Should -BeGreaterOrEqual $m0; $r.Date | Should -BeLessThan $world.Today }
            # [decimal]: on the 1st of the month there is no usage yet, and no EUR total (0).
            Get-CostSum $rows | Should -Be ([decimal](Get-ExpectedUsage -World $world -Scope $eaScope -Month $m0).Cost['EUR'])
        }
    }

    Context '-GroupBy' {
        It 'an unknown grouping is refused saying which groupings exist, not with a regex' {
            $e = try { Get-BillingCost -BillingAccountName $eaName -GroupBy Colour -ErrorAction Stop; $null } catch { $_ }
            $e.FullyQualifiedErrorId | Should -BeLike 'ParameterArgumentValidationError,*'
            $e.Exception.Message | Should -Match 'ResourceGroup, ResourceGroupName, ServiceName'
            $e.Exception.Message | Should -Match 'Tag:costcenter'
            $e.Exception.Message | Should -Not -Match '\^\(|\[\^'
        }

        It 'ResourceGroup: a ResourceGroupName property per row, each group''s amount equal to its usage records' {
            $rows = @(Get-BillingCost -BillingAccountName $eaName -StartDate $m1 -EndDate $m1End -Granularity None -GroupBy ResourceGroup)
            $expected = Get-GroupTotal $eaRecords { param($r) $r.ResourceGroup }
            $rows | Should -HaveCount $expected.Count
            $rows[0].PSObject.Properties.Name | Should -Contain 'ResourceGroupName'
            $rows[0].PSObject.TypeNames[0] | Should -Be 'BillingPowerShell.CostRow#Grouped'
            foreach ($r in $rows) { $r.Cost | Should -Be $expected[$r.ResourceGroupName] -Because "group $($r.ResourceGroupName)" }
            Get-CostSum $rows | Should -Be (Get-ExpectedUsage -World $world -Scope $eaScope -Month $m1).Cost['EUR']
        }

        It 'ServiceName: a ServiceName property per row, each the cost of that meter category' {
            $rows = @(Get-BillingCost -BillingAccountName $eaName -StartDate $m1 -EndDate $m1End -Granularity None -GroupBy ServiceName)
            $expected = Get-GroupTotal $eaRecords { param($r) $r.MeterCategory }
            $rows | Should -HaveCount $expected.Count
            foreach ($r in $rows) { $r.ServiceName | Should -Not -BeNullOrEmpty; $r.Cost | Should -Be $expected[$r.ServiceName] }
        }

        It 'Tag:env: a Tag_env property per row, each the cost of that tag value (formula text kept as it is)' {
            $rows = @(Get-BillingCost -BillingAccountName $eaName -StartDate $m1 -EndDate $m1End -Granularity None -GroupBy Tag:env)
            $expected = Get-GroupTotal $eaRecords { param($r) $r.Tags['env'] }
            $rows | Should -HaveCount $expected.Count
            $rows.Tag_env | Should -Contain "=cmd|' /C calc'!A0"
            foreach ($r in $rows) { $r.Cost | Should -Be $expected[$r.Tag_env] -Because "tag value $($r.Tag_env)" }
            $rows[0].Group['Tag:env'] | Should -Be $rows[0].Tag_env
        }

        It 'two groupings with Daily granularity: both properties on every row, paged, summing to the total' {
            $rows = @(Get-BillingCost -BillingAccountName $eaName -StartDate $m1 -EndDate $m1End -GroupBy ResourceGroup, Tag:team)
            $expected = Get-GroupTotal $eaRecords { param($r) '{0:yyyy-MM-dd}|{1}|{2}' -f $r.Date, $r.ResourceGroup, $r.Tags['team'] }
            $rows | Should -HaveCount $expected.Count
            foreach ($r in $rows) {
                $r.ResourceGroupName | Should -Not -BeNullOrEmpty
                $r.Tag_team | Should -Not -BeNullOrEmpty
                $r.Cost | Should -Be $expected[('{0:yyyy-MM-dd}|{1}|{2}' -f $r.Date, $r.ResourceGroupName, $r.Tag_team)]
            }
            Get-EmulatorStatsCount (Get-EmulatorStats $emu) 'Query_Usage' | Should -Be ([math]::Ceiling($expected.Count / 7))
        }
    }

    Context 'pipeline input' {
        It 'takes subscriptions from Get-BillingSubscription: one row per subscription, the world''s totals' {
            $subs = @(Get-BillingSubscription | Where-Object BillingAccountName -eq $eaName)
            $subs | Should -HaveCount @($world.Ea.subscriptions).Count
            $rows = @($subs | Get-BillingCost -StartDate $m1 -EndDate $m1End -Granularity None)
            $rows | Should -HaveCount $subs.Count
            for ($i = 0; $i -lt $subs.Count; $i++) {
                $rows[$i].Scope | Should -Match $subs[$i].SubscriptionId
                $rows[$i].SubscriptionId | Should -Be $subs[$i].SubscriptionId -Because 'each row says its scope as a property that binds by name'
                $rows[$i].Cost | Should -Be (Get-ExpectedUsage -World $world -Scope "/subscriptions/$($subs[$i].SubscriptionId)" -Month $m1).Cost['EUR']
            }
        }

        It 'takes billing profiles from Get-BillingProfile: one currency each' {
            $rows = @(Get-BillingAccount | Where-Object Name -eq $mcaName | Get-BillingProfile | Get-BillingCost -StartDate $m1 -EndDate $m1End -Granularity None)
            $rows | Should -HaveCount 2
            ($rows.Currency | Sort-Object) -join ',' | Should -Be 'GBP,USD'
            foreach ($p in $world.Mca.billingProfiles) {
                ($rows | Where-Object Currency -eq $p.currency).Cost |
                    Should -Be (Get-ExpectedUsage -World $world -Scope "$mcaScope/billingProfiles/$($p.name)" -Month $m1).Cost[$p.currency]
            }
        }

        It 'takes a pay-as-you-go subscription by id' {
            $row = Get-BillingCost -SubscriptionId $paygSub -StartDate $m1 -EndDate $m1End -Granularity None
            $row.Cost | Should -Be (Get-ExpectedUsage -World $world -Scope "/subscriptions/$paygSub" -Month $m1).Cost['USD']
            $row.Currency | Should -Be 'USD'
        }
    }

    Context 'bad input is refused before any request' {
        It '<Name>' -ForEach @(
            @{ Name = 'end before start'; Id = 'EndBeforeStart'; Category = 'InvalidArgument'; Call = { Get-BillingCost -BillingAccountName $eaName -StartDate $m1End -EndDate $m1 } }
            @{ Name = 'start date in the future'; Id = 'StartDateInFuture'; Category = 'InvalidArgument'; Call = { Get-BillingCost -BillingAccountName $eaName -StartDate ([DateTime]::UtcNow.Date.AddDays(2)) -EndDate ([DateTime]::UtcNow.Date.AddDays(3)) } }
            @{ Name = 'end date in the future'; Id = 'EndDateInFuture'; Category = 'InvalidArgument'; Call = { Get-BillingCost -BillingAccountName $eaName -StartDate $m1 -EndDate ([DateTime]::UtcNow.Date.AddDays(3)) } }
            @{ Name = 'missing scope'; Id = 'ScopeRequired'; Category = 'InvalidArgument'; Call = { Get-BillingCost -Timeframe TheLastMonth } }
            @{ Name = 'an invoice section without its profile'; Id = 'BillingProfileNameRequired'; Category = 'InvalidArgument'; Call = { Get-BillingCost -BillingAccountName $mcaName -InvoiceSectionName 'x' } }
            @{ Name = 'an unknown grouping'; Id = 'ParameterArgumentValidationError'; Category = 'InvalidData'; Call = { Get-BillingCost -BillingAccountName $eaName -GroupBy Colour } }
            @{ Name = 'three groupings'; Id = 'ParameterArgumentValidationError'; Category = 'InvalidData'; Call = { Get-BillingCost -BillingAccountName $eaName -GroupBy ResourceGroup, ServiceName, Location } }
            @{ Name = 'an unknown granularity'; Id = 'ParameterArgumentValidationError'; Category = 'InvalidData'; Call = { Get-BillingCost -BillingAccountName $eaName -Granularity Hourly } }
            @{ Name = 'a timeframe with dates'; Id = 'AmbiguousParameterSet'; Category = 'InvalidArgument'; Call = { Get-BillingCost -BillingAccountName $eaName -Timeframe TheLastMonth -StartDate $m1 } }
        ) {
            $err = Get-ErrorFromCommand $Call
            Assert-BillingError $err $Id $Category
            (Get-EmulatorStats $emu).totalRequests | Should -Be 0 -Because 'nothing is sent for bad input'
        }
    }
}
