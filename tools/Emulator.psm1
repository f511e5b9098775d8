# Shared helpers for build.ps1, the Demo, the Pester tests and the benchmarks:
# the repository's paths and module version, the pwsh command line for child processes, and the billing emulator's
# life cycle (start, wait for EMULATOR READY, admin calls, stop).
#
# Trusting the emulator's certificate (Linux): .NET reads SSL_CERT_FILE from the *native* process environment the
# first time it builds a certificate chain. Setting $env:SSL_CERT_FILE inside a running pwsh does not reach the native
# environment, so it is too late there; a child process started afterwards does get it. Hence:
#   * whoever starts a PowerShell process that will talk to the emulator sets SSL_CERT_FILE to the path where the
#     emulator will write its PEM before starting that process (build.ps1 does this for every Pester file, the Demo
#     and the benchmarks), and passes the same folder as --cert-dir;
#   * Start-BillingEmulator therefore takes -CertDirectory and, by default, uses the folder of $env:SSL_CERT_FILE
#     when that variable names an emulator.pem.
# Certificate validation is never disabled. Admin calls (Invoke-EmulatorAdmin) give curl the emulator's PEM, so they
# work from any process, including one started before the certificate existed.

Set-StrictMode -Version 3.0

$script:RepoRoot = Split-Path -Parent $PSScriptRoot

function Get-RepoRoot {
    [CmdletBinding()] [OutputType([string])] param()
    $script:RepoRoot
}

function Get-ModuleVersion {
    <# The module version, from Directory.Build.props <ModuleVersion> (the one place it lives). #>
    [CmdletBinding()] [OutputType([string])]
    param([string] $RepoRoot = $script:RepoRoot)
    $props = [xml](Get-Content -Raw -LiteralPath (Join-Path $RepoRoot 'Directory.Build.props'))
    $version = @($props.Project.PropertyGroup | ForEach-Object { $_.ModuleVersion } | Where-Object { $_ })[0]
    if (-not $version) { throw "No <ModuleVersion> in Directory.Build.props." }
    $version.Trim()
}

function Get-BuiltModulePath {
    <# The built module's manifest: out/BillingPowerShell/<version>/BillingPowerShell.psd1 #>
    [CmdletBinding()] [OutputType([string])]
    param([string] $RepoRoot = $script:RepoRoot)
    Join-Path $RepoRoot "out/BillingPowerShell/$(Get-ModuleVersion -RepoRoot $RepoRoot)/BillingPowerShell.psd1"
}

function Get-PwshCommand {
    <#
    The command line that starts a fresh pwsh like the current one: an array whose first element is the executable
    and the rest its leading arguments. Under `dotnet pwsh` (the dotnet tool), that is `dotnet <PSHOME>/pwsh.dll`.
    #>
    [CmdletBinding()] [OutputType([string[]])]
    param()
    $process = [Environment]::ProcessPath
    if ($process -and [IO.Path]::GetFileNameWithoutExtension($process) -eq 'pwsh') { return , @($process) }
    $dll = Join-Path $PSHOME 'pwsh.dll'
    if ($process -and (Test-Path -LiteralPath $dll)) { return , @($process, $dll) }
    , @('pwsh')
}

function Invoke-Pwsh {
    <# Runs a fresh `pwsh -NoProfile -NonInteractive` with the given arguments; output goes to the caller's streams. #>
    [CmdletBinding()]
    param([Parameter(Mandatory, ValueFromRemainingArguments)] [string[]] $ArgumentList)
    $cmd = Get-PwshCommand
    $rest = @($cmd | Select-Object -Skip 1) + @('-NoProfile', '-NonInteractive') + $ArgumentList
    & $cmd[0] @rest
}

function ConvertTo-ProcessArgument {
    <#
    Start-Process -ArgumentList joins its items with spaces as they are; this quotes each item so that the child splits
    its command line back into the same items (the .NET / MSVCRT rules): an item that is empty or holds white space or
    a double quote is put in quotes, its quotes escaped and the backslashes before them (or before the closing quote)
    doubled. Other items pass as they are.
    #>
    [CmdletBinding()] [OutputType([string])]
    param([Parameter(Mandatory)] [AllowEmptyString()] [AllowEmptyCollection()] [string[]] $ArgumentList)
    foreach ($a in $ArgumentList) {
        if ($a -eq '' -or $a -match '[\s"]') { '"' + ($a -replace '(\\*)"', '$1$1\"' -replace '(\\+)$', '$1$1') + '"' } else { $a }
    }
}

