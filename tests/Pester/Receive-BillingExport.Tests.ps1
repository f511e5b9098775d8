# Receive-BillingExport against the emulator's exports and Azurite as the storage account
# (docs/contracts/EXPORTS_RECEIVE.md): a completed run (CSV and gzip CSV) received and read back by Import-DailyUsage
# with the totals of /_emulator/world, a rerun that downloads nothing, a file deleted or cut locally fetched again,
# the emulator's manifest faults as a clear per-run error, the bearer (service principal) and SAS paths, no secret in
# any stream.

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Import-Module (Join-Path $PSScriptRoot 'UsageTestHelpers.psm1') -Force
    Import-Module (Join-Path $PSScriptRoot 'ExportTestHelpers.psm1') -Force
    if (-not (Get-Module BillingPowerShell)) { Import-Module (Get-TestModulePath) }
    # Time scale 0.1: the manifestFirstCompleted fault's last file would land 30 s after its run completes, time
    # enough to receive the run in between on a loaded machine; the test then lands it (POST /_emulator/exports/release).
    $script:emu = Start-TestEmulator -WithAzurite -TimeScale 0.1 -ExtraArgument '--csv-rows-per-blob', '150'
    $script:world = Get-UsageWorld $emu
    $script:blobUrl = [uri]$emu.Azurite.BlobUrl
    $script:secret = ConvertTo-SecureString $emu.ClientSecret -AsPlainText -Force
    $script:savedAuthority = $env:AZURE_AUTHORITY_HOST
    $env:AZURE_AUTHORITY_HOST = $emu.AuthorityHost
    # The service principal signs in at the emulator's Entra ID, for Resource Manager and (Receive) for storage: the
    # bearer path Azurite accepts under --oauth basic.
    $script:connect = { $null = Connect-BillingAccount -ServicePrincipal -TenantId $emu.TenantId -ClientId $emu.ClientId -ClientSecret $secret -ResourceManagerUrl $emu.ArmUrl }
    & $connect
    $script:ea = $world.Ea.name
    $script:scopePath = "/providers/Microsoft.Billing/billingAccounts/$ea"
    $script:lastMonth = Get-MonthStart $world -Offset -1
    $script:root = Join-Path ([IO.Path]::GetTempPath()) ('bps-receive-' + [Guid]::NewGuid().ToString('n').Substring(0, 8))

    # One completed run of a new export of last month at the EA billing account (ActualCost).
    function script:New-CompletedRun([string] $Name, [string] $Compression) {
        $null = New-BillingExport -BillingAccountName $ea -Name $Name -Dataset ActualCost -Timeframe TheLastMonth -Format Csv -Compression $Compression `
            -StorageAccountId $world.Raw.storageAccount.id -Container 'exports' -RootFolderPath 'pester-receive'
        Start-BillingExport -BillingAccountName $ea -Name $Name | Out-Null
        Wait-Until -What "the run of $Name to finish" -TimeoutSeconds 120 -Condition {
            $script:run = Get-BillingExportRun -BillingAccountName $ea -Name $Name | Select-Object -First 1
            $script:run -and $script:run.IsFinished
        }
        $script:run.Status | Should -Be 'Completed' -Because "$($script:run.ErrorCode) $($script:run.ErrorMessage)"
        $script:run
    }

    # An account SAS for Azurite's devstoreaccount1 (its public key), read and list on blob containers and objects:
    # the string to sign of version 2019-12-12 (account SAS, no encryption scope).
    function script:New-AzuriteSas {
        $key = [Convert]::FromBase64String('Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==')
        $expiry = [DateTime]::UtcNow.AddHours(2).ToString('yyyy-MM-ddTHH:mm:ssZ')
        $toSign = "devstoreaccount1`nrl`nb`nco`n`n$expiry`n`nhttps`n2019-12-12`n"
        $hmac = [Security.Cryptography.HMACSHA256]::new($key)
        $sig = [Convert]::ToBase64String($hmac.ComputeHash([Text.Encoding]::UTF8.GetBytes($toSign)))
        "?sv=2019-12-12&ss=b&srt=co&sp=rl&se=$([uri]::EscapeDataString($expiry))&spr=https&sig=$([uri]::EscapeDataString($sig))"
    }

    $script:gzipRun = New-CompletedRun 'pester-receive-gz' 'Gzip'
    $script:csvRun = New-CompletedRun 'pester-receive-csv' 'None'
    $script:expected = Get-ExpectedUsage -World $world -Scope $scopePath -Month $lastMonth
}

