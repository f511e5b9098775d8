using System;
using Azure.Storage.Blobs.Models;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Net.Http;
using System.Text.Json;
using System.Threading.Tasks;

namespace BillingPowerShell.Emulator.Tests;

/// <summary>Export runs: run history, and the files each run writes into Azurite with a manifest that matches them
/// (docs/contracts/azure-api/EXPORTS.md, "Run (Execute) and run history", "What lands in storage").</summary>
[Collection("emulator")]
public sealed class ExportRunTests
{
    private readonly EmulatorFixture _f;
    private readonly ExportTestKit _k;
    public ExportRunTests(EmulatorFixture f) { _f = f; _k = new ExportTestKit(f); }

    private static DateOnly MonthStart => new(EmulatorFixture.FixedToday.Year, EmulatorFixture.FixedToday.Month, 1);

    /// <summary>Reads the run's manifest and files; checks the layout and that the manifest's counts are the files'.
    /// Returns the manifest, the header and all data rows.</summary>
    private async Task<(JsonElement Manifest, string[] Header, List<string[]> Rows)> ReadRun(JsonElement run, string container, string root, string exportName, bool gzip, bool parquet = false)
    {
        var p = run.GetProperty("properties");
        Assert.Equal("Completed", p.GetProperty("status").GetString());
        string runId = run.GetProperty("id").GetString()!.Split('/')[^1];
        var start = DateOnly.FromDateTime(DateTime.Parse(p.GetProperty("startDate").GetString()!, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal));
        var month = new DateOnly(start.Year, start.Month, 1);
        string folder = $"{root}/{exportName}/{month:yyyyMMdd}-{month.AddMonths(1).AddDays(-1):yyyyMMdd}/{runId}";
        Assert.Equal(folder + "/manifest.json", p.GetProperty("manifestFile").GetString());
        var c = _k.Container(container);
        var manifest = JsonDocument.Parse(await ExportTestKit.Download(c, folder + "/manifest.json")).RootElement.Clone();
        Assert.Equal("2024-04-01", manifest.GetProperty("manifestVersion").GetString());
        Assert.Equal(runId, manifest.GetProperty("runInfo").GetProperty("runId").GetString());
        var blobs = manifest.GetProperty("blobs").EnumerateArray().ToList();
        Assert.Equal(blobs.Count, manifest.GetProperty("blobCount").GetInt32());
        Assert.Equal(p.GetProperty("fileName").GetString(), blobs[0].GetProperty("blobName").GetString());
        // Every blob of the run folder is listed (and nothing else is there).
        var listed = new List<string>();
        await foreach (var item in c.GetBlobsAsync(BlobTraits.None, BlobStates.None, folder + "/", default)) listed.Add(item.Name);
        Assert.Equal(blobs.Select(b => b.GetProperty("blobName").GetString()).Append(folder + "/manifest.json").OrderBy(x => x, StringComparer.Ordinal), listed.OrderBy(x => x, StringComparer.Ordinal));
        string[] header = Array.Empty<string>();
        var rows = new List<string[]>();
        long bytes = 0;
        for (int i = 0; i < blobs.Count; i++)
        {
            string name = blobs[i].GetProperty("blobName").GetString()!;
            Assert.Equal($"{folder}/part_0_{i + 1:D4}{(parquet ? ".snappy.parquet" : gzip ? ".csv.gz" : ".csv")}", name);
            var content = await ExportTestKit.Download(c, name);
            Assert.Equal(blobs[i].GetProperty("byteCount").GetInt64(), content.Length);
            var (h, r) = parquet ? await ReadParquet(content) : ExportTestKit.ReadCsv(name, content);
            Assert.Equal(blobs[i].GetProperty("dataRowCount").GetInt64(), r.Count);
            header = h;
            rows.AddRange(r);
            bytes += content.Length;
        }
        Assert.Equal(bytes, manifest.GetProperty("byteCount").GetInt64());
        Assert.Equal(rows.Count, manifest.GetProperty("dataRowCount").GetInt64());
        return (manifest, header, rows);
    }

