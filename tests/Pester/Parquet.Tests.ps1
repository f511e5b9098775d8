# Parquet through the real module against the emulator: Export-DailyUsage -Path *.parquet then Import-DailyUsage gives
# the same records and totals as the CSV export of the same request (and as the world); the returned file object; a
# Parquet file written by another engine (DuckDB, tests/Pester/Data/costdetails-duckdb.snappy.parquet) imports; bad
# input refused before any request; on the netstandard2.0 engine build (Windows PowerShell 5.1, PowerShell 7.0-7.3) a
# .parquet path is ParquetNeedsPowerShell7 and CSV still works. DuckDB itself checks the files the engine writes in
# the engine's xunit tests (tests/BillingPowerShell.Engine.Tests/Usage/UsageParquetTests.cs).

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Import-Module (Join-Path $PSScriptRoot 'UsageTestHelpers.psm1') -Force
    if (-not (Get-Module BillingPowerShell)) { Import-Module (Get-TestModulePath) }
    $ProgressPreference = 'SilentlyContinue'
    $script:emu = Start-TestEmulator -ExtraArgument '--csv-rows-per-blob', '150'
    $null = Connect-BillingAccount -ResourceManagerUrl $emu.ArmUrl -AccessToken $emu.SecureToken
    $script:world = Get-UsageWorld $emu
    $script:m1 = Get-MonthStart $world -1
    $script:m1End = $m1.AddMonths(1).AddDays(-1)
    $script:m2 = Get-MonthStart $world -2
    $script:eaName = $world.Ea.name
    $script:eaScope = "/providers/Microsoft.Billing/billingAccounts/$eaName"
    $script:mcaName = $world.Mca.name
    $script:mcaScope = "/providers/Microsoft.Billing/billingAccounts/$mcaName"
    $script:paygSub = $world.Payg.subscriptions[0].subscriptionId
    $script:paygScope = "/subscriptions/$paygSub"
    $script:duckDbFile = Join-Path $PSScriptRoot 'Data/costdetails-duckdb.snappy.parquet'
    $script:netstandard = $env:BILLINGPOWERSHELL_ENGINE_BUILD -eq 'netstandard2.0'

    $script:dir = Join-Path ([IO.Path]::GetTempPath()) ('bps-parquet-' + [Guid]::NewGuid().ToString('n').Substring(0, 8))
    $null = New-Item -ItemType Directory -Path $dir

    # Parquet's DECIMAL(38,18) keeps a number's value, not the trailing zeros of the text it came from (CSV's
    # 1.62000 reads back 1.62): the row keys compare values.
    function script:Get-Value($Number) {
        $inv = [cultureinfo]::InvariantCulture
        [decimal]::Parse(([decimal]$Number).ToString('G29', $inv), [Globalization.NumberStyles]::Float, $inv) # 1.62000 -> 1.62
    }
    function script:Get-ValueKey([object[]] $Record) {
        Get-RowKey @($Record | ForEach-Object {
            [pscustomobject]@{
                SubscriptionId = $_.SubscriptionId; Date = $_.Date; ResourceId = $_.ResourceId; MeterId = $_.MeterId
                Quantity = Get-Value $_.Quantity; Cost = Get-Value $_.Cost
            }
        })
    }

    function script:Get-Magic([string] $Path) {
        $bytes = [IO.File]::ReadAllBytes($Path)
        [Text.Encoding]::ASCII.GetString($bytes, 0, 4) + [Text.Encoding]::ASCII.GetString($bytes, $bytes.Length - 4, 4)
    }
}

AfterAll {
    Disconnect-BillingAccount -ErrorAction Ignore
    Stop-TestEmulator $script:emu
    if ($script:dir) { Remove-Item -LiteralPath $script:dir -Recurse -Force -ErrorAction Ignore }
}

