# Module-wide meta-tests: the manifest, the built layout, help, test files, format views, public types.
# Run by build.ps1 Test in a fresh pwsh that has imported the built module by path.

BeforeDiscovery {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    $manifestPath = Get-TestModulePath
    $script:manifestData = Import-PowerShellDataFile -LiteralPath $manifestPath
    $script:listed = @($manifestData.CmdletsToExport)
    if (-not (Get-Module BillingPowerShell)) { Import-Module $manifestPath }
    $script:exported = @((Get-Module BillingPowerShell).ExportedCmdlets.Keys | Sort-Object)
    # Help is checked for every cmdlet the manifest lists and every one the module exports (one missing from either
    # side fails 'is implemented' below, not silently drops its help tests).
    $script:cmdletCases = @(@($listed) + @($exported) | Sort-Object -Unique | ForEach-Object { @{ Name = $_ } })
    $script:listedCases = @($listed | ForEach-Object { @{ Name = $_ } })
}

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    $script:manifestPath = Get-TestModulePath
    $script:moduleDir = Split-Path -Parent $manifestPath
    $script:data = Import-PowerShellDataFile -LiteralPath $manifestPath
    if (-not (Get-Module BillingPowerShell)) { Import-Module $manifestPath }
    $script:module = Get-Module BillingPowerShell
    $script:commonParameters = [System.Management.Automation.PSCmdlet]::CommonParameters +
        [System.Management.Automation.PSCmdlet]::OptionalCommonParameters + 'ProgressAction'
    $script:thirdPartyPattern = '^(Azure\.|Microsoft\.Identity|Microsoft\.Extensions\.|Microsoft\.Bcl\.|System\.ClientModel|System\.Memory\.Data)'
    # The engine build this process should have loaded: net8.0 on PowerShell 7.4+, unless the diagnostic switch asks
    # for netstandard2.0 (so the whole suite can also run against that build).
    $script:expectedBuild = if ($env:BILLINGPOWERSHELL_ENGINE_BUILD -eq 'netstandard2.0') { 'netstandard2.0' } else { 'net8.0' }

    function Read-AssemblyFacts([string] $Path) {
        # Name, TargetFrameworkAttribute and assembly references of a DLL, read from its metadata without loading it.
        $stream = [IO.File]::OpenRead($Path)
        try {
            $pe = [System.Reflection.PortableExecutable.PEReader]::new($stream)
            $md = [System.Reflection.Metadata.PEReaderExtensions]::GetMetadataReader($pe)
            $framework = foreach ($handle in $md.GetAssemblyDefinition().GetCustomAttributes()) {
                $attribute = $md.GetCustomAttribute($handle)
                if ($attribute.Constructor.Kind -ne 'MemberReference') { continue }
                $parent = $md.GetMemberReference($attribute.Constructor).Parent
                if ($parent.Kind -ne 'TypeReference' -or $md.GetString($md.GetTypeReference($parent).Name) -ne 'TargetFrameworkAttribute') { continue }
                $blob = $md.GetBlobReader($attribute.Value)
                $null = $blob.ReadUInt16()
                $blob.ReadSerializedString()
            }
            [pscustomobject]@{
                Name       = Split-Path -Leaf $Path
                Framework  = [string]$framework
                References = @(foreach ($r in $md.AssemblyReferences) { $md.GetString($md.GetAssemblyReference($r).Name) })
            }
        }
        finally { $stream.Dispose() }
    }
}

