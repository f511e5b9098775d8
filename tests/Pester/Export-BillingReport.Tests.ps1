# Export-BillingReport through the real module against the emulator: last month's report of an EA enrollment and of
# an MCA account billed in two currencies, as HTML (one SVG chart per currency whose bars carry each day's cost: their
# sum is the world's month total, each bar the Query API's cost of that day) and as Markdown (Mermaid bars); the
# month's invoices from the world; -WhatIf, -Force, and bad input refused before any request.

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Import-Module (Join-Path $PSScriptRoot 'UsageTestHelpers.psm1') -Force
    if (-not (Get-Module BillingPowerShell)) { Import-Module (Get-TestModulePath) }
    $ProgressPreference = 'SilentlyContinue'
    $script:emu = Start-TestEmulator
    $null = Connect-BillingAccount -ResourceManagerUrl $emu.ArmUrl -AccessToken $emu.SecureToken
    $script:world = Get-UsageWorld $emu
    $script:m1 = Get-MonthStart $world -1
    $script:work = Join-Path ([IO.Path]::GetTempPath()) ('bps-report-' + [Guid]::NewGuid().ToString('n').Substring(0, 8))
    $null = New-Item -ItemType Directory -Path $work

    function script:Get-Bars([string] $Html) {
        foreach ($m in [regex]::Matches($Html, '<rect class="bar"[^>]*data-day="([0-9-]+)" data-amount="(-?[0-9.]+)" data-currency="([A-Z]*)"')) {
            [pscustomobject]@{ Day = $m.Groups[1].Value; Amount = [decimal]::Parse($m.Groups[2].Value, [cultureinfo]::InvariantCulture); Currency = $m.Groups[3].Value }
        }
    }
    function script:Assert-Bars($Bars, [string] $Scope, [string[]] $Currency) {
        $days = $m1.AddMonths(1).AddDays(-1).Day
        $expected = (Get-ExpectedUsage -World $world -Scope $Scope -Month $m1).Cost
        @($Bars | Select-Object -ExpandProperty Currency -Unique | Sort-Object) | Should -Be @($Currency | Sort-Object)
        foreach ($c in $Currency) {
            $mine = @($Bars | Where-Object Currency -eq $c)
            $mine | Should -HaveCount $days -Because 'one bar per day of the month'
            $sum = [decimal]0; foreach ($b in $mine) { $sum += $b.Amount }
            $sum | Should -Be $expected[$c] -Because "the bars of $c add up to the world's month total"
        }
    }
}

AfterAll {
    Disconnect-BillingAccount -ErrorAction Ignore
    Stop-TestEmulator $script:emu
    Remove-Item -LiteralPath $script:work -Recurse -Force -ErrorAction Ignore
}

