using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.IO.Compression;
using System.Linq;
using System.Net.Http;
using System.Text;
using System.Text.Json;
using System.Threading.Tasks;
using Azure.Storage.Blobs;
using BillingPowerShell.Emulator.Exports;

namespace BillingPowerShell.Emulator.Tests;

/// <summary>Requests, scopes and storage reads the export tests share (docs/contracts/azure-api/EXPORTS.md).</summary>
internal sealed class ExportTestKit
{
    public const string Api = "?api-version=2025-03-01";
    private readonly EmulatorFixture _f;
    public ExportTestKit(EmulatorFixture f) => _f = f;

    public string StorageId => _f.World.GetProperty("storageAccount").GetProperty("id").GetString()!;
    private string First(string prop) => _f.World.GetProperty(prop)[0].GetProperty("id").GetString()!;

    /// <summary>A scope of each kind the contract names ("`{scope}` values"), from the world.</summary>
    public string Scope(string kind)
    {
        string eaSub = _f.Sub("EnterpriseAgreement");
        var mca = _f.Account("MicrosoftCustomerAgreement");
        string profile = $"/providers/Microsoft.Billing/billingAccounts/{_f.Mca}/billingProfiles/{_f.McaProfile}";
        return kind switch
        {
            "subscription" => "/subscriptions/" + eaSub,
            "resourceGroup" => $"/subscriptions/{eaSub}/resourceGroups/rg-web",
            "billingAccount" => "/providers/Microsoft.Billing/billingAccounts/" + _f.Ea,
            "billingProfile" => profile,
            "invoiceSection" => profile + "/invoiceSections/" + mca.GetProperty("billingProfiles")[0].GetProperty("invoiceSections")[0].GetProperty("name").GetString(),
            "department" => First("departments"),
            "enrollmentAccount" => First("enrollmentAccounts"),
            "managementGroup" => First("managementGroups"),
            "mcaSubscription" => "/subscriptions/" + _f.Sub("MicrosoftCustomerAgreement"),
            _ => throw new ArgumentException(kind),
        };
    }

    public static string Url(string scope, string name, string suffix = "") => $"{scope}/providers/Microsoft.CostManagement/exports/{name}{suffix}{Api}";

    /// <summary>An export body; <paramref name="timePeriod"/> only with timeframe Custom.</summary>
    public Dictionary<string, object?> Body(string type = "ActualCost", string timeframe = "MonthToDate", string format = "Csv", string compression = "none",
        string overwrite = "CreateNewReport", string? root = "ad-hoc", object? timePeriod = null, string container = "exports")
    {
        var definition = new Dictionary<string, object?> { ["type"] = type, ["timeframe"] = timeframe, ["dataSet"] = new { granularity = "Daily", configuration = new { dataVersion = "2023-05-01" } } };
        if (timePeriod != null) definition["timePeriod"] = timePeriod;
        var destination = new Dictionary<string, object?> { ["type"] = "AzureBlob", ["resourceId"] = StorageId, ["container"] = container };
        if (root != null) destination["rootFolderPath"] = root;
        return new Dictionary<string, object?>
        {
            ["identity"] = new { type = "SystemAssigned" },
            ["location"] = "centralus",
            ["properties"] = new Dictionary<string, object?>
            {
                ["schedule"] = new { status = "Inactive" },
                ["format"] = format, ["compressionMode"] = compression, ["partitionData"] = true, ["dataOverwriteBehavior"] = overwrite,
                ["deliveryInfo"] = new { destination },
                ["definition"] = definition,
            },
        };
    }

    public async Task<JsonElement> Create(string scope, string name, object body, int expected = 201)
    {
        var (status, json, _) = await _f.Send(HttpMethod.Put, Url(scope, name), body: body);
        Assert.True(status == expected, $"PUT {name} at {scope}: {status} {json}");
        return json;
    }

