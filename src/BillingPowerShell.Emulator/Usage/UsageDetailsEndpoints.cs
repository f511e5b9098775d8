using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text.Json;
using System.Text.RegularExpressions;
using System.Threading.Tasks;
using BillingPowerShell.Emulator.Data;
using BillingPowerShell.Emulator.Infrastructure;

namespace BillingPowerShell.Emulator.Usage;

/// <summary>
/// Microsoft.Consumption/usageDetails 2024-08-01 (docs/contracts/azure-api/OPERATIONS.md,
/// "Microsoft.Consumption UsageDetails_List, api-version 2024-08-01"). kind "legacy" for EA and pay-as-you-go, "modern" for MCA.
/// Pages are streamed with Utf8JsonWriter; the $skiptoken is the raw row position, so no page is materialised.
/// </summary>
internal static class UsageDetailsEndpoints
{
    public static IEnumerable<Route> Routes() => new[]
    {
        Billing.AccountEndpoints.R("GET", "UsageDetails_List", "{*scope}/providers/Microsoft.Consumption/usageDetails", List, ApiFamily.Consumption),
    };

    internal static readonly Dictionary<string, decimal> UsdRate = new() { ["USD"] = 1m, ["EUR"] = 1.08m, ["GBP"] = 1.27m };

    private static readonly Regex Term = new(@"^\s*(properties/usageStart|properties/usageEnd|properties/usageDate|properties/date|tags|properties/resourceGroup|properties/resourceName|properties/resourceId|properties/chargeType|properties/reservationId|properties/publisherType)\s+(eq|lt|gt|le|ge)\s+'([^']*)'\s*$",
        RegexOptions.IgnoreCase | RegexOptions.CultureInvariant);

    private sealed class Filter
    {
        public DateOnly? From, To;
        public List<Func<UsageRow, bool>> Row = new();
    }

    private static bool ParseFilter(string text, Filter f, out string error)
    {
        error = "";
        foreach (var t in Regex.Split(text, @"\s+and\s+", RegexOptions.IgnoreCase))
        {
            var m = Term.Match(t);
            if (!m.Success)
            {
                error = $"Invalid $filter '{text}'. Supported: properties/usageStart, properties/usageEnd, properties/resourceGroup, properties/resourceName, properties/resourceId, properties/chargeType, properties/reservationId, properties/publisherType or tags with eq, lt, gt, le, ge and 'and'.";
                return false;
            }
            string field = m.Groups[1].Value.ToLowerInvariant(), op = m.Groups[2].Value.ToLowerInvariant(), val = m.Groups[3].Value;
            if (field is "properties/usagestart" or "properties/usageend" or "properties/usagedate" or "properties/date")
            {
                if (!DateTime.TryParse(val, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out var dt))
                { error = $"Invalid date '{val}' in $filter."; return false; }
                var d = DateOnly.FromDateTime(dt);
                switch (op)
                {
                    case "ge": f.From = Max(f.From, d); break;
                    case "gt": f.From = Max(f.From, d.AddDays(1)); break;
                    case "le": f.To = Min(f.To, d); break;
                    case "lt": f.To = Min(f.To, d.AddDays(-1)); break;
                    case "eq": f.From = Max(f.From, d); f.To = Min(f.To, d); break;
                }
                continue;
            }
            if (op != "eq") { error = $"Only 'eq' is supported for {field}."; return false; }
            switch (field)
            {
                case "tags":
                    int c = val.IndexOf(':');
                    if (c < 0) { error = "A tag filter is key:value, e.g. tags eq 'env:prod'."; return false; }
                    string k = val[..c], v = val[(c + 1)..];
                    f.Row.Add(r => (k.Equals("env", StringComparison.OrdinalIgnoreCase) && r.TagEnv.Equals(v, StringComparison.OrdinalIgnoreCase))
                                || (k.Equals("team", StringComparison.OrdinalIgnoreCase) && r.TagTeam.Equals(v, StringComparison.OrdinalIgnoreCase)));
                    break;
                case "properties/resourcegroup": f.Row.Add(r => r.ResourceGroup.Equals(val, StringComparison.OrdinalIgnoreCase)); break;
                case "properties/resourcename": f.Row.Add(r => r.ResourceName.Equals(val, StringComparison.OrdinalIgnoreCase)); break;
                case "properties/resourceid": f.Row.Add(r => r.ResourceId.Equals(val, StringComparison.OrdinalIgnoreCase)); break;
                case "properties/chargetype": f.Row.Add(r => r.ChargeType.Equals(val, StringComparison.OrdinalIgnoreCase)); break;
                case "properties/reservationid": f.Row.Add(r => string.Equals(r.ReservationId, val, StringComparison.OrdinalIgnoreCase)); break;
                case "properties/publishertype": f.Row.Add(r => UsageRow.PublisherType.Equals(val, StringComparison.OrdinalIgnoreCase)); break;
            }
        }
        return true;
    }

