# FOCUS through the real module against the emulator: Export-DailyUsage -Schema Focus (1.2 and 1.0) for EA, MCA and
# pay-as-you-go scopes, its totals against /_emulator/world's FOCUS facts, the allowed values and date rules of
# docs/contracts/azure-api/FOCUS.md, then Import-DailyUsage of the file: the records and totals of Get-DailyUsage for
# either metric. Also FOCUS files of another provider and of Microsoft's 1.0 export, and the refusals of bad input.

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Import-Module (Join-Path $PSScriptRoot 'UsageTestHelpers.psm1') -Force
    if (-not (Get-Module BillingPowerShell)) { Import-Module (Get-TestModulePath) }
    $ProgressPreference = 'SilentlyContinue'
    $script:emu = Start-TestEmulator
    $null = Connect-BillingAccount -ResourceManagerUrl $emu.ArmUrl -AccessToken $emu.SecureToken
    $script:world = Get-UsageWorld $emu
    $script:m1 = Get-MonthStart $world -1
    $script:m1End = $m1.AddMonths(1).AddDays(-1)
    $script:eaName = $world.Ea.name
    $script:mcaName = $world.Mca.name
    $script:mcaProfile = $world.Mca.billingProfiles[1].name
    $script:paygSub = $world.Payg.subscriptions[0].subscriptionId
    $script:dir = Join-Path ([IO.Path]::GetTempPath()) ('bps-focus-' + [Guid]::NewGuid().ToString('n').Substring(0, 8))
    $null = New-Item -ItemType Directory -Path $dir

    # The three agreement types: how to name the scope to each cmdlet and to /_emulator/world.
    $script:scopes = @{
        Ea   = @{ Args = @{ BillingAccountName = $eaName }; Scope = "/providers/Microsoft.Billing/billingAccounts/$eaName"; Type = 'Billing Account' }
        Mca  = @{ Args = @{ BillingAccountName = $mcaName; BillingProfileName = $mcaProfile }
                  Scope = "/providers/Microsoft.Billing/billingAccounts/$mcaName/billingProfiles/$mcaProfile"; Type = 'Billing Profile' }
        Payg = @{ Args = @{ SubscriptionId = $paygSub }; Scope = "/subscriptions/$paygSub"; Type = 'Billing Account' }
    }
    $script:exported = @{}
    foreach ($kind in 'Ea', 'Mca', 'Payg') {
        $a = $scopes[$kind].Args
        $path = Join-Path $dir "$kind-focus.csv"
        $exported[$kind] = @{
            File      = Export-DailyUsage @a -StartDate $m1 -EndDate $m1End -Schema Focus -Path $path
            Path      = $path
            Rows      = @(Import-Csv -LiteralPath $path)
            Actual    = @(Get-DailyUsage @a -StartDate $m1 -EndDate $m1End)
            Amortized = @(Get-DailyUsage @a -StartDate $m1 -EndDate $m1End -Metric AmortizedCost)
        }
    }
    $script:focus12Mandatory = 'BilledCost', 'BillingAccountId', 'BillingAccountName', 'BillingCurrency', 'BillingPeriodEnd',
        'BillingPeriodStart', 'ChargeCategory', 'ChargeClass', 'ChargeDescription', 'ChargePeriodEnd', 'ChargePeriodStart',
        'ContractedCost', 'EffectiveCost', 'InvoiceIssuerName', 'ListCost', 'PricingQuantity', 'PricingUnit', 'ProviderName',
        'PublisherName', 'ServiceCategory', 'ServiceName'
}

AfterAll {
    Disconnect-BillingAccount -ErrorAction Ignore
    Stop-TestEmulator $script:emu
    if ($script:dir) { Remove-Item -LiteralPath $script:dir -Recurse -Force -ErrorAction Ignore }
}