AfterAll {
    $env:AZURE_AUTHORITY_HOST = $script:savedAuthority
    Disconnect-BillingAccount
    Stop-TestEmulator $script:emu
    if ($script:root -and (Test-Path -LiteralPath $script:root)) { Remove-Item -LiteralPath $script:root -Recurse -Force }
}

Describe 'Receive-BillingExport' {
    It 'receives a completed gzip CSV run with the bearer sign-in; Import-DailyUsage reads the world''s rows and cost' {
        $dest = Join-Path $root 'gz'
        $files = @($gzipRun | Receive-BillingExport -Destination $dest -BlobServiceUri $blobUrl)
        $files.Count | Should -BeGreaterThan 1
        $files | ForEach-Object { $_ | Should -BeOfType [IO.FileInfo]; $_.Name | Should -Match '^part_0_\d{4}\.csv\.gz$'; $_.Downloaded | Should -BeTrue }
        $files.Month | Select-Object -Unique | Should -Be $lastMonth.ToString('yyyy-MM')
        $files.Dataset | Select-Object -Unique | Should -Be 'ActualCost'
        $files.RunId | Select-Object -Unique | Should -Be $gzipRun.RunId
        # Each file is the item Get-Item gives (through the provider), so the file view fills every column.
        $item = Get-Item -LiteralPath $files[0].FullName
        $files[0].PSProvider.Name | Should -Be 'FileSystem'
        if (-not $IsWindows) { $files[0].UnixMode | Should -Be $item.UnixMode; $files[0].User | Should -Be $item.User }
        ($files[0] | Format-Table | Out-String) | Should -Be ($item | Format-Table | Out-String)
        Get-ChildItem -LiteralPath $dest -Recurse -Filter '*.partial' -Force | Should -BeNullOrEmpty
        $measured = Measure-Usage @($files | Import-DailyUsage)
        $measured.Rows | Should -Be $expected.Rows
        Format-CostTable $measured.Cost | Should -Be (Format-CostTable $expected.Cost)
    }

    It 'goes from a new export to the world''s totals: New | Start -Backfill -Wait | Receive | Import-DailyUsage, Parquet, three months' {
        # The issue's pipeline end to end (Parquet/snappy: the emulator's Parquet runs, Import-DailyUsage's Parquet reader).
        $first = Get-MonthStart $world -Offset -3
        $dest = Join-Path $root 'pipeline'
        $files = @(New-BillingExport -BillingAccountName $ea -Name 'pester-pipeline' -Dataset ActualCost -Timeframe TheLastMonth -Format Parquet -Compression Snappy `
                -StorageAccountId $world.Raw.storageAccount.id -Container 'exports' -RootFolderPath 'pester-pipeline' |
            Start-BillingExport -Backfill -StartDate $first -EndDate $lastMonth.AddMonths(1).AddDays(-1) -Wait -TimeoutSeconds 600 |
            Receive-BillingExport -Destination $dest -BlobServiceUri $blobUrl)
        ($files.Month | Sort-Object -Unique) -join ',' | Should -Be ((0..2 | ForEach-Object { $first.AddMonths($_).ToString('yyyy-MM') }) -join ',')
        $files.Name | ForEach-Object { $_ | Should -Match '\.snappy\.parquet$' }
        $records = @($files | Import-DailyUsage)
        foreach ($offset in -3..-1) {
            $month = Get-MonthStart $world -Offset $offset
            $expectedMonth = Get-ExpectedUsage -World $world -Scope $scopePath -Month $month
            $measured = Measure-Usage @($records | Where-Object { $_.Date.Year -eq $month.Year -and $_.Date.Month -eq $month.Month })
            $measured.Rows | Should -Be $expectedMonth.Rows -Because "the rows of $($month.ToString('yyyy-MM'))"
            Format-CostTable $measured.Cost | Should -Be (Format-CostTable $expectedMonth.Cost) -Because "the cost of $($month.ToString('yyyy-MM'))"
        }
    }

    It 'receives a plain CSV run from the export (its newest run per month) with the same totals' {
        $dest = Join-Path $root 'csv'
        $files = @(Get-BillingExport -BillingAccountName $ea -Name 'pester-receive-csv' | Receive-BillingExport -Destination $dest -BlobServiceUri $blobUrl)
        $files.Count | Should -BeGreaterThan 1
        $files.Name | ForEach-Object { $_ | Should -Match '^part_0_\d{4}\.csv$' }
        $files.RunId | Select-Object -Unique | Should -Be $csvRun.RunId
        $measured = Measure-Usage @($files | Import-DailyUsage)
        $measured.Rows | Should -Be $expected.Rows
        Format-CostTable $measured.Cost | Should -Be (Format-CostTable $expected.Cost)
    }

    It 'a rerun downloads nothing new; a file deleted or cut locally is fetched again' {
        $dest = Join-Path $root 'gz'
        $again = @($gzipRun | Receive-BillingExport -Destination $dest -BlobServiceUri $blobUrl)
        $again.Count | Should -BeGreaterThan 1
        @($again | Where-Object Downloaded) | Should -BeNullOrEmpty
        $deleted = $again[0]; $cut = $again[1]
        $cutLength = $cut.Length
        Remove-Item -LiteralPath $deleted.FullName
        $bytes = [IO.File]::ReadAllBytes($cut.FullName)
        [IO.File]::WriteAllBytes($cut.FullName, $bytes[0..99])
        $third = @($gzipRun | Receive-BillingExport -Destination $dest -BlobServiceUri $blobUrl)
        @($third | Where-Object Downloaded).FullName | Sort-Object | Should -Be (@($deleted.FullName, $cut.FullName) | Sort-Object)
        (Get-Item -LiteralPath $cut.FullName).Length | Should -Be $cutLength
        Test-Path -LiteralPath $deleted.FullName | Should -BeTrue
    }

    It 'reads with a SAS token when given one, and neither the SAS nor a token reaches any stream or $Error' {
        $sas = New-AzuriteSas
        $dest = Join-Path $root 'sas'
        $Error.Clear()
        $all = & { $gzipRun | Receive-BillingExport -Destination $dest -BlobServiceUri $blobUrl -SasToken (ConvertTo-SecureString $sas -AsPlainText -Force) -Verbose -Debug } *>&1 | Out-String
        @(Get-ChildItem -LiteralPath $dest -Recurse -File).Count | Should -BeGreaterThan 1
        # A SAS that is refused (a wrong signature): a clear error, the SAS in no stream.
        $bad = $sas -replace 'sig=[^&]+', 'sig=AAAAbadsignatureAAAA%3D'
        $err = Get-ErrorFromCommand { $gzipRun | Receive-BillingExport -Destination (Join-Path $root 'bad') -BlobServiceUri $blobUrl -SasToken (ConvertTo-SecureString $bad -AsPlainText -Force) -Force }
        $err.FullyQualifiedErrorId | Should -BeLike 'StorageAccessDenied*'
        $text = $all + ($Error | Out-String) + $err.Exception.Message + ($err | Out-String)
        $sig = [uri]::UnescapeDataString(($sas -split 'sig=')[1])
        $text | Should -Not -Match ([regex]::Escape($sig))
        $text | Should -Not -Match ([regex]::Escape(($sas -split 'sig=')[1]))
        $text | Should -Not -Match 'AAAAbadsignature'
        $text | Should -Not -Match 'eyJ[A-Za-z0-9_-]{10,}\.'
        $text | Should -Not -Match ([regex]::Escape($emu.ClientSecret))
    }

    It 'a receive killed (kill -9) part-way leaves no cut file under a final name, and a rerun completes it' {
        $dest = Join-Path $root 'killed'
        $script = Join-Path $root 'kill-child.ps1'
        Set-Content -LiteralPath $script -Value @'
Import-Module $env:BILLINGPS_MODULE_PATH
$secret = ConvertTo-SecureString $env:BPS_TEST_SECRET -AsPlainText -Force
Connect-BillingAccount -ServicePrincipal -TenantId $env:BPS_TEST_TENANT -ClientId $env:BPS_TEST_CLIENT -ClientSecret $secret -ResourceManagerUrl $env:BPS_TEST_ARM | Out-Null
# The pipeline stops at the first file and holds there until the process is killed; downloads go on meanwhile.
Get-BillingExportRun -BillingAccountName $env:BPS_TEST_EA -Name 'pester-receive-gz' | Where-Object RunId -EQ $env:BPS_TEST_RUN |
    Receive-BillingExport -Destination $env:BPS_TEST_DEST -BlobServiceUri $env:BPS_TEST_BLOB -ThrottleLimit 1 |
    ForEach-Object { [Console]::Out.WriteLine('FIRST FILE'); [Console]::In.ReadLine() }
'@
        $environment = @{ BPS_TEST_SECRET = $emu.ClientSecret; BPS_TEST_TENANT = $emu.TenantId; BPS_TEST_CLIENT = $emu.ClientId; BPS_TEST_ARM = $emu.ArmUrl
            BPS_TEST_EA = $ea; BPS_TEST_RUN = $gzipRun.RunId; BPS_TEST_DEST = $dest; BPS_TEST_BLOB = $blobUrl.AbsoluteUri }
        $saved = @{}
        foreach ($k in $environment.Keys) { $saved[$k] = [Environment]::GetEnvironmentVariable($k); [Environment]::SetEnvironmentVariable($k, [string]$environment[$k]) }
        $out = Join-Path $root 'kill-child.out.txt'
        try {
            $cmd = Get-PwshCommand
            $arguments = @($cmd | Select-Object -Skip 1) + @('-NoProfile', '-NonInteractive', '-File', $script)
            $child = Start-Process -FilePath $cmd[0] -ArgumentList (($arguments | ForEach-Object { '"{0}"' -f $_ }) -join ' ') -PassThru -RedirectStandardOutput $out -RedirectStandardError (Join-Path $root 'kill-child.err.txt')
        }
        finally { foreach ($k in $saved.Keys) { [Environment]::SetEnvironmentVariable($k, $saved[$k]) } }
        Wait-Until -What 'the child to receive its first file' -TimeoutSeconds 120 -Condition {
            (Test-Path -LiteralPath $out) -and (Select-String -LiteralPath $out -Pattern 'FIRST FILE' -Quiet) -or $child.HasExited
        }
        $child.HasExited | Should -BeFalse -Because (Get-Content -Raw -LiteralPath $out, (Join-Path $root 'kill-child.err.txt') -ErrorAction Ignore)
        $child.Kill()   # SIGKILL: no finally block, no clean-up of the process runs
        $child.WaitForExit()
        $afterKill = @{}
        Get-ChildItem -LiteralPath $dest -Recurse -File -Filter 'part_*' | ForEach-Object { $afterKill[$_.FullName] = $_.Length }
        $afterKill.Count | Should -BeGreaterThan 0
        $files = @($gzipRun | Receive-BillingExport -Destination $dest -BlobServiceUri $blobUrl)
        foreach ($f in $files) { if ($afterKill.ContainsKey($f.FullName)) { $afterKill[$f.FullName] | Should -Be $f.Length -Because "$($f.Name) was under its final name after the kill" } }
        @($files | Where-Object { $afterKill.ContainsKey($_.FullName) -and $_.Downloaded }) | Should -BeNullOrEmpty
        # A download the kill cut short left only its hidden .partial, removed when that file was fetched again.
        Get-ChildItem -LiteralPath $dest -Recurse -File -Force -Filter '*.partial' | Should -BeNullOrEmpty
        $measured = Measure-Usage @($files | Import-DailyUsage)
        $measured.Rows | Should -Be $expected.Rows
    }

    It 'refuses a run whose last file is shorter than its manifest says, naming the file, and receives nothing of it' {
        Set-EmulatorFaults $emu @{ exportRunMode = 'shortFile' }
        try { $short = New-CompletedRun 'pester-receive-short' 'Gzip' }
        finally { Reset-Emulator $emu }
        $dest = Join-Path $root 'short'
        $err = Get-ErrorFromCommand { $short | Receive-BillingExport -Destination $dest -BlobServiceUri $blobUrl }
        $err.FullyQualifiedErrorId | Should -BeLike 'ExportManifestMismatch*'
        $err.Exception.Message | Should -Match ([regex]::Escape($short.RunId))
        $err.Exception.Message | Should -Match 'part_0_\d{4}\.csv\.gz is \d+ bytes in storage but the manifest says \d+'
        Test-Path -LiteralPath $dest | Should -BeFalse
    }

    It 'refuses a completed run whose manifest names a file not yet in storage, naming it; a rerun once it lands receives it' {
        Set-EmulatorFaults $emu @{ exportRunMode = 'manifestFirstCompleted' }
        try { $early = New-CompletedRun 'pester-receive-early' 'None' }
        finally { Reset-Emulator $emu }
        $dest = Join-Path $root 'early'
        $err = Get-ErrorFromCommand { $early | Receive-BillingExport -Destination $dest -BlobServiceUri $blobUrl }
        $err.FullyQualifiedErrorId | Should -BeLike 'ExportManifestMismatch*'
        $err.Exception.Message | Should -Match 'missing in storage: \S+/part_0_\d{4}\.csv'
        $err.TargetObject.RunId | Should -Be $early.RunId
        Test-Path -LiteralPath $dest | Should -BeFalse
        # The held file lands when asked, not after its 30 s: a wait shorter than that shows the release did it.
        Resume-HeldExportFile $emu
        Wait-Until -What 'the released file to land and the rerun to receive the run' -TimeoutSeconds 25 -Condition {
            $script:late = @($early | Receive-BillingExport -Destination $dest -BlobServiceUri $blobUrl -ErrorAction SilentlyContinue)
            $script:late.Count -gt 1
        }
        ($script:late | Measure-Object Length -Sum).Sum | Should -BeGreaterThan 0
    }

    It 'refuses a run that has not completed' {
        Set-EmulatorFaults $emu @{ exportRunMode = 'queued' }
        try {
            $null = New-BillingExport -BillingAccountName $ea -Name 'pester-receive-queued' -Dataset ActualCost -Timeframe TheLastMonth -Format Csv `
                -StorageAccountId $world.Raw.storageAccount.id -Container 'exports' -RootFolderPath 'pester-receive'
            Start-BillingExport -BillingAccountName $ea -Name 'pester-receive-queued' | Out-Null
        }
        finally { Reset-Emulator $emu }
        $queued = Get-BillingExportRun -BillingAccountName $ea -Name 'pester-receive-queued' | Select-Object -First 1
        $err = Get-ErrorFromCommand { $queued | Receive-BillingExport -Destination (Join-Path $root 'queued') -BlobServiceUri $blobUrl }
        $err.FullyQualifiedErrorId | Should -BeLike 'ExportRunNotReceivable*'
        $err.Exception.Message | Should -Match 'Queued'
    }

    It '-WhatIf names each run and export and reads or writes nothing (no connection needed)' {
        $dest = Join-Path $root 'whatif'
        $lines = Invoke-WhatIfChild -ModulePath $env:BILLINGPS_MODULE_PATH -Script @"
`$run = [BillingPowerShell.BillingExportRun]@{ RunId = 'r-1'; ExportName = 'daily'; Status = 'Completed'; StartDate = [datetime]'2026-11-01' }
`$export = [BillingPowerShell.BillingExport]@{ Name = 'monthly'; Scope = '/subscriptions/00000000-0000-0000-0000-000000000000' }
`$run | Receive-BillingExport -Destination '$dest' -WhatIf
`$export | Receive-BillingExport -Destination '$dest' -WhatIf
"@
        $text = $lines -join "`n"
        $text | Should -Match ([regex]::Escape("What if: Performing the operation `"Receive run r-1 of export 'daily' (2026-11)`" on target `"$dest`""))
        $text | Should -Match ([regex]::Escape("Receive the newest completed run of each month of export 'monthly'"))
        $text | Should -Not -Match 'Error|Exception'
        Test-Path -LiteralPath $dest | Should -BeFalse
    }

    It 'refuses a -BlobServiceUri that is not HTTPS before any request' {
        $err = Get-ErrorFromCommand { $gzipRun | Receive-BillingExport -Destination (Join-Path $root 'http') -BlobServiceUri 'http://127.0.0.1:1/devstoreaccount1' }
        $err.FullyQualifiedErrorId | Should -BeLike 'BlobServiceUriNotHttps*'
    }
}
