# Shared helpers for the Pester tests: one emulator per test file, admin calls, module paths, child pwsh processes.
#
#   BeforeAll {
#       Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
#       $script:emu = Start-TestEmulator
#       Connect-BillingAccount -ResourceManagerUrl $emu.ArmUrl -AccessToken $emu.SecureToken
#   }
#   AfterAll { Stop-TestEmulator $script:emu }
#
# Certificate trust — the decision: .NET on Linux reads SSL_CERT_FILE from the native environment the first time it
# builds a certificate chain, and `$env:SSL_CERT_FILE = ...` inside a running pwsh does not reach that environment.
# So the variable is set by whoever starts the test process: build.ps1 runs each *.Tests.ps1 in its own fresh pwsh
# with SSL_CERT_FILE=out/test-run/<file>/cert/emulator.pem, and Start-TestEmulator passes that folder as the
# emulator's --cert-dir, so the certificate appears exactly where the process already looks (it is only read at
# the first HTTPS call, after BeforeAll). Child pwsh processes started by a test inherit the variable.
# Consequences: one emulator per test file (a second one would replace the certificate), and a test file run by hand
# needs the same: `dotnet pwsh ./build.ps1 Test -SkipXunit -PesterPath tests/Pester/<File>.Tests.ps1`.

Set-StrictMode -Version 3.0
Import-Module (Join-Path $PSScriptRoot '../../tools/Emulator.psm1') -Force -Global:$false

function Get-TestModulePath {
    <# The built module's manifest: the one the runner imported ($env:BILLINGPS_MODULE_PATH), else out/. #>
    [CmdletBinding()] [OutputType([string])] param()
    if ($env:BILLINGPS_MODULE_PATH) { return $env:BILLINGPS_MODULE_PATH }
    Get-BuiltModulePath
}

function Start-TestEmulator {
    <#
    Starts the emulator for this test file. Returns { ArmUrl, BlobUrl, CertPath, Token, SecureToken, ReaderToken,
    SecureReaderToken, ProcessId, ... }. Extra emulator flags (latency, faults, quota) go in -ExtraArgument.
    -CertDirectory starts a second emulator with a certificate of its own, for a child pwsh that trusts it
    (SSL_CERT_FILE = its CertPath); this process keeps trusting the first.
    -WithAzurite also starts Azurite as the world's storage account (Start-Azurite -Emulator: same certificate, so
    this process trusts it too); export runs write there. The result's Azurite property has its BlobUrl.
    #>
    [CmdletBinding()]
    param(
        [int] $Seed = 42,
        [string] $Size = 'small',
        [double] $TimeScale = 0.01,
        [string[]] $ExtraArgument = @(),
        [string] $CertDirectory,
        [switch] $WithAzurite
    )
    if ($CertDirectory) {
        $emulator = Start-BillingEmulator -Seed $Seed -Size $Size -TimeScale $TimeScale -ExtraArgument $ExtraArgument -CertDirectory $CertDirectory
        $emulator | Add-Member -NotePropertyName SecureToken -NotePropertyValue (ConvertTo-SecureString $emulator.Token -AsPlainText -Force)
        if ($WithAzurite) { Add-TestAzurite $emulator }
        return $emulator
    }
    if (-not $env:SSL_CERT_FILE -or (Split-Path -Leaf $env:SSL_CERT_FILE) -ne 'emulator.pem') {
        Write-Warning ('SSL_CERT_FILE does not name an emulator.pem for this process, so HTTPS calls to the emulator ' +
            'from this process will not be trusted. Run the file through build.ps1 Test (see TestHelpers.psm1).')
    }
    $emulator = Start-BillingEmulator -Seed $Seed -Size $Size -TimeScale $TimeScale -ExtraArgument $ExtraArgument
    if ($env:SSL_CERT_FILE -and (Split-Path -Leaf $env:SSL_CERT_FILE) -eq 'emulator.pem' -and
        [IO.Path]::GetFullPath($emulator.CertPath) -ne [IO.Path]::GetFullPath($env:SSL_CERT_FILE)) {
        Write-Warning "The emulator wrote its certificate to $($emulator.CertPath), not to SSL_CERT_FILE ($env:SSL_CERT_FILE)."
    }
    $emulator | Add-Member -NotePropertyName SecureToken -NotePropertyValue (ConvertTo-SecureString $emulator.Token -AsPlainText -Force)
    $emulator | Add-Member -NotePropertyName SecureReaderToken -NotePropertyValue (ConvertTo-SecureString $emulator.ReaderToken -AsPlainText -Force)
    if ($WithAzurite) { Add-TestAzurite $emulator }
    $emulator
}

