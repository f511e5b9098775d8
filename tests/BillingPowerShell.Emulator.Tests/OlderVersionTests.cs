using System;
using System.Linq;
using System.Net.Http;
using System.Security.Cryptography;
using System.Text.Json;
using System.Threading.Tasks;

namespace BillingPowerShell.Emulator.Tests;

/// <summary>
/// The older api-versions the official JS SDKs call, served side by side with the newest (docs/contracts/):
/// Microsoft.Billing 2020-05-01, Microsoft.Consumption 2021-10-01, Microsoft.CostManagement 2022-10-01.
/// </summary>
[Collection("emulator")]
public sealed class OlderVersionTests
{
    private readonly EmulatorFixture _f;
    public OlderVersionTests(EmulatorFixture f) => _f = f;
    private const string Ba = "/providers/Microsoft.Billing/billingAccounts/";

    [Fact]
    public async Task Billing_2020_invoice_lists_require_both_period_dates_and_2024_does_not()
    {
        foreach (var q in new[] { "", "&periodStartDate=2026-01-01", "&periodEndDate=2026-06-30" })
        {
            var (s, b, _) = await _f.Send(HttpMethod.Get, $"{Ba}{_f.Mca}/invoices?api-version=2020-05-01{q}");
            Assert.Equal(400, s);
            Assert.Equal("InvalidInput", b.GetProperty("error").GetProperty("code").GetString());
            Assert.StartsWith("period", b.GetProperty("error").GetProperty("target").GetString());
        }
        Assert.Equal(200, (await _f.Send(HttpMethod.Get, $"{Ba}{_f.Mca}/invoices?api-version=2024-04-01")).Status);
        // MM-dd-yyyy (the SDK's doc text) is accepted too.
        Assert.Equal(200, (await _f.Send(HttpMethod.Get, $"{Ba}{_f.Mca}/invoices?api-version=2020-05-01&periodStartDate=01-01-2025&periodEndDate=12-31-2026")).Status);
    }

    [Fact]
    public async Task Billing_2020_documents_carry_a_download_url_with_token_and_download_needs_it()
    {
        string sub = _f.Sub("MicrosoftOnlineServicesProgram");
        var today = EmulatorFixture.FixedToday;
        var (s, b, _) = await _f.Send(HttpMethod.Get, $"{Ba}default/billingSubscriptions/{sub}/invoices?api-version=2020-05-01&periodStartDate={today.AddMonths(-3):yyyy-MM-dd}&periodEndDate={today:yyyy-MM-dd}");
        Assert.Equal(200, s);
        var inv = b.GetProperty("value")[0];
        Assert.Equal("AzureService", inv.GetProperty("properties").GetProperty("invoiceType").GetString());
        var doc = inv.GetProperty("properties").GetProperty("documents")[0];
        Assert.False(doc.TryGetProperty("name", out _));
        string url = doc.GetProperty("url").GetString()!;
        Assert.StartsWith($"{_f.Arm}{Ba}default/billingSubscriptions/{sub}/invoices/{inv.GetProperty("name").GetString()}/download?downloadToken=", url);
        Assert.Contains("api-version=2020-05-01", url);

        string post = url.Substring(0, url.IndexOf('?'));
        var (s400, e400, _) = await _f.Send(HttpMethod.Post, post + "?api-version=2020-05-01");
        Assert.Equal(400, s400);
        Assert.Equal("downloadToken", e400.GetProperty("error").GetProperty("target").GetString());

        var (s202, _, res) = await _f.Send(HttpMethod.Post, url);
        Assert.Equal(202, s202);
        Assert.Equal("1", res.Headers.GetValues("Retry-After").Single()); // 100 ms scaled: at least "1" for this SDK generation
        Assert.False(res.Headers.Contains("Azure-AsyncOperation"));
        // The SDK's poll appends the POST's query (downloadToken) to the Location.
        string location = res.Headers.Location + "&downloadToken=x";
        int st = 202; JsonElement body = default;
        for (int i = 0; i < 400 && st == 202; i++) { await Task.Delay(50); (st, body, _) = await _f.Send(HttpMethod.Get, location); }
        Assert.Equal(200, st);
        var pdf = await _f.Client.GetByteArrayAsync(body.GetProperty("url").GetString());
        string name = inv.GetProperty("name").GetString()!;
        var world = _f.Account("MicrosoftOnlineServicesProgram").GetProperty("invoices").EnumerateArray().First(i => i.GetProperty("name").GetString() == name);
        var wdoc = world.GetProperty("documents").EnumerateArray().First(d => url.Contains("_" + d.GetProperty("name").GetString() + "&"));
        Assert.Equal(wdoc.GetProperty("sha256").GetString(), Convert.ToHexString(SHA256.HashData(pdf)).ToLowerInvariant());
    }

