# Helpers shared by the usage cmdlet tests (Get-DailyUsage, Export-DailyUsage, Import-DailyUsage, Get-BillingCost,
# Get-BillingCostEstimate): expected facts from /_emulator/world, sums over records, the emulator's own cost details
# blobs fetched directly (to compare Native exports byte for byte).
#
#   BeforeAll {
#       Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
#       Import-Module (Join-Path $PSScriptRoot 'UsageTestHelpers.psm1') -Force
#       $script:emu = Start-TestEmulator -ExtraArgument '--csv-rows-per-blob', '150'
#       Connect-BillingAccount -ResourceManagerUrl $emu.ArmUrl -AccessToken $emu.SecureToken
#       $script:world = Get-UsageWorld $emu
#   }

Set-StrictMode -Version 3.0

function Get-UsageWorld {
    <#
    The emulator's world with the usage facts indexed: { Raw, Today, Payg, Ea, Mca (accounts), Facts[scope|yyyy-MM] }.
    Costs are read as decimals (the JSON is parsed with System.Text.Json, not as doubles).
    #>
    [CmdletBinding()]
    param([Parameter(Mandatory)] $Emulator)
    $raw = Get-EmulatorWorld -Emulator $Emulator
    $facts = @{}
    # Re-read the facts as decimals: ConvertFrom-Json would turn the costs into doubles.
    $json = Invoke-WebRequest -Uri ($Emulator.ArmUrl.TrimEnd('/') + '/_emulator/world') -Headers @{ 'x-emulator-admin' = 'true' } -UseBasicParsing
    $doc = [System.Text.Json.JsonDocument]::Parse($json.Content)
    try {
        foreach ($f in $doc.RootElement.GetProperty('usageFacts').EnumerateArray()) {
            $entry = [ordered]@{ Rows = $f.GetProperty('rowCount').GetInt64(); ActualCost = @{}; AmortizedCost = @{}; FocusRows = 0L; FocusBilledCost = @{}; FocusEffectiveCost = @{} }
            foreach ($metric in 'actualCost', 'amortizedCost') {
                $m = [System.Text.Json.JsonElement]::new()
                if ($f.TryGetProperty($metric, [ref] $m)) {
                    foreach ($p in $m.EnumerateObject()) { $entry[$metric.Substring(0, 1).ToUpper() + $metric.Substring(1)][$p.Name] = $p.Value.GetDecimal() }
                }
            }
            # FOCUS totals of the month (src/BillingPowerShell.Emulator/README.md, "/_emulator/world"): rows, BilledCost, EffectiveCost.
            $focus = [System.Text.Json.JsonElement]::new()
            if ($f.TryGetProperty('focus', [ref] $focus)) {
                $entry.FocusRows = $focus.GetProperty('rowCount').GetInt64()
                foreach ($p in $focus.GetProperty('billedCost').EnumerateObject()) { $entry.FocusBilledCost[$p.Name] = $p.Value.GetDecimal() }
                foreach ($p in $focus.GetProperty('effectiveCost').EnumerateObject()) { $entry.FocusEffectiveCost[$p.Name] = $p.Value.GetDecimal() }
            }
            $facts[($f.GetProperty('scope').GetString().ToLowerInvariant() + '|' + $f.GetProperty('month').GetString())] = [pscustomobject]$entry
        }
    }
    finally { $doc.Dispose() }
    [pscustomobject]@{
        Raw   = $raw
        Today = [datetime]::ParseExact($raw.today, 'yyyy-MM-dd', [cultureinfo]::InvariantCulture)
        Payg  = $raw.accounts | Where-Object agreementType -eq 'MicrosoftOnlineServicesProgram' | Select-Object -First 1
        Ea    = $raw.accounts | Where-Object agreementType -eq 'EnterpriseAgreement' | Select-Object -First 1
        Mca   = $raw.accounts | Where-Object agreementType -eq 'MicrosoftCustomerAgreement' | Select-Object -First 1
        Facts = $facts
    }
}

function Get-MonthStart {
    <# The first day of the month -Offset months from the emulator's current month (-1 = last month). #>
    [CmdletBinding()]
    param([Parameter(Mandatory)] $World, [int] $Offset = -1)
    [datetime]::new($World.Today.Year, $World.Today.Month, 1, 0, 0, 0, [DateTimeKind]::Utc).AddMonths($Offset)
}

