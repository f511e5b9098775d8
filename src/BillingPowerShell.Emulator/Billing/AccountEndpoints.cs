using System;
using System.Collections.Generic;
using System.Linq;
using System.Text.Json;
using System.Threading.Tasks;
using BillingPowerShell.Emulator.Data;
using BillingPowerShell.Emulator.Infrastructure;

namespace BillingPowerShell.Emulator.Billing;

/// <summary>Billing accounts, billing profiles, billing subscriptions (Microsoft.Billing 2024-04-01):
/// docs/contracts/azure-api/OPERATIONS.md, "BillingAccounts_List" to "BillingSubscriptions_Get".</summary>
internal static class AccountEndpoints
{
    private const string Ba = "providers/Microsoft.Billing/billingAccounts";

    public static IEnumerable<Route> Routes() => new[]
    {
        R("GET", "BillingAccounts_List", Ba, ListAccounts),
        R("GET", "BillingAccounts_Get", Ba + "/{account}", GetAccount),
        R("GET", "BillingProfiles_ListByBillingAccount", Ba + "/{account}/billingProfiles", ListProfiles),
        R("GET", "BillingProfiles_Get", Ba + "/{account}/billingProfiles/{profile}", GetProfile),
        R("GET", "InvoiceSections_ListByBillingProfile", Ba + "/{account}/billingProfiles/{profile}/invoiceSections", ListSections),
        R("GET", "BillingSubscriptions_ListByBillingAccount", Ba + "/{account}/billingSubscriptions", ListSubsByAccount),
        R("GET", "BillingSubscriptions_Get", Ba + "/{account}/billingSubscriptions/{sub}", GetSub),
        R("GET", "BillingSubscriptions_ListByBillingProfile", Ba + "/{account}/billingProfiles/{profile}/billingSubscriptions", ListSubsByProfile),
        R("GET", "BillingSubscriptions_GetByBillingProfile", Ba + "/{account}/billingProfiles/{profile}/billingSubscriptions/{sub}", GetSubByProfile),
    };

    internal static Route R(string method, string name, string pattern, Func<ArmRequest, Task> h, ApiFamily family = ApiFamily.Billing2024) =>
        new() { Method = method, Name = name, Family = family, Pattern = pattern.Split('/'), Handler = h };

    private static readonly string Created = "2019-05-31T17:32:28.0000000Z";

    internal static async Task<Account?> FindAccount(ArmRequest r)
    {
        if (r.E.World.AccountsByName.TryGetValue(r["account"], out var a)) return a;
        await ArmErrors.Write(r.Http, 404, "BillingAccountNotFound", $"The billing account '{r["account"]}' was not found.");
        return null;
    }

    internal static async Task<Profile?> FindProfile(ArmRequest r, Account a)
    {
        var p = r.E.World.FindProfile(a, r["profile"]);
        if (p == null) await ArmErrors.Write(r.Http, 404, "BillingProfileNotFound", $"The billing profile '{r["profile"]}' was not found in billing account '{a.Name}'.");
        return p;
    }

    private static bool Expand(ArmRequest r, string what) =>
        (r.Q("expand") ?? r.Q("$expand") ?? "").Split(',', StringSplitOptions.TrimEntries).Any(x => x.Equals(what, StringComparison.OrdinalIgnoreCase));

    private static Task ListAccounts(ArmRequest r) => Paging.WriteList(r, r.E.World.Accounts, (w, a) => WriteAccount(w, r, a));

    private static async Task GetAccount(ArmRequest r)
    {
        var a = await FindAccount(r);
        if (a == null) return;
        var w = JsonOut.Start(r.Http);
        WriteAccount(w, r, a);
        await JsonOut.Finish(w);
    }

    internal static void WriteAddress(Utf8JsonWriter w, string name, string company, string country)
    {
        w.WriteStartObject(name);
        w.WriteString("addressLine1", "1 Emulator Way");
        w.WriteString("addressLine2", "Building 4");
        w.WriteString("addressLine3", "Floor 2");
        w.WriteString("city", country == "US" ? "Redmond" : country == "GB" ? "London" : "Dublin");
        w.WriteString("companyName", company);
        w.WriteString("country", country);
        w.WriteString("email", "billing@" + company.Split(' ')[0].ToLowerInvariant() + ".example");
        w.WriteString("firstName", "Alex");
        w.WriteBoolean("isValidAddress", true);
        w.WriteString("lastName", "Admin");
        w.WriteString("phoneNumber", "000-000-0000");
        w.WriteString("postalCode", "98052");
        w.WriteString("region", country == "US" ? "WA" : "");
        w.WriteEndObject();
    }

