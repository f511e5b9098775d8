<#
.SYNOPSIS
    Turns platyPS-style cmdlet markdown (module/docs/<Verb-Noun>.md) into one MAML file (<Module>.dll-Help.xml).

.DESCRIPTION
    platyPS v2 is not available from our package registry, so this is the small step we need, written here. It reads
    the sections platyPS writes and Get-Help uses:

      # Verb-Noun                      (optional; the file name gives the command name)
      ## SYNOPSIS                      one paragraph
      ## SYNTAX                        ### <ParameterSet> [(Default)] + a code block (informational: syntax is built
                                       from the parameters' yaml, per parameter set, as platyPS does)
      ## DESCRIPTION                   paragraphs
      ## EXAMPLES                      ### Example 1: <title> + ```powershell code``` + remarks (text, more code)
      ## PARAMETERS                    ### -Name + description + one or more ```yaml blocks (Type, Parameter Sets,
                                       Aliases, Required, Position, Default value, Accept pipeline input,
                                       Accept wildcard characters); ### CommonParameters is skipped
      ## INPUTS / ## OUTPUTS           ### <Type name> + description
      ## NOTES                         paragraphs
      ## RELATED LINKS                 [text](uri) lines

    Files whose name starts with about_ are skipped (see ConvertTo-AboutHelp.ps1). Any section may be missing;
    an unknown section is ignored with a warning.

.EXAMPLE
    ./tools/ConvertTo-Maml.ps1 -Path module/docs -OutputPath out/BillingPowerShell/0.1.0/en-US/BillingPowerShell.dll-Help.xml
#>
[CmdletBinding()]
param(
    # A folder of markdown files, or markdown files.
    [Parameter(Mandatory)] [string[]] $Path,
    [Parameter(Mandatory)] [string] $OutputPath,
    # Where the help pages are published: `Get-Help -Online` opens <this><Cmdlet>.md, and relative links in
    # ## RELATED LINKS become absolute under it (a relative URI is not valid for -Online).
    [string] $OnlineBase = 'https://github.com/billingpowershell/BillingPowerShell/blob/main/module/docs/'
)

Set-StrictMode -Version 3.0
$ErrorActionPreference = 'Stop'

$NsMaml = 'http://schemas.microsoft.com/maml/2004/10'
$NsCommand = 'http://schemas.microsoft.com/maml/dev/command/2004/10'
$NsDev = 'http://schemas.microsoft.com/maml/dev/2004/10'

function Split-Sections {
    # Returns ordered sections keyed by heading text at the given level ('## ' or '### '), skipping code fences.
    param([string[]] $Lines, [string] $Prefix)
    $sections = [Collections.Generic.List[object]]::new()
    $current = $null
    $inFence = $false
    foreach ($line in $Lines) {
        if ($line -match '^\s*(```|~~~)') { $inFence = -not $inFence }
        if (-not $inFence -and $line.StartsWith($Prefix) -and -not $line.StartsWith($Prefix + '#')) {
            $current = [pscustomobject]@{ Title = $line.Substring($Prefix.Length).Trim(); Lines = [Collections.Generic.List[string]]::new() }
            $sections.Add($current)
            continue
        }
        if ($current) { $current.Lines.Add($line) }
    }
    $sections
}

