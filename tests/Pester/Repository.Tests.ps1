# The repository carries everything its own build and tests read (a user's clone has nothing beside it), and says
# where each copied contract file comes from (docs/contracts/azure-api/README.md).

BeforeAll {
    $script:root = (Resolve-Path -LiteralPath (Join-Path $PSScriptRoot '../..')).Path
    $script:contract = Join-Path $root 'docs/contracts/azure-api'

    function Get-SourceFile {
        # The files under src, tests, tools and .ci, never entering build output or npm's node_modules (tens of
        # thousands of files under tools/azurite and tests/PeerSdk: a walk into them cost this file a minute).
        $pending = [Collections.Generic.Stack[IO.DirectoryInfo]]::new()
        foreach ($d in 'src', 'tests', 'tools', '.ci') { $pending.Push([IO.DirectoryInfo]::new((Join-Path $root $d))) }
        while ($pending.Count) {
            $dir = $pending.Pop()
            foreach ($sub in $dir.EnumerateDirectories()) { if ($sub.Name -notin 'bin', 'obj', 'out', 'node_modules') { $pending.Push($sub) } }
            $dir.EnumerateFiles()
        }
    }
    # Files that run: build and CI scripts, tools, tests, sources (their prose is allowed to mention anything).
    $script:codeFiles = @(
        Get-SourceFile | Where-Object { $_.Extension -notin '.md', '.json', '.tsv' -and $_.Name -ne 'Repository.Tests.ps1' }
    ) + @(Get-Item -LiteralPath (Join-Path $root 'build.ps1'))
}

