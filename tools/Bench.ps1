<#
.SYNOPSIS
    Benchmarks (build.ps1 Bench): invoices, export, import and paging, measured against the emulator.
.DESCRIPTION
    Each measurement runs in a fresh pwsh that imports the built module, so its peak working set (VmHWM) is the
    command's own. Figures are ratios against the baselines the issues name. Prints a markdown table and writes it to
    out/bench.md. Not a test: nothing here asserts a time.
      -Only Invoices|Export|Import|Reader|Paging|Peer|Receive|Backfill|Report|Parquet   runs a subset (Backfill is not in the default set).
    Receive (issue 12): Receive-BillingExport of a 1 GB export run in 8 partitions from Azurite against the same files
    fetched one after another by curl, and its peak memory for a 100 MB run against the 1 GB run.
    Baseline: -BaselineCommit names a commit (default: the last one whose usage engine had its own CSV tokenizer, before
    CsvHelper). Its module is built from a detached worktree under out/bench and measured beside this one in the same
    run (Export Normalized, Import, and the engine's reader alone); without the commit in the clone's history (a
    shallow clone) those rows are left out with a warning.
#>
[CmdletBinding()]
param(
    [ValidateSet('Invoices', 'Export', 'Import', 'Reader', 'Paging', 'Peer', 'Receive', 'Backfill', 'Report', 'Parquet')]
    [string[]] $Only = @('Invoices', 'Export', 'Import', 'Reader', 'Paging', 'Peer', 'Receive', 'Report', 'Parquet'),
    # The commit measured beside this one (issue 14: today's reader, before CsvHelper).
    [string] $BaselineCommit = '2b1dea5',
    # Rows of the large export/import (the issue: 1,000,000); smaller for a quick look.
    [int] $Rows = 1000000
)
$ErrorActionPreference = 'Stop'
$ProgressPreference = 'SilentlyContinue'
Import-Module (Join-Path $PSScriptRoot 'Emulator.psm1') -Force
$root = Get-RepoRoot
$module = if ($env:BILLINGPS_MODULE_PATH) { $env:BILLINGPS_MODULE_PATH } else { Get-BuiltModulePath }
$work = Join-Path $root 'out/bench'
if (Test-Path $work) { Remove-Item $work -Recurse -Force }
$null = New-Item -ItemType Directory -Path $work -Force
$certDir = Join-Path $work 'cert'
$results = [Collections.Generic.List[object]]::new()
$inv = [Globalization.CultureInfo]::InvariantCulture

function Measure-InPwsh {
    <#
    Runs $Script in a fresh pwsh with the module imported and connected to $Emu; the script's last output is the
    measured result (hashtable). Returns it with Seconds, PeakMB (the child's VmHWM) and StartMB (its VmRSS just before
    the script: pwsh with the module imported and connected) added.
    #>
    param($Emu, [string] $Script, [string] $Module = $module)
    $child = @"
`$ErrorActionPreference = 'Stop'
`$ProgressPreference = 'SilentlyContinue'
Import-Module '$Module'
`$null = Connect-BillingAccount -ResourceManagerUrl '$($Emu.ArmUrl)' -AccessToken (ConvertTo-SecureString `$env:BENCH_TOKEN -AsPlainText -Force)
`$rss0 = (Get-Content /proc/`$PID/status | Where-Object { `$_ -like 'VmRSS:*' }) -replace '[^0-9]', ''
`$sw = [Diagnostics.Stopwatch]::StartNew()
`$r = & { $Script }
`$sw.Stop()
`$hwm = (Get-Content /proc/`$PID/status | Where-Object { `$_ -like 'VmHWM:*' }) -replace '[^0-9]', ''
`$out = @{ Seconds = `$sw.Elapsed.TotalSeconds; PeakMB = [math]::Round([double]`$hwm / 1024, 1); StartMB = [math]::Round([double]`$rss0 / 1024, 1) }
if (`$r -is [hashtable]) { foreach (`$k in `$r.Keys) { `$out[`$k] = `$r[`$k] } }
'BENCH ' + (`$out | ConvertTo-Json -Compress)
"@
    $file = Join-Path $work ("m-" + [Guid]::NewGuid().ToString('n').Substring(0, 8) + '.ps1')
    Set-Content -LiteralPath $file -Value $child
    $env:BENCH_TOKEN = $Emu.Token
    $env:SSL_CERT_FILE = $Emu.CertPath
    $lines = Invoke-Pwsh '-File' $file 2>&1
    Remove-Item Env:BENCH_TOKEN
    $line = $lines | Where-Object { "$_" -like 'BENCH *' } | Select-Object -Last 1
    if (-not $line) { throw "Measurement failed:`n$($lines -join "`n")" }
    ("$line".Substring(6)) | ConvertFrom-Json
}

function Get-World($Emu) {
    # (Invoke-EmulatorAdmin uses curl with the emulator's CA: this process started before the certificate existed.)
    Invoke-EmulatorAdmin $Emu 'world'
}

function Start-BenchEmulator([string[]] $Extra = @(), [string] $Size = 'small', [double] $TimeScale = 1.0) {
    Start-BillingEmulator -Size $Size -TimeScale $TimeScale -CertDirectory $certDir -ExtraArgument (@('--no-stdin-watch') + $Extra)
}

function Add-Result([string] $Job, [string] $Variant, [double] $Seconds, [string] $Figure, [string] $Ratio, [double] $PeakMB, [double] $StartMB = -1) {
    # Job MB: the peak above the process's own footprint before the job started (-1: not measured).
    $results.Add([pscustomobject]@{
        Job = $Job; Variant = $Variant; 'Wall (s)' = [math]::Round($Seconds, 2); Figure = $Figure; Ratio = $Ratio; 'Peak WS (MB)' = $PeakMB
        'Job MB' = if ($StartMB -ge 0) { [math]::Round($PeakMB - $StartMB, 1) } else { '' }
    })
    Write-Host ("{0,-10} {1,-45} {2,8:N2} s  {3}  {4}" -f $Job, $Variant, $Seconds, $Figure, $Ratio)
}

function Initialize-Baseline {
    <# Builds the baseline commit's module in a detached worktree; returns its source root, or $null when unavailable. #>
    if (-not $BaselineCommit) { return $null }
    $src = Join-Path $work 'baseline-src'
    & git -C $root cat-file -e "$BaselineCommit^{commit}" 2>$null
    if ($LASTEXITCODE -ne 0) { Write-Warning "Baseline commit $BaselineCommit is not in this clone's history: no side-by-side rows."; return $null }
    & git -C $root worktree add --detach --force $src $BaselineCommit 2>&1 | Out-Null
    if ($LASTEXITCODE -ne 0) { Write-Warning "Could not check out $BaselineCommit."; return $null }
    Invoke-Pwsh '-NoProfile' '-File' (Join-Path $src 'build.ps1') 'Build' | Out-Null
    if ($LASTEXITCODE -ne 0) { Write-Warning "The baseline $BaselineCommit did not build."; return $null }
    $src
}

function Remove-Baseline([string] $Src) {
    if ($Src) { & git -C $root worktree remove --force $Src 2>&1 | Out-Null }
}

$baselineSrc = if ($Only | Where-Object { $_ -in 'Export', 'Import', 'Reader' }) { Initialize-Baseline }
$baselineModule = if ($baselineSrc) { Get-BuiltModulePath -RepoRoot $baselineSrc }

$lastMonth = (Get-Date).ToUniversalTime().AddMonths(-1)
$monthStart = [datetime]::new($lastMonth.Year, $lastMonth.Month, 1)
$monthEnd = $monthStart.AddMonths(1).AddDays(-1)
$days = ($monthEnd - $monthStart).Days + 1

# ---- Invoices (issue 3): 120 invoices, 50 ms latency, a 2 s download operation ---------------------------------------
if ('Invoices' -in $Only) {
    # --size 10: ten pay-as-you-go subscriptions, twelve invoices each in the last year. The download operation's
    # contract time is 10 s; time scale 0.2 makes it 2 s (and the Retry-After the service sends says so).
    $emu = Start-BenchEmulator -Size 10 -TimeScale 0.2 -Extra @('--latency-ms', '50')
    try {
        $operation = 2.0; $latency = 0.05
        $list = 'Get-BillingAccount | Where-Object AgreementType -eq MicrosoftOnlineServicesProgram | Get-BillingSubscription | Get-BillingInvoice -PeriodStartDate (Get-Date).AddMonths(-12) | Select-Object -First 120'
        $runs = @{}
        foreach ($limit in 1, 4) {
            $dest = Join-Path $work "invoices-$limit"
            $m = Measure-InPwsh $emu @"
`$files = $list | Save-BillingInvoice -Destination '$dest' -Force -ThrottleLimit $limit -PassThru
@{ Files = @(`$files).Count }
"@
            $runs[$limit] = $m
            # Per file: POST (1 round trip), a poll after the operation time (1), the blob GET (1).
            $ideal = [math]::Ceiling(120 / $limit) * ($operation + 3 * $latency)
            Add-Result 'Invoices' "Save 120 PDFs, -ThrottleLimit $limit" $m.Seconds "$($m.Files) files" ("{0:N2}x ideal ({1:N1} s)" -f ($m.Seconds / $ideal), $ideal) $m.PeakMB
        }
        Add-Result 'Invoices' 'Speed-up of the default (4) over 1' $runs[4].Seconds '' ("{0:N2}x" -f ($runs[1].Seconds / $runs[4].Seconds)) $runs[4].PeakMB
    }
    finally { Stop-BillingEmulator $emu }
}