    private static DateOnly Max(DateOnly? a, DateOnly b) => a == null || b > a ? b : a.Value;
    private static DateOnly Min(DateOnly? a, DateOnly b) => a == null || b < a ? b : a.Value;

    private static async Task List(ArmRequest r)
    {
        var e = r.E;
        var scope = UsageScope.Parse(e.World, r.Scope, out var err);
        if (scope == null) { await ArmErrors.Write(r.Http, err.Status, err.Code, err.Message); return; }

        var (ok, top) = await Paging.ReadTop(r, "$top", 1000, 1000);
        if (!ok) return;
        var (ok2, offset) = await Paging.ReadOffset(r);
        if (!ok2) return;
        string metric = (r.Q("metric") ?? "actualcost").ToLowerInvariant();
        if (metric is not ("actualcost" or "amortizedcost" or "usage"))
        {
            await ArmErrors.BadRequest(r, $"Invalid metric '{r.Q("metric")}'. Allowed values: actualcost, amortizedcost, usage.");
            return;
        }
        bool amortized = metric == "amortizedcost";
        var expand = (r.Q("$expand") ?? "").Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)
            .Select(x => x.Replace("properties/", "", StringComparison.OrdinalIgnoreCase).ToLowerInvariant()).ToHashSet();

        var f = await ReadFilter(r, scope);
        if (f == null) return;
        var (okRange, from, to) = await ReadRange(r, scope, f);
        if (!okRange) return;

