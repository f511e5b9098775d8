# The markdown -> MAML step (tools/ConvertTo-Maml.ps1) and the about topic (tools/ConvertTo-AboutHelp.ps1):
# a sample platyPS-style doc for a tiny compiled cmdlet is converted, shipped beside it in en-US/, and Get-Help -Full
# must render its synopsis, description, parameters, examples, inputs, outputs, notes and links. Then the same for
# the module's real help.

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    $root = Get-RepoRoot
    $script:work = Join-Path ([IO.Path]::GetTempPath()) ('bps-help-' + [Guid]::NewGuid().ToString('n').Substring(0, 8))
    $moduleDir = Join-Path $work 'SampleHelp'
    $null = New-Item -ItemType Directory -Force -Path (Join-Path $moduleDir 'en-US'), (Join-Path $work 'docs')

    Add-Type -OutputAssembly (Join-Path $moduleDir 'SampleHelp.dll') -TypeDefinition @'
using System.Management.Automation;
[Cmdlet(VerbsCommon.Get, "SampleThing", DefaultParameterSetName = "ByName")]
public sealed class GetSampleThingCommand : PSCmdlet
{
    [Parameter(ParameterSetName = "ByName", Position = 0, ValueFromPipelineByPropertyName = true)]
    public string[] Name { get; set; }
    [Parameter(ParameterSetName = "ById", Mandatory = true)]
    public int Id { get; set; }
    [Parameter]
    public SwitchParameter Force { get; set; }
    protected override void ProcessRecord() { WriteObject("thing"); }
}
'@

    Set-Content -LiteralPath (Join-Path $work 'docs/Get-SampleThing.md') -Encoding utf8 -Value @'
---
external help file: SampleHelp.dll-Help.xml
Module Name: SampleHelp
---

# Get-SampleThing

## SYNOPSIS
Gets sample things for the help test.

## SYNTAX

### ByName (Default)
```
Get-SampleThing [[-Name] <String[]>] [-Force] [<CommonParameters>]
```

### ById
```
Get-SampleThing -Id <Int32> [-Force] [<CommonParameters>]
```

## DESCRIPTION
The Get-SampleThing cmdlet gets things. It exists only so that the help converter can be tested.

A second paragraph with `code` & <angle brackets>.

## EXAMPLES

### Example 1: Get every thing
```powershell
Get-SampleThing
```

Gets all the things there are.

### Example 2: Get a thing by id
```powershell
Get-SampleThing -Id 42 -Force
```

```output
thing
```

Gets thing 42, forcefully.

## PARAMETERS

### -Name
The names of the things to get.

```yaml
Type: String[]
Parameter Sets: ByName
Aliases: ThingName

Required: False
Position: 0
Default value: None
Accept pipeline input: True (ByPropertyName)
Accept wildcard characters: False
```

### -Id
The numeric identifier of the thing.

```yaml
Type: Int32
Parameter Sets: ById
Aliases:

Required: True
Position: Named
Default value: None
Accept pipeline input: False
Accept wildcard characters: False
```

### -Force
Gets the thing even when it is hidden.

```yaml
Type: SwitchParameter
Parameter Sets: (All)
Aliases:

Required: False
Position: Named
Default value: False
Accept pipeline input: False
Accept wildcard characters: False
```

### CommonParameters
This cmdlet supports the common parameters.

## INPUTS

### System.String[]
Names of things, by property name.

## OUTPUTS

### System.String
One string per thing.

## NOTES
Sample notes paragraph.

## RELATED LINKS

[Get-Help](https://learn.microsoft.com/powershell/module/microsoft.powershell.core/get-help)
'@

    & (Join-Path $root 'tools/ConvertTo-Maml.ps1') -Path (Join-Path $work 'docs') -OutputPath (Join-Path $moduleDir 'en-US/SampleHelp.dll-Help.xml')
    New-ModuleManifest -Path (Join-Path $moduleDir 'SampleHelp.psd1') -RootModule 'SampleHelp.dll' -CmdletsToExport 'Get-SampleThing' -ModuleVersion 1.0.0
    Import-Module (Join-Path $moduleDir 'SampleHelp.psd1') -Force
    $script:full = Get-Help Get-SampleThing -Full | Out-String -Width 200
    $script:help = Get-Help Get-SampleThing -Full
}

AfterAll {
    Remove-Module SampleHelp -ErrorAction Ignore
    # The DLL stays loaded in this process; the folder is removed when possible.
    Remove-Item -LiteralPath $script:work -Recurse -Force -ErrorAction Ignore
}

