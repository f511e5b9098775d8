# Export-DailyUsage through the real module against the emulator: Native is byte for byte what the service delivered
# (blobs and month chunks merged under one header, BOM kept), Normalized is the record's columns; .csv and .csv.gz;
# export then import gives the records, counts and totals of Get-DailyUsage and of /_emulator/world; the returned
# file object; -Force/-NoClobber/-WhatIf; faults that must not change a byte; a stopped or failed export leaves no
# file and no temporary file; bad input refused before any request.

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
    $script:m3 = Get-MonthStart $world -3
    $script:eaName = $world.Ea.name
    $script:eaScope = "/providers/Microsoft.Billing/billingAccounts/$eaName"
    $script:mcaName = $world.Mca.name
    $script:mcaScope = "/providers/Microsoft.Billing/billingAccounts/$mcaName"
    $script:mcaProfile = $world.Mca.billingProfiles[1].name
    $script:mcaProfileScope = "$mcaScope/billingProfiles/$mcaProfile"
    $script:paygSub = $world.Payg.subscriptions[0].subscriptionId
    $script:paygScope = "/subscriptions/$paygSub"

    $script:dir = Join-Path ([IO.Path]::GetTempPath()) ('bps-export-' + [Guid]::NewGuid().ToString('n').Substring(0, 8))
    $null = New-Item -ItemType Directory -Path $dir
    $null = New-Item -ItemType Directory -Path (Join-Path $dir 'folder.csv')   # a folder with a file's name

    # What the service delivers for two months of the EA account: its blobs, straight from the emulator.
    $blobs = @(Get-EmulatorReportBlob -Emulator $emu -Scope $eaScope -StartDate $m2 -EndDate $m2.AddMonths(1).AddDays(-1)) +
             @(Get-EmulatorReportBlob -Emulator $emu -Scope $eaScope -StartDate $m1 -EndDate $m1End)
    $script:eaBlobCount = $blobs.Count
    $script:eaNativeExpected = Join-NativeBlob $blobs
    $script:eaNativeHash = [Convert]::ToHexString([Security.Cryptography.SHA256]::HashData($eaNativeExpected))
    $script:eaClean = Get-DailyUsage -BillingAccountName $eaName -StartDate $m2 -EndDate $m1End

    function script:Get-FileHashHex([string] $Path) { (Get-FileHash -LiteralPath $Path -Algorithm SHA256).Hash }
    function script:Get-Leftover([string] $Folder) { @(Get-ChildItem -LiteralPath $Folder -Force -File | Where-Object Name -like '*.partial') }
}

AfterAll {
    Disconnect-BillingAccount -ErrorAction Ignore
    Stop-TestEmulator $script:emu
    if ($script:dir) { Remove-Item -LiteralPath $script:dir -Recurse -Force -ErrorAction Ignore }
}

