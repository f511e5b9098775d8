# Get-DailyUsage through the real module against the emulator: every agreement type and both metrics, Auto's choice
# and its pay-as-you-go fallback, -Source forced, pipeline input from the other cmdlets, month chunks, faults (429
# storms with every retry-after header kind, connection resets, expired SAS links) that must give exactly the rows
# of a clean run, a stopped pipeline, and bad input refused before any request.
# Expected figures come from GET /_emulator/world (rows and cost per currency per scope and month, both metrics).

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Import-Module (Join-Path $PSScriptRoot 'UsageTestHelpers.psm1') -Force
    if (-not (Get-Module BillingPowerShell)) { Import-Module (Get-TestModulePath) }
    $ProgressPreference = 'SilentlyContinue'
    # Two subscriptions per account (four for MCA), 36 rows a day each: a pay-as-you-go month is more than one usage
    # details page (1,000 rows), and the cost details reports are split into several blobs of 500 rows.
    $script:emu = Start-TestEmulator -Size 2 -ExtraArgument '--csv-rows-per-blob', '500', '--usage-rows-per-day', '36'
    $null = Connect-BillingAccount -ResourceManagerUrl $emu.ArmUrl -AccessToken $emu.SecureToken
    $script:world = Get-UsageWorld $emu
    $script:m1 = Get-MonthStart $world -1        # last month
    $script:m1End = $m1.AddMonths(1).AddDays(-1)
    $script:m2 = Get-MonthStart $world -2
    $script:m3 = Get-MonthStart $world -3
    $script:eaName = $world.Ea.name
    $script:eaScope = "/providers/Microsoft.Billing/billingAccounts/$eaName"
    $script:mcaName = $world.Mca.name
    $script:mcaProfile = $world.Mca.billingProfiles[0].name
    $script:mcaProfileScope = "/providers/Microsoft.Billing/billingAccounts/$mcaName/billingProfiles/$mcaProfile"
    $script:paygSub = $world.Payg.subscriptions[0].subscriptionId
    $script:paygScope = "/subscriptions/$paygSub"

    # Clean runs: the reference every fault scenario must reproduce exactly.
    Reset-Emulator $emu
    $script:cleanEa = Get-DailyUsage -BillingAccountName $eaName -StartDate $m2 -EndDate $m1End
    # Fault runs read one EA subscription (half the rows of the account): the same reports, blobs and chunks.
    $script:eaSub = $world.Ea.subscriptions[0].subscriptionId
    $script:cleanEaSub = Get-DailyUsage -SubscriptionId $eaSub -AgreementType EnterpriseAgreement -StartDate $m2 -EndDate $m1End
    $script:cleanEaSubHash = Get-RowKeyHash $cleanEaSub
    # The fault runs are compared with this read: it must itself be the world's rows.
    $eaSubExpected = Get-ExpectedUsage -World $world -Scope "/subscriptions/$eaSub" -Month $m2, $m1
    @($cleanEaSub).Count | Should -Be $eaSubExpected.Rows
    Format-CostTable (Measure-Usage $cleanEaSub).Cost | Should -Be (Format-CostTable $eaSubExpected.Cost)
    $script:cleanPayg = Get-DailyUsage -SubscriptionId $paygSub -AgreementType MicrosoftOnlineServicesProgram -StartDate $m2 -EndDate $m1End
    $script:cleanPaygHash = Get-RowKeyHash $cleanPayg
}

AfterAll {
    Disconnect-BillingAccount -ErrorAction Ignore
    Stop-TestEmulator $script:emu
}

BeforeDiscovery {
    $script:RetryHeaderKinds = @(
        'Retry-After', 'Retry-After-Date', 'retry-after-ms', 'x-ms-retry-after-ms',
        'x-ms-ratelimit-microsoft.consumption-retry-after',
        'x-ms-ratelimit-microsoft.costmanagement-qpu-retry-after',
        'x-ms-ratelimit-microsoft.costmanagement-entity-retry-after',
        'x-ms-ratelimit-microsoft.costmanagement-tenant-retry-after',
        'x-ms-ratelimit-microsoft.costmanagement-clienttype-retry-after')
}