    /// <summary>POST …/run, then waits for that run to reach a terminal status; returns the run.</summary>
    public async Task<JsonElement> RunAndWait(string scope, string name, object? body = null)
    {
        int before = (await History(scope, name)).Count;
        var (status, json, _) = await _f.Send(HttpMethod.Post, Url(scope, name, "/run"), body: body);
        Assert.True(status == 200, $"run: {status} {json}");
        return await WaitForRun(scope, name, before, terminal: true);
    }

    public async Task<List<JsonElement>> History(string scope, string name)
    {
        var (status, json, _) = await _f.Send(HttpMethod.Get, Url(scope, name, "/runHistory"));
        Assert.Equal(200, status);
        return json.GetProperty("value").EnumerateArray().ToList();
    }

    /// <summary>The run at position <paramref name="index"/> once it is terminal (or at once when not waiting for that).</summary>
    public async Task<JsonElement> WaitForRun(string scope, string name, int index, bool terminal)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (true)
        {
            var runs = await History(scope, name);
            if (runs.Count > index)
            {
                string s = runs[index].GetProperty("properties").GetProperty("status").GetString()!;
                if (!terminal || s is not ("Queued" or "InProgress")) return runs[index];
            }
            Assert.True(DateTime.UtcNow < deadline, $"run {index} of {name} did not finish");
            await Task.Delay(50);
        }
    }

    public BlobContainerClient Container(string name)
    {
        Assert.True(_f.Azurite != null, _f.AzuriteError);
        return StorageConnection.Create(_f.Azurite!.BlobUrl, null, _f.Host.Certificate).Service.GetBlobContainerClient(name);
    }

    public static async Task<byte[]> Download(BlobContainerClient c, string blob)
    {
        var result = await c.GetBlobClient(blob).DownloadContentAsync();
        return result.Value.Content.ToArray();
    }

    /// <summary>The CSV's data rows (header and BOM off) as fields; gzip undone when the name ends .gz.</summary>
    public static (string[] Header, List<string[]> Rows) ReadCsv(string blobName, byte[] bytes)
    {
        if (blobName.EndsWith(".gz", StringComparison.Ordinal))
        {
            using var gz = new GZipStream(new MemoryStream(bytes), CompressionMode.Decompress);
            using var ms = new MemoryStream();
            gz.CopyTo(ms);
            bytes = ms.ToArray();
        }
        Assert.True(bytes.Length >= 3 && bytes[0] == 0xEF && bytes[1] == 0xBB && bytes[2] == 0xBF, "expected a UTF-8 BOM");
        var lines = Encoding.UTF8.GetString(bytes, 3, bytes.Length - 3).Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
        return (Split(lines[0]), lines.Skip(1).Select(Split).ToList());
    }

    /// <summary>RFC 4180 fields of one line (quoted fields may hold commas and doubled quotes).</summary>
    private static string[] Split(string line)
    {
        var fields = new List<string>();
        var sb = new StringBuilder();
        bool quoted = false;
        for (int i = 0; i < line.Length; i++)
        {
            char c = line[i];
            if (quoted)
            {
                if (c == '"' && i + 1 < line.Length && line[i + 1] == '"') { sb.Append('"'); i++; }
                else if (c == '"') quoted = false;
                else sb.Append(c);
            }
            else if (c == '"') quoted = true;
            else if (c == ',') { fields.Add(sb.ToString()); sb.Clear(); }
            else sb.Append(c);
        }
        fields.Add(sb.ToString());
        return fields.ToArray();
    }

    /// <summary>usageFacts of a scope and month ("yyyy-MM") from /_emulator/world.</summary>
    public JsonElement Facts(string scope, DateOnly month) =>
        _f.World.GetProperty("usageFacts").EnumerateArray().First(x => x.GetProperty("scope").GetString()!.Equals(scope, StringComparison.OrdinalIgnoreCase)
            && x.GetProperty("month").GetString() == month.ToString("yyyy-MM", CultureInfo.InvariantCulture));
}
