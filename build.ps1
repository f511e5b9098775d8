#!/usr/bin/env pwsh
<#
.SYNOPSIS
    Builds, tests, demonstrates and packages BillingPowerShell.

.DESCRIPTION
    Tasks (run in the order given):
      Build    dotnet build -c Release; lay out out/BillingPowerShell/<version>/ as installed (manifest with the version
               stamped from Directory.Build.props, format file, MAML help, BillingPowerShell.dll at the root and every
               other DLL under dependencies/); publish the emulator to out/emulator/.
      Test     Build, then xunit (engine, emulator), then Pester 5.7.1 (from NuGet) with one fresh pwsh -NoProfile per
               test file importing the built module by path. Ends with "Tests: N passed, N failed, N skipped";
               exits non-zero on any failure.
      Demo     Build, start the emulator, run tools/Demo.ps1 in a fresh pwsh against it, stop the emulator.
      Bench    Build, then tools/Bench.ps1 (when present).
      Faults   Build, then tools/Faults.ps1 (when present).
      Package  Build, then a PowerShell Gallery .nupkg of the module in out/package/.
      Clean    Remove out/ and the projects' bin/obj folders.

.EXAMPLE
    dotnet tool restore && dotnet pwsh ./build.ps1 Test

.EXAMPLE
    dotnet pwsh ./build.ps1 Test -PesterPath tests/Pester/Module.Tests.ps1 -SkipXunit
