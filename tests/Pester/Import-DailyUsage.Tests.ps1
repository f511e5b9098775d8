# Import-DailyUsage through the real module: every recognised format from small files made here (EA 2021-10-01 and
# 2023-12-01, an EA portal-download variant, MCA 2023-12-01, pay-as-you-go 2019-11-01, the legacy portal file with its
# Statement and Daily usage sections, our Normalized export), with the variations of files in the wild (BOM or not,
# CRLF or LF, MM/dd/yyyy dates, tags with and without braces, other column order and case, empty fields), .csv.gz,
# wildcards, several files, pipeline from Get-ChildItem, formula escapes removed, a bad row (non-terminating, file and
# line named, the rest read), an unknown format, binary garbage, missing paths and folders.
# Export then import against the emulator is in Export-DailyUsage.Tests.ps1; here one Normalized export is imported.

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Import-Module (Join-Path $PSScriptRoot 'UsageTestHelpers.psm1') -Force
    if (-not (Get-Module BillingPowerShell)) { Import-Module (Get-TestModulePath) }
    $ProgressPreference = 'SilentlyContinue'
    $script:dir = Join-Path ([IO.Path]::GetTempPath()) ('bps-import-' + [Guid]::NewGuid().ToString('n').Substring(0, 8))
    $null = New-Item -ItemType Directory -Path $dir

    # The documented column orders.
    $script:Ea2021 = 'CostInBillingCurrency,AccountName,AccountOwnerId,ProductName,ConsumedService,InvoiceSectionName,SubscriptionId,SubscriptionName,Date,MeterId,MeterCategory,MeterSubCategory,MeterRegion,MeterName,Quantity,ResourceLocation,ResourceId,ServiceInfo1,ServiceInfo2,AdditionalInfo,Tags,CostCenter,UnitOfMeasure,ResourceGroup,PartNumber,OfferId,ChargeType,EffectivePrice,UnitPrice,ReservationId,ReservationName,ResourceName,ProductOrderId,ProductOrderName,PlanName,PublisherName,PublisherType,Term,BillingAccountId,BillingAccountName,BillingProfileName,BillingProfileId,BillingCurrencyCode,ServiceFamily,Frequency,IsAzureCreditEligible,PayGPrice,PricingModel,BillingPeriodStartDate,BillingPeriodEndDate,AvailabilityZone,InvoiceSectionId,CostAllocationRuleName,benefitId,benefitName' -split ','
    $script:Ea2023 = 'InvoiceSectionName,AccountName,AccountOwnerId,SubscriptionId,SubscriptionName,ResourceGroup,ResourceLocation,Date,ProductName,MeterCategory,MeterSubCategory,MeterId,MeterName,MeterRegion,UnitOfMeasure,Quantity,EffectivePrice,CostInBillingCurrency,CostCenter,ConsumedService,ResourceId,Tags,OfferId,AdditionalInfo,ServiceInfo1,ServiceInfo2,ResourceName,ReservationId,ReservationName,UnitPrice,ProductOrderId,ProductOrderName,Term,PublisherType,PublisherName,ChargeType,Frequency,PricingModel,AvailabilityZone,BillingAccountId,BillingAccountName,BillingCurrencyCode,BillingPeriodStartDate,BillingPeriodEndDate,BillingProfileId,BillingProfileName,InvoiceSectionId,IsAzureCreditEligible,PartNumber,PayGPrice,PlanName,ServiceFamily,CostAllocationRuleName,benefitId,benefitName' -split ','
    $script:Mca2023 = 'invoiceId,previousInvoiceId,billingAccountId,billingAccountName,billingProfileId,billingProfileName,invoiceSectionId,invoiceSectionName,resellerName,resellerMpnId,costCenter,billingPeriodEndDate,billingPeriodStartDate,servicePeriodEndDate,servicePeriodStartDate,date,serviceFamily,productOrderId,productOrderName,consumedService,meterId,meterName,meterCategory,meterSubCategory,meterRegion,ProductId,ProductName,SubscriptionId,subscriptionName,publisherType,publisherId,publisherName,resourceGroupName,ResourceId,resourceLocation,location,effectivePrice,quantity,unitOfMeasure,chargeType,billingCurrency,pricingCurrency,costInBillingCurrency,costInPricingCurrency,costInUsd,paygCostInBillingCurrency,paygCostInUsd,exchangeRatePricingToBilling,exchangeRateDate,isAzureCreditEligible,serviceInfo1,serviceInfo2,additionalInfo,tags,PayGPrice,frequency,term,reservationId,reservationName,pricingModel,unitPrice,costAllocationRuleName,benefitId,benefitName,provider' -split ','
    $script:Payg2019 = 'SubscriptionGuid,ResourceGroup,ResourceLocation,UsageDateTime,MeterCategory,MeterSubCategory,MeterId,MeterName,MeterRegion,UsageQuantity,ResourceRate,PreTaxCost,ConsumedService,ResourceType,InstanceId,Tags,OfferId,AdditionalInfo,ServiceInfo1,ServiceInfo2,ServiceName,ServiceTier,Currency,UnitOfMeasure' -split ','
    $script:LegacyStatement = 'Billing Period,Meter Category,Meter Sub-Category,Meter Name,Meter Region,SKU,Unit,Consumed Quantity,Included Quantity,Overage Quantity,Within Commitment,Currency,Overage,Commitment Rate,Rate,Value' -split ','
    $script:LegacyDaily = 'Usage Date,Meter Category,Meter ID,Meter Sub-Category,Meter Name,Meter Region,Unit,Consumed Quantity,Resource Location,Consumed Service,Resource Group,Instance ID,Tags,Additional Info,Service Info 1,Service Info 2' -split ','

    $script:SubUpper = 'AABBCCDD-0000-1111-2222-333344445555'
    $script:Sub = $SubUpper.ToLowerInvariant()
    # Three rows per file: costs 1.5, 2.25 and 0.000001 (total 3.750001), quantities 1, 2, 3, days 3, 4 and 5 March 2025.
    $script:Costs = '1.5', '2.25', '0.000001'
    $script:Days = [datetime]'2025-03-03', [datetime]'2025-03-04', [datetime]'2025-03-05'

    function script:ConvertTo-CsvField([string] $Value) {
        if ($Value.IndexOfAny([char[]]@(',', '"', "`r", "`n")) -ge 0) { '"' + $Value.Replace('"', '""') + '"' } else { $Value }
    }
    # A CSV text: the header, then one line per row, values chosen by column name (others empty).
    function script:New-CsvText([string[]] $Header, [hashtable[]] $Rows, [string] $NewLine = "`r`n") {
        $sb = [Text.StringBuilder]::new()
        $null = $sb.Append((($Header | ForEach-Object { ConvertTo-CsvField $_ }) -join ',')).Append($NewLine)
        foreach ($r in $Rows) {
            $null = $sb.Append((($Header | ForEach-Object { ConvertTo-CsvField ([string]$r[$_]) }) -join ',')).Append($NewLine)
        }
        $sb.ToString()
    }
    function script:Write-TestFile([string] $Name, [string] $Text, [switch] $Bom, [switch] $Gzip) {
        $path = Join-Path $dir $Name
        $bytes = [Text.Encoding]::UTF8.GetBytes($Text)
        if ($Bom) { $bytes = [byte[]](0xEF, 0xBB, 0xBF) + $bytes }
        if ($Gzip) {
            $ms = [IO.MemoryStream]::new()
            $gz = [IO.Compression.GZipStream]::new($ms, [IO.Compression.CompressionLevel]::Optimal)
            $gz.Write($bytes, 0, $bytes.Length); $gz.Dispose()
            $bytes = $ms.ToArray()
        }
        [IO.File]::WriteAllBytes($path, $bytes)
        $path
    }
    function script:Get-Total($Records) { $t = [decimal]0; foreach ($r in $Records) { $t += [decimal]$r.Cost }; $t }

    # --- the files ---------------------------------------------------------------------------------------------
    $rows = for ($i = 0; $i -lt 3; $i++) {
        @{ CostInBillingCurrency = $Costs[$i]; BillingCurrencyCode = 'EUR'; SubscriptionId = $SubUpper; SubscriptionName = 'EA Prod'
           Date = $Days[$i].ToString('yyyy-MM-dd'); Quantity = "$($i + 1)"; MeterCategory = 'Storage'; MeterId = "m-$i"
           ResourceGroup = 'rg-Web'; ResourceId = "/subscriptions/$Sub/resourceGroups/rg-Web/providers/Microsoft.Storage/storageAccounts/st$i"
           Tags = '{"env": "prod", "team": "web"}'; InvoiceSectionName = 'Finance'; ProductName = 'Blob'; EffectivePrice = '0.5' }
    }
    $script:files = [ordered]@{}
    $files.Ea2021 = Write-TestFile 'ea-2021.csv' (New-CsvText $Ea2021 $rows) -Bom
    # EA 2023-12-01: no BOM, LF line ends, MM/dd/yyyy dates, tags without the braces.
    $rows23 = foreach ($r in $rows) { $c = $r.Clone(); $c.Date = ([datetime]$r.Date).ToString('MM/dd/yyyy', [cultureinfo]::InvariantCulture); $c.Tags = '"env": "prod","team": "web"'; $c }
    $files.Ea2023 = Write-TestFile 'ea-2023.csv' (New-CsvText $Ea2023 $rows23 -NewLine "`n")
    # An EA file as the portal hands it out: other order, other case, an empty field.
    $variant = 'date,subscriptionid,costinbillingcurrency,billingcurrencycode,metercategory,meterid,quantity,resourcegroup,resourceid,tags,accountname,invoicesectionname' -split ','
    $files.EaVariant = Write-TestFile 'ea-portal.csv' (New-CsvText $variant $rows) -Bom
    $mcaRows = for ($i = 0; $i -lt 3; $i++) {
        @{ costInBillingCurrency = $Costs[$i]; billingCurrency = 'GBP'; pricingCurrency = 'USD'; SubscriptionId = $Sub; date = $Days[$i].ToString('MM/dd/yyyy', [cultureinfo]::InvariantCulture)
           quantity = "$($i + 1)"; meterCategory = 'Storage'; meterId = "m-$i"; resourceGroupName = 'rg-Web'; ResourceId = "/subscriptions/$Sub/resourceGroups/rg-Web/providers/Microsoft.Storage/storageAccounts/st$i"
           tags = '"env": "prod"'; invoiceSectionName = 'Engineering'; invoiceId = 'G000000001'; ProductName = 'Blob' }
    }
    $files.Mca2023 = Write-TestFile 'mca-2023.csv' (New-CsvText $Mca2023 $mcaRows) -Bom
    $paygRows = for ($i = 0; $i -lt 3; $i++) {
        @{ PreTaxCost = $Costs[$i]; Currency = 'USD'; SubscriptionGuid = $SubUpper; UsageDateTime = $Days[$i].ToString('yyyy-MM-dd'); UsageQuantity = "$($i + 1)"
           MeterCategory = 'Storage'; MeterId = "m-$i"; ResourceGroup = 'rg-Web'; InstanceId = "/subscriptions/$Sub/resourceGroups/rg-Web/providers/Microsoft.Storage/storageAccounts/st$i"
           Tags = '{"env":"prod"}' }
    }
    $files.Payg2019 = Write-TestFile 'payg-2019.csv' (New-CsvText $Payg2019 $paygRows -NewLine "`n")
    $legacy = 'Statement' + "`r`n" + (New-CsvText $LegacyStatement @(@{ 'Billing Period' = '03/01/2025 - 03/31/2025'; 'Meter Category' = 'Storage'; 'Consumed Quantity' = '6'; Currency = 'USD'; Value = '3.75' })) +
        "`r`nDaily Usage`r`n" +
        (New-CsvText $LegacyDaily @(for ($i = 0; $i -lt 3; $i++) {
            @{ 'Usage Date' = $Days[$i].ToString('M/d/yyyy', [cultureinfo]::InvariantCulture); 'Meter Category' = 'Storage'; 'Meter ID' = "m-$i"; 'Consumed Quantity' = "$($i + 1)"
               'Resource Group' = 'rg-Web'; 'Instance ID' = "/subscriptions/$SubUpper/resourceGroups/rg-Web/providers/Microsoft.Storage/storageAccounts/st$i"; Tags = '"env": "prod"' }
        })) + "`r`nProvisioning Status`r`nSubscription Name,Subscription ID,Status`r`nSub,1234,Active`r`n"
    $files.Legacy = Write-TestFile 'legacy-portal.csv' $legacy -Bom
}