Describe 'Manifest' {
    It 'is a valid module manifest' {
        { Test-ModuleManifest -Path $manifestPath -ErrorAction Stop } | Should -Not -Throw
    }

    It 'has the version of Directory.Build.props, stamped at build time' {
        (Test-ModuleManifest -Path $manifestPath).Version.ToString() | Should -Be (Get-ModuleVersion)
    }

    It 'has BillingPowerShell.dll as its root module' {
        $data.RootModule | Should -Be 'BillingPowerShell.dll'
    }

    It 'lists the cmdlets to export explicitly, without wildcards' {
        $data.CmdletsToExport | Should -Not -BeNullOrEmpty
        $data.CmdletsToExport | Where-Object { $_ -match '[*?]' } | Should -BeNullOrEmpty
        $data.CmdletsToExport | Sort-Object | Should -Be (@(
                'Connect-BillingAccount', 'Disconnect-BillingAccount', 'Get-BillingContext', 'Get-BillingAccount',
                'Get-BillingProfile', 'Get-BillingSubscription', 'Get-BillingPeriod', 'Get-BillingInvoice',
                'Save-BillingInvoice', 'Get-DailyUsage', 'Export-DailyUsage', 'Import-DailyUsage', 'Get-BillingCost',
                'Get-BillingCostEstimate', 'Get-BillingExport', 'New-BillingExport', 'Set-BillingExport', 'Remove-BillingExport',
                'Start-BillingExport', 'Get-BillingExportRun', 'Receive-BillingExport',
                'Export-BillingReport', 'Compare-BillingCost', 'Get-BillingCostAnomaly') | Sort-Object)
    }

    It 'exports no functions, aliases or variables (explicit empty lists)' {
        foreach ($key in 'FunctionsToExport', 'AliasesToExport', 'VariablesToExport') {
            $data.ContainsKey($key) | Should -BeTrue -Because "$key must be explicit"
            @($data[$key]).Count | Should -Be 0 -Because "$key must be @()"
        }
    }

    It 'is compatible with Desktop and Core editions and PowerShell 5.1' {
        $data.CompatiblePSEditions | Should -Contain 'Desktop'
        $data.CompatiblePSEditions | Should -Contain 'Core'
        $data.PowerShellVersion | Should -Be '5.1'
    }

    It 'processes the format file' {
        $data.FormatsToProcess | Should -Contain 'BillingPowerShell.Format.ps1xml'
        Join-Path $moduleDir 'BillingPowerShell.Format.ps1xml' | Should -Exist
    }

    It 'loads no third-party DLL through RequiredAssemblies or NestedModules' {
        foreach ($key in 'RequiredAssemblies', 'NestedModules') {
            if ($data.ContainsKey($key)) {
                @($data[$key]) | Where-Object { $_ -match '\.dll$' -and $_ -ne 'BillingPowerShell.dll' } | Should -BeNullOrEmpty
            }
        }
    }

    It 'has a description, tags, a project URI and a licence URI' {
        $data.Description | Should -Not -BeNullOrEmpty
        $data.PrivateData.PSData.Tags | Should -Not -BeNullOrEmpty
        $data.PrivateData.PSData.ProjectUri | Should -Match '^https://'
        $data.PrivateData.PSData.LicenseUri | Should -Match '^https://'
    }
}

