# The examples in the help run against the emulator (issue 6): every ```powershell example of module/docs/*.md is run,
# connected to the emulator, each in its own empty temporary folder. $env:BILLING_ACCESS_TOKEN holds the emulator's
# token for examples that show Connect-BillingAccount -AccessToken. An example passes when it parses, every command in it exists
# and binds its parameters, and it raises no error other than the module's BillingObjectNotFound/SubscriptionNotFound
# (examples may name real-world accounts, such as an enrollment number, that the emulator's generated data does not have).
# Sign-ins run against the emulator's Entra ID and managed identity endpoints, found the way Azure.Identity finds
# them in Azure: AZURE_AUTHORITY_HOST, IDENTITY_ENDPOINT/IDENTITY_HEADER (as in an Automation runbook), and
# AZURE_TENANT_ID/AZURE_CLIENT_ID/AZURE_CLIENT_CERTIFICATE_PATH (as in a pipeline) are set for this process, and
# Connect-BillingAccount's -ResourceManagerUrl defaults to the emulator ($PSDefaultParameterValues), so -Identity,
# -DeviceCode, -ServicePrincipal and the default chain run as written. Examples that need what the emulator cannot
# stand in for (a browser, another cloud, a person at a prompt, the Az cmdlets) are reported as skipped, with the reason.

BeforeDiscovery {
    $docs = Join-Path $PSScriptRoot '../../module/docs'
    $script:exampleCases = foreach ($file in Get-ChildItem -LiteralPath $docs -Filter '*.md' | Where-Object Name -notlike 'about_*') {
        $lines = [IO.File]::ReadAllLines($file.FullName)
        $inExamples = $false; $title = $null; $code = $null; $taken = $false
        foreach ($line in $lines) {
            if ($line -match '^## ') { $inExamples = $line -match '^## EXAMPLES'; continue }
            if (-not $inExamples) { continue }
            if ($line -match '^### (.+)$') { $title = $Matches[1].Trim(); $taken = $false; continue }
            if ($null -eq $code -and -not $taken -and $line -match '^```powershell\s*$') { $code = [Collections.Generic.List[string]]::new(); continue }
            if ($null -ne $code) {
                if ($line -match '^```\s*$') {
                    @{ Command = $file.BaseName; Title = $title; Code = ($code -join "`n") }
                    $code = $null; $taken = $true
                }
                else { $code.Add($line) }
            }
        }
    }
}

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    if (-not (Get-Module BillingPowerShell)) { Import-Module (Get-TestModulePath) }
    $script:emu = Start-TestEmulator
    $script:connect = { $null = Connect-BillingAccount -ResourceManagerUrl $emu.ArmUrl -AccessToken $emu.SecureToken }
    & $connect
    $env:BILLING_ACCESS_TOKEN = $emu.Token
    $script:savedEnvironment = @{}
    $identityEnvironment = @{
        AZURE_AUTHORITY_HOST = $emu.AuthorityHost; IDENTITY_ENDPOINT = $emu.IdentityEndpoint; IDENTITY_HEADER = $emu.IdentityHeader
        AZURE_TENANT_ID = $emu.TenantId; AZURE_CLIENT_ID = $emu.ClientId; AZURE_CLIENT_CERTIFICATE_PATH = $emu.ClientCertificatePath
    }
    foreach ($name in $identityEnvironment.Keys) {
        $savedEnvironment[$name] = [Environment]::GetEnvironmentVariable($name)
        [Environment]::SetEnvironmentVariable($name, $identityEnvironment[$name])
    }
    $PSDefaultParameterValues['Connect-BillingAccount:ResourceManagerUrl'] = $emu.ArmUrl
    $script:work = Join-Path ([IO.Path]::GetTempPath()) ('bps-examples-' + [Guid]::NewGuid().ToString('n').Substring(0, 8))
    $null = New-Item -ItemType Directory -Path $work
    # Patterns of examples that cannot run here, and why.
    $script:needsRealIdentity = [ordered]@{
        '-Interactive\b'                 = 'needs a browser sign-in'
        '\bConnect-BillingAccount\s+-Environment' = 'needs Azure credentials in that cloud'
        '\b(Set|Get|New)-Az[A-Z]\w*'     = 'needs the Az modules'
        'Read-Host'                      = 'needs a person at the prompt'
    }
    # Only the module's own "that account/subscription does not exist here" errors; a command that does not exist is
    # ObjectNotFound too (CommandNotFoundException) and must fail the example.
    $script:allowedErrors = 'BillingObjectNotFound', 'SubscriptionNotFound'
    # An example's placeholder resource (the all-zero subscription, e.g. in a storage account id the user replaces
    # with theirs) may be refused by the service as it would be in Azure: that refusal, naming the placeholder, is
    # expected; any other refusal is a problem.
    $script:placeholder = '/subscriptions/00000000-0000-0000-0000-000000000000/'

    # Usage files the Import-DailyUsage examples name, exported once from the emulator (a few days of last month).
    $script:fixtures = Join-Path $work '_fixtures'
    $null = New-Item -ItemType Directory -Path $fixtures
    $ea = (Get-EmulatorWorld $emu).accounts | Where-Object agreementType -EQ 'EnterpriseAgreement'
    $from = (Get-Date).Date.AddDays(1 - (Get-Date).Day).AddMonths(-1)
    $null = Export-DailyUsage -BillingAccountName $ea.name -StartDate $from -EndDate $from.AddDays(2) -Path (Join-Path $fixtures 'usage.csv')
    $null = Export-DailyUsage -BillingAccountName $ea.name -StartDate $from -EndDate $from.AddDays(2) -Path (Join-Path $fixtures 'usage.csv.gz')
    # Each example's own folder: those files under the names the examples use, ~/Downloads in it, and the existing
    # ./invoices folder that the Save-BillingInvoice examples without -Force expect.
    function script:New-ExampleFolder([string] $Code) {
        $folder = Join-Path $work ([Guid]::NewGuid().ToString('n').Substring(0, 8))
        $null = New-Item -ItemType Directory -Path (Join-Path $folder 'Downloads')
        [IO.File]::Copy((Join-Path $fixtures 'usage.csv'), (Join-Path $folder 'Downloads/portal-usage.csv'))
        [IO.File]::Copy((Join-Path $fixtures 'usage.csv'), (Join-Path $folder 'usage [2026-10].csv'))
        [IO.File]::Copy((Join-Path $fixtures 'usage.csv.gz'), (Join-Path $folder 'ea-last-month.csv.gz'))
        if ($Code -notmatch '-Force\b') { $null = New-Item -ItemType Directory -Path (Join-Path $folder 'invoices') }
        $folder
    }
}