function New-EmulatorToken {
    <# A random bearer token for one emulator run. #>
    [CmdletBinding()] [OutputType([string])]
    param()
    $bytes = [byte[]]::new(32)
    [Security.Cryptography.RandomNumberGenerator]::Create().GetBytes($bytes)
    'emu-' + [Convert]::ToBase64String($bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_')
}

function New-EmulatorStorageToken {
    <#
    A bearer token both the billing emulator (given as its --token) and Azurite under `--oauth basic` accept: a JWT whose
    signature Azurite does not check, with the storage audience, an Entra issuer, iat, and a lifetime of -Hours
    (docs/contracts/EXPORTS_EMULATION.md, "Reading the files (tests and clients)"). Random per call (a jti claim).
    #>
    [CmdletBinding()] [OutputType([string])]
    param([int] $Hours = 24)
    $b64 = { param($s) [Convert]::ToBase64String([Text.Encoding]::UTF8.GetBytes($s)).TrimEnd('=').Replace('+', '-').Replace('/', '_') }
    $now = [DateTimeOffset]::UtcNow.ToUnixTimeSeconds()
    $claims = [ordered]@{
        aud = 'https://storage.azure.com'; iss = 'https://sts.windows.net/00000000-0000-0000-0000-000000000000/'
        nbf = $now - 60; iat = $now - 60; exp = $now + $Hours * 3600; jti = (New-EmulatorToken)
    } | ConvertTo-Json -Compress
    '{0}.{1}.{2}' -f (& $b64 '{"alg":"RS256","typ":"JWT"}'), (& $b64 $claims), (& $b64 'signature')
}

function Start-BillingEmulator {
    <#
    Starts out/emulator/BillingPowerShell.Emulator.dll, waits for its ready file, and returns
    { ArmUrl, BlobUrl, CertPath, Token, ReaderToken, ProcessId, Process, WorkDirectory, LogPath } and the sign-in
    values of its ready JSON: AuthorityHost, TenantId, ClientId, ClientSecret, ClientCertificatePath,
    ExpiredClientCertificatePath, IdentityEndpoint, IdentityHeader, ManagedIdentityClientId, ImdsEndpoint.
    #>
    [CmdletBinding()]
    param(
        [string] $EmulatorPath = (Join-Path $script:RepoRoot 'out/emulator/BillingPowerShell.Emulator.dll'),
        [string] $Token = (New-EmulatorToken),
        [string] $ReaderToken = (New-EmulatorToken),
        [int] $Seed = 42,
        [string] $Size = 'small',
        [double] $TimeScale = 0.01,
        # Where the emulator writes emulator.pem. Default: the folder of $env:SSL_CERT_FILE when it names an
        # emulator.pem (see the note at the top of this file), else a new folder under the work directory.
        [string] $CertDirectory,
        [string[]] $ExtraArgument = @(),
        [int] $TimeoutSeconds = 60
    )
    if (-not (Test-Path -LiteralPath $EmulatorPath)) {
        throw "The emulator is not built: $EmulatorPath is missing. Run ./build.ps1 Build first."
    }
    $work = Join-Path ([IO.Path]::GetTempPath()) ("billing-emulator-" + [Guid]::NewGuid().ToString('n').Substring(0, 12))
    $null = New-Item -ItemType Directory -Path $work -Force
    if (-not $CertDirectory) {
        if ($env:SSL_CERT_FILE -and (Split-Path -Leaf $env:SSL_CERT_FILE) -eq 'emulator.pem') {
            $CertDirectory = Split-Path -Parent $env:SSL_CERT_FILE
        }
        else {
            $CertDirectory = Join-Path $work 'cert'
        }
    }
    $null = New-Item -ItemType Directory -Path $CertDirectory -Force
    $readyFile = Join-Path $work 'ready.json'
    $logPath = Join-Path $work 'emulator.out.txt'

    $arguments = @(
        $EmulatorPath, '--port', '0', '--blob-port', '0', '--seed', "$Seed", '--size', $Size,
        '--token', $Token, '--reader-token', $ReaderToken,
        '--time-scale', $TimeScale.ToString([Globalization.CultureInfo]::InvariantCulture),
        '--cert-dir', $CertDirectory, '--ready-file', $readyFile,
        # The emulator would stop at EOF on a piped stdin, and it inherits ours: under a CI harness or `... | pwsh`
        # that is an empty pipe and the emulator would stop at once. Its life is managed here (Stop-BillingEmulator,
        # and the process tree kill of a timed-out test file) instead.
        '--no-stdin-watch'
    ) + $ExtraArgument
    $dotnet = if ([Environment]::ProcessPath -and [IO.Path]::GetFileNameWithoutExtension([Environment]::ProcessPath) -eq 'dotnet') { [Environment]::ProcessPath } else { 'dotnet' }
    $errPath = Join-Path $work 'emulator.err.txt'
    $process = $null
    try {
        # Tokens are on the emulator's command line only (never printed by us).
        $process = Start-Process -FilePath $dotnet -ArgumentList (ConvertTo-ProcessArgument $arguments) -PassThru `
            -RedirectStandardOutput $logPath -RedirectStandardError $errPath

        $deadline = [DateTime]::UtcNow.AddSeconds($TimeoutSeconds)
        $ready = $null
        while (-not $ready) {
            if (Test-Path -LiteralPath $readyFile) {
                try { $ready = Get-Content -Raw -LiteralPath $readyFile | ConvertFrom-Json } catch { $ready = $null }
            }
            if (-not $ready -and (Test-Path -LiteralPath $logPath)) {
                $line = Select-String -LiteralPath $logPath -Pattern '^EMULATOR READY (\{.*\})\s*$' | Select-Object -First 1
                if ($line) { $ready = $line.Matches[0].Groups[1].Value | ConvertFrom-Json }
            }
            if ($ready) { break }
            $exited = $process.HasExited
            if ($exited -or [DateTime]::UtcNow -gt $deadline) {
                # The work folder goes below, so its logs go into the message.
                if (-not $exited) { try { $process.Kill($true) } catch { }; $null = $process.WaitForExit(10000) }
                $log = ((@($logPath, $errPath) | ForEach-Object { Get-Content -Raw -LiteralPath $_ -ErrorAction Ignore }) -join "`n").Trim()
                $what = if ($exited) { "exited (code $($process.ExitCode)) before it was ready" } else { "was not ready within $TimeoutSeconds s" }
                throw "The emulator $what. Its output: $(if ($log) { $log } else { '(none)' })"
            }
            Start-Sleep -Milliseconds 100
        }
    }
    catch {
        if ($process -and -not $process.HasExited) { try { $process.Kill($true) } catch { }; $null = $process.WaitForExit(10000) }
        Remove-Item -LiteralPath $work -Recurse -Force -ErrorAction Ignore
        throw
    }

    [pscustomobject]@{
        PSTypeName    = 'BillingPowerShell.Tools.Emulator'
        ArmUrl        = [string]$ready.armUrl
        BlobUrl       = [string]$ready.blobUrl
        CertPath      = [string]$ready.certPath
        Token         = $Token
        ReaderToken   = $ReaderToken
        ProcessId     = $process.Id
        Process       = $process
        WorkDirectory = $work
        LogPath       = $logPath
        # Signing in at the emulator's Entra ID and managed identity endpoints (DEVELOPING.md, "Emulator command line").
        AuthorityHost                = [string]$ready.authorityHost
        TenantId                     = [string]$ready.tenantId
        ClientId                     = [string]$ready.clientId
        ClientSecret                 = [string]$ready.clientSecret
        ClientCertificatePath        = [string]$ready.clientCertificatePath
        ExpiredClientCertificatePath = [string]$ready.expiredClientCertificatePath
        IdentityEndpoint             = [string]$ready.identityEndpoint
        IdentityHeader               = [string]$ready.identityHeader
        ManagedIdentityClientId      = [string]$ready.managedIdentityClientId
        ImdsEndpoint                 = [string]$ready.imdsEndpoint
    }
}