Describe 'Export-DailyUsage and Import-DailyUsage with Parquet' -Skip:$netstandard {
    BeforeEach { Reset-Emulator $emu }

    It '<Name>: .parquet then import gives the records and totals of the CSV export of the same request' -ForEach @(
        @{ Name = 'EA billing account'; Kind = 'Ea' }
        @{ Name = 'MCA billing account (two currencies)'; Kind = 'Mca' }
        @{ Name = 'pay-as-you-go subscription'; Kind = 'Payg' }
    ) {
        $params = switch ($Kind) {
            'Ea' { @{ BillingAccountName = $eaName } }
            'Mca' { @{ BillingAccountName = $mcaName } }
            'Payg' { @{ SubscriptionId = $paygSub; AgreementType = 'MicrosoftOnlineServicesProgram' } }
        }
        $scope = @{ Ea = $eaScope; Mca = $mcaScope; Payg = $paygScope }[$Kind]
        $csvPath = Join-Path $dir "usage-$Kind.csv"
        $parquetPath = Join-Path $dir "usage-$Kind.parquet"
        $csvFile = Export-DailyUsage @params -StartDate $m2 -EndDate $m1End -Path $csvPath -Schema Normalized
        $parquetFile = Export-DailyUsage @params -StartDate $m2 -EndDate $m1End -Path $parquetPath -WarningVariable warnings
        $fromCsv = Import-DailyUsage -Path $csvPath
        $fromParquet = Import-DailyUsage -Path $parquetPath
        $expected = Get-ExpectedUsage -World $world -Scope $scope -Month $m2, $m1

        $warnings | Should -BeNullOrEmpty -Because 'Normalized is the default schema for .parquet, nothing to warn about'
        $parquetFile | Should -BeOfType ([IO.FileInfo])
        $parquetFile.FullName | Should -Be $parquetPath
        $parquetFile.Schema | Should -Be 'Normalized'
        Get-Magic $parquetPath | Should -Be 'PAR1PAR1'
        $parquetFile.RowCount | Should -Be $csvFile.RowCount
        $parquetFile.RowCount | Should -Be $expected.Rows
        $parquetFile.StartDate | Should -Be $csvFile.StartDate
        $parquetFile.EndDate | Should -Be $csvFile.EndDate
        Format-CostTable $parquetFile.CostByCurrency | Should -Be (Format-CostTable $csvFile.CostByCurrency)
        Format-CostTable $parquetFile.CostByCurrency | Should -Be (Format-CostTable $expected.Cost)
        @($fromParquet).Count | Should -Be @($fromCsv).Count
        Format-CostTable (Measure-Usage $fromParquet).Cost | Should -Be (Format-CostTable (Measure-Usage $fromCsv).Cost)
        Get-ValueKey $fromParquet | Should -Be (Get-ValueKey $fromCsv) -Because 'the same records'
        $fromParquet[0].SourceFormat | Should -Be $fromCsv[0].SourceFormat
        $fromParquet[0].Tags.Count | Should -Be $fromCsv[0].Tags.Count
        foreach ($name in 'BillingAccountId', 'SubscriptionName', 'ResourceGroup', 'MeterCategory', 'ChargeType', 'PricingModel', 'AdditionalInfo') {
            $fromParquet[-1].$name | Should -Be $fromCsv[-1].$name -Because $name
        }
        if ($Kind -eq 'Mca') { $parquetFile.CostByCurrency.Keys.Count | Should -Be 2 }
        @(Get-ChildItem -LiteralPath $dir -Force -Filter '*.partial') | Should -BeNullOrEmpty
    }

    It 'imports a cost details Parquet file that DuckDB wrote (snappy), the same as its CSV' {
        $records = @(Import-DailyUsage -LiteralPath $duckDbFile)
        $records.Count | Should -Be 2
        ($records | Measure-Object Cost -Sum).Sum | Should -Be 3.5
        $records[1].MeterName | Should -Be 'a, b'
        $records[0].Date | Should -Be ([datetime]'2024-01-01')
        $records[0].SourceFormat | Should -Be 'EaCostDetailsVariant'
    }

    It 'reads .csv and .parquet files in one call, piped from Get-ChildItem' {
        $csv = Join-Path $dir 'mixed.csv'
        $parquet = Join-Path $dir 'mixed.parquet'
        $null = Export-DailyUsage -BillingAccountName $eaName -StartDate $m1 -EndDate $m1End -Path $csv -Schema Normalized
        $null = Export-DailyUsage -BillingAccountName $eaName -StartDate $m1 -EndDate $m1End -Path $parquet -Schema Normalized
        $both = @(Get-ChildItem -LiteralPath $csv, $parquet | Import-DailyUsage)
        $one = @(Import-DailyUsage -LiteralPath $csv)
        $both.Count | Should -Be (2 * $one.Count)
    }

    It 'replaces a .parquet file only with -Force' {
        $path = Join-Path $dir 'force.parquet'
        Set-Content -LiteralPath $path -Value 'old'
        $err = Get-ErrorFromCommand { Export-DailyUsage -BillingAccountName $eaName -StartDate $m1 -EndDate $m1End -Path $path }
        Assert-BillingError $err 'FileExists' 'ResourceExists'
        Get-Content -LiteralPath $path | Should -Be 'old'
        $file = Export-DailyUsage -BillingAccountName $eaName -StartDate $m1 -EndDate $m1End -Path $path -Force
        Get-Magic $path | Should -Be 'PAR1PAR1'
        $file.RowCount | Should -BeGreaterThan 0
    }

    It 'a text file named .parquet is an unrecognised usage file, and the next file is still read' {
        $bad = Join-Path $dir 'not.parquet'
        Set-Content -LiteralPath $bad -Value 'Date,Cost'
        $records = @(Import-DailyUsage -LiteralPath $bad, $duckDbFile -ErrorVariable errs -ErrorAction SilentlyContinue)
        $records.Count | Should -Be 2
        Assert-BillingError $errs[0] 'UnrecognisedUsageFile' 'InvalidData'
    }

    It 'refuses -Schema Native with a .parquet path before any request' {
        $path = Join-Path $dir 'native.parquet'
        $err = Get-ErrorFromCommand { Export-DailyUsage -BillingAccountName $eaName -StartDate $m1 -EndDate $m1End -Path $path -Schema Native }
        Assert-BillingError $err 'NativeSchemaNotParquet' 'InvalidArgument'
        $err.Exception.Message | Should -Match '-Schema Normalized'
        (Get-EmulatorStats $emu).totalRequests | Should -Be 0
        $path | Should -Not -Exist
    }
}

