using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using BillingPowerShell.Emulator.Data;

namespace BillingPowerShell.Emulator.Usage;

/// <summary>A cost scope (subscription, billing account, billing profile, invoice section), optionally with a
/// billing period suffix, resolved against the world.</summary>
internal sealed class UsageScope
{
    public required string Id { get; init; }                 // canonical scope path with leading '/', no period suffix
    public required Account Account { get; init; }
    public Profile? Profile { get; init; }
    public Section? Section { get; init; }
    public Subscription? Subscription { get; init; }
    public required IReadOnlyList<Subscription> Subs { get; init; }
    public string? BillingPeriod { get; init; }
    public bool IsMca => Account.IsMca;
    public bool IsPayg => Account.IsPayg;

    /// <summary>Parses the scope; on failure returns null and an error (status, code, message).</summary>
    public static UsageScope? Parse(World world, string scope, out (int Status, string Code, string Message) error)
    {
        error = default;
        var segs = scope.Split('/', StringSplitOptions.RemoveEmptyEntries).ToList();
        string? period = null;
        if (segs.Count >= 4 && segs[^4].Equals("providers", StringComparison.OrdinalIgnoreCase) && segs[^3].Equals("Microsoft.Billing", StringComparison.OrdinalIgnoreCase)
            && segs[^2].Equals("billingPeriods", StringComparison.OrdinalIgnoreCase))
        {
            period = segs[^1];
            segs.RemoveRange(segs.Count - 4, 4);
        }
        bool Is(int i, string lit) => segs.Count > i && segs[i].Equals(lit, StringComparison.OrdinalIgnoreCase);

        if (segs.Count == 2 && Is(0, "subscriptions"))
        {
            if (!world.SubscriptionsById.TryGetValue(segs[1], out var s)) { error = (404, "SubscriptionNotFound", $"The subscription '{segs[1]}' could not be found."); return null; }
            return new UsageScope { Id = "/subscriptions/" + s.Id, Account = s.Account, Profile = s.Profile, Section = s.Section, Subscription = s, Subs = new[] { s }, BillingPeriod = period };
        }
        if (segs.Count >= 4 && Is(0, "providers") && Is(1, "Microsoft.Billing") && Is(2, "billingAccounts"))
        {
            if (!world.AccountsByName.TryGetValue(segs[3], out var a)) { error = (404, "BillingAccountNotFound", $"The billing account '{segs[3]}' was not found."); return null; }
            if (segs.Count == 4)
                return new UsageScope { Id = a.Id, Account = a, Subs = a.Subscriptions, BillingPeriod = period };
            if (segs.Count >= 6 && Is(4, "billingProfiles"))
            {
                var p = world.FindProfile(a, segs[5]);
                if (p == null) { error = (404, "BillingProfileNotFound", $"The billing profile '{segs[5]}' was not found."); return null; }
                if (segs.Count == 6)
                    return new UsageScope { Id = p.Id, Account = a, Profile = p, Subs = a.Subscriptions.Where(s => s.Profile == p).ToList(), BillingPeriod = period };
                if (segs.Count == 8 && Is(6, "invoiceSections"))
                {
                    var sec = p.Sections.FirstOrDefault(x => x.Name.Equals(segs[7], StringComparison.OrdinalIgnoreCase));
                    if (sec == null) { error = (404, "InvoiceSectionNotFound", $"The invoice section '{segs[7]}' was not found."); return null; }
                    return new UsageScope { Id = sec.Id, Account = a, Profile = p, Section = sec, Subs = a.Subscriptions.Where(s => s.Section == sec).ToList(), BillingPeriod = period };
                }
            }
        }
        if (Is(0, "subscriptions") && segs.Count > 2 && Is(2, "resourceGroups"))
        {
            error = (400, "BadRequest", "Resource group scope is not supported. Currently Resource Group and Management Group are not supported.");
            return null;
        }
        error = (400, "BadRequest", $"The scope '{scope}' is not supported by the emulator (supported: subscriptions, billing accounts, billing profiles, invoice sections).");
        return null;
    }

    /// <summary>Billing period names: "yyyyMM" (EA) is that month; "yyyyMM-1" (pay-as-you-go) is the period invoiced in yyyyMM, i.e. the month before.</summary>
    public static bool TryPeriodRange(string name, out DateOnly from, out DateOnly to)
    {
        from = to = default;
        string ym = name.EndsWith("-1", StringComparison.Ordinal) ? name[..^2] : name;
        if (!DateOnly.TryParseExact(ym + "01", "yyyyMMdd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var m)) return false;
        if (name.EndsWith("-1", StringComparison.Ordinal)) m = m.AddMonths(-1);
        from = m;
        to = m.AddMonths(1).AddDays(-1);
        return true;
    }
}