Describe 'Built layout' {
    It 'has BillingPowerShell.dll as the only DLL at the root' {
        @(Get-ChildItem -LiteralPath $moduleDir -Filter '*.dll' -File).Name | Should -Be @('BillingPowerShell.dll')
    }

    It 'keeps the engine and the third-party DLLs under dependencies/<_>/' -ForEach 'netstandard2.0', 'net8.0' {
        foreach ($name in 'BillingPowerShell.Engine.dll', 'Azure.Core.dll', 'Azure.Identity.dll', 'CsvHelper.dll') {
            Join-Path $moduleDir "dependencies/$_/$name" | Should -Exist
        }
    }

    It 'has exactly the two build folders under dependencies/, and no DLL directly in it' {
        @(Get-ChildItem -LiteralPath (Join-Path $moduleDir 'dependencies') -Directory).Name | Sort-Object | Should -Be @('net8.0', 'netstandard2.0')
        Get-ChildItem -LiteralPath (Join-Path $moduleDir 'dependencies') -File | Should -BeNullOrEmpty
    }

    It 'has the engine''s netstandard2.0 build in netstandard2.0/ and its net8.0 build in net8.0/, with one name and version' {
        $netstandard = Join-Path $moduleDir 'dependencies/netstandard2.0/BillingPowerShell.Engine.dll'
        $net8 = Join-Path $moduleDir 'dependencies/net8.0/BillingPowerShell.Engine.dll'
        (Read-AssemblyFacts $netstandard).Framework | Should -Be '.NETStandard,Version=v2.0'
        (Read-AssemblyFacts $net8).Framework | Should -Be '.NETCoreApp,Version=v8.0'
        # The cmdlet assembly is compiled against the netstandard2.0 build and binds to either.
        [Reflection.AssemblyName]::GetAssemblyName($net8).FullName | Should -Be ([Reflection.AssemblyName]::GetAssemblyName($netstandard).FullName)
    }

    It 'ships CsvHelper''s net8.0 build in net8.0/ and its netstandard2.0 build in netstandard2.0/' {
        (Read-AssemblyFacts (Join-Path $moduleDir 'dependencies/net8.0/CsvHelper.dll')).Framework | Should -Be '.NETCoreApp,Version=v8.0'
        (Read-AssemblyFacts (Join-Path $moduleDir 'dependencies/netstandard2.0/CsvHelper.dll')).Framework | Should -Match '^\.NETStandard,Version=v2\.0$'
    }

    It 'ships Parquet.Net and its dependencies in net8.0/ only (Parquet.Net targets net8.0 and later)' {
        foreach ($name in 'Parquet.dll', 'Snappier.dll', 'CommunityToolkit.HighPerformance.dll', 'Microsoft.IO.RecyclableMemoryStream.dll', 'K4os.Compression.LZ4.dll', 'ZstdSharp.dll') {
            Join-Path $moduleDir "dependencies/net8.0/$name" | Should -Exist
        }
        (Read-AssemblyFacts (Join-Path $moduleDir 'dependencies/net8.0/Parquet.dll')).Framework | Should -Be '.NETCoreApp,Version=v8.0'
        Join-Path $moduleDir 'dependencies/netstandard2.0/Parquet.dll' | Should -Not -Exist
    }

    It 'does not ship System.Management.Automation.dll' {
        Get-ChildItem -LiteralPath $moduleDir -Recurse -Filter 'System.Management.Automation.dll' | Should -BeNullOrEmpty
    }

    It 'ships MAML help and the about topic in en-US/' {
        Join-Path $moduleDir 'en-US/BillingPowerShell.dll-Help.xml' | Should -Exist
        Join-Path $moduleDir 'en-US/about_BillingPowerShell.help.txt' | Should -Exist
        { [xml](Get-Content -Raw -LiteralPath (Join-Path $moduleDir 'en-US/BillingPowerShell.dll-Help.xml')) } | Should -Not -Throw
    }

    It 'loads the engine and Azure.Core into the module''s own load context, not the default one' {
        $null = Get-Command Get-BillingAccount -ErrorAction Ignore | ForEach-Object { $_.OutputType }
        $engine = [AppDomain]::CurrentDomain.GetAssemblies() | Where-Object { $_.GetName().Name -eq 'BillingPowerShell.Engine' }
        $engine | Should -Not -BeNullOrEmpty
        foreach ($assembly in $engine) {
            [System.Runtime.Loader.AssemblyLoadContext]::GetLoadContext($assembly) |
                Should -Not -Be ([System.Runtime.Loader.AssemblyLoadContext]::Default)
        }
    }

    It 'loads the engine''s net8.0 build on this PowerShell (.NET 8 or newer), from dependencies/net8.0/, in its own load context' {
        [Environment]::Version.Major | Should -BeGreaterOrEqual 8 -Because 'this suite runs on PowerShell 7.4 or later'
        $engine = @([AppDomain]::CurrentDomain.GetAssemblies() | Where-Object { $_.GetName().Name -eq 'BillingPowerShell.Engine' })
        $engine.Count | Should -Be 1 -Because 'one engine build is loaded, never both'
        $engine[0] | Should -Be ([BillingPowerShell.UsageRecord].Assembly)
        $engine[0].Location | Should -Be ([IO.Path]::GetFullPath((Join-Path $moduleDir "dependencies/$expectedBuild/BillingPowerShell.Engine.dll")))
        $framework = $engine[0].GetCustomAttributes([Runtime.Versioning.TargetFrameworkAttribute], $false).FrameworkName
        $framework | Should -Be $(if ($expectedBuild -eq 'net8.0') { '.NETCoreApp,Version=v8.0' } else { '.NETStandard,Version=v2.0' })
        $context = [System.Runtime.Loader.AssemblyLoadContext]::GetLoadContext($engine[0])
        $context.GetType().FullName | Should -Be 'BillingPowerShell.Loader.DependencyLoadContext'
        # Its Azure.Core comes from the same folder, into the same context.
        $azureCore = @($context.Assemblies | Where-Object { $_.GetName().Name -eq 'Azure.Core' })
        if ($azureCore) {
            $azureCore[0].Location | Should -Be ([IO.Path]::GetFullPath((Join-Path $moduleDir "dependencies/$expectedBuild/Azure.Core.dll")))
        }
    }
}

