<#
Peer table (issue 7), dot-sourced by tools/Bench.ps1 (-Only Peer): the same jobs with our module and with the
official Azure JavaScript SDKs (tests/PeerSdk: @azure/arm-billing 4.1.0, @azure/arm-consumption 9.2.0,
@azure/arm-costmanagement 1.0.0-beta.2, written as a user of those SDKs would: sequential, default settings), against
ONE emulator (seed 42, small world), with the emulator's latency 50 ms on and off.

Uses Bench.ps1's $results, Add-Result, Measure-InPwsh, Start-BenchEmulator, Get-World, $work, $root.
Time scale 0.2: the download operation (10 s in Azure) takes 2 s and the cost report (60 s) 12 s, and every
Retry-After is a whole number of seconds — the SDKs' poller (core-lro 2.7) reads only Retry-After in whole seconds
and treats "0" as absent (2 s default), see docs/contracts/EMULATOR_GAPS.md,
"Retry-After under `--time-scale`: the SDKs poll every 2 s (distorts the peer benchmark)".
Wall times: ours from after Import-Module/Connect-BillingAccount to the end of the pipeline (Measure-InPwsh), the
SDK's from its first SDK call to the end of the job (peer.js wallMs, after Node start-up and module loading).
Peak memory: ours the child pwsh's VmHWM (whole process: PowerShell itself + module), the SDK's
process.resourceUsage().maxRSS (whole node process). Job memory: that peak minus the same process's resident size just
before the job (pwsh with the module imported and connected; node with the SDKs loaded), i.e. what the job itself adds.
#>

$peerDir = Join-Path $root 'tests/PeerSdk'
$stamp = Join-Path $peerDir 'node_modules/.package-lock.json'
if (-not (Test-Path -LiteralPath $stamp) -or (Get-Item (Join-Path $peerDir 'package-lock.json')).LastWriteTimeUtc -gt (Get-Item -Force $stamp).LastWriteTimeUtc) {
    Write-Host 'Peer: npm ci in tests/PeerSdk'
    Push-Location $peerDir
    try { & npm ci --no-audit --no-fund | Out-Host; if ($LASTEXITCODE -ne 0) { throw 'npm ci failed in tests/PeerSdk' } }
    finally { Pop-Location }
}