Describe 'Export-DailyUsage' {
    BeforeEach { Reset-Emulator $emu }

    Context 'Native schema' {
        It 'is byte for byte the emulator''s blobs, merged under one header (BOM kept), across two month chunks' {
            $eaBlobCount | Should -BeGreaterThan 2 -Because 'the reports are split into several blobs'
            $path = Join-Path $dir 'ea-native.csv'
            $file = Export-DailyUsage -BillingAccountName $eaName -StartDate $m2 -EndDate $m1End -Path $path
            $file.FullName | Should -Be $path
            Get-FileHashHex $path | Should -Be $eaNativeHash
            $bytes = [IO.File]::ReadAllBytes($path)
            $bytes[0..2] | Should -Be @(0xEF, 0xBB, 0xBF)
            $text = [Text.Encoding]::UTF8.GetString($bytes, 3, $bytes.Length - 3)
            $header = $text.Substring(0, $text.IndexOf("`r`n"))
            ([regex]::Matches($text, '(?m)^' + [regex]::Escape($header) + '\r?$')).Count | Should -Be 1 -Because 'one header'
            $text.IndexOf([char]0xFEFF) | Should -Be -1 -Because 'no BOM in the middle'
            Get-EmulatorStatsCount (Get-EmulatorStats $emu) 'GenerateCostDetailsReport_CreateOperation' | Should -Be 2 -Because 'one report per month'
        }

        It 'returns the file with RowCount, StartDate, EndDate and CostByCurrency matching the world' {
            $path = Join-Path $dir 'ea-native-result.csv'
            $file = Export-DailyUsage -BillingAccountName $eaName -StartDate $m2 -EndDate $m1End -Path $path
            $expected = Get-ExpectedUsage -World $world -Scope $eaScope -Month $m2, $m1
            $file | Should -BeOfType ([IO.FileInfo])
            $file.Length | Should -Be $eaNativeExpected.Length
            $file.RowCount | Should -Be $expected.Rows
            $file.StartDate.Date | Should -Be $m2
            $file.EndDate.Date | Should -Be $m1End
            Format-CostTable $file.CostByCurrency | Should -Be (Format-CostTable $expected.Cost)
            $file.Schema | Should -Be 'Native'
        }

        It 'is the emulator''s blobs for an MCA billing profile too' {
            $expectedBytes = Join-NativeBlob @(Get-EmulatorReportBlob -Emulator $emu -Scope $mcaProfileScope -StartDate $m1 -EndDate $m1End -Metric AmortizedCost)
            $path = Join-Path $dir 'mca-native.csv'
            $file = Export-DailyUsage -BillingAccountName $mcaName -BillingProfileName $mcaProfile -StartDate $m1 -EndDate $m1End -Metric AmortizedCost -Path $path
            Get-FileHashHex $path | Should -Be ([Convert]::ToHexString([Security.Cryptography.SHA256]::HashData([byte[]]$expectedBytes)))
            $expected = Get-ExpectedUsage -World $world -Scope $mcaProfileScope -Month $m1 -Metric AmortizedCost
            $file.RowCount | Should -Be $expected.Rows
            Format-CostTable $file.CostByCurrency | Should -Be (Format-CostTable $expected.Cost)
        }

        It 'compresses to .csv.gz: the same bytes once decompressed' {
            $path = Join-Path $dir 'ea-native.csv.gz'
            $file = Export-DailyUsage -BillingAccountName $eaName -StartDate $m2 -EndDate $m1End -Path $path
            $raw = [IO.File]::ReadAllBytes($path)
            $raw[0..1] | Should -Be @(0x1F, 0x8B) -Because 'a gzip file'
            $plain = Expand-GzipFile $path
            [Convert]::ToHexString([Security.Cryptography.SHA256]::HashData([byte[]]$plain)) | Should -Be $eaNativeHash
            $file.RowCount | Should -Be $eaClean.Count
        }

        It 'imports back to the rows and total of Get-DailyUsage' {
            $path = Join-Path $dir 'ea-native-import.csv'
            $null = Export-DailyUsage -BillingAccountName $eaName -StartDate $m2 -EndDate $m1End -Path $path
            $imported = Import-DailyUsage -Path $path
            Get-RowKey $imported | Should -Be (Get-RowKey $eaClean)
            Format-CostTable (Measure-Usage $imported).Cost | Should -Be (Format-CostTable (Measure-Usage $eaClean).Cost)
        }

        It 'writes the Normalized schema for pay-as-you-go usage details (JSON has no native CSV): no warning by default, one when -Schema Native was typed' {
            $path = Join-Path $dir 'payg-native.csv'
            $file = Export-DailyUsage -SubscriptionId $paygSub -StartDate $m1 -EndDate $m1End -Path $path -WarningVariable w 3>$null
            $w | Should -BeNullOrEmpty -Because 'the default schema falling back on the documented route is not a warning'
            $typed = Export-DailyUsage -SubscriptionId $paygSub -StartDate $m1 -EndDate $m1End -Path (Join-Path $dir 'payg-native-typed.csv') -Schema Native -WarningVariable w2 3>$null
            @($w2) | Should -HaveCount 1
            "$w2" | Should -Match 'Normalized'
            $typed.Schema | Should -Be 'Normalized'
            $file.Schema | Should -Be 'Normalized'
            $expected = Get-ExpectedUsage -World $world -Scope $paygScope -Month $m1
            $file.RowCount | Should -Be $expected.Rows
            Format-CostTable $file.CostByCurrency | Should -Be (Format-CostTable $expected.Cost)
        }
    }

    Context 'Normalized schema' {
        It '<Name> (<Ext>): export then import gives the records, count and total of Get-DailyUsage and of the world' -ForEach @(
            @{ Name = 'EA billing account'; Kind = 'Ea'; Ext = '.csv' }
            @{ Name = 'MCA billing account (two currencies)'; Kind = 'Mca'; Ext = '.csv.gz' }
            @{ Name = 'pay-as-you-go subscription'; Kind = 'Payg'; Ext = '.csv.gz' }
        ) {
            $params = switch ($Kind) {
                'Ea' { @{ BillingAccountName = $eaName } }
                'Mca' { @{ BillingAccountName = $mcaName } }
                'Payg' { @{ SubscriptionId = $paygSub; AgreementType = 'MicrosoftOnlineServicesProgram' } }
            }
            $scope = @{ Ea = $eaScope; Mca = $mcaScope; Payg = $paygScope }[$Kind]
            $path = Join-Path $dir "normalized-$Kind$Ext"
            $file = Export-DailyUsage @params -StartDate $m2 -EndDate $m1End -Path $path -Schema Normalized
            $live = Get-DailyUsage @params -StartDate $m2 -EndDate $m1End
            $imported = Import-DailyUsage -Path $path
            $expected = Get-ExpectedUsage -World $world -Scope $scope -Month $m2, $m1

            $file.Schema | Should -Be 'Normalized'
            $file.RowCount | Should -Be $expected.Rows
            Format-CostTable $file.CostByCurrency | Should -Be (Format-CostTable $expected.Cost)
            @($imported).Count | Should -Be $expected.Rows
            @($live).Count | Should -Be $expected.Rows
            Format-CostTable (Measure-Usage $imported).Cost | Should -Be (Format-CostTable $expected.Cost)
            Format-CostTable (Measure-Usage $live).Cost | Should -Be (Format-CostTable $expected.Cost)
            Get-RowKey $imported | Should -Be (Get-RowKey $live) -Because 'the same records'
            $imported[0].SourceFormat | Should -Be $live[0].SourceFormat -Because 'the Normalized file keeps where each record came from'
            if ($Kind -eq 'Mca') { $file.CostByCurrency.Keys.Count | Should -Be 2 }
        }

        It 'writes the same bytes, gzip-compressed, to .csv.gz' {
            $a = Join-Path $dir 'same.csv'; $b = Join-Path $dir 'same.csv.gz'
            $fa = Export-DailyUsage -BillingAccountName $eaName -StartDate $m1 -EndDate $m1End -Path $a -Schema Normalized
            $fb = Export-DailyUsage -BillingAccountName $eaName -StartDate $m1 -EndDate $m1End -Path $b -Schema Normalized
            [IO.File]::ReadAllBytes($b)[0..1] | Should -Be @(0x1F, 0x8B)
            [Convert]::ToHexString([Security.Cryptography.SHA256]::HashData([byte[]](Expand-GzipFile $b))) | Should -Be (Get-FileHashHex $a)
            $fb.RowCount | Should -Be $fa.RowCount
            $fb.Length | Should -BeLessThan $fa.Length
        }

        It 'has the same header for every agreement type, with a BOM' {
            $a = Join-Path $dir 'hdr-ea.csv'; $b = Join-Path $dir 'hdr-payg.csv'
            $null = Export-DailyUsage -BillingAccountName $eaName -StartDate $m1 -EndDate $m1 -Path $a -Schema Normalized
            $null = Export-DailyUsage -SubscriptionId $paygSub -AgreementType MicrosoftOnlineServicesProgram -StartDate $m1 -EndDate $m1 -Path $b -Schema Normalized
            [IO.File]::ReadAllBytes($a)[0..2] | Should -Be @(0xEF, 0xBB, 0xBF)
            $ha = (Get-Content -LiteralPath $a -TotalCount 1)
            $ha | Should -Be (Get-Content -LiteralPath $b -TotalCount 1)
            $ha | Should -Match '^Date,.*\bCost\b.*\bCurrency\b.*\bTags\b'
        }

        It 'keeps numbers exactly as the service wrote them (cost and quantity text equal the Native file''s)' {
            $native = Join-Path $dir 'num-native.csv'; $norm = Join-Path $dir 'num-normalized.csv'
            $null = Export-DailyUsage -BillingAccountName $eaName -StartDate $m1 -EndDate $m1End -Path $native
            $null = Export-DailyUsage -BillingAccountName $eaName -StartDate $m1 -EndDate $m1End -Path $norm -Schema Normalized
            $n = Import-Csv -LiteralPath $native
            $z = Import-Csv -LiteralPath $norm
            @($n).Count | Should -Be (Get-ExpectedUsage -World $world -Scope "/providers/Microsoft.Billing/billingAccounts/$eaName" -Month $m1).Rows
            $z.Count | Should -Be $n.Count
            (@($z.Cost) | Sort-Object) -join ',' | Should -Be ((@($n.CostInBillingCurrency) | Sort-Object) -join ',')
            (@($z.Quantity) | Sort-Object) -join ',' | Should -Be ((@($n.Quantity) | Sort-Object) -join ',')
            @($z.Cost | Where-Object { $_ -like "'*" }) | Should -BeNullOrEmpty -Because 'numbers are never escaped'
        }

        It 'carries the spreadsheet-formula tag value through export and import unchanged' {
            $path = Join-Path $dir 'formula.csv'
            $null = Export-DailyUsage -BillingAccountName $mcaName -BillingProfileName $mcaProfile -StartDate $m1 -EndDate $m1End -Path $path -Schema Normalized
            $payload = "=cmd|' /C calc'!A0"
            $imported = Import-DailyUsage -Path $path
            $live = Get-DailyUsage -BillingAccountName $mcaName -BillingProfileName $mcaProfile -StartDate $m1 -EndDate $m1End
            $withPayload = @($imported | Where-Object { $_.Tags['env'] -eq $payload }).Count
            $withPayload | Should -BeGreaterThan 0
            $withPayload | Should -Be @($live | Where-Object { $_.Tags['env'] -eq $payload }).Count
            # In the file the payload sits inside the Tags JSON object, which starts with '{': no cell starts with a
            # formula character (a minus only as a negative number).
            $bad = foreach ($row in (Import-Csv -LiteralPath $path)) {
                foreach ($p in $row.PSObject.Properties) {
                    $v = [string]$p.Value
                    if ($v -match '^[=+@\t\r]' -or ($v -match '^-' -and $v -notmatch '^-[\d.]+$')) { "$($p.Name)=$v" }
                }
            }
            $bad | Should -BeNullOrEmpty
        }

        It '-NoFormulaEscape changes nothing else: the same bytes when no text needs escaping' {
            $a = Join-Path $dir 'esc-default.csv'; $b = Join-Path $dir 'esc-off.csv'
            $null = Export-DailyUsage -BillingAccountName $mcaName -BillingProfileName $mcaProfile -StartDate $m1 -EndDate $m1End -Path $a -Schema Normalized
            $null = Export-DailyUsage -BillingAccountName $mcaName -BillingProfileName $mcaProfile -StartDate $m1 -EndDate $m1End -Path $b -Schema Normalized -NoFormulaEscape
            (Get-Item $b).Length | Should -BeGreaterThan 1000
            Get-FileHashHex $a | Should -Be (Get-FileHashHex $b)
        }
    }

    Context 'paths and pipeline input' {
        It 'resolves a relative -Path against the current location' {
            Push-Location -LiteralPath $dir
            try { $file = Export-DailyUsage -BillingAccountName $eaName -StartDate $m1 -EndDate $m1End -Path 'relative.csv' }
            finally { Pop-Location }
            $file.FullName | Should -Be (Join-Path $dir 'relative.csv')
            Test-Path -LiteralPath (Join-Path $dir 'relative.csv') | Should -BeTrue
        }

        It 'takes the billing account from Get-BillingAccount' {
            $path = Join-Path $dir 'piped-account.csv'
            $file = Get-BillingAccount | Where-Object Name -eq $eaName | Export-DailyUsage -StartDate $m2 -EndDate $m1End -Path $path
            Get-FileHashHex $path | Should -Be $eaNativeHash
            $file.RowCount | Should -Be $eaClean.Count
        }

        It 'never lets a second piped scope overwrite the file of the first, even with -Force' {
            $path = Join-Path $dir 'two-profiles.csv'
            $profiles = @(Get-BillingAccount | Where-Object Name -eq $mcaName | Get-BillingProfile)
            $profiles | Should -HaveCount 2
            $files = @($profiles | Export-DailyUsage -StartDate $m1 -EndDate $m1End -Path $path -Schema Normalized -Force -ErrorVariable errs -ErrorAction SilentlyContinue)
            $files | Should -HaveCount 1
            $errs | Should -HaveCount 1
            Assert-BillingError $errs[0] 'PathAlreadyWritten' ResourceExists
            $first = "$mcaScope/billingProfiles/$($profiles[0].Name)"
            $expected = Get-ExpectedUsage -World $world -Scope $first -Month $m1
            $imported = @(Import-DailyUsage -Path $path)
            $imported | Should -HaveCount $expected.Rows -Because 'the file still holds the first profile''s usage'
            Format-CostTable (Measure-Usage $imported).Cost | Should -Be (Format-CostTable $expected.Cost)
            $files[0].RowCount | Should -Be $expected.Rows
        }
    }

    Context 'a period without usage' {
        It 'writes a file with the Normalized header and no rows for <Schema> (today: no usage yet; Native warns)' -ForEach @(
            @{ Schema = 'Native' }
            @{ Schema = 'Normalized' }
        ) {
            $path = Join-Path $dir "empty-$Schema.csv"
            $today = [DateTime]::UtcNow.Date
            $file = Export-DailyUsage -BillingAccountName $eaName -StartDate $today -EndDate $today -Path $path -Schema $Schema -WarningVariable w -ErrorVariable errs 3>$null
            $errs | Should -BeNullOrEmpty
            $file.RowCount | Should -Be 0
            Test-Path -LiteralPath $path | Should -BeTrue
            (Get-Content -LiteralPath $path -TotalCount 1) | Should -Match '^Date,'
            @(Import-DailyUsage -Path $path -ErrorVariable importErrors) | Should -HaveCount 0
            $importErrors | Should -BeNullOrEmpty
            if ($Schema -eq 'Native') { "$w" | Should -Match 'No usage' }
            Get-Leftover $dir | Should -BeNullOrEmpty
        }
    }

    Context 'secrets' {
        It 'shows no token and no SAS signature in any stream, with -Verbose and -Debug' {
            $path = Join-Path $dir 'secrets.csv'
            $all = & {
                $VerbosePreference = 'Continue'; $DebugPreference = 'Continue'; $InformationPreference = 'Continue'
                Export-DailyUsage -BillingAccountName $eaName -StartDate $m1 -EndDate $m1End -Path $path -Verbose -Debug
            } *>&1
            @($all | Where-Object { $_ -is [System.Management.Automation.DebugRecord] }).Count | Should -BeGreaterThan 0 -Because 'the debug stream was on'
            Find-Secret -Text @($all) -Secret $emu.Token | Should -BeNullOrEmpty
            Test-Path -LiteralPath $path | Should -BeTrue
        }
    }

    Context '-Force, -NoClobber and -WhatIf' {
        It 'refuses to replace a file without -Force, before any request, and leaves it as it was' {
            $path = Join-Path $dir 'exists.csv'
            Set-Content -LiteralPath $path -Value 'keep me'
            $err = Get-ErrorFromCommand { Export-DailyUsage -BillingAccountName $eaName -StartDate $m1 -EndDate $m1End -Path $path }
            Assert-BillingError $err 'FileExists' ResourceExists
            Get-Content -LiteralPath $path | Should -Be 'keep me'
            (Get-EmulatorStats $emu).totalRequests | Should -Be 0
        }

        It 'refuses with -NoClobber even with -Force' {
            $path = Join-Path $dir 'noclobber.csv'
            Set-Content -LiteralPath $path -Value 'keep me'
            $err = Get-ErrorFromCommand { Export-DailyUsage -BillingAccountName $eaName -StartDate $m1 -EndDate $m1End -Path $path -Force -NoClobber }
            Assert-BillingError $err 'FileExists' ResourceExists
            Get-Content -LiteralPath $path | Should -Be 'keep me'
        }

        It 'replaces the file with -Force' {
            $path = Join-Path $dir 'force.csv'
            Set-Content -LiteralPath $path -Value 'old'
            $file = Export-DailyUsage -BillingAccountName $eaName -StartDate $m2 -EndDate $m1End -Path $path -Force
            Get-FileHashHex $path | Should -Be $eaNativeHash
            $file.RowCount | Should -Be $eaClean.Count
            Get-Leftover $dir | Should -BeNullOrEmpty
        }

        It '-WhatIf writes nothing and asks the service nothing' {
            $path = Join-Path $dir 'whatif.csv'
            $out = Export-DailyUsage -BillingAccountName $eaName -StartDate $m1 -EndDate $m1End -Path $path -WhatIf
            $out | Should -BeNullOrEmpty
            Test-Path -LiteralPath $path | Should -BeFalse
            Get-Leftover $dir | Should -BeNullOrEmpty
            (Get-EmulatorStats $emu).totalRequests | Should -Be 0
        }
    }

    Context 'faults do not change a byte' -Tag 'NoClock' {
        It 'connection resets in the middle of CSV blobs' {
            $null = Set-EmulatorFaults $emu @{ faultResetRate = 0.3; resetTargets = @('csv') }
            $hashes = Invoke-UntilFaulted -Emulator $emu -Kind 'reset-csv' -ScriptBlock {
                $path = Join-Path $dir "reset-$([guid]::NewGuid()).csv"
                $null = Export-DailyUsage -BillingAccountName $eaName -StartDate $m2 -EndDate $m1End -Path $path
                Get-FileHashHex $path
            }
            Get-EmulatorFaultCount (Get-EmulatorStats $emu) 'reset-csv' | Should -BeGreaterThan 0
            $hashes | ForEach-Object { $_ | Should -Be $eaNativeHash }
        }

        It 'a 429 storm on the report requests and polls (every header kind in turn)' {
            $null = Set-EmulatorFaults $emu @{ fault429Rate = 0.3; fault429Header = 'rotate'; pathContains = 'CostDetails' }
            $hashes = for ($i = 0; $i -lt 4; $i++) {
                $path = Join-Path $dir "storm-$i.csv"
                $null = Export-DailyUsage -BillingAccountName $eaName -StartDate $m2 -EndDate $m1End -Path $path
                Get-FileHashHex $path
                if ((Get-EmulatorStats $emu).totalFaults -ge 2) { break }
            }
            (Get-EmulatorStats $emu).totalFaults | Should -BeGreaterThan 0
            $hashes | Sort-Object -Unique | Should -Be $eaNativeHash
        }

        It 'a SAS link that expired before the download: the report is asked for again, the file is unchanged' {
            # The first link the emulator issues has already expired; the renewed report's links work.
            $null = Set-EmulatorFaults $emu @{ sasMode = 'expired'; sasExpiredLinks = 1 }
            $path = Join-Path $dir 'sas.csv'
            $null = Export-DailyUsage -BillingAccountName $eaName -StartDate $m2 -EndDate $m1End -Path $path
            Get-EmulatorFaultCount (Get-EmulatorStats $emu) 'blob-expired' | Should -BeGreaterThan 0
            Get-FileHashHex $path | Should -Be $eaNativeHash
        }
    }

    Context 'a stopped or failed export leaves nothing behind' -Tag 'NoClock' {
        It 'an export stopped mid-way leaves no file at -Path and no temporary file' {
            $folder = Join-Path $dir 'stopped'
            $null = New-Item -ItemType Directory -Path $folder
            $path = Join-Path $folder 'stopped.csv'
            # Slow every request down so that the export is surely still running when it is stopped.
            $null = Set-EmulatorFaults $emu @{ latencyMs = 250 }
            $ps = [powershell]::Create()
            $null = $ps.AddScript({
                param($module, $url, $token, $account, $start, $end, $path)
                $ProgressPreference = 'SilentlyContinue'
                Import-Module $module
                $null = Connect-BillingAccount -ResourceManagerUrl $url -AccessToken $token
                Export-DailyUsage -BillingAccountName $account -StartDate $start -EndDate $end -Path $path
            }).AddArgument((Get-TestModulePath)).AddArgument($emu.ArmUrl).AddArgument($emu.SecureToken).AddArgument($eaName).AddArgument($m3).AddArgument($m1End).AddArgument($path)
            $handle = $ps.BeginInvoke()
            try {
                $deadline = [DateTime]::UtcNow.AddSeconds(60)
                while (-not (Get-Leftover $folder) -and -not $handle.IsCompleted -and [DateTime]::UtcNow -lt $deadline) { Start-Sleep -Milliseconds 20 }
                $sawTemp = [bool](Get-Leftover $folder)
                $sw = [Diagnostics.Stopwatch]::StartNew()
                $ps.Stop()
                $sw.Stop()
            }
            finally { $ps.Dispose() }
            $sawTemp | Should -BeTrue -Because 'the export was under way (its temporary file existed) when it was stopped'
            $sw.Elapsed.TotalSeconds | Should -BeLessThan 15 -Because 'stopping is prompt'
            # Stop() waits a bounded grace for the work to clean up; a loaded machine may finish the cleanup just after.
            $deadline = [DateTime]::UtcNow.AddSeconds(30)
            while ((Get-ChildItem -LiteralPath $folder -Force) -and [DateTime]::UtcNow -lt $deadline) { Start-Sleep -Milliseconds 50 }
            Test-Path -LiteralPath $path | Should -BeFalse
            Get-ChildItem -LiteralPath $folder -Force | Should -BeNullOrEmpty -Because 'no temporary file is left'
        }

        It 'an export that fails (download links refused every time) leaves no file and no temporary file' {
            $folder = Join-Path $dir 'failed'
            $null = New-Item -ItemType Directory -Path $folder
            $path = Join-Path $folder 'failed.csv'
            $null = Set-EmulatorFaults $emu @{ sasMode = 'expired' }
            $err = Get-ErrorFromCommand { Export-DailyUsage -BillingAccountName $eaName -StartDate $m1 -EndDate $m1End -Path $path }
            Assert-BillingError $err 'DownloadRefused' ResourceUnavailable
            Test-Path -LiteralPath $path | Should -BeFalse
            Get-ChildItem -LiteralPath $folder -Force | Should -BeNullOrEmpty
            Find-Secret -Text @($err) -Secret $emu.Token | Should -BeNullOrEmpty
        }
    }

    Context 'bad input is refused before any request' {
        It '<Name>' -ForEach @(
            @{ Name = 'a -Path in a missing folder'; Id = 'FolderNotFound'; Category = 'ObjectNotFound'; Call = { Export-DailyUsage -BillingAccountName $eaName -StartDate $m1 -EndDate $m1End -Path (Join-Path $dir 'missing/usage.csv') } }
            @{ Name = 'a -Path that is a folder'; Id = 'PathIsAFolder'; Category = 'InvalidArgument'; Call = { Export-DailyUsage -BillingAccountName $eaName -StartDate $m1 -EndDate $m1End -Path (Join-Path $dir 'folder.csv') } }
            @{ Name = 'a wrong extension'; Id = 'UnsupportedExtension'; Category = 'InvalidArgument'; Call = { Export-DailyUsage -BillingAccountName $eaName -StartDate $m1 -EndDate $m1End -Path (Join-Path $dir 'usage.xlsx') } }
            @{ Name = 'a wildcard in -Path'; Id = 'WildcardNotSupported'; Category = 'InvalidArgument'; Call = { Export-DailyUsage -BillingAccountName $eaName -StartDate $m1 -EndDate $m1End -Path (Join-Path $dir 'usage*.csv') } }
            @{ Name = 'end before start'; Id = 'EndBeforeStart'; Category = 'InvalidArgument'; Call = { Export-DailyUsage -BillingAccountName $eaName -StartDate $m1End -EndDate $m1 -Path (Join-Path $dir 'bad1.csv') } }
            @{ Name = 'dates in the future'; Id = 'EndDateInFuture'; Category = 'InvalidArgument'; Call = { Export-DailyUsage -BillingAccountName $eaName -StartDate $m1 -EndDate ([DateTime]::UtcNow.Date.AddDays(3)) -Path (Join-Path $dir 'bad2.csv') } }
            @{ Name = 'older than 13 months'; Id = 'StartDateTooOld'; Category = 'InvalidArgument'; Call = { Export-DailyUsage -BillingAccountName $eaName -StartDate ([DateTime]::UtcNow.Date.AddMonths(-16)) -EndDate ([DateTime]::UtcNow.Date.AddMonths(-15)) -Path (Join-Path $dir 'bad3.csv') } }
            @{ Name = 'conflicting time parameters'; Id = 'ConflictingTimeParameters'; Category = 'InvalidArgument'; Call = { Export-DailyUsage -BillingAccountName $eaName -EndDate $m1End -BillingPeriodName '202401' -Path (Join-Path $dir 'bad4.csv') } }
            @{ Name = 'missing scope'; Id = 'ScopeRequired'; Category = 'InvalidArgument'; Call = { Export-DailyUsage -StartDate $m1 -EndDate $m1End -Path (Join-Path $dir 'bad5.csv') } }
            @{ Name = 'an unknown schema'; Id = 'ParameterArgumentValidationError'; Category = 'InvalidData'; Call = { Export-DailyUsage -BillingAccountName $eaName -Schema Excel -Path (Join-Path $dir 'bad6.csv') } }
        ) {
            $before = @(Get-ChildItem -LiteralPath $dir -Recurse -Force).Count
            $err = Get-ErrorFromCommand $Call
            Assert-BillingError $err $Id $Category
            (Get-EmulatorStats $emu).totalRequests | Should -Be 0 -Because 'nothing is sent for bad input'
            @(Get-ChildItem -LiteralPath $dir -Recurse -Force).Count | Should -Be $before -Because 'nothing is written'
        }
    }
}