Describe 'Windows PowerShell 5.1 readiness (reference scan of the root DLL and dependencies/netstandard2.0; 5.1 itself is not available here)' {
    BeforeAll {
        # What .NET Framework 4.7.2 resolves for a netstandard2.0 library: netstandard, mscorlib and the
        # netstandard 2.0 facades (their names come from the NETStandard.Library targeting pack), plus what we ship.
        # Windows PowerShell 5.1 loads the root DLL and dependencies/netstandard2.0/ only (src/BillingPowerShell/Loader).
        $nuget = if ($env:NUGET_PACKAGES) { $env:NUGET_PACKAGES } else { Join-Path $HOME '.nuget/packages' }
        $script:facades = @(Get-ChildItem (Join-Path $nuget 'netstandard.library/*/build/netstandard2.0/ref/*.dll') -ErrorAction Ignore).BaseName
        $dlls = @(Get-Item -LiteralPath (Join-Path $moduleDir 'BillingPowerShell.dll')) +
            @(Get-ChildItem -LiteralPath (Join-Path $moduleDir 'dependencies/netstandard2.0') -Recurse -Filter '*.dll')
        $script:shipped = @($dlls.BaseName)
        $script:scan = foreach ($dll in $dlls) { Read-AssemblyFacts $dll.FullName }
    }

    It 'found the netstandard 2.0 facade list' {
        $facades.Count | Should -BeGreaterThan 50
    }

    It 'scanned the root DLL and the netstandard2.0 folder' {
        $scan.Name | Should -Contain 'BillingPowerShell.dll'
        $scan.Name | Should -Contain 'BillingPowerShell.Engine.dll'
        $scan.Name | Should -Contain 'CsvHelper.dll'
    }

    It 'targets netstandard2.0 (or .NET Framework <= 4.7.2) with every shipped assembly' {
        $scan | Where-Object { $_.Framework -and $_.Framework -notmatch '^\.NETStandard,Version=v(1\.\d|2\.0)$' -and
            -not ($_.Framework -match '^\.NETFramework,Version=v(\d+(\.\d+)*)' -and [version]$Matches[1] -le [version]'4.7.2') } |
            ForEach-Object { "$($_.Name): $($_.Framework)" } | Should -BeNullOrEmpty
        ($scan | Where-Object Name -in 'BillingPowerShell.dll', 'BillingPowerShell.Engine.dll').Framework | Should -Be @('.NETStandard,Version=v2.0', '.NETStandard,Version=v2.0')
    }

    It 'references only assemblies that .NET Framework 4.7.2 provides or that the module ships' {
        $allowed = $facades + $shipped + 'netstandard', 'mscorlib', 'System.Management.Automation'
        $scan | ForEach-Object {
            $name = $_.Name
            $_.References | Where-Object { $_ -notin $allowed } | ForEach-Object { "$name -> $_" }
        } | Should -BeNullOrEmpty
    }
}

