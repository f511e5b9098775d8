# Disconnect-BillingAccount: forgets the connection (no output), is harmless when not connected, and afterwards
# commands fall back to the default credential chain against the public cloud and say how to connect when that fails.

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    if (-not (Get-Module BillingPowerShell)) { Import-Module (Get-TestModulePath) }
    $script:emu = Start-TestEmulator
    $script:world = Get-EmulatorWorld $emu
}

AfterAll {
    Disconnect-BillingAccount
    Stop-TestEmulator $script:emu
}

Describe 'Disconnect-BillingAccount' {
    BeforeEach {
        Connect-BillingAccount -ResourceManagerUrl $emu.ArmUrl -AccessToken $emu.SecureToken | Out-Null
    }

    It 'writes nothing to the pipeline, as its [OutputType] says' {
        $out = Disconnect-BillingAccount
        $out | Should -BeNullOrEmpty
        (Get-Command Disconnect-BillingAccount).OutputType.Name | Should -Not -Contain 'BillingPowerShell.BillingContext'
    }

    It 'forgets the connection: Get-BillingContext returns nothing afterwards' {
        Get-BillingContext | Should -Not -BeNullOrEmpty
        Disconnect-BillingAccount
        Get-BillingContext | Should -BeNullOrEmpty
    }

    It 'makes no request to the service' {
        $before = (Get-EmulatorStats $emu).totalRequests
        Disconnect-BillingAccount
        (Get-EmulatorStats $emu).totalRequests | Should -Be $before
    }

    It 'is harmless when not connected: no error, a verbose note' {
        Disconnect-BillingAccount
        $Error.Clear()
        $out = Disconnect-BillingAccount -Verbose -ErrorVariable ev 4>&1
        $ev | Should -BeNullOrEmpty
        @($out | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] }).Message | Should -Match 'Not connected'
    }

    It 'a later Connect-BillingAccount works again' {
        Disconnect-BillingAccount
        Connect-BillingAccount -ResourceManagerUrl $emu.ArmUrl -AccessToken $emu.SecureToken | Out-Null
        (Get-BillingAccount).Name | Should -Be @($world.accounts.name)
    }

    It 'afterwards commands use the default credential chain, never the emulator, and say how to connect' {
        Disconnect-BillingAccount
        $before = (Get-EmulatorStats $emu).totalRequests
        # No Azure credential exists on this machine, so the default chain fails.
        $e = try { Get-BillingAccount -ErrorAction Stop; $null } catch { $_ }
        $e | Should -Not -BeNullOrEmpty
        $e.FullyQualifiedErrorId | Should -BeLike 'AuthenticationFailed,*'
        $e.CategoryInfo.Category | Should -Be 'AuthenticationError'
        $e.Exception.Message | Should -Match 'Connect-BillingAccount'
        $e.Exception.Message | Should -Not -Match '   at '
        (Get-EmulatorStats $emu).totalRequests | Should -Be $before
    }
}
