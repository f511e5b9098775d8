using System;
using System.IO;
using System.Linq;
using System.Net.Http;
using System.Net.Http.Headers;
using System.Text;
using System.Threading.Tasks;
using BillingPowerShell.Emulator.Infrastructure;

namespace BillingPowerShell.Emulator.Tests;

/// <summary>At time scale 1 the headers are the contract's (10 s, 60 s, no retry-after-ms); at 0.5 they are halved.</summary>
public sealed class TimeScaleTests
{
    [Theory]
    [InlineData(1.0, "10", "60", null, null)]
    [InlineData(0.5, "5", "30", "5000", "30000")]
    public async Task Lro_retry_after_is_contract_value_times_scale(double scale, string download, string report, string? downloadMs, string? reportMs)
    {
        string dir = Path.Combine(Path.GetTempPath(), "bps-emu-scale-" + Guid.NewGuid().ToString("N"));
        await using var host = await EmulatorHost.StartAsync(new EmulatorOptions { Token = "t", TimeScale = scale, CertDir = dir, WatchStdin = false }, EmulatorFixture.FixedToday);
        using var client = EmulatorFixture.CreateClient(host.Certificate);
        var w = host.Services.World;
        var mca = w.Accounts.Single(a => a.IsMca);
        var ea = w.Accounts.Single(a => a.IsEa);

        async Task<HttpResponseMessage> Post(string path, string? body = null)
        {
            var req = new HttpRequestMessage(HttpMethod.Post, host.ArmUrl + path) { Content = new StringContent(body ?? "", Encoding.UTF8, "application/json") };
            req.Headers.Authorization = new AuthenticationHeaderValue("Bearer", "t");
            return await client.SendAsync(req);
        }
        using var d = await Post($"/providers/Microsoft.Billing/billingAccounts/{mca.Name}/invoices/{mca.Invoices[^1].Name}/download?api-version=2024-04-01");
        Assert.Equal(202, (int)d.StatusCode);
        Assert.Equal(download, d.Headers.GetValues("Retry-After").Single());
        Assert.Equal(downloadMs, d.Headers.TryGetValues("retry-after-ms", out var v1) ? v1.Single() : null);

        using var c = await Post($"/providers/Microsoft.Billing/billingAccounts/{ea.Name}/providers/Microsoft.CostManagement/generateCostDetailsReport?api-version=2025-03-01", "{\"metric\":\"ActualCost\"}");
        Assert.Equal(202, (int)c.StatusCode);
        Assert.Equal(report, c.Headers.GetValues("Retry-After").Single());
        Assert.Equal(reportMs, c.Headers.TryGetValues("retry-after-ms", out var v2) ? v2.Single() : null);

        // Polling right away: still running, and the poll says how long is left.
        var poll = new HttpRequestMessage(HttpMethod.Get, d.Headers.Location);
        poll.Headers.Authorization = new AuthenticationHeaderValue("Bearer", "t");
        using var p = await client.SendAsync(poll);
        Assert.Equal(202, (int)p.StatusCode);
        Assert.InRange(int.Parse(p.Headers.GetValues("Retry-After").Single()), 1, int.Parse(download));
        try { Directory.Delete(dir, true); } catch (IOException) { }
    }
}