function Add-TestAzurite($Emulator) {
    # Azurite for the emulator's storage account; the emulator is stopped if Azurite cannot start.
    try { $azurite = Start-Azurite -Emulator $Emulator }
    catch { Stop-BillingEmulator $Emulator; throw }
    $Emulator | Add-Member -NotePropertyName Azurite -NotePropertyValue $azurite
}

function Stop-TestEmulator {
    <# Stops the emulator of this test file (by its process id), and its Azurite if it has one, and removes their work folders. #>
    [CmdletBinding()]
    param([Parameter(ValueFromPipeline)] $Emulator)
    process {
        if (-not $Emulator) { return }
        if ($Emulator.PSObject.Properties['Azurite']) { Stop-Azurite $Emulator.Azurite }
        Stop-BillingEmulator $Emulator
    }
}

function Set-EmulatorFaults {
    <#
    Replaces the emulator's fault settings (POST /_emulator/faults). Keys as the command-line flags without dashes,
    in camelCase as the emulator's JSON expects, e.g. @{ fault429Rate = 0.3; fault429Header = 'Retry-After' }.
    An empty hashtable clears the faults.
    #>
    [CmdletBinding()]
    param([Parameter(Mandatory)] $Emulator, [Parameter(Mandatory)] [hashtable] $Settings)
    Invoke-EmulatorAdmin -Emulator $Emulator -Path 'faults' -Method Post -Body $Settings
}

function Reset-Emulator {
    <# Clears faults and statistics (POST /_emulator/reset). #>
    [CmdletBinding()]
    param([Parameter(Mandatory)] $Emulator)
    Invoke-EmulatorAdmin -Emulator $Emulator -Path 'reset' -Method Post -Body @{}
}

function Resume-HeldExportFile {
    <# Lands now the last data files held back by the manifestFirst export faults (POST /_emulator/exports/release). #>
    [CmdletBinding()]
    param([Parameter(Mandatory)] $Emulator)
    Invoke-EmulatorAdmin -Emulator $Emulator -Path 'exports/release' -Method Post
}

function Get-EmulatorStats {
    <# Requests served and faults injected (GET /_emulator/stats). #>
    [CmdletBinding()]
    param([Parameter(Mandatory)] $Emulator)
    Invoke-EmulatorAdmin -Emulator $Emulator -Path 'stats'
}

function Get-EmulatorStatsCount {
    <# Requests served on one route (e.g. GenerateCostDetailsReport_CreateOperation, UsageDetails_List, Blob_GET). #>
    [CmdletBinding()]
    param([Parameter(Mandatory)] $Stats, [Parameter(Mandatory)] [string] $Route)
    $p = $Stats.requests.PSObject.Properties[$Route]
    if ($p) { [long]$p.Value } else { 0L }
}

function Get-EmulatorFaultCount {
    <# Faults injected of one kind (e.g. '429:Retry-After', 'reset-csv', 'blob-expired'). #>
    [CmdletBinding()]
    param([Parameter(Mandatory)] $Stats, [Parameter(Mandatory)] [string] $Kind)
    $p = $Stats.faults.PSObject.Properties[$Kind]
    if ($p) { [long]$p.Value } else { 0L }
}

function Invoke-UntilFaulted {
    <#
    Runs a command again (up to 6 times) until the emulator has injected -Minimum faults of -Kind ('*': any) since the
    last reset; returns each run's output as one array per run. Fault decisions follow the request numbers, and
    concurrent requests take those numbers in any order, so one run may by chance draw no fault at all.
    #>
    [CmdletBinding()]
    param([Parameter(Mandatory)] $Emulator, [Parameter(Mandatory)] [string] $Kind, [int] $Minimum = 1,
        [Parameter(Mandatory)] [scriptblock] $ScriptBlock)
    $runs = [Collections.Generic.List[object]]::new()
    for ($i = 0; $i -lt 6; $i++) {
        $runs.Add(@(& $ScriptBlock))
        $stats = Get-EmulatorStats $Emulator
        $n = if ($Kind -eq '*') { $stats.totalFaults } else { Get-EmulatorFaultCount $stats $Kind }
        if ($n -ge $Minimum) { break }
    }
    , $runs.ToArray()
}

