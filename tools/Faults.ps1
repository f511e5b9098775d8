<#
.SYNOPSIS
    The fault matrix (build.ps1 Faults, issue 5): drives the real module through whole jobs against the billing
    emulator under each fault, and proves that nothing is lost, duplicated or leaked.
.DESCRIPTION
    Each scenario starts a fresh emulator (its own faults and statistics) and runs the job in a fresh child pwsh with
    -Verbose -Debug on every cmdlet; every stream (output, error, warning, verbose, debug, information), the
    transcript, the child's stdout/stderr and a dump of $Error (each record's FullyQualifiedErrorId, category,
    Exception.ToString(), target) are written to files under out/faults/<scenario>/ and scanned for secrets.

    The job: list subscriptions (Get-BillingAccount | Get-BillingSubscription); save a year of invoices of the
    pay-as-you-go subscriptions (Get-BillingInvoice | Save-BillingInvoice); export one month of usage per agreement
    type (Export-DailyUsage: Native for EA and MCA, Normalized for pay-as-you-go). Expected facts come from the
    emulator's /_emulator/world (document SHA-256, usage row counts and cost per currency); delivered facts are read
    back from disk (file hashes; usage files re-read with Import-DailyUsage in this process).

    Export scenarios (emulator + Azurite): Start-BillingExport -Backfill -Wait of the thirteen months before this one
    under a 429 storm on run submission (every month delivered, a rerun submits nothing), with one month's run failing
    (named in an ExportRunFailed error; the rerun, faults cleared, resubmits only it), and with a run that stays queued
    (-TimeoutSeconds 5: an ExportRunTimedOut error naming the month, the wait bounded).

    One row per scenario: requests, faults injected (emulator stats), retries (the engine's "retry n/m" and
    "resuming" debug/verbose lines), expected vs delivered, duplicates, partial files left, secrets found, verdict.
    The table goes to the console and to out/faults.md. Exit code 1 when any verdict is not PASS.

    Timeouts: the never-finishing operation scenario sets BILLINGPS_OPERATION_TIMEOUT_SECONDS for the child (the
    engine's documented knob, see src/BillingPowerShell.Engine/Http/OperationTimeout.cs).

      -Quick                  a reduced matrix (a handful of scenarios) for the Test task (tests/Pester/Faults.Tests.ps1).
      -Only <name,...>        run only these scenarios (names as in the table).
      -MutationCount <n>      also run the engine's CSV mutation test with n mutants (xunit, UsageMutationTests;
                              env USAGE_MUTATIONS, USAGE_MUTATION_SECONDS=240); 0 skips it. Default 20000 (full run), 0 with -Quick.
#>
[CmdletBinding()]
param(
    [switch] $Quick,
    [string[]] $Only,  # (from pwsh -File, one comma-separated string also works)
    [int] $MutationCount = -1,
    [string] $OutDirectory
)
Set-StrictMode -Version 1.0  # scenario hashtables leave optional keys out
$ErrorActionPreference = 'Stop'
$ProgressPreference = 'SilentlyContinue'
if ($PSStyle) { $PSStyle.OutputRendering = 'PlainText' }
Import-Module (Join-Path $PSScriptRoot 'Emulator.psm1') -Force
$root = Get-RepoRoot
$module = if ($env:BILLINGPS_MODULE_PATH) { $env:BILLINGPS_MODULE_PATH } else { Get-BuiltModulePath }
if (-not (Test-Path -LiteralPath $module)) { throw "The module is not built ($module). Run ./build.ps1 Build first." }
if (-not $OutDirectory) { $OutDirectory = Join-Path $root ($(if ($Quick) { 'out/faults-quick' } else { 'out/faults' })) }
if ($MutationCount -lt 0) { $MutationCount = if ($Quick) { 0 } else { 20000 } }
if (Test-Path -LiteralPath $OutDirectory) { Remove-Item -LiteralPath $OutDirectory -Recurse -Force }
$null = New-Item -ItemType Directory -Path $OutDirectory -Force
# Private copies of the built module and emulator: other builds may replace out/ while the matrix runs.
$moduleCopy = Join-Path $OutDirectory 'module'
Copy-Item -LiteralPath (Split-Path -Parent $module) -Destination $moduleCopy -Recurse
$module = Join-Path $moduleCopy (Split-Path -Leaf $module)
$emulatorCopy = Join-Path $OutDirectory 'emulator'
Copy-Item -LiteralPath (Join-Path $root 'out/emulator') -Destination $emulatorCopy -Recurse
$PSDefaultParameterValues['Start-BillingEmulator:EmulatorPath'] = Join-Path $emulatorCopy 'BillingPowerShell.Emulator.dll'
$certDir = Join-Path $OutDirectory 'cert'
$certPath = Join-Path $certDir 'emulator.pem'
# Import-DailyUsage (local files only) is used here to read the exports back.
Import-Module $module -Force
$inv = [Globalization.CultureInfo]::InvariantCulture
$umask = [Convert]::ToInt32((& sh -c umask).Trim(), 8)
$fakeClientSecret = 'FAKE-client-secret-' + [Guid]::NewGuid().ToString('n')

$lastMonth = (Get-Date).ToUniversalTime().AddMonths(-1)
$monthStart = [datetime]::new($lastMonth.Year, $lastMonth.Month, 1)
$monthEnd = $monthStart.AddMonths(1).AddDays(-1)
# A year of invoices (-Quick: four months).
$invoiceFrom = $monthStart.AddMonths($(if ($Quick) { -3 } else { -11 }))
$invoiceTo = $monthEnd

