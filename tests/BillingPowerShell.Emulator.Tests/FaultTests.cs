using System;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Net.Http;
using System.Text.Json;
using System.Threading.Tasks;

namespace BillingPowerShell.Emulator.Tests;

/// <summary>Injected faults: each retry-after header kind, 5xx, resets, quota, revoked token, latency; counted in stats.</summary>
[Collection("emulator")]
public sealed class FaultTests
{
    private readonly EmulatorFixture _f;
    public FaultTests(EmulatorFixture f) => _f = f;
    private string Accounts => "/providers/Microsoft.Billing/billingAccounts?api-version=2024-04-01";

    [Theory]
    [InlineData("Retry-After", "Retry-After")]
    [InlineData("Retry-After-Date", "Retry-After")]
    [InlineData("retry-after-ms", "retry-after-ms")]
    [InlineData("x-ms-retry-after-ms", "x-ms-retry-after-ms")]
    [InlineData("x-ms-ratelimit-microsoft.consumption-retry-after", "x-ms-ratelimit-microsoft.consumption-retry-after")]
    [InlineData("x-ms-ratelimit-microsoft.costmanagement-qpu-retry-after", "x-ms-ratelimit-microsoft.costmanagement-qpu-retry-after")]
    [InlineData("x-ms-ratelimit-microsoft.costmanagement-entity-retry-after", "x-ms-ratelimit-microsoft.costmanagement-entity-retry-after")]
    [InlineData("x-ms-ratelimit-microsoft.costmanagement-tenant-retry-after", "x-ms-ratelimit-microsoft.costmanagement-tenant-retry-after")]
    [InlineData("x-ms-ratelimit-microsoft.costmanagement-clienttype-retry-after", "x-ms-ratelimit-microsoft.costmanagement-clienttype-retry-after")]
    public async Task Injected_429_carries_exactly_the_chosen_retry_header(string kind, string header)
    {
        await _f.ResetFaults();
        try
        {
            await _f.SetFaults(new { fault429Rate = 1.0, fault429Header = kind, retryAfterSeconds = 200 });
            var (status, body, res) = await _f.Send(HttpMethod.Get, Accounts);
            Assert.Equal(429, status);
            Assert.Equal("429", body.GetProperty("error").GetProperty("code").GetString());
            Assert.Equal("Too many requests. Please retry.", body.GetProperty("error").GetProperty("message").GetString());
            var retryHeaders = res.Headers.Where(h => h.Key.Contains("retry-after", StringComparison.OrdinalIgnoreCase)).ToList();
            Assert.Single(retryHeaders);
            Assert.Equal(header, retryHeaders[0].Key, ignoreCase: true);
            string v = retryHeaders[0].Value.Single();
            // 200 s × 0.01 = 2 s: seconds headers say 2, ms headers 2000, the date form is an HTTP date.
            if (kind == "Retry-After-Date") Assert.True(DateTime.TryParse(v, out _));
            else if (header.EndsWith("-ms", StringComparison.Ordinal)) Assert.Equal("2000", v);
            else Assert.Equal("2", v);
            var stats = await _f.GetAdmin("/_emulator/stats");
            Assert.Equal(1, stats.GetProperty("faults").GetProperty("429:" + kind).GetInt64());
            // Admin endpoints are never faulted.
            Assert.Equal(200, (int)(await _f.Client.SendAsync(new HttpRequestMessage(HttpMethod.Get, _f.Arm + "/_emulator/world") { Headers = { { "x-emulator-admin", "true" } } })).StatusCode);
        }
        finally { await _f.ResetFaults(); }
    }

    [Fact]
    public async Task Injected_5xx_are_500_or_503_with_retry_after_and_deterministic()
    {
        await _f.ResetFaults();
        try
        {
            await _f.SetFaults(new { fault5xxRate = 1.0, retryAfterSeconds = 50 });
            int n500 = 0, n503 = 0;
            for (int i = 0; i < 12; i++)
            {
                var (status, body, res) = await _f.Send(HttpMethod.Get, Accounts);
                Assert.Contains(status, new[] { 500, 503 });
                Assert.True(body.TryGetProperty("error", out _));
                if (status == 503) { n503++; Assert.Equal("0", res.Headers.GetValues("Retry-After").Single()); Assert.Equal("500", res.Headers.GetValues("retry-after-ms").Single()); }
                else n500++;
            }
            Assert.True(n500 > 0 && n503 > 0);
            // Rate 0.5 with the seed: the same request sequence gives the same fault pattern after a reset.
            async Task<string> Pattern()
            {
                await _f.ResetFaults();
                await _f.SetFaults(new { fault5xxRate = 0.5 });
                var s = "";
                for (int i = 0; i < 16; i++) s += (await _f.Send(HttpMethod.Get, Accounts)).Status == 200 ? "." : "x";
                return s;
            }
            string a = await Pattern(), b = await Pattern();
            Assert.Equal(a, b);
            Assert.Contains('x', a);
            Assert.Contains('.', a);
            var stats = await _f.GetAdmin("/_emulator/stats");
            Assert.True(stats.GetProperty("totalFaults").GetInt64() > 0);
        }
        finally { await _f.ResetFaults(); }
    }