Describe 'ConvertTo-Maml on a sample doc' {
    It 'writes well-formed MAML' {
        $xml = [xml](Get-Content -Raw -LiteralPath (Join-Path $work 'SampleHelp/en-US/SampleHelp.dll-Help.xml'))
        $xml.helpItems.schema | Should -Be 'maml'
    }

    It 'renders the synopsis' {
        $help.Synopsis | Should -Be 'Gets sample things for the help test.'
        $full | Should -Match 'Gets sample things for the help test\.'
    }

    It 'renders the description, with special characters intact' {
        $full | Should -Match 'exists only so that the help converter can be tested'
        $full | Should -Match ([regex]::Escape('`code` & <angle brackets>'))
    }

    It 'renders one syntax per parameter set' {
        @($help.Syntax.SyntaxItem).Count | Should -Be 2
        $full | Should -Match 'Get-SampleThing \[\[-Name\] <String\[\]>\] \[-Force\]'
        $full | Should -Match 'Get-SampleThing -Id <Int32> \[-Force\]'
    }

    It 'renders every parameter with its description and attributes' {
        foreach ($name in 'Name', 'Id', 'Force') {
            $p = $help.Parameters.Parameter | Where-Object Name -eq $name
            $p | Should -Not -BeNullOrEmpty
            ($p.Description | Out-String).Trim() | Should -Not -BeNullOrEmpty
        }
        $name = $help.Parameters.Parameter | Where-Object Name -eq 'Name'
        $name.Position | Should -Be '0'
        $name.PipelineInput | Should -Be 'True (ByPropertyName)'
        $name.Aliases | Should -Be 'ThingName'
        ($help.Parameters.Parameter | Where-Object Name -eq 'Id').Required | Should -Be 'true'
        $full | Should -Match 'The numeric identifier of the thing\.'
        $full | Should -Match 'Gets the thing even when it is hidden\.'
    }

    It 'renders the examples with code and remarks' {
        @($help.Examples.Example).Count | Should -Be 2
        $help.Examples.Example[1].Code | Should -Be 'Get-SampleThing -Id 42 -Force'
        $full | Should -Match 'Example 1: Get every thing'
        $full | Should -Match 'Gets thing 42, forcefully\.'
    }

    It 'renders inputs, outputs, notes and related links' {
        $full | Should -Match 'System\.String\[\]'
        $full | Should -Match 'One string per thing\.'
        $full | Should -Match 'Sample notes paragraph\.'
        $help.RelatedLinks.NavigationLink.LinkText | Should -Contain 'Get-Help'
    }
}

Describe 'The module''s help' {
    It 'renders Get-BillingAccount from the shipped MAML' {
        if (-not (Get-Module BillingPowerShell)) { Import-Module (Get-TestModulePath) }
        $text = Get-Help Get-BillingAccount -Full | Out-String -Width 200
        $text | Should -Match 'Gets the Azure billing accounts'
        $text | Should -Match 'Example 1'
        $text | Should -Match '-Name'
    }

    It 'gives every cmdlet an absolute online page first, and no relative link (Get-Help -Online works)' {
        if (-not (Get-Module BillingPowerShell)) { Import-Module (Get-TestModulePath) }
        $commands = @((Get-Module BillingPowerShell).ExportedCmdlets.Keys)
        $commands.Count | Should -BeGreaterThan 10
        foreach ($c in $commands) {
            $links = @((Get-Help $c).relatedLinks.navigationLink)
            $links[0].uri | Should -Match ('^https://\S+/module/docs/' + [regex]::Escape($c) + '\.md$') -Because "$c's online page"
            foreach ($l in $links) {
                if ($l.uri) { [Uri]::IsWellFormedUriString($l.uri, [UriKind]::Absolute) | Should -BeTrue -Because "$c links $($l.uri)" }
            }
        }
    }

    It 'writes each syntax''s parameters in the order of the help page''s syntax line, not scrambled' {
        if (-not (Get-Module BillingPowerShell)) { Import-Module (Get-TestModulePath) }
        $docs = Join-Path (Get-RepoRoot) 'module/docs'
        foreach ($c in @((Get-Module BillingPowerShell).ExportedCmdlets.Keys)) {
            $md = Get-Content -Raw -LiteralPath (Join-Path $docs "$c.md")
            $syntax = [regex]::Match($md, '(?s)## SYNTAX.*?```\r?\n(.*?)```').Groups[1].Value
            $written = @([regex]::Matches($syntax, '(?<=[\s\[])-(\w+)') | ForEach-Object { $_.Groups[1].Value })
            $rendered = @((Get-Help $c).Syntax.SyntaxItem)[0].parameter.name
            $common = @($rendered | Where-Object { $_ -in $written })
            $common | Should -Be @($written | Where-Object { $_ -in $rendered }) -Because "$c's first syntax"
        }
    }

    It 'ships about_BillingPowerShell as a help topic' {
        if (-not (Get-Module BillingPowerShell)) { Import-Module (Get-TestModulePath) }
        $text = Get-Help about_BillingPowerShell | Out-String
        $text | Should -Match 'SHORT DESCRIPTION'
        $text | Should -Match 'Agreement types'
    }
}
