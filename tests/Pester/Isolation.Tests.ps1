# Dependency isolation: another module's older Azure.Core in the session must not break ours, in either import order.
# Without isolation, importing after `Add-Type -Path <Azure.Core 1.36.0>` fails with "Could not load file or assembly
# 'Azure.Core, Version=1.50.0.0' ... manifest definition does not match". Each case runs in a fresh pwsh, because an
# assembly loaded into a process stays there.

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    $nuget = if ($env:NUGET_PACKAGES) { $env:NUGET_PACKAGES } else { Join-Path $HOME '.nuget/packages' }
    $script:oldAzureCore = Join-Path $nuget 'azure.core/1.36.0/lib/netstandard2.0/Azure.Core.dll'
    $script:emu = Start-TestEmulator
    $script:childEnv = @{
        BPS_MODULE         = Get-TestModulePath
        BPS_OLD_AZURE_CORE = $oldAzureCore
        BPS_ARM            = $emu.ArmUrl
        BPS_TOKEN          = $emu.Token
    }

    # The child script: load the old Azure.Core before or after our module, then connect and list subscriptions.
    $script:child = {
        function Show-Loaded {
            [AppDomain]::CurrentDomain.GetAssemblies() |
                Where-Object { $_.GetName().Name -in 'Azure.Core', 'BillingPowerShell.Engine' } |
                ForEach-Object {
                    $alc = [System.Runtime.Loader.AssemblyLoadContext]::GetLoadContext($_)
                    $kind = if ($alc -eq [System.Runtime.Loader.AssemblyLoadContext]::Default) { 'Default' } else { $alc.GetType().FullName }
                    "LOADED $($_.GetName().Name) $($_.GetName().Version) $kind"
                }
        }
        function Test-Billing {
            $secure = ConvertTo-SecureString $env:BPS_TOKEN -AsPlainText -Force
            $null = Connect-BillingAccount -ResourceManagerUrl $env:BPS_ARM -AccessToken $secure
            $subs = @(Get-BillingSubscription)
            "SUBSCRIPTIONS $($subs.Count)"
        }
        if ($env:BPS_ORDER -eq 'OldFirst') {
            Add-Type -Path $env:BPS_OLD_AZURE_CORE
            Import-Module $env:BPS_MODULE
            Test-Billing
        }
        else {
            Import-Module $env:BPS_MODULE
            Test-Billing
            Add-Type -Path $env:BPS_OLD_AZURE_CORE
            # The other module's Azure.Core works, and so does ours, afterwards.
            "OLD HEADER $(([Azure.Core.HttpHeader]::new('x-test', 'ok')).Value)"
            Test-Billing
        }
        Show-Loaded
        'DONE'
    }
}

AfterAll {
    Stop-TestEmulator $script:emu
}

Describe 'Dependency isolation' {
    It 'has the old Azure.Core 1.36.0 from NuGet (tools/Tools.proj)' {
        $oldAzureCore | Should -Exist
    }

    It 'works when an older Azure.Core was loaded before the module' {
        $r = Invoke-ChildPwsh -ScriptBlock $child -Environment ($childEnv + @{ BPS_ORDER = 'OldFirst' })
        $text = $r.Output -join "`n"
        $r.ExitCode | Should -Be 0 -Because $text
        $text | Should -Match 'SUBSCRIPTIONS [1-9]'
        $text | Should -Match 'LOADED Azure\.Core 1\.36\.0\.0 Default'
        $text | Should -Match 'LOADED Azure\.Core 1\.\d+\.\d+\.\d+ BillingPowerShell\.Loader\.DependencyLoadContext'
        $text | Should -Match 'LOADED BillingPowerShell\.Engine \S+ BillingPowerShell\.Loader\.DependencyLoadContext'
        $text | Should -Match 'DONE'
    }

    It 'works when an older Azure.Core is loaded after the module, and both keep working' {
        $r = Invoke-ChildPwsh -ScriptBlock $child -Environment ($childEnv + @{ BPS_ORDER = 'OldAfter' })
        $text = $r.Output -join "`n"
        $r.ExitCode | Should -Be 0 -Because $text
        @([regex]::Matches($text, 'SUBSCRIPTIONS [1-9]')).Count | Should -Be 2
        $text | Should -Match 'OLD HEADER ok'
        $text | Should -Match 'LOADED Azure\.Core 1\.36\.0\.0 Default'
        $text | Should -Match 'LOADED Azure\.Core 1\.\d+\.\d+\.\d+ BillingPowerShell\.Loader\.DependencyLoadContext'
        $text | Should -Match 'DONE'
    }

    It 'never writes the token to any output' {
        $r = Invoke-ChildPwsh -ScriptBlock $child -Environment ($childEnv + @{ BPS_ORDER = 'OldFirst' })
        $r.ExitCode | Should -Be 0
        ($r.Output -join "`n") | Should -Match 'DONE' -Because 'the scan needs the run''s output'
        Find-Secret -Text $r.Output -Secret $emu.Token | Should -BeNullOrEmpty
    }
}