function Stop-BillingEmulator {
    <# Stops the emulator started by Start-BillingEmulator (by its process id only) and removes its work folder. #>
    [CmdletBinding()]
    param([Parameter(ValueFromPipeline)] $Emulator)
    process {
        if (-not $Emulator) { return }
        $process = $Emulator.Process
        if ($process -and -not $process.HasExited) {
            try { $process.Kill($true) } catch { Stop-Process -Id $Emulator.ProcessId -Force -ErrorAction Ignore }
            $null = $process.WaitForExit(10000)
        }
        if ($Emulator.WorkDirectory -and (Test-Path -LiteralPath $Emulator.WorkDirectory)) {
            Remove-Item -LiteralPath $Emulator.WorkDirectory -Recurse -Force -ErrorAction Ignore
        }
    }
}

function Invoke-EmulatorAdmin {
    <#
    Calls an admin endpoint (/_emulator/...) and returns its JSON answer as objects (nothing for a 204).
    Through curl with --cacert <the emulator's PEM> rather than Invoke-RestMethod: .NET reads SSL_CERT_FILE once per
    process (see the top of this file), so a pwsh started before the emulator's certificate existed (the tool scripts,
    which start their own emulators) does not trust it, whereas curl is told the CA on every call. Certificate
    validation is never skipped. Throws, with curl's exit code and message or the emulator's error body, when the call
    fails (connection, TLS, or an HTTP error status: --fail-with-body).
    #>
    [CmdletBinding()]
    param(
        [Parameter(Mandatory)] $Emulator,
        [Parameter(Mandatory)] [string] $Path,
        [ValidateSet('Get', 'Post')] [string] $Method = 'Get',
        $Body
    )
    $uri = $Emulator.ArmUrl.TrimEnd('/') + '/_emulator/' + $Path.TrimStart('/')
    $verb = $Method.ToUpperInvariant()
    # -sS: no progress meter, but curl's own errors; --stderr -: those go to stdout, so they reach the message below.
    # --http1.1, as Invoke-RestMethod did: over HTTP/2 a POST answered without reading its body (reset's 204) is
    # sometimes ended with a stream reset, which curl reports as a failure (exit code 92).
    $arguments = @('-sS', '--stderr', '-', '--http1.1', '--fail-with-body', '--cacert', $Emulator.CertPath, '-H', 'x-emulator-admin: true', '-X', $verb)
    if ($PSBoundParameters.ContainsKey('Body')) {
        $json = if ($Body -is [string]) { $Body } else { ConvertTo-Json -InputObject $Body -Depth 10 -Compress }
        $arguments += '-H', 'Content-Type: application/json', '--data-binary', $json
    }
    $answer = (& curl @arguments $uri) -join "`n"
    if ($LASTEXITCODE -ne 0) { throw "$verb /_emulator/$($Path.TrimStart('/')) failed (curl exit code $LASTEXITCODE): $answer" }
    if ($answer) { $answer | ConvertFrom-Json }
}

