# Dependency isolation: another module's older Azure.Core in the session must not break ours, in either import order.
# Without isolation, importing after `Add-Type -Path <Azure.Core 1.36.0>` fails with "Could not load file or assembly
# 'Azure.Core, Version=1.50.0.0' ... manifest definition does not match". Each case runs in a fresh pwsh, because an
# assembly loaded into a process stays there. Both engine builds are covered: net8.0 (what PowerShell 7.4+ loads by
# default) and netstandard2.0 (what Windows PowerShell 5.1 and PowerShell 7.0-7.3 load), chosen in the child with the
# diagnostic switch BILLINGPOWERSHELL_ENGINE_BUILD (src/BillingPowerShell/Loader/DependencyResolver.cs).

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
        BPS_PARQUET        = Join-Path $PSScriptRoot 'Data/costdetails-duckdb.snappy.parquet'
    }

    # The child script: load the old Azure.Core before or after our module, then connect and list subscriptions.
    $script:child = {
        function Show-Loaded {
            # LOADED <name> <version> <load context> FROM <folder> TARGETS <TargetFrameworkAttribute>
            [AppDomain]::CurrentDomain.GetAssemblies() |
                Where-Object { $_.GetName().Name -in 'Azure.Core', 'BillingPowerShell.Engine', 'CsvHelper', 'Parquet', 'Snappier',
                    'CommunityToolkit.HighPerformance', 'Microsoft.IO.RecyclableMemoryStream', 'K4os.Compression.LZ4', 'ZstdSharp' } |
                ForEach-Object {
                    $alc = [System.Runtime.Loader.AssemblyLoadContext]::GetLoadContext($_)
                    $kind = if ($alc -eq [System.Runtime.Loader.AssemblyLoadContext]::Default) { 'Default' } else { $alc.GetType().FullName }
                    $folder = Split-Path -Leaf (Split-Path -Parent $_.Location)
                    $framework = $_.GetCustomAttributes([Runtime.Versioning.TargetFrameworkAttribute], $false).FrameworkName
                    "LOADED $($_.GetName().Name) $($_.GetName().Version) $kind FROM $folder TARGETS $framework"
                }
        }
        function Test-Billing {
            $secure = ConvertTo-SecureString $env:BPS_TOKEN -AsPlainText -Force
            $null = Connect-BillingAccount -ResourceManagerUrl $env:BPS_ARM -AccessToken $secure
            $subs = @(Get-BillingSubscription)
            "SUBSCRIPTIONS $($subs.Count)"
            # The CSV path too: CsvHelper must come from the same build's folder as the engine compiled against it.
            $csv = Join-Path ([IO.Path]::GetTempPath()) "bps-isolation-$PID.csv"
            "Date,CostInBillingCurrency,BillingCurrencyCode,MeterName,SubscriptionId,Tags,AccountOwnerId`n2024-01-01,1.25,USD,m,s,,o`n2024-01-02,2.25,USD,`"a, b`",s,,o`n" |
                Set-Content -LiteralPath $csv -NoNewline
            $sum = Import-DailyUsage -LiteralPath $csv | Measure-Object Cost -Sum
            Remove-Item -LiteralPath $csv
            "IMPORTED $($sum.Count) $($sum.Sum.ToString([cultureinfo]::InvariantCulture))"
            # And Parquet (a snappy file DuckDB wrote): Parquet.Net and its dependencies from the net8.0 folder; the
            # netstandard2.0 build has no Parquet and says so.
            try {
                $sum = Import-DailyUsage -LiteralPath $env:BPS_PARQUET -ErrorAction Stop | Measure-Object Cost -Sum
                "PARQUET $($sum.Count) $($sum.Sum.ToString([cultureinfo]::InvariantCulture))"
            }
            catch { "PARQUET ERROR $($_.FullyQualifiedErrorId)" }
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

Describe 'Dependency isolation with the <Build> engine' -ForEach @(
    # '' removes the variable in the child (Invoke-ChildPwsh), so the loader's own choice is tested.
    @{ Build = 'net8.0'; Override = ''; Framework = '.NETCoreApp,Version=v8.0' }
    @{ Build = 'netstandard2.0'; Override = 'netstandard2.0'; Framework = '.NETStandard,Version=v2.0' }
) {
    BeforeAll {
        # Each order once in its own child pwsh; the Its below read their output.
        $buildEnv = $childEnv + @{ BILLINGPOWERSHELL_ENGINE_BUILD = $Override }
        $script:oldFirst = Invoke-ChildPwsh -ScriptBlock $child -Environment ($buildEnv + @{ BPS_ORDER = 'OldFirst' })
        $script:oldFirstText = $oldFirst.Output -join "`n"
        $script:oldAfter = Invoke-ChildPwsh -ScriptBlock $child -Environment ($buildEnv + @{ BPS_ORDER = 'OldAfter' })
        $script:oldAfterText = $oldAfter.Output -join "`n"
        $script:enginePattern = 'LOADED BillingPowerShell\.Engine \S+ BillingPowerShell\.Loader\.DependencyLoadContext FROM ' +
            [regex]::Escape($Build) + ' TARGETS ' + [regex]::Escape($Framework)
        $script:csvHelperPattern = 'LOADED CsvHelper 34\.\d+\.\d+\.\d+ BillingPowerShell\.Loader\.DependencyLoadContext FROM ' +
            [regex]::Escape($Build) + ' TARGETS ' + [regex]::Escape($Framework)
        $script:parquetPattern = 'LOADED (Parquet|Snappier) \d+\.\d+\.\d+\.\d+ BillingPowerShell\.Loader\.DependencyLoadContext FROM net8\.0 TARGETS \.NETCoreApp,Version=v8\.0'
        $script:ourAzureCorePattern = 'LOADED Azure\.Core 1\.\d+\.\d+\.\d+ BillingPowerShell\.Loader\.DependencyLoadContext FROM ' + [regex]::Escape($Build) + ' '
    }

    It 'has the old Azure.Core 1.36.0 from NuGet (tools/Tools.proj)' {
        $oldAzureCore | Should -Exist
    }

    It 'works when an older Azure.Core was loaded before the module' {
        $oldFirst.ExitCode | Should -Be 0 -Because $oldFirstText
        $oldFirstText | Should -Match 'SUBSCRIPTIONS [1-9]'
        $oldFirstText | Should -Match 'IMPORTED 2 3\.5(\s|$)'
        $oldFirstText | Should -Match $csvHelperPattern
        $oldFirstText | Should -Match 'LOADED Azure\.Core 1\.36\.0\.0 Default'
        $oldFirstText | Should -Match $ourAzureCorePattern
        $oldFirstText | Should -Match 'DONE'
    }

    It 'loaded the <Build> engine from dependencies/<Build>/ into the module''s own load context, and only that one' {
        $oldFirstText | Should -Match $enginePattern
        @([regex]::Matches($oldFirstText, 'LOADED BillingPowerShell\.Engine ')).Count | Should -Be 1 -Because $oldFirstText
        $oldAfterText | Should -Match $enginePattern
        @([regex]::Matches($oldAfterText, 'LOADED BillingPowerShell\.Engine ')).Count | Should -Be 1 -Because $oldAfterText
    }

    It 'reads Parquet with Parquet.Net and its dependencies from dependencies/net8.0/ (net8.0), or says ParquetNeedsPowerShell7 (netstandard2.0)' {
        $oldFirst.ExitCode | Should -Be 0 -Because $oldFirstText
        if ($Build -eq 'net8.0') {
            $oldFirstText | Should -Match 'PARQUET 2 3\.5(\s|$)'
            @([regex]::Matches($oldFirstText, $parquetPattern)).Count | Should -Be 2 -Because "Parquet and Snappier (the snappy codec) load: $oldFirstText"
            # Every Parquet dependency that loaded came from net8.0/ into the module's context, none from anywhere else.
            [regex]::Matches($oldFirstText, 'LOADED (Parquet|Snappier|CommunityToolkit\.HighPerformance|Microsoft\.IO\.RecyclableMemoryStream|K4os\.Compression\.LZ4|ZstdSharp) .*') |
                ForEach-Object Value | Where-Object { $_ -notmatch 'BillingPowerShell\.Loader\.DependencyLoadContext FROM net8\.0 ' } | Should -BeNullOrEmpty
        }
        else {
            $oldFirstText | Should -Match 'PARQUET ERROR ParquetNeedsPowerShell7,BillingPowerShell\.Commands\.ImportDailyUsageCommand'
            $oldFirstText | Should -Not -Match 'LOADED Parquet '
            $oldFirstText | Should -Match 'IMPORTED 2 3\.5(\s|$)' -Because 'CSV works on the netstandard2.0 build'
        }
    }

    It 'works when an older Azure.Core is loaded after the module, and both keep working' {
        $oldAfter.ExitCode | Should -Be 0 -Because $oldAfterText
        @([regex]::Matches($oldAfterText, 'SUBSCRIPTIONS [1-9]')).Count | Should -Be 2
        $oldAfterText | Should -Match 'OLD HEADER ok'
        $oldAfterText | Should -Match 'LOADED Azure\.Core 1\.36\.0\.0 Default'
        $oldAfterText | Should -Match $ourAzureCorePattern
        $oldAfterText | Should -Match 'DONE'
    }

    It 'never writes the token to any output' {
        $oldFirstText | Should -Match 'DONE' -Because 'the scan needs the run''s output'
        $oldAfterText | Should -Match 'DONE' -Because 'the scan needs the run''s output'
        Find-Secret -Text ($oldFirst.Output + $oldAfter.Output) -Secret $emu.Token | Should -BeNullOrEmpty
    }
}

Describe 'BILLINGPOWERSHELL_ENGINE_BUILD' {
    It 'ignores a value that names no build, and the default (net8.0) build loads and works' {
        $r = Invoke-ChildPwsh -ScriptBlock $child -Environment ($childEnv + @{ BILLINGPOWERSHELL_ENGINE_BUILD = 'net472'; BPS_ORDER = 'OldFirst' })
        $text = $r.Output -join "`n"
        $r.ExitCode | Should -Be 0 -Because $text
        $text | Should -Match 'SUBSCRIPTIONS [1-9]'
        $text | Should -Match 'LOADED BillingPowerShell\.Engine \S+ BillingPowerShell\.Loader\.DependencyLoadContext FROM net8\.0 TARGETS \.NETCoreApp,Version=v8\.0'
    }
}