function Get-Blocks {
    # Splits lines into blocks: @{ Kind = 'text'|'code'; Lang; Text }. Text blocks are paragraphs (blank-line separated).
    param([string[]] $Lines)
    $blocks = [Collections.Generic.List[object]]::new()
    $para = [Collections.Generic.List[string]]::new()
    $code = $null
    $lang = ''
    $flush = {
        if ($para.Count) {
            $blocks.Add([pscustomobject]@{ Kind = 'text'; Lang = ''; Text = ($para -join ' ').Trim() })
            $para.Clear()
        }
    }
    foreach ($line in $Lines) {
        if ($null -ne $code) {
            if ($line -match '^\s*(```|~~~)\s*$') {
                $blocks.Add([pscustomobject]@{ Kind = 'code'; Lang = $lang; Text = ($code -join "`n") })
                $code = $null
            }
            else { $code.Add($line) }
            continue
        }
        if ($line -match '^\s*(```|~~~)\s*([\w-]*)') {
            & $flush
            $lang = $Matches[2]
            $code = [Collections.Generic.List[string]]::new()
            continue
        }
        if ($line.Trim() -eq '') { & $flush; continue }
        if ($line -match '^\s*([-*]|\d+\.)\s+' -and $para.Count) { & $flush }   # a list item starts a new paragraph
        $para.Add($line.Trim())
    }
    if ($null -ne $code) { $blocks.Add([pscustomobject]@{ Kind = 'code'; Lang = $lang; Text = ($code -join "`n") }) }
    & $flush
    $blocks
}

function ConvertFrom-ParameterYaml {
    # The small, flat yaml platyPS writes under each parameter.
    param([string] $Text)
    $map = @{}
    foreach ($line in $Text -split "`n") {
        if ($line -match '^\s*([^:#]+?)\s*:\s*(.*?)\s*$') { $map[$Matches[1]] = $Matches[2] }
    }
    $map
}

function Get-CommandDoc {
    param([IO.FileInfo] $File)
    $lines = [IO.File]::ReadAllLines($File.FullName)
    $doc = [ordered]@{
        Name = $File.BaseName; Synopsis = ''; Description = @(); SyntaxSets = @(); Examples = @(); Parameters = @()
        Inputs = @(); Outputs = @(); Notes = @(); Links = @()
    }
    # Skip a leading yaml front matter block.
    if ($lines.Count -and $lines[0].Trim() -eq '---') {
        $end = [Array]::IndexOf($lines, '---', 1)
        if ($end -gt 0) { $lines = $lines[($end + 1)..($lines.Count - 1)] }
    }
    foreach ($section in Split-Sections -Lines $lines -Prefix '## ') {
        switch ($section.Title.ToUpperInvariant()) {
            'SYNOPSIS' { $doc.Synopsis = (@(Get-Blocks $section.Lines | Where-Object Kind -eq 'text').Text -join ' ') }
            'DESCRIPTION' { $doc.Description = @(Get-Blocks $section.Lines) }
            'SYNTAX' {
                $doc.SyntaxSets = @(Split-Sections -Lines $section.Lines -Prefix '### ' | ForEach-Object {
                        # The parameters in the order the syntax line writes them (as PowerShell's own syntax does).
                        $code = @(Get-Blocks $_.Lines | Where-Object Kind -eq 'code' | Select-Object -First 1).Text -join ' '
                        $order = @([regex]::Matches("$code", '(?<=[\s\[])-(\w+)') | ForEach-Object { $_.Groups[1].Value })
                        [pscustomobject]@{ Name = ($_.Title -replace '\s*\(Default\)\s*$', '').Trim(); IsDefault = $_.Title -match '\(Default\)'; Order = $order }
                    })
            }
            'EXAMPLES' {
                $doc.Examples = @(Split-Sections -Lines $section.Lines -Prefix '### ' | ForEach-Object {
                        $blocks = @(Get-Blocks $_.Lines)
                        $first = $blocks | Where-Object Kind -eq 'code' | Select-Object -First 1
                        [pscustomobject]@{
                            Title   = $_.Title
                            Code    = if ($first) { $first.Text } else { '' }
                            Remarks = @($blocks | Where-Object { -not [object]::ReferenceEquals($_, $first) })
                        }
                    })
            }
            'PARAMETERS' {
                $doc.Parameters = @(Split-Sections -Lines $section.Lines -Prefix '### ' | Where-Object { $_.Title -ne 'CommonParameters' } | ForEach-Object {
                        $blocks = @(Get-Blocks $_.Lines)
                        [pscustomobject]@{
                            Name        = $_.Title.TrimStart('-').Trim()
                            Description = @($blocks | Where-Object { $_.Kind -ne 'code' -or $_.Lang -ne 'yaml' })
                            Yaml        = @($blocks | Where-Object { $_.Kind -eq 'code' -and $_.Lang -eq 'yaml' } | ForEach-Object { ConvertFrom-ParameterYaml $_.Text })
                        }
                    })
            }
            { $_ -in 'INPUTS', 'OUTPUTS' } {
                $items = @(Split-Sections -Lines $section.Lines -Prefix '### ' | ForEach-Object {
                        [pscustomobject]@{ Type = $_.Title; Description = @(Get-Blocks $_.Lines) }
                    })
                if ($section.Title -eq 'INPUTS') { $doc.Inputs = $items } else { $doc.Outputs = $items }
            }
            'NOTES' { $doc.Notes = @(Get-Blocks $section.Lines) }
            'RELATED LINKS' {
                $doc.Links = @($section.Lines | ForEach-Object {
                        if ($_ -match '\[([^\]]+)\]\(([^)]*)\)') { [pscustomobject]@{ Text = $Matches[1]; Uri = $Matches[2] } }
                        elseif ($_.Trim() -and $_ -notmatch '^\s*<!--') { [pscustomobject]@{ Text = $_.Trim(' ', '-', '*'); Uri = '' } }
                    })
            }
            default { Write-Warning "$($File.Name): section '## $($section.Title)' is not part of cmdlet help; ignored." }
        }
    }
    if ($lines | Where-Object { $_ -match '^#\s+(\S+)\s*$' } | Select-Object -First 1) {
        $doc.Name = ([regex]::Match(($lines | Where-Object { $_ -match '^#\s+(\S+)\s*$' } | Select-Object -First 1), '^#\s+(\S+)')).Groups[1].Value
    }
    [pscustomobject]$doc
}

