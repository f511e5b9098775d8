# Fidelity (issue 7): our module and the official Azure JavaScript SDKs (tests/PeerSdk, api-versions Billing
# 2020-05-01, Consumption 2021-10-01, CostManagement 2022-10-01) against ONE emulator (same seed), seeing the same
# accounts, subscriptions, invoices (names, amounts), invoice PDF bytes (SHA-256), pay-as-you-go usage records
# (count and total cost per currency) and cost details report rows and totals. A response the SDK cannot
# deserialize is an emulator bug. Needs node (20) and npm; the harness is installed here with `npm ci` when missing.
# Time scale 0.001 (a 10 ms download operation, 60 ms report) and a 4-month invoice window keep it under ~1 minute.

BeforeDiscovery {
    $script:haveNode = [bool](Get-Command node -CommandType Application -ErrorAction Ignore) -and
        [bool](Get-Command npm -CommandType Application -ErrorAction Ignore)
}

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    if (-not (Get-Module BillingPowerShell)) { Import-Module (Get-TestModulePath) }
    $script:peerDir = (Resolve-Path (Join-Path $PSScriptRoot '../PeerSdk')).Path
    $inv = [Globalization.CultureInfo]::InvariantCulture

    # Install the harness (exact versions from its lock file) when it is missing or older than the lock file.
    $stamp = Join-Path $peerDir 'node_modules/.package-lock.json'
    if (-not (Test-Path -LiteralPath $stamp) -or (Get-Item (Join-Path $peerDir 'package-lock.json')).LastWriteTimeUtc -gt (Get-Item -Force $stamp).LastWriteTimeUtc) {
        Push-Location $peerDir
        try {
            $npmOut = & npm ci --no-audit --no-fund 2>&1
            if ($LASTEXITCODE -ne 0) { throw "npm ci failed in tests/PeerSdk:`n$($npmOut -join "`n")" }
        }
        finally { Pop-Location }
    }

    $script:emu = Start-TestEmulator -TimeScale 0.001
    $script:world = Get-EmulatorWorld $emu
    Connect-BillingAccount -ResourceManagerUrl $emu.ArmUrl -AccessToken $emu.SecureToken | Out-Null
    $script:today = [datetime]::ParseExact($world.today, 'yyyy-MM-dd', $inv)
    $first = [datetime]::new($today.Year, $today.Month, 1)
    $script:from = $first.AddMonths(-3)
    $script:monthStart = $first.AddMonths(-1)
    $script:monthEnd = $first.AddDays(-1)
    $script:month = $monthStart.ToString('yyyy-MM', $inv)
    $script:payg = ($world.accounts | Where-Object agreementType -EQ 'MicrosoftOnlineServicesProgram').subscriptions[0].subscriptionId
    $script:ea = ($world.accounts | Where-Object agreementType -EQ 'EnterpriseAgreement').name

    # One harness job in its own node process; the token goes through the environment, the emulator's certificate
    # is trusted with NODE_EXTRA_CA_CERTS (TLS validation stays on). Returns the job's JSON line.
    function Invoke-Peer([string] $Job, [string[]] $Arguments) {
        $env:PEER_TOKEN = $script:emu.Token
        $env:NODE_EXTRA_CA_CERTS = $script:emu.CertPath
        $errFile = Join-Path $TestDrive "peer-$Job.err"
        try { $lines = & node (Join-Path $script:peerDir 'peer.js') $Job --arm-url $script:emu.ArmUrl @Arguments 2>$errFile }
        finally { Remove-Item Env:PEER_TOKEN, Env:NODE_EXTRA_CA_CERTS -ErrorAction Ignore }
        $line = @($lines | Where-Object { "$_".StartsWith('{') })[-1]
        if (-not $line) { throw "peer.js $Job wrote no JSON (exit $LASTEXITCODE):`n$(Get-Content -Raw $errFile)" }
        $r = $line | ConvertFrom-Json
        # The SDK must have deserialized every response: any failed call is reported in errors[].
        if (-not $r.ok) { throw "peer.js $Job failed: $(($r.errors | ConvertTo-Json -Depth 5 -Compress))" }
        $r
    }
    # A decimal without trailing zeros (4938.297310 and 4938.29731 are the same amount).
    function Format-Dec($Value) { ([decimal]$Value).ToString('0.############################', $inv) }
    # Both lists as one message: what only we have (<=) and what only the SDK has (=>).
    function Compare-Lists($Ours, $Peer) {
        @(Compare-Object @($Ours) @($Peer) | ForEach-Object { "$($_.SideIndicator) $($_.InputObject)" })
    }
    function ConvertTo-Totals($Records) {
        # currency -> decimal sum, as a sorted "CUR=amount" list (decimal, no rounding).
        $t = @{}
        foreach ($r in $Records) { $t[$r.Currency] = [decimal]($t[$r.Currency]) + [decimal]$r.Cost }
        @($t.Keys | Sort-Object | ForEach-Object { '{0}={1}' -f $_, (Format-Dec $t[$_]) })
    }
    function ConvertFrom-PeerTotals($Totals) {
        @($Totals.PSObject.Properties | Sort-Object Name | ForEach-Object { '{0}={1}' -f $_.Name, (Format-Dec ([decimal]::Parse($_.Value, $inv))) })
    }
}

AfterAll {
    Disconnect-BillingAccount -ErrorAction Ignore
    Stop-TestEmulator $script:emu
}

Describe 'Our module and the official SDKs see the same data' -Skip:(-not $haveNode) {
    It 'the same billing accounts and subscriptions' {
        $peer = Invoke-Peer accounts
        $ours = @(Get-BillingAccount)
        $peerAccounts = @($peer.data.accounts | ForEach-Object { "$($_.name)|$($_.agreementType)" } | Sort-Object)
        @($ours | ForEach-Object { "$($_.Name)|$($_.AgreementType)" } | Sort-Object) | Should -Be $peerAccounts
        $peerAccounts.Count | Should -Be @($world.accounts).Count

        $oursSubs = @($ours | Get-BillingSubscription | ForEach-Object { "$($_.BillingAccountName)|$($_.SubscriptionId)" } | Sort-Object)
        $peerSubs = @($peer.data.accounts | ForEach-Object { $a = $_.name; $_.subscriptions | ForEach-Object { "$a|$($_.subscriptionId)" } } | Sort-Object)
        Compare-Lists $oursSubs $peerSubs | Should -BeNullOrEmpty
        $peerSubs.Count | Should -Be @($world.accounts.subscriptions).Count
    }

    It 'the same invoices (names, amounts) and the same PDF bytes' {
        $to = $today.ToString('yyyy-MM-dd', $inv)
        $peer = Invoke-Peer invoices @('--from', $from.ToString('yyyy-MM-dd', $inv), '--to', $to, '--out', (Join-Path $TestDrive 'peer-pdf'))
        $peerInvoices = @($peer.data.invoices)
        $peerInvoices.Count | Should -BeGreaterThan 10

        # Modern invoices only (the legacy pay-as-you-go ones of 2018-03-01-preview have no counterpart in the SDK).
        $ours = @(Get-BillingInvoice -PeriodStartDate $from -PeriodEndDate $today | Where-Object { $_.Name -notmatch '^\d{4}-\d{2}-\d{2}-' })
        Compare-Lists @($ours | ForEach-Object { '{0}|{1}|{2}' -f $_.Name, (Format-Dec $_.TotalAmount), $_.Currency }) `
            @($peerInvoices | ForEach-Object { '{0}|{1}|{2}' -f $_.invoiceName, (Format-Dec $_.amount), $_.currency }) | Should -BeNullOrEmpty

        $dest = Join-Path $TestDrive 'ours-pdf'
        $files = @($ours | Save-BillingInvoice -Destination $dest -Force -PassThru)
        $files.Count | Should -Be $peerInvoices.Count
        $oursSha = @($files | ForEach-Object { '{0}|{1}' -f $_.BaseName, (Get-FileHash -LiteralPath $_.FullName -Algorithm SHA256).Hash.ToLowerInvariant() } | Sort-Object)
        Compare-Lists $oursSha @($peerInvoices | ForEach-Object { '{0}|{1}' -f $_.invoiceName, $_.sha256 }) | Should -BeNullOrEmpty
    }

    It 'the same usage records of a pay-as-you-go subscription month (count, cost per currency)' {
        $peer = Invoke-Peer usage @('--subscription', $payg, '--month', $month)
        $ours = @(Get-DailyUsage -SubscriptionId $payg -StartDate $monthStart -EndDate $monthEnd -Source UsageDetails)
        $peer.data.count | Should -BeGreaterThan 0
        $ours.Count | Should -Be $peer.data.count
        ConvertTo-Totals $ours | Should -Be (ConvertFrom-PeerTotals $peer.data.totalCostByCurrency)
    }

    It 'the same cost details report rows and totals (EA billing account, one month)' {
        $peer = Invoke-Peer costreport @('--scope', "providers/Microsoft.Billing/billingAccounts/$ea", '--month', $month, '--out', (Join-Path $TestDrive 'peer-csv'))
        $peer.data.status | Should -Be 'Completed'
        $ours = @(Get-DailyUsage -BillingAccountName $ea -StartDate $monthStart -EndDate $monthEnd -Source CostDetails)
        $peer.data.rows | Should -BeGreaterThan 0
        $ours.Count | Should -Be $peer.data.rows
        ConvertTo-Totals $ours | Should -Be (ConvertFrom-PeerTotals $peer.data.totalCostByCurrency)
    }
}
