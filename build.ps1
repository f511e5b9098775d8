#!/usr/bin/env pwsh
<#
.SYNOPSIS
    Builds, tests, demonstrates and packages BillingPowerShell.

.DESCRIPTION
    Tasks (run in the order given):
      Build    dotnet build -c Release; lay out out/BillingPowerShell/<version>/ as installed (manifest with the version
               stamped from Directory.Build.props, format file, MAML help, BillingPowerShell.dll at the root, the
               engine's two builds with their DLLs under dependencies/netstandard2.0/ and dependencies/net8.0/);
               publish the emulator to out/emulator/.
      Test     Build, then xunit (engine, emulator), then Pester 5.7.1 (from NuGet) with one fresh pwsh -NoProfile per
               test file importing the built module by path. Ends with "Tests: N passed, N failed, N skipped";
               exits non-zero on any failure.
      Sweep    Build, then the date-sensitive tests (tools/ClockSweep.psd1: the emulator's xunit tests of its world and
               the Pester files of invoices, periods, usage and costs) under faketime at each instant of that file, in
               its time zone (TZ). Needs the Debian package faketime. -SweepInstant picks instants by name.
      Emulator Build, start the billing emulator and Azurite, print one JSON line {armUrl, blobUrl, storageUrl,
               storageAccountId, certPath, modulePath, token, ...}
               and run until Ctrl+C or until standard input closes.
      Demo     Build, start the emulator, run tools/Demo.ps1 in a fresh pwsh against it, stop the emulator.
      Bench    Build, then tools/Bench.ps1 (when present).
      Faults   Build, then tools/Faults.ps1 (when present).
      Package  Build, then a PowerShell Gallery .nupkg of the module in out/package/.
      Render   Build, install the Debian package chromium when missing (root with apt-get; otherwise say why and
               stop), then tests/Pester/Export-BillingReport.Render.Tests.ps1: the HTML report in headless Chromium,
               its screenshot in out/report-screenshot.png. (Test runs that file too, skipped without chromium.)
      Clean    Remove out/ and the projects' bin/obj folders.

.EXAMPLE
    dotnet tool restore && dotnet pwsh ./build.ps1 Test

.EXAMPLE
    dotnet pwsh ./build.ps1 Test -PesterPath tests/Pester/Module.Tests.ps1 -SkipXunit

.EXAMPLE
    dotnet pwsh ./build.ps1 Sweep -SweepInstant NewYear, LeapDayKiritimati
#>
[CmdletBinding()]
param(
    [ValidateSet('Build', 'Test', 'Sweep', 'Emulator', 'Demo', 'Bench', 'Faults', 'Package', 'Clean', 'Render')]
    [string[]] $Task = 'Build',

    # Test: run only these Pester files (default: every tests/Pester/*.Tests.ps1).
    [string[]] $PesterPath,

    # Test: skip the xunit projects (for quick Pester iterations).
    [switch] $SkipXunit,

    # Test: the longest one Pester file may run before it is stopped and counted as failed.
    [int] $PesterFileTimeoutMinutes = 10,

    # Test: how many Pester files run at once, each in its own pwsh with its own emulator. 1 (the default) streams
    # the output live; more prints each file's output when it finishes.
    [ValidateRange(1, 8)] [int] $PesterThrottle = 1,

    # Sweep: run only the instants of tools/ClockSweep.psd1 with these names (default: all of them).
    [string[]] $SweepInstant
)

Set-StrictMode -Version 3.0
$ErrorActionPreference = 'Stop'
$ProgressPreference = 'SilentlyContinue'
if ($PSStyle) { $PSStyle.OutputRendering = 'PlainText' }

$Root = $PSScriptRoot
Import-Module (Join-Path $Root 'tools/Emulator.psm1') -Force
$Version = Get-ModuleVersion -RepoRoot $Root
$OutDir = Join-Path $Root 'out'
$ModuleDir = Join-Path $OutDir "BillingPowerShell/$Version"
$ManifestPath = Join-Path $ModuleDir 'BillingPowerShell.psd1'
$EmulatorDir = Join-Path $OutDir 'emulator'
$NuGetPackages = if ($env:NUGET_PACKAGES) { $env:NUGET_PACKAGES } else { Join-Path $HOME '.nuget/packages' }
$PesterManifest = Join-Path $NuGetPackages 'pester/5.7.1/tools/Pester.psd1'
$script:BuildDone = $false

$script:Clock = [Diagnostics.Stopwatch]::StartNew()
function Write-Step([string] $Text) { Write-Host ("==> [{0:mm\:ss}] {1}" -f $script:Clock.Elapsed, $Text) }

function Invoke-Native {
    # Runs a native command, streaming its output; throws when it fails. A simple function on purpose: $args passes
    # switches such as -v or -c through untouched (an advanced function would take them as common parameters).
    $file, $rest = $args
    & $file @rest
    if ($LASTEXITCODE -ne 0) { throw "'$file $($rest -join ' ')' failed with exit code $LASTEXITCODE." }
}

function Invoke-Build {
    if ($script:BuildDone) { return }
    Write-Step "Build $Version"
    Invoke-Native dotnet build (Join-Path $Root 'BillingPowerShell.sln') -c Release -nologo -v minimal

    Write-Step "Lay out $ModuleDir"
    if (Test-Path -LiteralPath $ModuleDir) { Remove-Item -LiteralPath $ModuleDir -Recurse -Force }
    $dependencies = Join-Path $ModuleDir 'dependencies'
    $netstandardDir = Join-Path $dependencies 'netstandard2.0'
    $net8Dir = Join-Path $dependencies 'net8.0'
    $helpDir = Join-Path $ModuleDir 'en-US'
    $null = New-Item -ItemType Directory -Force -Path $ModuleDir, $netstandardDir, $net8Dir, $helpDir

    # Manifest: the source copy in module/ carries a placeholder version; the one place is Directory.Build.props.
    $manifest = Get-Content -Raw -LiteralPath (Join-Path $Root 'module/BillingPowerShell.psd1')
    $stamped = [regex]::Replace($manifest, "(?m)^(\s*ModuleVersion\s*=\s*)'[^']*'", "`${1}'$Version'")
    if ($stamped -eq $manifest -and $manifest -notmatch "ModuleVersion\s*=\s*'$([regex]::Escape($Version))'") {
        throw 'module/BillingPowerShell.psd1 has no ModuleVersion line to stamp.'
    }
    [IO.File]::WriteAllText($ManifestPath, $stamped, [Text.UTF8Encoding]::new($false))
    Copy-Item -LiteralPath (Join-Path $Root 'module/BillingPowerShell.Format.ps1xml') -Destination $ModuleDir
    Copy-Item -LiteralPath (Join-Path $Root 'LICENSE') -Destination $ModuleDir

    # Binaries: the cmdlet assembly at the root; the engine's two builds, each with the third-party DLLs resolved for
    # it, under dependencies/<build>/. The module's loader picks one folder at import (src/BillingPowerShell/Loader).
    $bin = Join-Path $Root 'src/BillingPowerShell/bin/Release/netstandard2.0'
    Copy-Item -LiteralPath (Join-Path $bin 'BillingPowerShell.dll'), (Join-Path $bin 'BillingPowerShell.pdb') -Destination $ModuleDir
    # netstandard2.0 (Windows PowerShell 5.1, PowerShell 7.0-7.3): the cmdlet project's bin holds the engine's
    # netstandard2.0 build and every DLL resolved for netstandard2.0. System.Management.Automation comes with
    # PowerShell itself and is never shipped.
    Get-ChildItem -LiteralPath $bin -File | Where-Object {
        ($_.Extension -eq '.dll' -or $_.Name -eq 'BillingPowerShell.Engine.pdb') -and
        $_.Name -notin 'BillingPowerShell.dll', 'System.Management.Automation.dll'
    } | Copy-Item -Destination $netstandardDir
    # net8.0 (PowerShell 7.4+): the engine's net8.0 build published with its dependencies resolved for net8.0; publish
    # leaves out what the .NET 8 shared framework provides (System.Text.Json and the like). --no-build: the solution
    # build above has just built both target frameworks. Only the flat DLLs are shipped, as for netstandard2.0 (the
    # loader looks nowhere else; runtimes/<rid>/ and the deps.json are not used).
    $published = Join-Path $OutDir 'engine-net8.0'
    if (Test-Path -LiteralPath $published) { Remove-Item -LiteralPath $published -Recurse -Force }
    Invoke-Native dotnet publish (Join-Path $Root 'src/BillingPowerShell.Engine/BillingPowerShell.Engine.csproj') `
        -f net8.0 -c Release -nologo -v minimal --no-build -o $published
    Get-ChildItem -LiteralPath $published -File | Where-Object {
        ($_.Extension -eq '.dll' -or $_.Name -eq 'BillingPowerShell.Engine.pdb') -and $_.Name -ne 'System.Management.Automation.dll'
    } | Copy-Item -Destination $net8Dir

    # Help: MAML from module/docs/<Cmdlet>.md, and the about topic as plain text.
    $docs = Join-Path $Root 'module/docs'
    & (Join-Path $Root 'tools/ConvertTo-Maml.ps1') -Path $docs -OutputPath (Join-Path $helpDir 'BillingPowerShell.dll-Help.xml')
    $about = Join-Path $docs 'about_BillingPowerShell.md'
    if (Test-Path -LiteralPath $about) {
        & (Join-Path $Root 'tools/ConvertTo-AboutHelp.ps1') -Path $about -OutputPath (Join-Path $helpDir 'about_BillingPowerShell.help.txt')
    }

    Write-Step "Publish the emulator to $EmulatorDir"
    # --no-build: the solution build above has just built it, in the same configuration (Release, no runtime identifier).
    Invoke-Native dotnet publish (Join-Path $Root 'src/BillingPowerShell.Emulator/BillingPowerShell.Emulator.csproj') `
        -c Release -nologo -v minimal --no-build -o $EmulatorDir
    $script:BuildDone = $true
}

function Invoke-PwshScript {
    # Runs a script in a fresh pwsh that shares this console (so tables get the terminal's real width); returns its
    # exit code.
    param([Parameter(Mandatory)] [string] $File, [string[]] $ArgumentList = @())
    $pwsh = Get-PwshCommand
    $arguments = @($pwsh | Select-Object -Skip 1) + @('-NoProfile', '-NonInteractive', '-File', $File) + $ArgumentList
    $process = Start-Process -FilePath $pwsh[0] -ArgumentList (ConvertTo-ProcessArgument $arguments) -NoNewWindow -PassThru
    $process.WaitForExit()
    $process.ExitCode
}

function Get-TrxCounts([string] $TrxPath) {
    $trx = [xml](Get-Content -Raw -LiteralPath $TrxPath)
    $c = $trx.TestRun.ResultSummary.Counters
    [pscustomobject]@{
        Passed  = [int]$c.passed
        Failed  = [int]$c.failed + [int]$c.error + [int]$c.timeout + [int]$c.aborted
        Skipped = [int]$c.total - [int]$c.executed
    }
}

function Start-Xunit([string] $Project, [string] $RunDir, [string[]] $Prefix = @(), [string] $Filter) {
    # One xunit project, already built, in a process of its own whose output goes to <RunDir>/<project>.log;
    # Complete-Xunit waits for it. -Prefix runs it under another command (faketime).
    $name = Split-Path -Leaf $Project
    $trx = Join-Path $RunDir "$name.trx"
    # --no-build: Invoke-Build has just built the whole solution, test projects included, in Release.
    $arguments = @('test', (Join-Path $Root $Project), '-c', 'Release', '--nologo', '--no-build',
        '--logger', "trx;LogFileName=$trx", '--logger', 'console;verbosity=normal')
    if ($Filter) { $arguments += '--filter', $Filter }
    $command = @($Prefix) + @('dotnet') + $arguments
    $log = Join-Path $RunDir "$name.log"
    $process = Start-Process -FilePath $command[0] -ArgumentList (ConvertTo-ProcessArgument @($command | Select-Object -Skip 1)) `
        -NoNewWindow -PassThru -RedirectStandardOutput $log -RedirectStandardError "$log.err"
    [pscustomobject]@{ Name = $name; Trx = $trx; Log = $log; Process = $process }
}

function Complete-Xunit($Job) {
    # Waits for a Start-Xunit process, prints its output, and returns its counts.
    $Job.Process.WaitForExit()
    Write-Step "xunit: $($Job.Name)"
    foreach ($log in $Job.Log, "$($Job.Log).err") { if (Test-Path -LiteralPath $log) { Get-Content -LiteralPath $log | Write-Host } }
    $exit = $Job.Process.ExitCode
    if (Test-Path -LiteralPath $Job.Trx) {
        $counts = Get-TrxCounts $Job.Trx
        if ($exit -ne 0 -and $counts.Failed -eq 0) { $counts.Failed = 1 }   # e.g. the test host crashed
    }
    else {
        Write-Warning "$($Job.Name) produced no results (exit code $exit)."
        $counts = [pscustomobject]@{ Passed = 0; Failed = [int]($exit -ne 0); Skipped = 0 }
    }
    Write-Host ("{0}: {1} passed, {2} failed, {3} skipped" -f $Job.Name, $counts.Passed, $counts.Failed, $counts.Skipped)
    [pscustomobject]@{ Suite = "xunit $($Job.Name)"; Passed = $counts.Passed; Failed = $counts.Failed; Skipped = $counts.Skipped }
}

function Invoke-Xunit([string] $Project, [string] $RunDir, [string[]] $Prefix = @(), [string] $Filter) {
    Complete-Xunit (Start-Xunit -Project $Project -RunDir $RunDir -Prefix $Prefix -Filter $Filter)
}

function New-PesterJob([string] $File, [string] $RunDir, [string[]] $Prefix = @(), [string] $SuitePrefix = 'Pester ', [string] $TimeZone, [string[]] $ExcludeTag = @()) {
    # What Start-PesterFile runs: a file, its output folder, and (Sweep) faketime, TZ and the tags left out.
    [pscustomobject]@{ File = $File; RunDir = $RunDir; Prefix = $Prefix; SuitePrefix = $SuitePrefix; TimeZone = $TimeZone; ExcludeTag = $ExcludeTag }
}

function Start-PesterFile($Job, [bool] $Parallel) {
    # One Pester file in a fresh pwsh with SSL_CERT_FILE=<its folder>/emulator.pem in its environment before it
    # starts; Start-TestEmulator writes the emulator's certificate exactly there (see tools/Emulator.psm1).
    $leaf = Split-Path -Leaf $Job.File
    $label = "$($Job.SuitePrefix -replace '^Pester $', '')$leaf"
    if (-not $Parallel) { Write-Step "Pester: $label" }
    $fileDir = Join-Path $Job.RunDir ($leaf -replace '\.Tests\.ps1$', '')
    $null = New-Item -ItemType Directory -Force -Path (Join-Path $fileDir 'cert')
    $env:SSL_CERT_FILE = Join-Path $fileDir 'cert/emulator.pem'   # copied into the child's environment
    $env:TZ = if ($Job.TimeZone) { $Job.TimeZone } else { $script:SavedTz }
    $command = Get-PwshCommand   # an array: the executable and its leading arguments
    $pwsh = @($Job.Prefix) + $command
    $arguments = @($pwsh | Select-Object -Skip 1) + @('-NoProfile', '-NonInteractive', '-File',
        (Join-Path $Root 'tools/PesterTest.ps1'), '-Path', $Job.File, '-ModulePath', $ManifestPath,
        '-PesterPath', $PesterManifest, '-ResultPath', (Join-Path $fileDir 'result.json'))
    if ($Job.ExcludeTag) { $arguments += @('-ExcludeTag') + (@($Job.ExcludeTag) -join ',') }
    $start = @{ FilePath = $pwsh[0]; ArgumentList = (ConvertTo-ProcessArgument $arguments); PassThru = $true; NoNewWindow = $true }
    if ($Parallel) {
        $start.RedirectStandardOutput = Join-Path $fileDir 'output.txt'
        $start.RedirectStandardError = Join-Path $fileDir 'error.txt'
    }
    [pscustomobject]@{
        Leaf = $leaf; Label = $label; Suite = "$($Job.SuitePrefix)$leaf"; Dir = $fileDir; Process = (Start-Process @start)
        Elapsed = [Diagnostics.Stopwatch]::StartNew()
    }
}

function Complete-PesterFile($Job, [bool] $Parallel) {
    # Waits for a started file (stopping it past the per-file limit) and returns its counts.
    $left = [Math]::Max(0, [TimeSpan]::FromMinutes($PesterFileTimeoutMinutes).Subtract($Job.Elapsed.Elapsed).TotalMilliseconds)
    if (-not $Job.Process.WaitForExit([int]$left)) {
        Write-Warning "$($Job.Leaf) did not finish within $PesterFileTimeoutMinutes minutes; stopping it."
        $Job.Process.Kill($true)
        $null = $Job.Process.WaitForExit(10000)
    }
    $Job.Process.WaitForExit()
    if ($Parallel) {
        Write-Step "Pester: $($Job.Label)"
        foreach ($log in 'output.txt', 'error.txt') {
            $logPath = Join-Path $Job.Dir $log
            if (Test-Path -LiteralPath $logPath) { Get-Content -LiteralPath $logPath | Write-Host }
        }
    }
    $resultFile = Join-Path $Job.Dir 'result.json'
    if (Test-Path -LiteralPath $resultFile) {
        $r = Get-Content -Raw -LiteralPath $resultFile | ConvertFrom-Json
        return [pscustomobject]@{ Suite = $Job.Suite; Passed = [int]$r.Passed; Failed = [int]$r.Failed; Skipped = [int]$r.Skipped }
    }
    Write-Warning "$($Job.Leaf) produced no result (exit code $($Job.Process.ExitCode))."
    [pscustomobject]@{ Suite = $Job.Suite; Passed = 0; Failed = 1; Skipped = 0 }
}

function Invoke-PesterFiles([object[]] $Jobs) {
    # Each job (New-PesterJob) in its own fresh pwsh, $PesterThrottle at a time. Sequential (the default): output
    # streams live to this console; in parallel each file's output is printed whole when it finishes.
    if (-not (Test-Path -LiteralPath $PesterManifest)) { throw "Pester 5.7.1 was not restored: $PesterManifest is missing." }
    $pending = [Collections.Generic.Queue[object]]::new([object[]]@($Jobs))
    $running = [Collections.Generic.List[object]]::new()
    $parallel = $PesterThrottle -gt 1
    $savedCert = $env:SSL_CERT_FILE
    $script:SavedTz = $env:TZ
    try {
        while ($pending.Count -or $running.Count) {
            while ($pending.Count -and $running.Count -lt $PesterThrottle) {
                $running.Add((Start-PesterFile -Job $pending.Dequeue() -Parallel $parallel))
            }
            # Wait for an exit (the event), whichever file it is; never poll on a timer for the result.
            $finished = @($running | Where-Object { $_.Process.HasExited })
            if (-not $finished) {
                $null = [Threading.Tasks.Task]::WaitAny([Threading.Tasks.Task[]]@($running | ForEach-Object { $_.Process.WaitForExitAsync() }), 60000)
                $finished = @($running | Where-Object { $_.Process.HasExited -or $_.Elapsed.Elapsed.TotalMinutes -ge $PesterFileTimeoutMinutes })
            }
            foreach ($job in $finished) {
                $null = $running.Remove($job)
                Complete-PesterFile -Job $job -Parallel $parallel
            }
        }
    }
    finally {
        $env:SSL_CERT_FILE = $savedCert
        $env:TZ = $script:SavedTz
        foreach ($job in $running) { if (-not $job.Process.HasExited) { $job.Process.Kill($true) } }
    }
}

function New-RunDirectory([string] $Name) {
    $runDir = Join-Path $OutDir $Name
    if (Test-Path -LiteralPath $runDir) { Remove-Item -LiteralPath $runDir -Recurse -Force }
    (New-Item -ItemType Directory -Path $runDir -Force).FullName
}

function Write-TestSummary($Results, [string] $Name) {
    # The summary table and the closing line CI reads; exits 1 on any failure or when nothing passed.
    Write-Step 'Summary'
    $Results | Format-Table -AutoSize | Out-String -Width 200 | Write-Host
    $passed = ($Results | Measure-Object -Property Passed -Sum).Sum
    $failed = ($Results | Measure-Object -Property Failed -Sum).Sum
    $skipped = ($Results | Measure-Object -Property Skipped -Sum).Sum
    Write-Host ("==> [{0:mm\:ss}] {1} {2}" -f $script:Clock.Elapsed, $Name, $(if ($failed -gt 0 -or $passed -eq 0) { 'FAILED' } else { 'passed' }))
    Write-Host "Tests: $passed passed, $failed failed, $skipped skipped"
    if ($failed -gt 0 -or $passed -eq 0) { exit 1 }
}

function Invoke-Test {
    Invoke-Build
    $runDir = New-RunDirectory 'test-run'
    Write-Step 'Restore tools (Pester 5.7.1, Azure.Core 1.36.0) from NuGet'
    Invoke-Native dotnet restore (Join-Path $Root 'tools/Tools.proj') -nologo -v minimal

    $results = [Collections.Generic.List[object]]::new()
    # The package test installs out/package/*.nupkg, so make it first (a few seconds).
    Invoke-Package

    $files = if ($PesterPath) { $PesterPath -split ',' | Where-Object { $_ } | ForEach-Object { (Resolve-Path -LiteralPath $_).Path } }
             else { (Get-ChildItem -LiteralPath (Join-Path $Root 'tests/Pester') -Filter '*.Tests.ps1' | Sort-Object Name).FullName }
    # The xunit projects run beside the Pester files (one file at a time): most Pester files wait on their emulator,
    # so the second core is free. Azurite is installed first, so that the emulator's xunit fixture and the Pester
    # files never both run npm ci into tools/azurite.
    $xunit = @()
    if (-not $SkipXunit) {
        Write-Step 'Install Azurite (tools/azurite: npm ci from its lock file, when missing)'
        if (Get-Command npm -CommandType Application -ErrorAction Ignore) { $null = Install-Azurite }
        Write-Step 'xunit: BillingPowerShell.Engine.Tests and BillingPowerShell.Emulator.Tests, beside Pester (output when they end)'
        $xunit = foreach ($project in 'tests/BillingPowerShell.Engine.Tests', 'tests/BillingPowerShell.Emulator.Tests') { Start-Xunit -Project $project -RunDir $runDir }
    }
    try { Invoke-PesterFiles -Jobs @($files | ForEach-Object { New-PesterJob -File $_ -RunDir $runDir }) | ForEach-Object { $results.Add($_) } }
    finally { foreach ($job in $xunit) { $results.Add((Complete-Xunit $job)) } }

    $conformance = Join-Path $OutDir 'conformance.md'
    if (Test-Path -LiteralPath $conformance) {
        Write-Step 'Emulator conformance (out/conformance.md)'
        Get-Content -LiteralPath $conformance | Write-Host
    }
    Write-TestSummary ($results | Sort-Object { $_.Suite -notlike 'xunit*' }, Suite) 'Test'
}

function Invoke-Sweep {
    # The date-sensitive tests under faketime at the instants of tools/ClockSweep.psd1 (README, "Tests on any day").
    Invoke-Build
    Write-Step 'Restore tools (Pester 5.7.1) from NuGet'
    Invoke-Native dotnet restore (Join-Path $Root 'tools/Tools.proj') -nologo -v minimal
    if (-not (Get-Command faketime -CommandType Application -ErrorAction Ignore)) {
        throw "faketime is not installed: run 'apt-get install -y faketime' (Debian package faketime) as root, then run the sweep again."
    }
    $sweep = Import-PowerShellDataFile -LiteralPath (Join-Path $Root 'tools/ClockSweep.psd1')
    # From bash, `-SweepInstant A,B` arrives as one string: split it, as -PesterPath is.
    $names = @($SweepInstant -split ',' | Where-Object { $_ })
    $instants = @($sweep.Instants | Where-Object { -not $names -or $_.Name -in $names })
    if ($names | Where-Object { $_ -notin $sweep.Instants.Name }) {
        throw "tools/ClockSweep.psd1 has no instant named $(($names | Where-Object { $_ -notin $sweep.Instants.Name }) -join ', '); it has $($sweep.Instants.Name -join ', ')."
    }
    $files = @($sweep.PesterFiles | ForEach-Object { Join-Path $Root "tests/Pester/$_" })
    $results = [Collections.Generic.List[object]]::new()
    $jobs = [Collections.Generic.List[object]]::new()
    $savedTz = $env:TZ
    try {
        foreach ($i in $instants) {
            # Every process starts at the instant (UTC) and its clock runs on from there; TZ is the machine's zone.
            Write-Step "Sweep: $($i.Name): $($i.Utc) UTC, TZ=$($i.TimeZone)"
            $env:TZ = $i.TimeZone
            $prefix = @('faketime', "$($i.Utc) UTC")
            $runDir = New-RunDirectory "sweep/$($i.Name)"
            $xunit = Invoke-Xunit -Project 'tests/BillingPowerShell.Emulator.Tests' -RunDir $runDir -Prefix $prefix -Filter $sweep.XunitFilter
            $xunit.Suite = "$($i.Name) $($xunit.Suite)"
            $results.Add($xunit)
            foreach ($f in $files) { $jobs.Add((New-PesterJob -File $f -RunDir $runDir -Prefix $prefix -SuitePrefix "$($i.Name) " -TimeZone $i.TimeZone -ExcludeTag $sweep.ExcludeTag)) }
        }
    }
    finally { $env:TZ = $savedTz }
    # Every instant's files in one queue, the files in ClockSweep.psd1's order (longest first), so no instant waits
    # for the last file of the one before it.
    Write-Step "Sweep: $($jobs.Count) Pester files, $PesterThrottle at a time, without the tests tagged $($sweep.ExcludeTag -join ', ')"
    $ordered = foreach ($f in $files) { $jobs | Where-Object File -EQ $f }
    Invoke-PesterFiles -Jobs @($ordered) | ForEach-Object { $results.Add($_) }
    Write-TestSummary $results 'Sweep'
}

function Invoke-Demo {
    Invoke-Build
    $demoDir = Join-Path $OutDir 'demo'
    $null = New-Item -ItemType Directory -Force -Path (Join-Path $demoDir 'cert')
    $savedCert = $env:SSL_CERT_FILE
    $env:SSL_CERT_FILE = Join-Path $demoDir 'cert/emulator.pem'
    $emulator = $null
    try {
        Write-Step 'Start the billing emulator'
        $emulator = Start-BillingEmulator -TimeScale 0.02 -Seed 42 -CertDirectory (Join-Path $demoDir 'cert')
        Write-Host "Emulator ready: Resource Manager $($emulator.ArmUrl), blobs $($emulator.BlobUrl)"
        # The token goes to the demo through its environment, never on a command line or in output.
        $env:BILLINGPS_DEMO_TOKEN = $emulator.Token
        $exit = Invoke-PwshScript -File (Join-Path $Root 'tools/Demo.ps1') -ArgumentList '-ModulePath', $ManifestPath, '-ResourceManagerUrl', $emulator.ArmUrl, '-OutputDirectory', $demoDir
        if ($exit -ne 0) { throw "The demo failed (exit code $exit)." }
    }
    finally {
        Remove-Item Env:BILLINGPS_DEMO_TOKEN -ErrorAction Ignore
        $env:SSL_CERT_FILE = $savedCert
        if ($emulator) { Write-Step 'Stop the billing emulator'; Stop-BillingEmulator $emulator }
    }
}

function Invoke-Emulator {
    # The billing emulator and Azurite for a person or a script (Invoke-EmulatorSession in tools/Emulator.psm1): one
    # JSON line says how to reach and trust them, then they run until Ctrl+C or until standard input closes. README,
    # "Try it against the emulator".
    Invoke-Build
    Write-Step 'Start the billing emulator and Azurite: Ctrl+C (or closing standard input) stops them'
    Invoke-EmulatorSession -Directory (Join-Path $OutDir 'emulator-run') -ModulePath $ManifestPath
}

function Invoke-ToolScript([string] $Name) {
    Invoke-Build
    $script = Join-Path $Root "tools/$Name.ps1"
    if (-not (Test-Path -LiteralPath $script)) {
        Write-Warning "tools/$Name.ps1 does not exist yet; nothing to run."
        return
    }
    Write-Step "tools/$Name.ps1"
    # The script finds the built module through BILLINGPS_MODULE_PATH (or tools/Emulator.psm1's Get-BuiltModulePath)
    # and starts the emulator itself with Start-BillingEmulator.
    $env:BILLINGPS_MODULE_PATH = $ManifestPath
    $exit = Invoke-PwshScript -File $script
    if ($exit -ne 0) { throw "tools/$Name.ps1 failed (exit code $exit)." }
}

function Invoke-Package {
    Invoke-Build
    $packageDir = Join-Path $OutDir 'package'
    if (Test-Path -LiteralPath $packageDir) { Remove-Item -LiteralPath $packageDir -Recurse -Force }
    $null = New-Item -ItemType Directory -Force -Path $packageDir
    Write-Step "Package BillingPowerShell $Version (PowerShell Gallery .nupkg) into $packageDir"
    # Compress-PSResource (PSResourceGet 1.1+, shipped with pwsh 7.6) makes the same .nupkg Publish-PSResource would
    # upload, without registering a repository in the user's settings.
    Import-Module Microsoft.PowerShell.PSResourceGet
    Compress-PSResource -Path $ModuleDir -DestinationPath $packageDir
    $nupkg = Get-ChildItem -LiteralPath $packageDir -Filter '*.nupkg'
    if (-not $nupkg) { throw 'No .nupkg was produced.' }
    $nupkg | ForEach-Object { Write-Host "$($_.FullName) ($([math]::Round($_.Length / 1KB)) KB)" }
}

function Invoke-Render {
    Invoke-Build
    Import-Module (Join-Path $Root 'tools/Chromium.psm1') -Force
    Write-Step 'Chromium (Debian package chromium)'
    $chromium = Install-Chromium
    if ($chromium -like 'SKIP:*') { throw "Render needs Chromium. $($chromium.Substring(6))" }
    Write-Host $chromium
    Invoke-Native dotnet restore (Join-Path $Root 'tools/Tools.proj') -nologo -v minimal
    $results = Invoke-PesterFiles -Jobs (New-PesterJob -File (Join-Path $Root 'tests/Pester/Export-BillingReport.Render.Tests.ps1') -RunDir (New-RunDirectory 'render-run'))
    Write-TestSummary $results 'Render'
}

function Invoke-Clean {
    Write-Step 'Clean'
    if (Test-Path -LiteralPath $OutDir) { Remove-Item -LiteralPath $OutDir -Recurse -Force }
    Get-ChildItem -LiteralPath (Join-Path $Root 'src'), (Join-Path $Root 'tests') -Directory -Recurse -Include bin, obj -ErrorAction Ignore |
        Where-Object { $_.FullName -notmatch '[\\/]node_modules[\\/]' } |
        Remove-Item -Recurse -Force -ErrorAction Ignore
}

$started = [Diagnostics.Stopwatch]::StartNew()
try {
    foreach ($t in $Task) {
        switch ($t) {
            'Build' { Invoke-Build }
            'Test' { Invoke-Test }
            'Sweep' { Invoke-Sweep }
            'Emulator' { Invoke-Emulator }
            'Demo' { Invoke-Demo }
            'Bench' { Invoke-ToolScript 'Bench' }
            'Faults' { Invoke-ToolScript 'Faults' }
            'Package' { Invoke-Package }
            'Clean' { Invoke-Clean; $script:BuildDone = $false }
            'Render' { Invoke-Render }
        }
    }
    # After Test or Sweep, its "Tests: ..." line stays the last line of the output.
    if ($Task[-1] -notin 'Test', 'Sweep', 'Render') { Write-Step ("Done: {0} in {1:n0} s" -f ($Task -join ', '), $started.Elapsed.TotalSeconds) }
}
catch {
    Write-Host "BUILD FAILED: $($_.Exception.Message)"
    exit 1
}