function Write-Paras {
    param([Xml.XmlWriter] $W, $Blocks)
    foreach ($b in @($Blocks)) {
        if ($null -eq $b) { continue }
        $text = if ($b -is [string]) { $b } else { $b.Text }
        # Code blocks (for example sample output) keep their lines as they are.
        $W.WriteElementString('maml', 'para', $NsMaml, $text)
    }
}

function Write-Description {
    param([Xml.XmlWriter] $W, $Blocks)
    $W.WriteStartElement('maml', 'description', $NsMaml)
    Write-Paras $W $Blocks
    $W.WriteEndElement()
}

function Get-YamlFor {
    # The yaml block of a parameter that applies to a parameter set (platyPS may write one block per set).
    param($Parameter, [string] $SetName)
    foreach ($y in $Parameter.Yaml) {
        $sets = @(([string]$y['Parameter Sets']) -split ',' | ForEach-Object { $_.Trim() } | Where-Object { $_ })
        if (-not $SetName -or $sets.Count -eq 0 -or $sets -contains '(All)' -or $sets -contains $SetName) { return $y }
    }
    $null
}

function Write-Parameter {
    param([Xml.XmlWriter] $W, $Parameter, $Yaml)
    $y = if ($Yaml) { $Yaml } else { @{} }
    $type = if ($y['Type']) { $y['Type'] } else { 'Object' }
    $isSwitch = $type -match '^(System\.Management\.Automation\.)?SwitchParameter$'
    $pipeline = if ($y['Accept pipeline input']) { $y['Accept pipeline input'] } else { 'False' }
    $position = if ($y['Position'] -and $y['Position'] -ne 'Named') { $y['Position'] } else { 'named' }
    $aliases = if ($y['Aliases']) { $y['Aliases'] } else { 'none' }
    $W.WriteStartElement('command', 'parameter', $NsCommand)
    $W.WriteAttributeString('required', ([string]($y['Required'] -eq 'True')).ToLowerInvariant())
    $W.WriteAttributeString('variableLength', ([string]($type -match '\[\]$')).ToLowerInvariant())
    $W.WriteAttributeString('globbing', ([string]($y['Accept wildcard characters'] -eq 'True')).ToLowerInvariant())
    $W.WriteAttributeString('pipelineInput', $pipeline)
    $W.WriteAttributeString('position', $position)
    $W.WriteAttributeString('aliases', $aliases)
    $W.WriteElementString('maml', 'name', $NsMaml, $Parameter.Name)
    Write-Description $W $Parameter.Description
    if (-not $isSwitch) {
        $W.WriteStartElement('command', 'parameterValue', $NsCommand)
        $W.WriteAttributeString('required', 'true')
        $W.WriteAttributeString('variableLength', ([string]($type -match '\[\]$')).ToLowerInvariant())
        $W.WriteString($type)
        $W.WriteEndElement()
    }
    $W.WriteStartElement('dev', 'type', $NsDev)
    $W.WriteElementString('maml', 'name', $NsMaml, $type)
    $W.WriteElementString('maml', 'uri', $NsMaml, '')
    $W.WriteEndElement()
    $W.WriteElementString('dev', 'defaultValue', $NsDev, $(if ($y['Default value']) { $y['Default value'] } else { 'None' }))
    $W.WriteEndElement()
}