# ---- the job run in every child pwsh ----------------------------------------------------------------------------------
$jobScript = @'
$ErrorActionPreference = 'Continue'
$ProgressPreference = 'SilentlyContinue'
if ($PSStyle) { $PSStyle.OutputRendering = 'PlainText' }
$VerbosePreference = 'Continue'; $DebugPreference = 'Continue'; $InformationPreference = 'Continue'
# -Debug on a compiled cmdlet turns its warnings into prompts (Inquire), which fail in a non-interactive session; -WarningAction Continue keeps them warnings.
$PSDefaultParameterValues['*-Billing*:WarningAction'] = 'Continue'; $PSDefaultParameterValues['*-DailyUsage:WarningAction'] = 'Continue'
$dir = $env:BPS_FAULTS_DIR
$null = Start-Transcript -LiteralPath (Join-Path $dir 'transcript.txt') -Force
Import-Module $env:BPS_FAULTS_MODULE
$streams = Join-Path $dir 'streams.txt'
$result = [ordered]@{ Steps = [ordered]@{} }
function Write-Records($step, $records) {
    foreach ($r in $records) {
        $line = switch ($r) {
            { $_ -is [System.Management.Automation.ErrorRecord] } {
                "[$step][Error] $($_.FullyQualifiedErrorId) | $($_.CategoryInfo) | $($_.ToString()) | target: $($_.TargetObject) | details: $($_.ErrorDetails) | exception: $($_.Exception.ToString())"; break }
            { $_ -is [System.Management.Automation.WarningRecord] } { "[$step][Warning] $($_.Message)"; break }
            { $_ -is [System.Management.Automation.VerboseRecord] } { "[$step][Verbose] $($_.Message)"; break }
            { $_ -is [System.Management.Automation.DebugRecord] } { "[$step][Debug] $($_.Message)"; break }
            { $_ -is [System.Management.Automation.InformationRecord] } { "[$step][Information] $($_.MessageData)"; break }
            default { "[$step][Output] " + (($_ | Format-List * -Force | Out-String -Width 4096).Trim() -replace "`r?`n", ' ; ') }
        }
        Add-Content -LiteralPath $streams -Value $line
    }
}
function Invoke-Step([string] $name, [scriptblock] $block) {
    $records = @(& $block *>&1)
    Write-Records $name $records
    $errors = @($records | Where-Object { $_ -is [System.Management.Automation.ErrorRecord] })
    $result.Steps[$name] = [ordered]@{
        Output = @($records | Where-Object { $_ -isnot [System.Management.Automation.ErrorRecord] -and $_ -isnot [System.Management.Automation.InformationalRecord] -and $_ -isnot [System.Management.Automation.InformationRecord] }).Count
        Errors = @($errors | ForEach-Object { [ordered]@{ Id = $_.FullyQualifiedErrorId; Category = "$($_.CategoryInfo.Category)"; Message = $_.ToString() } })
    }
    $result | ConvertTo-Json -Depth 6 | Set-Content -LiteralPath (Join-Path $dir 'result.json')
}
$steps = $env:BPS_FAULTS_STEPS -split ','
if ('spn' -in $steps) {
    # A service principal with a fake secret: the sign-in fails (no identity provider here); the secret must not leak.
    Invoke-Step 'spn' {
        Connect-BillingAccount -ServicePrincipal -TenantId '00000000-0000-0000-0000-000000000001' -ClientId '00000000-0000-0000-0000-000000000002' `
            -ClientSecret (ConvertTo-SecureString $env:BPS_FAULTS_CLIENT_SECRET -AsPlainText -Force) -ResourceManagerUrl $env:BPS_FAULTS_ARM -Verbose -Debug
    }
}
Invoke-Step 'connect' { Connect-BillingAccount -ResourceManagerUrl $env:BPS_FAULTS_ARM -AccessToken (ConvertTo-SecureString $env:BPS_FAULTS_TOKEN -AsPlainText -Force) -Verbose -Debug }
if ('subs' -in $steps) {
    Invoke-Step 'subs' { Get-BillingAccount -Verbose -Debug | Get-BillingSubscription -Verbose -Debug }
}
if ('invoices' -in $steps) {
    Invoke-Step 'invoices' {
        $list = @(Get-BillingAccount -Verbose -Debug | Where-Object AgreementType -eq 'MicrosoftOnlineServicesProgram' |
            Get-BillingSubscription -Verbose -Debug | Get-BillingInvoice -PeriodStartDate $env:BPS_FAULTS_INV_FROM -PeriodEndDate $env:BPS_FAULTS_INV_TO -Verbose -Debug)
        Set-Content -LiteralPath (Join-Path $env:BPS_FAULTS_DIR 'invoices.txt') -Value @($list | ForEach-Object Name)
        $list | Save-BillingInvoice -Destination (Join-Path $env:BPS_FAULTS_DATA 'invoices') -Force -PassThru -Verbose -Debug -WarningAction Continue
    }
}
if ('burst' -in $steps) {
    # A burst of Cost Management queries (one per subscription, back to back) to exceed a quota.
    Invoke-Step 'burst' { Get-BillingAccount | Get-BillingSubscription | ForEach-Object { Get-BillingCost -SubscriptionId $_.SubscriptionId -Timeframe TheLastMonth -Granularity None -Verbose -Debug } }
}
if ('usage' -in $steps) {
    # The accounts come from the emulator's world (not listed here), so a failing listing cannot hide the exports.
    $accounts = @($env:BPS_FAULTS_ACCOUNTS -split ';' | Where-Object { $_ } | ForEach-Object { $t, $n = $_ -split '=', 2; [pscustomobject]@{ AgreementType = $t; Name = $n } })
    foreach ($a in $accounts) {
        $schema = if ($a.AgreementType -eq 'MicrosoftOnlineServicesProgram') { 'Normalized' } else { 'Native' }
        Invoke-Step "usage-$($a.AgreementType)" {
            Export-DailyUsage -BillingAccountName $a.Name -StartDate $env:BPS_FAULTS_MONTH_FROM -EndDate $env:BPS_FAULTS_MONTH_TO `
                -Path (Join-Path $env:BPS_FAULTS_DATA "usage/$($a.AgreementType).csv") -Schema $schema -Force -Verbose -Debug -WarningAction Continue
        }
    }
}
# Everything $Error holds at the end of the session, in full.
$dump = foreach ($e in $Error) {
    if ($e -is [System.Management.Automation.ErrorRecord]) {
        ($e | Format-List * -Force | Out-String -Width 4096); ($e.Exception | Format-List * -Force | Out-String -Width 4096); $e.Exception.ToString()
        if ($e.Exception.InnerException) { $e.Exception.InnerException.ToString() }
    } else { ($e | Format-List * -Force | Out-String -Width 4096); "$e" }
}
Set-Content -LiteralPath (Join-Path $dir 'error-dump.txt') -Value $dump
Get-BillingContext -ErrorAction Ignore | Format-List * -Force | Out-String -Width 4096 | Set-Content -LiteralPath (Join-Path $dir 'context.txt')
$null = Stop-Transcript
'JOB DONE'
'@
$jobPath = Join-Path $OutDirectory 'job.ps1'
Set-Content -LiteralPath $jobPath -Value $jobScript -Encoding utf8