function Get-EmulatorWorld {
    <# The emulator's generated data and the facts tests can expect (GET /_emulator/world). #>
    [CmdletBinding()]
    param([Parameter(Mandatory)] $Emulator)
    Invoke-EmulatorAdmin -Emulator $Emulator -Path 'world'
}

function Get-EmulatorIdentity {
    <# The emulator's identities and the access tokens it issued lately (GET /_emulator/identity). #>
    [CmdletBinding()]
    param([Parameter(Mandatory)] $Emulator)
    Invoke-EmulatorAdmin -Emulator $Emulator -Path 'identity'
}

function Invoke-ChildPwsh {
    <#
    Runs a script block in a fresh `pwsh -NoProfile -NonInteractive` (same pwsh as this one) and returns
    { ExitCode, Output } where Output is the child's combined stdout/stderr as text lines. -Environment adds
    variables for the child only (restored afterwards); secrets go there, never on the command line.
    #>
    [CmdletBinding()]
    param(
        [Parameter(Mandatory)] [scriptblock] $ScriptBlock,
        [hashtable] $Environment = @{},
        [int] $TimeoutSeconds = 300
    )
    $work = Join-Path ([IO.Path]::GetTempPath()) ('bps-child-' + [Guid]::NewGuid().ToString('n').Substring(0, 12))
    $null = New-Item -ItemType Directory -Path $work
    $scriptPath = Join-Path $work 'child.ps1'
    Set-Content -LiteralPath $scriptPath -Value ("`$ErrorActionPreference = 'Stop'`n" + 'if ($PSStyle) { $PSStyle.OutputRendering = "PlainText" }' + "`n" + $ScriptBlock.ToString()) -Encoding utf8
    $saved = @{}
    foreach ($key in $Environment.Keys) { $saved[$key] = [Environment]::GetEnvironmentVariable($key); [Environment]::SetEnvironmentVariable($key, [string]$Environment[$key]) }
    try {
        $cmd = Get-PwshCommand
        $arguments = @($cmd | Select-Object -Skip 1) + @('-NoProfile', '-NonInteractive', '-File', $scriptPath)
        $out = Join-Path $work 'out.txt'
        $err = Join-Path $work 'err.txt'
        $process = Start-Process -FilePath $cmd[0] -ArgumentList (ConvertTo-ProcessArgument $arguments) -PassThru -RedirectStandardOutput $out -RedirectStandardError $err
        if (-not $process.WaitForExit($TimeoutSeconds * 1000)) {
            $process.Kill($true)
            throw "The child pwsh did not finish within $TimeoutSeconds s."
        }
        $process.WaitForExit()
        [pscustomobject]@{
            ExitCode = $process.ExitCode
            Output   = @(Get-Content -LiteralPath $out -ErrorAction Ignore) + @(Get-Content -LiteralPath $err -ErrorAction Ignore)
        }
    }
    finally {
        foreach ($key in $saved.Keys) { [Environment]::SetEnvironmentVariable($key, $saved[$key]) }
        Remove-Item -LiteralPath $work -Recurse -Force -ErrorAction Ignore
    }
}

function Find-Secret {
    <#
    Secrets scan: returns every line of -Text that contains one of -Secret (tokens, client secrets) or a SAS
    signature (sig=<value> that is not redacted). Use it on everything a session wrote: `$all = & { ... } *>&1`.
    #>
    [CmdletBinding()]
    param(
        [Parameter(Mandatory)] [AllowEmptyCollection()] [object[]] $Text,
        [string[]] $Secret = @()
    )
    $lines = foreach ($item in $Text) {
        if ($item -is [System.Management.Automation.ErrorRecord]) {
            $item.ToString(); $item.Exception.ToString(); "$($item.TargetObject)"
            if ($item.ErrorDetails) { $item.ErrorDetails.Message }
        }
        elseif ($item -is [string]) { $item }
        elseif ($item -is [System.Management.Automation.InformationalRecord]) { $item.Message }
        else { ($item | Out-String -Width 4096); ($item | ConvertTo-Json -Depth 4 -Compress -WarningAction Ignore -ErrorAction Ignore) }
    }
    foreach ($line in $lines) {
        if ($null -eq $line) { continue }
        foreach ($s in $Secret) { if ($s -and $line.Contains($s)) { $line; break } }
        if ($line -match '(?i)[?&]sig=(?!<redacted>|\*|REDACTED)[^&\s"'']{6,}') { $line }
    }
}

