# The package as a user installs it: build.ps1 Package makes out/package/BillingPowerShell.<version>.nupkg; here a
# fresh pwsh registers out/package as a local file repository, installs the module with Install-PSResource
# (PSResourceGet ships with PowerShell 7.6) into a fresh module path, imports it BY NAME and runs commands against
# the emulator. The child's HOME and XDG_DATA_HOME point into a temporary folder (PSResourceGet derives the
# CurrentUser install path from HOME, its repository list from XDG_DATA_HOME, which must exist), so the module path
# and the repository list are fresh and nothing is written to the user's own settings.

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    $script:packageDir = Join-Path (Get-RepoRoot) 'out/package'
    $script:nupkg = Get-ChildItem -LiteralPath $packageDir -Filter 'BillingPowerShell.*.nupkg' -ErrorAction Ignore | Select-Object -First 1
    $script:work = Join-Path ([IO.Path]::GetTempPath()) ('bps-package-' + [Guid]::NewGuid().ToString('n').Substring(0, 8))
    $script:dataHome = Join-Path $work 'home/.local/share'
    $null = New-Item -ItemType Directory -Path $dataHome -Force
    $script:emu = Start-TestEmulator

    $script:result = Invoke-ChildPwsh -TimeoutSeconds 300 -Environment @{
        HOME          = Join-Path $work 'home'
        XDG_DATA_HOME = $dataHome
        BPS_PACKAGES  = $packageDir
        BPS_WORK      = $work
        BPS_ARM       = $emu.ArmUrl
        BPS_TOKEN     = $emu.Token
        BPS_VERSION   = Get-ModuleVersion
        # As a user has it: no diagnostic override of the engine build ('' removes the variable in the child).
        BILLINGPOWERSHELL_ENGINE_BUILD = ''
    } -ScriptBlock {
        $modules = Join-Path $env:XDG_DATA_HOME 'powershell/Modules'
        $env:PSModulePath = $modules + [IO.Path]::PathSeparator + $env:PSModulePath
        Register-PSResourceRepository -Name BillingPowerShellLocal -Uri $env:BPS_PACKAGES -Trusted
        Install-PSResource -Name BillingPowerShell -Repository BillingPowerShellLocal -TrustRepository -Scope CurrentUser -Quiet
        $installed = Get-InstalledPSResource -Name BillingPowerShell -Scope CurrentUser
        "INSTALLED $($installed.Version) AT $($installed.InstalledLocation)"
        Import-Module BillingPowerShell
        $module = Get-Module BillingPowerShell
        "IMPORTED $($module.Version) FROM $($module.ModuleBase)"
        $engine = [BillingPowerShell.BillingAccount].Assembly
        "ENGINE FROM $([IO.Path]::GetRelativePath($module.ModuleBase, $engine.Location).Replace('\', '/'))"
        $secure = ConvertTo-SecureString $env:BPS_TOKEN -AsPlainText -Force
        $null = Connect-BillingAccount -ResourceManagerUrl $env:BPS_ARM -AccessToken $secure
        $accounts = @(Get-BillingAccount)
        "ACCOUNTS $($accounts.Count)"
        "HELP $((Get-Help Get-BillingAccount).Synopsis)"
    }
    $script:text = $result.Output -join "`n"
}

AfterAll {
    Stop-TestEmulator $script:emu
    Remove-Item -LiteralPath $script:work -Recurse -Force -ErrorAction Ignore
}

Describe 'Package' {
    It 'was built by build.ps1 Package (out/package/BillingPowerShell.<version>.nupkg)' {
        $nupkg | Should -Not -BeNullOrEmpty
        $nupkg.Name | Should -Be "BillingPowerShell.$(Get-ModuleVersion).nupkg"
    }

    It 'has the Gallery module layout: manifest, DLL, both dependencies folders, help, format file' {
        Add-Type -AssemblyName System.IO.Compression.FileSystem
        $zip = [IO.Compression.ZipFile]::OpenRead($nupkg.FullName)
        try { $entries = @($zip.Entries.FullName) } finally { $zip.Dispose() }
        foreach ($expected in 'BillingPowerShell.nuspec', 'BillingPowerShell.psd1', 'BillingPowerShell.dll',
            'BillingPowerShell.Format.ps1xml', 'en-US/BillingPowerShell.dll-Help.xml',
            'dependencies/netstandard2.0/BillingPowerShell.Engine.dll', 'dependencies/netstandard2.0/Azure.Core.dll',
            'dependencies/netstandard2.0/CsvHelper.dll', 'dependencies/net8.0/BillingPowerShell.Engine.dll',
            'dependencies/net8.0/Azure.Core.dll', 'dependencies/net8.0/CsvHelper.dll', 'dependencies/net8.0/Parquet.dll',
            'dependencies/net8.0/Snappier.dll') {
            $entries | Should -Contain $expected
        }
        $entries | Should -Not -Contain 'dependencies/netstandard2.0/Parquet.dll' -Because 'Parquet.Net targets net8.0 and later only'
        # BillingPowerShell.dll is the only DLL at the root; every other one is in one of the two build folders.
        $entries | Where-Object { $_ -like '*.dll' -and $_ -ne 'BillingPowerShell.dll' -and $_ -notmatch '^dependencies/(netstandard2\.0|net8\.0)/[^/]+\.dll$' } |
            Should -BeNullOrEmpty
    }

    It 'installs with Install-PSResource from a local repository into a fresh module path' {
        $result.ExitCode | Should -Be 0 -Because $text
        $text | Should -Match "INSTALLED $([regex]::Escape((Get-ModuleVersion))) AT $([regex]::Escape($dataHome))"
    }

    It 'imports by name from the installed location' {
        $text | Should -Match "IMPORTED $([regex]::Escape((Get-ModuleVersion))) FROM $([regex]::Escape($dataHome))"
    }

    It 'loads the engine''s net8.0 build from the installed dependencies/net8.0/' {
        $text | Should -Match 'ENGINE FROM dependencies/net8\.0/BillingPowerShell\.Engine\.dll'
    }

    It 'runs Get-BillingAccount against the emulator, with help' {
        $text | Should -Match 'ACCOUNTS [1-9]'
        $text | Should -Match 'HELP Gets the Azure billing accounts'
    }

    It 'never writes the token' {
        ($result.Output -join "`n") | Should -Match 'ACCOUNTS [1-9]' -Because 'the scan needs the run''s output'
        Find-Secret -Text $result.Output -Secret $emu.Token | Should -BeNullOrEmpty
    }
}