# ---- Export (issue 4): a 1,000,000-row EA cost details report, no latency --------------------------------------------
if ('Export' -in $Only) {
    # --usage-rows-per-day is per subscription; the small world's EA enrollment has three.
    $eaSubscriptions = 3
    $perDay = [math]::Ceiling($Rows / $days / $eaSubscriptions)
    $emu = Start-BenchEmulator -TimeScale 0.001 -Extra @('--usage-rows-per-day', "$perDay")
    try {
        $ea = (Get-World $emu).accounts | Where-Object { $_.agreementType -eq 'EnterpriseAgreement' } | Select-Object -First 1
        $eaName = $ea.name
        if (@($ea.subscriptions).Count -ne $eaSubscriptions) { throw "Expected $eaSubscriptions EA subscriptions in the small world, found $(@($ea.subscriptions).Count)." }
        # Baseline: the same report's blobs saved to disk without parsing, by curl (the fastest plain download at hand).
        # Twice, keeping the faster: the first report of a run pays the emulator's cold start, which is not the client's cost.
        $baseline = $null
        foreach ($attempt in 1, 2) {
        $b = Measure-InPwsh $emu @"
`$h = @{ Authorization = 'Bearer ' + `$env:BENCH_TOKEN }
`$body = @{ metric = 'ActualCost'; timePeriod = @{ start = '$($monthStart.ToString('yyyy-MM-dd'))'; end = '$($monthEnd.ToString('yyyy-MM-dd'))' } } | ConvertTo-Json
`$r = Invoke-WebRequest -Method Post -Uri '$($emu.ArmUrl)/providers/Microsoft.Billing/billingAccounts/$eaName/providers/Microsoft.CostManagement/generateCostDetailsReport?api-version=2025-03-01' -Headers `$h -Body `$body -ContentType 'application/json'
while (`$r.StatusCode -eq 202) { Start-Sleep -Milliseconds 50; `$r = Invoke-WebRequest -Uri (`$r.Headers.Location | Select-Object -First 1) -Headers `$h }
`$m = (`$r.Content | ConvertFrom-Json).manifest
`$bytes = 0; `$i = 0
foreach (`$b in `$m.blobs) { `$f = '$work/raw-' + (`$i++) + '.csv'; & curl -s --fail --cacert `$env:SSL_CERT_FILE -o `$f `$b.blobLink; `$bytes += (Get-Item `$f).Length }
@{ Bytes = `$bytes }
"@
        if (-not $baseline -or $b.Seconds -lt $baseline.Seconds) { $baseline = $b }
        }
        $mb = $baseline.Bytes / 1MB
        Add-Result 'Export' "Baseline: curl saves the report's blobs" $baseline.Seconds ("{0:N1} MB/s" -f ($mb / $baseline.Seconds)) '1.00x' $baseline.PeakMB
        # Focus (issue 13) reads the month twice (amortized rows, then the actual data's commitment purchases).
        foreach ($schema in 'Native', 'Normalized', 'Focus') {
            foreach ($n in @([math]::Min(100000, $Rows), $Rows)) {
                $end = $monthStart.AddDays([math]::Min($days, [math]::Ceiling($n / $perDay / $eaSubscriptions)) - 1)
                $path = Join-Path $work "export-$schema-$n.csv"
                $m = Measure-InPwsh $emu @"
`$f = Export-DailyUsage -BillingAccountName '$eaName' -StartDate '$($monthStart.ToString('yyyy-MM-dd'))' -EndDate '$($end.ToString('yyyy-MM-dd'))' -Path '$path' -Schema $schema -Force
@{ Rows = `$f.RowCount; Bytes = `$f.Length }
"@
                $ratio = if ($n -eq $Rows -and $schema -eq 'Native') { "{0:P0} of baseline MB/s" -f (($m.Bytes / $m.Seconds) / ($baseline.Bytes / $baseline.Seconds)) } else { '' }
                Add-Result 'Export' "$schema, $($m.Rows) rows" $m.Seconds ("{0:N0} rows/s, {1:N1} MB/s" -f ($m.Rows / $m.Seconds), ($m.Bytes / 1MB / $m.Seconds)) $ratio $m.PeakMB
                Set-Variable -Name "peak_${schema}_$n" -Value $m.PeakMB
                Set-Variable -Name "rate_${schema}_$n" -Value ($m.Rows / $m.Seconds)
                if ($schema -eq 'Focus') {
                    Add-Result 'Export' "Focus rows/s / Normalized rows/s, $($m.Rows) rows" 0 '' ("{0:N2}x" -f ($m.Rows / $m.Seconds / (Get-Variable "rate_Normalized_$n").Value)) $m.PeakMB
                }
                if ($baselineModule -and $schema -eq 'Normalized' -and $n -eq $Rows) {
                    $bm = Measure-InPwsh $emu -Module $baselineModule @"
`$f = Export-DailyUsage -BillingAccountName '$eaName' -StartDate '$($monthStart.ToString('yyyy-MM-dd'))' -EndDate '$($end.ToString('yyyy-MM-dd'))' -Path '$($path -replace '\.csv$', '-baseline.csv')' -Schema $schema -Force
@{ Rows = `$f.RowCount; Bytes = `$f.Length }
"@
                    Add-Result 'Export' "$schema, $($bm.Rows) rows, baseline $BaselineCommit" $bm.Seconds ("{0:N0} rows/s" -f ($bm.Rows / $bm.Seconds)) ("this one {0:P0} faster" -f ($bm.Seconds / $m.Seconds - 1)) $bm.PeakMB
                }
            }
            if ($Rows -gt 100000) {
                $flat = (Get-Variable "peak_${schema}_$Rows").Value / (Get-Variable "peak_${schema}_100000").Value
                Add-Result 'Export' "$schema peak 1M / peak 100k" 0 '' ("{0:N2}x" -f $flat) (Get-Variable "peak_${schema}_$Rows").Value
            }
        }
    }
    finally { Stop-BillingEmulator $emu }
}