Describe 'Parquet on the netstandard2.0 engine build (what Windows PowerShell 5.1 loads)' {
    It 'says ParquetNeedsPowerShell7 for export (before any request) and import, and CSV still works' {
        Reset-Emulator $emu
        $child = {
            $secure = ConvertTo-SecureString $env:BPS_TOKEN -AsPlainText -Force
            Import-Module $env:BPS_MODULE
            $null = Connect-BillingAccount -ResourceManagerUrl $env:BPS_ARM -AccessToken $secure
            $path = Join-Path $env:BPS_DIR 'ns20.parquet'
            try { Export-DailyUsage -BillingAccountName $env:BPS_EA -BillingPeriodName 202401 -Path $path; 'EXPORTED' }
            catch { "EXPORT ERROR $($_.FullyQualifiedErrorId) $($_.CategoryInfo.Category) EXISTS $(Test-Path -LiteralPath $path)"; "MESSAGE $($_.Exception.Message)" }
            try { Import-DailyUsage -LiteralPath $env:BPS_PARQUET -ErrorAction Stop | Out-Null; 'IMPORTED' }
            catch { "IMPORT ERROR $($_.FullyQualifiedErrorId) $($_.CategoryInfo.Category)" }
            $csv = Join-Path $env:BPS_DIR 'ns20.csv'
            "Date,CostInBillingCurrency,BillingCurrencyCode,MeterName,SubscriptionId,Tags,AccountOwnerId`n2024-01-01,1.25,USD,m,s,,o`n" | Set-Content -LiteralPath $csv -NoNewline
            "CSV $((Import-DailyUsage -LiteralPath $csv | Measure-Object Cost -Sum).Sum)"
            "ENGINE $(Split-Path -Leaf (Split-Path -Parent ([BillingPowerShell.UsageRecord].Assembly.Location)))"
            "PARQUET LOADED $(@([AppDomain]::CurrentDomain.GetAssemblies() | Where-Object { $_.GetName().Name -eq 'Parquet' }).Count)"
        }
        $r = Invoke-ChildPwsh -ScriptBlock $child -Environment @{
            BPS_MODULE = Get-TestModulePath; BPS_ARM = $emu.ArmUrl; BPS_TOKEN = $emu.Token; BPS_DIR = $dir; BPS_EA = $eaName
            BPS_PARQUET = $duckDbFile; BILLINGPOWERSHELL_ENGINE_BUILD = 'netstandard2.0'
        }
        $text = $r.Output -join "`n"
        $r.ExitCode | Should -Be 0 -Because $text
        $text | Should -Match 'ENGINE netstandard2\.0'
        $text | Should -Match 'EXPORT ERROR ParquetNeedsPowerShell7,BillingPowerShell\.Commands\.ExportDailyUsageCommand NotImplemented EXISTS False'
        $text | Should -Match 'MESSAGE .*PowerShell 7\.4 or later'
        $text | Should -Match 'IMPORT ERROR ParquetNeedsPowerShell7,BillingPowerShell\.Commands\.ImportDailyUsageCommand NotImplemented'
        $text | Should -Match 'CSV 1\.25'
        $text | Should -Match 'PARQUET LOADED 0'
        # One request in all: Connect-BillingAccount's check (it lists one billing account); the export asked nothing.
        $stats = Get-EmulatorStats $emu
        $routes = @($stats.requests.PSObject.Properties | Where-Object { [long]$_.Value -gt 0 } | ForEach-Object Name)
        $stats.totalRequests | Should -Be 1 -Because "routes asked: $($routes -join ', ')"
        $routes | Where-Object { $_ -match 'CostDetails|UsageDetails|Blob' } | Should -BeNullOrEmpty
        Find-Secret -Text $r.Output -Secret $emu.Token | Should -BeNullOrEmpty
    }
}
