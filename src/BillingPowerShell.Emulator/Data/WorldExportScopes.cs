using System;
using System.Collections.Generic;
using System.Linq;

namespace BillingPowerShell.Emulator.Data;

/// <summary>An EA department or enrollment account: a named group of the enrollment's subscriptions.</summary>
internal sealed class EaGroup
{
    public required Account Account { get; init; }
    public required string Kind { get; init; }          // "departments" | "enrollmentAccounts"
    public required string Name { get; init; }          // numeric id, as the service's are
    public required string DisplayName { get; init; }
    public required IReadOnlyList<Subscription> Subscriptions { get; init; }
    public string Id => Account.Id + "/" + Kind + "/" + Name;
}

/// <summary>A management group holding subscriptions (docs/contracts/azure-api/EXPORTS.md, "`{scope}` values").</summary>
internal sealed class ManagementGroup
{
    public required string Name { get; init; }
    public required IReadOnlyList<Subscription> Subscriptions { get; init; }
    public string Id => "/providers/Microsoft.Management/managementGroups/" + Name;
}

/// <summary>The customer's storage account that exports write to (docs/contracts/azure-api/EXPORTS.md,
/// "`deliveryInfo.destination` (`ExportDeliveryDestination`)").</summary>
internal sealed class WorldStorageAccount
{
    /// <summary>The storage emulator's well-known account (its key is public).</summary>
    public const string AccountName = "devstoreaccount1";
    public required Subscription Subscription { get; init; }
    public required string ResourceGroup { get; init; }
    public string Name => AccountName;
    public string Id => $"/subscriptions/{Subscription.Id}/resourceGroups/{ResourceGroup}/providers/Microsoft.Storage/storageAccounts/{Name}";
}

/// <summary>The scopes only exports use: EA departments and enrollment accounts, a management group, and the storage
/// account. Built from their own keys, so adding them changed no other generated value.</summary>
internal sealed partial class World
{
    public List<EaGroup> Departments { get; } = new();
    public List<EaGroup> EnrollmentAccounts { get; } = new();
    public List<ManagementGroup> ManagementGroups { get; } = new();
    public WorldStorageAccount StorageAccount { get; private set; } = null!;

    /// <summary>Department i and enrollment account i hold the EA subscriptions whose ordinal is i modulo 2: the same
    /// split the cost files' department and account name columns show (Usage/CsvSchemas). The management group holds
    /// every EA subscription (management group exports are EA only). The storage account lives in the first EA
    /// subscription's rg-data (every subscription has rg-web and rg-data).</summary>
    private void BuildExportScopes(Account ea)
    {
        string[] departmentNames = { "Department 1", "Department 2" };
        string[] accountNames = { "Enrollment account 1", "Enrollment account 2" };
        for (int i = 0; i < 2; i++)
        {
            var subs = ea.Subscriptions.Where(s => s.Ordinal % 2 == i).ToList();
            Departments.Add(new EaGroup { Account = ea, Kind = "departments", Name = Det.Digits(Seed, ea.Name + "/department/" + i, 6), DisplayName = departmentNames[i], Subscriptions = subs });
            EnrollmentAccounts.Add(new EaGroup { Account = ea, Kind = "enrollmentAccounts", Name = Det.Digits(Seed, ea.Name + "/enrollmentAccount/" + i, 6), DisplayName = accountNames[i], Subscriptions = subs });
        }
        ManagementGroups.Add(new ManagementGroup { Name = "mg-" + Det.Alnum(Seed, "managementGroup", 6).ToLowerInvariant(), Subscriptions = ea.Subscriptions });
        StorageAccount = new WorldStorageAccount { Subscription = ea.Subscriptions[0], ResourceGroup = "rg-data" };
    }

    public EaGroup? FindEaGroup(Account a, string kind, string name) =>
        (kind.Equals("departments", StringComparison.OrdinalIgnoreCase) ? Departments : EnrollmentAccounts)
            .FirstOrDefault(g => g.Account == a && g.Name.Equals(name, StringComparison.OrdinalIgnoreCase));

    public ManagementGroup? FindManagementGroup(string name) =>
        ManagementGroups.FirstOrDefault(m => m.Name.Equals(name, StringComparison.OrdinalIgnoreCase));
}
