# Renders a local HTML file in headless Chromium (Debian package chromium) and reports what a person would see and
# what the page asked for: every network request (DevTools Network domain), every console or security message (a
# Content Security Policy violation is one), the page's width against the window's, a value the caller computes in
# the page (DevTools Runtime.evaluate: nothing is added to the page), and a full-page screenshot PNG.
# Used by tests/Pester/Export-BillingReport.Render.Tests.ps1 and `build.ps1 Render`.

Set-StrictMode -Version 3.0

function Find-Chromium {
    <# The path of the chromium executable, or $null. #>
    [CmdletBinding()] [OutputType([string])] param()
    foreach ($name in 'chromium', 'chromium-browser', 'google-chrome', 'chrome') {
        $c = Get-Command $name -CommandType Application -ErrorAction Ignore | Select-Object -First 1
        if ($c) { return $c.Source }
    }
    $null
}

function Install-Chromium {
    <#
    Installs the Debian package chromium when it is missing and this is a root shell with apt-get. Returns the path of
    chromium, or a string 'SKIP: <reason>' when it cannot be had.
    #>
    [CmdletBinding()] [OutputType([string])] param()
    $found = Find-Chromium
    if ($found) { return $found }
    if (-not $IsLinux -or -not (Get-Command apt-get -CommandType Application -ErrorAction Ignore)) { return 'SKIP: chromium is not installed and this system has no apt-get; install Chromium and put it on PATH.' }
    if ((& id -u) -ne '0') { return 'SKIP: chromium is not installed; run "apt-get install -y chromium" as root (Debian package chromium).' }
    $env:DEBIAN_FRONTEND = 'noninteractive'
    & apt-get install -y --no-install-recommends chromium *> $null
    if ($LASTEXITCODE -ne 0) {
        & apt-get update *> $null
        & apt-get install -y --no-install-recommends chromium *> $null
    }
    $found = Find-Chromium
    if ($found) { return $found }
    'SKIP: "apt-get install chromium" failed (no package source reachable?); install the Debian package chromium.'
}

function Send-DevTools($Socket, [ref] $NextId, [string] $Method, [hashtable] $Params = @{}, $Events, [int] $TimeoutSeconds = 60) {
    # Sends one DevTools command and reads messages until its answer; events met on the way go into $Events.
    $id = $NextId.Value++
    $json = @{ id = $id; method = $Method; params = $Params } | ConvertTo-Json -Depth 10 -Compress
    $bytes = [Text.Encoding]::UTF8.GetBytes($json)
    $null = $Socket.SendAsync([ArraySegment[byte]]::new($bytes), 'Text', $true, [Threading.CancellationToken]::None).GetAwaiter().GetResult()
    while ($true) {
        $message = Receive-DevTools $Socket $TimeoutSeconds
        if ($message.PSObject.Properties['id'] -and $message.id -eq $id) {
            if ($message.PSObject.Properties['error']) { throw "DevTools $Method failed: $($message.error.message)" }
            return $message.result
        }
        $Events.Add($message)
    }
}

function Receive-DevTools($Socket, [int] $TimeoutSeconds) {
    $buffer = [byte[]]::new(1MB)
    $text = [IO.MemoryStream]::new()
    $cts = [Threading.CancellationTokenSource]::new([TimeSpan]::FromSeconds($TimeoutSeconds))
    do {
        $r = $Socket.ReceiveAsync([ArraySegment[byte]]::new($buffer), $cts.Token).GetAwaiter().GetResult()
        $text.Write($buffer, 0, $r.Count)
    } while (-not $r.EndOfMessage)
    [Text.Encoding]::UTF8.GetString($text.ToArray()) | ConvertFrom-Json
}

function Invoke-ChromiumPage {
    <#
    Opens -Path (a local file) in headless Chromium at -Width pixels, waits for its load event, evaluates -Expression
    (JavaScript returning a JSON string) through DevTools, and saves a full-page screenshot to -Screenshot.
    Returns { Requests (URLs), Messages (console and security log texts), Width, ScrollWidth, Value (the parsed JSON) }.
    #>
    [CmdletBinding()]
    param(
        [Parameter(Mandatory)] [string] $Chromium,
        [Parameter(Mandatory)] [string] $Path,
        [int] $Width = 1280,
        [string] $Expression = '"null"',
        [string] $Screenshot
    )
    $profileDir = Join-Path ([IO.Path]::GetTempPath()) ('bps-chromium-' + [Guid]::NewGuid().ToString('n').Substring(0, 8))
    $null = New-Item -ItemType Directory -Path $profileDir
    $arguments = @('--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--no-default-browser-check', '--disable-extensions',
        '--disable-background-networking', '--disable-component-update', '--disable-sync', '--hide-scrollbars',
        "--user-data-dir=$profileDir", '--remote-debugging-port=0', "--window-size=$Width,900", 'about:blank')
    $process = Start-Process -FilePath $Chromium -ArgumentList $arguments -PassThru -RedirectStandardError (Join-Path $profileDir 'stderr.txt') -RedirectStandardOutput (Join-Path $profileDir 'stdout.txt')
    $socket = $null
    try {
        $socket = Connect-DevToolsPage $process $profileDir
        Invoke-DevToolsSession $socket $Path $Width $Expression $Screenshot
    }
    finally {
        if ($socket) { $socket.Dispose() }
        if (-not $process.HasExited) { $process.Kill($true); $null = $process.WaitForExit(10000) }
        Remove-Item -LiteralPath $profileDir -Recurse -Force -ErrorAction Ignore
    }
}

