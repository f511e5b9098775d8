# Connect-BillingAccount with identities that really sign in, at the emulator's Entra ID and managed identity
# endpoints (src/BillingPowerShell.Emulator/README.md, "Sign-in: Entra ID and managed identity"): -ServicePrincipal with
# a secret and with a certificate file, -DeviceCode, -Identity (system- and user-assigned, App Service style through
# IDENTITY_ENDPOINT/IDENTITY_HEADER and VM style through the instance metadata path), and the default chain from
# AZURE_CLIENT_ID/AZURE_TENANT_ID/AZURE_CLIENT_SECRET. Each sign-in is followed by one real call; a wrong secret and an
# expired certificate fail clearly; no secret and no token the emulator issued appears in any stream.
# Azure.Identity finds the emulator's authority through AZURE_AUTHORITY_HOST (set here for this process), and the
# managed identity through the variables an Azure Automation sandbox or a VM has (set in a child pwsh only: MSAL
# reads them once per process).

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    if (-not (Get-Module BillingPowerShell)) { Import-Module (Get-TestModulePath) }
    $script:emu = Start-TestEmulator
    $script:world = Get-EmulatorWorld $emu
    $script:accountCount = @($world.accounts).Count
    $script:savedAuthority = $env:AZURE_AUTHORITY_HOST
    $env:AZURE_AUTHORITY_HOST = $emu.AuthorityHost
    $script:secureSecret = ConvertTo-SecureString $emu.ClientSecret -AsPlainText -Force

    # Every token the emulator issued so far, and its secrets: none may appear in what a test captured.
    function script:Get-Secrets {
        @((Get-EmulatorIdentity $script:emu).issuedTokens) + @($script:emu.ClientSecret, $script:emu.IdentityHeader, $script:emu.Token)
    }
    function script:Get-RequestCount([string] $Route) { Get-EmulatorStatsCount (Get-EmulatorStats $script:emu) $Route }
    # A child pwsh that imports the module; -Environment adds variables for it only.
    function script:Invoke-Child([scriptblock] $ScriptBlock = $script:childConnect, [hashtable] $Environment) {
        $envs = @{ BILLINGPS_MODULE_PATH = (Get-TestModulePath); BPS_ARM = $script:emu.ArmUrl } + $Environment
        Invoke-ChildPwsh -TimeoutSeconds 240 -Environment $envs -ScriptBlock $ScriptBlock
    }
    # What a child prints for a good connection: the context's credential kind, and how many accounts it read.
    $script:childConnect = {
        Import-Module $env:BILLINGPS_MODULE_PATH
        $c = & ([scriptblock]::Create($env:BPS_CONNECT)) *>&1
        $c | ForEach-Object { "STREAM: $_" }
        "kind: $((Get-BillingContext).CredentialKind)"
        "accounts: $(@(Get-BillingAccount).Count)"
    }
}

AfterAll {
    $env:AZURE_AUTHORITY_HOST = $script:savedAuthority
    Disconnect-BillingAccount
    Stop-TestEmulator $script:emu
}