Describe 'PowerShell 7.4+ readiness (reference scan of dependencies/net8.0)' {
    BeforeAll {
        # What .NET 8 provides: the assemblies of its reference pack (Microsoft.NETCore.App.Ref 8.0.x, which the SDK
        # restores to build the engine's net8.0 build), plus what the folder ships. The cmdlet assembly at the root is
        # scanned above; BillingPowerShell.Engine's reference to nothing of PowerShell is checked here too.
        $nuget = if ($env:NUGET_PACKAGES) { $env:NUGET_PACKAGES } else { Join-Path $HOME '.nuget/packages' }
        # <dotnet root>/shared/Microsoft.NETCore.App/<version>/System.Private.CoreLib.dll -> <dotnet root>
        $dotnetRoot = [IO.Path]::GetFullPath((Join-Path ([object].Assembly.Location) '../../../..'))
        $packs = @(Get-ChildItem (Join-Path $nuget 'microsoft.netcore.app.ref/8.0.*/ref/net8.0') -Directory -ErrorAction Ignore) +
            @(Get-ChildItem (Join-Path $dotnetRoot 'packs/Microsoft.NETCore.App.Ref/8.0.*/ref/net8.0') -Directory -ErrorAction Ignore)
        $script:net8Pack = @($packs | Select-Object -First 1 | ForEach-Object { Get-ChildItem -LiteralPath $_.FullName -Filter '*.dll' })
        $script:net8Provided = @($net8Pack.BaseName)
        $dlls = @(Get-ChildItem -LiteralPath (Join-Path $moduleDir 'dependencies/net8.0') -Recurse -Filter '*.dll')
        $script:net8Shipped = @($dlls.BaseName)
        $script:net8Scan = foreach ($dll in $dlls) { Read-AssemblyFacts $dll.FullName }
    }

    It 'found the .NET 8 reference pack (Microsoft.NETCore.App.Ref 8.0.x)' {
        $net8Provided.Count | Should -BeGreaterThan 100
        $net8Provided | Should -Contain 'netstandard'
        $net8Provided | Should -Contain 'System.Text.Json'
    }

    It 'targets netstandard2.x or .NETCoreApp <= 8.0 with every assembly in net8.0/' {
        $net8Scan | Where-Object { $_.Framework -and $_.Framework -notmatch '^\.NETStandard,Version=v(1\.\d|2\.[01])$' -and
            -not ($_.Framework -match '^\.NETCoreApp,Version=v(\d+(\.\d+)*)' -and [version]$Matches[1] -le [version]'8.0') } |
            ForEach-Object { "$($_.Name): $($_.Framework)" } | Should -BeNullOrEmpty
    }

    It 'references only assemblies that .NET 8 provides or that net8.0/ ships (never PowerShell)' {
        $allowed = $net8Provided + $net8Shipped
        $net8Scan | ForEach-Object {
            $name = $_.Name
            $_.References | Where-Object { $_ -notin $allowed } | ForEach-Object { "$name -> $_" }
        } | Should -BeNullOrEmpty
    }

    It 'ships nothing that .NET 8 itself provides, unless it needs a newer version of it' {
        # Azure.Core 1.60 (what Azure.Storage.Blobs 12.30.1 needs) is built against System.Text.Json and its companions
        # 10.0: those are shipped, and the loader takes the platform's copy wherever it is at least as new
        # (src/BillingPowerShell/Loader/LoadContextResolver.cs, DependencyLoadContext), so .NET 10 keeps its own.
        $net8Shipped | Where-Object { $_ -in $net8Provided } | Where-Object {
            $shipped = [Reflection.AssemblyName]::GetAssemblyName((Join-Path $moduleDir "dependencies/net8.0/$_.dll")).Version
            $provided = [Reflection.AssemblyName]::GetAssemblyName(($net8Pack | Where-Object BaseName -EQ $_ | Select-Object -First 1).FullName).Version
            $shipped -le $provided
        } | Should -BeNullOrEmpty
    }
}

