using System;
using System.IO;
using System.Net.Http;
using System.Text;
using System.Text.Json;
using System.Threading.Tasks;
using BillingPowerShell.Emulator.Infrastructure;

namespace BillingPowerShell.Emulator.Tests;

/// <summary>Where the world's storage account lives: --storage-url / --storage-key, POST /_emulator/storage, and an
/// emulator that has none (docs/contracts/EXPORTS_EMULATION.md, "Runs").</summary>
public sealed class ExportStorageTests
{
    [Fact]
    public void The_storage_options_are_parsed_and_a_relative_url_is_refused()
    {
        var o = EmulatorOptions.Parse(new[] { "--storage-url", "https://127.0.0.1:10000/devstoreaccount1", "--storage-key", "a2V5" });
        Assert.Equal("https://127.0.0.1:10000/devstoreaccount1", o.StorageUrl);
        Assert.Equal("a2V5", o.StorageKey);
        Assert.Null(EmulatorOptions.Parse(Array.Empty<string>()).StorageUrl);
        Assert.Throws<ArgumentException>(() => EmulatorOptions.Parse(new[] { "--storage-url", "devstoreaccount1" }));
    }

    [Fact]
    public async Task Without_a_storage_endpoint_a_run_fails_StorageAccountNotReachable_and_a_bad_url_is_refused()
    {
        string dir = Path.Combine(Path.GetTempPath(), "bps-emu-nostorage-" + Guid.NewGuid().ToString("N"));
        var options = new EmulatorOptions { Token = EmulatorFixture.Token, TimeScale = 0.01, CertDir = dir, WatchStdin = false };
        await using var host = await EmulatorHost.StartAsync(options, EmulatorFixture.FixedToday);
        using var client = EmulatorFixture.CreateClient(host.Certificate);
        try
        {
            Assert.True(File.Exists(Path.Combine(dir, "emulator-key.pem")), "the key PEM Azurite needs is written beside the certificate");
            var world = await Admin(client, HttpMethod.Get, host.ArmUrl + "/_emulator/world", null);
            Assert.Equal(JsonValueKind.Null, world.Body.GetProperty("storageAccount").GetProperty("blobUrl").ValueKind);
            string sub = world.Body.GetProperty("accounts")[1].GetProperty("subscriptions")[0].GetProperty("subscriptionId").GetString()!;
            string export = $"{host.ArmUrl}/subscriptions/{sub}/providers/Microsoft.CostManagement/exports/nostorage";
            string body = JsonSerializer.Serialize(new
            {
                properties = new
                {
                    definition = new { type = "ActualCost", timeframe = "TheLastMonth" },
                    deliveryInfo = new { destination = new { resourceId = world.Body.GetProperty("storageAccount").GetProperty("id").GetString(), container = "exports" } },
                },
            });
            Assert.Equal(201, (int)(await Send(client, HttpMethod.Put, export + "?api-version=2025-03-01", body)).StatusCode);
            Assert.Equal(200, (int)(await Send(client, HttpMethod.Post, export + "/run?api-version=2025-03-01", null)).StatusCode);
            JsonElement run = default;
            for (int i = 0; i < 600; i++)
            {
                using var res = await Send(client, HttpMethod.Get, export + "/runHistory?api-version=2025-03-01", null);
                run = JsonDocument.Parse(await res.Content.ReadAsStringAsync()).RootElement.GetProperty("value")[0].Clone();
                if (run.GetProperty("properties").GetProperty("status").GetString() is not ("Queued" or "InProgress")) break;
                await Task.Delay(50);
            }
            Assert.Equal("Failed", run.GetProperty("properties").GetProperty("status").GetString());
            Assert.Equal("StorageAccountNotReachable", run.GetProperty("properties").GetProperty("error").GetProperty("code").GetString());

            var bad = await Admin(client, HttpMethod.Post, host.ArmUrl + "/_emulator/storage", "{\"url\":\"not a url\"}");
            Assert.Equal(400, bad.Status);
            Assert.Equal("InvalidStorageSettings", bad.Body.GetProperty("error").GetProperty("code").GetString());
        }
        finally
        {
            await host.StopAsync();
            try { Directory.Delete(dir, true); } catch (IOException) { }
        }
    }

    private static Task<HttpResponseMessage> Send(HttpClient client, HttpMethod method, string url, string? body)
    {
        var req = new HttpRequestMessage(method, url);
        req.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", EmulatorFixture.Token);
        req.Content = new StringContent(body ?? "", Encoding.UTF8, "application/json");
        return client.SendAsync(req);
    }

    private static async Task<(int Status, JsonElement Body)> Admin(HttpClient client, HttpMethod method, string url, string? body)
    {
        using var req = new HttpRequestMessage(method, url);
        req.Headers.Add("x-emulator-admin", "true");
        if (body != null) req.Content = new StringContent(body, Encoding.UTF8, "application/json");
        using var res = await client.SendAsync(req);
        return ((int)res.StatusCode, JsonDocument.Parse(await res.Content.ReadAsStringAsync()).RootElement.Clone());
    }
}
