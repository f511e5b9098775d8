# Bad input across every cmdlet (issue 5), table-driven: each case must end in a PowerShell error with a stable ErrorId
# (FullyQualifiedErrorId prefix) and the right ErrorCategory, never show a .NET stack trace, never hang (each case runs
# in its own runspace with a timeout) and change nothing on disk (the case's folder is snapshotted before and after).
# A server answer that is not JSON (the blob host's XML answering ARM calls) is part of the table; truncated bodies are
# retried (8 times, backoff up to 60 s: minutes when every answer is cut) and are covered by tools/Faults.ps1. The CSV mutation test (thousands of mutated files through the engine's reader) is the xunit
# UsageMutationTests; tools/Faults.ps1 runs it bigger.

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    $script:modulePath = Get-TestModulePath
    $script:emu = Start-TestEmulator
    $script:world = Get-EmulatorWorld $emu
    $script:payg = ($world.accounts | Where-Object agreementType -EQ 'MicrosoftOnlineServicesProgram').name
    $script:ea = ($world.accounts | Where-Object agreementType -EQ 'EnterpriseAgreement').name
    $script:mca = ($world.accounts | Where-Object agreementType -EQ 'MicrosoftCustomerAgreement').name
    $script:paygSub = @(($world.accounts | Where-Object agreementType -EQ 'MicrosoftOnlineServicesProgram').subscriptions)[0].subscriptionId

    # Input files, made once; a case copies what it needs into its own folder.
    $script:fixtures = Join-Path $TestDrive 'fixtures'
    $null = New-Item -ItemType Directory -Path $fixtures
    $header = 'SubscriptionId,SubscriptionName,Date,MeterCategory,Quantity,CostInBillingCurrency,BillingCurrency,ResourceId'
    $row = '0634a880-73f9-408b-ae4d-9ca5d767aba2,EA Production 1,10/01/2026,Storage,1.5,2.25,EUR,/subscriptions/x/resourceGroups/rg/providers/Microsoft.Storage/storageAccounts/s'
    [IO.File]::WriteAllText((Join-Path $fixtures 'unbalanced.csv'), "$header`n" + ($row -replace 'EA Production 1', '"EA Production 1') + "`n$row`n")
    [IO.File]::WriteAllText((Join-Path $fixtures 'formula.csv'), "$header`n" + ($row -replace ',1\.5,2\.25,', ',=1+1,=HYPERLINK("http://x"),') + "`n")
    [IO.File]::WriteAllText((Join-Path $fixtures 'utf32.csv'), "$header`n$row`n", [Text.UTF32Encoding]::new($true, $false))
    $rnd = [Random]::new(42); $bytes = [byte[]]::new(65536); $rnd.NextBytes($bytes)
    [IO.File]::WriteAllBytes((Join-Path $fixtures 'garbage.csv'), $bytes)
    [IO.File]::WriteAllText((Join-Path $fixtures 'oneline.csv'), ('A' * (10MB)))
    [IO.File]::WriteAllText((Join-Path $fixtures 'empty.csv'), '')
    [IO.File]::WriteAllText((Join-Path $fixtures 'unknown.csv'), "Foo,Bar,Baz`n1,2,3`n")
    [IO.File]::WriteAllText((Join-Path $fixtures 'latin1.csv'), "$header`n" + ($row -replace 'EA Production 1', "Caf`u{e9} `u{ff}`u{fe}") + "`n", [Text.Encoding]::Latin1)
    [IO.File]::WriteAllText((Join-Path $fixtures 'existing.csv'), "keep me`n")

    # One runspace for all cases, connected once; each case runs with a timeout and Stop() on expiry.
    $iss = [initialsessionstate]::CreateDefault2()
    $script:rs = [runspacefactory]::CreateRunspace($iss)
    $rs.Open()
    # Dates in the cases: the first two days of last month, so no case ever meets the "too old" limit instead.
    $lastMonth = [datetime]::UtcNow.Date.AddDays(1 - [datetime]::UtcNow.Day).AddMonths(-1)
    $script:caseVars = @{ Day1 = $lastMonth.ToString('yyyy-MM-dd'); Day2 = $lastMonth.AddDays(1).ToString('yyyy-MM-dd'); Period = $lastMonth.ToString('yyyyMM')
        ArmUrl = $emu.ArmUrl; BlobUrl = $emu.BlobUrl; Token = $emu.Token; Payg = $payg; Ea = $ea; Mca = $mca; PaygSub = $paygSub; Fixtures = $fixtures }
    $ps = [powershell]::Create(); $ps.Runspace = $rs
    $null = $ps.AddScript({
        param($modulePath, $vars)
        $ErrorActionPreference = 'Stop'
        $ProgressPreference = 'SilentlyContinue'
        Import-Module $modulePath
        foreach ($k in $vars.Keys) { Set-Variable -Name $k -Value $vars[$k] -Scope Global }
        $global:SecureToken = ConvertTo-SecureString $vars.Token -AsPlainText -Force
        $null = Connect-BillingAccount -ResourceManagerUrl $vars.ArmUrl -AccessToken $global:SecureToken
    }).AddArgument($modulePath).AddArgument($caseVars)
    $null = $ps.Invoke(); $ps.Dispose()

    function Get-Snapshot([string] $Path) {
        @(Get-ChildItem -LiteralPath $Path -Recurse -Force | Sort-Object FullName | ForEach-Object {
            if ($_.PSIsContainer) { "D $($_.FullName)" }
            else { "F $($_.FullName) $($_.Length) $((Get-FileHash -LiteralPath $_.FullName -Algorithm MD5).Hash)" }
        }) -join "`n"
    }

    function Invoke-Case([string] $Script, [int] $TimeoutSeconds, [string] $Dir, [hashtable] $Faults) {
        $ps = [powershell]::Create(); $ps.Runspace = $script:rs
        $wrapped = @"
`$ErrorActionPreference = 'Stop'
`$D = '$Dir'
`$null = Connect-BillingAccount -ResourceManagerUrl `$ArmUrl -AccessToken `$SecureToken
try { `$null = & { $Script } -ErrorAction Stop; 'NO ERROR' }
catch { `$_ }
"@
        $null = $ps.AddScript($wrapped)
        if ($Faults) { Set-EmulatorFaults $script:emu $Faults | Out-Null }
        try {
            $h = $ps.BeginInvoke()
            if (-not $h.AsyncWaitHandle.WaitOne($TimeoutSeconds * 1000)) {
                $ps.Stop()
                return [pscustomobject]@{ Hung = $true; Result = $null; Errors = @() }
            }
            $out = @($ps.EndInvoke($h))
            [pscustomobject]@{ Hung = $false; Result = ($out | Select-Object -Last 1); Errors = @($ps.Streams.Error) }
        }
        catch { [pscustomobject]@{ Hung = $false; Result = $_; Errors = @() } }
        finally {
            if ($Faults) { Set-EmulatorFaults $script:emu @{} | Out-Null }
            $ps.Dispose()
        }
    }
}

AfterAll {
    if ($script:rs) { $script:rs.Dispose() }
    Get-ChildItem -LiteralPath $TestDrive -Recurse -Directory -ErrorAction Ignore | ForEach-Object { & chattr -i $_.FullName 2>$null }
    Stop-TestEmulator $script:emu
}

Describe 'Bad input' {
    It '<Cmdlet>: <Case>' -ForEach @(
        # ---- Connect-BillingAccount / Disconnect-BillingAccount / Get-BillingContext
        @{ Cmdlet = 'Connect-BillingAccount'; Case = 'Resource Manager URL over http'; Script = 'Connect-BillingAccount -ResourceManagerUrl "http://127.0.0.1:1/" -AccessToken $SecureToken'; Id = 'ResourceManagerUrlNotHttps'; Cat = 'SecurityError' }
        @{ Cmdlet = 'Connect-BillingAccount'; Case = 'null access token'; Script = 'Connect-BillingAccount -ResourceManagerUrl $ArmUrl -AccessToken $null'; Id = 'ParameterArgumentValidationError'; Cat = 'InvalidData' }
        @{ Cmdlet = 'Connect-BillingAccount'; Case = 'access token of the wrong type'; Script = 'Connect-BillingAccount -ResourceManagerUrl $ArmUrl -AccessToken 12'; Id = 'CannotConvertArgumentNoMessage'; Cat = 'InvalidArgument' }
        @{ Cmdlet = 'Connect-BillingAccount'; Case = 'unknown environment'; Script = 'Connect-BillingAccount -Environment NoSuchCloud -AccessToken $SecureToken'; Id = 'ParameterArgumentValidationError'; Cat = 'InvalidData' }
        @{ Cmdlet = 'Connect-BillingAccount'; Case = 'relative Resource Manager URL'; Script = 'Connect-BillingAccount -ResourceManagerUrl "not/a/url" -AccessToken $SecureToken'; Id = 'ResourceManagerUrlNotHttps'; Cat = 'SecurityError' }
        @{ Cmdlet = 'Connect-BillingAccount'; Case = 'two sign-in methods at once'; Script = 'Connect-BillingAccount -ResourceManagerUrl $ArmUrl -AccessToken $SecureToken -Identity'; Id = 'AmbiguousParameterSet'; Cat = 'InvalidArgument' }
        @{ Cmdlet = 'Connect-BillingAccount'; Case = 'a token the service rejects'; Script = 'Connect-BillingAccount -ResourceManagerUrl $ArmUrl -AccessToken (ConvertTo-SecureString "wrong-token" -AsPlainText -Force)'; Id = 'AuthenticationFailed'; Cat = 'AuthenticationError' }
        @{ Cmdlet = 'Connect-BillingAccount'; Case = 'server answers that are not JSON (blob host as Resource Manager)'; Script = 'Connect-BillingAccount -ResourceManagerUrl $BlobUrl -AccessToken $SecureToken'; Id = 'BillingRequestRejected'; Cat = 'InvalidArgument' }
        @{ Cmdlet = 'Connect-BillingAccount'; Case = 'certificate file that does not exist'; Script = 'Connect-BillingAccount -ServicePrincipal -TenantId 00000000-0000-0000-0000-000000000001 -ClientId 00000000-0000-0000-0000-000000000002 -CertificatePath "$D/none.pem" -ResourceManagerUrl $ArmUrl'; Id = 'CertificateFileNotFound'; Cat = 'ObjectNotFound' }
        @{ Cmdlet = 'Disconnect-BillingAccount'; Case = 'unknown parameter'; Script = 'Disconnect-BillingAccount -Force'; Id = 'NamedParameterNotFound'; Cat = 'InvalidArgument' }
        @{ Cmdlet = 'Get-BillingContext'; Case = 'positional argument it does not take'; Script = 'Get-BillingContext foo'; Id = 'PositionalParameterNotFound'; Cat = 'InvalidArgument' }
        # ---- Get-BillingAccount / Get-BillingProfile / Get-BillingSubscription
        @{ Cmdlet = 'Get-BillingAccount'; Case = 'unknown name'; Script = 'Get-BillingAccount -Name "no-such-account"'; Id = 'BillingObjectNotFound'; Cat = 'ObjectNotFound' }
        @{ Cmdlet = 'Get-BillingAccount'; Case = 'empty name'; Script = 'Get-BillingAccount -Name ""'; Id = 'ParameterArgumentValidationError'; Cat = 'InvalidData' }
        @{ Cmdlet = 'Get-BillingProfile'; Case = 'unknown billing account'; Script = 'Get-BillingProfile -BillingAccountName "no-such-account"'; Id = 'BillingObjectNotFound'; Cat = 'ObjectNotFound' }
        @{ Cmdlet = 'Get-BillingProfile'; Case = 'wildcard in -BillingAccountName'; Script = 'Get-BillingProfile -BillingAccountName "14*"'; Id = 'ParameterArgumentValidationError'; Cat = 'InvalidData'; Says = 'pipe them' }
        @{ Cmdlet = 'Get-BillingProfile'; Case = 'unknown profile name'; Script = 'Get-BillingProfile -BillingAccountName $Mca -Name "NOPE-NOPE"'; Id = 'BillingObjectNotFound'; Cat = 'ObjectNotFound' }
        @{ Cmdlet = 'Get-BillingSubscription'; Case = 'subscription id not a GUID'; Script = 'Get-BillingSubscription -BillingAccountName $Payg -SubscriptionId "not-a-guid"'; Id = 'ParameterArgumentValidationError'; Cat = 'InvalidData' }
        @{ Cmdlet = 'Get-BillingSubscription'; Case = 'unknown subscription'; Script = 'Get-BillingSubscription -BillingAccountName $Payg -SubscriptionId ([guid]::Empty)'; Id = 'BillingObjectNotFound'; Cat = 'ObjectNotFound' }
        # ---- Get-BillingInvoice / Save-BillingInvoice / Get-BillingPeriod
        @{ Cmdlet = 'Get-BillingInvoice'; Case = 'end before start'; Script = 'Get-BillingInvoice -BillingAccountName $Payg -PeriodStartDate $Day2 -PeriodEndDate $Day1'; Id = 'EndBeforeStart'; Cat = 'InvalidArgument' }
        @{ Cmdlet = 'Get-BillingCost'; Case = 'start date out of range (future)'; Script = 'Get-BillingCost -BillingAccountName $Ea -StartDate 3000-01-01 -EndDate 3000-01-31'; Id = 'StartDateInFuture'; Cat = 'InvalidArgument' }
        @{ Cmdlet = 'Get-BillingCost'; Case = 'a future start alone (not EndBeforeStart)'; Script = 'Get-BillingCost -BillingAccountName $Ea -StartDate 3000-01-01'; Id = 'StartDateInFuture'; Cat = 'InvalidArgument' }
        @{ Cmdlet = 'Get-BillingInvoice'; Case = 'a future start alone (not EndBeforeStart)'; Script = 'Get-BillingInvoice -BillingAccountName $Payg -PeriodStartDate 3000-01-01'; Id = 'StartDateInFuture'; Cat = 'InvalidArgument' }
        @{ Cmdlet = 'Get-BillingInvoice'; Case = 'a future end'; Script = 'Get-BillingInvoice -BillingAccountName $Payg -PeriodEndDate 3000-01-01'; Id = 'EndDateInFuture'; Cat = 'InvalidArgument' }
        @{ Cmdlet = 'Get-DailyUsage'; Case = 'a future start alone'; Script = 'Get-DailyUsage -BillingAccountName $Ea -StartDate 3000-01-01'; Id = 'StartDateInFuture'; Cat = 'InvalidArgument' }
        @{ Cmdlet = 'Get-BillingInvoice'; Case = 'date that is not a date'; Script = 'Get-BillingInvoice -BillingAccountName $Payg -PeriodStartDate "last tuesday"'; Id = 'CannotConvertArgumentNoMessage'; Cat = 'InvalidArgument' }
        @{ Cmdlet = 'Get-BillingInvoice'; Case = 'unknown invoice name'; Script = 'Get-BillingInvoice -BillingAccountName $Payg -Name E000000000'; Id = 'BillingObjectNotFound'; Cat = 'ObjectNotFound' }
        @{ Cmdlet = 'Get-BillingInvoice'; Case = 'unknown status'; Script = 'Get-BillingInvoice -BillingAccountName $Payg -Status Bogus'; Id = 'ParameterArgumentValidationError'; Cat = 'InvalidData' }
        @{ Cmdlet = 'Get-BillingInvoice'; Case = 'wildcard in -BillingAccountName'; Script = 'Get-BillingInvoice -BillingAccountName "80*"'; Id = 'ParameterArgumentValidationError'; Cat = 'InvalidData'; Says = 'pipe them' }
        @{ Cmdlet = 'Save-BillingInvoice'; Case = 'unknown invoice name'; Script = 'Save-BillingInvoice -Name E000000000 -BillingAccountName $Payg -Destination $D'; Id = 'BillingObjectNotFound'; Cat = 'ObjectNotFound' }
        @{ Cmdlet = 'Save-BillingInvoice'; Case = 'destination that is a file'; Script = 'Get-BillingInvoice -BillingAccountName $Payg -Latest | Select-Object -First 1 | Save-BillingInvoice -Destination "$D/existing.csv"'; Files = @('existing.csv'); Id = 'DestinationIsAFile'; Cat = 'InvalidArgument' }
        @{ Cmdlet = 'Save-BillingInvoice'; Case = 'read-only destination'; Script = 'Get-BillingInvoice -BillingAccountName $Payg -Latest | Select-Object -First 1 | Save-BillingInvoice -Destination "$D/ro"'; ReadOnly = 'ro'; Id = 'FileAccessDenied'; Cat = 'PermissionDenied' }
        @{ Cmdlet = 'Save-BillingInvoice'; Case = 'unknown document type'; Script = 'Save-BillingInvoice -Name E000000000 -BillingAccountName $Payg -Destination $D -DocumentType Bogus'; Id = 'ParameterArgumentValidationError'; Cat = 'InvalidData' }
        @{ Cmdlet = 'Save-BillingInvoice'; Case = 'throttle limit 0'; Script = 'Save-BillingInvoice -Name E000000000 -BillingAccountName $Payg -Destination $D -ThrottleLimit 0'; Id = 'ParameterArgumentValidationError'; Cat = 'InvalidData' }
        @{ Cmdlet = 'Save-BillingInvoice'; Case = 'input object of the wrong type'; Script = '"E000000000" | Save-BillingInvoice -Destination $D'; Id = 'InputObjectNotBound'; Cat = 'InvalidArgument' }
        @{ Cmdlet = 'Save-BillingInvoice'; Case = 'empty invoice name'; Script = 'Save-BillingInvoice -Name "" -BillingAccountName $Payg -Destination $D'; Id = 'ParameterArgumentValidationError'; Cat = 'InvalidData' }
        @{ Cmdlet = 'Get-BillingPeriod'; Case = 'subscription id not a GUID'; Script = 'Get-BillingPeriod -SubscriptionId "12345"'; Id = 'ParameterArgumentValidationError'; Cat = 'InvalidData' }
        @{ Cmdlet = 'Get-BillingPeriod'; Case = 'unknown period'; Script = 'Get-BillingPeriod -SubscriptionId $PaygSub -Name 199001-1'; Id = 'BillingObjectNotFound'; Cat = 'ObjectNotFound' }
        # ---- Get-BillingCost / Get-BillingCostEstimate / Get-DailyUsage
        @{ Cmdlet = 'Get-BillingCost'; Case = 'end before start'; Script = 'Get-BillingCost -BillingAccountName $Ea -StartDate $Day2 -EndDate $Day1'; Id = 'EndBeforeStart'; Cat = 'InvalidArgument' }
        @{ Cmdlet = 'Get-BillingCost'; Case = 'unknown granularity'; Script = 'Get-BillingCost -BillingAccountName $Ea -Granularity Hourly'; Id = 'ParameterArgumentValidationError'; Cat = 'InvalidData' }
        @{ Cmdlet = 'Get-BillingCost'; Case = 'unknown timeframe'; Script = 'Get-BillingCost -BillingAccountName $Ea -Timeframe Yesteryear'; Id = 'ParameterArgumentValidationError'; Cat = 'InvalidData' }
        @{ Cmdlet = 'Get-BillingCost'; Case = 'no scope while several accounts'; Script = 'Get-BillingCost -BillingAccountName "no-such-account"'; Id = 'BillingObjectNotFound'; Cat = 'ObjectNotFound' }
        @{ Cmdlet = 'Get-BillingCostEstimate'; Case = 'unknown metric'; Script = 'Get-BillingCostEstimate -BillingAccountName $Ea -Metric Bogus'; Id = 'ParameterArgumentValidationError'; Cat = 'InvalidData' }
        @{ Cmdlet = 'Get-BillingCostEstimate'; Case = 'subscription id not a GUID'; Script = 'Get-BillingCostEstimate -SubscriptionId "sub-1"'; Id = 'ParameterArgumentValidationError'; Cat = 'InvalidData' }
        @{ Cmdlet = 'Get-DailyUsage'; Case = 'dates in the far future'; Script = 'Get-DailyUsage -BillingAccountName $Ea -StartDate 3000-01-01 -EndDate 3000-01-31'; Id = 'StartDateInFuture'; Cat = 'InvalidArgument' }
        @{ Cmdlet = 'Get-DailyUsage'; Case = 'end before start'; Script = 'Get-DailyUsage -BillingAccountName $Ea -StartDate $Day2 -EndDate $Day1'; Id = 'EndBeforeStart'; Cat = 'InvalidArgument' }
        @{ Cmdlet = 'Get-DailyUsage'; Case = 'conflicting time parameters'; Script = 'Get-DailyUsage -BillingAccountName $Ea -StartDate $Day1 -BillingPeriodName $Period'; Id = 'ConflictingTimeParameters'; Cat = 'InvalidArgument' }
        @{ Cmdlet = 'Get-DailyUsage'; Case = 'unknown metric'; Script = 'Get-DailyUsage -BillingAccountName $Ea -Metric Bogus'; Id = 'ParameterArgumentValidationError'; Cat = 'InvalidData' }
        @{ Cmdlet = 'Get-DailyUsage'; Case = 'subscription id with a wildcard'; Script = 'Get-DailyUsage -SubscriptionId "0634a880-*"'; Id = 'ParameterArgumentValidationError'; Cat = 'InvalidData' }
        # ---- Export-DailyUsage
        @{ Cmdlet = 'Export-DailyUsage'; Case = 'folder that does not exist'; Script = 'Export-DailyUsage -BillingAccountName $Ea -StartDate $Day1 -EndDate $Day2 -Path "$D/missing/u.csv"'; Id = 'FolderNotFound'; Cat = 'ObjectNotFound' }
        @{ Cmdlet = 'Export-DailyUsage'; Case = 'wrong extension'; Script = 'Export-DailyUsage -BillingAccountName $Ea -StartDate $Day1 -EndDate $Day2 -Path "$D/u.txt"'; Id = 'UnsupportedExtension'; Cat = 'InvalidArgument' }
        @{ Cmdlet = 'Export-DailyUsage'; Case = 'wildcard in -Path'; Script = 'Export-DailyUsage -BillingAccountName $Ea -StartDate $Day1 -EndDate $Day2 -Path "$D/*.csv"'; Id = 'WildcardNotSupported'; Cat = 'InvalidArgument' }
        @{ Cmdlet = 'Export-DailyUsage'; Case = 'existing file without -Force'; Script = 'Export-DailyUsage -BillingAccountName $Ea -StartDate $Day1 -EndDate $Day2 -Path "$D/existing.csv"'; Files = @('existing.csv'); Id = 'FileExists'; Cat = 'ResourceExists' }
        @{ Cmdlet = 'Export-DailyUsage'; Case = 'a folder as -Path'; Script = 'Export-DailyUsage -BillingAccountName $Ea -StartDate $Day1 -EndDate $Day2 -Path "$D/sub.csv"'; Folder = 'sub.csv'; Id = 'PathIsAFolder'; Cat = 'InvalidArgument' }
        @{ Cmdlet = 'Export-DailyUsage'; Case = 'read-only folder'; Script = 'Export-DailyUsage -BillingAccountName $Ea -StartDate $Day1 -EndDate $Day2 -Path "$D/ro/u.csv"'; ReadOnly = 'ro'; Id = 'FileAccessDenied'; Cat = 'PermissionDenied' }
        @{ Cmdlet = 'Export-DailyUsage'; Case = 'empty -Path'; Script = 'Export-DailyUsage -BillingAccountName $Ea -Path ""'; Id = 'ParameterArgumentValidationError'; Cat = 'InvalidData' }
        @{ Cmdlet = 'Export-DailyUsage'; Case = 'unknown schema'; Script = 'Export-DailyUsage -BillingAccountName $Ea -Path "$D/u.csv" -Schema Fancy'; Id = 'ParameterArgumentValidationError'; Cat = 'InvalidData' }
        @{ Cmdlet = 'Export-DailyUsage'; Case = 'unknown billing account'; Script = 'Export-DailyUsage -BillingAccountName "no-such-account" -StartDate $Day1 -EndDate $Day2 -Path "$D/u.csv"'; Id = 'BillingObjectNotFound'; Cat = 'ObjectNotFound' }
        # ---- Import-DailyUsage
        @{ Cmdlet = 'Import-DailyUsage'; Case = 'file that does not exist'; Script = 'Import-DailyUsage -LiteralPath "$D/none.csv"'; Id = 'PathNotFound'; Cat = 'ObjectNotFound' }
        @{ Cmdlet = 'Import-DailyUsage'; Case = 'wildcard that matches nothing'; Script = 'Import-DailyUsage -Path "$D/*.nomatch"'; Id = 'PathNotFound'; Cat = 'ObjectNotFound' }
        @{ Cmdlet = 'Import-DailyUsage'; Case = 'a folder'; Script = 'Import-DailyUsage -LiteralPath $D'; Id = 'PathNotFound'; Cat = 'ObjectNotFound' }
        @{ Cmdlet = 'Import-DailyUsage'; Case = 'empty file'; Script = 'Import-DailyUsage -LiteralPath "$D/empty.csv"'; Files = @('empty.csv'); Id = 'UnrecognisedUsageFile'; Cat = 'InvalidData' }
        @{ Cmdlet = 'Import-DailyUsage'; Case = 'binary garbage'; Script = 'Import-DailyUsage -LiteralPath "$D/garbage.csv"'; Files = @('garbage.csv'); Id = 'UnrecognisedUsageFile'; Cat = 'InvalidData' }
        @{ Cmdlet = 'Import-DailyUsage'; Case = 'a 10 MB single line'; Script = 'Import-DailyUsage -LiteralPath "$D/oneline.csv"'; Files = @('oneline.csv'); Id = 'UnrecognisedUsageFile'; Cat = 'InvalidData'; Timeout = 60 }
        @{ Cmdlet = 'Import-DailyUsage'; Case = 'unbalanced quotes'; Script = 'Import-DailyUsage -LiteralPath "$D/unbalanced.csv"'; Files = @('unbalanced.csv'); Id = 'BadUsageRow'; Cat = 'InvalidData' }
        @{ Cmdlet = 'Import-DailyUsage'; Case = 'formula payloads in numeric columns'; Script = 'Import-DailyUsage -LiteralPath "$D/formula.csv"'; Files = @('formula.csv'); Id = 'BadUsageRow'; Cat = 'InvalidData' }
        @{ Cmdlet = 'Import-DailyUsage'; Case = 'UTF-32 encoding'; Script = 'Import-DailyUsage -LiteralPath "$D/utf32.csv"'; Files = @('utf32.csv'); Id = 'UnrecognisedUsageFile'; Cat = 'InvalidData' }
        @{ Cmdlet = 'Import-DailyUsage'; Case = 'Latin-1 bytes where UTF-8 is expected'; Script = 'Import-DailyUsage -LiteralPath "$D/latin1.csv"'; Files = @('latin1.csv'); Id = 'BadUsageRow'; Cat = 'InvalidData' }
        @{ Cmdlet = 'Import-DailyUsage'; Case = 'unknown columns'; Script = 'Import-DailyUsage -LiteralPath "$D/unknown.csv"'; Files = @('unknown.csv'); Id = 'UnrecognisedUsageFile'; Cat = 'InvalidData' }
        @{ Cmdlet = 'Import-DailyUsage'; Case = 'null path'; Script = 'Import-DailyUsage -LiteralPath $null'; Id = 'ParameterArgumentValidationError'; Cat = 'InvalidData' }
    ) {
        $dir = Join-Path $TestDrive ("case-" + [Guid]::NewGuid().ToString('n').Substring(0, 8))
        $null = New-Item -ItemType Directory -Path $dir
        if ($_.ContainsKey('Files')) { foreach ($f in $Files) { Copy-Item -LiteralPath (Join-Path $fixtures $f) -Destination $dir } }
        if ($_.ContainsKey('Folder')) { $null = New-Item -ItemType Directory -Path (Join-Path $dir $Folder) }
        $roPath = $null
        if ($_.ContainsKey('ReadOnly')) {
            # Tests may run as root, which ignores mode bits: make the folder immutable when chattr allows, else 0555.
            $roPath = (New-Item -ItemType Directory -Path (Join-Path $dir $_.ReadOnly)).FullName
            & chattr +i $roPath 2>$null
            if ($LASTEXITCODE -ne 0) { & chmod 555 $roPath }
        }
        $before = Get-Snapshot $dir
        $timeout = if ($_.ContainsKey('Timeout')) { $Timeout } else { 30 }
        $faults = if ($_.ContainsKey('Faults')) { $Faults } else { $null }
        $r = Invoke-Case $Script $timeout $dir $faults
        if ($roPath) { & chattr -i $roPath 2>$null; & chmod 755 $roPath }
        $after = Get-Snapshot $dir

        $r.Hung | Should -BeFalse -Because "the case must not hang (timeout $timeout s)"
        $err = $r.Result
        if ($err -isnot [System.Management.Automation.ErrorRecord] -and $r.Errors.Count) { $err = $r.Errors[0] }
        if ($env:BADINPUT_DISCOVER) {
            $msg = if ($err -is [System.Management.Automation.ErrorRecord]) { $err.ToString() } else { "$err" }
            $fq = if ($err -is [System.Management.Automation.ErrorRecord]) { $err.FullyQualifiedErrorId } else { '-' }
            $cat = if ($err -is [System.Management.Automation.ErrorRecord]) { $err.CategoryInfo.Category } else { '-' }
            Add-Content -LiteralPath $env:BADINPUT_DISCOVER -Value "$Cmdlet | $Case | $fq | $cat | $($msg.Substring(0, [math]::Min(200, $msg.Length)) -replace "`n", ' ')"
        }
        $err | Should -BeOfType ([System.Management.Automation.ErrorRecord]) -Because "the case must end in an error ($(if ($err) { "$err" } else { 'no error' }))"
        $err.FullyQualifiedErrorId | Should -BeLike "$Id*"
        "$($err.CategoryInfo.Category)" | Should -Be $Cat
        if ($_.ContainsKey('Says')) { $err.ToString() | Should -Match ([regex]::Escape($Says)) }
        $err.ToString() | Should -Not -Match '\s{2,}at [\w.`<>]+\(' -Because 'no .NET stack trace in the message'
        $err.Exception.Message | Should -Not -Match '\s{2,}at [\w.`<>]+\('
        if ($err.ErrorDetails) { $err.ErrorDetails.Message | Should -Not -Match '\s{2,}at [\w.`<>]+\(' }
        $after | Should -Be $before -Because 'a failed command changes nothing on disk'
    }
}