function Get-ExpectedUsage {
    <#
    Expected rows and cost per currency for a scope over whole months: { Rows, Cost (hashtable currency -> decimal) }.
    -Scope is the ARM scope path ('/subscriptions/<id>', '/providers/Microsoft.Billing/billingAccounts/<name>', ...).
    #>
    [CmdletBinding()]
    param(
        [Parameter(Mandatory)] $World,
        [Parameter(Mandatory)] [string] $Scope,
        [Parameter(Mandatory)] [datetime[]] $Month,
        [ValidateSet('ActualCost', 'AmortizedCost', 'FocusBilledCost', 'FocusEffectiveCost')] [string] $Metric = 'ActualCost'
    )
    $rows = 0L
    $cost = @{}
    foreach ($m in $Month) {
        $key = $Scope.ToLowerInvariant() + '|' + $m.ToString('yyyy-MM', [cultureinfo]::InvariantCulture)
        $f = $World.Facts[$key]
        if (-not $f) { throw "The emulator's world has no usage fact for $key." }
        $rows += if ($Metric -like 'Focus*') { $f.FocusRows } else { $f.Rows }
        foreach ($c in $f.$Metric.Keys) { $cost[$c] = [decimal]($cost[$c]) + $f.$Metric[$c] }
    }
    [pscustomobject]@{ Rows = $rows; Cost = $cost }
}

function Measure-Usage {
    <# Count and cost per currency (decimal) of usage records: { Rows, Cost }. Pass the records as an argument (fast) or pipe them. #>
    [CmdletBinding()]
    param([Parameter(ValueFromPipeline, Position = 0)] [AllowNull()] [AllowEmptyCollection()] [object[]] $Record)
    begin { $rows = 0L; $cost = @{} }
    process {
        foreach ($r in $Record) {
            if ($null -eq $r) { continue }
            $rows++
            $cur = [string]$r.Currency
            $cost[$cur] = [decimal]($cost[$cur]) + [decimal]$r.Cost
        }
    }
    end { [pscustomobject]@{ Rows = $rows; Cost = $cost } }
}

function Format-CostTable {
    <# A stable text form of a currency -> cost table, rounded to 6 decimals: 'EUR=123.456789;USD=1.5'. #>
    [CmdletBinding()]
    param([Parameter(Mandatory)] [AllowNull()] $Cost)
    if ($null -eq $Cost) { return '' }
    $pairs = if ($Cost -is [System.Collections.IDictionary]) { $Cost.GetEnumerator() | ForEach-Object { @{ K = [string]$_.Key; V = $_.Value } } }
             else { $Cost.PSObject.Properties | ForEach-Object { @{ K = $_.Name; V = $_.Value } } }
    (@($pairs | Sort-Object { $_.K } |
        ForEach-Object { '{0}={1}' -f $_.K.ToUpperInvariant(), [math]::Round([decimal]$_.V, 6).ToString('0.######', [cultureinfo]::InvariantCulture) }) -join ';')
}

function Get-RowKey {
    <#
    Keys that identify usage rows across sources (subscription, day, resource, meter, quantity, cost), one per record,
    sorted (ordinal) and joined with newlines: two record sets with equal results hold the same rows, each as often.
    #>
    [CmdletBinding()]
    param([Parameter(Mandatory, Position = 0)] [AllowEmptyCollection()] [object[]] $Record)
    $keys = [Collections.Generic.List[string]]::new($Record.Count)
    foreach ($r in $Record) {
        $keys.Add(([string]$r.SubscriptionId).ToLowerInvariant() + '|' + $r.Date.ToString('yyyy-MM-dd') + '|' + ([string]$r.ResourceId).ToLowerInvariant() +
            '|' + $r.MeterId + '|' + ([decimal]$r.Quantity).ToString([cultureinfo]::InvariantCulture) + '|' + ([decimal]$r.Cost).ToString([cultureinfo]::InvariantCulture))
    }
    $keys.Sort([StringComparer]::Ordinal)
    $keys -join "`n"
}

function Get-RowKeyHash {
    <# SHA-256 of Get-RowKey: compare record sets cheaply. #>
    [CmdletBinding()]
    param([Parameter(Mandatory, Position = 0)] [AllowEmptyCollection()] [object[]] $Record)
    [Convert]::ToHexString([Security.Cryptography.SHA256]::HashData([Text.Encoding]::UTF8.GetBytes((Get-RowKey $Record))))
}