AfterAll {
    if ($script:dir) { Remove-Item -LiteralPath $script:dir -Recurse -Force -ErrorAction Ignore }
}

Describe 'Import-DailyUsage' {
    Context 'every recognised format' {
        It 'reads <Format> (<Note>)' -ForEach @(
            @{ Key = 'Ea2021'; Format = 'EaCostDetails2021'; Currency = 'EUR'; Note = 'BOM, CRLF, ISO dates, tags as a JSON object' }
            @{ Key = 'Ea2023'; Format = 'EaCostDetails2023'; Currency = 'EUR'; Note = 'no BOM, LF, MM/dd/yyyy dates, tags without braces' }
            @{ Key = 'EaVariant'; Format = 'EaCostDetailsVariant'; Currency = 'EUR'; Note = 'portal download: other order and case, empty fields' }
            @{ Key = 'Mca2023'; Format = 'McaCostDetails2023'; Currency = 'GBP'; Note = 'MM/dd/yyyy dates, tags without braces' }
            @{ Key = 'Payg2019'; Format = 'PayAsYouGo2019'; Currency = 'USD'; Note = 'LF, upper-case subscription GUID' }
        ) {
            $records = @(Import-DailyUsage -Path $files[$Key] -ErrorVariable errs)
            $errs | Should -BeNullOrEmpty
            $records | Should -HaveCount 3
            $records[0].GetType().FullName | Should -Be 'BillingPowerShell.UsageRecord'
            $records.SourceFormat | Sort-Object -Unique | Should -Be $Format
            Get-Total $records | Should -Be ([decimal]'3.750001')
            $records.Currency | Sort-Object -Unique | Should -Be $Currency
            ($records.Date | ForEach-Object { $_.ToString('yyyy-MM-dd') }) -join ',' | Should -Be '2025-03-03,2025-03-04,2025-03-05'
            $records.Date | ForEach-Object { $_.Kind | Should -Be 'Utc' }
            $records.SubscriptionId | Sort-Object -Unique | Should -Be $Sub
            ($records.Quantity | ForEach-Object { [decimal]$_ }) -join ',' | Should -Be '1,2,3'
            $records.ResourceGroup | Sort-Object -Unique | Should -Be 'rg-Web'
            $records[2].ResourceId | Should -BeLike '*/storageAccounts/st2'
            $records | ForEach-Object { $_.Tags['ENV'] | Should -Be 'prod' }
            $records[0].Cost | Should -BeOfType ([decimal])
        }

        It 'reads the legacy portal file: skips the Statement section, reads the Daily usage section (no cost)' {
            $records = @(Import-DailyUsage -Path $files.Legacy -ErrorVariable errs)
            $errs | Should -BeNullOrEmpty
            $records | Should -HaveCount 3
            $records.SourceFormat | Sort-Object -Unique | Should -Be 'LegacyPortalDailyUsage'
            ($records.Date | ForEach-Object { $_.ToString('yyyy-MM-dd') }) -join ',' | Should -Be '2025-03-03,2025-03-04,2025-03-05'
            $records | ForEach-Object { $_.Cost | Should -BeNullOrEmpty }
            ($records.Quantity | ForEach-Object { [decimal]$_ }) -join ',' | Should -Be '1,2,3'
            $records.SubscriptionId | Sort-Object -Unique | Should -Be $Sub
            $records[0].Tags['env'] | Should -Be 'prod'
        }

        It 'reads our Normalized export (hand-made): formula escapes removed, numbers as written' {
            $header = 'Date,BillingAccountId,BillingProfileId,InvoiceSectionName,SubscriptionId,SubscriptionName,ResourceGroup,ResourceId,ResourceName,ResourceLocation,MeterId,MeterCategory,MeterSubCategory,MeterName,MeterRegion,ServiceFamily,Product,Quantity,UnitOfMeasure,EffectivePrice,UnitPrice,Cost,Currency,ChargeType,PricingModel,Frequency,ReservationId,ReservationName,BenefitName,InvoiceId,CostCenter,PublisherType,PublisherName,Tags,AdditionalInfo,SourceFormat' -split ','
            $rows = @(
                @{ Date = '2025-03-03'; SubscriptionId = $Sub; ResourceGroup = "'=SUM(A1:A9)"; MeterId = 'm-0'; Quantity = '1'; Cost = '-1.5'; Currency = 'USD'; SubscriptionName = "'+44 sales"; Product = "'@import"; Tags = '{"env":"=cmd|'' /C calc''!A0"}'; SourceFormat = 'EaCostDetails2023' }
                @{ Date = '2025-03-04'; SubscriptionId = $Sub; ResourceGroup = "'-rg"; MeterId = 'm-1'; Quantity = '2'; Cost = '2.250000'; Currency = 'USD'; SubscriptionName = "it's"; Product = "''=twice"; SourceFormat = 'EaCostDetails2023' }
            )
            $path = Write-TestFile 'normalized.csv' (New-CsvText $header $rows) -Bom
            $records = @(Import-DailyUsage -Path $path)
            $records | Should -HaveCount 2
            $records.SourceFormat | Sort-Object -Unique | Should -Be 'EaCostDetails2023' -Because 'a Normalized file keeps the source format of its rows'
            $records[0].ResourceGroup | Should -Be '=SUM(A1:A9)'
            $records[0].SubscriptionName | Should -Be '+44 sales'
            $records[0].Product | Should -Be '@import'
            $records[0].Tags['env'] | Should -Be "=cmd|' /C calc'!A0"
            $records[1].ResourceGroup | Should -Be '-rg'
            $records[1].SubscriptionName | Should -Be "it's" -Because "an apostrophe that escapes nothing is kept"
            $records[1].Product | Should -Be "'=twice" -Because 'only one escape is removed'
            $records[0].Cost | Should -Be ([decimal]'-1.5') -Because 'a negative number is a number, not an escaped formula'
            $records[1].Cost.ToString([cultureinfo]::InvariantCulture) | Should -Be '2.250000'
        }
    }

    Context 'paths' {
        It 'expands wildcards' {
            $records = @(Import-DailyUsage -Path (Join-Path $dir 'ea-20*.csv'))
            $records | Should -HaveCount 6
            Get-Total $records | Should -Be ([decimal]'7.500002')
        }

        It 'reads several files given at once, in order' {
            $records = @(Import-DailyUsage -Path $files.Payg2019, $files.Mca2023)
            $records | Should -HaveCount 6
            ($records.Currency | Select-Object -Unique) -join ',' | Should -Be 'USD,GBP'
        }

        It 'takes files from Get-ChildItem on the pipeline' {
            $records = @(Get-ChildItem -LiteralPath $dir -Filter '*-20*.csv' | Import-DailyUsage)
            $records | Should -HaveCount 12 -Because 'ea-2021, ea-2023, mca-2023 and payg-2019'
            $records.SourceFormat | Sort-Object -Unique | Should -Be @('EaCostDetails2021', 'EaCostDetails2023', 'McaCostDetails2023', 'PayAsYouGo2019')
        }

        It 'takes path strings on the pipeline' {
            $records = @($files.Ea2021, $files.Payg2019 | Import-DailyUsage)
            $records | Should -HaveCount 6
        }

        It 'reads a file whose name has wildcard characters, by -LiteralPath and from Get-ChildItem' {
            $path = Join-Path $dir 'usage[1].csv'
            Copy-Item -LiteralPath $files.Payg2019 -Destination $path
            @(Import-DailyUsage -LiteralPath $path) | Should -HaveCount 3
            @(Get-Item -LiteralPath $path | Import-DailyUsage) | Should -HaveCount 3
        }

        It 'resolves a relative -Path against the current location' {
            Push-Location -LiteralPath $dir
            try { $records = @(Import-DailyUsage -Path 'payg-2019.csv') }
            finally { Pop-Location }
            $records | Should -HaveCount 3
        }

        It 'reads a UTF-16 file with its BOM' {
            $path = Join-Path $dir 'utf16.csv'
            [IO.File]::WriteAllText($path, (Get-Content -Raw -LiteralPath $files.Ea2023), [Text.UnicodeEncoding]::new($false, $true))
            [IO.File]::ReadAllBytes($path)[0..1] | Should -Be @(0xFF, 0xFE)
            $records = @(Import-DailyUsage -Path $path)
            $records | Should -HaveCount 3
            Get-Total $records | Should -Be ([decimal]'3.750001')
        }

        It 'reads .csv.gz files, the same records as the plain file' {
            $plain = Get-Content -Raw -LiteralPath $files.Mca2023
            $gz = Write-TestFile 'mca-2023.csv.gz' $plain -Bom -Gzip
            $a = @(Import-DailyUsage -Path $files.Mca2023)
            $b = @(Import-DailyUsage -Path $gz)
            $b | Should -HaveCount 3
            Get-RowKey $b | Should -Be (Get-RowKey $a)
            $b.SourceFormat | Sort-Object -Unique | Should -Be 'McaCostDetails2023'
        }

        It 'reports a missing path as a non-terminating error and reads the other files' {
            $missing = Join-Path $dir 'no-such-file.csv'
            $records = @(Import-DailyUsage -Path $missing, $files.Ea2021 -ErrorVariable errs -ErrorAction SilentlyContinue)
            $records | Should -HaveCount 3
            $errs | Should -HaveCount 1
            Assert-BillingError $errs[0] 'PathNotFound' ObjectNotFound
        }

        It 'reports a wildcard that matches nothing' {
            $err = Get-ErrorFromCommand { Import-DailyUsage -Path (Join-Path $dir 'nothing-*.csv') }
            Assert-BillingError $err 'PathNotFound' ObjectNotFound
        }

        It 'reports a missing -LiteralPath' {
            $err = Get-ErrorFromCommand { Import-DailyUsage -LiteralPath (Join-Path $dir 'missing[1].csv') }
            Assert-BillingError $err 'PathNotFound' ObjectNotFound
        }

        It 'reports a folder' {
            $err = Get-ErrorFromCommand { Import-DailyUsage -Path $dir }
            Assert-BillingError $err 'PathIsAFolder' InvalidArgument
        }
    }

    Context 'bad files' {
        It 'reports a bad row as a non-terminating error naming the file and line, and reads the rest' {
            $rows = @(
                @{ CostInBillingCurrency = '1'; BillingCurrencyCode = 'EUR'; SubscriptionId = $Sub; Date = '2025-03-03'; MeterId = 'm'; Quantity = '1' }
                @{ CostInBillingCurrency = 'one euro'; BillingCurrencyCode = 'EUR'; SubscriptionId = $Sub; Date = '2025-03-03'; MeterId = 'm'; Quantity = '1' }
                @{ CostInBillingCurrency = '2'; BillingCurrencyCode = 'EUR'; SubscriptionId = $Sub; Date = 'not a date'; MeterId = 'm'; Quantity = '1' }
                @{ CostInBillingCurrency = '4'; BillingCurrencyCode = 'EUR'; SubscriptionId = $Sub; Date = '2025-03-05'; MeterId = 'm'; Quantity = '1' }
            )
            $path = Write-TestFile 'bad-row.csv' (New-CsvText $Ea2023 $rows)
            $records = @(Import-DailyUsage -Path $path -ErrorVariable errs -ErrorAction SilentlyContinue)
            $records | Should -HaveCount 2
            Get-Total $records | Should -Be 5
            $errs | Should -HaveCount 2
            foreach ($e in $errs) { Assert-BillingError $e 'BadUsageRow' InvalidData }
            "$($errs[0].TargetObject)" | Should -BeLike '*bad-row.csv:3'
            "$($errs[1].TargetObject)" | Should -BeLike '*bad-row.csv:4'
            $errs[0].Exception.Message | Should -Match 'bad-row\.csv'
            $errs[0].Exception.Message | Should -Match '\b3\b'
        }

        It 'a bad row does not stop the records flowing downstream' {
            $count = 0
            Import-DailyUsage -Path (Join-Path $dir 'bad-row.csv') -ErrorAction SilentlyContinue | ForEach-Object { $count++ }
            $count | Should -Be 2
        }

        It 'reports an unknown format with the list of recognised formats' {
            $path = Write-TestFile 'unknown.csv' "Name,Value,When`r`na,1,2025-01-01`r`n"
            $records = @(Import-DailyUsage -Path $path -ErrorVariable errs -ErrorAction SilentlyContinue)
            $records | Should -HaveCount 0
            Assert-BillingError $errs[0] 'UnrecognisedUsageFile' InvalidData
            $m = $errs[0].Exception.Message
            foreach ($f in 'EA cost details 2021-10-01', 'EA cost details 2023-12-01', 'MCA cost details 2023-12-01', 'pay-as-you-go', 'legacy portal', 'Normalized') {
                $m | Should -Match ([regex]::Escape($f))
            }
            "$($errs[0].TargetObject)" | Should -Be $path
        }

        It 'reports binary garbage as an error, quickly, without records' {
            $bytes = [byte[]]::new(200000)
            [Random]::new(7).NextBytes($bytes)
            $path = Join-Path $dir 'garbage.csv'
            [IO.File]::WriteAllBytes($path, $bytes)
            $sw = [Diagnostics.Stopwatch]::StartNew()
            $records = @(Import-DailyUsage -Path $path -ErrorVariable errs -ErrorAction SilentlyContinue)
            $sw.Elapsed.TotalSeconds | Should -BeLessThan 10
            $records | Should -HaveCount 0
            $errs | Should -Not -BeNullOrEmpty
            $errs[0].FullyQualifiedErrorId | Should -Match '^(UnrecognisedUsageFile|FileReadFailed)'
            $errs[0].CategoryInfo.Category | Should -BeIn @('InvalidData', 'ReadError')
            $errs[0].Exception.Message | Should -Not -Match '   at '
        }

        It 'recognises a plain CSV named .csv.gz by its content' {
            $path = Write-TestFile 'plain-named.csv.gz' (Get-Content -Raw -LiteralPath $files.Ea2021) -Bom
            $records = @(Import-DailyUsage -Path $path -ErrorVariable errs)
            $errs | Should -BeNullOrEmpty
            $records | Should -HaveCount 3
        }

        It 'reports a truncated .csv.gz as an error, without a stack trace' {
            # .NET's GZipStream ends quietly on truncated deflate data; the reader checks the gzip trailer's length.
            $header, $line = (New-CsvText $Ea2023 @(@{ CostInBillingCurrency = '1.5'; BillingCurrencyCode = 'EUR'; SubscriptionId = $Sub; Date = '2025-03-03'; MeterId = 'm'; Quantity = '1'; ResourceId = 'ID' })) -split "`r`n"
            $sb = [Text.StringBuilder]::new($header + "`r`n")
            for ($i = 0; $i -lt 400; $i++) { $null = $sb.Append($line.Replace(',ID,', ',' + [Guid]::NewGuid().ToString() + ',')).Append("`r`n") }
            $full = Write-TestFile 'full.csv.gz' $sb.ToString() -Bom -Gzip
            $bytes = [IO.File]::ReadAllBytes($full)
            $path = Join-Path $dir 'truncated.csv.gz'
            [IO.File]::WriteAllBytes($path, $bytes[0..([int]($bytes.Length / 2))])
            $records = @(Import-DailyUsage -Path $path -ErrorVariable errs -ErrorAction SilentlyContinue)
            $records.Count | Should -BeLessThan 400
            $errs | Should -Not -BeNullOrEmpty
            $errs[-1].FullyQualifiedErrorId | Should -Match '^(FileReadFailed|UnrecognisedUsageFile|BadUsageRow)'
            $errs | ForEach-Object { $_.Exception.Message | Should -Not -Match '   at ' }
        }

        It 'reports an empty file' {
            $path = Write-TestFile 'empty.csv' ''
            $err = Get-ErrorFromCommand { Import-DailyUsage -Path $path }
            Assert-BillingError $err 'UnrecognisedUsageFile' InvalidData
        }

        It 'keeps reading the next file after a bad one' {
            $bad = Write-TestFile 'not-usage.csv' "Name,Value,When`r`na,1,2025-01-01`r`n"
            $records = @(Import-DailyUsage -Path $bad, $files.Payg2019 -ErrorAction SilentlyContinue -ErrorVariable errs)
            $records | Should -HaveCount 3
            $errs | Should -HaveCount 1
            Assert-BillingError $errs[0] 'UnrecognisedUsageFile' InvalidData
        }
    }
}

