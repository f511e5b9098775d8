<#
.SYNOPSIS
    Writes or refreshes platyPS-style help markdown (module/docs/<Verb-Noun>.md) from a cmdlet's real metadata.
.DESCRIPTION
    The generated SYNTAX and the yaml block of each parameter (type, parameter sets, aliases, required, position,
    pipeline input, wildcards) come from Get-Command, so they match the code. Text that only a person can write is
    left as a "{{ Fill ... }}" marker, which the module's meta-tests reject. With -Update, an existing file keeps its
    text (synopsis, description, examples, parameter descriptions, inputs, outputs, notes, links); syntax and yaml are
    regenerated, parameters that no longer exist are dropped and new ones get markers.
.EXAMPLE
    dotnet pwsh -c "Import-Module ./out/BillingPowerShell/0.1.0/BillingPowerShell.psd1; ./tools/New-CmdletDoc.ps1 -Name Get-BillingProfile"
.EXAMPLE
    ./tools/New-CmdletDoc.ps1 -Name (Get-Command -Module BillingPowerShell).Name -Update
#>
[CmdletBinding()]
param(
    [Parameter(Mandatory)] [string[]] $Name,
    [string] $OutputDirectory = (Join-Path (Split-Path -Parent $PSScriptRoot) 'module/docs'),
    [switch] $Update
)
Set-StrictMode -Version 3.0
$ErrorActionPreference = 'Stop'

$common = [System.Management.Automation.PSCmdlet]::CommonParameters + [System.Management.Automation.PSCmdlet]::OptionalCommonParameters + 'ProgressAction'