        long total = from <= to ? e.Usage.CountRows(scope.Subs, from, to) : 0;
        if (total == 0 || offset >= total) { await WriteEmpty(r); return; }
        await WritePage(r, scope, f, from, to, amortized, expand, top, offset, total);
    }

    /// <summary>The $filter (not for MCA scopes) and startDate/endDate of a request, or null after writing its 400.</summary>
    private static async Task<Filter?> ReadFilter(ArmRequest r, UsageScope scope)
    {
        var f = new Filter();
        string? filter = r.Q("$filter");
        if (!string.IsNullOrWhiteSpace(filter))
        {
            if (scope.IsMca)
            {
                await ArmErrors.BadRequest(r, "The $filter parameter is not supported for Microsoft Customer Agreement scopes. Use startDate and endDate.");
                return null;
            }
            if (!ParseFilter(filter, f, out var fe)) { await ArmErrors.BadRequest(r, fe); return null; }
        }
        string? sd = r.Q("startDate"), ed = r.Q("endDate");
        if (sd != null || ed != null)
        {
            if (sd == null || ed == null || !DateOnly.TryParse(sd, CultureInfo.InvariantCulture, out var s1) || !DateOnly.TryParse(ed, CultureInfo.InvariantCulture, out var e1) || e1 < s1)
            {
                await ArmErrors.BadRequest(r, "startDate and endDate must both be given as yyyy-MM-dd, with endDate on or after startDate.");
                return null;
            }
            f.From = Max(f.From, s1);
            f.To = Min(f.To, e1);
        }
        return f;
    }

    /// <summary>The days served: the billing period of the scope or the filter's dates (by default the current month),
    /// never today or later; false after writing the 400 of an invalid billing period name.</summary>
    private static async Task<(bool, DateOnly, DateOnly)> ReadRange(ArmRequest r, UsageScope scope, Filter f)
    {
        var world = r.E.World;
        var monthStart = new DateOnly(world.Today.Year, world.Today.Month, 1);
        DateOnly from, to;
        if (scope.BillingPeriod != null)
        {
            if (!UsageScope.TryPeriodRange(scope.BillingPeriod, out from, out to))
            {
                await ArmErrors.BadRequest(r, $"Invalid billing period name '{scope.BillingPeriod}'.");
                return (false, default, default);
            }
            if (f.From > from) from = f.From.Value;
            if (f.To < to) to = f.To.Value;
        }
        else
        {
            from = f.From ?? (f.To is DateOnly t0 ? new DateOnly(t0.Year, t0.Month, 1) : monthStart);
            to = f.To ?? (f.From is DateOnly f0 && f0 < monthStart ? new DateOnly(f0.Year, f0.Month, 1).AddMonths(1).AddDays(-1) : world.Today);
        }
        if (to >= world.Today) to = world.Today.AddDays(-1);
        return (true, from, to);
    }

    private static async Task WriteEmpty(ArmRequest r)
    {
        // 204: nothing in this scope and time range. 2021-10-01: 200 {"value":[]} (also valid per its spec; its
        // SDK knows only 200 for this operation, so a 204 would fail the call — docs/contracts/EMULATOR_GAPS.md,
        // "Consumption 2021-10-01: 204 for an empty result makes the SDK throw").
        if (r.Is(ApiVersions.Consumption2021))
        {
            var empty = JsonOut.Start(r.Http);
            empty.WriteStartObject();
            empty.WriteStartArray("value");
            empty.WriteEndArray();
            empty.WriteEndObject();
            await JsonOut.Finish(empty);
            return;
        }
        r.Response.StatusCode = 204;
    }

    /// <summary>One page: up to $top rows from the row position offset that pass the filter, and a nextLink while
    /// rows remain.</summary>
    private static async Task WritePage(ArmRequest r, UsageScope scope, Filter f, DateOnly from, DateOnly to, bool amortized,
        HashSet<string> expand, int top, long offset, long total)
    {
        var e = r.E;
        var world = e.World;
        string idPrefix = scope.Id + (scope.BillingPeriod != null ? "/providers/Microsoft.Billing/billingPeriods/" + scope.BillingPeriod : "") + "/providers/Microsoft.Consumption/usageDetails/";
        var w = JsonOut.Start(r.Http);
        w.WriteStartObject();
        w.WriteStartArray("value");
        long pos = offset;
        int written = 0;
        const int scanLimit = 200_000; // a selective filter must not make one page scan the world
        foreach (var row in e.Usage.Rows(scope.Subs, from, to, amortized, offset))
        {
            pos++;
            if (f.Row.Count == 0 || f.Row.All(p => p(row)))
            {
                if (scope.IsMca) WriteModern(w, row, world, idPrefix);
                else WriteLegacy(w, row, world, idPrefix, expand);
                written++;
                await JsonOut.MaybeFlush(w);
            }
            if (written >= top || pos - offset >= scanLimit) break;
        }
        w.WriteEndArray();
        if (pos < total) w.WriteString("nextLink", Paging.NextLink(r.Http.Request, pos));
        w.WriteEndObject();
        await JsonOut.Finish(w);
    }

    public static string Dt(DateOnly d) => d.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture) + "T00:00:00.0000000Z";

    private static void Period(Subscription s, DateOnly day, out DateOnly ps, out DateOnly pe)
    {
        ps = new DateOnly(day.Year, day.Month, 1);
        pe = ps.AddMonths(1).AddDays(-1);
    }

    private static void WriteLegacy(Utf8JsonWriter w, in UsageRow row, World world, string idPrefix, HashSet<string> expand)
    {
        var s = row.Sub;
        var m = row.Meter;
        Period(s, row.Day, out var ps, out var pe);
        w.WriteStartObject();
        string name = row.RowId;
        w.WriteString("id", idPrefix + name);
        w.WriteString("name", name);
        w.WriteString("type", "Microsoft.Consumption/usageDetails");
        w.WriteString("kind", "legacy");
        w.WriteStartObject("tags");
        w.WriteString("env", row.TagEnv);
        w.WriteString("team", row.TagTeam);
        w.WriteEndObject();
        w.WriteStartObject("properties");
        w.WriteString("billingAccountId", s.Account.Name);
        w.WriteString("billingAccountName", s.Account.DisplayName);
        w.WriteString("billingPeriodStartDate", Dt(ps));
        w.WriteString("billingPeriodEndDate", Dt(pe));
        w.WriteString("billingProfileId", s.Account.Name);
        w.WriteString("billingProfileName", s.Account.DisplayName);
        w.WriteString("accountName", s.Account.IsEa ? CsvSchemas.EnrollmentAccounts[s.Ordinal % 2] : s.Account.DisplayName);
        w.WriteString("accountOwnerId", CsvSchemas.Owners[s.Ordinal % 2]);
        w.WriteString("subscriptionId", s.Id);
        w.WriteString("subscriptionName", s.DisplayName);
        w.WriteString("date", Dt(row.Day));
        w.WriteString("product", m.Product);
        w.WriteString("partNumber", m.PartNumber);
        w.WriteString("meterId", m.Id);
        if (expand.Contains("meterdetails"))
        {
            w.WriteStartObject("meterDetails");
            w.WriteString("meterName", m.Name);
            w.WriteString("meterCategory", m.Category);
            w.WriteString("meterSubCategory", m.SubCategory);
            w.WriteString("unitOfMeasure", m.Unit);
            w.WriteString("serviceFamily", m.ServiceFamily);
            w.WriteEndObject();
        }
        else w.WriteNull("meterDetails");
        w.WriteNumber("quantity", row.Quantity);
        w.WriteNumber("effectivePrice", row.EffectivePrice);
        w.WriteNumber("cost", row.Cost);
        w.WriteNumber("unitPrice", row.UnitPrice);
        w.WriteString("billingCurrency", row.Currency);
        w.WriteString("resourceLocation", row.Location);
        w.WriteString("consumedService", m.ConsumedService);
        w.WriteString("resourceId", row.ResourceId);
        w.WriteString("resourceName", row.ResourceName);
        w.WriteString("serviceInfo1", "");
        w.WriteString("serviceInfo2", "");
        if (expand.Contains("additionalinfo")) w.WriteString("additionalInfo", row.AdditionalInfo);
        w.WriteString("invoiceSection", s.Account.IsEa ? CsvSchemas.Departments[s.Ordinal % 2] : "");
        w.WriteString("costCenter", s.CostCenter);
        w.WriteString("resourceGroup", row.ResourceGroup);
        if (row.ReservationId != null) { w.WriteString("reservationId", row.ReservationId); w.WriteString("reservationName", row.ReservationName); }
        w.WriteString("offerId", s.OfferId);
        w.WriteBoolean("isAzureCreditEligible", true);
        w.WriteString("publisherType", UsageRow.PublisherType);
        w.WriteString("chargeType", row.ChargeType);
        w.WriteString("frequency", "UsageBased");
        w.WriteNumber("payGPrice", row.UnitPrice);
        w.WriteString("pricingModel", row.PricingModel == "OnDemand" ? "On Demand" : row.PricingModel);
        w.WriteString("benefitId", CsvSchemas.BenefitId(row));
        w.WriteString("benefitName", row.ReservationName ?? "");
        w.WriteEndObject();
        w.WriteEndObject();
    }

    private static void WriteModern(Utf8JsonWriter w, in UsageRow row, World world, string idPrefix)
    {
        w.WriteStartObject();
        string name = row.RowId;
        w.WriteString("id", idPrefix + name);
        w.WriteString("name", name);
        w.WriteString("type", "Microsoft.Consumption/usageDetails");
        w.WriteString("kind", "modern");
        w.WriteStartObject("tags");
        w.WriteString("env", row.TagEnv);
        w.WriteString("team", row.TagTeam);
        w.WriteEndObject();
        w.WriteStartObject("properties");
        Period(row.Sub, row.Day, out var ps, out var pe);
        WriteModernUsage(w, row, ps, pe);
        WriteModernCharges(w, row, world, ps, pe);
        w.WriteEndObject();
        w.WriteEndObject();
    }

    /// <summary>The modern record's properties up to instanceName: who was billed for what, when, how much of it.</summary>
    private static void WriteModernUsage(Utf8JsonWriter w, in UsageRow row, DateOnly ps, DateOnly pe)
    {
        var s = row.Sub;
        var m = row.Meter;
        w.WriteString("billingAccountId", s.Account.Id);
        w.WriteString("billingAccountName", s.Account.DisplayName);
        w.WriteString("billingPeriodStartDate", Dt(ps));
        w.WriteString("billingPeriodEndDate", Dt(pe));
        w.WriteString("billingProfileId", s.Profile!.Id);
        w.WriteString("billingProfileName", s.Profile.DisplayName);
        w.WriteString("subscriptionGuid", s.Id);
        w.WriteString("subscriptionName", s.DisplayName);
        w.WriteString("date", Dt(row.Day));
        w.WriteString("product", m.Product);
        w.WriteString("meterId", m.Id);
        w.WriteString("meterName", m.Name);
        w.WriteString("meterRegion", m.Region);
        w.WriteString("meterCategory", m.Category);
        w.WriteString("meterSubCategory", m.SubCategory);
        w.WriteString("serviceFamily", m.ServiceFamily);
        w.WriteNumber("quantity", row.Quantity);
        w.WriteString("unitOfMeasure", m.Unit);
        w.WriteString("instanceName", row.ResourceId);
    }

    /// <summary>The modern record's properties from costInUSD on: prices, costs, invoice, reservation and partner fields.</summary>
    private static void WriteModernCharges(Utf8JsonWriter w, in UsageRow row, World world, DateOnly ps, DateOnly pe)
    {
        var s = row.Sub;
        var m = row.Meter;
        var inv = world.InvoiceFor(s, row.Day);
        decimal rate = UsdRate[row.Currency];
        w.WriteNumber("costInUSD", Math.Round(row.Cost * rate, 6));
        w.WriteNumber("unitPrice", row.UnitPrice);
        w.WriteNumber("effectivePrice", row.EffectivePrice);
        w.WriteString("pricingModel", row.PricingModel == "OnDemand" ? "On Demand" : row.PricingModel);
        w.WriteString("billingCurrencyCode", row.Currency);
        w.WriteString("resourceLocation", row.Location);
        w.WriteString("consumedService", m.ConsumedService);
        w.WriteString("serviceInfo1", "");
        w.WriteString("serviceInfo2", "");
        w.WriteString("additionalInfo", row.AdditionalInfo);
        w.WriteString("invoiceSectionId", s.Section!.Id);
        w.WriteString("invoiceSectionName", s.Section.DisplayName);
        w.WriteString("costCenter", s.CostCenter);
        w.WriteString("resourceGroup", row.ResourceGroup);
        w.WriteString("reservationId", row.ReservationId ?? "");
        w.WriteString("reservationName", row.ReservationName ?? "");
        w.WriteString("productOrderId", row.ReservationId ?? "");
        w.WriteString("productOrderName", row.ReservationName ?? "");
        w.WriteBoolean("isAzureCreditEligible", true);
        w.WriteString("term", "");
        w.WriteString("publisherName", "Microsoft");
        w.WriteString("publisherType", UsageRow.PublisherType);
        w.WriteString("chargeType", row.ChargeType);
        w.WriteString("frequency", "UsageBased");
        w.WriteNumber("costInBillingCurrency", row.Cost);
        w.WriteNumber("costInPricingCurrency", Math.Round(row.Cost * rate, 6));
        w.WriteString("exchangeRate", (1m / rate).ToString("0.######", CultureInfo.InvariantCulture));
        w.WriteString("exchangeRateDate", Dt(ps));
        w.WriteString("invoiceId", inv?.Name ?? "");
        w.WriteString("previousInvoiceId", "");
        w.WriteString("pricingCurrencyCode", "USD");
        w.WriteString("productIdentifier", m.PartNumber);
        w.WriteString("resourceLocationNormalized", row.Location);
        w.WriteString("servicePeriodStartDate", Dt(ps));
        w.WriteString("servicePeriodEndDate", Dt(pe));
        w.WriteString("customerTenantId", "");
        w.WriteString("customerName", "");
        w.WriteString("partnerTenantId", "");
        w.WriteString("partnerName", "");
        w.WriteString("resellerMpnId", "");
        w.WriteString("resellerName", "");
        w.WriteString("publisherId", "");
        w.WriteNumber("marketPrice", row.UnitPrice);
        w.WriteNumber("exchangeRatePricingToBilling", Math.Round(1m / rate, 6));
        w.WriteNumber("paygCostInBillingCurrency", Math.Round(row.Quantity * row.UnitPrice, 6));
        w.WriteNumber("paygCostInUSD", Math.Round(row.Quantity * row.UnitPrice * rate, 6));
        w.WriteNumber("partnerEarnedCreditRate", 0);
        w.WriteString("partnerEarnedCreditApplied", "false");
        w.WriteNumber("payGPrice", row.UnitPrice);
        w.WriteString("benefitId", CsvSchemas.BenefitId(row));
        w.WriteString("benefitName", row.ReservationName ?? "");
        w.WriteString("provider", "Azure");
        w.WriteString("costAllocationRuleName", "");
    }
}
