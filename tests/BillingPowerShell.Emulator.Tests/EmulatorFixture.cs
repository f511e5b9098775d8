using System;
using System.IO;
using System.Linq;
using System.Net.Http;
using System.Net.Http.Headers;
using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json;
using System.Threading.Tasks;
using BillingPowerShell.Emulator;
using BillingPowerShell.Emulator.Infrastructure;

namespace BillingPowerShell.Emulator.Tests;

/// <summary>
/// One in-process emulator (time scale 0.01, fixed "today" mid-month so month-to-date data always exists).
/// Clients trust exactly the emulator's certificate (custom root trust); validation is never switched off.
/// </summary>
public sealed class EmulatorFixture : IAsyncLifetime
{
    public const string Token = "test-token";
    public const string ReaderToken = "reader-token";
    internal EmulatorHost Host { get; private set; } = null!;
    public HttpClient Client { get; private set; } = null!;
    public string Arm => Host.ArmUrl;
    public JsonElement World { get; private set; }
    public string CertDir { get; } = Path.Combine(Path.GetTempPath(), "bps-emu-tests-" + Guid.NewGuid().ToString("N"));

    internal EmulatorOptions Options() => new()
    {
        Port = 0, BlobPort = 0, Seed = 42, Size = "small", Token = Token, ReaderToken = ReaderToken, TimeScale = 0.01,
        CertDir = CertDir, CsvRowsPerBlob = 250, QueryPageSize = 40, WatchStdin = false,
    };

    // Read once: a run that crosses a month end keeps the world its emulators were started with.
    public static readonly DateOnly FixedToday = MidMonth(DateTime.UtcNow);
    private static DateOnly MidMonth(DateTime t) => new(t.Year, t.Month, 15);

    /// <summary>Azurite, the world's storage account that export runs write to (null where it could not start).</summary>
    internal AzuriteProcess? Azurite { get; private set; }
    /// <summary>Why Azurite is not there (node missing, or its start failed), for the tests that need it.</summary>
    public string? AzuriteError { get; private set; }

    public async Task InitializeAsync()
    {
        Host = await EmulatorHost.StartAsync(Options(), FixedToday);
        Client = CreateClient(Host.Certificate);
        await StartAzurite();
        World = await GetAdmin("/_emulator/world");
    }

    /// <summary>Starts Azurite with the emulator's certificate and tells the emulator where it is (POST /_emulator/storage),
    /// as tools/Emulator.psm1 Start-Azurite -Emulator does.</summary>
    private async Task StartAzurite()
    {
        AzuriteError = AzuriteProcess.Unavailable;
        if (AzuriteError != null) return;
        try
        {
            Azurite = await AzuriteProcess.StartAsync(CertDir, Path.Combine(CertDir, "azurite"));
            using var req = new HttpRequestMessage(HttpMethod.Post, Arm + "/_emulator/storage") { Content = new StringContent(JsonSerializer.Serialize(new { url = Azurite.BlobUrl }), Encoding.UTF8, "application/json") };
            req.Headers.Add("x-emulator-admin", "true");
            using var res = await Client.SendAsync(req);
            if (!res.IsSuccessStatusCode) throw new InvalidOperationException("POST /_emulator/storage: " + (int)res.StatusCode + " " + await res.Content.ReadAsStringAsync());
        }
        catch (Exception ex) when (ex is InvalidOperationException or IOException or System.ComponentModel.Win32Exception or HttpRequestException)
        {
            AzuriteError = "Azurite could not start: " + ex.Message;
            Azurite?.Dispose();
            Azurite = null;
        }
    }

    public static HttpClient CreateClient(X509Certificate2 trusted)
    {
        var policy = new X509ChainPolicy { TrustMode = X509ChainTrustMode.CustomRootTrust, RevocationMode = X509RevocationMode.NoCheck };
        policy.CustomTrustStore.Add(trusted);
        var handler = new SocketsHttpHandler
        {
            SslOptions = new SslClientAuthenticationOptions { CertificateChainPolicy = policy },
            PooledConnectionLifetime = TimeSpan.FromMinutes(1),
        };
        return new HttpClient(handler) { Timeout = TimeSpan.FromSeconds(30) };
    }

    public async Task<JsonElement> GetAdmin(string path)
    {
        using var req = new HttpRequestMessage(HttpMethod.Get, Arm + path);
        req.Headers.Add("x-emulator-admin", "true");
        using var res = await Client.SendAsync(req);
        res.EnsureSuccessStatusCode();
        return JsonDocument.Parse(await res.Content.ReadAsStringAsync()).RootElement.Clone();
    }

    public async Task SetFaults(object settings)
    {
        using var req = new HttpRequestMessage(HttpMethod.Post, Arm + "/_emulator/faults") { Content = new StringContent(JsonSerializer.Serialize(settings), Encoding.UTF8, "application/json") };
        req.Headers.Add("x-emulator-admin", "true");
        using var res = await Client.SendAsync(req);
        Assert.Equal(200, (int)res.StatusCode);
    }

