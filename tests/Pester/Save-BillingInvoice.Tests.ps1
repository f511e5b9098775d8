# Save-BillingInvoice through the real module against the emulator: every -DocumentType and -AsZip, file names, bytes
# identical to the emulator's documents (SHA-256 from /_emulator/world), skip/-Force, -WhatIf, -PassThru,
# -Destination, a stopped pipeline in the middle of a batch, faults during saves (429 on the POST, 503 while polling,
# a reset in the middle of a PDF, an expired SAS link), and names that try to escape the folder.

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    if (-not (Get-Module BillingPowerShell)) { Import-Module (Get-TestModulePath) }
    Add-Type -AssemblyName System.IO.Compression, System.IO.Compression.FileSystem
    $script:emu = Start-TestEmulator
    $script:world = Get-EmulatorWorld $emu
    Connect-BillingAccount -ResourceManagerUrl $emu.ArmUrl -AccessToken $emu.SecureToken | Out-Null
    $script:payg = $world.accounts | Where-Object agreementType -EQ 'MicrosoftOnlineServicesProgram'
    $script:ea = $world.accounts | Where-Object agreementType -EQ 'EnterpriseAgreement'
    $script:mca = $world.accounts | Where-Object agreementType -EQ 'MicrosoftCustomerAgreement'
    $script:today = [datetime]::ParseExact($world.today, 'yyyy-MM-dd', [Globalization.CultureInfo]::InvariantCulture)
    $script:wide = @{ PeriodStartDate = $today.AddYears(-5); PeriodEndDate = $today }
    $script:allWorld = @($world.accounts | ForEach-Object { $_.invoices })

    # Invoice objects as the module lists them, by name.
    $script:listed = @{}
    foreach ($i in @(Get-BillingInvoice @wide)) { $script:listed[$i.Name] = $i }

    function Get-Listed([string] $Name) { $script:listed[$Name] }
    function Get-WorldInvoice([string] $Name) { $script:allWorld | Where-Object name -EQ $Name }
    # The first world invoice of an account that has a document of the kind.
    function Find-WorldInvoice($Account, [string] $Kind) {
        @($Account.invoices | Where-Object { $_.documents.kind -contains $Kind })[0]
    }
    function Get-Sha([string] $Path) { (Get-FileHash -LiteralPath $Path -Algorithm SHA256).Hash.ToLowerInvariant() }
    function Get-Sha256OfBytes([byte[]] $Bytes) {
        $sha = [Security.Cryptography.SHA256]::Create()
        try { ([BitConverter]::ToString($sha.ComputeHash($Bytes)) -replace '-', '').ToLowerInvariant() } finally { $sha.Dispose() }
    }
    # Runs -Command in a runspace whose host answers every confirmation "No" and keeps what it was asked and what
    # it was given to show ("What if: ..." lines go to the host, not to a stream). The connection is process-wide,
    # so the module imported there uses this file's emulator.
    Add-Type -TypeDefinition @'
using System;
using System.Collections.Generic;
using System.Collections.ObjectModel;
using System.Globalization;
using System.Management.Automation;
using System.Management.Automation.Host;
using System.Security;

public sealed class AnswerNoHost : PSHost
{
    private readonly AnswerNoUI _ui = new AnswerNoUI();
    public override string Name => "AnswerNo";
    public override Version Version => new Version(1, 0);
    public override Guid InstanceId { get; } = Guid.NewGuid();
    public override PSHostUserInterface UI => _ui;
    public override CultureInfo CurrentCulture => CultureInfo.InvariantCulture;
    public override CultureInfo CurrentUICulture => CultureInfo.InvariantCulture;
    public override void SetShouldExit(int exitCode) { }
    public override void EnterNestedPrompt() => throw new NotSupportedException();
    public override void ExitNestedPrompt() => throw new NotSupportedException();
    public override void NotifyBeginApplication() { }
    public override void NotifyEndApplication() { }
}

