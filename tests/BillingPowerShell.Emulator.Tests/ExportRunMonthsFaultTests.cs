using System.Net.Http;
using System.Threading.Tasks;

namespace BillingPowerShell.Emulator.Tests;

/// <summary>exportRunMonths of POST /_emulator/faults: exportRunMode applies to the runs of the months named only
/// (docs/contracts/EXPORTS_EMULATION.md, "Faults"), so one month of a backfill can fail while the others run.</summary>
[Collection("emulator")]
public sealed class ExportRunMonthsFaultTests
{
    private readonly EmulatorFixture _f;
    private readonly ExportTestKit _k;
    public ExportRunMonthsFaultTests(EmulatorFixture f) { _f = f; _k = new ExportTestKit(f); }

    private static object Month(string from, string to) => new { timePeriod = new { from = from + "T00:00:00Z", to = to + "T00:00:00Z" } };

    [Fact]
    public async Task exportRunMonths_limits_the_run_mode_to_the_months_named()
    {
        string scope = _k.Scope("enrollmentAccount");
        await _k.Create(scope, "fault-months", _k.Body(root: "faults"));
        await _f.ResetFaults();
        try
        {
            await _f.SetFaults(new { exportRunMode = "fail", exportRunMonths = new[] { "2020-02" } });
            var named = (await _k.RunAndWait(scope, "fault-months", Month("2020-02-01", "2020-02-29"))).GetProperty("properties");
            Assert.Equal("Failed", named.GetProperty("status").GetString());
            Assert.Equal("ExportRunFailed", named.GetProperty("error").GetProperty("code").GetString());
            var other = (await _k.RunAndWait(scope, "fault-months", Month("2020-03-01", "2020-03-31"))).GetProperty("properties");
            // Runs normally: Completed, or (without Azurite in this fixture) Failed for want of storage, never the fault.
            string? code = other.TryGetProperty("error", out var e) ? e.GetProperty("code").GetString() : null;
            Assert.NotEqual("ExportRunFailed", code);
        }
        finally { await _f.ResetFaults(); }
    }

    [Fact]
    public async Task exportRunMonths_must_name_months()
    {
        using var req = new HttpRequestMessage(HttpMethod.Post, _f.Arm + "/_emulator/faults")
        {
            Content = new StringContent("{\"exportRunMode\":\"fail\",\"exportRunMonths\":[\"2020-13\"]}", System.Text.Encoding.UTF8, "application/json"),
        };
        req.Headers.Add("x-emulator-admin", "true");
        using var res = await _f.Client.SendAsync(req);
        Assert.Equal(400, (int)res.StatusCode);
        await _f.ResetFaults();
    }
}