    [Fact]
    public async Task Billing_2020_subscriptions_use_subscriptionBillingStatus()
    {
        var (s, b, _) = await _f.Send(HttpMethod.Get, $"{Ba}{_f.Ea}/billingSubscriptions?api-version=2020-05-01");
        Assert.Equal(200, s);
        var p = b.GetProperty("value")[0].GetProperty("properties");
        Assert.Equal("Active", p.GetProperty("subscriptionBillingStatus").GetString());
        Assert.False(p.TryGetProperty("status", out _));
        var (_, b24, _) = await _f.Send(HttpMethod.Get, $"{Ba}{_f.Ea}/billingSubscriptions?api-version=2024-04-01");
        Assert.Equal("Active", b24.GetProperty("value")[0].GetProperty("properties").GetProperty("status").GetString());
    }

    [Fact]
    public async Task Consumption_2021_answers_an_empty_result_with_200_and_2024_with_204()
    {
        string sub = _f.Sub("MicrosoftOnlineServicesProgram");
        string filter = Uri.EscapeDataString("properties/usageStart ge '2020-10-01' and properties/usageEnd le '2020-10-31'");
        var (s21, b21, _) = await _f.Send(HttpMethod.Get, $"/subscriptions/{sub}/providers/Microsoft.Consumption/usageDetails?$filter={filter}&api-version=2021-10-01");
        Assert.Equal(200, s21);
        Assert.Equal(0, b21.GetProperty("value").GetArrayLength());
        var (s24, _, _) = await _f.Send(HttpMethod.Get, $"/subscriptions/{sub}/providers/Microsoft.Consumption/usageDetails?$filter={filter}&api-version=2024-08-01");
        Assert.Equal(204, s24);
        // nextLink keeps the request's version.
        var (_, page, _) = await _f.Send(HttpMethod.Get, $"/subscriptions/{sub}/providers/Microsoft.Consumption/usageDetails?$top=5&api-version=2021-10-01");
        Assert.Contains("api-version=2021-10-01", page.GetProperty("nextLink").GetString());
        Assert.Equal("legacy", page.GetProperty("value")[0].GetProperty("kind").GetString());
    }

    [Fact]
    public async Task CostManagement_2022_report_has_its_manifest_version_and_whole_second_retry_after()
    {
        var today = EmulatorFixture.FixedToday;
        var last = new DateOnly(today.Year, today.Month, 1).AddMonths(-1);
        var (s, _, res) = await _f.Send(HttpMethod.Post, $"{Ba}{_f.Ea}/providers/Microsoft.CostManagement/generateCostDetailsReport?api-version=2022-10-01",
            body: new { metric = "ActualCost", timePeriod = new { start = $"{last:yyyy-MM-dd}", end = $"{last.AddDays(2):yyyy-MM-dd}" } });
        Assert.Equal(202, s);
        Assert.Equal("1", res.Headers.GetValues("Retry-After").Single()); // 600 ms scaled → "1", never "0"
        string location = res.Headers.Location!.ToString();
        Assert.Contains("api-version=2022-10-01", location);
        int st = 202; JsonElement body = default;
        for (int i = 0; i < 400 && st == 202; i++) { await Task.Delay(50); (st, body, _) = await _f.Send(HttpMethod.Get, location); }
        Assert.Equal(200, st);
        Assert.Equal("2022-10-01", body.GetProperty("manifest").GetProperty("manifestVersion").GetString());
    }
}