Describe 'Import-DailyUsage of an export from the emulator' {
    BeforeAll {
        $script:emu = Start-TestEmulator
        $null = Connect-BillingAccount -ResourceManagerUrl $emu.ArmUrl -AccessToken $emu.SecureToken
        $script:world = Get-UsageWorld $emu
        $script:m1 = Get-MonthStart $world -1
        $script:m1End = $m1.AddMonths(1).AddDays(-1)
    }
    AfterAll {
        Disconnect-BillingAccount -ErrorAction Ignore
        Stop-TestEmulator $script:emu
    }

    It 'reads our Normalized .csv.gz export back to the records Get-DailyUsage gives' {
        $path = Join-Path $dir 'export.csv.gz'
        $sub = $world.Ea.subscriptions[0].subscriptionId
        $null = Export-DailyUsage -SubscriptionId $sub -StartDate $m1 -EndDate $m1End -Path $path -Schema Normalized
        $live = @(Get-DailyUsage -SubscriptionId $sub -StartDate $m1 -EndDate $m1End)
        $imported = @(Import-DailyUsage -Path $path)
        $expected = Get-ExpectedUsage -World $world -Scope "/subscriptions/$sub" -Month $m1
        $imported | Should -HaveCount $expected.Rows
        Get-RowKey $imported | Should -Be (Get-RowKey $live)
        Format-CostTable (Measure-Usage $imported).Cost | Should -Be (Format-CostTable $expected.Cost)
        # Every field of every record round-trips, tags included.
        for ($i = 0; $i -lt $live.Count; $i += 17) {
            foreach ($p in 'Date', 'SubscriptionName', 'ResourceGroup', 'ResourceId', 'MeterName', 'Quantity', 'EffectivePrice', 'UnitPrice', 'Cost', 'Currency', 'PricingModel', 'CostCenter', 'AdditionalInfo') {
                "$($imported[$i].$p)" | Should -Be "$($live[$i].$p)" -Because "$p of record $i"
            }
            ($imported[$i].Tags.GetEnumerator() | Sort-Object Key | ForEach-Object { "$($_.Key)=$($_.Value)" }) -join ';' |
                Should -Be (($live[$i].Tags.GetEnumerator() | Sort-Object Key | ForEach-Object { "$($_.Key)=$($_.Value)" }) -join ';')
        }
    }
}
