# The export cmdlets end to end against the emulator's Cost Management exports and Azurite as the storage account
# (docs/contracts/EXPORTS_EMULATION.md): New → Get → Start → Get-BillingExportRun until the run completes, its
# manifest in Azurite, Set with the eTag it read (a stale one is refused, nothing lost), Remove.

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    if (-not (Get-Module BillingPowerShell)) { Import-Module (Get-TestModulePath) }
    $script:emu = Start-TestEmulator -WithAzurite
    $script:world = Get-EmulatorWorld $emu
    Connect-BillingAccount -ResourceManagerUrl $emu.ArmUrl -AccessToken $emu.SecureToken | Out-Null
    $script:ea = ($world.accounts | Where-Object agreementType -EQ 'EnterpriseAgreement').name
    $script:storageId = $world.storageAccount.id
    $script:scope = @{ BillingAccountName = $ea }

    # A bearer token Azurite accepts under --oauth basic (docs/contracts/EXPORTS_EMULATION.md): a JWT whose signature
    # is not checked, with the storage audience, an Entra issuer, iat and a valid lifetime.
    function script:New-StorageHeader {
        $b64 = { param($s) [Convert]::ToBase64String([Text.Encoding]::UTF8.GetBytes($s)).TrimEnd('=').Replace('+', '-').Replace('/', '_') }
        $now = [DateTimeOffset]::UtcNow.ToUnixTimeSeconds()
        $claims = @{ aud = 'https://storage.azure.com'; iss = 'https://sts.windows.net/00000000-0000-0000-0000-000000000000/'; nbf = $now - 60; exp = $now + 3600; iat = $now - 60 } | ConvertTo-Json -Compress
        @{ Authorization = 'Bearer ' + ('{0}.{1}.{2}' -f (& $b64 '{"alg":"RS256","typ":"JWT"}'), (& $b64 $claims), (& $b64 'signature')); 'x-ms-version' = '2021-10-04' }
    }
}

AfterAll {
    Disconnect-BillingAccount
    Stop-TestEmulator $script:emu
}

Describe 'Cost Management exports, end to end' {
    It 'New-BillingExport creates the export the service then returns, with an eTag' {
        $new = New-BillingExport @scope -Name 'pester-e2e' -Dataset ActualCost -Timeframe TheLastMonth -Format Csv -Compression Gzip `
            -StorageAccountId $storageId -Container 'exports' -RootFolderPath 'pester'
        $new.Name | Should -Be 'pester-e2e'
        $got = Get-BillingExport @scope -Name 'pester-e2e'
        $got.Dataset | Should -Be 'ActualCost'
        $got.Compression | Should -Be 'Gzip'
        $got.StorageAccountId | Should -Be $storageId
        $got.ETag | Should -Not -BeNullOrEmpty
        @(Get-BillingExport @scope -Name 'pester-*').Name | Should -Contain 'pester-e2e'
    }

    It 'Start-BillingExport runs it; the run completes with its manifest, and the manifest is in the storage account' {
        Get-BillingExport @scope -Name 'pester-e2e' | Start-BillingExport
        $run = $null
        Wait-Until -What 'the export run to finish' -TimeoutSeconds 60 -Condition {
            $script:run = Get-BillingExportRun @scope -Name 'pester-e2e' | Select-Object -First 1
            $script:run -and $script:run.IsFinished
        }
        $run = $script:run
        $run.Status | Should -Be 'Completed' -Because "$($run.ErrorCode) $($run.ErrorMessage)"
        $run.ExecutionType | Should -Be 'OnDemand'
        $run.ManifestFile | Should -Match 'manifest\.json$'
        $manifest = Invoke-RestMethod -Uri "$($world.storageAccount.blobUrl)/exports/$($run.ManifestFile)" -Headers (New-StorageHeader)
        $manifest.blobCount | Should -BeGreaterThan 0
        @($manifest.blobs).Count | Should -Be $manifest.blobCount
        ($manifest.blobs | Measure-Object dataRowCount -Sum).Sum | Should -Be $manifest.dataRowCount
    }

    It 'Set-BillingExport sends the eTag it read: a change made by someone else in between is refused, not lost' {
        $stale = Get-BillingExport @scope -Name 'pester-e2e'
        Set-BillingExport @scope -Name 'pester-e2e' -Description 'first change'
        $err = Get-ErrorFromCommand { $stale | Set-BillingExport -Description 'second change' }
        $err.FullyQualifiedErrorId | Should -BeLike 'ExportChangedElsewhere*'
        (Get-BillingExport @scope -Name 'pester-e2e').Description | Should -Be 'first change'
    }

    It 'Remove-BillingExport deletes it' {
        Remove-BillingExport @scope -Name 'pester-e2e' -Confirm:$false
        @(Get-BillingExport @scope -Name 'pester-*') | Should -HaveCount 0
        $err = Get-ErrorFromCommand { Get-BillingExport @scope -Name 'pester-e2e' }
        $err.FullyQualifiedErrorId | Should -BeLike 'BillingObjectNotFound*'
    }
}

