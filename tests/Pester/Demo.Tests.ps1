# The README's first command runs tools/Demo.ps1 (through build.ps1 Demo). This runs the same script against an
# emulator in a fresh pwsh, so a change that breaks the demo fails the Test task too.

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    $script:emu = Start-TestEmulator -TimeScale 0.02
    $script:out = Join-Path ([IO.Path]::GetTempPath()) ('bps-demo-' + [Guid]::NewGuid().ToString('n').Substring(0, 8))
    $null = New-Item -ItemType Directory -Path $out
    $script:run = Invoke-ChildPwsh -TimeoutSeconds 600 -Environment @{
        BILLINGPS_DEMO_TOKEN = $emu.Token
        BPS_DEMO             = Join-Path (Get-RepoRoot) 'tools/Demo.ps1'
        BPS_MODULE           = Get-TestModulePath
        BPS_ARM              = $emu.ArmUrl
        BPS_OUT              = $out
    } -ScriptBlock {
        & $env:BPS_DEMO -ModulePath $env:BPS_MODULE -ResourceManagerUrl $env:BPS_ARM -OutputDirectory $env:BPS_OUT
    }
    $script:text = $run.Output -join "`n"
}

AfterAll {
    Stop-TestEmulator $script:emu
    Remove-Item -LiteralPath $script:out -Recurse -Force -ErrorAction Ignore
}

Describe 'tools/Demo.ps1 (build.ps1 Demo)' {
    It 'runs to the end without an error' {
        $run.ExitCode | Should -Be 0 -Because $text
        $text | Should -Match 'PS> Disconnect-BillingAccount'
    }

    It 'shows accounts, profiles and subscriptions as tables' {
        $text | Should -Match 'PS> Get-BillingAccount\s'
        $text | Should -Match 'AgreementType'
        $text | Should -Match 'PS> Get-BillingAccount \| Get-BillingProfile'
        $text | Should -Match 'PS> Get-BillingSubscription\s'
        $text | Should -Match 'SubscriptionId'
    }

    It 'never prints the token' {
        ($run.Output -join "`n") | Should -Match 'PS> Get-BillingAccount' -Because 'the scan needs the demo''s output'
        Find-Secret -Text $run.Output -Secret $emu.Token | Should -BeNullOrEmpty
    }
}
