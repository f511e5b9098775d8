# build.ps1 Emulator (Invoke-EmulatorSession in tools/Emulator.psm1, which the task calls after building): the billing
# emulator and Azurite start, one JSON line on standard output says how to reach and trust them, the token it prints
# is accepted by both, the storage account id is the world's, and closing standard input stops both processes.

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    $script:tools = Join-Path $PSScriptRoot '../../tools/Emulator.psm1'
    Import-Module $tools  # Get-PwshCommand
    $script:dir = Join-Path ([IO.Path]::GetTempPath()) ('bps-session-' + [Guid]::NewGuid().ToString('n').Substring(0, 8))

    # curl with the session's own certificate (this process trusts only the certificate it started with).
    function script:Invoke-Curl([string] $Uri, [string] $CertPath, [string[]] $Header) {
        $arguments = @('-sS', '-o', '/dev/null', '-w', '%{http_code}', '--cacert', $CertPath)
        foreach ($h in $Header) { $arguments += @('-H', $h) }
        (& curl @arguments $Uri 2>&1) -join ''
    }
}

AfterAll {
    if ($script:process -and -not $script:process.HasExited) { $script:process.Kill($true) }
    Remove-Item -LiteralPath $script:dir -Recurse -Force -ErrorAction Ignore
}

Describe 'build.ps1 Emulator' {
    It 'prints one JSON line with the billing emulator, Azurite, the storage account and a token both accept; closing stdin stops both' {
        $pwsh = Get-PwshCommand
        $command = "Import-Module '$tools'; Invoke-EmulatorSession -Directory '$dir' -ModulePath '$(Get-TestModulePath)'"
        $info = [Diagnostics.ProcessStartInfo]::new($pwsh[0])
        foreach ($a in @($pwsh | Select-Object -Skip 1) + @('-NoProfile', '-NonInteractive', '-Command', $command)) { $info.ArgumentList.Add($a) }
        $info.RedirectStandardInput = $true
        $info.RedirectStandardOutput = $true
        $info.RedirectStandardError = $true
        $info.UseShellExecute = $false
        $script:process = [Diagnostics.Process]::Start($info)
        $stderr = $process.StandardError.ReadToEndAsync()
        $line = $null
        $read = $process.StandardOutput.ReadLineAsync()
        while ($read.Wait(300000) -and $null -ne $read.Result) {  # (a generous bound: npm ci may install Azurite first)
            if ($read.Result.StartsWith('{')) { $line = $read.Result; break }
            $read = $process.StandardOutput.ReadLineAsync()
        }
        if (-not $line -and $process.WaitForExit(10000)) { $null = $stderr.Wait(10000) }
        $line | Should -Not -BeNullOrEmpty -Because "the session prints its JSON line when both are up (its standard error: $(if ($stderr.IsCompleted) { $stderr.Result }))"
        $ready = $line | ConvertFrom-Json
        foreach ($key in 'armUrl', 'blobUrl', 'storageUrl', 'storageAccountId', 'certPath', 'token', 'modulePath', 'tenantId', 'clientId') {
            $ready.$key | Should -Not -BeNullOrEmpty -Because "the line carries $key"
        }
        $ready.storageUrl | Should -Match '^https://127\.0\.0\.1:\d+/devstoreaccount1$'
        $ready.storageAccountId | Should -Match '^/subscriptions/[0-9a-f-]{36}/resourceGroups/rg-data/providers/Microsoft\.Storage/storageAccounts/devstoreaccount1$'
        $auth = "Authorization: Bearer $($ready.token)"
        $subscription = ($ready.storageAccountId -split '/')[2]
        Invoke-Curl "$($ready.armUrl)/subscriptions/$subscription/providers/Microsoft.CostManagement/exports?api-version=2025-03-01" $ready.certPath $auth | Should -Be '200'
        Invoke-Curl "$($ready.storageUrl)?comp=list" $ready.certPath $auth, 'x-ms-version: 2021-10-04' | Should -Be '200'
        Invoke-Curl "$($ready.storageUrl)?comp=list" $ready.certPath 'x-ms-version: 2021-10-04' | Should -Not -Be '200' -Because 'Azurite checks the token'

        $process.StandardInput.Close()
        $process.WaitForExit(60000) | Should -BeTrue -Because 'closing standard input ends the session'
        foreach ($id in $ready.emulatorPid, $ready.azuritePid) {
            Wait-Until -What "process $id to exit" -TimeoutSeconds 30 -Condition { -not (Get-Process -Id $id -ErrorAction Ignore) }
        }
    }
}
