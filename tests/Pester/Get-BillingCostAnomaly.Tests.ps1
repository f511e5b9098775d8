# Get-BillingCostAnomaly through the real module against the emulator. The world's usage starts on usageDataStart and
# ends yesterday (docs/contracts/EMULATOR_WORLD.md): in a window across its start every group is New (on its own first
# day of cost: a service does not cost something every day in the small world), in a window that ends today every group
# is Removed. Spikes and steady growth are checked against the rules applied here to
# Get-BillingCost's daily cost of the same window (the rules: src/BillingPowerShell.Engine/Costs/README.md,
# "Cost anomalies"); the engine's tests cover each threshold. Plus the view, CSV export, and bad input.

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Import-Module (Join-Path $PSScriptRoot 'UsageTestHelpers.psm1') -Force
    if (-not (Get-Module BillingPowerShell)) { Import-Module (Get-TestModulePath) }
    $ProgressPreference = 'SilentlyContinue'
    $script:emu = Start-TestEmulator
    $null = Connect-BillingAccount -ResourceManagerUrl $emu.ArmUrl -AccessToken $emu.SecureToken
    $script:world = Get-UsageWorld $emu
    $script:eaName = $world.Ea.name
    $script:mcaName = $world.Mca.name
    $script:dataStart = [datetime]::ParseExact($world.Raw.usageDataStart, 'yyyy-MM-dd', [cultureinfo]::InvariantCulture)
    $script:yesterday = $world.Today.AddDays(-1)

    # Each (service, currency)'s cost per day of the window, from Get-BillingCost; days without a row cost 0.
    function script:Get-Series([datetime] $Start, [datetime] $End, [string] $Account = $eaName) {
        $days = ($End - $Start).Days + 1
        $series = @{}
        foreach ($r in Get-BillingCost -BillingAccountName $Account -StartDate $Start -EndDate $End -Granularity Daily -GroupBy ServiceName) {
            $key = "$($r.ServiceName)|$($r.Currency)"
            if (-not $series.ContainsKey($key)) { $series[$key] = [decimal[]]::new($days) }
            $series[$key][($r.Date - $Start).Days] += $r.Cost
        }
        $series
    }

    # The spike and steady-growth rules as the help states them, as "Kind|Name|Currency|yyyy-MM-dd" strings.
    function script:Get-ExpectedAnomaly($Series, [datetime] $Start, [decimal] $Minimum, [decimal] $Percent, [int] $Growth) {
        foreach ($key in $Series.Keys) {
            $c = $Series[$key]; $n = $c.Count
            # The day a new cost first shows is New, not also a spike.
            $newDay = if ($c[0] -eq 0 -and @($c[1..($n - 1)] | Where-Object { $_ -gt $Minimum }).Count) { [Array]::FindIndex($c, [Predicate[decimal]] { param($x) $x -ne 0 }) } else { -1 }
            for ($i = $n - 1; $i -ge 1; $i--) {
                if ($i -eq $newDay) { continue }
                $rise = $c[$i] - $c[$i - 1]
                if ($rise -gt $Minimum -and ($c[$i - 1] -le 0 -or $rise / $c[$i - 1] * 100 -gt $Percent)) { "Spike|$key|$($Start.AddDays($i).ToString('yyyy-MM-dd'))"; break }
            }
            $steady = $n -ge $Growth
            for ($i = $n - $Growth + 1; $steady -and $i -lt $n; $i++) { if ($c[$i] -le $c[$i - 1]) { $steady = $false } }
            if ($steady -and $c[$n - 1] - $c[$n - $Growth] -gt $Minimum) { "SteadyGrowth|$key|$($Start.AddDays($n - 1).ToString('yyyy-MM-dd'))" }
        }
    }

    function script:Format-Anomaly($Anomalies) { @($Anomalies | ForEach-Object { "$($_.Kind)|$($_.Name)|$($_.Currency)|$($_.Date.ToString('yyyy-MM-dd'))" } | Sort-Object) }
}

AfterAll {
    Disconnect-BillingAccount -ErrorAction Ignore
    Stop-TestEmulator $script:emu
}