function Get-FreeLoopbackPort {
    <# A TCP port free on 127.0.0.1 at the time of the call (the caller binds it right away and retries if it lost it). #>
    [CmdletBinding()] [OutputType([int])]
    param()
    $listener = [Net.Sockets.TcpListener]::new([Net.IPAddress]::Loopback, 0)
    try { $listener.Start(); $listener.LocalEndpoint.Port } finally { $listener.Stop() }
}

function Install-Azurite {
    <#
    Installs tools/azurite (npm azurite, pinned exactly by its package-lock.json) with `npm ci` when its node_modules is
    missing, and returns the path of the azurite-blob entry script.
    #>
    [CmdletBinding()] [OutputType([string])]
    param([string] $AzuriteDirectory = (Join-Path $script:RepoRoot 'tools/azurite'))
    $main = Join-Path $AzuriteDirectory 'node_modules/azurite/dist/src/blob/main.js'
    if (Test-Path -LiteralPath $main) { return $main }
    if (-not (Get-Command npm -ErrorAction Ignore)) { throw "Azurite is not installed and npm is not on PATH (Node.js 20 or newer is needed)." }
    Push-Location -LiteralPath $AzuriteDirectory
    try {
        $output = (& npm ci --no-audit --no-fund --loglevel=error 2>&1) -join "`n"
        if ($LASTEXITCODE -ne 0) { throw "npm ci in $AzuriteDirectory failed (exit code $LASTEXITCODE): $output" }
    }
    finally { Pop-Location }
    if (-not (Test-Path -LiteralPath $main)) { throw "npm ci did not install $main." }
    $main
}

