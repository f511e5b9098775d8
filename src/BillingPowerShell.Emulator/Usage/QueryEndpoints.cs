using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Threading.Tasks;
using BillingPowerShell.Emulator.Data;
using BillingPowerShell.Emulator.Infrastructure;

namespace BillingPowerShell.Emulator.Usage;

/// <summary>
/// Query_Usage 2025-03-01 (docs/contracts/azure-api/OPERATIONS.md, "Query_Usage"). Aggregates the same generated rows the usage details and cost details APIs serve,
/// so totals agree. Columns follow the examples: aggregations, groupings, UsageDate (Number yyyyMMdd) when Daily, Currency.
/// </summary>
internal static class QueryEndpoints
{
    public const string NextLinkApiVersion = "2021-10-01"; // the live service's nextLink carries this older version

    public static IEnumerable<Route> Routes() => new[]
    {
        Billing.AccountEndpoints.R("POST", "Query_Usage", "{*scope}/providers/Microsoft.CostManagement/query", Query, ApiFamily.CostManagement),
    };

    private static readonly string[] Dimensions =
    {
        "ResourceGroup", "ResourceGroupName", "ResourceLocation", "ResourceId", "ResourceType", "ServiceName", "ServiceFamily",
        "MeterCategory", "MeterSubCategory", "Meter", "MeterId", "SubscriptionId", "SubscriptionName", "ChargeType", "PricingModel",
        "BillingProfileId", "InvoiceSectionId", "InvoiceSectionName", "PublisherType", "ReservationId", "Product",
    };

    private static string Dim(in UsageRow r, string name) => name.ToLowerInvariant() switch
    {
        "resourcegroup" or "resourcegroupname" => r.ResourceGroup,
        "resourcelocation" => r.Location,
        "resourceid" => r.ResourceId.ToLowerInvariant(),
        "resourcetype" => r.Meter.ResourceType.ToLowerInvariant(),
        "servicename" or "metercategory" => r.Meter.Category,
        "servicefamily" => r.Meter.ServiceFamily,
        "metersubcategory" => r.Meter.SubCategory,
        "meter" => r.Meter.Name,
        "meterid" => r.Meter.Id,
        "subscriptionid" => r.Sub.Id,
        "subscriptionname" => r.Sub.DisplayName,
        "chargetype" => r.ChargeType,
        "pricingmodel" => r.PricingModel,
        "billingprofileid" => r.Sub.Profile?.Id ?? r.Sub.Account.Id,
        "invoicesectionid" => r.Sub.Section?.Id ?? "",
        "invoicesectionname" => r.Sub.Section?.DisplayName ?? "",
        "publishertype" => UsageRow.PublisherType,
        "reservationid" => r.ReservationId ?? "",
        "product" => r.Meter.Product,
        _ => "",
    };

    private static string Tag(in UsageRow r, string key) =>
        key.Equals("env", StringComparison.OrdinalIgnoreCase) ? r.TagEnv : key.Equals("team", StringComparison.OrdinalIgnoreCase) ? r.TagTeam : "";

    private sealed record Agg(string Column, string Source); // Source: cost | costusd | quantity
    private sealed record Group(string Type, string Name);