# ---- Report (issue 16): Export-BillingReport of an EA month vs one usage pull of the same month ----------------------
if ('Report' -in $Only) {
    # The same world as Export: $Rows usage rows in the month over the small world's three EA subscriptions.
    $perDay = [math]::Ceiling($Rows / $days / 3)
    $emu = Start-BenchEmulator -TimeScale 0.001 -Extra @('--usage-rows-per-day', "$perDay")
    try {
        $eaName = ((Get-World $emu).accounts | Where-Object { $_.agreementType -eq 'EnterpriseAgreement' } | Select-Object -First 1).name
        $from = $monthStart.ToString('yyyy-MM-dd'); $to = $monthEnd.ToString('yyyy-MM-dd')
        # Twice each, keeping the faster: the first report of a run pays the emulator's cold start.
        $pull = $null; $report = $null
        foreach ($attempt in 1, 2) {
            $p = Measure-InPwsh $emu "@{ Rows = (Get-DailyUsage -BillingAccountName '$eaName' -StartDate '$from' -EndDate '$to' | Measure-Object).Count }"
            if (-not $pull -or $p.Seconds -lt $pull.Seconds) { $pull = $p }
            $r = Measure-InPwsh $emu "`$f = Export-BillingReport -BillingAccountName '$eaName' -Month '$($monthStart.ToString('yyyy-MM'))' -Path '$work/report.html' -Force; @{ Bytes = `$f.Length }"
            if (-not $report -or $r.Seconds -lt $report.Seconds) { $report = $r }
        }
        Add-Result 'Report' "Baseline: Get-DailyUsage | Measure-Object, $($pull.Rows) rows" $pull.Seconds ("{0:N0} rows/s" -f ($pull.Rows / $pull.Seconds)) '1.00x' $pull.PeakMB $pull.StartMB
        Add-Result 'Report' "Export-BillingReport, same month (.html)" $report.Seconds ("{0:N0} bytes" -f $report.Bytes) ("{0:N2}x the pull's time" -f ($report.Seconds / $pull.Seconds)) $report.PeakMB $report.StartMB
    }
    finally { Stop-BillingEmulator $emu }
}