function Connect-DevToolsPage($Process, [string] $ProfileDir) {
    # Chromium writes its DevTools port to <profile>/DevToolsActivePort once it listens.
    $portFile = Join-Path $ProfileDir 'DevToolsActivePort'
    $deadline = [DateTime]::UtcNow.AddSeconds(60)
    while (-not (Test-Path -LiteralPath $portFile) -or -not (Get-Content -LiteralPath $portFile -ErrorAction Ignore)) {
        if ($Process.HasExited) { throw "chromium exited ($($Process.ExitCode)): $(Get-Content -Raw -LiteralPath (Join-Path $ProfileDir 'stderr.txt'))" }
        if ([DateTime]::UtcNow -gt $deadline) { throw 'chromium did not open its DevTools port within 60 seconds.' }
        $null = $Process.WaitForExit(100)
    }
    $port = (Get-Content -LiteralPath $portFile)[0]
    $page = $null
    while (-not $page) {
        if ([DateTime]::UtcNow -gt $deadline) { throw 'chromium opened no page within 60 seconds.' }
        $list = Invoke-RestMethod -Uri "http://127.0.0.1:$port/json/list"
        $page = @($list | Write-Output | Where-Object { $_.PSObject.Properties['type'] -and $_.type -eq 'page' }) | Select-Object -First 1
        if (-not $page) { $null = $Process.WaitForExit(100) }
    }
    $socket = [Net.WebSockets.ClientWebSocket]::new()
    $null = $socket.ConnectAsync([Uri]$page.webSocketDebuggerUrl, [Threading.CancellationToken]::None).GetAwaiter().GetResult()
    $socket
}

function Invoke-DevToolsSession($Socket, [string] $Path, [int] $Width, [string] $Expression, [string] $Screenshot) {
    $events = [Collections.Generic.List[object]]::new()
    $send = { param($m, $p = @{}) Send-DevTools $Socket ([ref]$script:nextId) $m $p $events }
    $script:nextId = 1
    foreach ($domain in 'Network.enable', 'Page.enable', 'Log.enable', 'Runtime.enable') { $null = & $send $domain }
    $null = & $send 'Emulation.setDeviceMetricsOverride' @{ width = $Width; height = 900; deviceScaleFactor = 1; mobile = $false }
    $url = [UriBuilder]::new('file', '', -1, (Resolve-Path -LiteralPath $Path).Path).Uri.AbsoluteUri
    $null = & $send 'Page.navigate' @{ url = $url }
    $deadline = [DateTime]::UtcNow.AddSeconds(60)
    while (-not ($events | Where-Object { $_.PSObject.Properties['method'] -and $_.method -eq 'Page.loadEventFired' })) {
        if ([DateTime]::UtcNow -gt $deadline) { throw "The page $url did not finish loading within 60 seconds." }
        $events.Add((Receive-DevTools $Socket 60))
    }
    $metrics = & $send 'Runtime.evaluate' @{ expression = 'JSON.stringify({w: window.innerWidth, sw: document.documentElement.scrollWidth, h: document.documentElement.scrollHeight})'; returnByValue = $true }
    $size = $metrics.result.value | ConvertFrom-Json
    $value = (& $send 'Runtime.evaluate' @{ expression = $Expression; returnByValue = $true }).result.value
    if ($Screenshot) {
        $null = & $send 'Emulation.setDeviceMetricsOverride' @{ width = $Width; height = [int]$size.h; deviceScaleFactor = 1; mobile = $false }
        $png = & $send 'Page.captureScreenshot' @{ format = 'png'; captureBeyondViewport = $true }
        [IO.File]::WriteAllBytes($Screenshot, [Convert]::FromBase64String($png.data))
    }
    # Let late requests (an image, a font) show up: one more round trip after everything else.
    $null = & $send 'Runtime.evaluate' @{ expression = '1' }
    [pscustomobject]@{
        Requests    = @($events | Where-Object { $_.PSObject.Properties['method'] -and $_.method -eq 'Network.requestWillBeSent' } | ForEach-Object { $_.params.request.url })
        Messages    = @($events | Where-Object { $_.PSObject.Properties['method'] -and $_.method -in 'Log.entryAdded', 'Runtime.consoleAPICalled' } |
                        ForEach-Object { if ($_.method -eq 'Log.entryAdded') { "$($_.params.entry.source): $($_.params.entry.text)" } else { "console: $(@($_.params.args | ForEach-Object { $_.value }) -join ' ')" } })
        Width       = [int]$size.w
        ScrollWidth = [int]$size.sw
        Value       = if ($value) { $value | ConvertFrom-Json } else { $null }
        Url         = $url
    }
}

Export-ModuleMember -Function Find-Chromium, Install-Chromium, Invoke-ChromiumPage