function Get-ErrorFromCommand {
    <#
    Runs a script block and returns the first error it raised, terminating or not (or $null). Output is discarded.
    #>
    [CmdletBinding()]
    param([Parameter(Mandatory)] [scriptblock] $ScriptBlock)
    # Error records are merged into the output (2>&1) and picked out, whatever $ErrorActionPreference says; a
    # terminating error (or a non-terminating one under 'Stop') lands in catch.
    $errs = [Collections.Generic.List[object]]::new()
    try {
        & $ScriptBlock 2>&1 | ForEach-Object { if ($_ -is [System.Management.Automation.ErrorRecord]) { $errs.Add($_) } }
    }
    catch { return $_ }
    if ($errs.Count -gt 0) { return $errs[0] }
    $null
}

function Assert-BillingError {
    <#
    A module error as a user meets it: the stable id (FullyQualifiedErrorId is "<Id>,<command>"), the category, and no
    .NET stack trace in what is shown.
    #>
    param([AllowNull()] $Record, [string] $Id, [string] $Category)
    if ($null -eq $Record) { throw "Expected an error $Id, got none." }
    $Record.FullyQualifiedErrorId | Should -BeLike "$Id,*"
    $Record.CategoryInfo.Category | Should -Be $Category
    $message = $Record.Exception.Message + "`n" + $Record.ToString()
    $message | Should -Not -Match '(?m)^\s+at \S+' -Because 'an error message carries no .NET stack trace'
    $message | Should -Not -Match '   at '
}

function Wait-Until {
    <#
    Waits for an event: returns as soon as -Condition is true, polling every 50 ms, or throws after -TimeoutSeconds
    (a generous bound that only ends a hung test; a loaded machine is slow, not wrong).
    #>
    [CmdletBinding()]
    param([Parameter(Mandatory)] [scriptblock] $Condition, [double] $TimeoutSeconds = 30, [string] $What = 'the condition')
    $clock = [Diagnostics.Stopwatch]::StartNew()
    while (-not (& $Condition)) {
        if ($clock.Elapsed.TotalSeconds -ge $TimeoutSeconds) { throw "Waited $TimeoutSeconds s for $What." }
        Start-Sleep -Milliseconds 50
    }
}

function Get-WorldNextInvoiceDate {
    <#
    The emulator issues every scope's invoices on the same day of each month (docs/contracts/EMULATOR_WORLD.md), so a
    scope's next invoice is issued a month after its newest one: the expectation for NextInvoiceDate, from the world.
    #>
    [CmdletBinding()] [OutputType([datetime])]
    param([Parameter(Mandatory)] [object[]] $Invoices)
    $newest = @($Invoices | Sort-Object periodEndDate)[-1]
    [datetime]::ParseExact($newest.invoiceDate, 'yyyy-MM-dd', [cultureinfo]::InvariantCulture).AddMonths(1)
}

function Skip-IfDayChanged {
    <#
    Inside an It: the emulator built its world for -WorldToday (UTC) when the file started, and the module reads the
    live clock. When UTC midnight has passed since (a run that started at 23:50, as the clock sweep does), an
    expectation of "the current month" can no longer be taken from that world: the test is skipped, saying why.
    #>
    [CmdletBinding()]
    param([Parameter(Mandatory)] [datetime] $WorldToday)
    if ([datetime]::UtcNow.Date -ne $WorldToday.Date) {
        Set-ItResult -Skipped -Because "UTC midnight passed after the emulator built its world for $($WorldToday.ToString('yyyy-MM-dd'))"
    }
}

Export-ModuleMember -Function Get-WorldNextInvoiceDate, Skip-IfDayChanged, Wait-Until, Assert-BillingError, Get-ErrorFromCommand, Get-TestModulePath, Start-TestEmulator, Stop-TestEmulator, Set-EmulatorFaults, Resume-HeldExportFile,
    Reset-Emulator, Get-EmulatorStats, Get-EmulatorIdentity, Get-EmulatorStatsCount, Get-EmulatorFaultCount, Invoke-UntilFaulted, Get-EmulatorWorld, Invoke-ChildPwsh, Find-Secret,
    Get-RepoRoot, Get-ModuleVersion, Get-BuiltModulePath, Get-PwshCommand, New-EmulatorToken, Start-Azurite, Stop-Azurite
