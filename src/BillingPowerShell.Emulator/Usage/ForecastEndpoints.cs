using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text;
using System.Text.Json;
using System.Threading.Tasks;
using BillingPowerShell.Emulator.Data;
using BillingPowerShell.Emulator.Infrastructure;

namespace BillingPowerShell.Emulator.Usage;

/// <summary>
/// Forecast_Usage 2025-03-01 (docs/contracts/FORECAST.md, "How the emulator serves it"): for each currency
/// of the scope, the average daily cost of the 7 days before today (of the rows the dataset's filter keeps), forecast
/// for each day of the period from today on.
/// Columns as in the official example: PreTaxCost, UsageDate, CostStatus, Currency.
/// </summary>
internal static class ForecastEndpoints
{
    private const int HistoryDays = 7;

    public static IEnumerable<Route> Routes() => new[]
    {
        Billing.AccountEndpoints.R("POST", "Forecast_Usage", "{*scope}/providers/Microsoft.CostManagement/forecast", Forecast, ApiFamily.CostManagement),
    };

    private static async Task Forecast(ArmRequest r)
    {
        var e = r.E;
        var scope = UsageScope.Parse(e.World, r.Scope, out var err);
        if (scope == null) { await ArmErrors.Write(r.Http, err.Status, err.Code, err.Message); return; }
        string text;
        using (var reader = new System.IO.StreamReader(r.Http.Request.Body, Encoding.UTF8)) text = await reader.ReadToEndAsync();
        var (period, amortized, filter, error) = Parse(text);
        if (period is not { } p) { await ArmErrors.Write(r.Http, 400, "BadRequest", error!); return; }
        var today = e.World.Today;
        var rates = DailyRates(e, scope, today, amortized, filter);
        if (rates.Count == 0) { r.Http.Response.StatusCode = 204; return; } // no history to forecast from
        var from = p.From < today ? today : p.From;

        var w = JsonOut.Start(r.Http);
        w.WriteStartObject();
        var name = Det.Guid(e.World.Seed, r.Scope + "|forecast|" + text).ToString();
        w.WriteString("id", $"{r.Scope}/providers/Microsoft.CostManagement/query/{name}");
        w.WriteString("name", name);
        w.WriteString("type", "Microsoft.CostManagement/query");
        w.WriteStartObject("properties");
        w.WriteNull("nextLink");
        w.WriteStartArray("columns");
        foreach (var (col, type) in new[] { ("PreTaxCost", "Number"), ("UsageDate", "Number"), ("CostStatus", "String"), ("Currency", "String") })
        { w.WriteStartObject(); w.WriteString("name", col); w.WriteString("type", type); w.WriteEndObject(); }
        w.WriteEndArray();
        w.WriteStartArray("rows");
        for (var d = from; d <= p.To; d = d.AddDays(1))
            foreach (var (currency, rate) in rates)
            {
                w.WriteStartArray();
                w.WriteNumberValue(rate);
                w.WriteNumberValue((long)(d.Year * 10000 + d.Month * 100 + d.Day));
                w.WriteStringValue("Forecast");
                w.WriteStringValue(currency);
                w.WriteEndArray();
            }
        w.WriteEndArray();
        w.WriteEndObject();
        w.WriteEndObject();
        await JsonOut.Finish(w);
    }

    /// <summary>Each currency's average daily cost over the 7 days before today, rounded to 6 decimals.</summary>
    internal static List<(string Currency, decimal Rate)> DailyRates(EmulatorServices e, UsageScope scope, DateOnly today, bool amortized, Func<UsageRow, bool> filter)
    {
        var sums = new SortedDictionary<string, decimal>(StringComparer.Ordinal);
        foreach (var row in e.Usage.Rows(scope.Subs, today.AddDays(-HistoryDays), today.AddDays(-1), amortized))
            if (filter(row)) sums[row.Currency] = (sums.TryGetValue(row.Currency, out var s) ? s : 0m) + row.Cost;
        return sums.Select(kv => (kv.Key, Math.Round(kv.Value / HistoryDays, 6))).ToList();
    }

    /// <summary>The body's Custom time period, cost type and dataset filter (as Query_Usage reads it); an error text
    /// when it is not a forecast definition.</summary>
    private static ((DateOnly From, DateOnly To)?, bool Amortized, Func<UsageRow, bool> Filter, string?) Parse(string text)
    {
        try
        {
            using var doc = JsonDocument.Parse(text);
            var body = doc.RootElement;
            string? type = Str(body, "type");
            if (type == null || !new[] { "Usage", "ActualCost", "AmortizedCost" }.Contains(type, StringComparer.OrdinalIgnoreCase))
                return (null, false, All, "Invalid forecast definition: 'type' must be Usage, ActualCost or AmortizedCost.");
            if (!string.Equals(Str(body, "timeframe"), "Custom", StringComparison.OrdinalIgnoreCase)
                || !body.TryGetProperty("timePeriod", out var tp)
                || !DateTime.TryParse(Str(tp, "from"), CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out var f)
                || !DateTime.TryParse(Str(tp, "to"), CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out var t))
                return (null, false, All, "Invalid forecast definition: timeframe Custom with timePeriod 'from' and 'to' is required.");
            if (!body.TryGetProperty("dataset", out var ds) || ds.ValueKind != JsonValueKind.Object)
                return (null, false, All, "Invalid forecast definition: 'dataset' is required.");
            var (from, to) = (DateOnly.FromDateTime(f), DateOnly.FromDateTime(t));
            if (to < from) return (null, false, All, "Invalid forecast definition: timePeriod 'to' must be on or after 'from'.");
            Func<UsageRow, bool> filter = All;
            if (ds.TryGetProperty("filter", out var fl) && fl.ValueKind == JsonValueKind.Object)
            {
                var (built, fe) = QueryEndpoints.BuildFilter(fl);
                if (built is null) return (null, false, All, fe!.Replace("query definition", "forecast definition"));
                filter = built;
            }
            return ((from, to), type.Equals("AmortizedCost", StringComparison.OrdinalIgnoreCase), filter, null);
        }
        catch (JsonException) { return (null, false, All, "Invalid forecast definition: the request body is not valid JSON."); }
    }

    private static bool All(UsageRow _) => true;

    private static string? Str(JsonElement el, string name) =>
        el.ValueKind == JsonValueKind.Object && el.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;
}
