# The README's runbook (README, "Runbooks") run as Azure Automation runs it: a fresh `pwsh -NonInteractive` with the
# managed identity endpoint in IDENTITY_ENDPOINT/IDENTITY_HEADER, the module installed from the built package and
# loaded by name (autoloaded, as in an Automation account), `$ErrorActionPreference = 'Stop'`, against the emulator.
# Every line of the runbook up to the storage upload runs verbatim, taken from README.md itself; the Az.Storage part
# needs Az and a real storage account. The one harness line: Connect-BillingAccount's -ResourceManagerUrl defaults
# to the emulator ($PSDefaultParameterValues), as HelpExamples.Tests.ps1 does.

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Import-Module (Join-Path $PSScriptRoot 'UsageTestHelpers.psm1') -Force
    $script:emu = Start-TestEmulator
    $script:world = Get-UsageWorld $emu

    $readme = Get-Content -Raw -LiteralPath (Join-Path (Get-RepoRoot) 'README.md')
    $section = $readme.Substring($readme.IndexOf("`n## Runbooks"))
    $script:runbook = [regex]::Match($section, '```powershell\r?\n(.*?)```', 'Singleline').Groups[1].Value
    $script:upload = $runbook.IndexOf('Connect-AzAccount')
    $verbatim = $runbook.Substring(0, $runbook.LastIndexOf("`n", $upload) + 1)

    $script:work = Join-Path ([IO.Path]::GetTempPath()) ('bps-runbook-' + [Guid]::NewGuid().ToString('n').Substring(0, 8))
    $null = New-Item -ItemType Directory -Path (Join-Path $work 'home/.local/share'), (Join-Path $work 'tmp') -Force
    Set-Content -LiteralPath (Join-Path $work 'runbook.ps1') -Value $verbatim -Encoding utf8
    $script:month = (Get-MonthStart $world -Offset -1)

    $script:result = Invoke-ChildPwsh -TimeoutSeconds 600 -Environment @{
        HOME              = Join-Path $work 'home'
        XDG_DATA_HOME     = Join-Path $work 'home/.local/share'
        TMPDIR            = Join-Path $work 'tmp'
        IDENTITY_ENDPOINT = $emu.IdentityEndpoint
        IDENTITY_HEADER   = $emu.IdentityHeader
        BPS_PACKAGES      = Join-Path (Get-RepoRoot) 'out/package'
        BPS_RUNBOOK       = Join-Path $work 'runbook.ps1'
        BPS_ARM           = $emu.ArmUrl
        BPS_ACCOUNT       = $world.Ea.name
        BILLINGPOWERSHELL_ENGINE_BUILD = ''
    } -ScriptBlock {
        # The Automation account's module: installed from the package, found by name on PSModulePath.
        $modules = Join-Path $env:XDG_DATA_HOME 'powershell/Modules'
        $env:PSModulePath = $modules + [IO.Path]::PathSeparator + $env:PSModulePath
        Register-PSResourceRepository -Name BillingPowerShellLocal -Uri $env:BPS_PACKAGES -Trusted
        Install-PSResource -Name BillingPowerShell -Repository BillingPowerShellLocal -TrustRepository -Scope CurrentUser -Quiet
        $PSDefaultParameterValues['Connect-BillingAccount:ResourceManagerUrl'] = $env:BPS_ARM
        . $env:BPS_RUNBOOK -BillingAccountName $env:BPS_ACCOUNT -StorageAccountName 'unused'
        "MODULE FROM $((Get-Module BillingPowerShell).ModuleBase)"
        "CONNECTED AS $((Get-BillingContext).CredentialKind)"
        "MONTH $month"
        "ROWS $($usage.RowCount)"
        "USAGE FILE $(Test-Path -LiteralPath $usage.FullName)"
        Get-ChildItem $dir -File | ForEach-Object { "FILE $($_.Name) $($_.Length)" }
    }
    $script:text = $result.Output -join "`n"
}

AfterAll {
    Stop-TestEmulator $script:emu
    Remove-Item -LiteralPath $script:work -Recurse -Force -ErrorAction Ignore
}

Describe 'The README runbook, as Azure Automation runs it' {
    It 'finds the runbook in README.md and stops before the storage upload' {
        $runbook | Should -Match 'Connect-BillingAccount -Identity'
        $upload | Should -BeGreaterThan 0
        $runbook.Substring(0, $upload) | Should -Match 'Save-BillingInvoice'
    }

    It 'runs without an error, with the managed identity and the module installed from the package' {
        $result.ExitCode | Should -Be 0 -Because $text
        $text | Should -Match ("MODULE FROM " + [regex]::Escape((Join-Path $work 'home/.local/share/powershell/Modules')))
        $text | Should -Match 'CONNECTED AS ManagedIdentity'
    }

    It 'exports last month''s usage: every row of the account''s month in the world' {
        Skip-IfDayChanged $world.Today
        $expected = Get-ExpectedUsage -World $world -Scope "/providers/Microsoft.Billing/billingAccounts/$($world.Ea.name)" -Month $month
        $text | Should -Match ('MONTH ' + $month.ToString('yyyy-MM'))
        $text | Should -Match "ROWS $($expected.Rows)(\s|$)"
        $text | Should -Match 'USAGE FILE True'
        $text | Should -Match ('FILE usage-' + $month.ToString('yyyy-MM') + '\.csv\.gz [1-9]')
    }

    It 'saves the invoices of last month''s period: the same files the same commands save here' {
        # Date-proof: before the month's invoices are issued (the 1st) both sides save none.
        $here = Join-Path $work 'here'
        Connect-BillingAccount -ResourceManagerUrl $emu.ArmUrl -AccessToken $emu.SecureToken | Out-Null
        $end = $month.AddMonths(1).AddDays(-1)
        Get-BillingInvoice -BillingAccountName $world.Ea.name -PeriodStartDate $end.AddDays(1) |
            Save-BillingInvoice -Destination $here -DocumentType All | Out-Null
        Disconnect-BillingAccount
        $expected = @(Get-ChildItem -LiteralPath $here -File -ErrorAction Ignore | ForEach-Object { "FILE $($_.Name) $($_.Length)" })
        $saved = @($result.Output | Where-Object { $_ -like 'FILE *' -and $_ -notlike 'FILE usage-*' })
        ($saved | Sort-Object) | Should -Be ($expected | Sort-Object)
    }

    It 'never writes the identity header or a token to any stream' {
        $text | Should -Match 'ROWS' -Because 'the scan needs the run''s output'
        $secrets = @($emu.IdentityHeader) + @((Get-EmulatorIdentity $emu).issuedTokens)
        @((Get-EmulatorIdentity $emu).issuedTokens).Count | Should -BeGreaterThan 0 -Because 'the managed identity signed in'
        Find-Secret -Text $result.Output -Secret ($secrets | Where-Object { $_ }) | Should -BeNullOrEmpty
    }
}