Describe 'Get-DailyUsage' {
    BeforeEach { Reset-Emulator $emu }

    Context 'every agreement type and metric' {
        It '<Name>, <Metric>: the rows and total of the world, from <Source>' -ForEach @(
            @{ Name = 'pay-as-you-go subscription (from Get-BillingSubscription)'; Kind = 'Payg'; Metric = 'ActualCost'; Source = 'usage details' }
            @{ Name = 'pay-as-you-go subscription (from Get-BillingSubscription)'; Kind = 'Payg'; Metric = 'AmortizedCost'; Source = 'usage details' }
            @{ Name = 'EA billing account'; Kind = 'Ea'; Metric = 'ActualCost'; Source = 'cost details' }
            @{ Name = 'EA billing account'; Kind = 'Ea'; Metric = 'AmortizedCost'; Source = 'cost details' }
            @{ Name = 'MCA billing profile'; Kind = 'Mca'; Metric = 'ActualCost'; Source = 'cost details' }
            @{ Name = 'MCA billing profile'; Kind = 'Mca'; Metric = 'AmortizedCost'; Source = 'cost details' }
        ) {
            $records = switch ($Kind) {
                'Payg' { Get-BillingSubscription | Where-Object SubscriptionId -eq $paygSub | Get-DailyUsage -StartDate $m1 -EndDate $m1End -Metric $Metric -WarningVariable w }
                'Ea' { Get-DailyUsage -BillingAccountName $eaName -StartDate $m1 -EndDate $m1End -Metric $Metric -WarningVariable w }
                'Mca' { Get-DailyUsage -BillingAccountName $mcaName -BillingProfileName $mcaProfile -StartDate $m1 -EndDate $m1End -Metric $Metric -WarningVariable w }
            }
            $scope = @{ Payg = $paygScope; Ea = $eaScope; Mca = $mcaProfileScope }[$Kind]
            $expected = Get-ExpectedUsage -World $world -Scope $scope -Month $m1 -Metric $Metric
            $actual = Measure-Usage $records
            $actual.Rows | Should -Be $expected.Rows
            Format-CostTable $actual.Cost | Should -Be (Format-CostTable $expected.Cost)
            $w | Should -BeNullOrEmpty -Because 'Auto knows the agreement: no fallback, no warning'
            @($records)[0].GetType().FullName | Should -Be 'BillingPowerShell.UsageRecord'
            $days = @($records.Date | Sort-Object -Unique)
            $days | ForEach-Object { $_.Kind | Should -Be 'Utc'; $_.TimeOfDay | Should -Be ([TimeSpan]::Zero) }
            $days[0] | Should -Be $m1
            $days[-1] | Should -Be $m1End
            $stats = Get-EmulatorStats $emu
            if ($Source -eq 'usage details') {
                Get-EmulatorStatsCount $stats 'GenerateCostDetailsReport_CreateOperation' | Should -Be 0
                Get-EmulatorStatsCount $stats 'UsageDetails_List' | Should -BeGreaterOrEqual 2 -Because 'more than 1,000 rows take more than one request'
                $records[0].SourceFormat | Should -Be 'UsageDetailsLegacy'
            }
            else {
                Get-EmulatorStatsCount $stats 'GenerateCostDetailsReport_CreateOperation' | Should -Be 1
                Get-EmulatorStatsCount $stats 'UsageDetails_List' | Should -Be 0
                Get-EmulatorStatsCount $stats 'Blob_GET' | Should -BeGreaterThan 1 -Because 'the report is split into blobs of 150 rows'
                $records[0].SourceFormat | Should -BeLike ($Kind -eq 'Mca' ? 'McaCostDetails*' : 'EaCostDetails*')
            }
        }

        It 'gives different totals for the two metrics where reservations are amortized' {
            $actual = Get-DailyUsage -BillingAccountName $eaName -StartDate $m1 -EndDate $m1End -Metric ActualCost | Measure-Usage
            $amortized = Get-DailyUsage -BillingAccountName $eaName -StartDate $m1 -EndDate $m1End -Metric AmortizedCost | Measure-Usage
            $actual.Rows | Should -Be $amortized.Rows
            $actual.Cost['EUR'] | Should -BeLessThan $amortized.Cost['EUR']
        }
    }

    Context 'Auto source' {
        It 'falls back to usage details, said in the verbose stream (an expected route, not a warning), when the service answers 422 for a pay-as-you-go subscription' {
            $all = @(Get-DailyUsage -SubscriptionId $paygSub -StartDate $m1 -EndDate $m1End -WarningVariable w -Verbose 4>&1 3>$null)
            $verbose = @($all | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] }).Message -join "`n"
            $records = @($all | Where-Object { $_ -isnot [System.Management.Automation.VerboseRecord] })
            $expected = Get-ExpectedUsage -World $world -Scope $paygScope -Month $m1
            $actual = Measure-Usage $records
            $actual.Rows | Should -Be $expected.Rows
            Format-CostTable $actual.Cost | Should -Be (Format-CostTable $expected.Cost)
            $w | Should -BeNullOrEmpty
            $verbose | Should -Match 'reading Consumption usage details instead'
            $verbose | Should -Not -Match 'offer type' -Because 'the service''s raw text is not passed on'
            $stats = Get-EmulatorStats $emu
            Get-EmulatorStatsCount $stats 'GenerateCostDetailsReport_CreateOperation' | Should -Be 1 -Because 'the report is tried once'
            $stats.statuses.'422' | Should -Be 1
            Get-EmulatorStatsCount $stats 'UsageDetails_List' | Should -BeGreaterOrEqual 2
        }

        It 'uses the cost details report for an EA subscription named only by id, without a warning' {
            $sub = $world.Ea.subscriptions[1].subscriptionId
            $records = Get-DailyUsage -SubscriptionId $sub -StartDate $m1 -EndDate $m1End -WarningVariable w
            $expected = Get-ExpectedUsage -World $world -Scope "/subscriptions/$sub" -Month $m1
            $actual = Measure-Usage $records
            $actual.Rows | Should -Be $expected.Rows
            Format-CostTable $actual.Cost | Should -Be (Format-CostTable $expected.Cost)
            $w | Should -BeNullOrEmpty
            $stats = Get-EmulatorStats $emu
            Get-EmulatorStatsCount $stats 'GenerateCostDetailsReport_CreateOperation' | Should -Be 1
            Get-EmulatorStatsCount $stats 'UsageDetails_List' | Should -Be 0
        }

        It 'uses the cost details report for an MCA subscription named only by id' {
            $sub = $world.Mca.subscriptions[0].subscriptionId
            $actual = Get-DailyUsage -SubscriptionId $sub -StartDate $m1 -EndDate $m1End | Measure-Usage
            $expected = Get-ExpectedUsage -World $world -Scope "/subscriptions/$sub" -Month $m1
            $actual.Rows | Should -Be $expected.Rows
            Format-CostTable $actual.Cost | Should -Be (Format-CostTable $expected.Cost)
            Get-EmulatorStatsCount (Get-EmulatorStats $emu) 'GenerateCostDetailsReport_CreateOperation' | Should -Be 1
        }

        It 'uses the cost details report for an MCA invoice section' {
            $p = $world.Mca.billingProfiles[0]
            $s = $p.invoiceSections[1]
            $actual = Get-DailyUsage -BillingAccountName $mcaName -BillingProfileName $p.name -InvoiceSectionName $s.name -StartDate $m1 -EndDate $m1End | Measure-Usage
            $expected = Get-ExpectedUsage -World $world -Scope "$mcaProfileScope/invoiceSections/$($s.name)" -Month $m1
            $actual.Rows | Should -Be $expected.Rows
            Format-CostTable $actual.Cost | Should -Be (Format-CostTable $expected.Cost)
            Get-EmulatorStatsCount (Get-EmulatorStats $emu) 'GenerateCostDetailsReport_CreateOperation' | Should -Be 1
        }
    }

    Context '-Source forced' {
        It 'reads an EA billing account from usage details with -Source UsageDetails, with the same rows and total' {
            $actual = Get-DailyUsage -BillingAccountName $eaName -StartDate $m1 -EndDate $m1End -Source UsageDetails | Measure-Usage
            $expected = Get-ExpectedUsage -World $world -Scope $eaScope -Month $m1
            $actual.Rows | Should -Be $expected.Rows
            Format-CostTable $actual.Cost | Should -Be (Format-CostTable $expected.Cost)
            $stats = Get-EmulatorStats $emu
            Get-EmulatorStatsCount $stats 'GenerateCostDetailsReport_CreateOperation' | Should -Be 0
            Get-EmulatorStatsCount $stats 'UsageDetails_List' | Should -BeGreaterOrEqual 2
        }

        It 'reads an MCA billing profile from usage details (modern kind) with -Source UsageDetails, with the same rows and total' {
            $records = Get-DailyUsage -BillingAccountName $mcaName -BillingProfileName $mcaProfile -StartDate $m1 -EndDate $m1End -Source UsageDetails -Metric AmortizedCost
            $actual = Measure-Usage $records
            $expected = Get-ExpectedUsage -World $world -Scope $mcaProfileScope -Month $m1 -Metric AmortizedCost
            $actual.Rows | Should -Be $expected.Rows
            Format-CostTable $actual.Cost | Should -Be (Format-CostTable $expected.Cost)
            $records[0].SourceFormat | Should -Be 'UsageDetailsModern'
            Get-EmulatorStatsCount (Get-EmulatorStats $emu) 'GenerateCostDetailsReport_CreateOperation' | Should -Be 0
        }

        It 'does not fall back when -Source CostDetails is forced on a pay-as-you-go subscription: a clear error' {
            $err = Get-ErrorFromCommand { Get-DailyUsage -SubscriptionId $paygSub -StartDate $m1 -EndDate $m1End -Source CostDetails -WarningAction SilentlyContinue }
            Assert-BillingError $err 'BillingRequestRejected' InvalidArgument
            $err.Exception.Message | Should -Match 'not supported'
            Get-EmulatorStatsCount (Get-EmulatorStats $emu) 'UsageDetails_List' | Should -Be 0
        }
    }

    Context 'pipeline input' {
        It 'takes every subscription of an account from Get-BillingSubscription: the account''s rows and total' {
            $actual = Get-BillingSubscription | Where-Object BillingAccountName -eq $eaName | Get-DailyUsage -StartDate $m1 -EndDate $m1End | Measure-Usage
            $expected = Get-ExpectedUsage -World $world -Scope $eaScope -Month $m1
            $actual.Rows | Should -Be $expected.Rows
            Format-CostTable $actual.Cost | Should -Be (Format-CostTable $expected.Cost)
            Get-EmulatorStatsCount (Get-EmulatorStats $emu) 'GenerateCostDetailsReport_CreateOperation' | Should -Be @($world.Ea.subscriptions).Count -Because 'one report per subscription'
        }

        It 'takes a billing account from Get-BillingAccount' {
            $actual = Get-BillingAccount | Where-Object Name -eq $eaName | Get-DailyUsage -StartDate $m1 -EndDate $m1End -Metric AmortizedCost | Measure-Usage
            $expected = Get-ExpectedUsage -World $world -Scope $eaScope -Month $m1 -Metric AmortizedCost
            $actual.Rows | Should -Be $expected.Rows
            Format-CostTable $actual.Cost | Should -Be (Format-CostTable $expected.Cost)
        }

        It 'takes the billing profiles of an MCA account from Get-BillingProfile: both currencies' {
            $actual = Get-BillingAccount | Where-Object Name -eq $mcaName | Get-BillingProfile | Get-DailyUsage -StartDate $m1 -EndDate $m1End | Measure-Usage
            $expected = Get-ExpectedUsage -World $world -Scope "/providers/Microsoft.Billing/billingAccounts/$mcaName" -Month $m1
            $actual.Rows | Should -Be $expected.Rows
            $actual.Cost.Keys.Count | Should -Be 2
            Format-CostTable $actual.Cost | Should -Be (Format-CostTable $expected.Cost)
        }

        It 'takes a pay-as-you-go billing period from Get-BillingPeriod (usage details billing period scope)' {
            $period = Get-BillingPeriod -SubscriptionId $paygSub | Where-Object { $_.StartDate.Date -eq $m1 }
            $period | Should -HaveCount 1
            $actual = $period | Get-DailyUsage | Measure-Usage
            $expected = Get-ExpectedUsage -World $world -Scope $paygScope -Month $m1
            $actual.Rows | Should -Be $expected.Rows
            Format-CostTable $actual.Cost | Should -Be (Format-CostTable $expected.Cost)
            Get-EmulatorStatsCount (Get-EmulatorStats $emu) 'GenerateCostDetailsReport_CreateOperation' | Should -Be 0
        }

        It 'takes an MCA invoice from Get-BillingInvoice as -InvoiceId: the rows of its billing period' {
            $invoice = Get-BillingInvoice -BillingAccountName $mcaName -BillingProfileName $mcaProfile |
                Where-Object { $_.PeriodStartDate.Date -eq $m2 }
            $invoice | Should -HaveCount 1
            $actual = $invoice | Get-DailyUsage | Measure-Usage
            $expected = Get-ExpectedUsage -World $world -Scope $mcaProfileScope -Month $m2
            $actual.Rows | Should -Be $expected.Rows
            Format-CostTable $actual.Cost | Should -Be (Format-CostTable $expected.Cost)
            Get-EmulatorStatsCount (Get-EmulatorStats $emu) 'GenerateCostDetailsReport_CreateOperation' | Should -Be 1
        }

        It 'refuses a pay-as-you-go invoice from Get-BillingInvoice before any request, pointing to the invoice''s period' {
            $invoice = Get-BillingInvoice -SubscriptionId $paygSub | Select-Object -First 1
            $invoice.InvoiceId | Should -Not -BeNullOrEmpty
            Reset-Emulator $emu
            $err = Get-ErrorFromCommand { $invoice | Get-DailyUsage }
            Assert-BillingError $err 'InvoiceIdNotSupported' InvalidArgument
            $err.Exception.Message | Should -Match 'StartDate'
            (Get-EmulatorStats $emu).totalRequests | Should -Be 0
        }

        It 'refuses -InvoiceId with -Source UsageDetails before any request (usage details have no invoice filter)' {
            Reset-Emulator $emu
            $err = Get-ErrorFromCommand { Get-DailyUsage -BillingAccountName $mcaName -BillingProfileName $mcaProfile -InvoiceId 'G000000001' -Source UsageDetails }
            Assert-BillingError $err 'InvoiceIdNeedsCostDetails' InvalidArgument
            $err.Exception.Message | Should -Match 'InvoiceId'
            $err.TargetObject | Should -Be 'G000000001'
            (Get-EmulatorStats $emu).totalRequests | Should -Be 0
        }

        It 'refuses an EA invoice id before any request' {
            $invoice = Get-BillingInvoice -BillingAccountName $eaName | Select-Object -First 1
            Reset-Emulator $emu
            $err = Get-ErrorFromCommand { $invoice | Get-DailyUsage }
            Assert-BillingError $err 'InvoiceIdNotSupported' InvalidArgument
            (Get-EmulatorStats $emu).totalRequests | Should -Be 0
        }

        It 'a mixed pipeline of invoices gives the MCA invoice''s usage and one error for each pay-as-you-go or EA invoice' {
            $invoices = @(
                Get-BillingInvoice -SubscriptionId $paygSub | Select-Object -First 1
                Get-BillingInvoice -BillingAccountName $mcaName -BillingProfileName $mcaProfile | Where-Object { $_.PeriodStartDate.Date -eq $m2 }
                Get-BillingInvoice -BillingAccountName $eaName | Select-Object -First 1
            )
            $invoices | Should -HaveCount 3
            $ev = $null
            $actual = $invoices | Get-DailyUsage -ErrorVariable ev -ErrorAction SilentlyContinue | Measure-Usage
            $expected = Get-ExpectedUsage -World $world -Scope $mcaProfileScope -Month $m2
            $actual.Rows | Should -Be $expected.Rows
            Format-CostTable $actual.Cost | Should -Be (Format-CostTable $expected.Cost)
            $ev | Should -HaveCount 2
            foreach ($e in $ev) { Assert-BillingError $e 'InvoiceIdNotSupported' InvalidArgument }
            $ev.TargetObject | Should -Be @($invoices[0].InvoiceId, $invoices[2].InvoiceId)
        }

        It 'a pay-as-you-go invoice id typed on the command line still stops the command' {
            $invoice = Get-BillingInvoice -SubscriptionId $paygSub | Select-Object -First 1
            { Get-DailyUsage -SubscriptionId $paygSub -InvoiceId $invoice.InvoiceId -ErrorAction SilentlyContinue } |
                Should -Throw -ErrorId 'InvoiceIdNotSupported*'
        }

        It 'reads an EA billing period (yyyyMM) with -BillingPeriodName' {
            $actual = Get-DailyUsage -BillingAccountName $eaName -BillingPeriodName $m2.ToString('yyyyMM') | Measure-Usage
            $expected = Get-ExpectedUsage -World $world -Scope $eaScope -Month $m2
            $actual.Rows | Should -Be $expected.Rows
            Format-CostTable $actual.Cost | Should -Be (Format-CostTable $expected.Cost)
        }
    }

    Context 'ranges longer than a month' {
        It 'splits three months of an EA account into one report per month, with exactly the world''s rows and total' {
            $actual = Get-DailyUsage -BillingAccountName $eaName -StartDate $m3 -EndDate $m1End | Measure-Usage
            $expected = Get-ExpectedUsage -World $world -Scope $eaScope -Month $m3, $m2, $m1
            $actual.Rows | Should -Be $expected.Rows
            Format-CostTable $actual.Cost | Should -Be (Format-CostTable $expected.Cost)
            Get-EmulatorStatsCount (Get-EmulatorStats $emu) 'GenerateCostDetailsReport_CreateOperation' | Should -Be 3
        }

        It 'splits two months of an MCA profile into two reports' {
            $actual = Get-DailyUsage -BillingAccountName $mcaName -BillingProfileName $mcaProfile -StartDate $m2 -EndDate $m1End -Metric AmortizedCost | Measure-Usage
            $expected = Get-ExpectedUsage -World $world -Scope $mcaProfileScope -Month $m2, $m1 -Metric AmortizedCost
            $actual.Rows | Should -Be $expected.Rows
            Format-CostTable $actual.Cost | Should -Be (Format-CostTable $expected.Cost)
            Get-EmulatorStatsCount (Get-EmulatorStats $emu) 'GenerateCostDetailsReport_CreateOperation' | Should -Be 2
        }

        It 'pages two months of pay-as-you-go usage details through nextLink (-ThrottleLimit 1: one range at a time)' {
            (Measure-Usage $cleanPayg).Rows | Should -Be (Get-ExpectedUsage -World $world -Scope $paygScope -Month $m2, $m1).Rows
            $records = Get-DailyUsage -SubscriptionId $paygSub -AgreementType MicrosoftOnlineServicesProgram -StartDate $m2 -EndDate $m1End -ThrottleLimit 1
            $expected = Get-ExpectedUsage -World $world -Scope $paygScope -Month $m2, $m1
            $actual = Measure-Usage $records
            $actual.Rows | Should -Be $expected.Rows
            Format-CostTable $actual.Cost | Should -Be (Format-CostTable $expected.Cost)
            Get-RowKeyHash $records | Should -Be $cleanPaygHash
            Get-EmulatorStatsCount (Get-EmulatorStats $emu) 'UsageDetails_List' | Should -Be 4 -Because 'two months of two 1,000-row pages each'
        }

        It 'splits a range of partial months at the month boundary: exactly the rows of those days' {
            $from = $m2.AddDays(14); $to = $m1.AddDays(9)
            $records = Get-DailyUsage -BillingAccountName $eaName -StartDate $from -EndDate $to
            Get-RowKey $records | Should -Be (Get-RowKey @($cleanEa | Where-Object { $_.Date -ge $from -and $_.Date -le $to }))
            Get-EmulatorStatsCount (Get-EmulatorStats $emu) 'GenerateCostDetailsReport_CreateOperation' | Should -Be 2
        }

        It 'reads the current month to date when no time is given' {
            $m0 = Get-MonthStart $world 0
            $records = Get-DailyUsage -SubscriptionId $eaSub -AgreementType EnterpriseAgreement
            Skip-IfDayChanged $world.Today
            $expected = Get-ExpectedUsage -World $world -Scope "/subscriptions/$eaSub" -Month $m0
            $actual = Measure-Usage $records
            $actual.Rows | Should -Be $expected.Rows
            if ($expected.Rows -eq 0) {
                # The 1st of a month: no usage yet this month (the world's facts list the currency at 0).
                @($records) | Should -HaveCount 0
                return
            }
            Format-CostTable $actual.Cost | Should -Be (Format-CostTable $expected.Cost)
            ($records.Date | Sort-Object)[0] | Should -Be $m0
        }

        It 'gives no records and no error for a period without usage (<Name>)' -ForEach @(
            @{ Name = 'cost details report with no data'; Agreement = 'EnterpriseAgreement' }
            @{ Name = 'usage details 204'; Agreement = 'MicrosoftOnlineServicesProgram' }
        ) {
            $today = [DateTime]::UtcNow.Date
            $sub = if ($Agreement -eq 'EnterpriseAgreement') { $eaSub } else { $paygSub }
            $records = @(Get-DailyUsage -SubscriptionId $sub -AgreementType $Agreement -StartDate $today -EndDate $today -ErrorVariable errs)
            $records | Should -HaveCount 0
            $errs | Should -BeNullOrEmpty
            (Get-EmulatorStats $emu).totalRequests | Should -BeGreaterThan 0 -Because 'the service was asked'
        }

        It 'keeps records in date order across chunks' {
            $dates = $cleanEa.Date
            for ($i = 1; $i -lt $dates.Count; $i++) { if ($dates[$i] -lt $dates[$i - 1]) { throw "Record $i ($($dates[$i])) comes after $($dates[$i - 1])." } }
            $cleanEa.Count | Should -Be (Get-ExpectedUsage -World $world -Scope $eaScope -Month $m2, $m1).Rows
        }
    }

    Context 'faults give exactly the rows of a clean run' -Tag 'NoClock' {
        It '429 storm on the report request and its poll, header <_>' -ForEach $script:RetryHeaderKinds {
            # "CostDetails" is in both generateCostDetailsReport (the request) and costDetailsOperationResults (the poll).
            # Faults are a function of the request's sequence number: run until the storm has hit a few times; every
            # run under it must give exactly the clean rows.
            $null = Set-EmulatorFaults $emu @{ fault429Rate = 0.25; fault429Header = $_; pathContains = 'CostDetails' }
            $runs = Invoke-UntilFaulted -Emulator $emu -Kind "429:$_" -Minimum 1 -ScriptBlock { Get-DailyUsage -SubscriptionId $eaSub -AgreementType EnterpriseAgreement -StartDate $m2 -EndDate $m1End }
            Get-EmulatorFaultCount (Get-EmulatorStats $emu) "429:$_" | Should -BeGreaterOrEqual 1 -Because 'the storm must have happened'
            foreach ($records in $runs) {
                $records.Count | Should -Be $cleanEaSub.Count
                Get-RowKeyHash $records | Should -Be $cleanEaSubHash -Because 'no row is missing and none comes twice'
            }
        }

        It '429 storms on the report request alone and on the poll alone' {
            $null = Set-EmulatorFaults $emu @{ fault429Rate = 0.25; fault429Header = 'rotate'; pathContains = 'generateCostDetailsReport' }
            $a = Invoke-UntilFaulted -Emulator $emu -Kind '*' -Minimum 1 -ScriptBlock { Get-DailyUsage -SubscriptionId $eaSub -AgreementType EnterpriseAgreement -StartDate $m2 -EndDate $m1End }
            $createStats = Get-EmulatorStats $emu
            Reset-Emulator $emu
            $null = Set-EmulatorFaults $emu @{ fault429Rate = 0.25; fault429Header = 'rotate'; pathContains = 'costDetailsOperationResults' }
            $b = Invoke-UntilFaulted -Emulator $emu -Kind '*' -Minimum 1 -ScriptBlock { Get-DailyUsage -SubscriptionId $eaSub -AgreementType EnterpriseAgreement -StartDate $m2 -EndDate $m1End }
            $pollStats = Get-EmulatorStats $emu
            Get-EmulatorStatsCount $createStats 'GenerateCostDetailsReport_CreateOperation' | Should -Be (2 * @($a).Count + $createStats.totalFaults) -Because 'each throttled report request was sent again, once'
            Get-EmulatorStatsCount $pollStats 'GenerateCostDetailsReport_CreateOperation' | Should -Be (2 * @($b).Count) -Because 'a throttled poll is polled again, the report is not asked for again'
            $pollStats.totalFaults | Should -BeGreaterThan 0
            foreach ($records in @($a) + @($b)) { Get-RowKeyHash $records | Should -Be $cleanEaSubHash }
        }

        It '429 storm on usage details paging, header <_>' -ForEach $script:RetryHeaderKinds {
            $null = Set-EmulatorFaults $emu @{ fault429Rate = 0.25; fault429Header = $_; pathContains = 'usageDetails' }
            $runs = Invoke-UntilFaulted -Emulator $emu -Kind "429:$_" -Minimum 1 -ScriptBlock { Get-DailyUsage -SubscriptionId $paygSub -AgreementType MicrosoftOnlineServicesProgram -StartDate $m2 -EndDate $m1End }
            Get-EmulatorFaultCount (Get-EmulatorStats $emu) "429:$_" | Should -BeGreaterOrEqual 1
            foreach ($records in $runs) {
                $records.Count | Should -Be $cleanPayg.Count
                Get-RowKeyHash $records | Should -Be $cleanPaygHash
            }
        }

        It 'a connection reset in the middle of CSV blobs: resumed, nothing lost or doubled' {
            $null = Set-EmulatorFaults $emu @{ faultResetRate = 0.3; resetTargets = @('csv') }
            $runs = Invoke-UntilFaulted -Emulator $emu -Kind 'reset-csv' -Minimum 2 -ScriptBlock { Get-DailyUsage -SubscriptionId $eaSub -AgreementType EnterpriseAgreement -StartDate $m2 -EndDate $m1End }
            Get-EmulatorFaultCount (Get-EmulatorStats $emu) 'reset-csv' | Should -BeGreaterOrEqual 2
            foreach ($records in $runs) {
                $records.Count | Should -Be $cleanEaSub.Count
                Get-RowKeyHash $records | Should -Be $cleanEaSubHash
            }
        }

        It 'a connection reset in the middle of a usage details page: nothing lost or doubled' {
            $null = Set-EmulatorFaults $emu @{ faultResetRate = 0.3; resetTargets = @('json'); pathContains = 'usageDetails' }
            $runs = Invoke-UntilFaulted -Emulator $emu -Kind 'reset-json' -Minimum 1 -ScriptBlock { Get-DailyUsage -SubscriptionId $paygSub -AgreementType MicrosoftOnlineServicesProgram -StartDate $m2 -EndDate $m1End }
            Get-EmulatorFaultCount (Get-EmulatorStats $emu) 'reset-json' | Should -BeGreaterThan 0
            foreach ($records in $runs) {
                $records.Count | Should -Be $cleanPayg.Count
                Get-RowKeyHash $records | Should -Be $cleanPaygHash
            }
        }

        It 'a SAS link that expired before the download: the report is asked for again, rows exactly once' {
            # The first link the emulator issues has already expired; the renewed report's links work.
            $null = Set-EmulatorFaults $emu @{ sasMode = 'expired'; sasExpiredLinks = 1 }
            $records = Get-DailyUsage -BillingAccountName $eaName -StartDate $m1 -EndDate $m1End
            $stats = Get-EmulatorStats $emu
            Get-EmulatorFaultCount $stats 'blob-expired' | Should -BeGreaterThan 0
            Get-EmulatorStatsCount $stats 'GenerateCostDetailsReport_CreateOperation' | Should -BeGreaterThan 1 -Because 'the expired report was asked for again'
            $expected = Get-ExpectedUsage -World $world -Scope $eaScope -Month $m1
            $actual = Measure-Usage $records
            $actual.Rows | Should -Be $expected.Rows
            Format-CostTable $actual.Cost | Should -Be (Format-CostTable $expected.Cost)
            Get-RowKey $records | Should -Be (Get-RowKey @($cleanEa | Where-Object { $_.Date -ge $m1 }))
        }

        It 'links that never work give a clear error, not a hang' {
            $null = Set-EmulatorFaults $emu @{ sasMode = 'expired' }
            $err = Get-ErrorFromCommand { Get-DailyUsage -BillingAccountName $eaName -StartDate $m1 -EndDate $m1End }
            Assert-BillingError $err 'DownloadRefused' ResourceUnavailable
            Find-Secret -Text @($err) | Should -BeNullOrEmpty -Because 'the SAS signature is never shown'
        }
    }

    Context 'a stopped pipeline' -Tag 'NoClock' {
        It 'Select-Object -First 10 returns promptly and stops the downloads' {
            $sw = [Diagnostics.Stopwatch]::StartNew()
            $first = Get-DailyUsage -BillingAccountName $eaName -StartDate $m3 -EndDate $m1End | Select-Object -First 10
            $sw.Stop()
            $first | Should -HaveCount 10
            $sw.Elapsed.TotalSeconds | Should -BeLessThan 60 -Because 'the three monthly reports are not fetched to the end'
            # A request already on the wire when the pipeline stopped may still be counted: wait until the count has
            # held for a second (bounded), then check that it still holds two seconds later.
            $script:lastCount = -1
            Wait-Until -TimeoutSeconds 30 -What 'the request count to settle' -Condition {
                $n = (Get-EmulatorStats $emu).totalRequests
                $settled = $n -eq $script:lastCount
                $script:lastCount = $n
                if (-not $settled) { Start-Sleep -Milliseconds 1000 }
                $settled
            }
            $after = Get-EmulatorStats $emu
            Start-Sleep -Milliseconds 2000
            $later = Get-EmulatorStats $emu
            $later.totalRequests | Should -Be $after.totalRequests -Because 'no request goes on after the pipeline stopped'
        }

        It 'works normally after a stopped pipeline' {
            $null = Get-DailyUsage -BillingAccountName $eaName -StartDate $m1 -EndDate $m1End | Select-Object -First 1
            (Get-DailyUsage -BillingAccountName $eaName -StartDate $m1 -EndDate $m1End | Measure-Usage).Rows |
                Should -Be (Get-ExpectedUsage -World $world -Scope $eaScope -Month $m1).Rows
        }
    }

    Context 'bad input is refused before any request' {
        It '<Name>' -ForEach @(
            @{ Name = 'end before start'; Id = 'EndBeforeStart'; Category = 'InvalidArgument'; Call = { Get-DailyUsage -BillingAccountName $eaName -StartDate $m1End -EndDate $m1 } }
            @{ Name = 'start date in the future'; Id = 'StartDateInFuture'; Category = 'InvalidArgument'; Call = { Get-DailyUsage -BillingAccountName $eaName -StartDate ([DateTime]::UtcNow.Date.AddDays(3)) -EndDate ([DateTime]::UtcNow.Date.AddDays(5)) } }
            @{ Name = 'end date in the future'; Id = 'EndDateInFuture'; Category = 'InvalidArgument'; Call = { Get-DailyUsage -BillingAccountName $eaName -StartDate $m1 -EndDate ([DateTime]::UtcNow.Date.AddDays(2)) } }
            @{ Name = 'older than 13 months (cost details)'; Id = 'StartDateTooOld'; Category = 'InvalidArgument'; Call = { Get-DailyUsage -BillingAccountName $eaName -StartDate ([DateTime]::UtcNow.Date.AddMonths(-15)) -EndDate ([DateTime]::UtcNow.Date.AddMonths(-14)) } }
            @{ Name = 'conflicting time parameters (dates and a billing period)'; Id = 'ConflictingTimeParameters'; Category = 'InvalidArgument'; Call = { Get-DailyUsage -BillingAccountName $eaName -StartDate $m1 -BillingPeriodName $m1.ToString('yyyyMM') } }
            @{ Name = 'conflicting time parameters (billing period and invoice)'; Id = 'ConflictingTimeParameters'; Category = 'InvalidArgument'; Call = { Get-DailyUsage -BillingAccountName $mcaName -BillingProfileName $mcaProfile -InvoiceId 'G123456789' -BillingPeriodName '202401' } }
            @{ Name = 'missing scope'; Id = 'ScopeRequired'; Category = 'InvalidArgument'; Call = { Get-DailyUsage -StartDate $m1 -EndDate $m1End } }
            @{ Name = 'a billing profile without its account'; Id = 'BillingAccountNameRequired'; Category = 'InvalidArgument'; Call = { Get-DailyUsage -BillingProfileName $mcaProfile -StartDate $m1 -EndDate $m1End } }
            @{ Name = 'an invoice section without its profile'; Id = 'BillingProfileNameRequired'; Category = 'InvalidArgument'; Call = { Get-DailyUsage -BillingAccountName $mcaName -InvoiceSectionName 'x' -StartDate $m1 -EndDate $m1End } }
            @{ Name = 'a subscription id that is not a GUID'; Id = 'ParameterArgumentValidationError'; Category = 'InvalidData'; Call = { Get-DailyUsage -SubscriptionId 'not-a-guid' -StartDate $m1 -EndDate $m1End } }
            @{ Name = 'an unknown metric'; Id = 'ParameterArgumentValidationError'; Category = 'InvalidData'; Call = { Get-DailyUsage -BillingAccountName $eaName -Metric Usage } }
            @{ Name = 'a malformed billing period name'; Id = 'ParameterArgumentValidationError'; Category = 'InvalidData'; Call = { Get-DailyUsage -BillingAccountName $eaName -BillingPeriodName '2024-01' } }
            @{ Name = 'a pay-as-you-go period name (yyyyMM-n) for an EA account'; Id = 'BillingPeriodNameIsPayAsYouGo'; Category = 'InvalidArgument'; Call = { Get-DailyUsage -BillingAccountName $eaName -BillingPeriodName ($m1.ToString('yyyyMM') + '-1') } }
            @{ Name = 'a pay-as-you-go period name for an EA subscription piped in'; Id = 'BillingPeriodNameIsPayAsYouGo'; Category = 'InvalidArgument'; Call = { Get-DailyUsage -SubscriptionId $world.Ea.subscriptions[0].subscriptionId -AgreementType EnterpriseAgreement -BillingPeriodName ($m1.ToString('yyyyMM') + '-1') } }
            @{ Name = 'a billing period for an MCA billing profile'; Id = 'BillingPeriodNotSupported'; Category = 'InvalidArgument'; Call = { Get-DailyUsage -BillingAccountName $mcaName -BillingProfileName $mcaProfile -BillingPeriodName $m1.ToString('yyyyMM') } }
        ) {
            $err = Get-ErrorFromCommand $Call
            Assert-BillingError $err $Id $Category
            (Get-EmulatorStats $emu).totalRequests | Should -Be 0 -Because 'nothing is sent for bad input'
        }
    }
}