    /// <summary>POST to an admin endpoint that answers 204 (reset, exports/release).</summary>
    public async Task PostAdmin(string path)
    {
        using var req = new HttpRequestMessage(HttpMethod.Post, Arm + path);
        req.Headers.Add("x-emulator-admin", "true");
        using var res = await Client.SendAsync(req);
        Assert.Equal(204, (int)res.StatusCode);
    }

    public async Task ResetFaults()
    {
        using var req = new HttpRequestMessage(HttpMethod.Post, Arm + "/_emulator/reset");
        req.Headers.Add("x-emulator-admin", "true");
        using var res = await Client.SendAsync(req);
        Assert.Equal(204, (int)res.StatusCode);
    }

    public HttpRequestMessage Request(HttpMethod method, string pathOrUrl, string? token = Token, object? body = null)
    {
        var req = new HttpRequestMessage(method, pathOrUrl.StartsWith("https://", StringComparison.Ordinal) ? pathOrUrl : Arm + pathOrUrl);
        if (token != null) req.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        if (body != null) req.Content = new StringContent(body is string s ? s : JsonSerializer.Serialize(body), Encoding.UTF8, "application/json");
        else if (method == HttpMethod.Post) req.Content = new ByteArrayContent(Array.Empty<byte>());
        return req;
    }

    public async Task<(int Status, JsonElement Body, HttpResponseMessage Response)> Send(HttpMethod method, string pathOrUrl, string? token = Token, object? body = null)
    {
        using var req = Request(method, pathOrUrl, token, body);
        var res = await Client.SendAsync(req);
        string text = await res.Content.ReadAsStringAsync();
        var json = text.Length > 0 && text.TrimStart().StartsWith('{') ? JsonDocument.Parse(text).RootElement.Clone() : default;
        return ((int)res.StatusCode, json, res);
    }

    /// <summary>
    /// GETs a blob that the fault settings cut off mid-body: the transfer must fail as a dropped connection does (not
    /// with any other error). Returns the bytes that arrived before the drop: none if it came before the headers did.
    /// </summary>
    public async Task<byte[]> GetCutOff(string url)
    {
        using var received = new MemoryStream();
        var ex = await Record.ExceptionAsync(async () =>
        {
            using var res = await Client.GetAsync(url, HttpCompletionOption.ResponseHeadersRead);
            Assert.Equal(200, (int)res.StatusCode);
            using var body = await res.Content.ReadAsStreamAsync();
            await body.CopyToAsync(received);
        });
        Assert.True(ex is IOException or HttpRequestException, "expected the connection to drop, got " + (ex?.ToString() ?? $"the whole body ({received.Length} bytes)"));
        // The emulator sends half the body before the cut: a client must be able to resume from the middle.
        Assert.True(received.Length > 0, "the connection dropped before any of the body arrived: " + ex);
        return received.ToArray();
    }

    /// <summary>GETs the rest of a blob of <paramref name="length"/> bytes with Range: bytes=from- (a resume).</summary>
    public async Task<byte[]> GetFrom(string url, long from, long length)
    {
        using var req = new HttpRequestMessage(HttpMethod.Get, url);
        req.Headers.Range = new RangeHeaderValue(from, null);
        using var res = await Client.SendAsync(req);
        Assert.Equal(206, (int)res.StatusCode);
        Assert.Equal($"bytes {from}-{length - 1}/{length}", res.Content.Headers.ContentRange!.ToString());
        return await res.Content.ReadAsByteArrayAsync();
    }

    // World shortcuts.
    public JsonElement Account(string agreement) => World.GetProperty("accounts").EnumerateArray().First(a => a.GetProperty("agreementType").GetString() == agreement);
    public string Payg => Account("MicrosoftOnlineServicesProgram").GetProperty("name").GetString()!;
    public string Ea => Account("EnterpriseAgreement").GetProperty("name").GetString()!;
    public string Mca => Account("MicrosoftCustomerAgreement").GetProperty("name").GetString()!;
    public string McaProfile => Account("MicrosoftCustomerAgreement").GetProperty("billingProfiles")[0].GetProperty("name").GetString()!;
    public string Sub(string agreement, int i = 0) => Account(agreement).GetProperty("subscriptions")[i].GetProperty("subscriptionId").GetString()!;
    public JsonElement Invoice(string agreement, int i = 0) => Account(agreement).GetProperty("invoices").EnumerateArray().Reverse().ElementAt(i);

    public async Task DisposeAsync()
    {
        Client.Dispose();
        Azurite?.Dispose();
        await Host.DisposeAsync();
        try { Directory.Delete(CertDir, true); } catch (IOException) { }
    }

    public static string RepoRoot()
    {
        var d = new DirectoryInfo(AppContext.BaseDirectory);
        while (d != null && !File.Exists(Path.Combine(d.FullName, "DEVELOPING.md"))) d = d.Parent;
        return d?.FullName ?? throw new InvalidOperationException("Repository root (DEVELOPING.md) not found.");
    }

    /// <summary>The contract the emulator follows, as the repository carries it (docs/contracts/azure-api/README.md).</summary>
    public static string ContractDir() => Path.Combine(RepoRoot(), "docs", "contracts", "azure-api");
}

[CollectionDefinition("emulator")]
public sealed class EmulatorCollection : ICollectionFixture<EmulatorFixture> { }