    /// <summary>A Parquet partition as header and text rows (decimals in invariant form), read with Parquet.Net.</summary>
    private static async Task<(string[] Header, List<string[]> Rows)> ReadParquet(byte[] bytes)
    {
        Assert.Equal("PAR1", System.Text.Encoding.ASCII.GetString(bytes, 0, 4));
        using var ms = new System.IO.MemoryStream(bytes);
        await using var reader = await Parquet.ParquetReader.CreateAsync(ms, null, false, default);
        var fields = reader.Schema.GetDataFields();
        var rows = new List<string[]>();
        for (int g = 0; g < reader.RowGroupCount; g++)
        {
            using var group = reader.OpenRowGroupReader(g);
            int n = (int)group.RowCount;
            Assert.Equal("SNAPPY", group.GetMetadata(fields[0])?.MetaData?.Codec.ToString().ToUpperInvariant());
            var columns = new string?[fields.Length][];
            for (int i = 0; i < fields.Length; i++)
            {
                columns[i] = new string?[n];
                if (fields[i].ClrType == typeof(decimal))
                {
                    var d = new decimal?[n];
                    await group.ReadAsync<decimal>(fields[i], d.AsMemory(), null, default);
                    for (int j = 0; j < n; j++) columns[i][j] = d[j]?.ToString(CultureInfo.InvariantCulture);
                }
                else await group.ReadAsync(fields[i], columns[i].AsMemory(), null, default);
            }
            for (int j = 0; j < n; j++) rows.Add(columns.Select(col => col[j] ?? "").ToArray());
        }
        return (fields.Select(f => f.Name).ToArray(), rows);
    }

    private static decimal Sum(string[] header, List<string[]> rows, string column)
    {
        int i = Array.FindIndex(header, h => h.Equals(column, StringComparison.OrdinalIgnoreCase));
        Assert.True(i >= 0, column + " not in the header");
        return rows.Sum(r => decimal.Parse(r[i], CultureInfo.InvariantCulture));
    }

    [AzuriteFact]
    public async Task A_month_to_date_run_goes_Queued_InProgress_Completed_and_its_files_match_the_manifest_and_the_world()
    {
        string scope = _k.Scope("subscription");
        await _k.Create(scope, "mtd-plain", _k.Body(root: "daily"));
        var (status, _, _) = await _f.Send(HttpMethod.Post, ExportTestKit.Url(scope, "mtd-plain", "/run"));
        Assert.Equal(200, status);
        var queued = await _k.WaitForRun(scope, "mtd-plain", 0, terminal: false);
        Assert.Contains(queued.GetProperty("properties").GetProperty("status").GetString(), new[] { "Queued", "InProgress" });
        Assert.Equal("OnDemand", queued.GetProperty("properties").GetProperty("executionType").GetString());
        var run = await _k.WaitForRun(scope, "mtd-plain", 0, terminal: true);
        var p = run.GetProperty("properties");
        Assert.True(p.GetProperty("submittedTime").GetDateTime() <= p.GetProperty("processingStartTime").GetDateTime());
        Assert.True(p.GetProperty("processingStartTime").GetDateTime() <= p.GetProperty("processingEndTime").GetDateTime());
        Assert.Equal($"{MonthStart:yyyy-MM-dd}T00:00:00Z", p.GetProperty("startDate").GetString());
        Assert.Equal($"{EmulatorFixture.FixedToday:yyyy-MM-dd}T00:00:00Z", p.GetProperty("endDate").GetString());
        Assert.Equal("ActualCost", p.GetProperty("runSettings").GetProperty("definition").GetProperty("type").GetString());

        var (manifest, header, rows) = await ReadRun(run, "exports", "daily", "mtd-plain", gzip: false);
        var facts = _k.Facts(scope, MonthStart);
        Assert.Equal(facts.GetProperty("rowCount").GetInt64(), rows.Count);
        Assert.Equal(facts.GetProperty("actualCost").GetProperty("EUR").GetDecimal(), Sum(header, rows, "CostInBillingCurrency"));
        var cfg = manifest.GetProperty("exportConfig");
        Assert.Equal("mtd-plain", cfg.GetProperty("exportName").GetString());
        Assert.Equal(scope + "/providers/Microsoft.CostManagement/exports/mtd-plain", cfg.GetProperty("resourceId").GetString(), ignoreCase: true);
        Assert.Equal("MonthToDate", cfg.GetProperty("timeFrame").GetString());
        Assert.Equal(_k.StorageId, manifest.GetProperty("deliveryConfig").GetProperty("containerUri").GetString());
        Assert.Equal("None", manifest.GetProperty("deliveryConfig").GetProperty("compressionMode").GetString());
        Assert.Equal($"{MonthStart:yyyy-MM-dd}T00:00:00", manifest.GetProperty("runInfo").GetProperty("startDate").GetString());

        // $expand=runHistory: the run is in the export's properties.
        var (_, got, _) = await _f.Send(HttpMethod.Get, ExportTestKit.Url(scope, "mtd-plain") + "&$expand=runHistory");
        Assert.Equal(1, got.GetProperty("properties").GetProperty("runHistory").GetProperty("value").GetArrayLength());
    }