# ---- Import (issue 4): Import-DailyUsage vs Import-Csv on the same 1,000,000-row EA file -------------------------------
if ('Import' -in $Only) {
    $file = Get-ChildItem (Join-Path $work "export-Native-$Rows.csv") -ErrorAction Ignore
    if (-not $file) { Write-Warning 'Import needs the Export run (its 1M-row Native file).' }
    else {
        $emu = Start-BenchEmulator
        try {
            # A 100,000-row file: the first rows of the same report (a fresh process mostly pays for its first calls).
            $small = Join-Path $work 'import-100k.csv'
            Get-Content -LiteralPath $file.FullName -TotalCount 100001 | Set-Content -LiteralPath $small -Encoding utf8BOM
            $modules = @([pscustomobject]@{ Name = 'this one'; Path = $module })
            if ($baselineModule) { $modules += [pscustomobject]@{ Name = "baseline $BaselineCommit"; Path = $baselineModule } }
            foreach ($importFile in @($small, $file.FullName)) {
                $csv = Measure-InPwsh $emu "`$s = Import-Csv -LiteralPath '$importFile' | Measure-Object CostInBillingCurrency -Sum; @{ Rows = `$s.Count; Sum = [string]`$s.Sum }"
                Add-Result 'Import' "Import-Csv | Measure-Object -Sum ($($csv.Rows) rows)" $csv.Seconds ("{0:N0} rows/s" -f ($csv.Rows / $csv.Seconds)) '1.00x' $csv.PeakMB
                foreach ($m in $modules) {
                    $ours = Measure-InPwsh $emu -Module $m.Path "`$s = Import-DailyUsage -LiteralPath '$importFile' | Measure-Object Cost -Sum; @{ Rows = `$s.Count; Sum = [string]`$s.Sum }"
                    Add-Result 'Import' "Import-DailyUsage | Measure-Object -Sum ($($ours.Rows) rows, fresh pwsh, $($m.Name))" $ours.Seconds ("{0:N0} rows/s" -f ($ours.Rows / $ours.Seconds)) ("{0:N1}x Import-Csv" -f ($csv.Seconds / $ours.Seconds)) $ours.PeakMB
                }
            }
            # PowerShell's share, the floor under any importer: a million ready-made objects (a two-property C# class
            # made on demand) into Measure-Object in a fresh pwsh. Import-Csv's time over it is the best ratio possible.
            $floor = Measure-InPwsh $emu @"
Add-Type -TypeDefinition 'public sealed class BenchRow { public decimal? Cost { get; set; } public string Currency { get; set; } } public static class BenchRows { public static System.Collections.Generic.IEnumerable<BenchRow> Make(int n) { for (int i = 0; i < n; i++) yield return new BenchRow { Cost = i * 0.01m, Currency = "USD" }; } }'
`$w = [Diagnostics.Stopwatch]::StartNew(); `$s = [BenchRows]::Make($($csv.Rows)) | Measure-Object Cost -Sum; @{ Rows = `$s.Count; Second = `$w.Elapsed.TotalSeconds }
"@
            Add-Result 'Import' "PowerShell alone: $($floor.Rows) ready-made objects | Measure-Object Cost -Sum, fresh pwsh" $floor.Second ("{0:N0} rows/s" -f ($floor.Rows / $floor.Second)) ("Import-Csv / this = {0:N1}x, the most any importer can reach" -f ($csv.Seconds / $floor.Second)) $floor.PeakMB
            # The first million objects through a fresh pipeline also pay for the JIT's warm-up; the second import in
            # the same process shows the steady rate (an admin at a prompt, a runbook that reads several files).
            foreach ($m in $modules) {
                $warm = Measure-InPwsh $emu -Module $m.Path "`$null = Import-DailyUsage -LiteralPath '$($file.FullName)' | Measure-Object Cost -Sum; `$w = [Diagnostics.Stopwatch]::StartNew(); `$s = Import-DailyUsage -LiteralPath '$($file.FullName)' | Measure-Object Cost -Sum; @{ Rows = `$s.Count; Second = `$w.Elapsed.TotalSeconds }"
                Add-Result 'Import' "the same, second import in one process ($($m.Name))" $warm.Second ("{0:N0} rows/s" -f ($warm.Rows / $warm.Second)) ("{0:N1}x Import-Csv" -f ($csv.Seconds / $warm.Second)) $warm.PeakMB
            }
        }
        finally { Stop-BillingEmulator $emu }
    }
}