    [Fact]
    public async Task Reset_mid_json_body_aborts_the_connection()
    {
        await _f.ResetFaults();
        try
        {
            await _f.SetFaults(new { faultResetRate = 1.0, resetTargets = new[] { "json" } });
            await Assert.ThrowsAnyAsync<Exception>(async () =>
            {
                using var req = _f.Request(HttpMethod.Get, $"/providers/Microsoft.Billing/billingAccounts/{_f.Mca}/invoices?api-version=2024-04-01");
                using var res = await _f.Client.SendAsync(req);
                string s = await res.Content.ReadAsStringAsync();
                JsonDocument.Parse(s); // a truncated body must not parse either
            });
            await _f.SetFaults(new { faultTruncateRate = 1.0, resetTargets = new[] { "json" } });
            await Assert.ThrowsAnyAsync<Exception>(async () =>
            {
                using var req = _f.Request(HttpMethod.Get, $"/providers/Microsoft.Billing/billingAccounts/{_f.Mca}/invoices?api-version=2024-04-01");
                using var res = await _f.Client.SendAsync(req);
                JsonDocument.Parse(await res.Content.ReadAsStringAsync());
            });
            var stats = await _f.GetAdmin("/_emulator/stats");
            Assert.True(stats.GetProperty("faults").GetProperty("reset-json").GetInt64() >= 1);
            Assert.True(stats.GetProperty("faults").GetProperty("truncate-json").GetInt64() >= 1);
        }
        finally { await _f.ResetFaults(); }
    }

    [Fact]
    public async Task Quota_throttles_cost_management_with_real_remaining_window()
    {
        await _f.ResetFaults();
        try
        {
            await _f.SetFaults(new { quota = "3/300s" }); // 300 s × 0.01 = 3 s fixed windows: a burst spans at most two
            string url = $"/subscriptions/{_f.Sub("EnterpriseAgreement")}/providers/Microsoft.CostManagement/query?api-version=2025-03-01";
            var body = new { type = "ActualCost", timeframe = "MonthToDate", dataset = new { granularity = "None" } };
            // At most 3 pass per window: a burst meets a 429 within 10 requests unless it spans four windows (9 s).
            int sent = 0;
            HttpResponseMessage? throttled = null;
            while (throttled == null && sent < 10)
            {
                var (status, b, res) = await _f.Send(HttpMethod.Post, url, body: body);
                sent++;
                if (status == 429) { throttled = res; Assert.Equal("429", b.GetProperty("error").GetProperty("code").GetString()); }
                else Assert.Equal(200, status);
            }
            Assert.NotNull(throttled);
            int waitMs = int.Parse(throttled!.Headers.GetValues("retry-after-ms").Single());
            Assert.InRange(waitMs, 1, 3000); // the real time left in the scaled window
            // Whole seconds, rounded up; "0" below one second.
            string expectedSeconds = waitMs < 1000 ? "0" : ((int)Math.Ceiling(waitMs / 1000.0)).ToString(System.Globalization.CultureInfo.InvariantCulture);
            Assert.Equal(expectedSeconds, throttled.Headers.GetValues("x-ms-ratelimit-microsoft.costmanagement-qpu-retry-after").Single());
            Assert.Contains(":0", throttled.Headers.GetValues("x-ms-ratelimit-microsoft.costmanagement-qpu-remaining").Single());
            // Billing paths are not governed by the quota; admin calls never are.
            for (int i = 0; i < 5; i++) Assert.Equal(200, (await _f.Send(HttpMethod.Get, Accounts)).Status);
            // Waiting what the header said is enough.
            await Task.Delay(waitMs + 30);
            Assert.Equal(200, (await _f.Send(HttpMethod.Post, url, body: body)).Status);
            // Consumption paths share the quota and answer with their own header.
            HttpResponseMessage? c429 = null;
            for (int i = 0; i < 10 && c429 == null; i++)
            {
                var (s2, _, r2) = await _f.Send(HttpMethod.Get, $"/subscriptions/{_f.Sub("EnterpriseAgreement")}/providers/Microsoft.Consumption/usageDetails?api-version=2024-08-01&$top=1");
                if (s2 == 429) c429 = r2;
            }
            Assert.NotNull(c429);
            Assert.True(c429!.Headers.Contains("x-ms-ratelimit-microsoft.consumption-retry-after"));
        }
        finally { await _f.ResetFaults(); }
    }

    [Fact]
    public async Task Token_revoked_after_n_calls_gives_401()
    {
        await _f.ResetFaults();
        try
        {
            await _f.SetFaults(new { revokeTokenAfter = 2 });
            Assert.Equal(200, (await _f.Send(HttpMethod.Get, Accounts)).Status);
            Assert.Equal(200, (await _f.Send(HttpMethod.Get, Accounts)).Status);
            var (status, body, _) = await _f.Send(HttpMethod.Get, Accounts);
            Assert.Equal(401, status);
            Assert.Equal("AuthenticationFailed", body.GetProperty("error").GetProperty("code").GetString());
        }
        finally { await _f.ResetFaults(); }
    }

    [Fact]
    public async Task Latency_is_applied_per_request()
    {
        await _f.ResetFaults();
        try
        {
            await _f.SetFaults(new { latencyMs = 150 });
            var sw = Stopwatch.StartNew();
            Assert.Equal(200, (await _f.Send(HttpMethod.Get, Accounts)).Status);
            Assert.True(sw.ElapsedMilliseconds >= 140, $"took {sw.ElapsedMilliseconds} ms");
        }
        finally { await _f.ResetFaults(); }
    }

    [Fact]
    public async Task Bad_fault_settings_are_rejected()
    {
        using var req = new HttpRequestMessage(HttpMethod.Post, _f.Arm + "/_emulator/faults") { Content = new StringContent("{\"fault429Header\":\"nope\"}") };
        req.Headers.Add("x-emulator-admin", "true");
        using var res = await _f.Client.SendAsync(req);
        Assert.Equal(400, (int)res.StatusCode);
        using var noHeader = await _f.Client.GetAsync(_f.Arm + "/_emulator/stats");
        Assert.Equal(400, (int)noHeader.StatusCode);
    }
}