    [AzuriteFact]
    public async Task A_gzip_amortized_run_at_an_MCA_billing_account_for_last_month_is_partitioned_and_matches_the_world()
    {
        string scope = "/providers/Microsoft.Billing/billingAccounts/" + _f.Mca;
        await _k.Create(scope, "lastmonth-gz", _k.Body(type: "AmortizedCost", timeframe: "TheLastMonth", compression: "gzip", root: "monthly"));
        var run = await _k.RunAndWait(scope, "lastmonth-gz");
        var (manifest, header, rows) = await ReadRun(run, "exports", "monthly", "lastmonth-gz", gzip: true);
        var lastMonth = MonthStart.AddMonths(-1);
        var facts = _k.Facts(scope, lastMonth);
        Assert.Equal(facts.GetProperty("rowCount").GetInt64(), rows.Count);
        Assert.True(manifest.GetProperty("blobCount").GetInt32() > 1, "at 250 rows per file a month of the MCA account is several partitions");
        int currencyColumn = Array.IndexOf(header, "billingCurrency");
        foreach (var currency in facts.GetProperty("amortizedCost").EnumerateObject())
            Assert.Equal(currency.Value.GetDecimal(), Sum(header, rows.Where(r => r[currencyColumn] == currency.Name).ToList(), "costInBillingCurrency"));
        Assert.Equal("Gzip", manifest.GetProperty("deliveryConfig").GetProperty("compressionMode").GetString());
        Assert.Equal($"{lastMonth.AddMonths(1).AddDays(-1):yyyy-MM-dd}T00:00:00Z", manifest.GetProperty("runInfo").GetProperty("endDate").GetString());
    }

    [AzuriteFact]
    public async Task A_run_with_its_own_time_period_at_a_resource_group_has_that_group_s_rows_only()
    {
        string scope = _k.Scope("resourceGroup");
        await _k.Create(scope, "rg-custom", _k.Body(root: "rg"));
        var from = MonthStart.AddMonths(-2);
        var run = await _k.RunAndWait(scope, "rg-custom", new { timePeriod = new { from = $"{from:yyyy-MM-dd}T00:00:00Z", to = $"{from.AddDays(9):yyyy-MM-dd}T00:00:00Z" } });
        Assert.Equal($"{from.AddDays(9):yyyy-MM-dd}T00:00:00Z", run.GetProperty("properties").GetProperty("endDate").GetString());
        var (manifest, header, rows) = await ReadRun(run, "exports", "rg", "rg-custom", gzip: false);
        Assert.Equal("OneTime", manifest.GetProperty("exportConfig").GetProperty("timeFrame").GetString());
        Assert.NotEmpty(rows);
        int rg = Array.IndexOf(header, "ResourceGroup");
        Assert.All(rows, r => Assert.Equal("rg-web", r[rg]));
        int date = Array.IndexOf(header, "Date");
        Assert.All(rows, r => Assert.InRange(DateOnly.ParseExact(r[date], "MM/dd/yyyy", CultureInfo.InvariantCulture), from, from.AddDays(9)));
    }

    [AzuriteFact]
    public async Task OverwritePreviousReport_keeps_only_the_latest_run_folder_CreateNewReport_keeps_all()
    {
        string scope = _k.Scope("department");
        await _k.Create(scope, "overwrite", _k.Body(overwrite: "OverwritePreviousReport", root: "ow"));
        await _k.Create(scope, "keep", _k.Body(overwrite: "CreateNewReport", root: "ow"));
        foreach (var name in new[] { "overwrite", "keep" }) { await _k.RunAndWait(scope, name); await _k.RunAndWait(scope, name); }
        var c = _k.Container("exports");
        async Task<int> RunFolders(string name)
        {
            var folders = new HashSet<string>();
            await foreach (var b in c.GetBlobsAsync(BlobTraits.None, BlobStates.None, $"ow/{name}/", default)) folders.Add(b.Name.Split('/')[3]);
            return folders.Count;
        }
        Assert.Equal(1, await RunFolders("overwrite"));
        Assert.Equal(2, await RunFolders("keep"));
        var latest = (await _k.History(scope, "overwrite"))[^1];
        await ReadRun(latest, "exports", "ow", "overwrite", gzip: false);
    }

