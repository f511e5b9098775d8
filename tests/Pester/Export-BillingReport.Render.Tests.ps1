# The HTML report where a person sees it: rendered in headless Chromium (Debian package chromium; `build.ps1 Render`
# installs it when missing, and without it these tests are skipped, saying so) through DevTools (tools/Chromium.psm1).
# The page makes no network request and no security message (a Content Security Policy violation would be one);
# the chart's bars, as the browser laid them out, carry the days' costs and add up to the world's month total, their
# heights in proportion; the page fits 1280 px without horizontal scrolling; a screenshot is saved under out/.
# A control page with a remote image and a wide block shows the checks can fail.

BeforeDiscovery {
    Import-Module (Join-Path $PSScriptRoot '../../tools/Chromium.psm1') -Force
    $script:noChromium = if (Find-Chromium) { $null } else { 'chromium is not installed: run "dotnet pwsh ./build.ps1 Render" as root (it installs the Debian package chromium), or install it yourself' }
    if ($noChromium) { Write-Warning "Skipped: $noChromium." }
}

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Import-Module (Join-Path $PSScriptRoot 'UsageTestHelpers.psm1') -Force
    Import-Module (Join-Path $PSScriptRoot '../../tools/Chromium.psm1') -Force
    if (-not (Get-Module BillingPowerShell)) { Import-Module (Get-TestModulePath) }
    $ProgressPreference = 'SilentlyContinue'
    $script:chromium = Find-Chromium
    if (-not $chromium) { return }
    $script:emu = Start-TestEmulator
    $null = Connect-BillingAccount -ResourceManagerUrl $emu.ArmUrl -AccessToken $emu.SecureToken
    $script:world = Get-UsageWorld $emu
    $script:m1 = Get-MonthStart $world -1
    $script:work = Join-Path ([IO.Path]::GetTempPath()) ('bps-render-' + [Guid]::NewGuid().ToString('n').Substring(0, 8))
    $null = New-Item -ItemType Directory -Path $work
    $script:outDir = Join-Path (Get-RepoRoot) 'out'
    $null = New-Item -ItemType Directory -Path $outDir -Force
    $script:screenshot = Join-Path $outDir 'report-screenshot.png'
    Remove-Item -LiteralPath $screenshot -ErrorAction Ignore
    $file = Get-BillingAccount | Where-Object AgreementType -eq 'EnterpriseAgreement' | Export-BillingReport -Path (Join-Path $work 'report.html')
    $bars = 'JSON.stringify(Array.from(document.querySelectorAll("svg.chart rect.bar")).map(b => ({day: b.dataset.day, amount: b.dataset.amount, currency: b.dataset.currency, height: b.getBoundingClientRect().height})))'
    $script:page = Invoke-ChromiumPage -Chromium $chromium -Path $file.FullName -Width 1280 -Expression $bars -Screenshot $screenshot
}

AfterAll {
    if ($script:chromium) {
        Disconnect-BillingAccount -ErrorAction Ignore
        Stop-TestEmulator $script:emu
        Remove-Item -LiteralPath $script:work -Recurse -Force -ErrorAction Ignore
    }
}

Describe 'Export-BillingReport rendered in Chromium' -Skip:($null -ne $noChromium) {
    It 'asks for nothing but the page itself and logs no security message' {
        $page.Requests | Should -Be @($page.Url)
        $page.Messages | Should -BeNullOrEmpty
    }

    It 'draws one bar per day whose amounts are the world''s month total, heights in proportion' {
        Skip-IfDayChanged $world.Today
        $bars = @($page.Value)
        $bars | Should -HaveCount $m1.AddMonths(1).AddDays(-1).Day
        $sum = [decimal]0; foreach ($b in $bars) { $sum += [decimal]::Parse($b.amount, [cultureinfo]::InvariantCulture) }
        $sum | Should -Be (Get-ExpectedUsage -World $world -Scope "/providers/Microsoft.Billing/billingAccounts/$($world.Ea.name)" -Month $m1).Cost['EUR']
        @($bars.day) | Should -Be @(0..($bars.Count - 1) | ForEach-Object { $m1.AddDays($_).ToString('yyyy-MM-dd') })
        $tallest = $bars | Sort-Object { [decimal]$_.amount } | Select-Object -Last 1
        $tallest.height | Should -BeGreaterThan 50 -Because 'the tallest bar is drawn, not a sliver'
        foreach ($b in $bars) {
            $expected = [double]$b.amount / [double]$tallest.amount * $tallest.height
            [math]::Abs($b.height - $expected) | Should -BeLessOrEqual 1 -Because "the bar of $($b.day) is as tall as its cost"
        }
    }

    It 'fits 1280 pixels without horizontal scrolling' {
        $page.Width | Should -Be 1280
        $page.ScrollWidth | Should -BeLessOrEqual 1280
    }

    It 'saves a full-page screenshot under out/' {
        $bytes = [IO.File]::ReadAllBytes($screenshot)
        [Text.Encoding]::ASCII.GetString($bytes, 1, 3) | Should -Be 'PNG'
        # The PNG header's IHDR chunk: width and height, big-endian, at bytes 16 and 20.
        $width = ([int]$bytes[16] -shl 24) -bor ([int]$bytes[17] -shl 16) -bor ([int]$bytes[18] -shl 8) -bor [int]$bytes[19]
        $height = ([int]$bytes[20] -shl 24) -bor ([int]$bytes[21] -shl 16) -bor ([int]$bytes[22] -shl 8) -bor [int]$bytes[23]
        $width | Should -Be 1280 -Because 'the PNG is as wide as the window'
        $height | Should -BeGreaterThan 900 -Because 'the whole page, not only the first screen'
    }

    It 'sees a request and a too-wide page when a page has them (the checks can fail)' {
        $control = Join-Path $work 'control.html'
        Set-Content -LiteralPath $control -Value '<!DOCTYPE html><html><body><img src="http://127.0.0.1:9/pixel.png" alt=""><div style="width:2000px">wide</div></body></html>'
        $r = Invoke-ChromiumPage -Chromium $chromium -Path $control -Width 1280
        $r.Requests | Should -Contain 'http://127.0.0.1:9/pixel.png'
        $r.ScrollWidth | Should -BeGreaterThan 1280
    }
}