public sealed class AnswerNoUI : PSHostUserInterface
{
    public readonly List<string> Questions = new List<string>();
    public readonly List<string> Lines = new List<string>();
    public override PSHostRawUserInterface RawUI => null;
    public override int PromptForChoice(string caption, string message, Collection<ChoiceDescription> choices, int defaultChoice)
    {
        Questions.Add(message);
        for (int i = 0; i < choices.Count; i++) if (choices[i].Label.Replace("&", "") == "No") return i;
        throw new InvalidOperationException("The question offers no 'No'.");
    }
    public override string ReadLine() => throw new NotSupportedException();
    public override SecureString ReadLineAsSecureString() => throw new NotSupportedException();
    public override void Write(string value) => Lines.Add(value);
    public override void Write(ConsoleColor foregroundColor, ConsoleColor backgroundColor, string value) => Lines.Add(value);
    public override void WriteLine(string value) => Lines.Add(value);
    public override void WriteErrorLine(string value) => Lines.Add(value);
    public override void WriteDebugLine(string message) { }
    public override void WriteProgress(long sourceId, ProgressRecord record) { }
    public override void WriteVerboseLine(string message) { }
    public override void WriteWarningLine(string message) { }
    public override Dictionary<string, PSObject> Prompt(string caption, string message, Collection<FieldDescription> descriptions) => throw new NotSupportedException();
    public override PSCredential PromptForCredential(string caption, string message, string userName, string targetName) => throw new NotSupportedException();
    public override PSCredential PromptForCredential(string caption, string message, string userName, string targetName, PSCredentialTypes allowedCredentialTypes, PSCredentialUIOptions options) => throw new NotSupportedException();
}
'@
    function Invoke-InAnsweringHost([scriptblock] $Command, $Invoice, [string] $Folder) {
        $answering = [AnswerNoHost]::new()
        $rs = [runspacefactory]::CreateRunspace($answering)
        $rs.Open()
        $ps = [powershell]::Create($rs)
        try {
            $null = $ps.AddScript("param(`$Module, `$Invoice, `$Folder) Import-Module `$Module; $Command").
                AddArgument((Get-TestModulePath)).AddArgument($Invoice).AddArgument($Folder)
            $output = $ps.Invoke()
            [pscustomobject]@{ Output = @($output); Errors = @($ps.Streams.Error); Questions = @($answering.UI.Questions); Lines = @($answering.UI.Lines) }
        }
        finally { $ps.Dispose(); $rs.Dispose() }
    }
    function New-Folder([string] $Name) { (New-Item -ItemType Directory -Path (Join-Path $TestDrive $Name) -Force).FullName }
    function Get-RequestCount([string] $Route) {
        $r = (Get-EmulatorStats $script:emu).requests
        if ($r.PSObject.Properties[$Route]) { [long]$r.$Route } else { 0 }
    }
    function Get-DownloadPosts {
        $r = (Get-EmulatorStats $script:emu).requests
        ($r.PSObject.Properties | Where-Object Name -Like 'Invoices_Download*' | Measure-Object -Property Value -Sum).Sum + 0
    }
    function Get-FaultCount([string] $Kind) { Get-EmulatorFaultCount (Get-EmulatorStats $script:emu) $Kind }
    # Every file in the folder is byte-identical to one of the world's documents of that invoice; returns the count.
    function Assert-FilesMatchWorld([string] $Folder) {
        $files = @(Get-ChildItem -LiteralPath $Folder -File -Force)
        foreach ($f in $files) {
            $f.Name | Should -Not -BeLike '*.partial'
            $f.Extension | Should -Be '.pdf' -Because 'only documents are counted'
            $invoice = Get-WorldInvoice ($f.BaseName -split '_')[0]
            $invoice | Should -Not -BeNullOrEmpty -Because "$($f.Name) names a world invoice"
            $invoice.documents.sha256 | Should -Contain (Get-Sha $f.FullName) -Because "$($f.Name) is one of its documents"
        }
        $files.Count
    }
    function Get-EngineType([string] $Name) {
        $asm = [AppDomain]::CurrentDomain.GetAssemblies() | Where-Object { $_.GetName().Name -eq 'BillingPowerShell.Engine' } | Select-Object -First 1
        $asm.GetType($Name, $true)
    }
    function New-EngineObject([string] $Name) { [Activator]::CreateInstance((Get-EngineType $Name)) }
}

AfterAll {
    Disconnect-BillingAccount
    Stop-TestEmulator $script:emu
}