    [AzuriteFact]
    public async Task A_FocusCost_run_at_an_enrollment_account_bills_the_actual_cost_and_amortizes_the_amortized_cost()
    {
        string scope = _k.Scope("enrollmentAccount");
        await _k.Create(scope, "focus", _k.Body(type: "FocusCost", timeframe: "TheLastMonth", root: "focus"));
        var run = await _k.RunAndWait(scope, "focus");
        var (manifest, header, rows) = await ReadRun(run, "exports", "focus", "focus", gzip: false);
        Assert.Equal("FocusCost", manifest.GetProperty("exportConfig").GetProperty("type").GetString());
        Assert.Equal("BilledCost", header[1]);
        var subs = _f.World.GetProperty("enrollmentAccounts")[0].GetProperty("subscriptionIds").EnumerateArray().Select(x => "/subscriptions/" + x.GetString()).ToList();
        var lastMonth = MonthStart.AddMonths(-1);
        Assert.Equal(subs.Sum(s => _k.Facts(s, lastMonth).GetProperty("rowCount").GetInt64()), rows.Count);
        Assert.Equal(subs.Sum(s => _k.Facts(s, lastMonth).GetProperty("actualCost").GetProperty("EUR").GetDecimal()), Sum(header, rows, "BilledCost"));
        Assert.Equal(subs.Sum(s => _k.Facts(s, lastMonth).GetProperty("amortizedCost").GetProperty("EUR").GetDecimal()), Sum(header, rows, "EffectiveCost"));
        int start = Array.IndexOf(header, "ChargePeriodStart");
        Assert.All(rows, r => Assert.Matches(@"^\d{4}-\d{2}-\d{2}T00:00:00Z$", r[start]));
    }

    [Fact]
    public async Task An_active_schedule_runs_at_its_start_as_a_Scheduled_run_submitted_by_System()
    {
        string scope = _k.Scope("invoiceSection");
        var body = _k.Body(root: "scheduled");
        var start = DateTime.UtcNow.AddSeconds(1);
        var props = (Dictionary<string, object?>)body["properties"]!;
        props["schedule"] = new { status = "Active", recurrence = "Daily", recurrencePeriod = new { from = start.ToString("o"), to = start.AddDays(30).ToString("o") } };
        var created = await _k.Create(scope, "scheduled", body);
        var estimate = created.GetProperty("properties").GetProperty("nextRunTimeEstimate").GetDateTime().ToUniversalTime();
        Assert.InRange(estimate, start.AddMilliseconds(-1), start.AddMilliseconds(1));
        var run = await _k.WaitForRun(scope, "scheduled", 0, terminal: false);
        var p = run.GetProperty("properties");
        Assert.Equal("Scheduled", p.GetProperty("executionType").GetString());
        Assert.Equal("System", p.GetProperty("submittedBy").GetString());
        Assert.True(p.GetProperty("submittedTime").GetDateTime().ToUniversalTime() >= start.AddMilliseconds(-1));
        // The next occurrence is a day × time scale (864 s) later: no second run now.
        await Task.Delay(600);
        Assert.Single(await _k.History(scope, "scheduled"));
        var (_, got, _) = await _f.Send(HttpMethod.Get, ExportTestKit.Url(scope, "scheduled"));
        Assert.InRange(got.GetProperty("properties").GetProperty("nextRunTimeEstimate").GetDateTime().ToUniversalTime(), start.AddSeconds(863), start.AddSeconds(865));
    }

    [AzuriteFact]
    public async Task Configured_columns_are_the_only_columns_written_in_the_dataset_s_order()
    {
        string scope = _k.Scope("subscription");
        var body = _k.Body(timeframe: "TheLastMonth", root: "columns");
        var def = (Dictionary<string, object?>)((Dictionary<string, object?>)body["properties"]!)["definition"]!;
        def["dataSet"] = new { granularity = "Daily", configuration = new { columns = new[] { "Quantity", "date", "MeterId", "CostInBillingCurrency", "NoSuchColumn" } } };
        await _k.Create(scope, "columns", body);
        var run = await _k.RunAndWait(scope, "columns");
        var (_, header, rows) = await ReadRun(run, "exports", "columns", "columns", gzip: false);
        Assert.Equal(new[] { "Date", "MeterId", "Quantity", "CostInBillingCurrency" }, header);
        Assert.All(rows, r => Assert.Equal(4, r.Length));
        var facts = _k.Facts(scope, MonthStart.AddMonths(-1));
        Assert.Equal(facts.GetProperty("actualCost").GetProperty("EUR").GetDecimal(), Sum(header, rows, "CostInBillingCurrency"));
    }

