# Get-BillingContext: the current connection (cloud, URL, tenant, credential kind, never a token), nothing before
# connecting or after disconnecting, and no request to the service.

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    if (-not (Get-Module BillingPowerShell)) { Import-Module (Get-TestModulePath) }
    $script:emu = Start-TestEmulator
}

AfterAll {
    Disconnect-BillingAccount
    Stop-TestEmulator $script:emu
}

Describe 'Get-BillingContext' {
    It 'before connecting: no output, no error, a verbose note about the default credential chain' {
        Disconnect-BillingAccount
        $out = Get-BillingContext -Verbose -ErrorVariable ev 4>&1
        @($out | Where-Object { $_ -isnot [System.Management.Automation.VerboseRecord] }) | Should -BeNullOrEmpty
        $ev | Should -BeNullOrEmpty
        @($out | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] }).Message | Should -Match 'default credential chain'
    }

    Context 'connected' {
        BeforeAll {
            $script:tenant = [guid]::NewGuid().ToString()
            $script:connected = Connect-BillingAccount -ResourceManagerUrl $emu.ArmUrl -AccessToken $emu.SecureToken -TenantId $tenant
            $script:before = (Get-EmulatorStats $emu).totalRequests
            $script:ctx = Get-BillingContext
            $script:after = (Get-EmulatorStats $emu).totalRequests
        }

        It 'returns one BillingContext, the type its [OutputType] declares' {
            @($ctx).Count | Should -Be 1
            $ctx.GetType().FullName | Should -Be 'BillingPowerShell.BillingContext'
            (Get-Command Get-BillingContext).OutputType.Name | Should -Contain 'BillingPowerShell.BillingContext'
        }

        It 'describes the same connection Connect-BillingAccount returned' {
            $ctx.ResourceManagerUrl | Should -Be $connected.ResourceManagerUrl
            $ctx.CredentialKind | Should -Be 'AccessToken'
            $ctx.TenantId | Should -Be $tenant
            $ctx.Environment | Should -Be $connected.Environment
            $ctx.ConnectedAt | Should -Be $connected.ConnectedAt
        }

        It 'makes no request to the service' {
            $after | Should -Be $before
        }

        It 'never shows the token, in any property or format' {
            $ctx.PSObject.Properties.Name | Should -Not -Contain 'AccessToken'
            $text = ($ctx | Format-List * | Out-String) + ($ctx | Format-Table | Out-String) + ($ctx | ConvertTo-Json)
            $text.Contains($emu.Token) | Should -BeFalse
            Find-Secret -Text @($ctx) -Secret $emu.Token | Should -BeNullOrEmpty
        }

        It 'shows the latest connection after reconnecting' {
            $second = Connect-BillingAccount -ResourceManagerUrl $emu.ArmUrl -AccessToken $emu.SecureToken
            (Get-BillingContext).TenantId | Should -BeNullOrEmpty
            (Get-BillingContext).ConnectedAt | Should -Be $second.ConnectedAt
        }

        It 'returns nothing after Disconnect-BillingAccount' {
            Disconnect-BillingAccount
            Get-BillingContext | Should -BeNullOrEmpty
        }
    }
}
