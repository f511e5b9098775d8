using System;
using System.Collections.Generic;
using System.Globalization;

namespace BillingPowerShell.Emulator.Data;

internal sealed record Meter(string Id, string Category, string SubCategory, string Name, string Region, string Unit,
    string ServiceFamily, string ConsumedService, string ResourceType, string Product, string PartNumber, decimal UnitPrice);

/// <summary>One usage record. Computed on demand from (seed, subscription, day, index); never stored.</summary>
internal readonly struct UsageRow
{
    public Subscription Sub { get; init; }
    public DateOnly Day { get; init; }
    public int Index { get; init; }
    public Meter Meter { get; init; }
    public string ResourceGroup { get; init; }
    public string ResourceName { get; init; }
    public string Location { get; init; }
    public decimal Quantity { get; init; }
    public decimal UnitPrice { get; init; }
    public decimal EffectivePrice { get; init; }
    public decimal Cost { get; init; }
    public string PricingModel { get; init; }
    public string ChargeType { get; init; }
    public string TagEnv { get; init; }
    public string TagTeam { get; init; }
    public string? ReservationId { get; init; }
    public string? ReservationName { get; init; }
    public string Currency => Sub.Currency;
    /// <summary>Every generated row is first-party Azure usage: the publisherType of every row, CSV column and Query
    /// grouping, and what a publisherType $filter matches.</summary>
    public const string PublisherType = "Azure";
    // The strings below are cached per resource / meter / tag combination: a million-row report must not build
    // the same ids a million times.
    public string ResourceId { get; init; }
    public string TagsJson { get; init; }
    public string AdditionalInfo => UsageGenerator.AdditionalInfoOf(Meter);
    public string RowId => $"{Sub.Id}-{Day:yyyyMMdd}-{Index}";
}

/// <summary>
/// Streams usage rows. Row i of (subscription, day) is a pure function of (seed, subscription, day, i), so usage
/// details, cost details CSV and query totals agree whichever API reads them, and a million rows cost no memory.
/// </summary>
internal sealed class UsageGenerator
{
    private readonly World _world;
    // Per-subscription values computed once (the hash of the subscription id, its resources), so a row costs a few
    // multiplications and no string building.
    private readonly Dictionary<Subscription, ulong> _subHash = new();
    private readonly Dictionary<Subscription, (string Name, string Id)[]> _subResources = new();

    public UsageGenerator(World world)
    {
        _world = world;
        foreach (var s in world.AllSubscriptions)
        {
            _subHash[s] = Det.Mix((ulong)world.Seed ^ Det.HashString(s.Id));
            var res = new (string, string)[s.ResourceGroups.Length * 4];
            for (int rg = 0; rg < s.ResourceGroups.Length; rg++)
                for (int k = 0; k < 4; k++)
                {
                    var m = Meters[(rg * 4 + k + s.Ordinal) % Meters.Length];
                    string rgName = s.ResourceGroups[rg];
                    string name = $"{m.ResourceType.Substring(m.ResourceType.LastIndexOf('/') + 1, 3)}-{rgName.Substring(3)}-{k}";
                    res[rg * 4 + k] = (name, $"/subscriptions/{s.Id}/resourceGroups/{rgName}/providers/{m.ResourceType}/{name}");
                }
            _subResources[s] = res;
        }
    }

    public static readonly Meter[] Meters =
    {
        new("7e5e6a4b-3b6a-4c3f-9d2b-0c1f2a3b4c5d", "Virtual Machines", "Dv5 Series", "D2s v5", "US East", "1 Hour", "Compute", "Microsoft.Compute", "Microsoft.Compute/virtualMachines", "Virtual Machines Dv5 Series - D2s v5 - US East", "AAH-12345", 0.0960m),
        new("1a2b3c4d-1111-4a5b-8c9d-0e1f2a3b4c5d", "Storage", "Standard Page Blob", "LRS Data Stored", "US East", "1 GB/Month", "Storage", "Microsoft.Storage", "Microsoft.Storage/storageAccounts", "Standard Page Blob - LRS - US East", "AAD-33221", 0.0450m),
        new("2b3c4d5e-2222-4b5c-9d0e-1f2a3b4c5d6e", "Bandwidth", "Rtn Preference: MGN", "Standard Data Transfer Out", "Zone 1", "1 GB", "Networking", "Microsoft.Network", "Microsoft.Network/publicIPAddresses", "Rtn Preference: MGN - Data Transfer Out", "AAF-55667", 0.0870m),
        new("3c4d5e6f-3333-4c5d-0e1f-2a3b4c5d6e7f", "SQL Database", "General Purpose - Compute Gen5", "vCore", "EU West", "1 Hour", "Databases", "Microsoft.Sql", "Microsoft.Sql/servers", "SQL Database Single/Elastic Pool General Purpose - Compute Gen5 - EU West", "AAA-77889", 0.2520m),
        new("4d5e6f70-4444-4d5e-1f2a-3b4c5d6e7f80", "Azure App Service", "Premium v3 Plan", "P1 v3 App", "EU West", "1 Hour", "Compute", "Microsoft.Web", "Microsoft.Web/serverfarms", "Azure App Service Premium v3 Plan - EU West", "AAB-99001", 0.2250m),
        new("5e6f7081-5555-4e6f-2a3b-4c5d6e7f8091", "Azure Monitor", "Log Analytics", "Pay-as-you-go Data Ingestion", "US West", "1 GB", "Management and Governance", "Microsoft.OperationalInsights", "Microsoft.OperationalInsights/workspaces", "Log Analytics - Pay-as-you-go", "AAC-11223", 2.3000m),
        new("6f708192-6666-4f70-3b4c-5d6e7f8091a2", "Key Vault", "Standard", "Operations", "US West", "10K", "Security", "Microsoft.KeyVault", "Microsoft.KeyVault/vaults", "Key Vault - Standard", "AAE-44556", 0.0300m),
    };