function Start-Azurite {
    <#
    Starts Azurite's blob service (the customer's storage account that the emulator's exports write to) on 127.0.0.1
    and a free port, over HTTPS with the emulator's certificate and key (emulator.pem and emulator-key.pem in the
    emulator's --cert-dir), `--oauth basic --skipApiVersionCheck --loose --silent`, data in -Location. Waits for its
    "successfully listen…" line and returns { BlobUrl (https://127.0.0.1:<port>/devstoreaccount1), Port, Location,
    ProcessId, Process, WorkDirectory, LogPath }.
    With -Emulator (from Start-BillingEmulator) its certificate folder is used, and the emulator is then told where
    its world's storage account lives (POST /_emulator/storage), so export runs write into this Azurite.
    #>
    [CmdletBinding()]
    param(
        $Emulator,
        # Holds emulator.pem and emulator-key.pem. Default: the folder of the -Emulator's certificate.
        [string] $CertDirectory,
        # Azurite's data folder. Default: a folder in the work directory (removed by Stop-Azurite).
        [string] $Location,
        [int] $TimeoutSeconds = 60
    )
    if (-not $CertDirectory) {
        if (-not $Emulator) { throw "Start-Azurite needs -Emulator or -CertDirectory (the folder of emulator.pem and emulator-key.pem)." }
        $CertDirectory = Split-Path -Parent $Emulator.CertPath
    }
    $cert = Join-Path $CertDirectory 'emulator.pem'
    $key = Join-Path $CertDirectory 'emulator-key.pem'
    foreach ($f in $cert, $key) { if (-not (Test-Path -LiteralPath $f)) { throw "$f is missing: start the emulator (it writes both) first." } }
    $main = Install-Azurite
    $node = (Get-Command node -ErrorAction Stop).Source
    $work = Join-Path ([IO.Path]::GetTempPath()) ("azurite-" + [Guid]::NewGuid().ToString('n').Substring(0, 12))
    $null = New-Item -ItemType Directory -Path $work -Force
    if (-not $Location) { $Location = Join-Path $work 'data' }
    $null = New-Item -ItemType Directory -Path $Location -Force
    $azurite = $null
    for ($attempt = 1; -not $azurite; $attempt++) {
        $port = Get-FreeLoopbackPort
        $logPath = Join-Path $work "azurite.$attempt.out.txt"
        $errPath = Join-Path $work "azurite.$attempt.err.txt"
        $arguments = @($main, '--blobHost', '127.0.0.1', '--blobPort', "$port", '--location', $Location, '--cert', $cert, '--key', $key,
            '--oauth', 'basic', '--skipApiVersionCheck', '--loose', '--silent')
        $process = Start-Process -FilePath $node -ArgumentList (ConvertTo-ProcessArgument $arguments) -PassThru `
            -RedirectStandardOutput $logPath -RedirectStandardError $errPath
        $deadline = [DateTime]::UtcNow.AddSeconds($TimeoutSeconds)
        while ($true) {
            if ((Test-Path -LiteralPath $logPath) -and (Select-String -LiteralPath $logPath -Pattern 'successfully listen' -Quiet)) {
                $azurite = [pscustomobject]@{
                    PSTypeName = 'BillingPowerShell.Tools.Azurite'
                    BlobUrl = "https://127.0.0.1:$port/devstoreaccount1"; Port = $port; Location = $Location
                    ProcessId = $process.Id; Process = $process; WorkDirectory = $work; LogPath = $logPath
                }
                break
            }
            $exited = $process.HasExited
            if ($exited -or [DateTime]::UtcNow -gt $deadline) {
                if (-not $exited) { try { $process.Kill($true) } catch { }; $null = $process.WaitForExit(10000) }
                $log = ((@($logPath, $errPath) | ForEach-Object { Get-Content -Raw -LiteralPath $_ -ErrorAction Ignore }) -join "`n").Trim()
                # A port taken between the pick and Azurite's bind: pick another (a few times).
                if ($exited -and $attempt -lt 5 -and $log -match 'EADDRINUSE') { break }
                Remove-Item -LiteralPath $work -Recurse -Force -ErrorAction Ignore
                $what = if ($exited) { "exited (code $($process.ExitCode)) before it listened" } else { "did not listen within $TimeoutSeconds s" }
                throw "Azurite $what. Its output: $(if ($log) { $log } else { '(none)' })"
            }
            Start-Sleep -Milliseconds 100
        }
    }
    if ($Emulator) {
        try { $null = Invoke-EmulatorAdmin -Emulator $Emulator -Path 'storage' -Method Post -Body @{ url = $azurite.BlobUrl } }
        catch { Stop-Azurite $azurite; throw }
    }
    $azurite
}