Describe 'A lone clone' {
    It 'reads nothing beside the repository: no code names the reference folder beside a steering checkout' {
        $codeFiles.Count | Should -BeGreaterThan 50 -Because 'the scan must see the sources, tests and tools'
        # The reference folder beside the steering checkout, as a path or as Path.Combine/Join-Path segments (this
        # file is left out of the scan).
        $outside = '\.\.[\\/]shared|shared[\\/]azure-api|[''"]\.\.[''"]\s*,\s*[''"]shared[''"]|[''"]shared[''"]\s*,\s*[''"]azure-api[''"]'
        $found = foreach ($f in $codeFiles) {
            Select-String -LiteralPath $f.FullName -Pattern $outside |
                ForEach-Object { '{0}:{1}: {2}' -f $_.Path.Substring($root.Length + 1), $_.LineNumber, $_.Line.Trim() }
        }
        $found | Should -BeNullOrEmpty
    }

    It 'carries the official examples and contract notes its tests read' {
        foreach ($f in 'OPERATIONS.md', 'CSV_SCHEMAS.md', 'EXPORTS.md', 'FOCUS.md', 'SOURCES.tsv', 'README.md') {
            Join-Path $contract $f | Should -Exist
        }
        @(Get-ChildItem -LiteralPath (Join-Path $contract 'examples') -Filter *.json -Recurse).Count | Should -BeGreaterOrEqual 60
    }

    It 'names the upstream repository, path and commit of every copied file, and lists no file it lacks' {
        $rows = @(Import-Csv -LiteralPath (Join-Path $contract 'SOURCES.tsv') -Delimiter "`t")
        $rows.Count | Should -BeGreaterThan 60
        foreach ($r in $rows) {
            Join-Path $contract $r.local_file | Should -Exist
            $r.repo | Should -Not -BeNullOrEmpty
            $r.path | Should -Not -BeNullOrEmpty
            $r.commit | Should -Not -BeNullOrEmpty
            if ($r.local_file -like '*.json') { $r.commit | Should -Match '^[0-9a-f]{40}$' }
        }
        $listed = $rows.local_file
        $carried = Get-ChildItem -LiteralPath $contract -File -Recurse |
            ForEach-Object { $_.FullName.Substring($contract.Length + 1).Replace('\', '/') } |
            Where-Object { $_ -notin 'SOURCES.tsv', 'README.md' }
        $carried | Where-Object { $_ -notin $listed } | Should -BeNullOrEmpty
    }
}

Describe 'Comments cite documents the repository carries' {
    BeforeAll {
        # A comment that names a section by a bare id (a capital letter A to F and one or two digits, or a section
        # sign) points into a document a reader of this repository may not have. Comments name the file under docs/
        # and the section's title instead (docs/contracts/azure-api/OPERATIONS.md, "Query_Usage"), or say the reason
        # in words. Only comments are read: code and string literals may hold such text (spreadsheet cells, formats).
        $script:citation = '§|\b[A-F][0-9]{1,2}[a-z]?\b'
        # The C# parser PowerShell itself ships (Add-Type compiles with it): comments and doc comments as trivia.
        Add-Type -LiteralPath (Join-Path $PSHOME 'Microsoft.CodeAnalysis.dll'), (Join-Path $PSHOME 'Microsoft.CodeAnalysis.CSharp.dll')

        function Get-Comment([string] $Path) {
            # Each comment of a C# or PowerShell file: its first line number and its text.
            if ($Path -like '*.cs') {
                $kinds = 'SingleLineCommentTrivia', 'MultiLineCommentTrivia', 'SingleLineDocumentationCommentTrivia', 'MultiLineDocumentationCommentTrivia'
                $tree = [Microsoft.CodeAnalysis.CSharp.CSharpSyntaxTree]::ParseText([IO.File]::ReadAllText($Path))
                foreach ($t in $tree.GetRoot().DescendantTrivia()) {
                    if ([Microsoft.CodeAnalysis.CSharp.CSharpExtensions]::Kind($t).ToString() -in $kinds) {
                        [pscustomobject]@{ Line = $t.GetLocation().GetLineSpan().StartLinePosition.Line + 1; Text = $t.ToFullString() }
                    }
                }
                return
            }
            $tokens = $null; $errors = $null
            $null = [Management.Automation.Language.Parser]::ParseFile($Path, [ref]$tokens, [ref]$errors)
            foreach ($t in $tokens) { if ($t.Kind -eq 'Comment') { [pscustomobject]@{ Line = $t.Extent.StartLineNumber; Text = $t.Text } } }
        }

        function Find-Citation([string[]] $Path, [string] $Base) {
            # 'relative/path:line: the comment line' for each comment line that cites a section by a bare id.
            foreach ($p in $Path) {
                foreach ($c in Get-Comment $p) {
                    $lines = $c.Text -split '\r?\n'
                    for ($i = 0; $i -lt $lines.Count; $i++) {
                        if ($lines[$i] -cmatch $citation) { '{0}:{1}: {2}' -f $p.Substring($Base.Length + 1), ($c.Line + $i), $lines[$i].Trim() }
                    }
                }
            }
        }

        $sources = @(
            Get-SourceFile | Where-Object { $_.Extension -in '.cs', '.ps1', '.psm1', '.psd1' } | ForEach-Object FullName
        ) + @(Join-Path $root 'build.ps1')
        # The cmdlets and the engine are refactored on other branches; their comments are fixed after those merge.
        $later = '[\\/]src[\\/]BillingPowerShell(\.Engine)?[\\/]'
        $script:checked = @($sources | Where-Object { $_ -notmatch $later })
        $script:deferred = @($sources | Where-Object { $_ -match $later })
    }

    It 'finds a citation planted in a C# and a PowerShell comment, and none in their strings' {
        $cs = Join-Path $TestDrive 'Planted.cs'
        Set-Content -LiteralPath $cs -Value @(
            'namespace P;'
            '/// <summary>The invoices of §A7.</summary>'
            'internal static class Planted'
            '{'
            '    private const string Cell = "=SUM(A1:A9)"; // a formula'
            '    /* the error body of'
            '       the document, part C3 */'
            '    private const string Section = "§2"; // (the string is not a comment)'
            '}'
        )
        $ps = Join-Path $TestDrive 'Planted.ps1'
        Set-Content -LiteralPath $ps -Value @(
            '# see the notes, §1c'
            '$cell = "=cmd|'' /C calc''!A0"'
            '<# block comment'
            '   naming B2 #>'
            '$format = ''{0:D5}'''
        )
        $found = @(Find-Citation -Path $cs, $ps -Base $TestDrive)
        $found | Should -Be @('Planted.cs:2: /// <summary>The invoices of §A7.</summary>', 'Planted.cs:7: the document, part C3 */', 'Planted.ps1:1: # see the notes, §1c', 'Planted.ps1:4: naming B2 #>')
    }

    It 'the emulator, tools, tests, build and CI scripts cite no section by a bare id' {
        $checked.Count | Should -BeGreaterThan 50 -Because 'the scan must see the emulator, tools and tests'
        @($checked | Where-Object { $_ -match '[\\/]BillingPowerShell\.Emulator[\\/]' }).Count | Should -BeGreaterThan 10
        Find-Citation -Path $checked -Base $root | Should -BeNullOrEmpty
    }

    It 'the cmdlets and the engine cite no section by a bare id' {
        $deferred.Count | Should -BeGreaterThan 20
        Find-Citation -Path $deferred -Base $root | Should -BeNullOrEmpty
    }
}