Describe 'Public types' {
    It 'expose no third-party type from the cmdlet assembly (PowerShell reflects over them before any resolver runs)' {
        $assembly = [AppDomain]::CurrentDomain.GetAssemblies() | Where-Object { $_.GetName().Name -eq 'BillingPowerShell' } | Select-Object -First 1
        $offenders = foreach ($type in $assembly.GetExportedTypes()) {
            $members = @($type.BaseType) + $type.GetInterfaces()
            $members += $type.GetProperties() | ForEach-Object { $_.PropertyType }
            $members += $type.GetMethods([Reflection.BindingFlags]'Public,Instance,Static,DeclaredOnly') |
                ForEach-Object { $_.ReturnType; $_.GetParameters().ParameterType }
            foreach ($t in $members) {
                if ($t -and $t.Assembly.GetName().Name -match $thirdPartyPattern) { "$($type.FullName): $($t.FullName)" }
            }
        }
        $offenders | Should -BeNullOrEmpty
    }

    It 'expose no third-party type from the output types' {
        $types = Get-Command -Module BillingPowerShell | ForEach-Object { $_.OutputType } |
            Where-Object { $_.Type -and $_.Type.FullName -like 'BillingPowerShell.*' } | ForEach-Object Type | Sort-Object FullName -Unique
        $offenders = foreach ($type in $types) {
            foreach ($p in $type.GetProperties()) {
                if ($p.PropertyType.Assembly.GetName().Name -match $thirdPartyPattern) { "$($type.FullName).$($p.Name): $($p.PropertyType.FullName)" }
            }
        }
        $offenders | Should -BeNullOrEmpty
    }
}

Describe 'Cmdlet <Name> is implemented' -ForEach $listedCases {
    It 'is exported by the module' {
        $Name | Should -BeIn @((Get-Module BillingPowerShell).ExportedCmdlets.Keys) -Because 'the manifest lists it'
        Get-Command $Name -Module BillingPowerShell | Should -Not -BeNullOrEmpty
    }
}

Describe 'The module' {
    It 'exports exactly the cmdlets its manifest lists, and some' {
        $exported = @((Get-Module BillingPowerShell).ExportedCmdlets.Keys | Sort-Object)
        $exported | Should -Not -BeNullOrEmpty
        $exported | Should -Be @($data.CmdletsToExport | Sort-Object)
    }
}