# ---- helpers ----------------------------------------------------------------------------------------------------------
function Start-ChildJob($Emu, [string] $Dir, [string] $DataDir, [string[]] $Steps, [hashtable] $ExtraEnv = @{}) {
    $null = New-Item -ItemType Directory -Force -Path $Dir, $DataDir, (Join-Path $DataDir 'usage')
    # Secrets go to the child through its environment only, never on a command line.
    $envs = @{
        SSL_CERT_FILE = $Emu.CertPath; BPS_FAULTS_TOKEN = $Emu.Token; BPS_FAULTS_ARM = $Emu.ArmUrl; BPS_FAULTS_MODULE = $module
        BPS_FAULTS_DIR = $Dir; BPS_FAULTS_DATA = $DataDir; BPS_FAULTS_STEPS = ($Steps -join ','); BPS_FAULTS_CLIENT_SECRET = $fakeClientSecret
        BPS_FAULTS_INV_FROM = $invoiceFrom.ToString('yyyy-MM-dd', $inv); BPS_FAULTS_INV_TO = $invoiceTo.ToString('yyyy-MM-dd', $inv)
        BPS_FAULTS_MONTH_FROM = $monthStart.ToString('yyyy-MM-dd', $inv); BPS_FAULTS_MONTH_TO = $monthEnd.ToString('yyyy-MM-dd', $inv)
        BILLINGPS_OPERATION_TIMEOUT_SECONDS = $null
        BPS_FAULTS_ACCOUNTS = (@($script:currentWorld.accounts | ForEach-Object { "$($_.agreementType)=$($_.name)" }) -join ';')
    }
    foreach ($k in $ExtraEnv.Keys) { $envs[$k] = $ExtraEnv[$k] }
    $saved = @{}
    foreach ($k in $envs.Keys) { $saved[$k] = [Environment]::GetEnvironmentVariable($k); [Environment]::SetEnvironmentVariable($k, $envs[$k]) }
    try {
        $cmd = Get-PwshCommand
        $arguments = @($cmd | Select-Object -Skip 1) + @('-NoProfile', '-NonInteractive', '-File', $jobPath)
        Start-Process -FilePath $cmd[0] -ArgumentList (ConvertTo-ProcessArgument $arguments) -PassThru `
            -RedirectStandardOutput (Join-Path $Dir 'stdout.txt') -RedirectStandardError (Join-Path $Dir 'stderr.txt')
    }
    finally { foreach ($k in $saved.Keys) { [Environment]::SetEnvironmentVariable($k, $saved[$k]) } }
}

function Wait-ChildJob($Process, [int] $TimeoutSeconds) {
    if (-not $Process.WaitForExit($TimeoutSeconds * 1000)) {
        try { $Process.Kill($true) } catch { }
        $null = $Process.WaitForExit(10000)
        return $false
    }
    $Process.WaitForExit()
    $true
}

function Get-Sha256([string] $Path) { (Get-FileHash -LiteralPath $Path -Algorithm SHA256).Hash.ToLowerInvariant() }

function Get-Expected($World, [string] $Dir) {
    # Invoices: the pay-as-you-go subscriptions' invoices the child listed, each checked against the world; usage: facts
    # for each billing account and the month.
    $payg = $World.accounts | Where-Object agreementType -eq 'MicrosoftOnlineServicesProgram'
    $listed = @(Get-Content -LiteralPath (Join-Path $Dir 'invoices.txt') -ErrorAction Ignore | Where-Object { $_ })
    $byName = @{}
    foreach ($i in @($payg.invoices)) { $byName[$i.name] = $i }
    $invoices = foreach ($n in $listed) {
        $i = $byName[$n]
        if (-not $i) { [pscustomobject]@{ Name = $n; Sha256 = '?unknown-invoice'; Known = $false }; continue }
        $d = @($i.documents | Where-Object kind -eq 'Invoice') | Select-Object -First 1
        [pscustomobject]@{ Name = $n; Sha256 = $(if ($d) { $d.sha256 } else { '?no-document' }); Known = $true }
    }
    $month = $monthStart.ToString('yyyy-MM', $inv)
    $usage = foreach ($a in $World.accounts) {
        $f = $World.usageFacts | Where-Object { $_.scope -eq "/providers/Microsoft.Billing/billingAccounts/$($a.name)" -and $_.month -eq $month }
        $cost = @{}
        foreach ($p in $f.actualCost.PSObject.Properties) { $cost[$p.Name] = [decimal]$p.Value }
        [pscustomobject]@{ Type = $a.agreementType; Rows = [long]$f.rowCount; Cost = $cost }
    }
    # A year of invoices for the pay-as-you-go subscriptions, as the world has them (the listing must match it).
    # (-PeriodStartDate/-PeriodEndDate select by invoice date: an invoice is dated the month after its period.)
    $worldYear = @($payg.invoices | Where-Object { [datetime]$_.periodStartDate -ge $invoiceFrom.AddMonths(-1) -and [datetime]$_.periodStartDate -lt $invoiceTo.AddDays(1).AddMonths(-1) })
    [pscustomobject]@{ Invoices = @($invoices); Usage = @($usage); WorldYear = $worldYear.Count }
}

function Get-Delivered([string] $DataDir) {
    $invDir = Join-Path $DataDir 'invoices'
    $usageDir = Join-Path $DataDir 'usage'
    $all = @(Get-ChildItem -LiteralPath $DataDir -Recurse -File -Force -ErrorAction Ignore)
    $partial = @($all | Where-Object { $_.Name -like '*.partial' -or $_.Name.StartsWith('.') -or $_.Name -like '*.tmp' })
    $files = @($all | Where-Object { $_ -notin $partial })
    $invoiceFiles = @($files | Where-Object { $_.DirectoryName -eq $invDir } | ForEach-Object { [pscustomobject]@{ Name = $_.Name; Sha256 = (Get-Sha256 $_.FullName) } })
    $usage = foreach ($f in @($files | Where-Object { $_.DirectoryName -eq $usageDir })) {
        $rows = 0L; $cost = @{}; $bad = 0
        try {
            Import-DailyUsage -LiteralPath $f.FullName -ErrorAction Stop -ErrorVariable +errs 2>$null | ForEach-Object {
                $rows++
                $c = if ($_.Currency) { $_.Currency } else { '' }
                if ($null -ne $_.Cost) { $cost[$c] = [decimal]($cost[$c]) + [decimal]$_.Cost }
            }
        }
        catch { $bad++ }
        [pscustomobject]@{ Type = $f.BaseName; Rows = $rows; Cost = $cost; Unreadable = $bad }
    }
    # Files are created with the user's default permissions: 0666 less the umask.
    $wantMode = [IO.UnixFileMode](0x1B6 -band -bnot $umask)
    $badMode = @($files | Where-Object { $_.UnixFileMode -ne $wantMode } | ForEach-Object { "$($_.Name) $($_.UnixFileMode)" })
    # Never outside the folder the user named: nothing may appear in the data folder but under invoices/ and usage/.
    $stray = @($all | Where-Object { $_.DirectoryName -ne $invDir -and $_.DirectoryName -ne $usageDir } | ForEach-Object FullName)
    [pscustomobject]@{ Invoices = $invoiceFiles; Usage = @($usage); Partial = $partial.Count; PartialNames = @($partial | ForEach-Object Name); Files = $files.Count; BadMode = $badMode; Stray = $stray }
}

function Find-Secrets([string] $Dir, [string[]] $Secrets) {
    $hits = [Collections.Generic.List[string]]::new()
    foreach ($f in Get-ChildItem -LiteralPath $Dir -File -Force -ErrorAction Ignore) {
        $n = 0
        foreach ($line in [IO.File]::ReadLines($f.FullName)) {
            $n++
            foreach ($s in $Secrets) { if ($s -and $line.Contains($s)) { $hits.Add("$($f.Name):$n secret") } }
            if ($line -match '(?i)(?:[?&;]|\\u0026|%26|%3F)sig(?:=|%3D)(?!<redacted>|\*|REDACTED|&|$|%26|\s)[^&\s"''<>]{4,}') { $hits.Add("$($f.Name):$n sig=") }
        }
    }
    , $hits
}

function Test-Usage($Expected, $Got) {
    if (-not $Got -or $Got.Unreadable) { return $false }
    if ($Got.Rows -ne $Expected.Rows) { return $false }
    if (@($Expected.Cost.Keys).Count -ne @($Got.Cost.Keys | Where-Object { $_ }).Count) { return $false }
    foreach ($k in $Expected.Cost.Keys) { if ([math]::Abs([decimal]$Got.Cost[$k] - $Expected.Cost[$k]) -gt 0.001) { return $false } }
    $true
}

function Get-Short([string] $Type) { switch ($Type) { 'EnterpriseAgreement' { 'EA' } 'MicrosoftCustomerAgreement' { 'MCA' } 'MicrosoftOnlineServicesProgram' { 'PAYG' } default { $Type } } }

function Format-Cost($c) { (@($c.Keys | Sort-Object | ForEach-Object { '{0} {1:0.00}' -f $_, $c[$_] }) -join ' ') }

# ---- one scenario -----------------------------------------------------------------------------------------------------
function Invoke-Scenario($S) {
    if ($S.Export) { return Invoke-ExportScenario $S }
    $name = $S.Name
    $slug = ($name -replace '[^A-Za-z0-9]+', '-').Trim('-').ToLowerInvariant()
    $dir = Join-Path $OutDirectory $slug
    $data = Join-Path $dir 'data'
    $steps = if ($S.Steps) { $S.Steps } else { @('subs', 'invoices', 'usage') }
    $notes = [Collections.Generic.List[string]]::new()
    $sw = [Diagnostics.Stopwatch]::StartNew()
    Write-Host "--- $name"
    $run = Invoke-ScenarioJob $S $dir $data $steps $notes
    $outcome = Measure-ScenarioOutcome $run $dir $data $steps
    $fail = [Collections.Generic.List[string]]::new()
    Add-DeliveryFailures $fail $S $run $outcome
    Add-CompletenessFailures $fail $notes $S $run $outcome $steps
    New-ScenarioRow $name $steps $run $outcome $fail $notes $sw
}

function Invoke-ScenarioJob($S, [string] $Dir, [string] $Data, [string[]] $Steps, $Notes) {
    # Starts the scenario's emulator with its faults and runs the child job in it (killed and rerun when the scenario
    # says so); returns the world, the emulator's statistics and how the run went. The emulator is stopped after.
    $logs = Join-Path $Dir 'run1'
    $timeScale = if ($S.TimeScale) { $S.TimeScale } else { 0.01 }
    $size = if ($S.Size) { $S.Size } else { 'small' }
    $emu = Start-BillingEmulator -Size $size -TimeScale $timeScale -CertDirectory $certDir -ExtraArgument @($S.Args | Where-Object { $_ })
    try {
        $world = Invoke-EmulatorAdmin $emu 'world'
        $script:currentWorld = $world
        # Faults that name something of the world (an invoice) are made from this emulator's world.
        $faults = if ($S.FaultsFrom) { & $S.FaultsFrom $world } else { $S.Faults }
        if ($faults) { $null = Invoke-EmulatorAdmin $emu 'faults' -Method Post -Body $faults }
        $envs = if ($S.Env) { $S.Env } else { @{} }
        $p = Start-ChildJob $emu $logs $Data $Steps $envs
        $hung = $false; $kill = [pscustomobject]@{ Killed = $false; Bad = 0 }
        if ($S.Kill) {
            $kill = Stop-ChildAtKillPoint $S $p $world $logs $Data $Notes
            # The same command again, without faults.
            $null = Invoke-EmulatorAdmin $emu 'faults' -Method Post -Body @{}
            $logs = Join-Path $Dir 'run2'
            $p = Start-ChildJob $emu $logs $Data $Steps $envs
        }
        $timeout = if ($S.TimeoutSeconds) { $S.TimeoutSeconds } else { 240 }
        if (-not (Wait-ChildJob $p $timeout)) { $hung = $true; $Notes.Add("HUNG: the child did not finish within $timeout s") }
        $stats = Invoke-EmulatorAdmin $emu 'stats'
    }
    finally { Stop-BillingEmulator $emu }
    [pscustomobject]@{ World = $world; Stats = $stats; Logs = $logs; Token = $emu.Token; Hung = $hung; Killed = $kill.Killed; KillBad = $kill.Bad }
}

function Stop-ChildAtKillPoint($S, $Process, $World, [string] $Logs, [string] $Data, $Notes) {
    # Waits for the moment named by the scenario, then kill -9 the child (SIGKILL: no finally blocks run); returns
    # whether it was killed and how many files under a final name were not whole.
    $bad = 0; $badUsage = 0; $killed = $false
    $deadline = [DateTime]::UtcNow.AddSeconds(120)
    while (-not $Process.HasExited -and [DateTime]::UtcNow -lt $deadline) {
        if (& $S.Kill $Data) { break }
        Start-Sleep -Milliseconds 50
    }
    if (-not $Process.HasExited) {
        & kill -9 $Process.Id
        $null = $Process.WaitForExit(10000); $killed = $true
        $after = Get-Delivered $Data
        $expectedNow = Get-Expected $World $Logs
        $hashes = @($expectedNow.Invoices.Sha256)
        $bad = @($after.Invoices | Where-Object { $_.Sha256 -notin $hashes }).Count
        $badUsage = @($after.Usage | Where-Object { $t = $_.Type; -not (Test-Usage ($expectedNow.Usage | Where-Object Type -eq $t) $_) }).Count
        $Notes.Add("killed: $($after.Invoices.Count) invoice + $(@($after.Usage).Count) usage files under final names ($($bad + $badUsage) bad), $($after.Partial) temp files")
        if ($bad + $badUsage -gt 0) { $Notes.Add('PARTIAL UNDER A FINAL NAME') }
    }
    else { $Notes.Add('the child ended before the kill point') }
    [pscustomobject]@{ Killed = $killed; Bad = ($bad + $badUsage) }
}

function Read-ChildResult([string] $Logs) {
    # The child's result.json (null when it wrote none) and the errors of its steps, the service principal's apart.
    $result = $null
    try { $result = Get-Content -Raw -LiteralPath (Join-Path $Logs 'result.json') | ConvertFrom-Json } catch { }
    $stepErrors = @()
    if ($result) { foreach ($st in $result.Steps.PSObject.Properties) { foreach ($e in @($st.Value.Errors)) { $stepErrors += [pscustomobject]@{ Step = $st.Name; Id = $e.Id; Category = $e.Category; Message = $e.Message } } } }
    $stepErrors = @($stepErrors | Where-Object { $_.Step -ne 'spn' })
    $spnErrors = @(if ($result -and $result.Steps.PSObject.Properties['spn']) { @($result.Steps.spn.Errors) })
    [pscustomobject]@{ Result = $result; StepErrors = $stepErrors; SpnErrors = $spnErrors }
}

function Measure-ScenarioOutcome($Run, [string] $Dir, [string] $Data, [string[]] $Steps) {
    # Expected (the world) vs delivered (the files), the child's errors, its retries and any secret in its logs.
    $expected = Get-Expected $Run.World $Run.Logs
    $got = Get-Delivered $Data
    $child = Read-ChildResult $Run.Logs

    # Retries: the engine's debug/verbose lines ("retry n/m", "resuming", a refused link asked for again) over every run.
    $retries = 0
    foreach ($f in Get-ChildItem -LiteralPath $Dir -Recurse -Filter 'streams.txt' -ErrorAction Ignore) {
        $retries += @(Select-String -LiteralPath $f.FullName -Pattern '; retry \d+/\d+ in |resuming\.|was refused \(expired\?\); asking' -AllMatches).Count
    }
    $secrets = 0; $secretWhere = @()
    foreach ($d in Get-ChildItem -LiteralPath $Dir -Directory | Where-Object Name -like 'run*') {
        $h = Find-Secrets $d.FullName @($Run.Token, $fakeClientSecret)
        $secrets += $h.Count; $secretWhere += @($h | Select-Object -First 3)
    }
    [pscustomobject]@{
        Expected = $expected; Got = $got; Result = $child.Result; StepErrors = $child.StepErrors; SpnErrors = $child.SpnErrors
        Retries = $retries; Secrets = $secrets; SecretWhere = $secretWhere
        Invoices = (Compare-Invoices $expected $got); Usage = (Compare-Usage $expected $got $Steps)
    }
}

function Compare-Invoices($Expected, $Got) {
    # Invoices: expected vs delivered by content hash.
    $expHashes = @($Expected.Invoices | ForEach-Object Sha256)
    $gotHashes = @($Got.Invoices | ForEach-Object Sha256)
    $okInv = @($expHashes | Where-Object { $_ -in $gotHashes }).Count
    [pscustomobject]@{
        Expected      = $expHashes
        Ok            = $okInv
        Missing       = $expHashes.Count - $okInv
        Corrupt       = @($gotHashes | Where-Object { $_ -notin $expHashes }).Count
        Duplicates    = $gotHashes.Count - @($gotHashes | Select-Object -Unique).Count
        UnknownListed = @($Expected.Invoices | Where-Object { -not $_.Known }).Count
    }
}

function Compare-Usage($Expected, $Got, [string[]] $Steps) {
    # Usage: each agreement type's file against the world's facts.
    $usageCells = @(); $okUsage = 0; $badUsage = 0; $dupRows = 0; $missingUsage = 0
    $usageTypes = if ('usage' -in $Steps) { @($Expected.Usage) } else { @() }
    foreach ($u in $usageTypes) {
        $g = $Got.Usage | Where-Object Type -eq $u.Type
        if (-not $g) { $missingUsage++; $usageCells += "$(Get-Short $u.Type): missing"; continue }
        if (Test-Usage $u $g) { $okUsage++ }
        else { $badUsage++; if ($g.Rows -gt $u.Rows) { $dupRows += $g.Rows - $u.Rows } }
        $usageCells += ('{0}: {1}/{2} rows, {3} / {4}' -f (Get-Short $u.Type), $g.Rows, $u.Rows, (Format-Cost $g.Cost), (Format-Cost $u.Cost))
    }
    [pscustomobject]@{ Types = $usageTypes; Cells = $usageCells; Ok = $okUsage; Bad = $badUsage; DuplicateRows = $dupRows; Missing = $missingUsage }
}

function Add-DeliveryFailures($Fail, $S, $Run, $Outcome) {
    # What no scenario may show: a hang, a leaked secret, wrong or duplicate or stray files, temp files left.
    $got = $Outcome.Got; $stats = $Run.Stats; $invoiceCheck = $Outcome.Invoices; $usageCheck = $Outcome.Usage
    if ($Run.Hung) { $Fail.Add('hang') }
    if ($Outcome.Secrets) { $Fail.Add("secrets: $($Outcome.SecretWhere -join ', ')") }
    if ($invoiceCheck.Corrupt) { $Fail.Add("$($invoiceCheck.Corrupt) invoice file(s) with wrong content") }
    if ($usageCheck.Bad) { $Fail.Add("$($usageCheck.Bad) usage file(s) with wrong rows/cost") }
    if ($invoiceCheck.Duplicates -or $usageCheck.DuplicateRows) { $Fail.Add('duplicates') }
    if ($got.Stray) { $Fail.Add("files outside the named folders: $($got.Stray -join ', ')") }
    if ($got.BadMode) { $Fail.Add("not the default permissions (umask $([Convert]::ToString($umask, 8))): $($got.BadMode -join ', ')") }
    # Blob downloads carry no Authorization header: the emulator's blob host refuses one that does and counts it.
    if ($stats.faults -and $stats.faults.PSObject.Properties['blob-authorization-refused']) { $Fail.Add('a blob download carried an Authorization header') }
    if ($S.Clean) {
        # (422: the cost details report refuses pay-as-you-go; the module then reads usage details, by design.)
        $st = @(if ($stats.statuses) { $stats.statuses.PSObject.Properties | Where-Object { $_.Name -match '^4' -and $_.Name -ne '422' } | ForEach-Object { "HTTP $($_.Name) x$($_.Value)" } })
        if ($st) { $Fail.Add("client errors in a clean run: $($st -join ', ')") }
    }
    if ($got.Partial) { $Fail.Add("temp files left: $($got.PartialNames -join ', ')") }
    if ($Run.Killed -and $Run.KillBad) { $Fail.Add('partial file under a final name after kill -9') }
    if ($invoiceCheck.UnknownListed) { $Fail.Add("$($invoiceCheck.UnknownListed) listed invoice(s) not in the world") }
    if (-not $Outcome.Result) { $Fail.Add('no result from the child') }
    if (@($Outcome.StepErrors | Where-Object { $_.Message -match '\n\s+at |   at [A-Z]' }).Count) { $Fail.Add('a .NET stack trace in an error message') }
    if (-not $S.Clean -and -not $S.Kill -and [int]$stats.totalFaults -eq 0 -and -not $S.NoFaultCount) { $Fail.Add('no fault was injected') }
}

function Add-CompletenessFailures($Fail, $Notes, $S, $Run, $Outcome, [string[]] $Steps) {
    # Everything the world has was delivered, or (AllowFail) what is missing is explained by the expected error.
    $result = $Outcome.Result; $stepErrors = $Outcome.StepErrors; $got = $Outcome.Got
    $expHashes = $Outcome.Invoices.Expected; $missingInv = $Outcome.Invoices.Missing; $missingUsage = $Outcome.Usage.Missing
    if ('subs' -in $Steps -and $result -and -not $S.AllowFail) {
        $world_subs = @($Run.World.accounts | ForEach-Object { @($_.subscriptions) }).Count
        if ([int]$result.Steps.subs.Output -ne $world_subs) { $Fail.Add("subscriptions listed $($result.Steps.subs.Output)/$world_subs") }
    }
    if ('invoices' -in $Steps -and -not $S.AllowFail -and $expHashes.Count -ne $Outcome.Expected.WorldYear) { $Fail.Add("invoices listed $($expHashes.Count), world has $($Outcome.Expected.WorldYear)") }
    if ($S.AllowFail) {
        # The fault must surface as a clear error with the expected ErrorId; whatever did not fail must be complete.
        $wrong = @($stepErrors | Where-Object { $_.Id -notmatch $S.AllowFail })
        if ($wrong.Count) { $Fail.Add("unexpected error(s): $(@($wrong | ForEach-Object Id | Select-Object -Unique) -join ', ')") }
        if (-not $stepErrors.Count -and -not $S.MayFail) { $Fail.Add("no error for the fault (expected $($S.AllowFail))") }
        if ($S.MaxMissingInvoices -ge 0 -and $null -ne $S.MaxMissingInvoices -and $missingInv -gt $S.MaxMissingInvoices) { $Fail.Add("$missingInv invoices missing (at most $($S.MaxMissingInvoices) may fail)") }
        $explained = @($stepErrors).Count
        if (($missingInv + $missingUsage) -gt 0 -and $explained -eq 0) { $Fail.Add('files missing without an error') }
        if ($S.MustMissUsage) { foreach ($t in $S.MustMissUsage) { if ($got.Usage | Where-Object Type -eq $t) { $Fail.Add("$t exported although its report failed") } } }
    }
    else {
        if ($stepErrors.Count) { $Fail.Add("errors: $(@($stepErrors | ForEach-Object Id | Select-Object -Unique) -join ', ')") }
        if ($missingInv) { $Fail.Add("$missingInv invoice(s) missing") }
        if ($missingUsage) { $Fail.Add("$missingUsage usage export(s) missing") }
    }
    if ($S.SpnCheck) {
        if (-not $Outcome.SpnErrors.Count) { $Fail.Add('the fake service principal signed in?') }
        else { $Notes.Add("service principal: $(@($Outcome.SpnErrors | ForEach-Object Id | Select-Object -Unique) -join ', ')") }
    }
    if ($S.Check) { foreach ($m in @(& $S.Check $Run.Stats $stepErrors $got)) { if ($m) { $Fail.Add($m) } } }
}

function New-ScenarioRow([string] $Name, [string[]] $Steps, $Run, $Outcome, $Fail, $Notes, $Stopwatch) {
    # The scenario's row of the table, also printed as one line.
    $stats = $Run.Stats; $invoiceCheck = $Outcome.Invoices; $usageCheck = $Outcome.Usage
    $errIds = @($Outcome.StepErrors | ForEach-Object { ($_.Id -split ',')[0] } | Group-Object | ForEach-Object { "$($_.Name) x$($_.Count)" })
    $faultKinds = @(if ($stats.faults) { $stats.faults.PSObject.Properties | ForEach-Object { "$($_.Name) $($_.Value)" } })
    $row = [pscustomobject][ordered]@{
        Scenario  = $Name
        Requests  = [int]$stats.totalRequests
        Faults    = "$([int]$stats.totalFaults)$(if ($faultKinds) { ' (' + ($faultKinds -join ', ') + ')' })"
        Retries   = $Outcome.Retries
        Invoices  = $(if ('invoices' -in $Steps) { "$($invoiceCheck.Ok)/$($invoiceCheck.Expected.Count) SHA-256 ok$(if ($invoiceCheck.Missing) { ", $($invoiceCheck.Missing) missing" })" } else { '-' })
        Usage     = $(if ($usageCheck.Types) { "$($usageCheck.Ok)/$(@($usageCheck.Types).Count) ok; " + ($usageCheck.Cells -join '; ') } else { '-' })
        Errors    = $(if ($errIds) { $errIds -join ', ' } else { 'none' })
        Dups      = $invoiceCheck.Duplicates + $usageCheck.DuplicateRows
        Partial   = $Outcome.Got.Partial
        Secrets   = $Outcome.Secrets
        Seconds   = [math]::Round($Stopwatch.Elapsed.TotalSeconds, 1)
        Verdict   = $(if ($Fail.Count) { 'FAIL: ' + ($Fail -join '; ') } else { 'PASS' })
        Notes     = ($Notes -join '; ')
    }
    Write-Host ("    {0} | req {1} | faults {2} | retries {3} | inv {4} | usage {5} | errors {6} | {7}" -f $row.Scenario, $row.Requests, $row.Faults, $row.Retries, $row.Invoices, $row.Usage, $row.Errors, $row.Verdict)
    if ($row.Notes) { Write-Host "    $($row.Notes)" }
    $row
}

# ---- the matrix -------------------------------------------------------------------------------------------------------
# One pay-as-you-go invoice inside the saved year (its period two months before the usage month).
$firstPaygInvoice = { param($world) $p = $monthStart.AddMonths(-2).ToString('yyyy-MM-dd', $inv); @(($world.accounts | Where-Object agreementType -eq 'MicrosoftOnlineServicesProgram').invoices | Where-Object periodStartDate -eq $p)[0].name }
$headerKinds = @('Retry-After', 'Retry-After-Date', 'retry-after-ms', 'x-ms-retry-after-ms', 'x-ms-ratelimit-microsoft.consumption-retry-after',
    'x-ms-ratelimit-microsoft.costmanagement-qpu-retry-after', 'x-ms-ratelimit-microsoft.costmanagement-entity-retry-after',
    'x-ms-ratelimit-microsoft.costmanagement-tenant-retry-after', 'x-ms-ratelimit-microsoft.costmanagement-clienttype-retry-after')
$usageReportTypes = @('EnterpriseAgreement', 'MicrosoftCustomerAgreement')
$scenarios = [Collections.Generic.List[object]]::new()
# (-Quick leaves the clean run out: the kill -9 scenarios' reruns are clean runs checked against the same facts.)
$scenarios.Add(@{ Name = 'clean run (+ service principal with a fake secret)'; Clean = $true; Steps = @('spn', 'subs', 'invoices', 'usage'); SpnCheck = $true })
foreach ($h in $headerKinds) {
    $scenarios.Add(@{ Name = "429 on 30%, $h"; Args = @('--fault-429-rate', '0.3', '--fault-429-header', $h); Quick = ($h -eq 'x-ms-ratelimit-microsoft.costmanagement-qpu-retry-after') })
}
$scenarios.Add(@{ Name = '429 on 30%, header kinds rotating'; Args = @('--fault-429-rate', '0.3', '--fault-429-header', 'rotate') })
$scenarios.Add(@{ Name = 'quota 4/10s exceeded by a burst'; Args = @('--quota', '4/10s,30/60s'); TimeScale = 0.1; Steps = @('subs', 'burst', 'usage')
    Check = { param($stats, $errors, $got) if (-not ($stats.faults.PSObject.Properties.Name -match 'quota|429')) { 'the quota was never exceeded' } } })
$scenarios.Add(@{ Name = '500/503 on 30%'; Args = @('--fault-5xx-rate', '0.3') })
$scenarios.Add(@{ Name = 'reset mid JSON page (20%)'; Faults = @{ faultResetRate = 0.2; resetTargets = @('json') } })
$scenarios.Add(@{ Name = 'reset mid PDF blob (40%)'; Faults = @{ faultResetRate = 0.4; resetTargets = @('pdf') }; Steps = @('invoices') })
$scenarios.Add(@{ Name = 'reset mid CSV blob (50%, reports of 5-7 blobs)'; Args = @('--usage-rows-per-day', '100', '--csv-rows-per-blob', '2000'); Faults = @{ faultResetRate = 0.5; resetTargets = @('csv') }; Steps = @('usage') })
$scenarios.Add(@{ Name = 'resets json+pdf+csv (20%)'; Faults = @{ faultResetRate = 0.2; resetTargets = @('json','pdf','csv') }; Quick = $true })
$scenarios.Add(@{ Name = 'truncated bodies json+pdf+csv (20%)'; Faults = @{ faultTruncateRate = 0.2; resetTargets = @('json','pdf','csv') } })
$scenarios.Add(@{ Name = 'invoice download operation fails (one invoice)'; Steps = @('invoices'); FaultsFrom = { param($w) @{ lroMode = 'fail'; pathContains = (& $firstPaygInvoice $w) } }
    AllowFail = '^(OperationFailed|BillingRequestRejected)'; MaxMissingInvoices = 1 })
$scenarios.Add(@{ Name = 'cost report fails'; Steps = @('usage'); Faults = @{ lroMode = 'fail' }; AllowFail = '^(ReportFailed|OperationFailed|CostReportFailed)'; MustMissUsage = $usageReportTypes })
$scenarios.Add(@{ Name = 'invoice download never finishes (timeout 3 s)'; Steps = @('invoices'); FaultsFrom = { param($w) @{ lroMode = 'never'; pathContains = (& $firstPaygInvoice $w) } }
    Env = @{ BILLINGPS_OPERATION_TIMEOUT_SECONDS = '3' }; AllowFail = '^OperationTimedOut'; MaxMissingInvoices = 1; Quick = $true })
$scenarios.Add(@{ Name = 'cost report never finishes (timeout 3 s)'; Steps = @('usage'); Faults = @{ lroMode = 'never' }
    Env = @{ BILLINGPS_OPERATION_TIMEOUT_SECONDS = '3' }; AllowFail = '^OperationTimedOut'; MustMissUsage = $usageReportTypes })
# A link that expires before its download (about one in five, by latency): the engine asks for a fresh link a bounded
# number of times; an item whose every link expired must fail with a clear DownloadRefused, all others complete.
$scenarios.Add(@{ Name = 'SAS expires between manifest and download (sometimes)'; Faults = @{ sasMode = 'short'; sasExpiresInMs = 200; latencyMs = 40; latencyJitterMs = 200 }; Steps = @('invoices', 'usage')
    AllowFail = '^DownloadRefused'; MayFail = $true; MaxMissingInvoices = 3 })
$scenarios.Add(@{ Name = 'SAS always expired by the download'; Faults = @{ sasMode = 'short'; sasExpiresInMs = 1; latencyMs = 20 }; Steps = @('invoices', 'usage')
    AllowFail = '^DownloadRefused'; MustMissUsage = $usageReportTypes })
$revokeAfter = if ($Quick) { 30 } else { 60 }
$scenarios.Add(@{ Name = "token revoked after $revokeAfter calls"; Faults = @{ revokeTokenAfter = $revokeAfter }; AllowFail = '^AuthenticationFailed'; Quick = $true })
$scenarios.Add(@{ Name = 'kill -9 during invoice batch, rerun'; Steps = @('invoices'); TimeScale = 0.05; Faults = @{ latencyMs = 150 }; Quick = $true
    Kill = { param($d) @(Get-ChildItem -LiteralPath (Join-Path $d 'invoices') -Filter '*.pdf' -ErrorAction Ignore).Count -ge 5 } })
$scenarios.Add(@{ Name = 'kill -9 during usage export, rerun'; Steps = @('usage'); Args = @('--usage-rows-per-day', $(if ($Quick) { '250' } else { '600' })); Faults = @{ latencyMs = 30 }; Quick = $true; TimeoutSeconds = 400
    Kill = { param($d) @(Get-ChildItem -LiteralPath (Join-Path $d 'usage') -Force -ErrorAction Ignore | Where-Object { $_.Name.StartsWith('.') -and $_.Length -gt 200KB }).Count -ge 1 } })

$Only = @($Only | ForEach-Object { $_ -split ',' } | ForEach-Object { $_.Trim() } | Where-Object { $_ })
# ---- export scenarios (Start-BillingExport -Backfill -Wait against the emulator and Azurite) -------------------------
# The child backfills the thirteen months before this one into an export of the EA billing account, once or twice (the
# second time after clearing the faults itself), and writes per round: the months of the completed runs it wrote, its
# errors (id, target) and how many runs the round submitted (read back from the run history).
$exportJobScript = @'
$ErrorActionPreference = 'Continue'
$ProgressPreference = 'SilentlyContinue'
if ($PSStyle) { $PSStyle.OutputRendering = 'PlainText' }
$dir = $env:BPS_FAULTS_DIR
$null = Start-Transcript -LiteralPath (Join-Path $dir 'transcript.txt') -Force
Import-Module $env:BPS_FAULTS_MODULE
$inv = [Globalization.CultureInfo]::InvariantCulture
$null = Connect-BillingAccount -ResourceManagerUrl $env:BPS_FAULTS_ARM -AccessToken (ConvertTo-SecureString $env:BPS_FAULTS_TOKEN -AsPlainText -Force)
$scope = @{ BillingAccountName = $env:BPS_EXPORT_ACCOUNT; Name = 'faults' }
$null = New-BillingExport -BillingAccountName $env:BPS_EXPORT_ACCOUNT -Name faults -Dataset ActualCost -Timeframe TheLastMonth -Format Csv -Compression Gzip `
    -StorageAccountId $env:BPS_EXPORT_STORAGE -Container faults
$rounds = [Collections.Generic.List[object]]::new()
for ($i = 1; $i -le [int]$env:BPS_EXPORT_ROUNDS; $i++) {
    if ($i -gt 1) {
        # The faults are cleared before the rerun (the admin endpoint of the emulator, which this process trusts).
        $null = Invoke-RestMethod -Method Post -Uri "$env:BPS_FAULTS_ARM/_emulator/faults" -Headers @{ 'x-emulator-admin' = 'true' } -ContentType 'application/json' -Body '{}'
    }
    $before = @(Get-BillingExportRun @scope).Count
    $clock = [Diagnostics.Stopwatch]::StartNew()
    $records = @(Start-BillingExport @scope -Backfill -StartDate $env:BPS_EXPORT_FROM -EndDate $env:BPS_EXPORT_TO -Wait -TimeoutSeconds ([int]$env:BPS_EXPORT_TIMEOUT) -Verbose -Debug *>&1)
    $seconds = $clock.Elapsed.TotalSeconds
    $records | ForEach-Object { "[round $i] $(if ($_ -is [Management.Automation.ErrorRecord]) { "[Error] $($_.FullyQualifiedErrorId) | $($_.TargetObject) | $_" } else { "[$($_.GetType().Name)] $_" })" } |
        Add-Content -LiteralPath (Join-Path $dir 'streams.txt')
    $history = @(Get-BillingExportRun @scope)
    $rounds.Add([ordered]@{
        Written = @($records | Where-Object { $_ -is [BillingPowerShell.BillingExportRun] } | ForEach-Object { $_.StartDate.ToString('yyyy-MM', $inv) } | Sort-Object)
        Errors = @($records | Where-Object { $_ -is [Management.Automation.ErrorRecord] } | ForEach-Object { [ordered]@{ Id = ($_.FullyQualifiedErrorId -split ',')[0]; Target = "$($_.TargetObject)"; Message = "$_" } })
        Submitted = $history.Count - $before
        Completed = @($history | Where-Object Status -EQ 'Completed' | ForEach-Object { $_.StartDate.ToString('yyyy-MM', $inv) } | Sort-Object)
        Seconds = $seconds
    })
}
[ordered]@{ Rounds = $rounds } | ConvertTo-Json -Depth 6 | Set-Content -LiteralPath (Join-Path $dir 'result.json')
$null = Stop-Transcript
'JOB DONE'
'@
$exportJobPath = Join-Path $OutDirectory 'export-job.ps1'
Set-Content -LiteralPath $exportJobPath -Value $exportJobScript -Encoding utf8
$exportFrom = $monthStart.AddMonths(-12)
$exportMonths = @(0..12 | ForEach-Object { $exportFrom.AddMonths($_).ToString('yyyy-MM', $inv) })

function Invoke-ExportScenario($S) {
    # Emulator + Azurite, the faults, the export job in a child pwsh; the verdict from its result.json (Test-ExportRounds).
    $slug = ($S.Name -replace '[^A-Za-z0-9]+', '-').Trim('-').ToLowerInvariant()
    $dir = Join-Path $OutDirectory $slug
    $null = New-Item -ItemType Directory -Force -Path $dir
    $sw = [Diagnostics.Stopwatch]::StartNew()
    Write-Host "--- $($S.Name)"
    $emu = Start-BillingEmulator -TimeScale 0.01 -CertDirectory $certDir
    $azurite = $null
    try {
        $azurite = Start-Azurite -Emulator $emu
        $world = Invoke-EmulatorAdmin $emu 'world'
        $null = Invoke-EmulatorAdmin $emu 'faults' -Method Post -Body $S.Faults
        $envs = @{
            SSL_CERT_FILE = $emu.CertPath; BPS_FAULTS_TOKEN = $emu.Token; BPS_FAULTS_ARM = $emu.ArmUrl; BPS_FAULTS_MODULE = $module; BPS_FAULTS_DIR = $dir
            BPS_EXPORT_ACCOUNT = ($world.accounts | Where-Object agreementType -EQ 'EnterpriseAgreement').name; BPS_EXPORT_STORAGE = $world.storageAccount.id
            BPS_EXPORT_FROM = $S.From.ToString('yyyy-MM-dd', $inv); BPS_EXPORT_TO = $monthEnd.ToString('yyyy-MM-dd', $inv)
            BPS_EXPORT_ROUNDS = "$($S.Rounds)"; BPS_EXPORT_TIMEOUT = "$($S.WaitSeconds)"
        }
        $saved = @{}
        foreach ($k in $envs.Keys) { $saved[$k] = [Environment]::GetEnvironmentVariable($k); [Environment]::SetEnvironmentVariable($k, $envs[$k]) }
        try {
            $cmd = Get-PwshCommand
            $p = Start-Process -FilePath $cmd[0] -ArgumentList (ConvertTo-ProcessArgument (@($cmd | Select-Object -Skip 1) + @('-NoProfile', '-NonInteractive', '-File', $exportJobPath))) -PassThru `
                -RedirectStandardOutput (Join-Path $dir 'stdout.txt') -RedirectStandardError (Join-Path $dir 'stderr.txt')
        }
        finally { foreach ($k in $saved.Keys) { [Environment]::SetEnvironmentVariable($k, $saved[$k]) } }
        $hung = -not (Wait-ChildJob $p 300)
        $stats = Invoke-EmulatorAdmin $emu 'stats'
    }
    finally {
        if ($azurite) { Stop-Azurite $azurite }
        Stop-BillingEmulator $emu
    }
    $fail = [Collections.Generic.List[string]]::new()
    if ($hung) { $fail.Add('HUNG: the child did not finish within 300 s') }
    $resultPath = Join-Path $dir 'result.json'
    $rounds = if (Test-Path -LiteralPath $resultPath) { @((Get-Content -Raw -LiteralPath $resultPath | ConvertFrom-Json).Rounds) } else { $fail.Add('no result.json'); @() }
    if ($rounds) { & $S.Check $rounds $fail }
    $secrets = (Find-Secrets $dir @($emu.Token)).Count
    if ($secrets) { $fail.Add("$secrets secret(s) in the captured streams") }
    $faultKinds = @(if ($stats.faults) { $stats.faults.PSObject.Properties | ForEach-Object { "$($_.Name) $($_.Value)" } })
    $errIds = @($rounds | ForEach-Object { $_.Errors } | Where-Object { $_ } | ForEach-Object { "$($_.Id) $($_.Target)" })
    $row = [pscustomobject][ordered]@{
        Scenario = $S.Name; Requests = [int]$stats.totalRequests
        Faults = "$([int]$stats.totalFaults)$(if ($faultKinds) { ' (' + ($faultKinds -join ', ') + ')' })"; Retries = '-'; Invoices = '-'
        Usage = (@($rounds | ForEach-Object -Begin { $n = 0 } -Process { $n++; "round $n`: $(@($_.Written).Count) months written, $($_.Submitted) submitted, $(@($_.Completed | Select-Object -Unique).Count)/13 completed, $([math]::Round($_.Seconds, 1)) s" }) -join '; ')
        Errors = $(if ($errIds) { $errIds -join ', ' } else { 'none' }); Dups = 0; Partial = 0; Secrets = $secrets
        Seconds = [math]::Round($sw.Elapsed.TotalSeconds, 1); Verdict = $(if ($fail.Count) { 'FAIL: ' + ($fail -join '; ') } else { 'PASS' }); Notes = ''
    }
    Write-Host ("    {0} | req {1} | faults {2} | {3} | errors {4} | {5}" -f $row.Scenario, $row.Requests, $row.Faults, $row.Usage, $row.Errors, $row.Verdict)
    $row
}

function Test-Months($Fail, [string] $What, $Got, $Expected) {
    if ((@($Got) -join ',') -ne (@($Expected) -join ',')) { $Fail.Add("${What}: $(@($Got) -join ',') instead of $(@($Expected) -join ',')") }
}

$scenarios.Add(@{ Name = 'Cost Management export: backfill of 13 months, 429 storm on run submission (70%), rerun'; Export = $true; From = $exportFrom; Rounds = 2; WaitSeconds = 300
    Faults = @{ exportRun429Rate = 0.7 }
    Check = { param($r, $fail)
        Test-Months $fail 'round 1 wrote' $r[0].Written $exportMonths
        if (@($r[0].Errors).Count) { $fail.Add("round 1 errors: $(@($r[0].Errors | ForEach-Object Id) -join ', ')") }
        Test-Months $fail 'completed in the run history' $r[0].Completed $exportMonths
        if ($r[1].Submitted -ne 0) { $fail.Add("the rerun submitted $($r[1].Submitted) runs, none expected") }
        Test-Months $fail 'the rerun wrote' $r[1].Written $exportMonths } })
$scenarios.Add(@{ Name = 'Cost Management export: backfill, one month''s run fails, rerun resubmits only it'; Export = $true; From = $exportFrom; Rounds = 2; WaitSeconds = 300
    Faults = @{ exportRunMode = 'fail'; exportRunMonths = @($exportMonths[4]) }
    Check = { param($r, $fail)
        Test-Months $fail 'round 1 wrote' $r[0].Written @($exportMonths | Where-Object { $_ -ne $exportMonths[4] })
        $e = @($r[0].Errors)
        if ($e.Count -ne 1 -or $e[0].Id -ne 'ExportRunFailed' -or $e[0].Target -ne $exportMonths[4]) { $fail.Add("round 1: expected one ExportRunFailed for $($exportMonths[4]), got $(@($e | ForEach-Object { "$($_.Id) $($_.Target)" }) -join ', ')") }
        if ($r[1].Submitted -ne 1) { $fail.Add("the rerun submitted $($r[1].Submitted) runs, one expected") }
        Test-Months $fail 'the rerun wrote' $r[1].Written $exportMonths
        Test-Months $fail 'completed in the run history' ($r[1].Completed | Select-Object -Unique) $exportMonths } })
$scenarios.Add(@{ Name = 'Cost Management export: -Wait on a run that stays queued (-TimeoutSeconds 5)'; Export = $true; From = $monthStart.AddMonths(-1); Rounds = 1; WaitSeconds = 5
    Faults = @{ exportRunMode = 'queued'; exportRunMonths = @($exportMonths[12]) }
    Check = { param($r, $fail)
        Test-Months $fail 'wrote' $r[0].Written @($exportMonths[11])
        $e = @($r[0].Errors)
        if ($e.Count -ne 1 -or $e[0].Id -ne 'ExportRunTimedOut' -or $e[0].Target -ne $exportMonths[12] -or $e[0].Message -notmatch 'still Queued') { $fail.Add("expected one ExportRunTimedOut for $($exportMonths[12]), got $(@($e | ForEach-Object { "$($_.Id) $($_.Target)" }) -join ', ')") }
        if ($r[0].Seconds -gt 60) { $fail.Add("the wait took $([math]::Round($r[0].Seconds)) s, bounded by 5 s plus one poll") } } })

$selected = @($scenarios | Where-Object { $sc = $_; (-not $Quick -or $sc.Quick) -and (-not $Only -or @($Only | Where-Object { $sc.Name -like "*$_*" }).Count) })
$rows = [Collections.Generic.List[object]]::new()
$started = [Diagnostics.Stopwatch]::StartNew()
foreach ($s in $selected) {
    try { $rows.Add((Invoke-Scenario $s)) }
    catch {
        Write-Host "    scenario failed to run: $_"
        $rows.Add([pscustomobject][ordered]@{ Scenario = $s.Name; Requests = 0; Faults = '-'; Retries = 0; Invoices = '-'; Usage = '-'; Errors = '-'; Dups = 0; Partial = 0; Secrets = 0; Seconds = 0; Verdict = "FAIL: the scenario did not run: $_"; Notes = '' })
    }
}

# ---- the engine's CSV mutation test, bigger than in the Test task -----------------------------------------------------
$mutationRow = $null
if ($MutationCount -gt 0) {
    Write-Host "--- CSV mutation test ($MutationCount mutants, engine reader)"
    $sw = [Diagnostics.Stopwatch]::StartNew()
    $env:USAGE_MUTATIONS = "$MutationCount"; $env:USAGE_MUTATION_SECONDS = '240'
    try {
        $log = & dotnet test (Join-Path $root 'tests/BillingPowerShell.Engine.Tests/BillingPowerShell.Engine.Tests.csproj') -c Release --nologo -v q --filter 'FullyQualifiedName~UsageMutation' 2>&1
        $ok = $LASTEXITCODE -eq 0
    }
    finally { Remove-Item Env:USAGE_MUTATIONS, Env:USAGE_MUTATION_SECONDS -ErrorAction Ignore }
    $summary = @($log | Where-Object { "$_" -match 'Passed!|Failed!|Total tests' }) -join ' '
    $mutationRow = [pscustomobject][ordered]@{ Scenario = "CSV mutation test, $MutationCount mutants"; Requests = 0; Faults = '-'; Retries = 0; Invoices = '-'; Usage = '-'; Errors = '-'
        Dups = 0; Partial = 0; Secrets = 0; Seconds = [math]::Round($sw.Elapsed.TotalSeconds, 1); Verdict = $(if ($ok) { 'PASS' } else { 'FAIL: ' + ($log | Select-Object -Last 15) -join ' ' }); Notes = $summary.Trim() }
    $rows.Add($mutationRow)
    Write-Host "    $($mutationRow.Verdict) $summary"
}

# ---- the table ----------------------------------------------------------------------------------------------------------
$cols = 'Scenario', 'Requests', 'Faults', 'Retries', 'Invoices', 'Usage', 'Errors', 'Dups', 'Partial', 'Secrets', 'Seconds', 'Verdict'
$md = [Collections.Generic.List[string]]::new()
$md.Add("Fault matrix$(if ($Quick) { ' (-Quick)' }), $(Get-Date -Format 'yyyy-MM-dd HH:mm') UTC, $($rows.Count) scenarios in $([math]::Round($started.Elapsed.TotalMinutes, 1)) min. " +
    "Invoices: $($invoiceFrom.ToString('yyyy-MM', $inv))..$($invoiceTo.ToString('yyyy-MM', $inv)) of the pay-as-you-go subscriptions (SHA-256 vs the emulator's world); " +
    "usage: $($monthStart.ToString('yyyy-MM', $inv)) per agreement type (rows and cost per currency re-read from the files vs the world's usageFacts).")
$md.Add('')
$md.Add('| ' + ($cols -join ' | ') + ' |')
$md.Add('|' + (($cols | ForEach-Object { '---' }) -join '|') + '|')
foreach ($r in $rows) { $md.Add('| ' + (($cols | ForEach-Object { ("$($r.$_)" -replace '\|', '/') + $(if ($_ -eq 'Verdict' -and $r.Notes) { " ($($r.Notes -replace '\|', '/'))" }) }) -join ' | ') + ' |') }
$mdPath = Join-Path $root ($(if ($Only) { 'out/faults-partial.md' } elseif ($Quick) { 'out/faults-quick.md' } else { 'out/faults.md' }))
$null = New-Item -ItemType Directory -Force -Path (Split-Path $mdPath)
Set-Content -LiteralPath $mdPath -Value $md
Write-Host ''
$md | ForEach-Object { Write-Host $_ }
$failed = @($rows | Where-Object { $_.Verdict -ne 'PASS' })
Write-Host ''
Write-Host ("FAULTS: {0} passed, {1} failed (table: {2})" -f ($rows.Count - $failed.Count), $failed.Count, $mdPath)
$rows | ForEach-Object { 'VERDICT ' + $_.Verdict.Split(':')[0] + ' ' + $_.Scenario } | Write-Output
exit $(if ($failed.Count -or $rows.Count -eq 0) { 1 } else { 0 })