AfterAll {
    Remove-Item Env:BILLING_ACCESS_TOKEN -ErrorAction Ignore
    foreach ($name in $savedEnvironment.Keys) { [Environment]::SetEnvironmentVariable($name, $savedEnvironment[$name]) }
    $PSDefaultParameterValues.Remove('Connect-BillingAccount:ResourceManagerUrl')
    Remove-Item -LiteralPath $script:work -Recurse -Force -ErrorAction Ignore
    Stop-TestEmulator $script:emu
}

# Discovery that found nothing would create no tests at all: every exported cmdlet has examples, and they were found.
Describe 'Help examples are found' -ForEach @(@{ Commands = @($exampleCases | ForEach-Object { $_.Command } | Select-Object -Unique) }) {
    It 'every exported cmdlet has at least one example to run' {
        $exported = @((Get-Module BillingPowerShell).ExportedCmdlets.Keys)
        $exported | Should -Not -BeNullOrEmpty
        foreach ($name in $exported) { $Commands | Should -Contain $name -Because "module/docs/$name.md has a powershell example" }
    }
}

Describe 'Help example <Command>: <Title>' -ForEach $exampleCases {
    It 'runs against the emulator' {
        foreach ($pattern in $needsRealIdentity.Keys) {
            if ($Code -match "(?m)$pattern") {
                Set-ItResult -Skipped -Because "the example $($needsRealIdentity[$pattern])"
                return
            }
        }
        $parseErrors = $null
        $ast = [System.Management.Automation.Language.Parser]::ParseInput($Code, [ref]$null, [ref]$parseErrors)
        $parseErrors | Should -BeNullOrEmpty
        # Every command the example names exists (a renamed or misspelt cmdlet fails here, not as a runtime error).
        $names = $ast.FindAll({ param($n) $n -is [System.Management.Automation.Language.CommandAst] }, $true) |
            ForEach-Object { $_.GetCommandName() } | Where-Object { $_ } | Select-Object -Unique
        foreach ($name in $names) { Get-Command -Name $name -ErrorAction Ignore | Should -Not -BeNullOrEmpty -Because "the example uses $name" }

        $folder = New-ExampleFolder $Code
        $fileSystem = Get-PSProvider FileSystem
        $home0 = $fileSystem.Home
        $fileSystem.Home = $folder   # ~ in an example is its own folder
        $temp0 = $env:TEMP
        $env:TEMP = $folder          # and so is $env:TEMP, which runbook examples write to (an Automation sandbox has it)
        Push-Location $folder
        # Run once; keep every error record (non-terminating ones arrive through 2>&1, a terminating one in catch).
        $errors = [Collections.Generic.List[object]]::new()
        try {
            & ([scriptblock]::Create($Code)) 2>&1 3>$null 6>$null |
                ForEach-Object { if ($_ -is [System.Management.Automation.ErrorRecord]) { $errors.Add($_) } }
        }
        catch {
            $errors.Add($_)
        }
        finally {
            Pop-Location
            $fileSystem.Home = $home0
            $env:TEMP = $temp0
        }
        $problems = foreach ($err in $errors) {
            $id = ($err.FullyQualifiedErrorId -split ',')[0]
            $refusedPlaceholder = $id -eq 'BillingRequestRejected' -and $err.Exception.Message.Contains($placeholder)
            if ($id -notin $allowedErrors -and -not $refusedPlaceholder) {
                "[$($err.CategoryInfo.Category)] $($err.FullyQualifiedErrorId): $($err.Exception.Message)"
            }
        }
        if (-not (Get-BillingContext)) { & $connect }   # an example may disconnect
        ($problems | Select-Object -Unique) | Should -BeNullOrEmpty -Because "the example is:`n$Code"
    }
}