    private static void WriteAccount(Utf8JsonWriter w, ArmRequest r, Account a)
    {
        w.WriteStartObject();
        w.WriteString("id", a.Id);
        w.WriteString("name", a.Name);
        w.WriteStartObject("properties");
        w.WriteString("accountStatus", "Active");
        w.WriteString("accountType", a.AccountType);
        w.WriteString("accountSubType", a.IsPayg ? "Individual" : "Enterprise");
        w.WriteString("agreementType", a.Agreement.ToString());
        w.WriteString("displayName", a.DisplayName);
        w.WriteBoolean("hasReadAccess", true);
        w.WriteString("primaryBillingTenantId", a.TenantId);
        if (a.IsEa)
        {
            w.WriteStartObject("enrollmentDetails");
            w.WriteString("startDate", "2023-07-01T00:00:00.0000000Z");
            w.WriteString("endDate", "2026-06-30T00:00:00.0000000Z");
            w.WriteString("currency", a.Currency);
            w.WriteString("channel", "EaDirect");
            w.WriteString("language", "en");
            w.WriteString("countryCode", "IE");
            w.WriteString("billingCycle", "Monthly");
            w.WriteString("extendedTermOption", "Opted-Out");
            w.WriteString("supportLevel", "Standard");
            w.WriteString("supportCoverage", "1/1/2024 - 12/31/2026");
            w.WriteString("cloud", "Azure Commercial");
            w.WriteString("markupStatus", "Published");
            w.WriteString("invoiceRecipient", "billing@fabrikam.example");
            if (Expand(r, "enrollmentDetails/poNumber")) w.WriteString("poNumber", "PO-" + a.Name);
            w.WriteEndObject();
        }
        if (!a.IsPayg && Expand(r, "soldTo")) WriteAddress(w, "soldTo", a.DisplayName, a.IsEa ? "IE" : "US");
        w.WriteEndObject();
        w.WriteString("type", "Microsoft.Billing/billingAccounts");
        w.WriteStartObject("systemData");
        w.WriteString("createdAt", Created);
        w.WriteString("lastModifiedAt", Created);
        w.WriteEndObject();
        w.WriteEndObject();
    }

    private static async Task ListProfiles(ArmRequest r)
    {
        var a = await FindAccount(r);
        if (a == null) return;
        await Paging.WriteList(r, a.Profiles, WriteProfile);
    }

    private static async Task GetProfile(ArmRequest r)
    {
        var a = await FindAccount(r);
        if (a == null) return;
        var p = await FindProfile(r, a);
        if (p == null) return;
        var w = JsonOut.Start(r.Http);
        WriteProfile(w, p);
        await JsonOut.Finish(w);
    }

    private static void WriteProfile(Utf8JsonWriter w, Profile p)
    {
        w.WriteStartObject();
        w.WriteString("name", p.Name);
        w.WriteString("type", "Microsoft.Billing/billingAccounts/billingProfiles");
        w.WriteString("id", p.Id);
        w.WriteStartObject("properties");
        string country = p.Currency == "GBP" ? "GB" : "US";
        WriteAddress(w, "billTo", p.Account.DisplayName, country);
        w.WriteString("currency", p.Currency);
        w.WriteString("displayName", p.DisplayName);
        w.WriteBoolean("hasReadAccess", true);
        w.WriteNumber("invoiceDay", p.InvoiceDay);
        w.WriteBoolean("invoiceEmailOptIn", true);
        w.WriteStartArray("invoiceRecipients"); w.WriteStringValue("ap@northwind.example"); w.WriteEndArray();
        w.WriteString("poNumber", "PO-" + p.Name.Substring(0, 4));
        WriteAddress(w, "shipTo", p.Account.DisplayName, country);
        WriteAddress(w, "soldTo", p.Account.DisplayName, country);
        w.WriteString("spendingLimit", "Off");
        w.WriteStartArray("spendingLimitDetails");
        w.WriteStartObject();
        w.WriteString("type", "None");
        w.WriteNumber("amount", 0);
        w.WriteString("currency", p.Currency);
        w.WriteString("startDate", Created);
        w.WriteString("endDate", Created);
        w.WriteString("status", "None");
        w.WriteEndObject();
        w.WriteEndArray();
        w.WriteString("status", "Active");
        w.WriteString("statusReasonCode", "None");
        w.WriteString("systemId", p.SystemId);
        w.WriteEndObject();
        w.WriteEndObject();
    }

    private static async Task ListSections(ArmRequest r)
    {
        var a = await FindAccount(r);
        if (a == null) return;
        var p = await FindProfile(r, a);
        if (p == null) return;
        await Paging.WriteList(r, p.Sections, (w, s) =>
        {
            w.WriteStartObject();
            w.WriteString("id", s.Id);
            w.WriteString("name", s.Name);
            w.WriteString("type", "Microsoft.Billing/billingAccounts/billingProfiles/invoiceSections");
            w.WriteStartObject("properties");
            w.WriteString("displayName", s.DisplayName);
            w.WriteString("state", "Active");
            w.WriteString("systemId", Det.Guid(r.E.World.Seed, s.Id).ToString());
            w.WriteEndObject();
            w.WriteEndObject();
        });
    }

    private static async Task ListSubsByAccount(ArmRequest r)
    {
        var a = await FindAccount(r);
        if (a == null) return;
        await Paging.WriteList(r, a.Subscriptions, (w, s) => WriteSub(w, r, s), totalCount: true);
    }

