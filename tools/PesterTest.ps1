<#
.SYNOPSIS
    Runs one Pester test file in this (fresh) pwsh process, importing the built module by path first.
.DESCRIPTION
    Started by build.ps1 Test once per tests/Pester/*.Tests.ps1, so every file gets a clean session (no state,
    assemblies or connection left over by another file) and its own SSL_CERT_FILE, set in the environment before this
    process started (see tools/Emulator.psm1). Writes { Passed, Failed, Skipped } to -ResultPath.
#>
[CmdletBinding()]
param(
    [Parameter(Mandatory)] [string] $Path,
    [Parameter(Mandatory)] [string] $ModulePath,
    [Parameter(Mandatory)] [string] $PesterPath,
    [Parameter(Mandatory)] [string] $ResultPath,
    # Tests tagged so are left out (build.ps1 Sweep: tools/ClockSweep.psd1 ExcludeTag).
    [string[]] $ExcludeTag = @(),
    [ValidateSet('Normal', 'Detailed', 'Diagnostic')] [string] $Verbosity = 'Detailed'
)
$ErrorActionPreference = 'Stop'
if ($PSStyle) { $PSStyle.OutputRendering = 'PlainText' }
$ProgressPreference = 'SilentlyContinue'

$result = [ordered]@{ Passed = 0; Failed = 1; Skipped = 0 }
try {
    Import-Module -Name $PesterPath -Force
    # The module as a user meets it: the built layout, imported by path. Tests read the path from here too.
    $env:BILLINGPS_MODULE_PATH = $ModulePath
    Import-Module -Name $ModulePath -Force

    $config = New-PesterConfiguration
    $config.Run.Path = $Path
    $config.Run.PassThru = $true
    # From build.ps1 the tags arrive as one comma-separated argument.
    if ($ExcludeTag) { $config.Filter.ExcludeTag = @($ExcludeTag -split ',' | Where-Object { $_ }) }
    $config.Output.Verbosity = $Verbosity
    $config.Output.RenderMode = 'Plaintext'
    $run = Invoke-Pester -Configuration $config

    $failed = $run.FailedCount
    if ($failed -eq 0) { $failed = $run.FailedBlocksCount + $run.FailedContainersCount }
    # Tests left out by -ExcludeTag are "not run"; they are not counted as skipped.
    $notRun = if ($ExcludeTag) { 0 } else { $run.NotRunCount }
    $result = [ordered]@{ Passed = $run.PassedCount; Failed = $failed; Skipped = $run.SkippedCount + $notRun }
}
catch {
    Write-Host "Could not run $Path : $($_.Exception.Message)"
}
finally {
    $result | ConvertTo-Json | Set-Content -LiteralPath $ResultPath -Encoding utf8
}
exit ([int]($result.Failed -gt 0))