function Write-Command {
    param([Xml.XmlWriter] $W, $Doc)
    $verb, $noun = $Doc.Name -split '-', 2
    $W.WriteStartElement('command', 'command', $NsCommand)
    $W.WriteAttributeString('xmlns', 'maml', $null, $NsMaml)
    $W.WriteAttributeString('xmlns', 'dev', $null, $NsDev)

    $W.WriteStartElement('command', 'details', $NsCommand)
    $W.WriteElementString('command', 'name', $NsCommand, $Doc.Name)
    $W.WriteElementString('command', 'verb', $NsCommand, $verb)
    $W.WriteElementString('command', 'noun', $NsCommand, $noun)
    Write-Description $W @($Doc.Synopsis)
    $W.WriteEndElement()

    Write-Description $W $Doc.Description

    # Syntax: one item per parameter set named in ## SYNTAX (default set first), parameters ordered by position.
    $sets = @($Doc.SyntaxSets | Sort-Object { -not $_.IsDefault })
    if ($sets.Count -eq 0) { $sets = @([pscustomobject]@{ Name = ''; IsDefault = $true }) }
    $W.WriteStartElement('command', 'syntax', $NsCommand)
    foreach ($set in $sets) {
        $W.WriteStartElement('command', 'syntaxItem', $NsCommand)
        $W.WriteElementString('maml', 'name', $NsMaml, $Doc.Name)
        $order = @($set.PSObject.Properties['Order'] | ForEach-Object { $_.Value })
        $index = 0
        $inSet = foreach ($p in $Doc.Parameters) {
            $y = Get-YamlFor $p $set.Name
            $index++
            $written = [Array]::IndexOf($order, $p.Name)
            if ($y -or -not $p.Yaml) {
                [pscustomobject]@{
                    P = $p; Y = $y; Index = $index
                    Pos = $(if ($y -and $y['Position'] -match '^\d+$') { [int]$y['Position'] } else { [int]::MaxValue })
                    Written = $(if ($written -ge 0) { $written } else { [int]::MaxValue })
                }
            }
        }
        # Positional first, then as the syntax line writes them, then the order of ## PARAMETERS (a stable order).
        foreach ($entry in @($inSet | Sort-Object Pos, Written, Index)) { Write-Parameter $W $entry.P $entry.Y }
        $W.WriteEndElement()
    }
    $W.WriteEndElement()

    $W.WriteStartElement('command', 'parameters', $NsCommand)
    foreach ($p in $Doc.Parameters) { Write-Parameter $W $p (Get-YamlFor $p '') }
    $W.WriteEndElement()

    foreach ($kind in @(@{ List = 'inputTypes'; Item = 'inputType'; Data = $Doc.Inputs }, @{ List = 'returnValues'; Item = 'returnValue'; Data = $Doc.Outputs })) {
        $W.WriteStartElement('command', $kind.List, $NsCommand)
        foreach ($item in $kind.Data) {
            $W.WriteStartElement('command', $kind.Item, $NsCommand)
            $W.WriteStartElement('dev', 'type', $NsDev)
            $W.WriteElementString('maml', 'name', $NsMaml, $item.Type)
            $W.WriteEndElement()
            Write-Description $W $item.Description
            $W.WriteEndElement()
        }
        $W.WriteEndElement()
    }

    $W.WriteStartElement('maml', 'alertSet', $NsMaml)
    $W.WriteStartElement('maml', 'alert', $NsMaml)
    Write-Paras $W $Doc.Notes
    $W.WriteEndElement()
    $W.WriteEndElement()

    $W.WriteStartElement('command', 'examples', $NsCommand)
    foreach ($ex in $Doc.Examples) {
        $W.WriteStartElement('command', 'example', $NsCommand)
        $W.WriteElementString('maml', 'title', $NsMaml, "-------------------------- $($ex.Title) --------------------------")
        $W.WriteElementString('dev', 'code', $NsDev, $ex.Code)
        $W.WriteStartElement('dev', 'remarks', $NsDev)
        Write-Paras $W $ex.Remarks
        $W.WriteEndElement()
        $W.WriteEndElement()
    }
    $W.WriteEndElement()

    $W.WriteStartElement('command', 'relatedLinks', $NsCommand)
    # First: the page of this cmdlet, the link Get-Help -Online opens (platyPS writes it the same way).
    $online = @([pscustomobject]@{ Text = 'Online Version:'; Uri = "$OnlineBase$($Doc.Name).md" })
    $rest = foreach ($link in $Doc.Links) {
        $uri = if ($link.Uri -and -not [Uri]::IsWellFormedUriString($link.Uri, [UriKind]::Absolute)) { $OnlineBase + $link.Uri } else { $link.Uri }
        [pscustomobject]@{ Text = $link.Text; Uri = $uri }
    }
    foreach ($link in @($online) + @($rest)) {
        $W.WriteStartElement('maml', 'navigationLink', $NsMaml)
        $W.WriteElementString('maml', 'linkText', $NsMaml, $link.Text)
        $W.WriteElementString('maml', 'uri', $NsMaml, $link.Uri)
        $W.WriteEndElement()
    }
    $W.WriteEndElement()

    $W.WriteEndElement()
}

$files = foreach ($p in $Path) {
    if (Test-Path -LiteralPath $p -PathType Container) { Get-ChildItem -LiteralPath $p -Filter '*.md' -File }
    else { Get-Item -LiteralPath $p }
}
$files = @($files | Where-Object { $_.Name -notlike 'about_*' } | Sort-Object Name)

$outDir = Split-Path -Parent $OutputPath
if ($outDir) { $null = New-Item -ItemType Directory -Force -Path $outDir }
$settings = [Xml.XmlWriterSettings]::new()
$settings.Indent = $true
$settings.Encoding = [Text.UTF8Encoding]::new($false)
$writer = [Xml.XmlWriter]::Create($OutputPath, $settings)
try {
    $writer.WriteStartDocument()
    $writer.WriteStartElement('helpItems', 'http://msh')
    $writer.WriteAttributeString('schema', 'maml')
    foreach ($file in $files) {
        Write-Command $writer (Get-CommandDoc $file)
    }
    $writer.WriteEndElement()
    $writer.WriteEndDocument()
}
finally {
    $writer.Dispose()
}
Write-Verbose "Wrote help for $($files.Count) command(s) to $OutputPath"