function Invoke-PeerJob($Emu, [string] $Job, [string[]] $Arguments) {
    # One harness job in its own node process; token through the environment, the emulator's CA through
    # NODE_EXTRA_CA_CERTS (TLS validation stays on).
    $env:PEER_TOKEN = $Emu.Token
    $env:NODE_EXTRA_CA_CERTS = $Emu.CertPath
    try { $lines = & node (Join-Path $peerDir 'peer.js') $Job --arm-url $Emu.ArmUrl @Arguments 2>&1 }
    finally { Remove-Item Env:PEER_TOKEN, Env:NODE_EXTRA_CA_CERTS -ErrorAction Ignore }
    $line = @($lines | Where-Object { "$_".StartsWith('{"job"') })[-1]
    if (-not $line) { throw "peer.js $Job wrote no result:`n$($lines -join "`n")" }
    $r = "$line" | ConvertFrom-Json
    if (-not $r.ok) { Write-Warning "peer.js $Job reported errors: $($r.errors | ConvertTo-Json -Depth 4 -Compress)" }
    $r
}

function Compare-Peer([double] $SdkSeconds, [double] $SdkPeakMB, [double] $SdkStartMB, $Ours) {
    # Time ratio (SDK / ours: above 1 means we are faster), whole-process peak ratio and job-memory ratio (ours / SDK).
    "{0:N2}x faster; peak {1:N2}x, job memory {2:N2}x" -f ($SdkSeconds / $Ours.Seconds), ($Ours.PeakMB / $SdkPeakMB),
        (($Ours.PeakMB - $Ours.StartMB) / [math]::Max(0.1, $SdkPeakMB - $SdkStartMB))
}

function Set-PeerLatency($Emu, [int] $Milliseconds) {
    $null = Invoke-EmulatorAdmin $Emu 'faults' -Method Post -Body @{ latencyMs = $Milliseconds }
}

$peerScale = 0.2
$peerRowsPerDay = 300   # usage rows per subscription-day: a pay-as-you-go month ~9,300 records (10 pages), the EA report ~28,000 rows
$emu = Start-BenchEmulator -TimeScale $peerScale -Extra @('--usage-rows-per-day', "$peerRowsPerDay")
try {
    $world = Get-World $emu
    $pagAccount = $world.accounts | Where-Object { $_.agreementType -eq 'MicrosoftOnlineServicesProgram' } | Select-Object -First 1
    $paygSub = $pagAccount.subscriptions[0].subscriptionId
    $eaName = ($world.accounts | Where-Object { $_.agreementType -eq 'EnterpriseAgreement' } | Select-Object -First 1).name
    $today = [datetime]::ParseExact($world.today, 'yyyy-MM-dd', $inv)
    $first = [datetime]::new($today.Year, $today.Month, 1)
    $from = $first.AddMonths(-12).ToString('yyyy-MM-dd', $inv)
    $to = $today.ToString('yyyy-MM-dd', $inv)
    $pm = $first.AddMonths(-1)
    $pmStart = $pm.ToString('yyyy-MM-dd', $inv); $pmEnd = $first.AddDays(-1).ToString('yyyy-MM-dd', $inv); $pmMonth = $pm.ToString('yyyy-MM', $inv)

    # Our idle footprint for reference: a pwsh with the module imported and connected, doing nothing.
    $idle = Measure-InPwsh $emu '@{}'
    Add-Result 'Peer' 'ours: idle pwsh + module (reference)' $idle.Seconds '' '' $idle.PeakMB

    foreach ($latency in 50, 0) {
        Set-PeerLatency $emu $latency
        $lat = if ($latency) { "latency $latency ms" } else { 'no latency' }

        # 1. A year of invoices of the pay-as-you-go subscriptions, every invoice PDF downloaded.
        $dest = Join-Path $work "peer-ours-inv-$latency"
        $ours = Measure-InPwsh $emu @"
`$f = Get-BillingAccount | Where-Object AgreementType -eq MicrosoftOnlineServicesProgram | Get-BillingSubscription |
    Get-BillingInvoice -PeriodStartDate '$from' -PeriodEndDate '$to' | Where-Object Name -notmatch '^\d{4}-\d{2}-\d{2}-' |
    Save-BillingInvoice -Destination '$dest' -Force -PassThru
@{ Files = @(`$f).Count }
"@
        $sdk = Invoke-PeerJob $emu invoices @('--agreement', 'MicrosoftOnlineServicesProgram', '--from', $from, '--to', $to, '--out', (Join-Path $work "peer-sdk-inv-$latency"))
        $sdkS = $sdk.wallMs / 1000; $sdkMB = [math]::Round($sdk.peakRssBytes / 1MB, 1); $sdkStartMB = [math]::Round($sdk.startRssBytes / 1MB, 1)
        Add-Result 'Peer' "invoices, PAYG year, SDK, $lat" $sdkS "$($sdk.data.downloaded) PDFs" '1.00x' $sdkMB $sdkStartMB
        Add-Result 'Peer' "invoices, PAYG year, ours, $lat" $ours.Seconds "$($ours.Files) PDFs" (Compare-Peer $sdkS $sdkMB $sdkStartMB $ours) $ours.PeakMB $ours.StartMB

        # 2. Usage details of a pay-as-you-go subscription for last month, every page.
        $usageScript = @"
`$s = Get-DailyUsage -SubscriptionId '$paygSub' -StartDate '$pmStart' -EndDate '$pmEnd' -Source UsageDetails | Measure-Object Cost -Sum
@{ Rows = `$s.Count }
"@
        $ours = Measure-InPwsh $emu $usageScript
        $sdk = Invoke-PeerJob $emu usage @('--subscription', $paygSub, '--month', $pmMonth)
        $sdkS = $sdk.wallMs / 1000; $sdkMB = [math]::Round($sdk.peakRssBytes / 1MB, 1); $sdkStartMB = [math]::Round($sdk.startRssBytes / 1MB, 1)
        Add-Result 'Peer' "usage details, PAYG month, SDK, $lat" $sdkS "$($sdk.data.count) records" '1.00x' $sdkMB $sdkStartMB
        Add-Result 'Peer' "usage details, PAYG month, ours, $lat" $ours.Seconds "$($ours.Rows) records" (Compare-Peer $sdkS $sdkMB $sdkStartMB $ours) $ours.PeakMB $ours.StartMB
        # For reference: the same with a 16 MB first-generation GC budget, what .NET picks on a machine with a ~25 MB L3
        # cache (this one reports 260 MB, so .NET lets ~80 MB of garbage build up before its first collection).
        $env:DOTNET_GCgen0size = '0x1000000'
        try { $small = Measure-InPwsh $emu $usageScript } finally { Remove-Item Env:DOTNET_GCgen0size -ErrorAction Ignore }
        Add-Result 'Peer' "usage details, ours, 16 MB gen0 budget, $lat" $small.Seconds "$($small.Rows) records" (Compare-Peer $sdkS $sdkMB $sdkStartMB $small) $small.PeakMB $small.StartMB

        # 3. One cost details report (EA billing account, last month): generate, poll, download and parse its CSV.
        $csv = Join-Path $work "peer-ours-cost-$latency.csv"
        $ours = Measure-InPwsh $emu @"
`$f = Export-DailyUsage -BillingAccountName '$eaName' -StartDate '$pmStart' -EndDate '$pmEnd' -Path '$csv' -Schema Native -Force
@{ Rows = `$f.RowCount }
"@
        $sdk = Invoke-PeerJob $emu costreport @('--scope', "providers/Microsoft.Billing/billingAccounts/$eaName", '--month', $pmMonth, '--out', (Join-Path $work "peer-sdk-cost-$latency"))
        $sdkS = $sdk.wallMs / 1000; $sdkMB = [math]::Round($sdk.peakRssBytes / 1MB, 1); $sdkStartMB = [math]::Round($sdk.startRssBytes / 1MB, 1)
        Add-Result 'Peer' "cost details report, EA month, SDK, $lat" $sdkS "$($sdk.data.rows) rows" '1.00x' $sdkMB $sdkStartMB
        Add-Result 'Peer' "cost details report, EA month, ours, $lat" $ours.Seconds "$($ours.Rows) rows" (Compare-Peer $sdkS $sdkMB $sdkStartMB $ours) $ours.PeakMB $ours.StartMB
    }
    Write-Host ("Peer notes: emulator --seed 42 --size small --time-scale $peerScale (download 2 s, report 12 s, whole-second Retry-After, " +
        "see EMULATOR_GAPS.md 2.2) --usage-rows-per-day $peerRowsPerDay; SDK = tests/PeerSdk (sequential, default settings); " +
        "ours = default settings (Save-BillingInvoice -ThrottleLimit 4). Ratio = SDK time / our time; memory = our peak / SDK peak (whole processes).")
}
finally { Stop-BillingEmulator $emu }