Describe 'Help for <Name>' -ForEach $cmdletCases {
    BeforeAll {
        $script:help = Get-Help $Name -Full
        $script:command = Get-Command $Name
    }

    It 'has a synopsis' {
        $help.Synopsis | Should -Not -BeNullOrEmpty
        # Without MAML, Get-Help makes the synopsis from the syntax; a real one does not start with the name.
        $help.Synopsis.Trim() | Should -Not -Match "^$([regex]::Escape($Name))\b"
    }

    It 'has a description' {
        ($help.Description | Out-String).Trim() | Should -Not -BeNullOrEmpty
    }

    It 'describes every parameter' {
        # Hidden (DontShow) parameters are pipeline plumbing and are not documented.
        $parameters = $command.Parameters.Values | Where-Object {
            $_.Name -notin $commonParameters -and
            -not ($_.Attributes | Where-Object { $_ -is [System.Management.Automation.ParameterAttribute] -and $_.DontShow })
        } | ForEach-Object Name
        $undescribed = foreach ($p in $parameters) {
            $entry = $help.Parameters.Parameter | Where-Object Name -eq $p
            if (-not $entry -or -not ($entry.Description | Out-String).Trim()) { $p }
        }
        $undescribed | Should -BeNullOrEmpty -Because 'every parameter needs a description in module/docs'
    }

    It 'has no unfilled {{ Fill }} markers left by tools/New-CmdletDoc.ps1' {
        $doc = Join-Path (Get-RepoRoot) "module/docs/$Name.md"
        $doc | Should -Exist
        Get-Content -Raw -LiteralPath $doc | Should -Not -Match '\{\{ Fill'
    }

    It 'has at least two examples' {
        @($help.Examples.Example).Count | Should -BeGreaterOrEqual 2
        foreach ($ex in $help.Examples.Example) { $ex.Code | Should -Not -BeNullOrEmpty }
    }

    It 'has a test file tests/Pester/<Name>.Tests.ps1' {
        Join-Path $PSScriptRoot "$Name.Tests.ps1" | Should -Exist
    }

    It 'has a format view for each of its output types' {
        $types = @($command.OutputType | Where-Object { $_.Name -like 'BillingPowerShell.*' } | ForEach-Object Name | Sort-Object -Unique)
        foreach ($type in $types) {
            Get-FormatData -TypeName $type | Should -Not -BeNullOrEmpty -Because "$type needs a view in BillingPowerShell.Format.ps1xml"
        }
    }
}

Describe 'Format file' {
    It 'has a view for every documented output type' {
        foreach ($type in 'BillingContext', 'BillingAccount', 'BillingProfile', 'BillingSubscription', 'BillingPeriod',
            'BillingInvoice', 'UsageRecord', 'UsageExportResult', 'CostRow', 'CostEstimate', 'BillingExport', 'BillingExportRun') {
            Get-FormatData -TypeName "BillingPowerShell.$type" | Should -Not -BeNullOrEmpty -Because "BillingPowerShell.$type needs a view"
        }
    }

    It 'keeps every table view within 120 columns of fixed widths' {
        foreach ($view in (Get-FormatData -TypeName 'BillingPowerShell.*').FormatViewDefinition) {
            if ($view.Control -is [System.Management.Automation.TableControl]) {
                $widths = $view.Control.Headers | ForEach-Object Width
                $total = ($widths | Measure-Object -Sum).Sum + $widths.Count - 1
                $total | Should -BeLessOrEqual 120 -Because "$($view.Name) must fit a 120-column terminal"
            }
        }
    }
}

Describe 'Secrets scan helper' {
    It 'finds a token and an unredacted SAS signature, and nothing in clean text' {
        $token = New-EmulatorToken
        Find-Secret -Text @('all fine', 'https://h/b?sv=1&sig=<redacted>') -Secret $token | Should -BeNullOrEmpty
        Find-Secret -Text @("Bearer $token") -Secret $token | Should -Not -BeNullOrEmpty
        Find-Secret -Text @('https://localhost:1/blob/x.pdf?sv=2024&se=1&sig=AbCdEf123456%3D') | Should -Not -BeNullOrEmpty
    }
}

Describe 'Output type names' {
    It 'every [OutputType] of an exported cmdlet resolves by its name in a script, though the engine lives in its own load context' {
        $names = Get-Command -Module BillingPowerShell | ForEach-Object { $_.OutputType.Name } | Where-Object { $_ -like 'BillingPowerShell.*' } | Sort-Object -Unique
        $names | Should -Not -BeNullOrEmpty
        foreach ($name in $names) { ($name -as [type]) | Should -Not -BeNullOrEmpty -Because "$name should resolve" }
        [BillingPowerShell.UsageRecord].Assembly.GetName().Name | Should -Be 'BillingPowerShell.Engine'
    }
}
