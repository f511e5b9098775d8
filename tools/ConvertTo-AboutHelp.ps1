<#
.SYNOPSIS
    Turns an about topic written in markdown (module/docs/about_<Name>.md) into about_<Name>.help.txt.
.DESCRIPTION
    The markdown: "# about_<Name>", then "## <HEADING>" sections (SHORT DESCRIPTION, LONG DESCRIPTION, ...), "###"
    sub-headings, paragraphs, lists and ``` code blocks. The text file follows the classic layout Get-Help prints:
    TOPIC / headings flush left in capitals, body indented four spaces, code eight, lines wrapped at 80 columns.
#>
[CmdletBinding()]
param(
    [Parameter(Mandatory)] [string] $Path,
    [Parameter(Mandatory)] [string] $OutputPath,
    [int] $Width = 80
)
Set-StrictMode -Version 3.0
$ErrorActionPreference = 'Stop'

function Format-Wrapped([string] $Text, [string] $Indent, [string] $Hanging = $Indent) {
    $lines = [Collections.Generic.List[string]]::new()
    $line = $Indent
    foreach ($word in ($Text -split '\s+' | Where-Object { $_ })) {
        if ($line.Trim().Length -and ($line.Length + 1 + $word.Length) -gt $Width) {
            $lines.Add($line.TrimEnd())
            $line = $Hanging
        }
        $line = if ($line.Trim().Length) { "$line $word" } else { "$line$word" }
    }
    if ($line.Trim().Length) { $lines.Add($line.TrimEnd()) }
    $lines
}

$out = [Collections.Generic.List[string]]::new()
$para = [Collections.Generic.List[string]]::new()
$inCode = $false
$flush = {
    if ($para.Count) {
        $text = ($para -join ' ')
        if ($text -match '^([-*]|\d+\.)\s+(.*)$') {
            $marker = if ($Matches[1] -in '-', '*') { '-' } else { $Matches[1] }
            Format-Wrapped "$marker $($Matches[2])" '    ' ('    ' + (' ' * ($marker.Length + 1))) | ForEach-Object { $out.Add($_) }
        }
        else { Format-Wrapped $text '    ' | ForEach-Object { $out.Add($_) } }
        $out.Add('')
        $para.Clear()
    }
}
foreach ($raw in [IO.File]::ReadAllLines((Resolve-Path -LiteralPath $Path).Path)) {
    if ($raw -match '^\s*```') {
        & $flush
        $inCode = -not $inCode
        if (-not $inCode) { $out.Add('') }
        continue
    }
    if ($inCode) { $out.Add(('        ' + $raw).TrimEnd()); continue }
    if ($raw -match '^#\s+(.+)$') { & $flush; $out.Add('TOPIC'); $out.Add("    $($Matches[1].Trim())"); $out.Add(''); continue }
    if ($raw -match '^##\s+(.+)$') { & $flush; $out.Add($Matches[1].Trim().ToUpperInvariant()); continue }
    if ($raw -match '^###+\s+(.+)$') { & $flush; $out.Add("  $($Matches[1].Trim())"); continue }
    if ($raw.Trim() -eq '') { & $flush; continue }
    if ($raw -match '^\s*\|') { & $flush; if ($out.Count -and $out[$out.Count - 1] -eq '') { $out.RemoveAt($out.Count - 1) }; $out.Add(('    ' + $raw.Trim()).TrimEnd()); $out.Add(''); continue }
    if ($raw -match '^\s*([-*]|\d+\.)\s+' -and $para.Count) { & $flush }
    $para.Add($raw.Trim())
}
& $flush
$dir = Split-Path -Parent $OutputPath
if ($dir) { $null = New-Item -ItemType Directory -Force -Path $dir }
[IO.File]::WriteAllText($OutputPath, (($out -join [Environment]::NewLine).TrimEnd() + [Environment]::NewLine), [Text.UTF8Encoding]::new($false))