Describe 'Export-BillingReport' {
    BeforeEach { Reset-Emulator $emu }

    It 'writes last month''s HTML report of an EA enrollment piped from Get-BillingAccount' {
        $path = Join-Path $work 'ea.html'
        $file = Get-BillingAccount | Where-Object AgreementType -eq 'EnterpriseAgreement' | Export-BillingReport -Path $path
        Skip-IfDayChanged $world.Today
        $file | Should -BeOfType [IO.FileInfo]
        $file.FullName | Should -Be $path
        $html = Get-Content -LiteralPath $path -Raw
        $html | Should -Match ([regex]::Escape("Billing report: $($m1.ToString('MMMM yyyy', [cultureinfo]::InvariantCulture))"))
        $html | Should -Match 'Fabrikam|Enrollment|8080487|billing account'
        $bars = @(Get-Bars $html)
        Assert-Bars $bars "/providers/Microsoft.Billing/billingAccounts/$($world.Ea.name)" 'EUR'
        # Each bar is the cost of its day, as the Query API (an independent path through the emulator) sums it.
        $daily = Get-BillingCost -BillingAccountName $world.Ea.name -StartDate $m1 -EndDate $m1.AddMonths(1).AddDays(-1) -Granularity Daily
        foreach ($row in $daily) {
            ($bars | Where-Object Day -eq $row.Date.ToString('yyyy-MM-dd')).Amount | Should -Be $row.Cost -Because "the bar of $($row.Date.ToString('yyyy-MM-dd'))"
        }
        $html | Should -Match 'Cost \(EUR\)</text>'
        # The month's invoice (issued on the 2nd of the next month) once the world has issued it.
        foreach ($i in @($world.Ea.invoices | Where-Object { $_.periodStartDate -eq $m1.ToString('yyyy-MM-dd') })) { $html | Should -Match ([regex]::Escape($i.name)) }
        # Month over month and anomalies are computed (by Compare-BillingCost's and Get-BillingCostAnomaly's engines).
        $html | Should -Not -Match 'Not computed'
        $mom = @(Compare-BillingCost -BillingAccountName $world.Ea.name -Month $m1 -GroupBy ServiceName | Where-Object Change -NE 0)
        if ($mom.Count -gt 0) {
            $largest = $mom | Sort-Object { [Math]::Abs($_.Change) } -Descending | Select-Object -First 1
            $section = ($html -split '<h2 id="month-over-month">')[1] -split '<h2' | Select-Object -First 1
            $section | Should -Match ([regex]::Escape([Net.WebUtility]::HtmlEncode($largest.Name))) -Because 'the largest change by service is listed'
        }
        $html | Should -Not -Match '<script|\ssrc=|<link|url\(|https?://' -Because 'the page fetches nothing and links nowhere'
        Get-EmulatorStatsCount (Get-EmulatorStats $emu) 'GenerateCostDetailsReport_CreateOperation' | Should -Be 1 -Because 'the month''s usage is read once'
    }

    It 'gives an MCA account billed in two currencies one chart per currency, never added up' {
        $path = Join-Path $work 'mca.html'
        $null = Export-BillingReport -BillingAccountName $world.Mca.name -Month $m1.ToString('yyyy-MM') -Path $path
        Skip-IfDayChanged $world.Today
        $html = Get-Content -LiteralPath $path -Raw
        Assert-Bars @(Get-Bars $html) "/providers/Microsoft.Billing/billingAccounts/$($world.Mca.name)" 'GBP', 'USD'
        ([regex]::Matches($html, '<svg class="chart"')).Count | Should -Be 2
    }

    It 'writes Markdown with a Mermaid bar chart for job summaries' {
        $path = Join-Path $work 'sub.md'
        $sub = $world.Payg.subscriptions[0].subscriptionId
        $file = Export-BillingReport -SubscriptionId $sub -Month $m1.ToString('yyyyMM') -Path $path
        Skip-IfDayChanged $world.Today
        $md = Get-Content -LiteralPath $file.FullName -Raw
        $md | Should -Match '(?m)^```mermaid\nxychart-beta\n    title "Daily cost in USD"'
        $bar = [regex]::Match($md, '(?m)^    bar \[([^\]]*)\]').Groups[1].Value -split ', '
        $bar | Should -HaveCount $m1.AddMonths(1).AddDays(-1).Day
        $sum = [decimal]0; foreach ($v in $bar) { $sum += [decimal]::Parse($v, [cultureinfo]::InvariantCulture) }
        $expected = (Get-ExpectedUsage -World $world -Scope "/subscriptions/$sub" -Month $m1).Cost['USD']
        [math]::Abs($sum - $expected) | Should -BeLessOrEqual (0.005 * $bar.Count) -Because 'the bars are the days rounded to cents'
        $md | Should -Match '(?m)^## Top resource groups'
    }

    It 'with -WhatIf writes nothing and reads nothing; an existing file needs -Force' {
        $path = Join-Path $work 'whatif.html'
        Export-BillingReport -BillingAccountName $world.Ea.name -Path $path -WhatIf
        Test-Path -LiteralPath $path | Should -BeFalse
        (Get-EmulatorStats $emu).totalRequests | Should -Be 0
        Set-Content -LiteralPath $path -Value 'old'
        $err = Get-ErrorFromCommand { Export-BillingReport -BillingAccountName $world.Ea.name -Path $path }
        Assert-BillingError $err 'FileExists' 'ResourceExists'
        Get-Content -LiteralPath $path -Raw | Should -Match 'old'
        $null = Export-BillingReport -BillingAccountName $world.Ea.name -Path $path -Force
        Get-Content -LiteralPath $path -Raw | Should -Match '<!DOCTYPE html>'
        @(Get-ChildItem -LiteralPath $work -Force -Filter '*.partial') | Should -HaveCount 0
    }

    It 'writes the first of several scopes piped to one -Path and refuses the others, going on' {
        $path = Join-Path $work 'one.html'
        $errs = $null
        $files = @(Get-BillingAccount | Where-Object AgreementType -in 'EnterpriseAgreement', 'MicrosoftCustomerAgreement' | Export-BillingReport -Path $path -ErrorVariable errs -ErrorAction SilentlyContinue)
        $files | Should -HaveCount 1
        @($errs) | Should -HaveCount 1
        Assert-BillingError $errs[0] 'PathAlreadyWritten' 'ResourceExists'
    }

    It 'refuses bad input before any request: <Id>' -ForEach @(
        @{ Id = 'InvalidMonth'; Category = 'InvalidArgument'; Run = { Export-BillingReport -BillingAccountName 'x' -Month 'November' -Path (Join-Path $work 'a.html') } }
        @{ Id = 'MonthInFuture'; Category = 'InvalidArgument'; Run = { Export-BillingReport -BillingAccountName 'x' -Month ($world.Today.AddMonths(2).ToString('yyyy-MM')) -Path (Join-Path $work 'a.html') } }
        @{ Id = 'UnsupportedExtension'; Category = 'InvalidArgument'; Run = { Export-BillingReport -BillingAccountName 'x' -Path (Join-Path $work 'a.pdf') } }
        @{ Id = 'FolderNotFound'; Category = 'ObjectNotFound'; Run = { Export-BillingReport -BillingAccountName 'x' -Path (Join-Path $work 'nowhere/a.html') } }
        @{ Id = 'ScopeRequired'; Category = 'InvalidArgument'; Run = { Export-BillingReport -Path (Join-Path $work 'a.html') } }
    ) {
        Assert-BillingError (Get-ErrorFromCommand $Run) $Id $Category
        (Get-EmulatorStats $emu).totalRequests | Should -Be 0
    }
}
