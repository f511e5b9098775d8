# The repository carries everything its own build and tests read (a user's clone has nothing beside it), and says
# where each copied contract file comes from (docs/contracts/azure-api/README.md).

BeforeAll {
    $script:root = (Resolve-Path -LiteralPath (Join-Path $PSScriptRoot '../..')).Path
    $script:contract = Join-Path $root 'docs/contracts/azure-api'
    # Files that run: build and CI scripts, tools, tests, sources (their prose is allowed to mention anything).
    $skip = '[\\/](bin|obj|out|node_modules)[\\/]'
    $script:codeFiles = @(
        Get-ChildItem -LiteralPath (Join-Path $root 'src'), (Join-Path $root 'tests'), (Join-Path $root 'tools'), (Join-Path $root '.ci') -File -Recurse |
            Where-Object { $_.FullName -notmatch $skip -and $_.Extension -notin '.md', '.json', '.tsv' -and $_.Name -ne 'Repository.Tests.ps1' }
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
