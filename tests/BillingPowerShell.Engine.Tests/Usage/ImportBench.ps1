<#
.SYNOPSIS
  Hand-run benchmark of the usage reader inside pwsh: a minimal compiled cmdlet emitting UsageRecords into
  Measure-Object Cost -Sum, against Import-Csv | Measure-Object on the same EA 2023-12-01 file.
.EXAMPLE
  dotnet build -c Release src/BillingPowerShell.Engine
  pwsh -NoProfile -File tests/BillingPowerShell.Engine.Tests/Usage/ImportBench.ps1 -Rows 100000
#>
param(
    [int]$Rows = 100000,
    [string]$EngineDll = (Join-Path $PSScriptRoot '../../../src/BillingPowerShell.Engine/bin/Release/netstandard2.0/BillingPowerShell.Engine.dll'),
    [string]$File,
    [int]$Repeat = 3
)
$ErrorActionPreference = 'Stop'
$EngineDll = (Resolve-Path $EngineDll).Path
Add-Type -Path $EngineDll
$src = @'
using System.IO;
using System.Text;
using System.Management.Automation;
using BillingPowerShell.Engine.Usage;
[Cmdlet(VerbsData.Import, "BenchUsage")]
public class ImportBenchUsage : PSCmdlet {
    [Parameter(Mandatory = true, Position = 0)] public string Path { get; set; }
    [Parameter] public SwitchParameter Prefetch { get; set; }
    protected override void ProcessRecord() {
        using (var r = UsageCsvReader.Open(Path)) {
            if (Prefetch) { foreach (var rec in r.ReadAllPrefetched()) WriteObject(rec); }
            else { BillingPowerShell.UsageRecord rec; while ((rec = r.Read()) != null) WriteObject(rec); }
        }
    }
}
public static class BenchFile {
    public static void Write(string path, int rows) {
        using (var w = new StreamWriter(path, false, new UTF8Encoding(true), 1 << 16)) {
            w.Write(string.Join(",", UsageColumnMapHeader.Ea2023) + "\r\n");
            for (int i = 0; i < rows; i++) {
                string sub = "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f" + (i % 10), rg = "rg-app" + (i % 37);
                w.Write("Finance,Account One,owner@contoso.com," + sub + ",Production Sub " + (i % 10) + "," + rg + ",eastus," +
                    "01/" + (1 + i % 28).ToString("00") + "/2024,Virtual Machines Dv3 Series - D2s v3 - US East,Virtual Machines,Dv3/DSv3 Series," +
                    "6f6ab6ef-4a5e-4b7c-9a1e-0000000000" + (i % 90 + 10) + ",D2s v3,US East,1 Hour," + (i % 24) + ".5,0.096," +
                    ((i % 1000) * 0.0123456789m).ToString(System.Globalization.CultureInfo.InvariantCulture) + ",CC-100,Microsoft.Compute," +
                    "/subscriptions/" + sub + "/resourceGroups/" + rg + "/providers/Microsoft.Compute/virtualMachines/vm" + (i % 500) + "," +
                    "\"{\"\"env\"\": \"\"prod\"\",\"\"app\"\": \"\"web" + (i % 7) + "\"\"}\",MS-AZR-0017P," +
                    "\"{\"\"UsageType\"\":\"\"ComputeHR\"\",\"\"ImageType\"\":\"\"Canonical\"\",\"\"VCPUs\"\":2}\",,,vm" + (i % 500) +
                    ",,,0.096,,,,Azure,Microsoft,Usage,UsageBased,OnDemand,,12345678,Contoso EA,USD,01/01/2024,01/31/2024," +
                    "12345678,Contoso EA,987654,True,AAA-12345,0.096,,Compute,,,\r\n");
            }
        }
    }
}
public static class UsageColumnMapHeader {
    public static readonly string[] Ea2023 = ("InvoiceSectionName,AccountName,AccountOwnerId,SubscriptionId,SubscriptionName,ResourceGroup,ResourceLocation,Date,ProductName,MeterCategory,MeterSubCategory,MeterId,MeterName,MeterRegion,UnitOfMeasure,Quantity,EffectivePrice,CostInBillingCurrency,CostCenter,ConsumedService,ResourceId,Tags,OfferId,AdditionalInfo,ServiceInfo1,ServiceInfo2,ResourceName,ReservationId,ReservationName,UnitPrice,ProductOrderId,ProductOrderName,Term,PublisherType,PublisherName,ChargeType,Frequency,PricingModel,AvailabilityZone,BillingAccountId,BillingAccountName,BillingCurrencyCode,BillingPeriodStartDate,BillingPeriodEndDate,BillingProfileId,BillingProfileName,InvoiceSectionId,IsAzureCreditEligible,PartNumber,PayGPrice,PlanName,ServiceFamily,CostAllocationRuleName,benefitId,benefitName").Split(',');
}
'@
$asm = (Add-Type -TypeDefinition $src -ReferencedAssemblies @($EngineDll, [psobject].Assembly.Location, 'netstandard', 'System.Collections', 'System.Runtime', 'System.IO', 'System.Text.Encoding.Extensions') -PassThru)[0].Assembly
Import-Module -Assembly $asm
if (-not $File) {
    $File = Join-Path ([IO.Path]::GetTempPath()) "usage-bench-$Rows.csv"
    [BenchFile]::Write($File, $Rows)
}
$null = Import-BenchUsage $File | Select-Object -First 2000 | Measure-Object Cost -Sum   # JIT warm-up
$best = @{}
for ($i = 1; $i -le $Repeat; $i++) {
    $m = [ordered]@{
        'Import-BenchUsage | Measure-Object Cost -Sum'            = { (Import-BenchUsage $File | Measure-Object Cost -Sum).Sum }
        'Import-BenchUsage -Prefetch | Measure-Object Cost -Sum'  = { (Import-BenchUsage $File -Prefetch | Measure-Object Cost -Sum).Sum }
        'Import-Csv | Measure-Object CostInBillingCurrency -Sum'  = { (Import-Csv $File | Measure-Object CostInBillingCurrency -Sum).Sum }
    }
    foreach ($k in $m.Keys) {
        [GC]::Collect()
        $t = (Measure-Command { $script:sum = & $m[$k] }).TotalSeconds
        '{0} {1,-56} {2,6:F2} s  sum {3}' -f $i, $k, $t, $script:sum
        if (-not $best.ContainsKey($k) -or $t -lt $best[$k]) { $best[$k] = $t }
    }
}
$csv = $best['Import-Csv | Measure-Object CostInBillingCurrency -Sum']
'best of {0}: speed-up {1:F1}x, with -Prefetch {2:F1}x ({3:N0} rows)' -f $Repeat,
    ($csv / $best['Import-BenchUsage | Measure-Object Cost -Sum']), ($csv / $best['Import-BenchUsage -Prefetch | Measure-Object Cost -Sum']), $Rows