function Invoke-EmulatorSession {
    <#
    `build.ps1 Emulator`: starts the billing emulator and Azurite as its world's storage account, writes one JSON line
    to standard output {armUrl, blobUrl, storageUrl, storageAccountId, certPath, modulePath, token, and the emulator's
    sign-in values}, then runs until Ctrl+C, until standard input closes (when it is redirected: a script that started
    it went away) or until either process exits, and stops both. The token is one both accept
    (New-EmulatorStorageToken); the token, the client secret and the identity header are this run's own, printed
    because a person needs them to connect.
    #>
    [CmdletBinding()]
    param(
        [Parameter(Mandatory)] [string] $Directory,
        [string] $ModulePath = (Get-BuiltModulePath),
        [double] $TimeScale = 0.05
    )
    $null = New-Item -ItemType Directory -Force -Path (Join-Path $Directory 'cert')
    $emulator = $null; $azurite = $null
    try {
        $emulator = Start-BillingEmulator -TimeScale $TimeScale -Seed 42 -CertDirectory (Join-Path $Directory 'cert') -Token (New-EmulatorStorageToken)
        $azurite = Start-Azurite -Emulator $emulator
        $world = Invoke-EmulatorAdmin -Emulator $emulator -Path 'world'
        $ready = [ordered]@{
            armUrl = $emulator.ArmUrl; blobUrl = $emulator.BlobUrl; storageUrl = $azurite.BlobUrl
            storageAccountId = $world.storageAccount.id; certPath = $emulator.CertPath
            modulePath = $ModulePath; token = $emulator.Token
            # Signing in as the emulator's identities (README.md, "Try it against the emulator yourself").
            authorityHost = $emulator.AuthorityHost; tenantId = $emulator.TenantId; clientId = $emulator.ClientId
            clientSecret = $emulator.ClientSecret; clientCertificatePath = $emulator.ClientCertificatePath
            identityEndpoint = $emulator.IdentityEndpoint; identityHeader = $emulator.IdentityHeader
            managedIdentityClientId = $emulator.ManagedIdentityClientId
            emulatorPid = $emulator.ProcessId; azuritePid = $azurite.ProcessId
        }
        [Console]::Out.WriteLine(($ready | ConvertTo-Json -Compress))
        [Console]::Out.Flush()
        if ([Console]::IsInputRedirected) { while ($null -ne [Console]::In.ReadLine()) { } }
        else { while (-not $emulator.Process.HasExited -and -not $azurite.Process.HasExited) { Start-Sleep -Milliseconds 500 } }
    }
    finally {
        if ($azurite) { Stop-Azurite $azurite }
        if ($emulator) { Stop-BillingEmulator $emulator }
    }
}

function Stop-Azurite {
    <# Stops the Azurite started by Start-Azurite (by its process id only) and removes its work folder. #>
    [CmdletBinding()]
    param([Parameter(ValueFromPipeline)] $Azurite)
    process {
        if (-not $Azurite) { return }
        $process = $Azurite.Process
        if ($process -and -not $process.HasExited) {
            try { $process.Kill($true) } catch { Stop-Process -Id $Azurite.ProcessId -Force -ErrorAction Ignore }
            $null = $process.WaitForExit(10000)
        }
        if ($Azurite.WorkDirectory -and (Test-Path -LiteralPath $Azurite.WorkDirectory)) {
            Remove-Item -LiteralPath $Azurite.WorkDirectory -Recurse -Force -ErrorAction Ignore
        }
    }
}

Export-ModuleMember -Function Get-RepoRoot, Get-ModuleVersion, Get-BuiltModulePath, Get-PwshCommand, Invoke-Pwsh,
    ConvertTo-ProcessArgument, New-EmulatorToken, Start-BillingEmulator, Stop-BillingEmulator, Invoke-EmulatorAdmin,
    Get-FreeLoopbackPort, Install-Azurite, Start-Azurite, Stop-Azurite, New-EmulatorStorageToken,
    Invoke-EmulatorSession