    [AzuriteFact]
    public async Task Parquet_runs_write_snappy_parquet_partitions_with_the_csv_s_rows_and_a_manifest_that_counts_them()
    {
        // ActualCost at a subscription, AmortizedCost at the MCA account (two currencies, several partitions), FocusCost.
        string sub = _k.Scope("subscription");
        await _k.Create(sub, "pq-actual", _k.Body(timeframe: "TheLastMonth", format: "Parquet", compression: "snappy", root: "pq"));
        await _k.Create(sub, "csv-actual", _k.Body(timeframe: "TheLastMonth", root: "pq"));
        var (manifest, header, rows) = await ReadRun(await _k.RunAndWait(sub, "pq-actual"), "exports", "pq", "pq-actual", gzip: false, parquet: true);
        var (_, csvHeader, csvRows) = await ReadRun(await _k.RunAndWait(sub, "csv-actual"), "exports", "pq", "csv-actual", gzip: false);
        Assert.Equal(csvHeader, header);
        Assert.Equal(csvRows.Count, rows.Count);
        int date = Array.IndexOf(header, "Date"), cost = Array.IndexOf(header, "CostInBillingCurrency");
        for (int i = 0; i < rows.Count; i++)
        {
            Assert.Equal(csvRows[i][date], rows[i][date]);
            Assert.Equal(decimal.Parse(csvRows[i][cost], CultureInfo.InvariantCulture), decimal.Parse(rows[i][cost], CultureInfo.InvariantCulture));
        }
        var lastMonth = MonthStart.AddMonths(-1);
        Assert.Equal(_k.Facts(sub, lastMonth).GetProperty("actualCost").GetProperty("EUR").GetDecimal(), Sum(header, rows, "CostInBillingCurrency"));
        Assert.Equal("Parquet", manifest.GetProperty("deliveryConfig").GetProperty("fileFormat").GetString());
        Assert.Equal("Snappy", manifest.GetProperty("deliveryConfig").GetProperty("compressionMode").GetString());

        string mca = "/providers/Microsoft.Billing/billingAccounts/" + _f.Mca;
        await _k.Create(mca, "pq-amortized", _k.Body(type: "AmortizedCost", timeframe: "TheLastMonth", format: "Parquet", compression: "snappy", root: "pq"));
        var (mcaManifest, mcaHeader, mcaRows) = await ReadRun(await _k.RunAndWait(mca, "pq-amortized"), "exports", "pq", "pq-amortized", gzip: false, parquet: true);
        var facts = _k.Facts(mca, lastMonth);
        Assert.Equal(facts.GetProperty("rowCount").GetInt64(), mcaRows.Count);
        Assert.True(mcaManifest.GetProperty("blobCount").GetInt32() > 1, "at 250 rows per file a month of the MCA account is several partitions");
        int currencyColumn = Array.IndexOf(mcaHeader, "billingCurrency");
        foreach (var currency in facts.GetProperty("amortizedCost").EnumerateObject())
            Assert.Equal(currency.Value.GetDecimal(), Sum(mcaHeader, mcaRows.Where(r => r[currencyColumn] == currency.Name).ToList(), "costInBillingCurrency"));

        await _k.Create(sub, "pq-focus", _k.Body(type: "FocusCost", timeframe: "TheLastMonth", format: "Parquet", compression: "snappy", root: "pq"));
        var (_, focusHeader, focusRows) = await ReadRun(await _k.RunAndWait(sub, "pq-focus"), "exports", "pq", "pq-focus", gzip: false, parquet: true);
        Assert.Equal("BilledCost", focusHeader[1]);
        Assert.Equal(_k.Facts(sub, lastMonth).GetProperty("actualCost").GetProperty("EUR").GetDecimal(), Sum(focusHeader, focusRows, "BilledCost"));
        Assert.Equal(_k.Facts(sub, lastMonth).GetProperty("amortizedCost").GetProperty("EUR").GetDecimal(), Sum(focusHeader, focusRows, "EffectiveCost"));
    }

    [AzuriteFact]
    public async Task Runs_of_datasets_the_emulator_does_not_generate_fail_with_an_error()
    {
        string scope = _k.Scope("billingAccount");
        await _k.Create(scope, "pricesheet", _k.Body(type: "PriceSheet", timeframe: "TheCurrentMonth"));
        var run = await _k.RunAndWait(scope, "pricesheet");
        var p = run.GetProperty("properties");
        Assert.Equal("Failed", p.GetProperty("status").GetString());
        Assert.Equal("EmulatorUnsupported", p.GetProperty("error").GetProperty("code").GetString());
    }
}