function Get-EmulatorReportBlob {
    <#
    Asks the emulator itself (bearer token, plain HTTP client) for a cost details report and downloads its blobs, as
    byte arrays in manifest order. Used to compare a Native export with what the service delivered.
    #>
    [CmdletBinding()]
    param(
        [Parameter(Mandatory)] $Emulator,
        [Parameter(Mandatory)] [string] $Scope,
        [Parameter(Mandatory)] [datetime] $StartDate,
        [Parameter(Mandatory)] [datetime] $EndDate,
        [string] $Metric = 'ActualCost'
    )
    $arm = [System.Net.Http.HttpClient]::new()
    $blob = [System.Net.Http.HttpClient]::new()
    try {
        $arm.DefaultRequestHeaders.Authorization = [System.Net.Http.Headers.AuthenticationHeaderValue]::new('Bearer', $Emulator.Token)
        $body = @{ metric = $Metric; timePeriod = @{ start = $StartDate.ToString('yyyy-MM-dd'); end = $EndDate.ToString('yyyy-MM-dd') } } | ConvertTo-Json -Compress
        $uri = $Emulator.ArmUrl.TrimEnd('/') + $Scope + '/providers/Microsoft.CostManagement/generateCostDetailsReport?api-version=2025-03-01'
        $content = [System.Net.Http.StringContent]::new($body, [Text.Encoding]::UTF8, 'application/json')
        $response = $arm.PostAsync($uri, $content).GetAwaiter().GetResult()
        if ([int]$response.StatusCode -ne 202) { throw "generateCostDetailsReport answered $([int]$response.StatusCode)." }
        $location = $response.Headers.Location
        $deadline = [DateTime]::UtcNow.AddSeconds(60)
        while ($true) {
            Start-Sleep -Milliseconds 100
            $poll = $arm.GetAsync($location).GetAwaiter().GetResult()
            if ([int]$poll.StatusCode -eq 200) { break }
            if ([DateTime]::UtcNow -gt $deadline) { throw 'The cost details report did not finish within 60 s.' }
        }
        $manifest = $poll.Content.ReadAsStringAsync().GetAwaiter().GetResult() | ConvertFrom-Json
        foreach ($b in @($manifest.manifest.blobs)) {
            , $blob.GetByteArrayAsync($b.blobLink).GetAwaiter().GetResult()
        }
    }
    finally { $arm.Dispose(); $blob.Dispose() }
}

function Join-NativeBlob {
    <#
    What a Native export of these blobs must be: the first blob whole (BOM and header kept), then every later blob
    without its BOM and header line.
    #>
    [CmdletBinding()]
    param([Parameter(Mandatory)] [object[]] $Blob)
    $out = [System.IO.MemoryStream]::new()
    $first = $true
    foreach ($b in $Blob) {
        [byte[]]$bytes = $b
        if ($first) { $out.Write($bytes, 0, $bytes.Length); $first = $false; continue }
        $i = 0
        if ($bytes.Length -ge 3 -and $bytes[0] -eq 0xEF -and $bytes[1] -eq 0xBB -and $bytes[2] -eq 0xBF) { $i = 3 }
        $nl = [Array]::IndexOf($bytes, [byte]10, $i)
        if ($nl -lt 0) { continue }
        $out.Write($bytes, $nl + 1, $bytes.Length - $nl - 1)
    }
    , $out.ToArray()
}

function Expand-GzipFile {
    <# The decompressed bytes of a .gz file. #>
    [CmdletBinding()]
    param([Parameter(Mandatory)] [string] $Path)
    $in = [System.IO.File]::OpenRead($Path)
    try {
        $gz = [System.IO.Compression.GZipStream]::new($in, [System.IO.Compression.CompressionMode]::Decompress)
        $out = [System.IO.MemoryStream]::new()
        $gz.CopyTo($out)
        , $out.ToArray()
    }
    finally { $in.Dispose() }
}

Export-ModuleMember -Function Get-UsageWorld, Get-MonthStart, Get-ExpectedUsage, Measure-Usage, Format-CostTable, Get-RowKey, Get-RowKeyHash,
    Get-EmulatorReportBlob, Join-NativeBlob, Expand-GzipFile