Describe 'Save-BillingInvoice' {
    It 'lists invoices with their documents, as the world has them' {
        foreach ($w in @($payg.invoices[0], $ea.invoices[0], $mca.invoices[0])) {
            @((Get-Listed $w.name).Documents).Count | Should -Be @($w.documents).Count
        }
    }

    Context 'the invoice PDF of each agreement type' {
        It 'saves <_> invoices as <Name>.pdf, byte-identical to the emulator''s' -ForEach 'MicrosoftOnlineServicesProgram', 'EnterpriseAgreement', 'MicrosoftCustomerAgreement' {
            $account = $world.accounts | Where-Object agreementType -EQ $_
            $folder = New-Folder "default-$_"
            $w = $account.invoices[-1]
            $out = Get-Listed $w.name | Save-BillingInvoice -Destination $folder
            $out | Should -BeNullOrEmpty
            $file = Join-Path $folder "$($w.name).pdf"
            $file | Should -Exist
            Get-Sha $file | Should -Be ($w.documents | Where-Object kind -EQ 'Invoice').sha256
            (Get-Item $file).Length | Should -Be ($w.documents | Where-Object kind -EQ 'Invoice').length
            @(Get-ChildItem -LiteralPath $folder -Force).Count | Should -Be 1
        }

        It '-Name with -BillingAccountName and with -SubscriptionId saves by invoice name' {
            $folder = New-Folder 'byname'
            $e = $ea.invoices[2]; $p = $payg.invoices[4]
            Save-BillingInvoice -Name $e.name -BillingAccountName $ea.name -Destination $folder
            Save-BillingInvoice -Name $p.name -SubscriptionId $p.subscriptionId -Destination $folder
            Get-Sha (Join-Path $folder "$($e.name).pdf") | Should -Be ($e.documents | Where-Object kind -EQ 'Invoice').sha256
            Get-Sha (Join-Path $folder "$($p.name).pdf") | Should -Be ($p.documents | Where-Object kind -EQ 'Invoice').sha256
        }

        It 'saves into the current location when -Destination is omitted' {
            $folder = New-Folder 'cwd'
            $w = $mca.invoices[0]
            Push-Location $folder
            try { Get-Listed $w.name | Save-BillingInvoice } finally { Pop-Location }
            Join-Path $folder "$($w.name).pdf" | Should -Exist
        }
    }

    Context '-DocumentType' {
        It '-DocumentType <_> saves <Invoice>_<_>_<Document>.pdf, byte-identical' -ForEach 'CreditNote', 'TaxReceipt', 'VoidNote', 'Summary' {
            $kind = $_
            $w = @($world.accounts | ForEach-Object { Find-WorldInvoice $_ $kind } | Where-Object { $_ })[0]
            $w | Should -Not -BeNullOrEmpty -Because "the world has a $kind"
            $doc = $w.documents | Where-Object kind -EQ $kind
            $folder = New-Folder "type-$kind"
            Get-Listed $w.name | Save-BillingInvoice -Destination $folder -DocumentType $kind
            $file = Join-Path $folder "$($w.name)_$($kind)_$($doc.name).pdf"
            $file | Should -Exist
            Get-Sha $file | Should -Be $doc.sha256
            @(Get-ChildItem -LiteralPath $folder -Force).Count | Should -Be 1
        }

        It '-DocumentType All saves every document of the invoice, each byte-identical' {
            $w = Find-WorldInvoice $ea 'CreditNote'   # invoice, credit note and summary
            @($w.documents).Count | Should -BeGreaterOrEqual 3
            $folder = New-Folder 'all'
            Get-Listed $w.name | Save-BillingInvoice -Destination $folder -DocumentType All
            foreach ($doc in $w.documents) {
                $name = if ($doc.kind -eq 'Invoice') { "$($w.name).pdf" } else { "$($w.name)_$($doc.kind)_$($doc.name).pdf" }
                Get-Sha (Join-Path $folder $name) | Should -Be $doc.sha256
            }
            @(Get-ChildItem -LiteralPath $folder -Force).Count | Should -Be @($w.documents).Count
        }

        It 'a type the invoice does not have saves nothing, with no error' {
            $w = @($payg.invoices | Where-Object { $_.documents.kind -notcontains 'CreditNote' })[0]
            $folder = New-Folder 'none'
            Get-Listed $w.name | Save-BillingInvoice -Destination $folder -DocumentType CreditNote -ErrorVariable ev
            $ev | Should -BeNullOrEmpty
            @(Get-ChildItem -LiteralPath $folder -Force).Count | Should -Be 0
        }

        It 'an unknown -DocumentType is a parameter validation error' {
            $e = try { Get-Listed $ea.invoices[0].name | Save-BillingInvoice -Destination $TestDrive -DocumentType Receipt -ErrorAction Stop; $null } catch { $_ }
            $e.FullyQualifiedErrorId | Should -BeLike 'ParameterArgumentValidationError,*'
        }
    }

    Context '-AsZip' {
        It '-AsZip -DocumentType All saves <Invoice>.zip, a real zip of PDFs byte-identical to the documents' {
            $w = Find-WorldInvoice $ea 'CreditNote'
            $folder = New-Folder 'zip'
            Get-Listed $w.name | Save-BillingInvoice -Destination $folder -DocumentType All -AsZip
            $zipPath = Join-Path $folder "$($w.name).zip"
            $zipPath | Should -Exist
            @(Get-ChildItem -LiteralPath $folder -Force).Count | Should -Be 1
            $zip = [IO.Compression.ZipFile]::OpenRead($zipPath)
            try {
                $zip.Entries.Count | Should -Be @($w.documents).Count
                foreach ($entry in $zip.Entries) {
                    $entry.Name | Should -BeLike '*.pdf'
                    $ms = [IO.MemoryStream]::new()
                    $s = $entry.Open(); try { $s.CopyTo($ms) } finally { $s.Dispose() }
                    $bytes = $ms.ToArray()
                    [Text.Encoding]::ASCII.GetString($bytes, 0, 5) | Should -Be '%PDF-'
                    $w.documents.sha256 | Should -Contain (Get-Sha256OfBytes $bytes)
                }
            }
            finally { $zip.Dispose() }
        }

        It '-AsZip with one selected document still saves a zip holding that PDF' {
            $w = $mca.invoices[1]
            $folder = New-Folder 'zip-one'
            Get-Listed $w.name | Save-BillingInvoice -Destination $folder -AsZip -ErrorVariable ev -ErrorAction SilentlyContinue
            $ev | Should -BeNullOrEmpty
            $zipPath = Join-Path $folder "$($w.name).zip"
            $zipPath | Should -Exist
            $zip = [IO.Compression.ZipFile]::OpenRead($zipPath)
            try {
                $zip.Entries.Count | Should -Be 1
                $ms = [IO.MemoryStream]::new()
                $s = $zip.Entries[0].Open(); try { $s.CopyTo($ms) } finally { $s.Dispose() }
                Get-Sha256OfBytes $ms.ToArray() | Should -Be ($w.documents | Where-Object kind -EQ 'Invoice').sha256
            }
            finally { $zip.Dispose() }
        }
    }

    Context 'pipelines' {
        It 'Get-BillingSubscription | Get-BillingInvoice | Save-BillingInvoice saves each invoice once, byte-identical' {
            $folder = New-Folder 'pipe'
            $from = $today.AddMonths(-3)
            $invoices = @(Get-BillingSubscription | Get-BillingInvoice -PeriodStartDate $from -PeriodEndDate $today)
            $before = Get-DownloadPosts
            $files = @(Get-BillingSubscription | Get-BillingInvoice -PeriodStartDate $from -PeriodEndDate $today | Save-BillingInvoice -Destination $folder -PassThru)
            $invoices.Count | Should -BeGreaterThan 6
            $files.Count | Should -Be $invoices.Count
            ($files.Name | Sort-Object) | Should -Be ($invoices | ForEach-Object { "$($_.Name).pdf" } | Sort-Object)
            (Get-DownloadPosts) - $before | Should -Be $invoices.Count
            Assert-FilesMatchWorld $folder | Should -Be $invoices.Count
            # The blob host refuses (and counts) any request that carries the bearer token: none did.
            Get-FaultCount 'blob-authorization-refused' | Should -Be 0
            Get-RequestCount 'Blob_GET' | Should -BeGreaterOrEqual $invoices.Count
        }

        It 'Get-BillingPeriod | Get-BillingInvoice | Save-BillingInvoice saves the periods'' pay-as-you-go invoices as PDFs' {
            $folder = New-Folder 'legacy'
            $s = $payg.subscriptions[0]
            # The closed periods with an invoice: last month's has none before its issue day (the 2nd).
            $invoices = @(Get-BillingPeriod -SubscriptionId $s.subscriptionId | Where-Object InvoiceNames | Select-Object -First 2 | Get-BillingInvoice)
            $invoices.Count | Should -Be 2
            $files = @($invoices | Save-BillingInvoice -Destination $folder -PassThru -ErrorVariable ev)
            $ev | Should -BeNullOrEmpty
            ($files.Name | Sort-Object) | Should -Be ($invoices | ForEach-Object { "$($_.Name).pdf" } | Sort-Object)
            foreach ($f in $files) {
                @($payg.invoices | Where-Object subscriptionId -EQ $s.subscriptionId).name | Should -Contain $f.BaseName
                $bytes = [IO.File]::ReadAllBytes($f.FullName)
                [Text.Encoding]::ASCII.GetString($bytes, 0, 5) | Should -Be '%PDF-'
            }
            @(Get-ChildItem -LiteralPath $folder -Force).Count | Should -Be 2
        }

        It 'the same invoice piped twice is saved once' {
            $folder = New-Folder 'twice'
            $i = Get-Listed $ea.invoices[0].name
            $files = @($i, $i | Save-BillingInvoice -Destination $folder -PassThru)
            $files.Count | Should -Be 1
        }

        It 'Select-Object -First 1 upstream saves exactly one complete file' {
            $folder = New-Folder 'first1'
            Get-BillingInvoice -BillingAccountName $mca.name | Select-Object -First 1 | Save-BillingInvoice -Destination $folder
            Assert-FilesMatchWorld $folder | Should -Be 1
        }
    }

    Context '-PassThru, -WhatIf, existing files, -Force' {
        It '-PassThru writes a FileInfo per saved file, the type its [OutputType] declares' {
            (Get-Command Save-BillingInvoice).OutputType.Type | Should -Contain ([IO.FileInfo])
            $folder = New-Folder 'passthru'
            $w = Find-WorldInvoice $mca 'TaxReceipt'
            $files = @(Get-Listed $w.name | Save-BillingInvoice -Destination $folder -DocumentType All -PassThru)
            $files.Count | Should -Be @($w.documents).Count
            foreach ($f in $files) {
                $f | Should -BeOfType ([IO.FileInfo])
                $f.DirectoryName | Should -Be $folder
                $f.Length | Should -BeGreaterThan 0
            }
        }

        It '-WhatIf writes nothing and asks the service nothing' {
            $folder = New-Folder 'whatif'
            $before = (Get-EmulatorStats $emu).totalRequests
            $out = Get-Listed $ea.invoices[1].name | Save-BillingInvoice -Destination $folder -DocumentType All -WhatIf -PassThru
            $out | Should -BeNullOrEmpty
            @(Get-ChildItem -LiteralPath $folder -Force).Count | Should -Be 0
            (Get-EmulatorStats $emu).totalRequests | Should -Be $before
        }

        It '-WhatIf does not create a missing destination' {
            $folder = Join-Path $TestDrive 'whatif-missing'
            Get-Listed $ea.invoices[1].name | Save-BillingInvoice -Destination $folder -WhatIf
            $folder | Should -Not -Exist
        }

        It '-WhatIf:$false creates a missing destination and saves (a bound -WhatIf:$false is no what-if)' {
            $folder = Join-Path $TestDrive 'whatif-false/deeper'
            Get-Listed $ea.invoices[1].name | Save-BillingInvoice -Destination $folder -WhatIf:$false
            Assert-FilesMatchWorld $folder | Should -Be 1
        }

        It 'a monthly job is one command: the folder is created when missing, files already there are skipped, without -Force' {
            $folder = Join-Path $TestDrive 'monthly/invoices'
            $batch = @($ea.invoices | Select-Object -First 3 | ForEach-Object { Get-Listed $_.name })
            $batch | Select-Object -First 2 | Save-BillingInvoice -Destination $folder
            Assert-FilesMatchWorld $folder | Should -Be 2
            $before = Get-DownloadPosts
            $batch | Save-BillingInvoice -Destination $folder
            (Get-DownloadPosts) - $before | Should -Be 1 -Because 'only the file not there yet is downloaded'
            Assert-FilesMatchWorld $folder | Should -Be 3
        }

        It '$WhatIfPreference says what would be done, folder and each file, and does nothing' {
            $folder = Join-Path $TestDrive 'whatif-preference'
            $w = Find-WorldInvoice $mca 'TaxReceipt'
            $before = (Get-EmulatorStats $emu).totalRequests
            $run = Invoke-InAnsweringHost -Invoice (Get-Listed $w.name) -Folder $folder -Command {
                $WhatIfPreference = $true
                $Invoice | Save-BillingInvoice -Destination $Folder -DocumentType All -Force
            }
            $run.Errors | Should -BeNullOrEmpty
            $run.Questions | Should -BeNullOrEmpty
            @($run.Lines | Where-Object { $_ -match '^What if: .*"Create folder"' }).Count | Should -Be 1
            @($run.Lines | Where-Object { $_ -match "^What if: .*Save documents? of invoice $($w.name)" }).Count | Should -Be @($w.documents).Count
            $folder | Should -Not -Exist
            (Get-EmulatorStats $emu).totalRequests | Should -Be $before
        }

        It '-Confirm answered "No" to "Create folder" stops there, even with -WhatIf:$false: no folder, no other question' {
            $folder = Join-Path $TestDrive 'confirm-no'
            $w = Find-WorldInvoice $mca 'TaxReceipt'
            $before = (Get-EmulatorStats $emu).totalRequests
            $run = Invoke-InAnsweringHost -Invoice (Get-Listed $w.name) -Folder $folder -Command {
                $Invoice | Save-BillingInvoice -Destination $Folder -DocumentType All -Force -Confirm -WhatIf:$false
            }
            $run.Errors | Should -BeNullOrEmpty
            $run.Questions.Count | Should -Be 1
            $run.Questions[0] | Should -Match '"Create folder"'
            $folder | Should -Not -Exist
            (Get-EmulatorStats $emu).totalRequests | Should -Be $before
        }

        It 'existing files are skipped without any download; -Force downloads them again' {
            $folder = New-Folder 'skip'
            $invoices = @($ea.invoices[4].name, $mca.invoices[4].name, $payg.invoices[4].name | ForEach-Object { Get-Listed $_ })
            $invoices | Save-BillingInvoice -Destination $folder
            $times = @{}; Get-ChildItem -LiteralPath $folder | ForEach-Object { $times[$_.Name] = $_.LastWriteTimeUtc }
            $times.Count | Should -Be 3

            $postsBefore = Get-DownloadPosts; $blobBefore = Get-RequestCount 'Blob_GET'
            $out = $invoices | Save-BillingInvoice -Destination $folder -PassThru -Verbose 4>&1
            (Get-DownloadPosts) | Should -Be $postsBefore
            (Get-RequestCount 'Blob_GET') | Should -Be $blobBefore
            @($out | Where-Object { $_ -is [IO.FileInfo] }).Count | Should -Be 0
            @($out | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] -and $_.Message -match 'Skipping' }).Count | Should -Be 3
            Get-ChildItem -LiteralPath $folder | ForEach-Object { $_.LastWriteTimeUtc | Should -Be $times[$_.Name] }

            # A file that is already there is trusted as it is (only complete downloads get a final name): -Force replaces it.
            Set-Content -LiteralPath (Join-Path $folder "$($invoices[0].Name).pdf") -Value 'stale'
            $files = @($invoices | Save-BillingInvoice -Destination $folder -Force -PassThru)
            $files.Count | Should -Be 3
            (Get-DownloadPosts) - $postsBefore | Should -Be 3
            (Get-RequestCount 'Blob_GET') - $blobBefore | Should -BeGreaterOrEqual 3
            Assert-FilesMatchWorld $folder | Should -Be 3
        }
    }

    Context '-Destination' {
        It 'a missing folder is created without -Force, and -Verbose says so' {
            $folder = Join-Path $TestDrive 'missing'
            $verbose = @(Get-Listed $ea.invoices[0].name | Save-BillingInvoice -Destination $folder -Verbose 4>&1 |
                Where-Object { $_ -is [System.Management.Automation.VerboseRecord] }).Message -join "`n"
            $verbose | Should -Match ([regex]::Escape("Created the folder $folder"))
            Assert-FilesMatchWorld $folder | Should -Be 1
        }

        It 'a missing folder with -Force is created' {
            $folder = Join-Path $TestDrive 'created/deeper'
            Get-Listed $ea.invoices[0].name | Save-BillingInvoice -Destination $folder -Force
            Join-Path $folder "$($ea.invoices[0].name).pdf" | Should -Exist
            Assert-FilesMatchWorld $folder | Should -Be 1
        }

        It 'a relative -Destination is resolved against the PowerShell location' {
            $base = New-Folder 'relative-base'
            Push-Location $base
            try { Get-Listed $mca.invoices[2].name | Save-BillingInvoice -Destination 'rel' -Force } finally { Pop-Location }
            Join-Path $base "rel/$($mca.invoices[2].name).pdf" | Should -Exist
        }

        It 'a .partial file left by an interrupted earlier run is cleaned up when that name is written' {
            $folder = New-Folder 'stale'
            $w = $ea.invoices[9]
            $stale = Join-Path $folder ".$($w.name).pdf.0badc0de.partial"
            Set-Content -LiteralPath $stale -Value 'half a PDF'
            Get-Listed $w.name | Save-BillingInvoice -Destination $folder
            $stale | Should -Not -Exist
            Assert-FilesMatchWorld $folder | Should -Be 1
        }

        It 'a destination that is a file is DestinationIsAFile' {
            $file = Join-Path $TestDrive 'a-file.txt'
            Set-Content -LiteralPath $file -Value 'x'
            $e = try { Get-Listed $ea.invoices[0].name | Save-BillingInvoice -Destination $file -ErrorAction Stop; $null } catch { $_ }
            Assert-BillingError $e 'DestinationIsAFile' 'InvalidArgument'
        }
    }

    Context 'a stopped pipeline in the middle of a batch' -Tag 'NoClock' {
        It 'leaves only complete files and no .partial temp files' {
            $folder = New-Folder 'stopped'
            $batch = @($payg.invoices | Select-Object -First 15 | ForEach-Object { Get-Listed $_.name })
            Set-EmulatorFaults $emu @{ latencyMs = 120 } | Out-Null
            $ps = [powershell]::Create()
            try {
                $null = $ps.AddScript({
                        param($ModulePath, $Invoices, $Folder)
                        Import-Module $ModulePath
                        $Invoices | Save-BillingInvoice -Destination $Folder -ThrottleLimit 3 -DocumentType All
                    }).AddArgument((Get-TestModulePath)).AddArgument($batch).AddArgument($folder)
                $handle = $ps.BeginInvoke()
                # Stop as soon as the first file is complete: the others are in flight.
                $deadline = [DateTime]::UtcNow.AddSeconds(30)
                while (-not (Get-ChildItem -LiteralPath $folder -Filter '*.pdf') -and [DateTime]::UtcNow -lt $deadline) { Start-Sleep -Milliseconds 10 }
                $ps.Stop()
                $handle.IsCompleted | Should -BeTrue
            }
            finally { $ps.Dispose(); Reset-Emulator $emu | Out-Null }
            # Stop() waits a bounded grace for cleanup; on a loaded machine it may end just after. Then anything still
            # running in the background would show up within the next 300 ms.
            $deadline = [DateTime]::UtcNow.AddSeconds(30)
            while ((Get-ChildItem -LiteralPath $folder -Force -Filter '*.partial') -and [DateTime]::UtcNow -lt $deadline) { Start-Sleep -Milliseconds 50 }
            Start-Sleep -Milliseconds 300
            @(Get-ChildItem -LiteralPath $folder -Force -Filter '*.partial').Count | Should -Be 0
            $count = Assert-FilesMatchWorld $folder
            $count | Should -BeGreaterThan 0
            $count | Should -BeLessThan $batch.Count
        }

        It 'a rerun after the stop completes the batch' {
            $folder = Join-Path $TestDrive 'stopped'
            $batch = @($payg.invoices | Select-Object -First 15 | ForEach-Object { Get-Listed $_.name })
            $batch | Save-BillingInvoice -Destination $folder -DocumentType All
            $expected = ($payg.invoices | Select-Object -First 15 | ForEach-Object { @($_.documents).Count } | Measure-Object -Sum).Sum
            Assert-FilesMatchWorld $folder | Should -Be $expected
        }

        It 'a child pwsh stopped in the middle of a batch leaves no .partial files' {
            $folder = New-Folder 'child-stopped'
            Set-EmulatorFaults $emu @{ latencyMs = 150 } | Out-Null
            try {
                $result = Invoke-ChildPwsh -TimeoutSeconds 120 -Environment @{
                    BPS_TEST_MODULE = (Get-TestModulePath); BPS_TEST_URL = $emu.ArmUrl; BPS_TEST_TOKEN = $emu.Token; BPS_TEST_FOLDER = $folder
                    BPS_TEST_ACCOUNT = $mca.name; BPS_TEST_FROM = $today.AddYears(-5).ToString('yyyy-MM-dd')
                } -ScriptBlock {
                    Import-Module $env:BPS_TEST_MODULE
                    Connect-BillingAccount -ResourceManagerUrl $env:BPS_TEST_URL -AccessToken (ConvertTo-SecureString $env:BPS_TEST_TOKEN -AsPlainText -Force) | Out-Null
                    $invoices = @(Get-BillingInvoice -BillingAccountName $env:BPS_TEST_ACCOUNT -PeriodStartDate $env:BPS_TEST_FROM)
                    $ps = [powershell]::Create()
                    $null = $ps.AddScript({ param($m, $i, $f) Import-Module $m; $i | Save-BillingInvoice -Destination $f -ThrottleLimit 4 }).AddArgument($env:BPS_TEST_MODULE).AddArgument($invoices).AddArgument($env:BPS_TEST_FOLDER)
                    $h = $ps.BeginInvoke()
                    $deadline = [DateTime]::UtcNow.AddSeconds(30)
                    while (-not (Get-ChildItem -LiteralPath $env:BPS_TEST_FOLDER -Filter '*.pdf') -and [DateTime]::UtcNow -lt $deadline) { Start-Sleep -Milliseconds 10 }
                    $ps.Stop()
                    "STOPPED completed=$($h.IsCompleted) invoices=$($invoices.Count) errors=$($ps.Streams.Error -join '; ')"
                }
            }
            finally { Reset-Emulator $emu | Out-Null }
            $result.ExitCode | Should -Be 0 -Because ($result.Output -join "`n")
            ($result.Output -join "`n") | Should -Match 'STOPPED completed=True'
            @(Get-ChildItem -LiteralPath $folder -Force -Filter '*.partial').Count | Should -Be 0
            $count = Assert-FilesMatchWorld $folder
            $count | Should -BeGreaterThan 0 -Because ($result.Output -join "`n")
            $count | Should -BeLessThan @($mca.invoices).Count
        }
    }

    Context 'faults during saves still end with byte-identical files' -Tag 'NoClock' {
        AfterEach { Reset-Emulator $emu | Out-Null }

        It '429 on the download POST (<_>) is retried' -ForEach 'Retry-After', 'x-ms-ratelimit-microsoft.consumption-retry-after' {
            $folder = New-Folder "f429-$($_.Length)"
            Set-EmulatorFaults $emu @{ fault429Rate = 0.3; fault429Header = $_; pathContains = '/download' } | Out-Null
            $batch = @($ea.invoices | Select-Object -First 6 | ForEach-Object { Get-Listed $_.name })
            # Save again (-Force) until a POST was throttled: concurrent saves draw the request numbers in any order.
            $runs = Invoke-UntilFaulted -Emulator $emu -Kind "429:$_" -ScriptBlock {
                $batch | Save-BillingInvoice -Destination $folder -Force -ErrorVariable ev
                $ev | Should -BeNullOrEmpty
            }
            Get-FaultCount "429:$_" | Should -BeGreaterThan 0 -Because "the storm must have happened within $(@($runs).Count) runs"
            Assert-FilesMatchWorld $folder | Should -Be 6
        }

        It '503 while polling the download operation is retried' {
            $folder = New-Folder 'f503'
            Set-EmulatorFaults $emu @{ fault5xxRate = 0.3; pathContains = 'operationResults' } | Out-Null
            $batch = @($mca.invoices | Select-Object -First 8 | ForEach-Object { Get-Listed $_.name })
            $null = Invoke-UntilFaulted -Emulator $emu -Kind '503' -ScriptBlock {
                $batch | Save-BillingInvoice -Destination $folder -Force -ErrorVariable ev
                $ev | Should -BeNullOrEmpty
            }
            Get-FaultCount '503' | Should -BeGreaterThan 0
            Assert-FilesMatchWorld $folder | Should -Be 8
        }

        It 'a connection reset in the middle of a PDF is resumed' {
            $folder = New-Folder 'reset'
            Set-EmulatorFaults $emu @{ faultResetRate = 0.3; resetTargets = @('pdf') } | Out-Null
            $batch = @($payg.invoices | Select-Object -First 8 | ForEach-Object { Get-Listed $_.name })
            $null = Invoke-UntilFaulted -Emulator $emu -Kind 'reset-pdf' -ScriptBlock {
                $batch | Save-BillingInvoice -Destination $folder -DocumentType All -Force -ErrorVariable ev
                $ev | Should -BeNullOrEmpty
            }
            Get-FaultCount 'reset-pdf' | Should -BeGreaterThan 0
            $expected = ($payg.invoices | Select-Object -First 8 | ForEach-Object { @($_.documents).Count } | Measure-Object -Sum).Sum
            Assert-FilesMatchWorld $folder | Should -Be $expected
            @(Get-ChildItem -LiteralPath $folder -Force -Filter '*.partial').Count | Should -Be 0
        }

        It 'a connection reset in the middle of a zip is resumed' {
            $folder = New-Folder 'reset-zip'
            Set-EmulatorFaults $emu @{ faultResetRate = 0.4; resetTargets = @('zip') } | Out-Null
            $w = Find-WorldInvoice $ea 'CreditNote'
            # Fault decisions follow the request numbers: save again (-Force) until a zip transfer has been cut.
            # One zip transfer per save: up to 12 saves (0.6^12 = 0.2% that none is cut).
            for ($n = 0; $n -lt 12 -and (Get-FaultCount 'reset-zip') -eq 0; $n++) {
                Get-Listed $w.name | Save-BillingInvoice -Destination $folder -DocumentType All -AsZip -Force -ErrorVariable ev
                $ev | Should -BeNullOrEmpty
                $zip = [IO.Compression.ZipFile]::OpenRead((Join-Path $folder "$($w.name).zip"))
                try {
                    $zip.Entries.Count | Should -Be @($w.documents).Count
                    foreach ($entry in $zip.Entries) {
                        $ms = [IO.MemoryStream]::new(); $st = $entry.Open(); try { $st.CopyTo($ms) } finally { $st.Dispose() }
                        $w.documents.sha256 | Should -Contain (Get-Sha256OfBytes $ms.ToArray())
                    }
                }
                finally { $zip.Dispose() }
            }
            Get-FaultCount 'reset-zip' | Should -BeGreaterThan 0
            @(Get-ChildItem -LiteralPath $folder -Force -Filter '*.partial').Count | Should -Be 0
        }

        It 'an expired SAS link is requested again' {
            $folder = New-Folder 'sas'
            $w = $ea.invoices[7]
            $invoice = Get-Listed $w.name
            # The first link the emulator issues has already expired; the ones after it work.
            Set-EmulatorFaults $emu @{ sasMode = 'expired'; sasExpiredLinks = 1 } | Out-Null
            $postsBefore = Get-DownloadPosts
            $out = $invoice | Save-BillingInvoice -Destination $folder -PassThru -ErrorVariable errors
            Get-FaultCount 'blob-expired' | Should -Be 1
            $errors | Should -BeNullOrEmpty
            @($out).Count | Should -Be 1
            (Get-DownloadPosts) - $postsBefore | Should -Be 2 -Because 'the download was asked for again, once'
            Get-Sha (Join-Path $folder "$($w.name).pdf") | Should -Be ($w.documents | Where-Object kind -EQ 'Invoice').sha256
        }

        It 'links that are always expired end in an error for that invoice, no file, no secret' {
            $folder = New-Folder 'sas-always'
            Set-EmulatorFaults $emu @{ sasMode = 'expired' } | Out-Null
            $w = $ea.invoices[8]
            $all = Get-Listed $w.name | Save-BillingInvoice -Destination $folder -ErrorVariable ev -ErrorAction SilentlyContinue -Verbose -Debug *>&1
            $ev.Count | Should -Be 1
            $ev[0].FullyQualifiedErrorId | Should -BeLike 'DownloadRefused,*'
            $ev[0].ToString() | Should -Not -Match '   at '
            @(Get-ChildItem -LiteralPath $folder -Force).Count | Should -Be 0
            Find-Secret -Text (@($all) + @($ev)) -Secret $emu.Token | Should -BeNullOrEmpty
        }
    }

    Context 'names that try to escape the folder' -Tag 'NoClock' {
        # The emulator only generates plain invoice names, so the engine's naming (what the cmdlet plans with) is
        # checked directly through the module's loaded engine assembly.
        It 'plans "<_>" to a file directly inside the folder' -ForEach '../../etc/passwd', '..\..\windows\evil', '/etc/passwd', 'C:\evil', '..', '.', 'a/b/../../c', 'CON', "nul`u{0}x", '   ', '-rf' {
            $folder = New-Folder 'escape'
            $downloader = Get-EngineType 'BillingPowerShell.Engine.Billing.InvoiceDownloader'
            $invoice = New-EngineObject 'BillingPowerShell.BillingInvoice'
            $invoice.Name = $_
            $docType = Get-EngineType 'BillingPowerShell.InvoiceDocument'
            $doc = New-EngineObject 'BillingPowerShell.InvoiceDocument'; $doc.Kind = 'CreditNote'; $doc.Name = '../' + $_
            $inv = New-EngineObject 'BillingPowerShell.InvoiceDocument'; $inv.Kind = 'Invoice'; $inv.Name = $_
            $docs = [Array]::CreateInstance($docType, 2); $docs[0] = $inv; $docs[1] = $doc
            $invoice.Documents = $docs
            $kinds = [Collections.Generic.HashSet[string]]::new([string[]]@('All'))
            foreach ($zip in $false, $true) {
                $files = @($downloader::Plan($invoice, $kinds, $zip, $folder))
                $files.Count | Should -BeGreaterThan 0
                foreach ($f in $files) {
                    [IO.Path]::GetDirectoryName($f.Path) | Should -Be $folder
                    [IO.Path]::GetFileName($f.Path) | Should -Not -BeIn @('', '.', '..')
                    [IO.Path]::GetFileName($f.Path) | Should -Not -Match '^(?i)(CON|NUL)(\.|$)'
                    [IO.Path]::GetFileName($f.Path) | Should -Not -Match '[\\/\x00]'
                }
            }
        }

        It 'documents the service names like paths or devices are saved inside the folder, nothing outside' {
            # The emulator's --hostile-document-names mode adds documents named "../../escape2", "COM1", "a\b:c*?<>|2"
            # and "..\..\win2" to the newest invoice of the MCA account. It runs with a certificate of its own, so
            # the save runs in a child pwsh that trusts it.
            $hostile = Start-TestEmulator -ExtraArgument '--hostile-document-names' -CertDirectory (Join-Path $TestDrive 'hostile-cert')
            try {
                $account = (Get-EmulatorWorld $hostile).accounts | Where-Object agreementType -EQ 'MicrosoftCustomerAgreement'
                $w = @($account.invoices)[-1]
                @($w.documents.name) | Should -Contain '../../escape2'
                $root = New-Folder 'escape-root'
                $folder = New-Folder 'escape-root/inner/deeper'
                $result = Invoke-ChildPwsh -TimeoutSeconds 120 -Environment @{
                    SSL_CERT_FILE = $hostile.CertPath; BPS_TEST_MODULE = (Get-TestModulePath); BPS_TEST_URL = $hostile.ArmUrl
                    BPS_TEST_TOKEN = $hostile.Token; BPS_TEST_ACCOUNT = $account.name; BPS_TEST_INVOICE = $w.name; BPS_TEST_FOLDER = $folder
                } -ScriptBlock {
                    Import-Module $env:BPS_TEST_MODULE
                    $null = Connect-BillingAccount -ResourceManagerUrl $env:BPS_TEST_URL -AccessToken (ConvertTo-SecureString $env:BPS_TEST_TOKEN -AsPlainText -Force)
                    Save-BillingInvoice -Name $env:BPS_TEST_INVOICE -BillingAccountName $env:BPS_TEST_ACCOUNT -DocumentType All -Destination $env:BPS_TEST_FOLDER -PassThru |
                        ForEach-Object { "SAVED $($_.FullName)" }
                }
            }
            finally { Stop-TestEmulator $hostile }
            $result.ExitCode | Should -Be 0 -Because ($result.Output -join "`n")
            $saved = @($result.Output | Where-Object { $_ -like 'SAVED *' })
            $saved | Should -HaveCount @($w.documents).Count -Because ($result.Output -join "`n")
            $files = @(Get-ChildItem -LiteralPath $root -Recurse -Force -File)
            $files | Should -HaveCount @($w.documents).Count
            foreach ($f in $files) {
                $f.DirectoryName | Should -Be $folder -Because 'every document lands directly in the destination folder'
                $f.Name | Should -Not -Match '^(?i)(CON|NUL|COM1)(\.|$)'
                $w.documents.sha256 | Should -Contain (Get-Sha $f.FullName)
            }
        }
    }

    Context 'errors' {
        It 'an unknown invoice name is ObjectNotFound' {
            $folder = New-Folder 'unknown'
            Save-BillingInvoice -Name 'NOSUCHINVOICE' -BillingAccountName $ea.name -Destination $folder -ErrorVariable ev -ErrorAction SilentlyContinue
            Assert-BillingError $ev[0] 'BillingObjectNotFound' 'ObjectNotFound'
            @(Get-ChildItem -LiteralPath $folder -Force).Count | Should -Be 0
        }

        It 'one failing invoice does not stop the others' {
            $folder = New-Folder 'one-fails'
            $bad = New-EngineObject 'BillingPowerShell.BillingInvoice'; $bad.Name = 'NOSUCHINVOICE'; $bad.BillingAccountName = $ea.name
            $good = Get-Listed $ea.invoices[5].name
            $bad, $good | Save-BillingInvoice -Destination $folder -ErrorVariable ev -ErrorAction SilentlyContinue
            $ev.Count | Should -Be 1
            $ev[0].CategoryInfo.Category | Should -Be 'ObjectNotFound'
            Assert-FilesMatchWorld $folder | Should -Be 1
        }

        It 'a sign-in that stops working half-way stops the batch once, naming the files not saved; a rerun saves only those' {
            $folder = New-Folder 'revoked'
            $batch = @($payg.invoices | Select-Object -First 12 | ForEach-Object { Get-Listed $_.name })
            try {
                # Each file takes a download request and a poll or two: the sign-in fails after a few files.
                Set-EmulatorFaults $emu @{ revokeTokenAfter = 8 } | Out-Null
                $e = try { $batch | Save-BillingInvoice -Destination $folder -ThrottleLimit 2 -ErrorVariable ev -ErrorAction Stop; $null } catch { $_ }
            }
            finally { Reset-Emulator $emu | Out-Null }
            Assert-BillingError $e 'AuthenticationFailed' 'AuthenticationError'
            # One error for the batch, not one per invoice: -ErrorVariable holds the stopping one at most.
            @($ev).Count | Should -BeLessOrEqual 1
            $saved = @(Get-ChildItem -LiteralPath $folder -File -Force)
            $saved.Count | Should -BeLessThan $batch.Count
            Assert-FilesMatchWorld $folder | Should -Be $saved.Count
            $notSaved = @($batch | Where-Object { "$($_.Name).pdf" -notin $saved.Name })
            foreach ($i in $notSaved) { $e.Exception.Message | Should -Match ([regex]::Escape("$($i.Name).pdf")) }
            foreach ($f in $saved) { $e.Exception.Message | Should -Not -Match ([regex]::Escape($f.Name)) }
            $e.Exception.Message | Should -Match "after $($saved.Count) of $($batch.Count) files"
            $e.Exception.Message | Should -Match 'Connect-BillingAccount'
            # Signed in again, the rerun saves exactly the files named.
            $before = Get-DownloadPosts
            $batch | Save-BillingInvoice -Destination $folder
            (Get-DownloadPosts) - $before | Should -Be $notSaved.Count
            Assert-FilesMatchWorld $folder | Should -Be $batch.Count
        }

        It 'a malformed -SubscriptionId is a parameter validation error' {
            $e = try { Save-BillingInvoice -Name 'X1' -SubscriptionId 'nope' -Destination $TestDrive -ErrorAction Stop; $null } catch { $_ }
            $e.FullyQualifiedErrorId | Should -BeLike 'ParameterArgumentValidationError,*'
        }
    }
}
