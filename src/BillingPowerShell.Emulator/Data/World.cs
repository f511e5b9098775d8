using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;

namespace BillingPowerShell.Emulator.Data;

internal enum Agreement { MicrosoftOnlineServicesProgram, EnterpriseAgreement, MicrosoftCustomerAgreement }

internal sealed class Account
{
    public required string Name { get; init; }
    public required string DisplayName { get; init; }
    public required Agreement Agreement { get; init; }
    public required string AccountType { get; init; }
    public required string Currency { get; init; }
    public required string TenantId { get; init; }
    public List<Profile> Profiles { get; } = new();
    public List<Subscription> Subscriptions { get; } = new();
    public List<Invoice> Invoices { get; } = new();
    public string Id => "/providers/Microsoft.Billing/billingAccounts/" + Name;
    public bool IsMca => Agreement == Agreement.MicrosoftCustomerAgreement;
    public bool IsEa => Agreement == Agreement.EnterpriseAgreement;
    public bool IsPayg => Agreement == Agreement.MicrosoftOnlineServicesProgram;
}

internal sealed class Profile
{
    public required Account Account { get; init; }
    public required string Name { get; init; }
    public required string DisplayName { get; init; }
    public required string Currency { get; init; }
    public required int InvoiceDay { get; init; }
    public required string SystemId { get; init; }
    public List<Section> Sections { get; } = new();
    public string Id => Account.Id + "/billingProfiles/" + Name;
}

internal sealed class Section
{
    public required Profile Profile { get; init; }
    public required string Name { get; init; }
    public required string DisplayName { get; init; }
    public string Id => Profile.Id + "/invoiceSections/" + Name;
}

internal sealed class Subscription
{
    public required Account Account { get; init; }
    public Profile? Profile { get; init; }
    public Section? Section { get; init; }
    public required string Id { get; init; } // lower-case GUID
    public required string DisplayName { get; init; }
    public required string SkuId { get; init; }
    public required string SkuDescription { get; init; }
    public required string OfferId { get; init; }
    public required string CostCenter { get; init; }
    public required string[] ResourceGroups { get; init; }
    public required int Ordinal { get; init; } // position in the world, used to order usage rows
    public string Currency => Profile?.Currency ?? Account.Currency;
    public List<LegacyPeriod> LegacyPeriods { get; } = new();
}

internal sealed record InvoiceDocument(string Kind, string Name, string Source);

internal sealed class Invoice
{
    public required Account Account { get; init; }
    public Profile? Profile { get; init; }
    public Subscription? Subscription { get; init; }
    public required string Name { get; init; }
    public required DateOnly PeriodStart { get; init; }
    public required DateOnly PeriodEnd { get; init; }
    public required DateTime InvoiceDate { get; init; }
    public required DateTime DueDate { get; init; }
    public required string Status { get; init; }
    public required string DocumentType { get; init; }
    public required string Currency { get; init; }
    public required decimal SubTotal { get; init; }
    public required decimal Tax { get; init; }
    public required decimal Credit { get; init; }
    public required decimal Prepayment { get; init; }
    public required string PurchaseOrderNumber { get; init; }
    public List<InvoiceDocument> Documents { get; } = new();
    public decimal Billed => SubTotal;
    public decimal Total => SubTotal + Tax - Credit - Prepayment;
    public decimal AmountDue => Status == "Paid" || Status == "Void" ? 0m : Total;
    /// <summary>The ARM id through the route the invoice is listed under (account, or default/billingSubscriptions for pay-as-you-go).</summary>
    public string Id => Subscription != null
        ? "/providers/Microsoft.Billing/billingAccounts/default/billingSubscriptions/" + Subscription.Id + "/invoices/" + Name
        : Account.Id + "/invoices/" + Name;
}

internal sealed class LegacyPeriod
{
    public required Subscription Subscription { get; init; }
    public required string Name { get; init; }   // yyyyMM-1
    public required DateOnly Start { get; init; }
    public required DateOnly End { get; init; }
    public LegacyInvoice? Invoice { get; set; }
    public string Id => "/subscriptions/" + Subscription.Id + "/providers/Microsoft.Billing/billingPeriods/" + Name;
}