# ---- Reader (issue 14): the engine's reader alone, this build and the baseline's, in one run ------------------------
if ('Reader' -in $Only) {
    $sources = @([pscustomobject]@{ Name = 'this one'; Root = $root })
    if ($baselineSrc) { $sources += [pscustomobject]@{ Name = "baseline $BaselineCommit"; Root = $baselineSrc } }
    $figures = @{}
    $env:USAGE_BENCH = '1'; $env:USAGE_BENCH_ROWS = "$Rows"
    try {
        foreach ($source in $sources) {
            $project = Join-Path $source.Root 'tests/BillingPowerShell.Engine.Tests'
            # Only the benchmark: another class running beside it in the test host would share its allocation counter.
            $lines = & dotnet test $project -c Release --filter 'FullyQualifiedName~UsageBenchmark.GenerateReadSumWrite' --logger 'console;verbosity=detailed' 2>&1
            # "read + create records + sum Cost (pass 2)   2.29 s   436,385 rows/s ... 1218 B/row": the steady pass.
            $line = $lines | Where-Object { "$_" -match '^\s*read \+ create records \+ sum Cost \(pass 2\)' } | Select-Object -First 1
            Write-Host "$($source.Name): $line"
            if ("$line" -notmatch '([\d.]+) s\s+([\d,]+) rows/s.*\s(\d+) B/row') { Write-Warning "No reader figure from $($source.Name)."; continue }
            $figures[$source.Name] = [pscustomobject]@{ Seconds = [double]$Matches[1]; RowsPerSecond = [double]($Matches[2] -replace ',', ''); BytesPerRow = [double]$Matches[3] }
        }
    }
    finally { Remove-Item Env:USAGE_BENCH, Env:USAGE_BENCH_ROWS -ErrorAction Ignore }
    $now = $figures['this one']
    $then = $figures["baseline $BaselineCommit"]
    foreach ($source in $sources) {
        $f = $figures[$source.Name]
        if (-not $f) { continue }
        $ratio = if ($f -eq $now -and $then) { "{0:N2}x rows/s, {1:P0} of the bytes/row of the baseline" -f ($now.RowsPerSecond / $then.RowsPerSecond), ($now.BytesPerRow / $then.BytesPerRow) } else { '' }
        Add-Result 'Reader' "UsageCsvReader: read, sum Cost ($Rows rows, $($source.Name))" $f.Seconds ("{0:N0} rows/s, {1} B/row" -f $f.RowsPerSecond, $f.BytesPerRow) $ratio 0
    }
}

# ---- Paging (issue 4): 100,000 pay-as-you-go records at 1,000 a page, 100 ms latency, quota on ------------------------
if ('Paging' -in $Only) {
    $perDay = [math]::Ceiling(100000 / $days)   # one pay-as-you-go subscription: rows per day are per subscription
    # Quota 12 per 10 s and 60 per minute (Cost Management's documented QPU quotas), windows scaled by 0.1.
    $scale = 0.1
    $emu = Start-BenchEmulator -TimeScale $scale -Extra @('--usage-rows-per-day', "$perDay", '--latency-ms', '100', '--quota', '12/10s,60/60s')
    try {
        $payg = ((Get-World $emu).accounts | Where-Object { $_.agreementType -eq 'MicrosoftOnlineServicesProgram' } | Select-Object -First 1).subscriptions[0]
        $m = Measure-InPwsh $emu @"
`$s = Get-DailyUsage -SubscriptionId '$($payg.subscriptionId)' -StartDate '$($monthStart.ToString('yyyy-MM-dd'))' -EndDate '$($monthEnd.ToString('yyyy-MM-dd'))' -Source UsageDetails | Measure-Object Cost -Sum
@{ Rows = `$s.Count }
"@
        $pages = [math]::Ceiling($m.Rows / 1000)
        # The floor: every page costs one round trip, and no more than 12 requests per (scaled) 10 s and 60 per minute.
        $quotaBound = [math]::Max(([math]::Ceiling($pages / 12) - 1) * 10 * $scale, ([math]::Ceiling($pages / 60) - 1) * 60 * $scale)
        $floor = [math]::Max($pages * 0.1, $quotaBound)
        Add-Result 'Paging' "$($m.Rows) records, $pages pages, 100 ms, quota" $m.Seconds ("{0:N0} rows/s" -f ($m.Rows / $m.Seconds)) ("{0:N2}x the minimum ({1:N1} s)" -f ($m.Seconds / $floor), $floor) $m.PeakMB
    }
    finally { Stop-BillingEmulator $emu }
}

