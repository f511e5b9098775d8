# tools/Emulator.psm1 Start-Azurite / Stop-Azurite: Azurite as the world's storage account, HTTPS with the emulator's
# certificate (so this process, which trusts the emulator through SSL_CERT_FILE, trusts Azurite too), and an export
# run of the emulator landing in it with a manifest.json (docs/contracts/EXPORTS_EMULATION.md).

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    $script:emu = Start-TestEmulator -WithAzurite
    $script:world = Get-EmulatorWorld $emu
    $script:arm = @{ Authorization = "Bearer $($emu.Token)" }

    # A bearer token Azurite accepts under --oauth basic: a JWT (signature not checked) with the storage audience, a
    # login.microsoftonline issuer and a valid lifetime (Azurite's README, "OAuth").
    function New-StorageToken {
        $b64 = { param($s) [Convert]::ToBase64String([Text.Encoding]::UTF8.GetBytes($s)).TrimEnd('=').Replace('+', '-').Replace('/', '_') }
        $now = [DateTimeOffset]::UtcNow.ToUnixTimeSeconds()
        $claims = @{ aud = 'https://storage.azure.com'; iss = 'https://sts.windows.net/00000000-0000-0000-0000-000000000000/'; nbf = $now - 60; exp = $now + 3600; iat = $now - 60 } | ConvertTo-Json -Compress
        '{0}.{1}.{2}' -f (& $b64 '{"alg":"RS256","typ":"JWT"}'), (& $b64 $claims), (& $b64 'signature')
    }
    $script:storage = @{ Authorization = "Bearer $(New-StorageToken)"; 'x-ms-version' = '2021-10-04' }
}

AfterAll { Stop-TestEmulator $script:emu }

Describe 'Start-Azurite' {
    It 'listens on 127.0.0.1 over HTTPS for devstoreaccount1 and the emulator knows it' {
        $emu.Azurite.BlobUrl | Should -Match '^https://127\.0\.0\.1:\d+/devstoreaccount1$'
        $world.storageAccount.blobUrl | Should -Be $emu.Azurite.BlobUrl
        $world.storageAccount.id | Should -Match '/providers/Microsoft\.Storage/storageAccounts/devstoreaccount1$'
        $list = Invoke-WebRequest -Uri "$($emu.Azurite.BlobUrl)?comp=list" -Headers $storage
        $list.StatusCode | Should -Be 200
    }

    It 'an export run writes its files and manifest.json into Azurite' {
        $sub = ($world.accounts | Where-Object agreementType -EQ 'EnterpriseAgreement').subscriptions[0].subscriptionId
        $export = "$($emu.ArmUrl)/subscriptions/$sub/providers/Microsoft.CostManagement/exports/pester"
        $body = @{ properties = @{
                definition = @{ type = 'ActualCost'; timeframe = 'TheLastMonth' }
                deliveryInfo = @{ destination = @{ resourceId = $world.storageAccount.id; container = 'exports'; rootFolderPath = 'pester' } }
                format = 'Csv'; compressionMode = 'gzip' } } | ConvertTo-Json -Depth 6
        $null = Invoke-RestMethod -Method Put -Uri "$export`?api-version=2025-03-01" -Headers $arm -Body $body -ContentType 'application/json'
        $null = Invoke-RestMethod -Method Post -Uri "$export/run?api-version=2025-03-01" -Headers $arm
        Wait-Until -TimeoutSeconds 60 -Condition {
            $script:run = (Invoke-RestMethod -Uri "$export/runHistory?api-version=2025-03-01" -Headers $arm).value | Select-Object -First 1
            $script:run -and $script:run.properties.status -notin 'Queued', 'InProgress'
        }
        $run = $script:run
        $run.properties.status | Should -Be 'Completed'
        $manifest = Invoke-RestMethod -Uri "$($emu.Azurite.BlobUrl)/exports/$($run.properties.manifestFile)" -Headers $storage
        $manifest.blobCount | Should -BeGreaterThan 0
        $manifest.exportConfig.exportName | Should -Be 'pester'
        $first = Invoke-WebRequest -Uri "$($emu.Azurite.BlobUrl)/exports/$($manifest.blobs[0].blobName)" -Headers $storage
        $first.RawContentLength | Should -Be $manifest.blobs[0].byteCount
    }
}

Describe 'Stop-Azurite' {
    It 'stops the Azurite it started, by its process id' {
        $az = Start-Azurite -CertDirectory (Split-Path -Parent $emu.CertPath)
        try { Get-Process -Id $az.ProcessId | Should -Not -BeNullOrEmpty }
        finally { Stop-Azurite $az }
        $az.Process.HasExited | Should -BeTrue
        Test-Path -LiteralPath $az.WorkDirectory | Should -BeFalse
    }
}
