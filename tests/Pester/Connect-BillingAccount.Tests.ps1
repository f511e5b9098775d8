# Connect-BillingAccount through the real module against the emulator: the -AccessToken set, the context it returns,
# the one cheap call it makes, and its errors (wrong token, reader token, non-HTTPS, unreachable). Also the secrets scan
# of a whole session (connect, discovery, invoices, a download) with -Verbose -Debug.

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    if (-not (Get-Module BillingPowerShell)) { Import-Module (Get-TestModulePath) }
    $script:emu = Start-TestEmulator
    $script:world = Get-EmulatorWorld $emu

    function Get-TotalRequests { (Get-EmulatorStats $script:emu).totalRequests }
}

AfterAll {
    Disconnect-BillingAccount
    Stop-TestEmulator $script:emu
}

Describe 'Connect-BillingAccount' {
    Context '-AccessToken against the emulator' {
        BeforeAll {
            $script:before = Get-TotalRequests
            $script:ctx = Connect-BillingAccount -ResourceManagerUrl $emu.ArmUrl -AccessToken $emu.SecureToken
            $script:after = Get-TotalRequests
        }

        It 'returns one BillingContext, the type its [OutputType] declares' {
            @($ctx).Count | Should -Be 1
            $ctx.GetType().FullName | Should -Be 'BillingPowerShell.BillingContext'
            (Get-Command Connect-BillingAccount).OutputType.Name | Should -Contain 'BillingPowerShell.BillingContext'
        }

        It 'describes the connection: URL, credential kind, custom environment' {
            $ctx.ResourceManagerUrl.GetLeftPart([UriPartial]::Authority) | Should -Be ([Uri]$emu.ArmUrl).GetLeftPart([UriPartial]::Authority)
            $ctx.CredentialKind | Should -Be 'AccessToken'
            $ctx.Environment | Should -Not -Be 'AzureCloud'
            $ctx.ConnectedAt | Should -BeGreaterThan ([DateTimeOffset]::UtcNow.AddMinutes(-5))
        }

        It 'never carries the token' {
            $ctx.PSObject.Properties.Name | Should -Not -Contain 'AccessToken'
            $ctx.PSObject.Properties.Name | Should -Not -Contain 'Token'
            Find-Secret -Text @($ctx) -Secret $emu.Token | Should -BeNullOrEmpty
        }

        It 'checks the connection with exactly one cheap call' {
            ($after - $before) | Should -Be 1
        }

        It 'keeps the connection for later commands' {
            (Get-BillingAccount).Count | Should -Be @($world.accounts).Count
        }

        It 'accepts the -TenantId and reports it' {
            $tenant = [guid]::NewGuid().ToString()
            $c = Connect-BillingAccount -ResourceManagerUrl $emu.ArmUrl -AccessToken $emu.SecureToken -TenantId $tenant
            $c.TenantId | Should -Be $tenant
        }
    }

    Context 'errors' {
        AfterAll { Connect-BillingAccount -ResourceManagerUrl $emu.ArmUrl -AccessToken $emu.SecureToken | Out-Null }

        It 'a wrong token is AuthenticationFailed that says how to connect' {
            Disconnect-BillingAccount   # the hint must not come from the session that is (not) there
            $bad = ConvertTo-SecureString ('wrong-' + [guid]::NewGuid()) -AsPlainText -Force
            $e = Get-ErrorFromCommand { Connect-BillingAccount -ResourceManagerUrl $emu.ArmUrl -AccessToken $bad -ErrorAction Stop }
            Assert-BillingError $e 'AuthenticationFailed' 'AuthenticationError'
            $e.Exception.Message | Should -Match 'Connect-BillingAccount'
            # The hint names the Resource Manager being connected to, not the public cloud of the old session.
            $e.Exception.Message | Should -Match ([regex]::Escape(([Uri]$emu.ArmUrl).GetLeftPart([UriPartial]::Authority)))
            $e.TargetObject.ToString() | Should -Match ([regex]::Escape(([Uri]$emu.ArmUrl).Authority))
        }

        It 'a token without billing rights (403) is BillingPermissionDenied naming the billing role' {
            $e = Get-ErrorFromCommand { Connect-BillingAccount -ResourceManagerUrl $emu.ArmUrl -AccessToken $emu.SecureReaderToken -ErrorAction Stop }
            Assert-BillingError $e 'BillingPermissionDenied' 'PermissionDenied'
            $e.Exception.Message | Should -Match '(?i)billing (account )?reader|invoice manager|account administrator'
            Find-Secret -Text @($e) -Secret $emu.ReaderToken | Should -BeNullOrEmpty
        }

        It 'a non-HTTPS URL is refused before any request is sent' {
            $before = Get-TotalRequests
            $http = ([Uri]$emu.ArmUrl).GetLeftPart([UriPartial]::Authority) -replace '^https:', 'http:'
            $e = Get-ErrorFromCommand { Connect-BillingAccount -ResourceManagerUrl $http -AccessToken $emu.SecureToken -ErrorAction Stop }
            Assert-BillingError $e 'ResourceManagerUrlNotHttps' 'SecurityError'
            $e.Exception.Message | Should -Match 'HTTPS'
            Get-TotalRequests | Should -Be $before
        }

        It 'a relative URL is refused as not HTTPS' {
            $e = Get-ErrorFromCommand { Connect-BillingAccount -ResourceManagerUrl ([Uri]::new('/relative', [UriKind]::Relative)) -AccessToken $emu.SecureToken -ErrorAction Stop }
            Assert-BillingError $e 'ResourceManagerUrlNotHttps' 'SecurityError'
        }

        It 'an unreachable URL is ServiceUnreachable' {
            # Port 1 on the loopback refuses connections at once.
            $e = Get-ErrorFromCommand { Connect-BillingAccount -ResourceManagerUrl 'https://127.0.0.1:1' -AccessToken $emu.SecureToken -ErrorAction Stop }
            Assert-BillingError $e 'ServiceUnreachable' 'ConnectionError'
            $e.Exception.Message | Should -Match '127\.0\.0\.1:1'
        }

        It 'a server whose certificate is not trusted is CertificateNotTrusted at once, saying what to check, never retried' {
            # A second emulator with a certificate of its own, which this process does not trust (as behind a
            # TLS-inspecting proxy, or with SSL_CERT_FILE set too late).
            $other = Start-TestEmulator -CertDirectory (Join-Path $TestDrive 'untrusted-cert')
            try {
                $debugLines = [Collections.Generic.List[string]]::new()
                # $DebugPreference, not -Debug: -Debug on a compiled cmdlet asks (Inquire), which a non-interactive host cannot.
                $DebugPreference = 'Continue'
                $e = try {
                    Connect-BillingAccount -ResourceManagerUrl $other.ArmUrl -AccessToken $other.SecureToken -ErrorAction Stop 5>&1 |
                        ForEach-Object { if ($_ -is [System.Management.Automation.DebugRecord]) { $debugLines.Add($_.Message) } }
                    $null
                }
                catch { $_ }
                Assert-BillingError $e 'CertificateNotTrusted' 'SecurityError'
                $e.Exception.Message | Should -Match ([regex]::Escape(([uri]$other.ArmUrl).Authority))
                $e.Exception.Message | Should -Match 'SSL_CERT_FILE'
                $e.Exception.Message | Should -Match 'proxy'
                $e.Exception.Message | Should -Not -Match 'attempts failed to connect'
                $debug = $debugLines -join "`n"
                $debug | Should -Not -Match 'retry \d' -Because 'a certificate fails the same way on every try'
                Find-Secret -Text @($e.ToString(), $debug) -Secret $other.Token | Should -BeNullOrEmpty
            }
            finally { Stop-TestEmulator $other }
        }

        It '-Debug in a pwsh -NonInteractive (a runbook) shows the debug lines and does not fail the command' {
            # -Debug on a compiled cmdlet means Inquire for debug and verbose lines, which such a host cannot ask.
            $r = Invoke-ChildPwsh -TimeoutSeconds 240 -Environment @{ BPS_TOKEN = $emu.Token; BPS_ARM = $emu.ArmUrl; BILLINGPS_MODULE_PATH = (Get-TestModulePath) } -ScriptBlock {
                Import-Module $env:BILLINGPS_MODULE_PATH
                Connect-BillingAccount -ResourceManagerUrl $env:BPS_ARM -AccessToken (ConvertTo-SecureString $env:BPS_TOKEN -AsPlainText -Force) -Debug | Out-Null
                "accounts: $(@(Get-BillingAccount -Debug).Count)"
            }
            $r.ExitCode | Should -Be 0 -Because ($r.Output -join "`n")
            $r.Output | Should -Contain "accounts: $(@($world.accounts).Count)"
            ($r.Output -join "`n") | Should -Match 'DEBUG: GET https://'
            Find-Secret -Text $r.Output -Secret $emu.Token | Should -BeNullOrEmpty
        }

        It 'an unknown -Environment is a parameter validation error' {
            $e = Get-ErrorFromCommand { Connect-BillingAccount -Environment 'MoonCloud' -AccessToken $emu.SecureToken -ErrorAction Stop }
            $e.FullyQualifiedErrorId | Should -BeLike 'ParameterArgumentValidationError,*'
            $e.CategoryInfo.Category | Should -Be 'InvalidData'
        }

        It 'a failed connect does not replace the working connection' {
            Connect-BillingAccount -ResourceManagerUrl $emu.ArmUrl -AccessToken $emu.SecureToken | Out-Null
            $bad = ConvertTo-SecureString 'wrong' -AsPlainText -Force
            $null = Get-ErrorFromCommand { Connect-BillingAccount -ResourceManagerUrl $emu.ArmUrl -AccessToken $bad -ErrorAction Stop }
            (Get-BillingContext).CredentialKind | Should -Be 'AccessToken'
            (Get-BillingAccount).Count | Should -Be @($world.accounts).Count
        }
    }

    Context 'secrets: a whole session with -Verbose -Debug' {
        BeforeAll {
            $script:folder = Join-Path $TestDrive 'secrets'
            $Error.Clear()
            $bad = ConvertTo-SecureString ('bad-' + [guid]::NewGuid()) -AsPlainText -Force
            $script:captured = & {
                Connect-BillingAccount -ResourceManagerUrl $emu.ArmUrl -AccessToken $emu.SecureToken -Verbose -Debug
                Get-BillingContext -Verbose -Debug | Format-List * | Out-String
                Get-BillingAccount -Verbose -Debug
                Get-BillingProfile -Verbose -Debug
                Get-BillingSubscription -Verbose -Debug
                Get-BillingPeriod -First 1 -Verbose -Debug
                $inv = Get-BillingInvoice -Latest -Verbose -Debug
                $inv
                $inv | Select-Object -First 2 | Save-BillingInvoice -Destination $script:folder -Force -PassThru -DocumentType All -Verbose -Debug
                Get-BillingAccount -Name 'no-such-account' -Verbose -Debug -ErrorAction Continue
                try { Connect-BillingAccount -ResourceManagerUrl $emu.ArmUrl -AccessToken $bad -Verbose -Debug -ErrorAction Stop } catch { $_ }
                try { Connect-BillingAccount -ResourceManagerUrl $emu.ArmUrl -AccessToken $emu.SecureReaderToken -Verbose -Debug -ErrorAction Stop } catch { $_ }
                Connect-BillingAccount -ResourceManagerUrl $emu.ArmUrl -AccessToken $emu.SecureToken -Verbose -Debug
            } *>&1
            $script:errors = @($Error)
        }

        It 'captured a real session (verbose, debug, objects, errors and a saved file)' {
            @($captured | Where-Object { $_ -is [System.Management.Automation.DebugRecord] }).Count | Should -BeGreaterThan 5
            @($captured | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] }).Count | Should -BeGreaterThan 0
            @($captured | Where-Object { $_.GetType().FullName -eq 'BillingPowerShell.BillingInvoice' }).Count | Should -BeGreaterThan 0
            @($captured | Where-Object { $_ -is [IO.FileInfo] }).Count | Should -BeGreaterThan 0
            $errors.Count | Should -BeGreaterThan 0
        }

        It 'the debug stream saw the download links (so the scan below is meaningful)' {
            @($captured | Where-Object { $_ -is [System.Management.Automation.DebugRecord] -and $_.Message -match 'sig=' }).Count +
            @($captured | Where-Object { "$_" -match '(?i)localhost:\d+/invoices/' }).Count | Should -BeGreaterThan 0
        }

        It 'finds neither the token, the reader token nor any SAS signature in any stream or in $Error' {
            Find-Secret -Text @($captured) -Secret $emu.Token, $emu.ReaderToken | Should -BeNullOrEmpty
            Find-Secret -Text $errors -Secret $emu.Token, $emu.ReaderToken | Should -BeNullOrEmpty
        }
    }
}