Describe 'Connect-BillingAccount with identities that sign in' {
    Context '-ServicePrincipal' {
        It 'with a client secret: signs in at the authority, reads billing data, no secret or token in any stream' {
            $before = Get-RequestCount 'Identity_Token'
            $out = & {
                Connect-BillingAccount -ServicePrincipal -TenantId $emu.TenantId -ClientId $emu.ClientId -ClientSecret $secureSecret -ResourceManagerUrl $emu.ArmUrl -Verbose
                Get-BillingAccount -Verbose
                Get-BillingContext | Format-List * | Out-String
            } *>&1
            $ctx = @($out | Where-Object { $_ -is [BillingPowerShell.BillingContext] })
            $ctx.Count | Should -Be 1
            $ctx[0].CredentialKind | Should -Be 'ServicePrincipalSecret'
            $ctx[0].TenantId | Should -Be $emu.TenantId
            $ctx[0].ClientId | Should -Be $emu.ClientId
            @($out | Where-Object { $_ -is [BillingPowerShell.BillingAccount] }).Count | Should -Be $accountCount
            (Get-RequestCount 'Identity_Token') | Should -BeGreaterThan $before -Because 'the token came from the emulator''s Entra ID'
            Find-Secret -Text @($out) -Secret (Get-Secrets) | Should -BeNullOrEmpty
        }

        It 'with a certificate file: the client assertion is accepted and the identity reads billing data' {
            $out = & {
                Connect-BillingAccount -ServicePrincipal -TenantId $emu.TenantId -ClientId $emu.ClientId -CertificatePath $emu.ClientCertificatePath -ResourceManagerUrl $emu.ArmUrl -Verbose
                Get-BillingSubscription
            } *>&1
            @($out | Where-Object { $_ -is [BillingPowerShell.BillingContext] })[0].CredentialKind | Should -Be 'ServicePrincipalCertificate'
            @($out | Where-Object { $_ -is [BillingPowerShell.BillingSubscription] }).Count | Should -Be @($world.accounts.subscriptions).Count
            Find-Secret -Text @($out) -Secret (Get-Secrets) | Should -BeNullOrEmpty
        }

        It 'a wrong secret fails with AuthenticationFailed naming the reason (AADSTS7000215), without the secret' {
            Connect-BillingAccount -ResourceManagerUrl $emu.ArmUrl -AccessToken $emu.SecureToken | Out-Null
            $wrong = 'wrong-' + [guid]::NewGuid()
            $Error.Clear()
            $out = & {
                try { Connect-BillingAccount -ServicePrincipal -TenantId $emu.TenantId -ClientId $emu.ClientId -ClientSecret (ConvertTo-SecureString $wrong -AsPlainText -Force) -ResourceManagerUrl $emu.ArmUrl -Verbose -ErrorAction Stop }
                catch { $_ }
            } *>&1
            $e = @($out | Where-Object { $_ -is [System.Management.Automation.ErrorRecord] })[0]
            Assert-BillingError $e 'AuthenticationFailed' 'AuthenticationError'
            $e.Exception.Message | Should -Match 'AADSTS7000215'
            $e.Exception.Message | Should -Match 'Invalid client secret'
            Find-Secret -Text (@($out) + @($Error)) -Secret ((Get-Secrets) + $wrong) | Should -BeNullOrEmpty
            (Get-BillingContext).CredentialKind | Should -Be 'AccessToken' -Because 'a failed connect keeps the working connection'
        }

        It 'an expired certificate fails with AuthenticationFailed saying the key is expired' {
            $e = Get-ErrorFromCommand { Connect-BillingAccount -ServicePrincipal -TenantId $emu.TenantId -ClientId $emu.ClientId -CertificatePath $emu.ExpiredClientCertificatePath -ResourceManagerUrl $emu.ArmUrl -ErrorAction Stop }
            Assert-BillingError $e 'AuthenticationFailed' 'AuthenticationError'
            $e.Exception.Message | Should -Match 'AADSTS700027'
            $e.Exception.Message | Should -Match 'expired'
            Find-Secret -Text @($e) -Secret (Get-Secrets) | Should -BeNullOrEmpty
        }
    }

    Context '-DeviceCode' {
        It 'writes the sign-in instruction as a warning, polls until the code is approved, then reads billing data' {
            $before = Get-RequestCount 'Identity_Token'
            $out = & {
                Connect-BillingAccount -DeviceCode -ResourceManagerUrl $emu.ArmUrl
                Get-BillingAccount
            } *>&1
            $warnings = @($out | Where-Object { $_ -is [System.Management.Automation.WarningRecord] })
            $warnings.Count | Should -Be 1
            $warnings[0].Message | Should -Match '^To sign in, use a web browser to open the page https://127\.0\.0\.1:\d+/devicelogin and enter the code [A-Z]{9} to authenticate\.$'
            @($out | Where-Object { $_ -is [BillingPowerShell.BillingContext] })[0].CredentialKind | Should -Be 'DeviceCode'
            @($out | Where-Object { $_ -is [BillingPowerShell.BillingAccount] }).Count | Should -Be $accountCount
            # One authorization_pending answer (the emulator approves the code at the first poll), then the token.
            ((Get-RequestCount 'Identity_Token') - $before) | Should -BeGreaterOrEqual 2
            Find-Secret -Text @($out) -Secret (Get-Secrets) | Should -BeNullOrEmpty
        }
    }

    Context '-Identity (managed identity)' {
        It 'system-assigned, through IDENTITY_ENDPOINT and IDENTITY_HEADER as in Azure Automation' {
            $r = Invoke-Child $childConnect @{
                IDENTITY_ENDPOINT = $emu.IdentityEndpoint; IDENTITY_HEADER = $emu.IdentityHeader
                BPS_CONNECT = 'Connect-BillingAccount -Identity -ResourceManagerUrl $env:BPS_ARM -Verbose'
            }
            $r.ExitCode | Should -Be 0 -Because ($r.Output -join "`n")
            $r.Output | Should -Contain 'kind: ManagedIdentity'
            $r.Output | Should -Contain "accounts: $accountCount"
            Find-Secret -Text $r.Output -Secret (Get-Secrets) | Should -BeNullOrEmpty
        }

        It 'user-assigned with -ClientId: the token is the user-assigned identity''s' {
            $before = @((Get-EmulatorIdentity $emu).issuedTokens)
            $r = Invoke-Child $childConnect @{
                IDENTITY_ENDPOINT = $emu.IdentityEndpoint; IDENTITY_HEADER = $emu.IdentityHeader; BPS_CLIENT = $emu.ManagedIdentityClientId
                BPS_CONNECT = 'Connect-BillingAccount -Identity -ClientId $env:BPS_CLIENT -ResourceManagerUrl $env:BPS_ARM'
            }
            $r.ExitCode | Should -Be 0 -Because ($r.Output -join "`n")
            $r.Output | Should -Contain "accounts: $accountCount"
            $new = @((Get-EmulatorIdentity $emu).issuedTokens | Where-Object { $_ -notin $before })
            $new.Count | Should -BeGreaterThan 0
            $claims = $new | ForEach-Object {
                $p = $_.Split('.')[1].Replace('-', '+').Replace('_', '/'); $p = $p.PadRight($p.Length + (4 - $p.Length % 4) % 4, '=')
                [Text.Encoding]::UTF8.GetString([Convert]::FromBase64String($p)) | ConvertFrom-Json
            }
            @($claims.appid | Select-Object -Unique) | Should -Be @($emu.ManagedIdentityClientId)
            Find-Secret -Text $r.Output -Secret (Get-Secrets) | Should -BeNullOrEmpty
        }

        It 'an unknown user-assigned -ClientId fails clearly' {
            $r = Invoke-Child -Environment @{
                IDENTITY_ENDPOINT = $emu.IdentityEndpoint; IDENTITY_HEADER = $emu.IdentityHeader; BPS_CLIENT = [guid]::NewGuid().ToString()
            } -ScriptBlock {
                Import-Module $env:BILLINGPS_MODULE_PATH
                try { Connect-BillingAccount -Identity -ClientId $env:BPS_CLIENT -ResourceManagerUrl $env:BPS_ARM -ErrorAction Stop }
                catch { "ERROR: $($_.FullyQualifiedErrorId): $($_.Exception.Message)" }
            }
            ($r.Output -join "`n") | Should -Match 'ERROR: AuthenticationFailed,'
            ($r.Output -join "`n") | Should -Match 'No managed identity found'
        }

        It 'VM style: the instance metadata path, reached through AZURE_POD_IDENTITY_AUTHORITY_HOST' {
            $r = Invoke-Child $childConnect @{
                AZURE_POD_IDENTITY_AUTHORITY_HOST = $emu.ImdsEndpoint
                BPS_CONNECT = 'Connect-BillingAccount -Identity -ResourceManagerUrl $env:BPS_ARM'
            }
            $r.ExitCode | Should -Be 0 -Because ($r.Output -join "`n")
            $r.Output | Should -Contain "accounts: $accountCount"
            (Get-RequestCount 'Identity_ManagedIdentity_Imds') | Should -BeGreaterThan 0
        }
    }

    Context 'the default credential chain' {
        It 'picks up AZURE_CLIENT_ID, AZURE_TENANT_ID and AZURE_CLIENT_SECRET' {
            $r = Invoke-Child $childConnect @{
                AZURE_CLIENT_ID = $emu.ClientId; AZURE_TENANT_ID = $emu.TenantId; AZURE_CLIENT_SECRET = $emu.ClientSecret
                BPS_CONNECT = 'Connect-BillingAccount -ResourceManagerUrl $env:BPS_ARM -Verbose'
            }
            $r.ExitCode | Should -Be 0 -Because ($r.Output -join "`n")
            $r.Output | Should -Contain 'kind: Default'
            $r.Output | Should -Contain "accounts: $accountCount"
            Find-Secret -Text $r.Output -Secret (Get-Secrets) | Should -BeNullOrEmpty
        }

        It 'picks up AZURE_CLIENT_CERTIFICATE_PATH' {
            $r = Invoke-Child $childConnect @{
                AZURE_CLIENT_ID = $emu.ClientId; AZURE_TENANT_ID = $emu.TenantId; AZURE_CLIENT_CERTIFICATE_PATH = $emu.ClientCertificatePath
                BPS_CONNECT = 'Connect-BillingAccount -ResourceManagerUrl $env:BPS_ARM'
            }
            $r.ExitCode | Should -Be 0 -Because ($r.Output -join "`n")
            $r.Output | Should -Contain "accounts: $accountCount"
        }
    }

    Context 'AZURE_AUTHORITY_HOST' {
        It 'a value that is not HTTPS is refused before anything is sent' {
            $saved = $env:AZURE_AUTHORITY_HOST
            try {
                $env:AZURE_AUTHORITY_HOST = $emu.AuthorityHost -replace '^https:', 'http:'
                $e = Get-ErrorFromCommand { Connect-BillingAccount -ServicePrincipal -TenantId $emu.TenantId -ClientId $emu.ClientId -ClientSecret $secureSecret -ResourceManagerUrl $emu.ArmUrl -ErrorAction Stop }
                $e | Should -Not -BeNullOrEmpty
                $e.Exception.Message | Should -Match 'AZURE_AUTHORITY_HOST'
                $e.Exception.Message | Should -Match 'HTTPS'
            }
            finally { $env:AZURE_AUTHORITY_HOST = $saved }
        }
    }
}