Describe 'Get-BillingCostAnomaly' {
    BeforeEach { Reset-Emulator $emu }

    It 'flags every service as New on its first day of cost in a window that begins before the world''s usage' {
        $start = $dataStart.AddDays(-1); $end = $dataStart.AddDays(6)
        $found = @(Get-BillingCostAnomaly -BillingAccountName $eaName -GroupBy ServiceName -StartDate $start -EndDate $end -Kind New)
        $series = Get-Series $start $end
        $expected = @($series.Keys | Where-Object { @($series[$_] | Where-Object { $_ -gt 2 }).Count -gt 0 })
        $expected | Should -Not -BeNullOrEmpty
        $found | Should -HaveCount $expected.Count
        foreach ($a in $found) {
            $a.GetType().FullName | Should -Be 'BillingPowerShell.CostAnomaly'
            $a.Kind | Should -Be 'New'
            $c = $series["$($a.Name)|$($a.Currency)"]
            $first = [Array]::FindIndex($c, [Predicate[decimal]] { param($x) $x -ne 0 })
            $first | Should -BeGreaterOrEqual 1 -Because 'the day before usage begins costs nothing'
            $a.Date | Should -Be $start.AddDays($first)
            $a.PreviousCost | Should -Be 0
            $a.Cost | Should -Be $c[$first]
            $a.DailyCosts | Should -HaveCount 8
            $a.GroupBy | Should -Be 'ServiceName'
        }
    }

    It 'flags every service as Removed after its last day of cost when the window ends today, which has no usage yet' {
        $found = @(Get-BillingCostAnomaly -BillingAccountName $mcaName -GroupBy ServiceName -StartDate $world.Today.AddDays(-6) -EndDate $world.Today -Kind Removed)
        Skip-IfDayChanged -WorldToday $world.Today
        $series = Get-Series $world.Today.AddDays(-6) $yesterday $mcaName
        $expected = @($series.Keys | Where-Object { @($series[$_] | Where-Object { $_ -gt 2 }).Count -gt 0 })
        $expected | Should -Not -BeNullOrEmpty
        $found | Should -HaveCount $expected.Count
        @($found.Currency | Sort-Object -Unique) | Should -Be @('GBP', 'USD')
        foreach ($a in $found) {
            $c = $series["$($a.Name)|$($a.Currency)"]
            $last = [Array]::FindLastIndex($c, [Predicate[decimal]] { param($x) $x -ne 0 })
            $a.FromDate | Should -Be $world.Today.AddDays(-6 + $last)
            $a.Date | Should -Be $world.Today.AddDays(-5 + $last)
            $a.PreviousCost | Should -Be $c[$last]
            $a.Cost | Should -Be 0
            $a.Change | Should -Be (-$a.PreviousCost)
        }
    }

    It 'finds the spikes and steady growth the rules find in Get-BillingCost''s daily cost, with the default thresholds' {
        $start = $yesterday.AddDays(-29)
        $found = @(Get-BillingCostAnomaly -BillingAccountName $eaName -GroupBy ServiceName -Kind Spike, SteadyGrowth)
        Skip-IfDayChanged -WorldToday $world.Today
        $found | ForEach-Object { $_.DailyCosts | Should -HaveCount 30; $_.DailyCosts[0].Date | Should -Be $start }
        Format-Anomaly $found | Should -Be @(Get-ExpectedAnomaly (Get-Series $start $yesterday) $start 2 75 7 | Sort-Object)
    }

    It 'lowers the thresholds on request: a rise of any size is a spike, two rising days are growth' {
        $series = Get-Series $yesterday.AddDays(-29) $yesterday
        # The window ends on a day where some service cost more than the day before, so growth fires for it.
        $end = $yesterday
        while (-not @($series.Values | Where-Object { $_[($end - $yesterday).Days + 29] -gt $_[($end - $yesterday).Days + 28] })) { $end = $end.AddDays(-1) }
        $start = $end.AddDays(-9)
        $found = @(Get-BillingCostAnomaly -BillingAccountName $eaName -GroupBy ServiceName -StartDate $start -EndDate $end -MinimumCost 0 -SpikePercent 0 -GrowthDays 2 -Kind Spike, SteadyGrowth)
        $expected = @(Get-ExpectedAnomaly (Get-Series $start $end) $start 0 0 2 | Sort-Object)
        @($expected -like 'SteadyGrowth|*') | Should -Not -BeNullOrEmpty
        Format-Anomaly $found | Should -Be $expected
        $growth = $found | Where-Object Kind -eq SteadyGrowth | Select-Object -First 1
        $growth.Days | Should -Be 2
        $growth.Change | Should -Be ($growth.Cost - $growth.PreviousCost)
    }

    It 'shows date, kind, name and amounts in 120 columns, and exports to CSV' {
        $found = @(Get-BillingCostAnomaly -BillingAccountName $mcaName -GroupBy ServiceName -StartDate $world.Today.AddDays(-6) -EndDate $world.Today)
        $found | Should -Not -BeNullOrEmpty
        $lines = @(($found | Format-Table | Out-String -Width 120) -split "\r?\n" | Where-Object { $_.Trim() })
        $lines[0] | Should -Match '^Date\s+Kind\s+Name\s+PreviousCost\s+Cost\s+Change\s+Currency\s+Days'
        $lines | ForEach-Object { $_.Length | Should -BeLessOrEqual 120 }
        $csv = Join-Path $TestDrive 'anomalies.csv'
        $found | Export-Csv -LiteralPath $csv -NoTypeInformation
        $back = @(Import-Csv -LiteralPath $csv)
        $back | Should -HaveCount $found.Count
        $back[0].Kind | Should -Be ([string]$found[0].Kind)
        $back[0].Name | Should -Be $found[0].Name
    }

    Context 'bad input is refused before any request' {
        It '<Name>' -ForEach @(
            @{ Name = 'a one-day window'; Id = 'WindowTooShort'; Category = 'InvalidArgument'; Call = { Get-BillingCostAnomaly -BillingAccountName $eaName -StartDate $yesterday -EndDate $yesterday } }
            @{ Name = 'a window over a year'; Id = 'WindowTooLong'; Category = 'InvalidArgument'; Call = { Get-BillingCostAnomaly -BillingAccountName $eaName -StartDate $yesterday.AddDays(-400) } }
            @{ Name = 'an end date in the future'; Id = 'EndDateInFuture'; Category = 'InvalidArgument'; Call = { Get-BillingCostAnomaly -BillingAccountName $eaName -EndDate ([DateTime]::UtcNow.Date.AddDays(3)) } }
            @{ Name = 'a negative minimum cost'; Id = 'ParameterArgumentValidationError'; Category = 'InvalidData'; Call = { Get-BillingCostAnomaly -BillingAccountName $eaName -MinimumCost -1 } }
            @{ Name = 'one growth day'; Id = 'ParameterArgumentValidationError'; Category = 'InvalidData'; Call = { Get-BillingCostAnomaly -BillingAccountName $eaName -GrowthDays 1 } }
            @{ Name = 'missing scope'; Id = 'ScopeRequired'; Category = 'InvalidArgument'; Call = { Get-BillingCostAnomaly } }
        ) {
            $err = Get-ErrorFromCommand $Call
            Assert-BillingError $err $Id $Category
            (Get-EmulatorStats $emu).totalRequests | Should -Be 0 -Because 'nothing is sent for bad input'
        }
    }
}