    private static readonly string[] Locations = { "eastus", "eastus", "westeurope", "westeurope", "westeurope", "westus", "westus" };
    private static readonly string[] Envs = { "prod", "dev", "test", "=cmd|' /C calc'!A0" }; // one value a spreadsheet would run: exercises CSV injection handling
    private static readonly string[] Teams = { "web", "data", "platform" };

    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, string> _reservations = new();
    private static readonly string[,] TagsJsonCache = BuildTags();
    private static readonly System.Collections.Concurrent.ConcurrentDictionary<Meter, string> AdditionalInfoCache = new();

    private (string Name, string Id) ResourceOf(Subscription s, int rg, int res, Meter m) => _subResources[s][rg * 4 + res];

    private string ReservationOf(Account a) => _reservations.GetOrAdd(a.Name, n => Det.Guid(_world.Seed, n + "/ri").ToString());

    private static string[,] BuildTags()
    {
        var t = new string[Envs.Length, Teams.Length];
        for (int e = 0; e < Envs.Length; e++)
            for (int m = 0; m < Teams.Length; m++)
                t[e, m] = "{\"env\":\"" + Envs[e] + "\",\"team\":\"" + Teams[m] + "\"}";
        return t;
    }

    private static string TagsJsonOf(int env, int team) => TagsJsonCache[env, team];
    internal static string AdditionalInfoOf(Meter m) => AdditionalInfoCache.GetOrAdd(m, x => "{\"ServiceType\":\"" + x.SubCategory + "\",\"UsageType\":\"ComputeHR\"}");

    public int RowsPerDay(Subscription s, DateOnly day)
    {
        if (day < _world.DataStart || day >= _world.Today) return 0; // usage is known up to yesterday
        if (_world.FixedRowsPerDay is int f) return f;
        return _world.BaseRowsPerDay + Det.Int(Det.Hash(_world.Seed, s.Id + day.DayNumber.ToString(System.Globalization.CultureInfo.InvariantCulture), 5), 3);
    }

    public UsageRow Row(Subscription s, DateOnly day, int i, bool amortized)
    {
        // Same value as Det.Hash(Det.Hash(seed, s.Id, day), i), with the subscription's part precomputed.
        ulong h = Det.Hash(Det.Mix(_subHash[s] ^ (ulong)day.DayNumber), i);
        ulong h2 = Det.Mix(h);
        int rgIndex = Det.Int(h, s.ResourceGroups.Length);
        int resIndex = Det.Int(h >> 8, 4);
        // Each resource always uses the same meter: the meter is a function of (rg, resource).
        var meter = Meters[(rgIndex * 4 + resIndex + s.Ordinal) % Meters.Length];
        string rg = s.ResourceGroups[rgIndex];
        var res = ResourceOf(s, rgIndex, resIndex, meter);
        decimal qty = ((long)(h2 % 48000) + 1) / 1000m; // 0.001 .. 48.000
        decimal unit = meter.UnitPrice;
        decimal discount = s.Account.IsEa ? 0.85m : 1m;
        decimal eff = Math.Round(unit * discount, 6);
        string pricing = "OnDemand";
        string? resId = null, resNameR = null;
        int kind = Det.Int(h2 >> 20, 20);
        if (meter.Category == "Virtual Machines" && kind == 0) { pricing = "Reservation"; resId = ReservationOf(s.Account); resNameR = "VM_RI_01-01-2025_12-00"; }
        else if (meter.Category == "Virtual Machines" && kind == 1) { pricing = "Spot"; eff = Math.Round(eff * 0.2m, 6); }
        decimal cost = Math.Round(qty * eff, 6);
        int envIndex = Det.Int(h >> 16, Envs.Length);
        if (pricing == "Reservation" && !amortized) cost = 0m; // actual cost of reserved usage is carried by the purchase
        return new UsageRow
        {
            Sub = s, Day = day, Index = i, Meter = meter, ResourceGroup = rg, ResourceName = res.Name, ResourceId = res.Id,
            Location = Locations[(rgIndex + resIndex) % Locations.Length],
            Quantity = qty, UnitPrice = unit, EffectivePrice = eff, Cost = cost, PricingModel = pricing, ChargeType = "Usage",
            TagEnv = Envs[envIndex], TagTeam = Teams[rgIndex % Teams.Length], TagsJson = TagsJsonOf(envIndex, rgIndex % Teams.Length),
            ReservationId = resId, ReservationName = resNameR,
        };
    }

    /// <summary>Rows of several subscriptions over [from, to], ordered by day, then subscription, then index.</summary>
    public IEnumerable<UsageRow> Rows(IReadOnlyList<Subscription> subs, DateOnly from, DateOnly to, bool amortized, long skip = 0)
    {
        for (var d = from; d <= to; d = d.AddDays(1))
            foreach (var s in subs)
            {
                int n = RowsPerDay(s, d);
                if (skip >= n) { skip -= n; continue; }
                for (int i = (int)skip; i < n; i++) yield return Row(s, d, i, amortized);
                skip = 0;
            }
    }

    public long CountRows(IReadOnlyList<Subscription> subs, DateOnly from, DateOnly to)
    {
        long c = 0;
        for (var d = from; d <= to; d = d.AddDays(1)) foreach (var s in subs) c += RowsPerDay(s, d);
        return c;
    }

    public static string Num(decimal d) => d.ToString(CultureInfo.InvariantCulture);
}
