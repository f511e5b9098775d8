using System;
using System.Collections.Generic;
using System.Linq;
using BillingPowerShell.Emulator.Data;
using BillingPowerShell.Emulator.Usage;

namespace BillingPowerShell.Emulator.Exports;

/// <summary>
/// The scope of an export, resolved against the world: docs/contracts/azure-api/EXPORTS.md, "`{scope}` values"
/// (subscription, resource group, billing account, billing profile, invoice section, EA department, EA enrollment
/// account, management group). Partner customers are not modelled by the world.
/// </summary>
internal sealed class ExportScope
{
    public required string Kind { get; init; }              // subscription | resourceGroup | billingAccount | ...
    public required string Id { get; init; }                // canonical, leading '/'
    public required Account Account { get; init; }
    public required IReadOnlyList<Subscription> Subs { get; init; }
    public string? ResourceGroup { get; init; }             // rows of this resource group only
    public bool IsMca => Account.IsMca;
    public bool IsEa => Account.IsEa;
    public bool IsPayg => Account.IsPayg;

    /// <summary>Parses the {scope} of an exports path; on failure null and the error (status, code, message).</summary>
    public static ExportScope? Parse(World world, string scope, out (int Status, string Code, string Message) error)
    {
        error = default;
        var segs = scope.Split('/', StringSplitOptions.RemoveEmptyEntries);
        bool Is(int i, string lit) => segs.Length > i && segs[i].Equals(lit, StringComparison.OrdinalIgnoreCase);

        if (segs.Length == 4 && Is(0, "subscriptions") && Is(2, "resourceGroups"))
            return ResourceGroupScope(world, segs[1], segs[3], out error);
        if (segs.Length == 4 && Is(0, "providers") && Is(1, "Microsoft.Management") && Is(2, "managementGroups"))
        {
            var mg = world.FindManagementGroup(segs[3]);
            if (mg == null) { error = (404, "NotFound", $"The management group '{segs[3]}' was not found."); return null; }
            return new ExportScope { Kind = "managementGroup", Id = mg.Id, Account = mg.Subscriptions[0].Account, Subs = mg.Subscriptions };
        }
        if (segs.Length == 6 && Is(0, "providers") && Is(1, "Microsoft.Billing") && Is(2, "billingAccounts") && (Is(4, "departments") || Is(4, "enrollmentAccounts")))
            return EaGroupScope(world, segs[3], segs[4], segs[5], out error);

        var u = UsageScope.Parse(world, scope, out error);
        if (u == null) return null;
        if (u.BillingPeriod != null) { error = (400, "BadRequest", $"The scope '{scope}' is not a valid scope for exports."); return null; }
        string kind = u.Subscription != null ? "subscription" : u.Section != null ? "invoiceSection" : u.Profile != null ? "billingProfile" : "billingAccount";
        return new ExportScope { Kind = kind, Id = u.Id, Account = u.Account, Subs = u.Subs };
    }

    private static ExportScope? ResourceGroupScope(World world, string subscriptionId, string rg, out (int, string, string) error)
    {
        error = default;
        if (!world.SubscriptionsById.TryGetValue(subscriptionId, out var s))
        {
            error = (404, "SubscriptionNotFound", $"The subscription '{subscriptionId}' could not be found.");
            return null;
        }
        var name = s.ResourceGroups.FirstOrDefault(x => x.Equals(rg, StringComparison.OrdinalIgnoreCase));
        if (name == null)
        {
            error = (404, "ResourceGroupNotFound", $"Resource group '{rg}' could not be found.");
            return null;
        }
        return new ExportScope
        {
            Kind = "resourceGroup", Id = $"/subscriptions/{s.Id}/resourceGroups/{name}", Account = s.Account, Subs = new[] { s }, ResourceGroup = name,
        };
    }

    private static ExportScope? EaGroupScope(World world, string account, string kind, string name, out (int, string, string) error)
    {
        error = default;
        if (!world.AccountsByName.TryGetValue(account, out var a))
        {
            error = (404, "BillingAccountNotFound", $"The billing account '{account}' was not found.");
            return null;
        }
        var g = a.IsEa ? world.FindEaGroup(a, kind, name) : null;
        if (g == null)
        {
            string what = kind.Equals("departments", StringComparison.OrdinalIgnoreCase) ? "department" : "enrollment account";
            error = (404, "NotFound", $"The {what} '{name}' was not found in billing account '{account}'.");
            return null;
        }
        return new ExportScope { Kind = g.Kind == "departments" ? "department" : "enrollmentAccount", Id = g.Id, Account = a, Subs = g.Subscriptions };
    }
}