internal sealed class LegacyInvoice
{
    public required LegacyPeriod Period { get; init; }
    public required string Name { get; init; }   // yyyy-MM-dd-123456789
    public required Invoice Modern { get; init; } // the 2024-04-01 invoice of the same month
    public string Id => "/subscriptions/" + Period.Subscription.Id + "/providers/Microsoft.Billing/invoices/" + Name;
}

/// <summary>
/// The generated billing world. Built once at start-up from (seed, size, today); immutable afterwards, so every
/// request reads it without locks.
/// </summary>
internal sealed partial class World
{
    public long Seed { get; }
    public DateOnly Today { get; }
    public DateOnly DataStart { get; }          // first day with usage (13 full months before the current one)
    public int SubscriptionsPerAccount { get; }
    public int? FixedRowsPerDay { get; }
    public int BaseRowsPerDay { get; }
    public List<Account> Accounts { get; } = new();
    public Dictionary<string, Account> AccountsByName { get; } = new(StringComparer.OrdinalIgnoreCase);
    public Dictionary<string, Subscription> SubscriptionsById { get; } = new(StringComparer.OrdinalIgnoreCase);
    public Dictionary<string, Invoice> InvoicesByName { get; } = new(StringComparer.OrdinalIgnoreCase);
    public Dictionary<string, (Invoice Invoice, InvoiceDocument Document)> DocumentsByName { get; } = new(StringComparer.OrdinalIgnoreCase);
    public Dictionary<string, (Invoice Invoice, InvoiceDocument Document)> DocumentsByBlob { get; } = new(StringComparer.Ordinal);
    public bool HostileDocumentNames { get; }