    private static async Task ListSubsByProfile(ArmRequest r)
    {
        var a = await FindAccount(r);
        if (a == null) return;
        var p = await FindProfile(r, a);
        if (p == null) return;
        await Paging.WriteList(r, a.Subscriptions.Where(s => s.Profile == p).ToList(), (w, s) => WriteSub(w, r, s), totalCount: true);
    }

    private static async Task GetSub(ArmRequest r)
    {
        var a = await FindAccount(r);
        if (a == null) return;
        var s = a.Subscriptions.FirstOrDefault(x => x.Id.Equals(r["sub"], StringComparison.OrdinalIgnoreCase));
        if (s == null) { await ArmErrors.Write(r.Http, 404, "BillingSubscriptionNotFound", $"The billing subscription '{r["sub"]}' was not found in billing account '{a.Name}'."); return; }
        var w = JsonOut.Start(r.Http);
        WriteSub(w, r, s);
        await JsonOut.Finish(w);
    }

    private static async Task GetSubByProfile(ArmRequest r)
    {
        var a = await FindAccount(r);
        if (a == null) return;
        var p = await FindProfile(r, a);
        if (p == null) return;
        var s = a.Subscriptions.FirstOrDefault(x => x.Profile == p && x.Id.Equals(r["sub"], StringComparison.OrdinalIgnoreCase));
        if (s == null) { await ArmErrors.Write(r.Http, 404, "BillingSubscriptionNotFound", $"The billing subscription '{r["sub"]}' was not found in billing profile '{p.Name}'."); return; }
        var w = JsonOut.Start(r.Http);
        WriteSub(w, r, s);
        await JsonOut.Finish(w);
    }

    private static void WriteSub(Utf8JsonWriter w, ArmRequest r, Subscription s)
    {
        string id = s.Account.Id + "/billingSubscriptions/" + s.Id;
        w.WriteStartObject();
        w.WriteString("id", id);
        w.WriteString("name", s.Id);
        w.WriteStartObject("properties");
        w.WriteString("autoRenew", "Off");
        w.WriteString("billingFrequency", "P1M");
        if (s.Profile != null)
        {
            w.WriteString("billingProfileId", s.Profile.Id);
            w.WriteString("billingProfileDisplayName", s.Profile.DisplayName);
            w.WriteString("billingProfileName", s.Profile.Name);
        }
        w.WriteString("displayName", s.DisplayName);
        if (s.Section != null)
        {
            w.WriteString("invoiceSectionId", s.Section.Id);
            w.WriteString("invoiceSectionDisplayName", s.Section.DisplayName);
            w.WriteString("invoiceSectionName", s.Section.Name);
        }
        w.WriteString("productCategory", "AzureSubscription");
        w.WriteString("productType", "Azure subscription");
        w.WriteString("productTypeId", "AZ" + s.SkuId);
        w.WriteString("purchaseDate", Created);
        w.WriteNumber("quantity", 1);
        w.WriteString("skuId", s.SkuId);
        w.WriteString("skuDescription", s.SkuDescription);
        w.WriteStartObject("systemOverrides");
        w.WriteString("cancellationAllowedEndDate", Created);
        w.WriteEndObject();
        w.WriteString("resourceUri", "/subscriptions/" + s.Id);
        w.WriteString("termDuration", "P1M");
        w.WriteString("termStartDate", Created);
        w.WriteString("termEndDate", "2099-12-31T00:00:00.0000000Z");
        // 2020-05-01 names the status subscriptionBillingStatus (its SDK reads no "status").
        w.WriteString(r.Is(ApiVersions.Billing2020) ? "subscriptionBillingStatus" : "status", "Active");
        if (!r.Is(ApiVersions.Billing2020)) w.WriteString("operationStatus", "None");
        w.WriteString("subscriptionId", s.Id);
        if (r.Is(ApiVersions.Billing2020))
        {
            // 2020-05-01: costCenter and the charges are plain properties (2024-04-01: $expand-ed, consumptionCostCenter).
            w.WriteString("costCenter", s.CostCenter);
            JsonOut.Amount(w, "lastMonthCharges", s.Currency, 0m);
            JsonOut.Amount(w, "monthToDateCharges", s.Currency, 0m);
        }
        else
        {
            if (Expand(r, "ConsumptionCostCenter")) w.WriteString("consumptionCostCenter", s.CostCenter);
            if (Expand(r, "LastMonthCharges")) JsonOut.Amount(w, "lastMonthCharges", s.Currency, 0m);
            if (Expand(r, "MonthToDateCharges")) JsonOut.Amount(w, "monthToDateCharges", s.Currency, 0m);
        }
        w.WriteEndObject();
        w.WriteString("type", "Microsoft.Billing/billingAccounts/billingSubscriptions");
        w.WriteStartObject("systemData");
        w.WriteString("createdAt", Created);
        w.WriteString("lastModifiedAt", Created);
        w.WriteEndObject();
        w.WriteEndObject();
    }
}
