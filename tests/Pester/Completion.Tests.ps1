# Tab completion of billing account, billing profile and subscription names/ids, through TabExpansion2 as the console
# asks for it: from the names the Get- cmdlets listed in this session, and, for accounts, from one listing when
# nothing is cached yet.

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    if (-not (Get-Module BillingPowerShell)) { Import-Module (Get-TestModulePath) }
    $script:emu = Start-TestEmulator
    $script:world = Get-EmulatorWorld $emu
    Connect-BillingAccount -ResourceManagerUrl $emu.ArmUrl -AccessToken $emu.SecureToken | Out-Null
    $script:mca = $world.accounts | Where-Object agreementType -EQ 'MicrosoftCustomerAgreement'

    function Get-Completion([string] $Line) {
        (TabExpansion2 -inputScript $Line -cursorColumn $Line.Length).CompletionMatches
    }
}

AfterAll {
    Disconnect-BillingAccount
    Stop-TestEmulator $script:emu
}

Describe 'Argument completion' {
    It 'completes Get-BillingCost -GroupBy with its dimensions and Tag:' {
        $all = (Get-Completion 'Get-BillingCost -GroupBy ').CompletionText
        foreach ($d in 'ResourceGroup', 'ServiceName', 'MeterCategory', 'SubscriptionId', 'Tag:') { $all | Should -Contain $d }
        (Get-Completion 'Get-BillingCost -GroupBy Me').CompletionText | Should -Be @('MeterCategory')
    }

    It 'completes billing account names with nothing cached yet (one listing fills the cache)' {
        $matches = Get-Completion 'Get-BillingProfile -BillingAccountName '
        $names = $matches.ListItemText
        foreach ($a in $world.accounts) { $names | Should -Contain $a.name }
        # Names with ':' are quoted so the completed line parses.
        ($matches | Where-Object ListItemText -EQ $mca.name).CompletionText | Should -Be "'$($mca.name)'"
    }

    It 'narrows account names by what was typed (name or display name)' {
        $first = $mca.name.Substring(0, 6)
        $matches = Get-Completion "Get-BillingSubscription -BillingAccountName $first"
        $matches.ListItemText | Should -Contain $mca.name
        $matches.Count | Should -BeLessThan $world.accounts.Count
    }

    It 'completes billing profiles and subscription ids once they have been listed' {
        $null = Get-BillingAccount | Get-BillingProfile
        $null = Get-BillingSubscription
        $profileMatches = Get-Completion 'Get-BillingInvoice -BillingProfileName '
        foreach ($p in $mca.billingProfiles) { $profileMatches.ListItemText | Should -Contain $p.name }
        $sub = $world.accounts[0].subscriptions[0].subscriptionId
        $subMatches = Get-Completion "Get-DailyUsage -SubscriptionId $($sub.Substring(0, 8))"
        $subMatches.ListItemText | Should -Contain $sub
        # The tooltip is the display name, so a person can tell subscriptions apart.
        ($subMatches | Where-Object ListItemText -EQ $sub).ToolTip | Should -Be $world.accounts[0].subscriptions[0].displayName
    }
    It 'forgets the listed names on Disconnect-BillingAccount and on connecting again' {
        $profileLine = 'Get-BillingInvoice -BillingProfileName '
        $subLine = 'Get-DailyUsage -SubscriptionId '
        $null = Get-BillingProfile
        $null = Get-BillingSubscription
        Get-Completion $profileLine | Should -Not -BeNullOrEmpty
        Get-Completion $subLine | Should -Not -BeNullOrEmpty

        Disconnect-BillingAccount
        Get-Completion $profileLine | Should -BeNullOrEmpty
        Get-Completion $subLine | Should -BeNullOrEmpty

        Connect-BillingAccount -ResourceManagerUrl $emu.ArmUrl -AccessToken $emu.SecureToken | Out-Null
        $null = Get-BillingProfile
        Get-Completion $profileLine | Should -Not -BeNullOrEmpty
        # Another sign-in (here the same token again: the module cannot tell identities apart) starts afresh.
        Connect-BillingAccount -ResourceManagerUrl $emu.ArmUrl -AccessToken $emu.SecureToken | Out-Null
        Get-Completion $profileLine | Should -BeNullOrEmpty
    }
}