    private static async Task Query(ArmRequest r)
    {
        var e = r.E;
        var scope = UsageScope.Parse(e.World, r.Scope, out var err);
        if (scope == null) { await ArmErrors.Write(r.Http, err.Status, err.Code, err.Message); return; }
        string text;
        using (var reader = new System.IO.StreamReader(r.Http.Request.Body, Encoding.UTF8)) text = await reader.ReadToEndAsync();
        JsonElement body;
        try { using var doc = JsonDocument.Parse(text); body = doc.RootElement.Clone(); }
        catch (JsonException) { await Bad(r, "Invalid query definition: the request body is not valid JSON."); return; }
        var (ok2, offset) = await Paging.ReadOffset(r);
        if (!ok2) return;

        string key = r.Scope.ToLowerInvariant() + "|" + Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(text)));
        var cache = e.QueryResults;
        if (!cache.TryGetValue(key, out var result))
        {
            var (res, error) = Compute(e, scope, body);
            if (res == null) { await Bad(r, error!); return; }
            result = res;
            if (cache.Count > 256) cache.Clear();
            cache[key] = result;
        }

        var w = JsonOut.Start(r.Http);
        w.WriteStartObject();
        w.WriteString("id", $"{r.Scope}/providers/Microsoft.CostManagement/query/{Det.Guid(e.World.Seed, key)}");
        w.WriteString("name", Det.Guid(e.World.Seed, key).ToString());
        w.WriteString("type", "microsoft.costmanagement/Query");
        w.WriteStartObject("properties");
        long end = Math.Min(result.Rows.Count, offset + Math.Max(1, e.Options.QueryPageSize));
        if (end < result.Rows.Count) w.WriteString("nextLink", Paging.NextLink(r.Http.Request, end, NextLinkApiVersion));
        else w.WriteNull("nextLink");
        w.WriteStartArray("columns");
        foreach (var (name, type) in result.Columns) { w.WriteStartObject(); w.WriteString("name", name); w.WriteString("type", type); w.WriteEndObject(); }
        w.WriteEndArray();
        w.WriteStartArray("rows");
        for (long i = offset; i < end; i++)
        {
            w.WriteStartArray();
            foreach (var v in result.Rows[(int)i])
            {
                switch (v)
                {
                    case decimal d: w.WriteNumberValue(d); break;
                    case long l: w.WriteNumberValue(l); break;
                    default: w.WriteStringValue((string)v); break;
                }
            }
            w.WriteEndArray();
            await JsonOut.MaybeFlush(w);
        }
        w.WriteEndArray();
        w.WriteEndObject();
        w.WriteEndObject();
        await JsonOut.Finish(w);
    }

    private static Task Bad(ArmRequest r, string message) => ArmErrors.Write(r.Http, 400, "BadRequest", message);

    private static (QueryResult?, string?) Compute(EmulatorServices e, UsageScope scope, JsonElement body)
    {
        if (body.ValueKind != JsonValueKind.Object) return (null, "Invalid query definition: the body must be a JSON object.");
        string? type = Str(body, "type");
        if (type == null || !new[] { "Usage", "ActualCost", "AmortizedCost" }.Contains(type, StringComparer.OrdinalIgnoreCase))
            return (null, "Invalid query definition: 'type' must be Usage, ActualCost or AmortizedCost.");
        bool amortized = type.Equals("AmortizedCost", StringComparison.OrdinalIgnoreCase);
        var today = e.World.Today;
        var (period, periodError) = ParseTimePeriod(body, today);
        if (period == null) return (null, periodError);
        var (from, to) = period.Value;
        if (!TryGet(body, "dataset", out var ds) || ds.ValueKind != JsonValueKind.Object) return (null, "Invalid query definition: 'dataset' is required.");
        string granularity = Str(ds, "granularity") ?? "None";
        if (!new[] { "Daily", "Monthly", "None" }.Contains(granularity, StringComparer.OrdinalIgnoreCase))
            return (null, $"Invalid query definition: granularity '{granularity}' is not supported. Use Daily.");
        var (aggs, aggError) = ParseAggregations(ds);
        if (aggs == null) return (null, aggError);
        var (groups, groupError) = ParseGroupings(ds);
        if (groups == null) return (null, groupError);
        Func<UsageRow, bool> pred = _ => true;
        if (TryGet(ds, "filter", out var fl) && fl.ValueKind == JsonValueKind.Object)
        {
            var (p, fe) = BuildFilter(fl);
            if (p == null) return (null, fe);
            pred = p;
        }

        if (to >= today) to = today.AddDays(-1);
        var rows = from <= to ? e.Usage.Rows(scope.Subs, from, to, amortized) : Enumerable.Empty<UsageRow>();
        var sums = Sum(rows, pred, granularity, aggs, groups);
        var resultRows = sums.OrderBy(kv => kv.Key, StringComparer.Ordinal)
            .Select(kv => kv.Value.Values.Cast<object>().Concat(kv.Value.Keys).ToArray()).ToList();
        return (new QueryResult { Columns = Columns(granularity, aggs, groups), Rows = resultRows }, null);
    }

    private static string? Str(JsonElement el, string name) =>
        el.ValueKind == JsonValueKind.Object && TryGet(el, name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;

    /// <summary>The days a query covers, from its timeframe (and timePeriod when Custom); today is the world's.</summary>
    private static ((DateOnly From, DateOnly To)?, string?) ParseTimePeriod(JsonElement body, DateOnly today)
    {
        string? timeframe = Str(body, "timeframe");
        var ms = new DateOnly(today.Year, today.Month, 1);
        DateOnly from, to;
        switch (timeframe?.ToLowerInvariant())
        {
            case "monthtodate": case "billingmonthtodate": from = ms; to = today; break;
            case "thelastmonth": case "thelastbillingmonth": from = ms.AddMonths(-1); to = ms.AddDays(-1); break;
            case "weektodate": from = today.AddDays(-(((int)today.DayOfWeek + 6) % 7)); to = today; break;
            case "custom":
                if (!TryGet(body, "timePeriod", out var tp) || Str(tp, "from") is not string f || Str(tp, "to") is not string t
                    || !DateTime.TryParse(f, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out var fd)
                    || !DateTime.TryParse(t, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out var td))
                    return (null, "Invalid query definition: timeframe Custom requires timePeriod with 'from' and 'to'.");
                from = DateOnly.FromDateTime(fd); to = DateOnly.FromDateTime(td);
                if (to < from) return (null, "Invalid query definition: timePeriod 'to' must be on or after 'from'.");
                if (to.DayNumber - from.DayNumber > 366) return (null, "Invalid query definition: the time period cannot be more than 1 year.");
                break;
            default: return (null, "Invalid query definition: 'timeframe' must be MonthToDate, BillingMonthToDate, TheLastMonth, TheLastBillingMonth, WeekToDate or Custom.");
        }
        return ((from, to), null);
    }

    /// <summary>dataset.aggregation: at most 2 Sums of a known column; PreTaxCost when there is none.</summary>
    private static (List<Agg>?, string?) ParseAggregations(JsonElement ds)
    {
        var aggs = new List<Agg>();
        if (TryGet(ds, "aggregation", out var ag) && ag.ValueKind == JsonValueKind.Object)
        {
            foreach (var p in ag.EnumerateObject())
            {
                string? name = Str(p.Value, "name");
                string? fn = Str(p.Value, "function");
                if (fn == null || !fn.Equals("Sum", StringComparison.OrdinalIgnoreCase)) return (null, $"Invalid query definition: aggregation '{p.Name}' needs function 'Sum'.");
                string? src = name?.ToLowerInvariant() switch
                {
                    "pretaxcost" or "cost" => "cost", "pretaxcostusd" or "costusd" => "costusd", "usagequantity" => "quantity", _ => null,
                };
                if (src == null) return (null, $"Invalid query definition: aggregation column '{name}' is not supported. Use PreTaxCost, Cost, CostUSD or UsageQuantity.");
                aggs.Add(new Agg(name!, src));
            }
            if (aggs.Count > 2) return (null, "Invalid query definition: at most 2 aggregations are allowed.");
        }
        if (aggs.Count == 0) aggs.Add(new Agg("PreTaxCost", "cost"));
        return (aggs, null);
    }

    /// <summary>dataset.grouping: at most 2 groupings, each a known Dimension (its canonical name) or a TagKey.</summary>
    private static (List<Group>?, string?) ParseGroupings(JsonElement ds)
    {
        var groups = new List<Group>();
        if (TryGet(ds, "grouping", out var gr) && gr.ValueKind == JsonValueKind.Array)
        {
            foreach (var g in gr.EnumerateArray())
            {
                string? gt = Str(g, "type"), gn = Str(g, "name");
                if (gn == null || gt == null) return (null, "Invalid query definition: every grouping needs 'type' and 'name'.");
                if (gt.Equals("Dimension", StringComparison.OrdinalIgnoreCase))
                {
                    var canonical = Dimensions.FirstOrDefault(d => d.Equals(gn, StringComparison.OrdinalIgnoreCase));
                    if (canonical == null) return (null, $"Invalid query definition: invalid dimension name '{gn}'.");
                    groups.Add(new Group("Dimension", canonical));
                }
                else if (gt.Equals("TagKey", StringComparison.OrdinalIgnoreCase)) groups.Add(new Group("TagKey", gn));
                else return (null, $"Invalid query definition: grouping type '{gt}' must be Dimension or TagKey.");
            }
            if (groups.Count > 2) return (null, "Invalid query definition: at most 2 groupings are allowed.");
        }
        return (groups, null);
    }

    /// <summary>The aggregation sums of the rows the filter keeps, by date part + group values + currency (the key);
    /// each entry's Keys are the result row's group values, date and currency in column order.</summary>
    private static Dictionary<string, (object[] Keys, decimal[] Values)> Sum(
        IEnumerable<UsageRow> rows, Func<UsageRow, bool> pred, string granularity, List<Agg> aggs, List<Group> groups)
    {
        var sums = new Dictionary<string, (object[] Keys, decimal[] Values)>(StringComparer.Ordinal);
        var sb = new StringBuilder();
        foreach (var row in rows)
        {
            if (!pred(row)) continue;
            sb.Clear();
            object? date = granularity.Equals("Daily", StringComparison.OrdinalIgnoreCase) ? (long)(row.Day.Year * 10000 + row.Day.Month * 100 + row.Day.Day)
                : granularity.Equals("Monthly", StringComparison.OrdinalIgnoreCase) ? $"{row.Day:yyyy-MM}-01T00:00:00" : null;
            sb.Append(date).Append('\u001f');
            var gvals = new string[groups.Count];
            for (int i = 0; i < groups.Count; i++)
            {
                gvals[i] = groups[i].Type == "TagKey" ? Tag(row, groups[i].Name) : Dim(row, groups[i].Name);
                sb.Append(gvals[i]).Append('\u001f');
            }
            sb.Append(row.Currency);
            string k = sb.ToString();
            if (!sums.TryGetValue(k, out var acc))
            {
                var keys = new List<object>();
                keys.AddRange(gvals.Select(g => (object)g));
                if (date != null) keys.Add(date);
                keys.Add(row.Currency);
                acc = (keys.ToArray(), new decimal[aggs.Count]);
                sums[k] = acc;
            }
            for (int i = 0; i < aggs.Count; i++)
                acc.Values[i] += aggs[i].Source switch
                {
                    "cost" => row.Cost,
                    "costusd" => Math.Round(row.Cost * UsageDetailsEndpoints.UsdRate[row.Currency], 6),
                    _ => row.Quantity,
                };
        }
        return sums;
    }

    /// <summary>The result's columns: the aggregations, the groupings, the date part of the granularity, Currency.</summary>
    private static List<(string, string)> Columns(string granularity, List<Agg> aggs, List<Group> groups)
    {
        var columns = new List<(string, string)>();
        foreach (var a in aggs) columns.Add((a.Column, "Number"));
        foreach (var g in groups) columns.Add((g.Type == "TagKey" ? "TagValue" : g.Name, "String"));
        if (granularity.Equals("Daily", StringComparison.OrdinalIgnoreCase)) columns.Add(("UsageDate", "Number"));
        if (granularity.Equals("Monthly", StringComparison.OrdinalIgnoreCase)) columns.Add(("BillingMonth", "Datetime"));
        columns.Add(("Currency", "String"));
        return columns;
    }

    private static bool TryGet(JsonElement el, string name, out JsonElement value)
    {
        foreach (var p in el.EnumerateObject())
            if (p.Name.Equals(name, StringComparison.OrdinalIgnoreCase)) { value = p.Value; return true; }
        value = default;
        return false;
    }

    internal static (Func<UsageRow, bool>?, string?) BuildFilter(JsonElement f)
    {
        if (TryGet(f, "and", out var and) || TryGet(f, "or", out and))
        {
            bool isAnd = TryGet(f, "and", out _);
            if (and.ValueKind != JsonValueKind.Array || and.GetArrayLength() < 2) return (null, "Invalid query definition: 'and'/'or' need at least 2 expressions.");
            var parts = new List<Func<UsageRow, bool>>();
            foreach (var x in and.EnumerateArray())
            {
                var (p, err) = BuildFilter(x);
                if (p == null) return (null, err);
                parts.Add(p);
            }
            return (isAnd ? r => parts.All(p => p(r)) : r => parts.Any(p => p(r)), null);
        }
        if (TryGet(f, "not", out var not))
        {
            var (p, err) = BuildFilter(not);
            return p == null ? (null, err) : (r => !p(r), null);
        }
        bool isDim = TryGet(f, "dimensions", out var c) || TryGet(f, "dimension", out c);
        bool isTag = !isDim && (TryGet(f, "tags", out c) || TryGet(f, "tag", out c));
        if (!isDim && !isTag) return (null, "Invalid query definition: a filter needs and, or, not, dimensions or tags.");
        string? name = TryGet(c, "name", out var n) ? n.GetString() : null;
        if (name == null || !TryGet(c, "values", out var vals) || vals.ValueKind != JsonValueKind.Array || vals.GetArrayLength() == 0)
            return (null, "Invalid query definition: a comparison needs 'name', 'operator' and at least one value.");
        if (isDim && !Dimensions.Contains(name, StringComparer.OrdinalIgnoreCase)) return (null, $"Invalid query definition: invalid dimension name '{name}'.");
        var set = vals.EnumerateArray().Select(v => v.GetString() ?? "").ToHashSet(StringComparer.OrdinalIgnoreCase);
        return isDim ? (r => set.Contains(Dim(r, name)), null) : (r => set.Contains(Tag(r, name)), null);
    }
}

/// <summary>One computed Query result. Results are a pure function of (world, scope, body), so each emulator keeps
/// them (EmulatorServices.QueryResults) and paging a big result does not recompute it per page.</summary>
internal sealed class QueryResult
{
    public required List<(string Name, string Type)> Columns { get; init; }
    public required List<object[]> Rows { get; init; }
}