function Get-TypeName([type] $Type) {
    $t = if ($Type.IsGenericType -and $Type.GetGenericTypeDefinition() -eq [Nullable`1]) { $Type.GetGenericArguments()[0] } else { $Type }
    if ($t.IsArray) { return (Get-TypeName $t.GetElementType()) + '[]' }
    $t.Name
}

function Get-ExistingSections([string] $Path) {
    # Section texts of an existing doc, so -Update keeps what a person wrote.
    $result = @{ Params = @{} }
    if (-not (Test-Path -LiteralPath $Path)) { return $result }
    $lines = [IO.File]::ReadAllLines($Path)
    $section = $null; $param = $null; $buffer = [Collections.Generic.List[string]]::new(); $inFence = $false; $fenceLang = ''
    $flush = {
        if ($param) { $result.Params[$param] = ($buffer -join "`n").Trim() }
        elseif ($section) { $result[$section] = ($buffer -join "`n").Trim() }
        $buffer.Clear()
    }
    foreach ($line in $lines) {
        if ($line -match '^\s*```\s*([\w-]*)') { if (-not $inFence) { $fenceLang = $Matches[1] }; $inFence = -not $inFence; if ($param -and $fenceLang -eq 'yaml') { continue } }
        if ($inFence -and $param -and $fenceLang -eq 'yaml') { continue }
        if (-not $inFence -and $line -match '^## (.+)$') { & $flush; $section = $Matches[1].Trim(); $param = $null; continue }
        if (-not $inFence -and $section -eq 'PARAMETERS' -and $line -match '^### -?(.+)$') { & $flush; $param = $Matches[1].Trim(); continue }
        $buffer.Add($line)
    }
    & $flush
    $result
}

foreach ($commandName in $Name) {
    $command = Get-Command $commandName -CommandType Cmdlet
    $path = Join-Path $OutputDirectory "$commandName.md"
    if ((Test-Path -LiteralPath $path) -and -not $Update) { Write-Warning "$path exists; use -Update to refresh it."; continue }
    $old = Get-ExistingSections $path
    $fill = { param($what) "{{ Fill $what }}" }
    $text = { param($key, $what) if ($old.ContainsKey($key) -and $old[$key]) { $old[$key] } else { & $fill $what } }

    $sb = [Text.StringBuilder]::new()
    $null = $sb.AppendLine('---').AppendLine("external help file: $($command.ImplementingType.Assembly.GetName().Name).dll-Help.xml")
    $null = $sb.AppendLine("Module Name: $($command.ModuleName)").AppendLine('online version:').AppendLine('schema: 2.0.0').AppendLine('---').AppendLine()
    $null = $sb.AppendLine("# $commandName").AppendLine().AppendLine('## SYNOPSIS').AppendLine((& $text 'SYNOPSIS' 'one sentence: what the command gets or does')).AppendLine()
    $null = $sb.AppendLine('## SYNTAX').AppendLine()
    $default = $command.DefaultParameterSet
    foreach ($set in ($command.ParameterSets | Sort-Object { $_.Name -ne $default }, Name)) {
        $title = if ($set.Name -eq '__AllParameterSets') { 'All' } else { $set.Name }
        if ($set.Name -eq $default -or $command.ParameterSets.Count -eq 1) { $title += ' (Default)' }
        $null = $sb.AppendLine("### $title").AppendLine('```').AppendLine("$commandName $($set.ToString())").AppendLine('```').AppendLine()
    }
    $null = $sb.AppendLine('## DESCRIPTION').AppendLine((& $text 'DESCRIPTION' 'what it does, for which agreement types, what it needs')).AppendLine()
    $null = $sb.AppendLine('## EXAMPLES').AppendLine()
    if ($old.ContainsKey('EXAMPLES') -and $old['EXAMPLES']) { $null = $sb.AppendLine($old['EXAMPLES']).AppendLine() }
    else {
        foreach ($i in 1, 2) {
            $null = $sb.AppendLine("### Example ${i}: {{ Fill title }}").AppendLine('```powershell').AppendLine("$commandName").AppendLine('```').AppendLine().AppendLine('{{ Fill what it shows }}').AppendLine()
        }
    }
    $null = $sb.AppendLine('## PARAMETERS').AppendLine()
    # Hidden (DontShow) parameters are plumbing for pipeline binding; they are not documented.
    $parameters = $command.Parameters.Values | Where-Object {
        $_.Name -notin $common -and -not ($_.Attributes | Where-Object { $_ -is [System.Management.Automation.ParameterAttribute] -and $_.DontShow })
    } | Sort-Object {
        $pos = @($_.ParameterSets.Values | ForEach-Object Position | Where-Object { $_ -ge 0 }) | Sort-Object | Select-Object -First 1
        if ($null -ne $pos) { $pos } else { 1000 }
    }, Name
    foreach ($p in $parameters) {
        $null = $sb.AppendLine("### -$($p.Name)")
        $desc = if ($old.Params.ContainsKey($p.Name) -and $old.Params[$p.Name]) { $old.Params[$p.Name] } else { & $fill "what -$($p.Name) means" }
        $null = $sb.AppendLine($desc).AppendLine()
        # One yaml block per distinct set of attributes, as platyPS does.
        $groups = $p.ParameterSets.GetEnumerator() | Group-Object { '{0}|{1}|{2}|{3}' -f $_.Value.IsMandatory, $_.Value.Position, $_.Value.ValueFromPipeline, $_.Value.ValueFromPipelineByPropertyName }
        foreach ($g in $groups) {
            $first = $g.Group[0].Value
            $sets = if ($g.Group.Key -contains '__AllParameterSets') { '(All)' } else { ($g.Group.Key | Sort-Object) -join ', ' }
            $pipeline = @(); if ($first.ValueFromPipeline) { $pipeline += 'ByValue' }; if ($first.ValueFromPipelineByPropertyName) { $pipeline += 'ByPropertyName' }
            $pipelineText = if ($pipeline) { "True ($($pipeline -join ', '))" } else { 'False' }
            $wildcards = [bool]($p.Attributes | Where-Object { $_ -is [System.Management.Automation.SupportsWildcardsAttribute] })
            $position = if ($first.Position -ge 0) { $first.Position } else { 'Named' }
            $default = if ($p.SwitchParameter) { 'False' } else { 'None' }
            $null = $sb.AppendLine('```yaml').AppendLine("Type: $(Get-TypeName $p.ParameterType)").AppendLine("Parameter Sets: $sets").AppendLine("Aliases: $($p.Aliases -join ', ')").AppendLine()
            $null = $sb.AppendLine("Required: $($first.IsMandatory)").AppendLine("Position: $position").AppendLine("Default value: $default")
            $null = $sb.AppendLine("Accept pipeline input: $pipelineText").AppendLine("Accept wildcard characters: $wildcards").AppendLine('```').AppendLine()
        }
    }
    $null = $sb.AppendLine('### CommonParameters')
    $null = $sb.AppendLine('This cmdlet supports the common parameters: -Debug, -ErrorAction, -ErrorVariable, -InformationAction, -InformationVariable, -OutBuffer, -OutVariable, -PipelineVariable, -ProgressAction, -Verbose, -WarningAction, and -WarningVariable. For more information, see [about_CommonParameters](http://go.microsoft.com/fwlink/?LinkID=113216).').AppendLine()
    $inputs = if ($old.ContainsKey('INPUTS') -and $old['INPUTS']) { $old['INPUTS'] } else { "### None`n{{ Fill what the command takes from the pipeline }}" }
    $outputs = if ($old.ContainsKey('OUTPUTS') -and $old['OUTPUTS']) { $old['OUTPUTS'] } else { ($command.OutputType | ForEach-Object { "### $($_.Name)`n{{ Fill what each object is }}" }) -join "`n`n" }
    $null = $sb.AppendLine('## INPUTS').AppendLine().AppendLine($inputs).AppendLine()
    $null = $sb.AppendLine('## OUTPUTS').AppendLine().AppendLine($outputs).AppendLine()
    $null = $sb.AppendLine('## NOTES').AppendLine((& $text 'NOTES' 'which Azure API serves it, throttling, memory')).AppendLine()
    $null = $sb.AppendLine('## RELATED LINKS').AppendLine().AppendLine((& $text 'RELATED LINKS' 'related commands as [Name](Name.md)'))
    $null = New-Item -ItemType Directory -Force -Path $OutputDirectory
    [IO.File]::WriteAllText($path, $sb.ToString().TrimEnd() + "`n", [Text.UTF8Encoding]::new($false))
    Write-Verbose "Wrote $path"
}