Describe 'Export-DailyUsage -Schema Focus' {
    It '<_> scope: totals are the FOCUS facts of /_emulator/world (BilledCost, EffectiveCost, rows)' -ForEach 'Ea', 'Mca', 'Payg' {
        $e = $exported[$_]
        $billed = Get-ExpectedUsage -World $world -Scope $scopes[$_].Scope -Month $m1 -Metric FocusBilledCost
        $effective = Get-ExpectedUsage -World $world -Scope $scopes[$_].Scope -Month $m1 -Metric FocusEffectiveCost
        $billed.Rows | Should -BeGreaterThan 0
        $e.File.Schema | Should -Be 'Focus'
        $e.File.RowCount | Should -Be $billed.Rows
        $e.Rows.Count | Should -Be $billed.Rows
        Format-CostTable $e.File.CostByCurrency | Should -Be (Format-CostTable $billed.Cost)
        Format-CostTable $e.File.EffectiveCostByCurrency | Should -Be (Format-CostTable $effective.Cost)
        $sum = @{}; $eff = @{}
        foreach ($r in $e.Rows) {
            $sum[$r.BillingCurrency] = [decimal]$sum[$r.BillingCurrency] + [decimal]::Parse($r.BilledCost, [cultureinfo]::InvariantCulture)
            $eff[$r.BillingCurrency] = [decimal]$eff[$r.BillingCurrency] + [decimal]::Parse($r.EffectiveCost, [cultureinfo]::InvariantCulture)
        }
        Format-CostTable $sum | Should -Be (Format-CostTable $billed.Cost) -Because 'the file itself, not only the summary, holds the totals'
        Format-CostTable $eff | Should -Be (Format-CostTable $effective.Cost)
    }

    It '<_> scope: every mandatory FOCUS 1.2 column is filled, values are allowed ones, ends are exclusive' -ForEach 'Ea', 'Mca', 'Payg' {
        $e = $exported[$_]
        $header = (Get-Content -LiteralPath $e.Path -TotalCount 1).TrimStart([char]0xFEFF) -split ','
        $firstX = [array]::FindIndex([string[]]$header, [Predicate[string]] { param($h) $h.StartsWith('x_') })
        @($header[$firstX..($header.Count - 1)] | Where-Object { -not $_.StartsWith('x_') }) | Should -BeNullOrEmpty -Because 'FOCUS columns come first, custom columns after'
        $header[0..($firstX - 1)] | Should -Be ($header[0..($firstX - 1)] | Sort-Object) -Because 'FOCUS columns are written A-Z'
        foreach ($c in $focus12Mandatory + 'BillingAccountType', 'SubAccountType', 'InvoiceId', 'SkuMeter') { $header | Should -Contain $c }
        # One check per row and rule, failures collected: Should per value would take minutes over a month of rows.
        $inv = [cultureinfo]::InvariantCulture
        $problems = [Collections.Generic.List[string]]::new()
        $periodStart = $m1.ToString("yyyy-MM-dd'T'00:00:00'Z'", $inv)
        $periodEnd = $m1.AddMonths(1).ToString("yyyy-MM-dd'T'00:00:00'Z'", $inv)
        $i = 0
        foreach ($r in $e.Rows) {
            $i++
            foreach ($c in $focus12Mandatory) { if ($c -ne 'ChargeClass' -and [string]::IsNullOrEmpty($r.$c)) { $problems.Add("row $i`: mandatory $c is empty") } }
            if ($r.ChargeCategory -notin 'Usage', 'Purchase', 'Tax', 'Credit', 'Adjustment') { $problems.Add("row $i`: ChargeCategory $($r.ChargeCategory)") }
            if ($r.ChargeFrequency -notin 'One-Time', 'Recurring', 'Usage-Based') { $problems.Add("row $i`: ChargeFrequency $($r.ChargeFrequency)") }
            $start = [datetime]::MinValue
            if (-not [datetime]::TryParseExact($r.ChargePeriodStart, "yyyy-MM-dd'T'HH:mm:ss'Z'", $inv, 'None', [ref] $start)) { $problems.Add("row $i`: ChargePeriodStart $($r.ChargePeriodStart)") }
            elseif ($r.ChargePeriodEnd -ne $start.AddDays(1).ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", $inv)) { $problems.Add("row $i`: ChargePeriodEnd $($r.ChargePeriodEnd) is not the next day") }
            if ($r.BillingPeriodStart -ne $periodStart) { $problems.Add("row $i`: BillingPeriodStart $($r.BillingPeriodStart)") }
            if ($r.BillingPeriodEnd -ne $periodEnd) { $problems.Add("row $i`: BillingPeriodEnd $($r.BillingPeriodEnd), not the exclusive $periodEnd") }
            if ($r.BillingAccountType -ne $scopes[$_].Type) { $problems.Add("row $i`: BillingAccountType $($r.BillingAccountType)") }
            if ($r.SubAccountId -ne ('/subscriptions/' + $r.x_SubscriptionId)) { $problems.Add("row $i`: SubAccountId $($r.SubAccountId)") }
            if ($r.ProviderName -ne 'Microsoft') { $problems.Add("row $i`: ProviderName $($r.ProviderName)") }
            if ($r.x_PricingModel -eq 'Reservation') {
                if ([decimal]::Parse($r.BilledCost, $inv) -ne 0) { $problems.Add("row $i`: reserved usage has BilledCost $($r.BilledCost); the purchase billed it") }
                if ($r.CommitmentDiscountId -notlike '/providers/Microsoft.Capacity/reservationOrders/*') { $problems.Add("row $i`: CommitmentDiscountId $($r.CommitmentDiscountId) is not the benefit's resource id") }
                if ($r.CommitmentDiscountStatus -ne 'Used' -or $r.CommitmentDiscountType -ne 'Reservation' -or $r.PricingCategory -ne 'Committed') {
                    $problems.Add("row $i`: reserved usage has $($r.CommitmentDiscountStatus)/$($r.CommitmentDiscountType)/$($r.PricingCategory)")
                }
            }
            elseif ($r.CommitmentDiscountStatus) { $problems.Add("row $i`: CommitmentDiscountStatus $($r.CommitmentDiscountStatus) without a commitment") }
        }
        $problems | Select-Object -First 10 | Should -BeNullOrEmpty
    }

    It 'reserved usage appears in the data the tests read (the BilledCost rule is exercised)' {
        @($exported.Ea.Rows | Where-Object x_PricingModel -eq 'Reservation').Count | Should -BeGreaterThan 0
    }

    It '-FocusVersion 1.0 writes the 1.0 columns (x_InvoiceId, no 1.2 columns) with the same totals' {
        $path = Join-Path $dir 'ea-focus10.csv'
        $file = Export-DailyUsage -BillingAccountName $eaName -StartDate $m1 -EndDate $m1End -Schema Focus -FocusVersion 1.0 -Path $path
        $header = (Get-Content -LiteralPath $path -TotalCount 1).TrimStart([char]0xFEFF) -split ','
        foreach ($c in 'BillingAccountType', 'SubAccountType', 'InvoiceId', 'SkuMeter', 'PricingCurrency', 'CapacityReservationId') { $header | Should -Not -Contain $c }
        $header | Should -Contain 'x_InvoiceId'
        $header | Should -Contain 'x_PricingCurrency'
        Format-CostTable $file.CostByCurrency | Should -Be (Format-CostTable $exported.Ea.File.CostByCurrency)
        (Measure-Usage (Import-DailyUsage -LiteralPath $path)).Rows | Should -Be $exported.Ea.File.RowCount
    }

    It 'refuses -FocusVersion without -Schema Focus, and -Metric with it, before any request' {
        Reset-Emulator $emu
        $err = Get-ErrorFromCommand { Export-DailyUsage -BillingAccountName $eaName -StartDate $m1 -EndDate $m1End -Schema Normalized -FocusVersion 1.0 -Path (Join-Path $dir 'x.csv') }
        Assert-BillingError $err 'FocusVersionNeedsFocusSchema' InvalidArgument
        $err = Get-ErrorFromCommand { Export-DailyUsage -BillingAccountName $eaName -StartDate $m1 -EndDate $m1End -Schema Focus -Metric AmortizedCost -Path (Join-Path $dir 'x.csv') }
        Assert-BillingError $err 'MetricNotWithFocus' InvalidArgument
        (Get-EmulatorStats $emu).totalRequests | Should -Be 0
        Test-Path (Join-Path $dir 'x.csv') | Should -BeFalse
    }
}

Describe 'Import-DailyUsage of FOCUS files' {
    It '<_> scope: the records of Get-DailyUsage, BilledCost as Cost by default and EffectiveCost with -Metric AmortizedCost' -ForEach 'Ea', 'Mca', 'Payg' {
        $e = $exported[$_]
        $billed = @(Import-DailyUsage -LiteralPath $e.Path)
        $amortized = @(Import-DailyUsage -LiteralPath $e.Path -Metric AmortizedCost)
        $billed.Count | Should -Be $e.File.RowCount
        Format-CostTable (Measure-Usage $billed).Cost | Should -Be (Format-CostTable $e.File.CostByCurrency)
        Format-CostTable (Measure-Usage $amortized).Cost | Should -Be (Format-CostTable $e.File.EffectiveCostByCurrency)
        Get-RowKeyHash $billed | Should -Be (Get-RowKeyHash $e.Actual) -Because 'BilledCost is the actual cost of each row'
        Get-RowKeyHash $amortized | Should -Be (Get-RowKeyHash $e.Amortized) -Because 'EffectiveCost is the amortized cost of each row'
        $billed[0].SourceFormat | Should -Be 'Focus'
        $billed[0].ProviderName | Should -Be 'Microsoft'
        # Field by field, in the order written (the amortized rows, as Get-DailyUsage -Metric AmortizedCost yields them);
        # mismatches collected, one Should at the end.
        $amortized.Count | Should -Be $e.Amortized.Count
        $problems = [Collections.Generic.List[string]]::new()
        $fields = 'Date', 'SubscriptionId', 'SubscriptionName', 'ResourceGroup', 'ResourceId', 'ResourceName', 'ResourceLocation', 'MeterId',
            'MeterCategory', 'MeterSubCategory', 'MeterName', 'MeterRegion', 'ServiceFamily', 'Product', 'Quantity', 'UnitOfMeasure',
            'EffectivePrice', 'Cost', 'Currency', 'ChargeType', 'PricingModel', 'InvoiceSectionName', 'CostCenter', 'PublisherType', 'PublisherName'
        for ($i = 0; $i -lt $amortized.Count; $i++) {
            $a = $amortized[$i]; $b = $e.Amortized[$i]
            foreach ($f in $fields) {
                # PublisherName is mandatory in FOCUS: a source without one (pay-as-you-go usage details) reads back as Microsoft.
                if ($f -eq 'PublisherName' -and -not $b.PublisherName) { if ($a.PublisherName -ne 'Microsoft') { $problems.Add("row $i PublisherName: '$($a.PublisherName)'") }; continue }
                if ($a.$f -ne $b.$f) { $problems.Add("row $i $f`: '$($a.$f)' read back, '$($b.$f)' from Azure") } }
            $ta = ($a.Tags.GetEnumerator() | Sort-Object Key | ForEach-Object { "$($_.Key)=$($_.Value)" }) -join ';'
            $tb = ($b.Tags.GetEnumerator() | Sort-Object Key | ForEach-Object { "$($_.Key)=$($_.Value)" }) -join ';'
            if ($ta -ne $tb) { $problems.Add("row $i Tags: '$ta' read back, '$tb' from Azure") }
            if ($a.SourceColumns['ChargeCategory'] -ne 'Usage') { $problems.Add("row $i`: SourceColumns lacks the FOCUS ChargeCategory") }
        }
        $problems | Select-Object -First 10 | Should -BeNullOrEmpty
    }

    It 'reads another provider''s FOCUS file: its ProviderName, SubAccountId, JSON tags and both costs' {
        $path = Join-Path $dir 'aws-focus.csv'
        @(
            'BilledCost,BillingAccountId,BillingCurrency,BillingPeriodEnd,BillingPeriodStart,ChargeCategory,ChargePeriodEnd,ChargePeriodStart,EffectiveCost,ProviderName,PublisherName,ResourceId,ServiceName,SubAccountId,SubAccountName,Tags,x_Discounts'
            '12.5,111122223333,USD,2025-04-01T00:00:00Z,2025-03-01T00:00:00Z,Usage,2025-03-03T00:00:00Z,2025-03-02T00:00:00Z,10.25,AWS,Amazon Web Services,arn:aws:ec2:us-east-1:123456789012:instance/i-0abc,Amazon EC2,123456789012,prod-account,"{""env"":""prod"",""team"":""web""}",x'
            '0,111122223333,USD,2025-04-01T00:00:00Z,2025-03-01T00:00:00Z,Usage,2025-03-04T00:00:00Z,2025-03-03T00:00:00Z,3,AWS,Amazon Web Services,,Amazon S3,123456789012,prod-account,,'
        ) | Set-Content -LiteralPath $path -Encoding utf8
        $r = @(Import-DailyUsage -LiteralPath $path)
        $r.Count | Should -Be 2
        $r[0].ProviderName | Should -Be 'AWS'
        $r[0].SubscriptionId | Should -Be '123456789012'
        $r[0].SubscriptionName | Should -Be 'prod-account'
        $r[0].Date | Should -Be ([datetime]::new(2025, 3, 2, 0, 0, 0, [DateTimeKind]::Utc))
        $r[0].Cost | Should -Be 12.5
        $r[0].Currency | Should -Be 'USD'
        $r[0].Tags['team'] | Should -Be 'web'
        $r[0].SourceColumns['x_Discounts'] | Should -Be 'x'
        (Import-DailyUsage -LiteralPath $path -Metric AmortizedCost | Measure-Object Cost -Sum).Sum | Should -Be 13.25
    }

    It 'reads Microsoft''s FOCUS 1.0 export, whose dates have no seconds' {
        $path = Join-Path $dir 'ms-focus10.csv'
        @(
            'BilledCost,BillingAccountId,BillingAccountName,BillingCurrency,BillingPeriodEnd,BillingPeriodStart,ChargeCategory,ChargePeriodEnd,ChargePeriodStart,EffectiveCost,ProviderName,PublisherName,ResourceId,SubAccountId,Tags,x_BillingAccountId,x_ResourceGroupName,x_SkuMeterId'
            '1.5,/providers/Microsoft.Billing/billingAccounts/8611537,Contoso,EUR,2024-02-01T00:00Z,2024-01-01T00:00Z,Usage,2024-01-16T00:00Z,2024-01-15T00:00Z,1.5,Microsoft,Microsoft,/subscriptions/AAAA0000-0000-0000-0000-000000000001/resourceGroups/rg1/providers/Microsoft.Compute/virtualMachines/vm1,/subscriptions/AAAA0000-0000-0000-0000-000000000001,"{""env"":""dev""}",8611537,rg1,m-1'
        ) | Set-Content -LiteralPath $path -Encoding utf8
        $r = Import-DailyUsage -LiteralPath $path
        $r.Date | Should -Be ([datetime]::new(2024, 1, 15, 0, 0, 0, [DateTimeKind]::Utc))
        $r.SubscriptionId | Should -Be 'aaaa0000-0000-0000-0000-000000000001'
        $r.BillingAccountId | Should -Be '8611537'
        $r.ResourceGroup | Should -Be 'rg1'
        $r.MeterId | Should -Be 'm-1'
        $r.Cost | Should -Be 1.5
        $r.ProviderName | Should -Be 'Microsoft'
    }
}
