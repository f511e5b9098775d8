using System;
using System.IO;
using System.Linq;
using System.Net.Http;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text.Json;
using System.Threading.Tasks;
using BillingPowerShell.Emulator.Infrastructure;

namespace BillingPowerShell.Emulator.Tests;

/// <summary>--hostile-document-names: documents named like paths or devices, for the client's file-naming tests.</summary>
public sealed class HostileNameTests
{
    [Fact]
    public async Task Hostile_document_names_are_listed_downloadable_and_never_become_blob_paths()
    {
        string dir = Path.Combine(Path.GetTempPath(), "bps-emu-hostile-" + Guid.NewGuid().ToString("N"));
        await using var host = await EmulatorHost.StartAsync(new EmulatorOptions
        {
            Token = "t", TimeScale = 0.01, CertDir = dir, WatchStdin = false, HostileDocumentNames = true,
        }, EmulatorFixture.FixedToday);
        using var client = EmulatorFixture.CreateClient(host.Certificate);
        var world = host.Services.World;
        var mca = world.Accounts.Single(a => a.IsMca);
        var inv = mca.Invoices.Last();
        var evil = inv.Documents.Single(d => d.Name == "../../escape2");
        Assert.Contains(inv.Documents, d => d.Name == "COM1" && d.Kind == "Transactions");

        // The invoice lists the names as they are (the client must make them safe).
        using var listReq = new HttpRequestMessage(HttpMethod.Get, $"{host.ArmUrl}/providers/Microsoft.Billing/billingAccounts/{mca.Name}/invoices/{inv.Name}?api-version=2024-04-01");
        listReq.Headers.Authorization = new AuthenticationHeaderValue("Bearer", "t");
        var invJson = JsonDocument.Parse(await (await client.SendAsync(listReq)).Content.ReadAsStringAsync()).RootElement;
        Assert.Contains(invJson.GetProperty("properties").GetProperty("documents").EnumerateArray(), d => d.GetProperty("name").GetString() == "../../escape2");

        using var post = new HttpRequestMessage(HttpMethod.Post, $"{host.ArmUrl}/providers/Microsoft.Billing/billingAccounts/{mca.Name}/invoices/{inv.Name}/download?api-version=2024-04-01&documentName={Uri.EscapeDataString(evil.Name)}")
        { Content = new ByteArrayContent(Array.Empty<byte>()) };
        post.Headers.Authorization = new AuthenticationHeaderValue("Bearer", "t");
        using var accepted = await client.SendAsync(post);
        Assert.Equal(202, (int)accepted.StatusCode);
        await Task.Delay(150);
        using var poll = new HttpRequestMessage(HttpMethod.Get, accepted.Headers.Location);
        poll.Headers.Authorization = new AuthenticationHeaderValue("Bearer", "t");
        var result = JsonDocument.Parse(await (await client.SendAsync(poll)).Content.ReadAsStringAsync()).RootElement;
        var url = new Uri(result.GetProperty("url").GetString()!);
        Assert.DoesNotContain("..", url.AbsolutePath);
        Assert.Matches("^/invoices/d[0-9a-f]{20}\\.pdf$", url.AbsolutePath);
        var bytes = await client.GetByteArrayAsync(url);
        Assert.Equal(BillingPowerShell.Emulator.Data.DocumentFactory.Sha256(BillingPowerShell.Emulator.Data.DocumentFactory.Pdf(inv, evil)), Convert.ToHexString(SHA256.HashData(bytes)).ToLowerInvariant());
        try { Directory.Delete(dir, true); } catch (IOException) { }
    }
}