# ---- Backfill (issue 12): Start-BillingExport -Backfill of 13 months under the emulator's quota ----------------------
if ('Backfill' -in $Only) {
    # Quota 12 per 10 s and 60 per minute on the Cost Management routes, unscaled (time scale 1), 100 ms per request.
    # Measured: the backfill alone (one run history read and 13 run requests); the export is made first, in another
    # child, and the quota windows are let to empty before the measurement.
    $emu = Start-BenchEmulator -TimeScale 1.0 -Extra @('--latency-ms', '100', '--quota', '12/10s,60/60s')
    try {
        $world = Get-World $emu
        $account = ($world.accounts | Where-Object agreementType -EQ 'EnterpriseAgreement').name
        $first = $monthStart.AddMonths(-12).ToString('yyyy-MM-dd', $inv)
        $null = Measure-InPwsh $emu "New-BillingExport -BillingAccountName '$account' -Name bench -Dataset ActualCost -Timeframe TheLastMonth -StorageAccountId '$($world.storageAccount.id)' -Container bench | Out-Null; @{}"
        Start-Sleep -Seconds 11   # (a benchmark, not a test: the quota's 10 s window empties)
        # Warmed up first on a route outside the quota (the billing accounts), then timed on its own stopwatch from the
        # instant it starts, which places the requests in the emulator's fixed quota windows (multiples of 10 s of UTC).
        $m = Measure-InPwsh $emu @"
`$null = Get-BillingAccount
`$t0 = [DateTime]::UtcNow
`$sw = [Diagnostics.Stopwatch]::StartNew()
Start-BillingExport -BillingAccountName '$account' -Name bench -Backfill -StartDate '$first' -EndDate '$($monthEnd.ToString('yyyy-MM-dd', $inv))'
`$backfill = `$sw.Elapsed.TotalSeconds
@{ Runs = @(Get-BillingExportRun -BillingAccountName '$account' -Name bench).Count; Backfill = `$backfill; StartTicks = `$t0.Ticks }
"@
        # The quota-bound minimum from that start: 14 requests (the run history read, 13 run requests) one after the
        # other, 100 ms each, a request over 12 in its 10 s window waiting for the next window.
        $t = [datetime]::new([long]$m.StartTicks, 'Utc'); $window = -1L; $count = 0
        foreach ($i in 1..14) {
            $index = [math]::Floor($t.Ticks / 100000000L)
            if ($index -ne $window) { $window = $index; $count = 0 }
            if ($count -ge 12) { $t = [datetime]::new(($window + 1) * 100000000L, 'Utc'); $window++; $count = 0 }
            $count++; $t = $t.AddSeconds(0.1)
        }
        $floor = ($t - [datetime]::new([long]$m.StartTicks, 'Utc')).TotalSeconds
        $throttled = [long]((Invoke-EmulatorAdmin $emu 'stats').faults.PSObject.Properties | Where-Object Name -Like '429*' | Measure-Object Value -Sum).Sum
        Add-Result 'Backfill' '13 months (14 requests), 100 ms, quota 12/10s' $m.Backfill "$($m.Runs) runs, $throttled 429s" ("{0:N2}x the minimum ({1:N1} s)" -f ($m.Backfill / $floor), $floor) $m.PeakMB
    }
    finally { Stop-BillingEmulator $emu }
}

# ---- Receive (issue 12): a 1 GB export run in 8 partitions, against a sequential curl of the same files ---------------
if ('Receive' -in $Only) {
    # The run is a real one of the emulator's export; its manifest and files are then replaced in Azurite by 8
    # partitions of random bytes (Receive checks lengths, not content), read with a SAS as a customer without a data
    # role would. curl trusts the emulator's certificate (Azurite serves it) through --cacert.
    $emu = Start-BenchEmulator -TimeScale 0.01
    $azurite = $null
    try {
        $azurite = Start-Azurite -Emulator $emu
        $world = Get-World $emu
        $ea = ($world.accounts | Where-Object agreementType -EQ 'EnterpriseAgreement' | Select-Object -First 1).name
        $exportUrl = "$($emu.ArmUrl)/providers/Microsoft.Billing/billingAccounts/$ea/providers/Microsoft.CostManagement/exports/bench-receive"
        $curlArm = @('-s', '--fail', '--cacert', $emu.CertPath, '-H', "Authorization: Bearer $($emu.Token)", '-H', 'Content-Type: application/json')
        $body = @{ properties = @{ definition = @{ type = 'ActualCost'; timeframe = 'TheLastMonth' }; format = 'Csv'
                deliveryInfo = @{ destination = @{ resourceId = $world.storageAccount.id; container = 'bench'; rootFolderPath = 'bench' } } } } | ConvertTo-Json -Depth 6 -Compress
        $null = & curl @curlArm -X PUT --data $body "$exportUrl`?api-version=2025-03-01"
        $key = [Convert]::FromBase64String('Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==')
        $expiry = [DateTime]::UtcNow.AddHours(4).ToString('yyyy-MM-ddTHH:mm:ssZ')
        $sig = [Convert]::ToBase64String([Security.Cryptography.HMACSHA256]::new($key).ComputeHash([Text.Encoding]::UTF8.GetBytes("devstoreaccount1`nrwdlc`nb`nco`n`n$expiry`n`nhttps`n2019-12-12`n")))
        $sas = "sv=2019-12-12&ss=b&srt=co&sp=rwdlc&se=$([uri]::EscapeDataString($expiry))&spr=https&sig=$([uri]::EscapeDataString($sig))"
        $runs = @{}
        foreach ($mb in 100, 1024) {
            # A run of the export, then its manifest and 8 partitions of $mb / 8 MB each in its folder.
            $before = @((& curl @curlArm "$exportUrl/runHistory?api-version=2025-03-01" | ConvertFrom-Json).value).Count
            $null = & curl @curlArm -X POST --data '' "$exportUrl/run?api-version=2025-03-01"
            do { Start-Sleep -Milliseconds 500; $all = @((& curl @curlArm "$exportUrl/runHistory?api-version=2025-03-01" | ConvertFrom-Json).value) }
            while ($all.Count -le $before -or $all[-1].properties.status -in 'Queued', 'InProgress')
            $run = $all[-1]
            if ($run.properties.status -ne 'Completed') { throw "The bench run ended $($run.properties.status)." }
            $folder = $run.properties.manifestFile -replace '/manifest\.json$', ''
            $partBytes = [long]$mb * 1MB / 8
            $part = Join-Path $work "part-$mb.bin"
            & head -c $partBytes /dev/urandom > $part
            $blobs = foreach ($i in 1..8) {
                $name = "$folder/part_0_$('{0:D4}' -f $i).csv.gz"
                $null = & curl -s --fail --cacert $emu.CertPath -X PUT -H 'x-ms-blob-type: BlockBlob' -H 'x-ms-version: 2021-10-04' --data-binary "@$part" "$($azurite.BlobUrl)/bench/$name`?$sas"
                @{ blobName = $name; byteCount = $partBytes }
            }
            $manifest = Join-Path $work "manifest-$mb.json"
            @{ blobCount = 8; byteCount = 8 * $partBytes; exportConfig = @{ exportName = 'bench-receive'; type = 'ActualCost' }
                runInfo = @{ runId = $run.name; startDate = $run.properties.startDate }; blobs = @($blobs) } | ConvertTo-Json -Depth 5 | Set-Content -LiteralPath $manifest
            $null = & curl -s --fail --cacert $emu.CertPath -X PUT -H 'x-ms-blob-type: BlockBlob' -H 'x-ms-version: 2021-10-04' --data-binary "@$manifest" "$($azurite.BlobUrl)/bench/$($run.properties.manifestFile)`?$sas"
            Remove-Item -LiteralPath $part
            $dest = Join-Path $work "receive-$mb"
            $m = Measure-InPwsh $emu @"
`$files = Get-BillingExportRun -BillingAccountName '$ea' -Name bench-receive | Where-Object RunId -EQ '$($run.name)' |
    Receive-BillingExport -Destination '$dest' -BlobServiceUri '$($azurite.BlobUrl)' -SasToken (ConvertTo-SecureString '$sas' -AsPlainText -Force)
@{ Files = @(`$files).Count; Bytes = (`$files | Measure-Object Length -Sum).Sum }
"@
            $runs[$mb] = $m
            Add-Result 'Receive' "Receive-BillingExport $mb MB, 8 files, -ThrottleLimit 4" $m.Seconds "$($m.Files) files" '' $m.PeakMB $m.StartMB
            Remove-Item -LiteralPath $dest -Recurse -Force
            if ($mb -eq 1024) {
                # The baseline: the same 8 files, one after another, with curl.
                $curlDir = Join-Path $work 'receive-curl'
                $null = New-Item -ItemType Directory -Path $curlDir -Force
                $sw = [Diagnostics.Stopwatch]::StartNew()
                foreach ($b in $blobs) { & curl -s --fail --cacert $emu.CertPath -o (Join-Path $curlDir (Split-Path -Leaf $b.blobName)) "$($azurite.BlobUrl)/bench/$($b.blobName)`?$sas" }
                $sw.Stop()
                Remove-Item -LiteralPath $curlDir -Recurse -Force
                Add-Result 'Receive' 'curl, the same 1024 MB, one file after another' $sw.Elapsed.TotalSeconds '8 files' '' -1
                Add-Result 'Receive' 'Speed-up of Receive over sequential curl' $m.Seconds '' ("{0:N2}x" -f ($sw.Elapsed.TotalSeconds / $m.Seconds)) $m.PeakMB
            }
        }
        Add-Result 'Receive' 'Peak memory, 1024 MB run / 100 MB run' $runs[1024].Seconds '' ("{0:N2}x" -f ($runs[1024].PeakMB / $runs[100].PeakMB)) $runs[1024].PeakMB
    }
    finally {
        if ($azurite) { Stop-Azurite $azurite }
        Stop-BillingEmulator $emu
    }
}