#>
[CmdletBinding()]
param(
    [ValidateSet('Build', 'Test', 'Demo', 'Bench', 'Faults', 'Package', 'Clean')]
    [string[]] $Task = 'Build',

    # Test: run only these Pester files (default: every tests/Pester/*.Tests.ps1).
    [string[]] $PesterPath,

    # Test: skip the xunit projects (for quick Pester iterations).
    [switch] $SkipXunit,

    # Test: the longest one Pester file may run before it is stopped and counted as failed.
    [int] $PesterFileTimeoutMinutes = 10,

    # Test: how many Pester files run at once, each in its own pwsh with its own emulator. 1 (the default) streams
    # the output live; more prints each file's output when it finishes.
    [ValidateRange(1, 8)] [int] $PesterThrottle = 1
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
    $helpDir = Join-Path $ModuleDir 'en-US'
    $null = New-Item -ItemType Directory -Force -Path $ModuleDir, $dependencies, $helpDir

    # Manifest: the source copy in module/ carries a placeholder version; the one place is Directory.Build.props.
    $manifest = Get-Content -Raw -LiteralPath (Join-Path $Root 'module/BillingPowerShell.psd1')
    $stamped = [regex]::Replace($manifest, "(?m)^(\s*ModuleVersion\s*=\s*)'[^']*'", "`${1}'$Version'")
    if ($stamped -eq $manifest -and $manifest -notmatch "ModuleVersion\s*=\s*'$([regex]::Escape($Version))'") {
        throw 'module/BillingPowerShell.psd1 has no ModuleVersion line to stamp.'
    }
    [IO.File]::WriteAllText($ManifestPath, $stamped, [Text.UTF8Encoding]::new($false))
    Copy-Item -LiteralPath (Join-Path $Root 'module/BillingPowerShell.Format.ps1xml') -Destination $ModuleDir
    Copy-Item -LiteralPath (Join-Path $Root 'LICENSE') -Destination $ModuleDir

    # Binaries: the cmdlet assembly at the root; the engine and every third-party DLL under dependencies/.
    $bin = Join-Path $Root 'src/BillingPowerShell/bin/Release/netstandard2.0'
    Copy-Item -LiteralPath (Join-Path $bin 'BillingPowerShell.dll'), (Join-Path $bin 'BillingPowerShell.pdb') -Destination $ModuleDir
    # System.Management.Automation comes with PowerShell itself and is never shipped.
    $shipped = Get-ChildItem -LiteralPath $bin -File | Where-Object {
        ($_.Extension -eq '.dll' -or $_.Name -eq 'BillingPowerShell.Engine.pdb') -and
        $_.Name -notin 'BillingPowerShell.dll', 'System.Management.Automation.dll'
    }
    $shipped | Copy-Item -Destination $dependencies

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

function Invoke-Test {
    Invoke-Build
    $results = [Collections.Generic.List[object]]::new()
    $runDir = Join-Path $OutDir 'test-run'
    if (Test-Path -LiteralPath $runDir) { Remove-Item -LiteralPath $runDir -Recurse -Force }
    $null = New-Item -ItemType Directory -Path $runDir -Force

    Write-Step 'Restore tools (Pester 5.7.1, Azure.Core 1.36.0) from NuGet'
    Invoke-Native dotnet restore (Join-Path $Root 'tools/Tools.proj') -nologo -v minimal

    if (-not $SkipXunit) {
        foreach ($project in 'tests/BillingPowerShell.Engine.Tests', 'tests/BillingPowerShell.Emulator.Tests') {
            $name = Split-Path -Leaf $project
            Write-Step "xunit: $name"
            $trx = Join-Path $runDir "$name.trx"
            # --no-build: Invoke-Build has just built the whole solution, test projects included, in Release.
            & dotnet test (Join-Path $Root $project) -c Release --nologo --no-build `
                --logger "trx;LogFileName=$trx" --logger 'console;verbosity=normal'
            $exit = $LASTEXITCODE
            if (Test-Path -LiteralPath $trx) {
                $counts = Get-TrxCounts $trx
                if ($exit -ne 0 -and $counts.Failed -eq 0) { $counts.Failed = 1 }   # e.g. the test host crashed
            }
            else {
                Write-Warning "$name produced no results (exit code $exit)."
                $counts = [pscustomobject]@{ Passed = 0; Failed = [int]($exit -ne 0); Skipped = 0 }
            }
            Write-Host ("{0}: {1} passed, {2} failed, {3} skipped" -f $name, $counts.Passed, $counts.Failed, $counts.Skipped)
            $results.Add([pscustomobject]@{ Suite = "xunit $name"; Passed = $counts.Passed; Failed = $counts.Failed; Skipped = $counts.Skipped })
        }
    }

    # The package test installs out/package/*.nupkg, so make it first (a few seconds).
    Invoke-Package

    # Pester: one fresh pwsh per file. Each gets SSL_CERT_FILE=<its folder>/emulator.pem in its environment before
    # it starts, and Start-TestEmulator writes the emulator's certificate exactly there (see tools/Emulator.psm1).
    if (-not (Test-Path -LiteralPath $PesterManifest)) { throw "Pester 5.7.1 was not restored: $PesterManifest is missing." }
    $files = if ($PesterPath) { $PesterPath -split ',' | Where-Object { $_ } | ForEach-Object { (Resolve-Path -LiteralPath $_).Path } }
             else { (Get-ChildItem -LiteralPath (Join-Path $Root 'tests/Pester') -Filter '*.Tests.ps1' | Sort-Object Name).FullName }
    $savedCert = $env:SSL_CERT_FILE
    $pending = [Collections.Generic.Queue[string]]::new([string[]]@($files))
    $running = [Collections.Generic.List[object]]::new()
    $parallel = $PesterThrottle -gt 1
    try {
        while ($pending.Count -or $running.Count) {
            # Start files while there is room. Sequential (the default): output streams live to this console.
            # In parallel: each file's output goes to its log, printed whole when the file finishes.
            while ($pending.Count -and $running.Count -lt [Math]::Max(1, $PesterThrottle)) {
                $file = $pending.Dequeue()
                $leaf = Split-Path -Leaf $file
                if (-not $parallel) { Write-Step "Pester: $leaf" }
                $fileDir = Join-Path $runDir ($leaf -replace '\.Tests\.ps1$', '')
                $null = New-Item -ItemType Directory -Force -Path (Join-Path $fileDir 'cert')
                $env:SSL_CERT_FILE = Join-Path $fileDir 'cert/emulator.pem'   # copied into the child's environment
                $pwsh = Get-PwshCommand
                $arguments = @($pwsh | Select-Object -Skip 1) + @('-NoProfile', '-NonInteractive', '-File',
                    (Join-Path $Root 'tools/PesterTest.ps1'), '-Path', $file, '-ModulePath', $ManifestPath,
                    '-PesterPath', $PesterManifest, '-ResultPath', (Join-Path $fileDir 'result.json'))
                $start = @{ FilePath = $pwsh[0]; ArgumentList = (ConvertTo-ProcessArgument $arguments); PassThru = $true; NoNewWindow = $true }
                if ($parallel) {
                    $start.RedirectStandardOutput = Join-Path $fileDir 'output.txt'
                    $start.RedirectStandardError = Join-Path $fileDir 'error.txt'
                }
                $running.Add([pscustomobject]@{
                        Leaf = $leaf; Dir = $fileDir; Process = (Start-Process @start)
                        Deadline = [DateTime]::UtcNow.AddMinutes($PesterFileTimeoutMinutes)
                    })
            }
            foreach ($job in @($running)) {
                if (-not $job.Process.HasExited) {
                    if ([DateTime]::UtcNow -lt $job.Deadline) { continue }
                    Write-Warning "$($job.Leaf) did not finish within $PesterFileTimeoutMinutes minutes; stopping it."
                    $job.Process.Kill($true)
                    $null = $job.Process.WaitForExit(10000)
                }
                $job.Process.WaitForExit()
                $null = $running.Remove($job)
                if ($parallel) {
                    Write-Step "Pester: $($job.Leaf)"
                    foreach ($log in 'output.txt', 'error.txt') {
                        $logPath = Join-Path $job.Dir $log
                        if (Test-Path -LiteralPath $logPath) { Get-Content -LiteralPath $logPath | Write-Host }
                    }
                }
                $resultFile = Join-Path $job.Dir 'result.json'
                if (Test-Path -LiteralPath $resultFile) {
                    $r = Get-Content -Raw -LiteralPath $resultFile | ConvertFrom-Json
                    $results.Add([pscustomobject]@{ Suite = "Pester $($job.Leaf)"; Passed = [int]$r.Passed; Failed = [int]$r.Failed; Skipped = [int]$r.Skipped })
                }
                else {
                    Write-Warning "$($job.Leaf) produced no result (exit code $($job.Process.ExitCode))."
                    $results.Add([pscustomobject]@{ Suite = "Pester $($job.Leaf)"; Passed = 0; Failed = 1; Skipped = 0 })
                }
            }
            if ($running.Count -and -not ($running | Where-Object { $_.Process.HasExited })) { Start-Sleep -Milliseconds 200 }
        }
    }
    finally {
        $env:SSL_CERT_FILE = $savedCert
        foreach ($job in $running) { if (-not $job.Process.HasExited) { $job.Process.Kill($true) } }
    }
    $results = [Collections.Generic.List[object]]@($results | Sort-Object { $_.Suite -notlike 'xunit*' }, Suite)

    $conformance = Join-Path $OutDir 'conformance.md'
    if (Test-Path -LiteralPath $conformance) {
        Write-Step 'Emulator conformance (out/conformance.md)'
        Get-Content -LiteralPath $conformance | Write-Host
    }

    Write-Step 'Summary'
    $results | Format-Table -AutoSize | Out-String -Width 200 | Write-Host
    $passed = ($results | Measure-Object -Property Passed -Sum).Sum
    $failed = ($results | Measure-Object -Property Failed -Sum).Sum
    $skipped = ($results | Measure-Object -Property Skipped -Sum).Sum
    Write-Host ("==> [{0:mm\:ss}] Test {1}" -f $script:Clock.Elapsed, $(if ($failed -gt 0 -or $passed -eq 0) { 'FAILED' } else { 'passed' }))
    # The last line of the run, as CI reads it.
    Write-Host "Tests: $passed passed, $failed failed, $skipped skipped"
    if ($failed -gt 0 -or $passed -eq 0) { exit 1 }
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
            'Demo' { Invoke-Demo }
            'Bench' { Invoke-ToolScript 'Bench' }
            'Faults' { Invoke-ToolScript 'Faults' }
            'Package' { Invoke-Package }
            'Clean' { Invoke-Clean; $script:BuildDone = $false }
        }
    }
    # After Test, its "Tests: ..." line stays the last line of the output.
    if ($Task[-1] -ne 'Test') { Write-Step ("Done: {0} in {1:n0} s" -f ($Task -join ', '), $started.Elapsed.TotalSeconds) }
}
catch {
    Write-Host "BUILD FAILED: $($_.Exception.Message)"
    exit 1
}
