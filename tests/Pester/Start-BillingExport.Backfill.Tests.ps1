# Start-BillingExport -Backfill and -Wait against the emulator's exports and Azurite (docs/contracts/EXPORTS_EMULATION.md;
# src/BillingPowerShell.Engine/Exports/README.md, "Start, backfill and wait"): thirteen months under a storm of 429s on
# run submission all delivered, a rerun that submits nothing, a failed month named and resubmitted alone by the rerun,
# a run that stays queued ending -Wait at its bound, and -Wait's progress and output.

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Import-Module (Join-Path $PSScriptRoot '../../tools/Emulator.psm1')  # New-EmulatorStorageToken, to read what a run wrote
    if (-not (Get-Module BillingPowerShell)) { Import-Module (Get-TestModulePath) }
    $script:emu = Start-TestEmulator -WithAzurite
    $script:world = Get-EmulatorWorld $emu
    Connect-BillingAccount -ResourceManagerUrl $emu.ArmUrl -AccessToken $emu.SecureToken | Out-Null
    $script:scope = @{ BillingAccountName = ($world.accounts | Where-Object agreementType -EQ 'EnterpriseAgreement').name }
    # The thirteen whole months before the world's today.
    $inv = [Globalization.CultureInfo]::InvariantCulture
    $today = [datetime]::ParseExact($world.today, 'yyyy-MM-dd', $inv)
    $script:last = (Get-Date -Year $today.Year -Month $today.Month -Day 1).Date.AddDays(-1)
    $script:first = $last.AddDays(1).AddMonths(-13)
    $script:months = 0..12 | ForEach-Object { $first.AddMonths($_).ToString('yyyy-MM', $inv) }

    function script:New-TestExport([string] $Name) {
        New-BillingExport @scope -Name $Name -Dataset ActualCost -Timeframe TheLastMonth -Format Csv -Compression Gzip `
            -StorageAccountId $world.storageAccount.id -Container 'backfill' -RootFolderPath $Name
    }
    function script:Get-RunMonth($Runs, [string] $Status = 'Completed') {
        @($Runs | Where-Object Status -EQ $Status | ForEach-Object { $_.StartDate.ToString('yyyy-MM', $inv) } | Sort-Object)
    }
}

AfterAll {
    Disconnect-BillingAccount
    Stop-TestEmulator $script:emu
}

Describe 'Start-BillingExport -Backfill' {
    It 'delivers all 13 months under a 429 storm on run submission; run history shows 13 completed' {
        $null = New-TestExport 'storm'
        $null = Reset-Emulator $emu
        Set-EmulatorFaults $emu @{ exportRun429Rate = 0.7 } | Out-Null
        $errors = $null
        $runs = @(Start-BillingExport @scope -Name storm -Backfill -StartDate $first -EndDate $last -Wait -ErrorVariable errors)
        $stats = Get-EmulatorStats $emu
        Set-EmulatorFaults $emu @{} | Out-Null
        $errors | Should -BeNullOrEmpty
        (Get-EmulatorFaultCount $stats 'export-run-429:Retry-After') | Should -BeGreaterThan 5 -Because 'the storm must have hit'
        $runs | ForEach-Object { $_ | Should -BeOfType ([BillingPowerShell.BillingExportRun]) }
        Get-RunMonth $runs | Should -Be $months
        $runs | ForEach-Object {
            $_.ExportName | Should -Be 'storm'
            $_.ManifestFile | Should -Match '^storm/storm/\d{8}-\d{8}/[0-9a-f-]{36}/manifest\.json$'
            $_.Container | Should -Be 'backfill'
            $_.StorageAccountId | Should -Be $world.storageAccount.id
        }
        $history = @(Get-BillingExportRun @scope -Name storm)
        $history | Should -HaveCount 13 -Because 'one run per month, none twice'
        Get-RunMonth $history | Should -Be $months
    }

    It 'a rerun of the same command submits nothing new and writes the 13 completed runs again' {
        $runs = @(Start-BillingExport @scope -Name storm -Backfill -StartDate $first -EndDate $last -Wait)
        Get-RunMonth $runs | Should -Be $months
        @(Get-BillingExportRun @scope -Name storm) | Should -HaveCount 13
    }

    It 'names a failed month in a non-terminating error; a rerun submits only that month' {
        $null = New-TestExport 'onefails'
        $bad = $months[4]
        Set-EmulatorFaults $emu @{ exportRunMode = 'fail'; exportRunMonths = @($bad) } | Out-Null
        $errors = $null
        $runs = @(Start-BillingExport @scope -Name onefails -Backfill -StartDate $first -EndDate $last -Wait -ErrorVariable errors -ErrorAction SilentlyContinue)
        Set-EmulatorFaults $emu @{} | Out-Null
        Get-RunMonth $runs | Should -Be @($months | Where-Object { $_ -ne $bad }) -Because 'the other months go on'
        $errors | Should -HaveCount 1
        Assert-BillingError $errors[0] -Id 'ExportRunFailed' -Category InvalidResult
        $errors[0].TargetObject | Should -Be $bad
        $errors[0].Exception.Message | Should -Match "Month $bad of export 'onefails'.*ExportRunFailed"

        $again = @(Start-BillingExport @scope -Name onefails -Backfill -StartDate $first -EndDate $last -Wait)
        Get-RunMonth $again | Should -Be $months
        $history = @(Get-BillingExportRun @scope -Name onefails)
        $history | Should -HaveCount 14 -Because 'the rerun submitted the failed month only'
        Get-RunMonth $history 'Failed' | Should -Be @($bad)
    }

    It 'without -Wait submits and writes nothing; -Wait on a run that stays queued ends at -TimeoutSeconds with the month named' {
        $null = New-TestExport 'stuck'
        Set-EmulatorFaults $emu @{ exportRunMode = 'queued'; exportRunMonths = @($months[-1]) } | Out-Null
        try {
            @(Start-BillingExport @scope -Name stuck -Backfill -StartDate $first.AddMonths(11) -EndDate $last) | Should -HaveCount 0
            $errors = $null
            $runs = @(Start-BillingExport @scope -Name stuck -Backfill -StartDate $first.AddMonths(11) -EndDate $last -Wait -TimeoutSeconds 5 -ErrorVariable errors -ErrorAction SilentlyContinue)
        }
        finally { Set-EmulatorFaults $emu @{} | Out-Null }
        Get-RunMonth $runs | Should -Be @($months[11])
        $errors | Should -HaveCount 1
        Assert-BillingError $errors[0] -Id 'ExportRunTimedOut' -Category OperationTimeout
        $errors[0].TargetObject | Should -Be $months[-1]
        $errors[0].Exception.Message | Should -Match 'still Queued after 5 s'
        @(Get-BillingExportRun @scope -Name stuck) | Should -HaveCount 2 -Because 'the queued month was followed, not submitted again'
    }

    It 'checks its dates before any request' {
        Assert-BillingError (Get-ErrorFromCommand { Start-BillingExport @scope -Name storm -Backfill -EndDate $last }) -Id 'BackfillNeedsStartDate' -Category InvalidArgument
        Assert-BillingError (Get-ErrorFromCommand { Start-BillingExport @scope -Name storm -Backfill -StartDate (Get-Date).AddDays(3) }) -Id 'StartDateInFuture' -Category InvalidArgument
        Assert-BillingError (Get-ErrorFromCommand { Start-BillingExport @scope -Name storm -TimeoutSeconds 5 }) -Id 'TimeoutNeedsWait' -Category InvalidArgument
    }
}

Describe 'Start-BillingExport -Wait' {
    It 'reports progress per month and writes the finished run, whose manifest is in the storage account' {
        $null = New-TestExport 'waited'
        # Progress is read from a PowerShell of its own (a runspace of this process: the same connection).
        $ps = [powershell]::Create()
        try {
            $parameters = @{ Name = 'waited'; Backfill = $true; StartDate = $first.AddMonths(10); EndDate = $last; Wait = $true } + $scope
            $null = $ps.AddScript({ param($Module, $Parameters) Import-Module $Module; Start-BillingExport @Parameters }).AddArgument((Get-TestModulePath)).AddArgument($parameters)
            $runs = @($ps.Invoke())
            $progress = @($ps.Streams.Progress)
            $ps.Streams.Error | Should -BeNullOrEmpty
        }
        finally { $ps.Dispose() }
        Get-RunMonth $runs | Should -Be $months[10..12]
        $progress | Where-Object { $_.CurrentOperation -like "$($months[10]): submitted" } | Should -Not -BeNullOrEmpty
        $progress | Where-Object { $_.CurrentOperation -like "$($months[12]): Completed" } | Should -Not -BeNullOrEmpty
        $progress[-1].RecordType | Should -Be 'Completed'
        foreach ($run in $runs) {
            $manifest = Invoke-RestMethod -Uri "$($world.storageAccount.blobUrl)/$($run.Container)/$($run.ManifestFile)" -Headers @{
                Authorization = "Bearer $(New-EmulatorStorageToken)"; 'x-ms-version' = '2021-10-04'
            }
            $manifest.runInfo.runId | Should -Be $run.RunId
        }
    }

    It 'waits for a run of the export''s own timeframe' {
        $run = Start-BillingExport @scope -Name waited -Wait
        $run.Status | Should -Be 'Completed'
        $run.ExecutionType | Should -Be 'OnDemand'
        $run.StartDate | Should -Be $first.AddMonths(12)
    }
}