# ---- Peer (issue 7): the same jobs with the official JavaScript SDKs -------------------------------------------------
if ('Peer' -in $Only) {
    $peer = Join-Path $root 'tools/BenchPeer.ps1'
    if (Test-Path $peer) { . $peer }
    else { Write-Warning 'tools/BenchPeer.ps1 is not there yet: no peer table.' }
}

# ---- Parquet (issue 13): the same EA month exported with -Schema Focus to .csv, .csv.gz and .parquet, and imported
# from .csv and .parquet, each against Import-Csv of the .csv summing one cost column (BilledCost; the records' Cost)
# --------------------------------------------------------------------------------------------------------------------
if ('Parquet' -in $Only) {
    $eaSubscriptions = 3
    $perDay = [math]::Ceiling($Rows / $days / $eaSubscriptions)
    $emu = Start-BenchEmulator -TimeScale 0.001 -Extra @('--usage-rows-per-day', "$perDay")
    try {
        $eaName = ((Get-World $emu).accounts | Where-Object { $_.agreementType -eq 'EnterpriseAgreement' } | Select-Object -First 1).name
        $sizes = @([math]::Min(100000, $Rows), $Rows) | Select-Object -Unique
        $pq = @{}
        foreach ($n in $sizes) {
            $end = $monthStart.AddDays([math]::Min($days, [math]::Ceiling($n / $perDay / $eaSubscriptions)) - 1)
            foreach ($ext in '.csv', '.csv.gz', '.parquet') {
                $path = Join-Path $work "parquet-$n$ext"
                $pq["$n$ext"] = Measure-InPwsh $emu @"
`$f = Export-DailyUsage -BillingAccountName '$eaName' -StartDate '$($monthStart.ToString('yyyy-MM-dd'))' -EndDate '$($end.ToString('yyyy-MM-dd'))' -Path '$path' -Schema Focus -Force
@{ Rows = `$f.RowCount; Bytes = `$f.Length; Path = '$path' }
"@
            }
            $csv = $pq["$n.csv"]; $gz = $pq["$n.csv.gz"]
            foreach ($ext in '.csv', '.csv.gz', '.parquet') {
                $m = $pq["$n$ext"]
                $ratio = "time {0:N2}x .csv, size {1:N2}x .csv.gz" -f ($m.Seconds / $csv.Seconds), ($m.Bytes / $gz.Bytes)
                Add-Result 'Parquet' "Export -Schema Focus to $ext, $($m.Rows) rows" $m.Seconds ("{0:N0} rows/s, {1:N1} MB" -f ($m.Rows / $m.Seconds), ($m.Bytes / 1MB)) $ratio $m.PeakMB $m.StartMB
            }
        }
        if ($sizes.Count -gt 1) {
            foreach ($ext in '.csv', '.parquet') {
                Add-Result 'Parquet' "$ext export peak $Rows / peak 100k" 0 '' ("{0:N2}x" -f ($pq["$Rows$ext"].PeakMB / $pq["100000$ext"].PeakMB)) $pq["$Rows$ext"].PeakMB
            }
        }
        # Import, each in a fresh pwsh: the same month as .csv and as .parquet, and Import-Csv of the .csv.
        $plain = Measure-InPwsh $emu "`$s = Import-Csv -LiteralPath '$($pq["$Rows.csv"].Path)' | Measure-Object BilledCost -Sum; @{ Rows = `$s.Count }"
        Add-Result 'Parquet' "Import-Csv .csv | Measure-Object BilledCost -Sum ($($plain.Rows) rows)" $plain.Seconds ("{0:N0} rows/s" -f ($plain.Rows / $plain.Seconds)) '1.00x Import-Csv' $plain.PeakMB
        $imports = @{}
        foreach ($ext in '.csv', '.parquet') {
            $imports[$ext] = Measure-InPwsh $emu "`$s = Import-DailyUsage -LiteralPath '$($pq["$Rows$ext"].Path)' | Measure-Object Cost -Sum; @{ Rows = `$s.Count; Sum = [string]`$s.Sum }"
            $m = $imports[$ext]
            Add-Result 'Parquet' "Import-DailyUsage $ext | Measure-Object Cost -Sum ($($m.Rows) rows)" $m.Seconds ("{0:N0} rows/s" -f ($m.Rows / $m.Seconds)) ("{0:N1}x Import-Csv, {1:N2}x .csv speed" -f ($plain.Seconds / $m.Seconds), ($imports['.csv'].Seconds / $m.Seconds)) $m.PeakMB
        }
        if ($imports['.csv'].Sum -ne $imports['.parquet'].Sum) { Write-Warning "The .csv and .parquet sums differ: $($imports['.csv'].Sum) and $($imports['.parquet'].Sum)." }
    }
    finally { Stop-BillingEmulator $emu }
}

$table = $results | ForEach-Object {
    "| {0} | {1} | {2:N2} | {3} | {4} | {5} | {6} |" -f $_.Job, $_.Variant, $_.'Wall (s)', $_.Figure, $_.Ratio, $_.'Peak WS (MB)', $_.'Job MB'
}
$md = @("| Job | Variant | Wall (s) | Figure | Ratio | Peak WS (MB) | Job MB |", "|---|---|---|---|---|---|---|") + $table
$md -join "`n" | Set-Content -LiteralPath (Join-Path $root 'out/bench.md')
Remove-Baseline $baselineSrc
Write-Host ''
$md | Write-Host