    /// <summary>The blob name of a document: its name when that is a plain token (as real ones are), else a hash,
    /// so a hostile document name never becomes a path on the blob host.</summary>
    public static string BlobNameOf(InvoiceDocument d) =>
        System.Text.RegularExpressions.Regex.IsMatch(d.Name, "^[A-Za-z0-9_-]{1,64}$") ? d.Name
        : "d" + Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(d.Name))).Substring(0, 20).ToLowerInvariant();
    public List<Subscription> AllSubscriptions { get; } = new();
    private readonly Dictionary<(Account, Profile?, Subscription?, DateOnly), Invoice> _invoiceByPeriod = new();

    /// <summary>The invoice that bills a subscription's usage of the month containing <paramref name="day"/> (null while open).</summary>
    public Invoice? InvoiceFor(Subscription s, DateOnly day)
    {
        var m = new DateOnly(day.Year, day.Month, 1);
        var key = s.Account.IsPayg ? (s.Account, null, s, m) : s.Account.IsMca ? (s.Account, s.Profile, null, m) : (s.Account, (Profile?)null, (Subscription?)null, m);
        return _invoiceByPeriod.GetValueOrDefault(key);
    }

    public World(long seed, string size, DateOnly today, int? rowsPerDay, bool hostileDocumentNames = false)
    {
        HostileDocumentNames = hostileDocumentNames;
        Seed = seed;
        Today = today;
        var monthStart = new DateOnly(today.Year, today.Month, 1);
        DataStart = monthStart.AddMonths(-13);
        (SubscriptionsPerAccount, BaseRowsPerDay) = size.ToLowerInvariant() switch
        {
            "small" => (3, 4),
            "medium" => (8, 20),
            "large" => (25, 100),
            _ => int.TryParse(size, NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) && n > 0
                ? (n, 4)
                : throw new ArgumentException($"--size must be small, medium, large or a positive number, not '{size}'."),
        };
        FixedRowsPerDay = rowsPerDay;
        Build();
    }

    private string McaStyleName(string key) =>
        $"{Det.Guid(Seed, key + "/a")}:{Det.Guid(Seed, key + "/b")}_2019-05-31";

    private string ProfileStyleName(string key) =>
        $"{Det.Alnum(Seed, key, 4)}-{Det.Alnum(Seed, key + "x", 4)}-{Det.Alnum(Seed, key + "y", 3)}-{Det.Alnum(Seed, key + "z", 3)}";

    private static readonly string[] RgNames = { "rg-web", "rg-data", "rg-shared", "rg-analytics", "rg-network" };

    private Subscription AddSubscription(Account a, Profile? p, Section? s, string displayName, string skuId, string skuDescription, string offerId)
    {
        string key = a.Name + "/sub/" + a.Subscriptions.Count;
        int rgCount = 2 + Det.Int(Det.Hash(Seed, key, 3), 3);
        var sub = new Subscription
        {
            Account = a, Profile = p, Section = s,
            Id = Det.Guid(Seed, key).ToString(),
            DisplayName = displayName,
            SkuId = skuId, SkuDescription = skuDescription, OfferId = offerId,
            CostCenter = "CC" + Det.Digits(Seed, key + "/cc", 3),
            ResourceGroups = RgNames.Take(rgCount).ToArray(),
            Ordinal = AllSubscriptions.Count,
        };
        a.Subscriptions.Add(sub);
        AllSubscriptions.Add(sub);
        SubscriptionsById[sub.Id] = sub;
        return sub;
    }

    private void Build()
    {
        int n = SubscriptionsPerAccount;

        // 1. Pay-as-you-go (MOSP). Real MOSP billing account names have the same guid:guid_date form as MCA ones.
        var payg = new Account
        {
            Name = McaStyleName("payg"), DisplayName = "Contoso Pay-As-You-Go", Agreement = Agreement.MicrosoftOnlineServicesProgram,
            AccountType = "Individual", Currency = "USD", TenantId = Det.Guid(Seed, "tenant").ToString(),
        };
        for (int i = 0; i < n; i++)
            AddSubscription(payg, null, null, i == 0 ? "Pay-As-You-Go" : $"Pay-As-You-Go Dev {i}", "0001", "Pay-As-You-Go", "MS-AZR-0003P");

        // 2. Enterprise Agreement: enrollment-number name.
        var ea = new Account
        {
            Name = Det.Digits(Seed, "ea", 7), DisplayName = "Fabrikam Enterprise Enrollment", Agreement = Agreement.EnterpriseAgreement,
            AccountType = "Enterprise", Currency = "EUR", TenantId = Det.Guid(Seed, "tenant").ToString(),
        };
        for (int i = 0; i < n; i++)
            AddSubscription(ea, null, null, $"EA {(i % 2 == 0 ? "Production" : "Development")} {i + 1}", "0001", "Enterprise Agreement", i % 2 == 0 ? "MS-AZR-0017P" : "MS-AZR-0148P");

        // 3. Microsoft Customer Agreement: 2 billing profiles (USD and GBP), 2 invoice sections each.
        var mca = new Account
        {
            Name = McaStyleName("mca"), DisplayName = "Northwind Traders", Agreement = Agreement.MicrosoftCustomerAgreement,
            AccountType = "Business", Currency = "USD", TenantId = Det.Guid(Seed, "tenant").ToString(),
        };
        string[] currencies = { "USD", "GBP" };
        for (int pi = 0; pi < 2; pi++)
        {
            var prof = new Profile
            {
                Account = mca, Name = ProfileStyleName("mca/bp" + pi), DisplayName = pi == 0 ? "Northwind Operations" : "Northwind UK",
                Currency = currencies[pi], InvoiceDay = 5, SystemId = Det.Guid(Seed, "mca/bp/sys" + pi).ToString(),
            };
            mca.Profiles.Add(prof);
            for (int si = 0; si < 2; si++)
                prof.Sections.Add(new Section { Profile = prof, Name = ProfileStyleName($"mca/bp{pi}/is{si}"), DisplayName = si == 0 ? "Engineering" : "Marketing" });
        }
        var sections = mca.Profiles.SelectMany(p => p.Sections).ToList();
        for (int i = 0; i < Math.Max(n, 4); i++)
        {
            var s = sections[i % sections.Count];
            AddSubscription(mca, s.Profile, s, $"Azure plan {s.DisplayName} {i + 1}", "0001", "Microsoft Azure Plan", "MS-AZR-0017G");
        }

        foreach (var a in new[] { payg, ea, mca }) { Accounts.Add(a); AccountsByName[a.Name] = a; }
        BuildInvoices();
        BuildExportScopes(ea);
        if (HostileDocumentNames)
        {
            // Test mode (--hostile-document-names): document names a server could send that must never become a
            // path outside the client's destination folder. Added to the newest invoice of every account.
            string[] reserved = { "CON", "nul", "COM1" };
            for (int i = 0; i < Accounts.Count; i++)
            {
                var inv = Accounts[i].Invoices.Last();
                foreach (var (kind, name) in new[] { ("Other", $"../../escape{i}"), ("Transactions", reserved[i]), ("Other", $"a\\b:c*?<>|{i}"), ("Other", $"..\\..\\win{i}") })
                {
                    var d = new InvoiceDocument(kind, name, "Other");
                    inv.Documents.Add(d);
                    DocumentsByName[d.Name] = (inv, d);
                    DocumentsByBlob[BlobNameOf(d)] = (inv, d);
                }
            }
        }
    }

    /// <summary>How many invoices every billing scope has: always 13 issued ones, so the default 12-month window of
    /// Get-BillingInvoice never holds them all, whatever the date.</summary>
    public const int IssuedInvoicesPerScope = 13;

    /// <summary>The day an invoice for the month starting <paramref name="start"/> is issued: the billing profile's
    /// invoice day (MCA) or the 2nd of the next month (EA, pay-as-you-go), at 00:00 UTC.</summary>
    private static DateTime IssueDate(DateOnly start, Profile? p)
    {
        var next = start.AddMonths(1);
        return new DateTime(next.Year, next.Month, p?.InvoiceDay ?? 2, 0, 0, 0, DateTimeKind.Utc);
    }

    private void BuildInvoices()
    {
        var current = new DateOnly(Today.Year, Today.Month, 1);
        var today = Today.ToDateTime(TimeOnly.MinValue, DateTimeKind.Utc);
        // Only issued invoices exist: last month's appears on its issue day. Each scope has the same number of
        // them, newest last, and the same statuses and documents by age (1 = newest), so the tests' invariants hold
        // on every day of the year (docs/contracts/EMULATOR_WORLD.md).
        foreach (var a in Accounts)
        {
            foreach (var (p, s) in InvoiceScopes(a))
            {
                int newest = IssueDate(current.AddMonths(-1), p) <= today ? 1 : 2;
                for (int age = IssuedInvoicesPerScope; age >= 1; age--)
                {
                    var start = current.AddMonths(-(newest + age - 1));
                    var end = start.AddMonths(1).AddDays(-1);
                    char kind = a.IsMca ? 'G' : a.IsEa ? 'E' : 'P';
                    int weight = a.IsMca ? a.Subscriptions.Count(x => x.Profile == p) : a.IsEa ? a.Subscriptions.Count : 1;
                    var inv = AddInvoice(a, p, s, kind, start, end, age, p?.Currency ?? a.Currency, weight);
                    if (s != null) AddLegacyPeriod(s, start, end, inv);
                }
                // Pay-as-you-go: a closed month whose invoice is not issued yet still has its billing period.
                if (s != null && newest == 2) AddLegacyPeriod(s, current.AddMonths(-1), current.AddDays(-1), null);
            }
        }
        // The open month has a billing period (no invoice yet) for pay-as-you-go subscriptions.
        foreach (var s in AllSubscriptions.Where(s => s.Account.IsPayg))
            AddLegacyPeriod(s, current, current.AddMonths(1).AddDays(-1), null);
        foreach (var s in AllSubscriptions) s.LegacyPeriods.Reverse(); // newest first, as the service lists them
        foreach (var a in Accounts)
        {
            var byMonth = a.Invoices.OrderBy(i => i.PeriodStart).ToList(); // stable: scopes keep their order within a month
            a.Invoices.Clear();
            a.Invoices.AddRange(byMonth);
        }
    }

    /// <summary>The scopes an account's invoices are issued to: each MCA billing profile, the EA account, each
    /// pay-as-you-go subscription.</summary>
    private static IEnumerable<(Profile?, Subscription?)> InvoiceScopes(Account a) =>
        a.IsMca ? a.Profiles.Select(p => ((Profile?)p, (Subscription?)null))
        : a.IsEa ? new[] { ((Profile?)null, (Subscription?)null) }
        : a.Subscriptions.Select(s => ((Profile?)null, (Subscription?)s));

    private void AddLegacyPeriod(Subscription s, DateOnly start, DateOnly end, Invoice? inv)
    {
        var period = new LegacyPeriod
        {
            Subscription = s, Start = start, End = end,
            Name = start.AddMonths(1).ToString("yyyyMM", CultureInfo.InvariantCulture) + "-1",
        };
        if (inv != null)
            period.Invoice = new LegacyInvoice
            {
                Period = period, Modern = inv,
                Name = inv.InvoiceDate.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture) + "-" + Det.Digits(Seed, inv.Name + "/legacy", 9),
            };
        s.LegacyPeriods.Add(period);
    }

    /// <summary>One issued invoice. <paramref name="age"/> is its place among the scope's issued invoices, 1 for the
    /// newest: it alone decides status and documents, so every status and document kind exists on every day.</summary>
    private Invoice AddInvoice(Account a, Profile? p, Subscription? s, char kind, DateOnly start, DateOnly end, int age, string currency, int weight)
    {
        string key = $"{a.Name}/{p?.Name}/{s?.Id}/{start:yyyyMM}";
        ulong h = Det.Hash(Seed, key, 11);
        // Names follow the invoiceName pattern of types.json: MCA G#########, EA EA########, MOSP E?########.
        string name = kind switch
        {
            'G' => "G" + Det.Alnum(Seed, key, 9),
            'E' => "EA" + Det.Alnum(Seed, key, 8),
            _ => "E" + Det.Digits(Seed, key, 9),
        };
        while (InvoicesByName.ContainsKey(name)) name = name.Substring(0, name.Length - 1) + (char)('0' + (name[^1] - '0' + 1) % 10);
        string status = age == 1 ? "Due" : age == 2 ? "OverDue" : age == 7 && kind != 'E' ? "Void" : "Paid";
        decimal sub = Math.Round(50m * weight + (decimal)(Det.Unit(h) * 900.0 * weight), 2);
        decimal tax = kind == 'E' ? 0m : Math.Round(sub * 0.08m, 2);
        decimal credit = age == 5 ? Math.Round(sub * 0.1m, 2) : 0m;
        decimal prepay = kind == 'G' && age % 4 == 0 ? Math.Round(sub * 0.25m, 2) : 0m;
        var invDate = IssueDate(start, p);
        var inv = new Invoice
        {
            Account = a, Profile = p, Subscription = s, Name = name, PeriodStart = start, PeriodEnd = end,
            InvoiceDate = invDate, DueDate = invDate.AddDays(30), Status = status, DocumentType = "Invoice", Currency = currency,
            SubTotal = sub, Tax = tax, Credit = credit, Prepayment = prepay, PurchaseOrderNumber = "PO" + Det.Digits(Seed, key + "/po", 6),
        };
        string Doc(string k) => Det.Digits(Seed, key + "/doc/" + k, 9);
        inv.Documents.Add(new InvoiceDocument("Invoice", Doc("Invoice"), "DRS"));
        if (credit > 0) inv.Documents.Add(new InvoiceDocument("CreditNote", Doc("CreditNote"), "DRS"));
        if (status == "Void") inv.Documents.Add(new InvoiceDocument("VoidNote", Doc("VoidNote"), "DRS"));
        if (status == "Paid" && kind != 'E' && age % 3 == 0) inv.Documents.Add(new InvoiceDocument("TaxReceipt", Doc("TaxReceipt"), "ENF"));
        if (kind == 'E') inv.Documents.Add(new InvoiceDocument("Summary", Doc("Summary"), "DRS"));
        a.Invoices.Add(inv);
        InvoicesByName[name] = inv;
        _invoiceByPeriod[(a, p, s, start)] = inv;
        foreach (var d in inv.Documents) { DocumentsByName[d.Name] = (inv, d); DocumentsByBlob[BlobNameOf(d)] = (inv, d); }
        return inv;
    }

    public IEnumerable<Invoice> InvoicesOf(Profile p) => p.Account.Invoices.Where(i => i.Profile == p);
    public IEnumerable<Invoice> InvoicesOf(Subscription s) =>
        s.Account.IsPayg ? s.Account.Invoices.Where(i => i.Subscription == s)
        : s.Account.IsMca ? s.Account.Invoices.Where(i => i.Profile == s.Profile)
        : s.Account.Invoices;

    public Profile? FindProfile(Account a, string name) => a.Profiles.FirstOrDefault(p => string.Equals(p.Name, name, StringComparison.OrdinalIgnoreCase));
}
