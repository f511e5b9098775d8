# The reduced fault matrix (tools/Faults.ps1 -Quick) in a child pwsh: 429 throttling, connection resets in
# JSON/PDF/CSV bodies, a never-finishing download operation (timeout), a token revoked half-way, kill -9 during an
# invoice batch and during an export followed by a rerun. Every scenario's verdict must be PASS: nothing lost,
# duplicated, left partial or leaked (the script scans every captured stream for the token, a fake client secret and
# SAS signatures). The full matrix is `build.ps1 Faults`.

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    $script:faults = Join-Path (Get-RepoRoot) 'tools/Faults.ps1'
    $script:out = Join-Path $TestDrive 'faults'
    $script:run = Invoke-ChildPwsh -TimeoutSeconds 540 -Environment @{ BILLINGPS_MODULE_PATH = (Get-TestModulePath) } -ScriptBlock ([scriptblock]::Create(
        "& '$($faults -replace "'", "''")' -Quick -MutationCount 0 -OutDirectory '$($out -replace "'", "''")'; exit `$LASTEXITCODE"))
    $script:verdicts = @($run.Output | Where-Object { $_ -match '^VERDICT ' })
}

Describe 'Fault matrix (-Quick)' {
    It 'runs every quick scenario and exits 0' {
        $verdicts.Count | Should -BeGreaterOrEqual 5 -Because ($run.Output -join "`n")
        $run.ExitCode | Should -Be 0 -Because (($run.Output | Select-Object -Last 40) -join "`n")
    }
    It 'every verdict is PASS' {
        $verdicts.Count | Should -BeGreaterOrEqual 5
        $failed = @($verdicts | Where-Object { $_ -notmatch '^VERDICT PASS ' })
        $failed | Should -BeNullOrEmpty -Because (($run.Output | Where-Object { $_ -match 'FAIL' }) -join "`n")
    }
}

Describe 'Security: source scan' {
    It 'no code under src/ (the emulator server aside) disables or bypasses certificate validation' {
        $src = Join-Path (Get-RepoRoot) 'src'
        $hits = @(Get-ChildItem -LiteralPath $src -Recurse -File -Include '*.cs', '*.ps1', '*.psm1', '*.psd1', '*.csproj', '*.props', '*.json' |
            Where-Object { $_.FullName -notmatch '[\\/](bin|obj)[\\/]' -and $_.FullName -notmatch '[\\/]BillingPowerShell\.Emulator[\\/]' } |
            Select-String -Pattern 'ServerCertificateCustomValidationCallback', 'DangerousAcceptAnyServerCertificateValidator', 'SkipCertificateCheck', 'RemoteCertificateValidationCallback', 'CheckCertificateRevocationList\s*=\s*false' |
            ForEach-Object { "$($_.Path):$($_.LineNumber): $($_.Line.Trim())" })
        $hits | Should -BeNullOrEmpty
    }
}
