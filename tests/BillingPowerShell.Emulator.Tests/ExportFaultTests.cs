using System;
using Azure.Storage.Blobs.Models;
using System.Linq;
using System.Net.Http;
using System.Text.Json;
using System.Threading.Tasks;

namespace BillingPowerShell.Emulator.Tests;

/// <summary>Export faults of POST /_emulator/faults: exportRunMode fail | queued | manifestFirst | shortFile, and
/// exportRun429Rate (429 on run submission).</summary>
[Collection("emulator")]
public sealed class ExportFaultTests
{
    private readonly EmulatorFixture _f;
    private readonly ExportTestKit _k;
    public ExportFaultTests(EmulatorFixture f) { _f = f; _k = new ExportTestKit(f); }

    private async Task<string> Prepared(string name)
    {
        string scope = _k.Scope("enrollmentAccount");
        await _k.Create(scope, name, _k.Body(root: "faults"));
        return scope;
    }

    [Fact]
    public async Task exportRunMode_fail_ends_the_run_Failed_with_an_error_and_no_files()
    {
        string scope = await Prepared("fault-fail");
        await _f.ResetFaults();
        try
        {
            await _f.SetFaults(new { exportRunMode = "fail" });
            var p = (await _k.RunAndWait(scope, "fault-fail")).GetProperty("properties");
            Assert.Equal("Failed", p.GetProperty("status").GetString());
            Assert.Equal("ExportRunFailed", p.GetProperty("error").GetProperty("code").GetString());
            Assert.False(p.TryGetProperty("manifestFile", out _));
            Assert.True(p.TryGetProperty("processingEndTime", out _));
        }
        finally { await _f.ResetFaults(); }
    }

    [Fact]
    public async Task exportRunMode_queued_leaves_the_run_Queued()
    {
        string scope = await Prepared("fault-queued");
        await _f.ResetFaults();
        try
        {
            await _f.SetFaults(new { exportRunMode = "queued" });
            Assert.Equal(200, (await _f.Send(HttpMethod.Post, ExportTestKit.Url(scope, "fault-queued", "/run"))).Status);
            await Task.Delay(1000); // 20 times the queue time at time scale 0.01
            var p = (await _k.History(scope, "fault-queued"))[0].GetProperty("properties");
            Assert.Equal("Queued", p.GetProperty("status").GetString());
            Assert.False(p.TryGetProperty("processingStartTime", out _));
        }
        finally { await _f.ResetFaults(); }
    }

    [AzuriteFact]
    public async Task exportRunMode_manifestFirst_writes_the_manifest_before_the_last_file()
    {
        string scope = await Prepared("fault-manifest-first");
        await _f.ResetFaults();
        try
        {
            await _f.SetFaults(new { exportRunMode = "manifestFirst" });
            Assert.Equal(200, (await _f.Send(HttpMethod.Post, ExportTestKit.Url(scope, "fault-manifest-first", "/run"))).Status);
            var c = _k.Container("exports");
            var deadline = DateTime.UtcNow.AddSeconds(30);
            string? manifestName = null;
            while (manifestName == null)
            {
                await foreach (var b in c.GetBlobsAsync(BlobTraits.None, BlobStates.None, "faults/fault-manifest-first/", default))
                    if (b.Name.EndsWith("/manifest.json", StringComparison.Ordinal)) manifestName = b.Name;
                Assert.True(DateTime.UtcNow < deadline, "no manifest.json appeared");
                if (manifestName == null) await Task.Delay(20);
            }
            var manifest = JsonDocument.Parse(await ExportTestKit.Download(c, manifestName)).RootElement;
            string last = manifest.GetProperty("blobs").EnumerateArray().Last().GetProperty("blobName").GetString()!;
            Assert.False((await c.GetBlobClient(last).ExistsAsync()).Value, "the last data file should follow its manifest (3 s at time scale 0.01)");
            await _f.PostAdmin("/_emulator/exports/release");
            var run = await _k.WaitForRun(scope, "fault-manifest-first", 0, terminal: true);
            Assert.Equal("Completed", run.GetProperty("properties").GetProperty("status").GetString());
            Assert.True((await c.GetBlobClient(last).ExistsAsync()).Value);
        }
        finally { await _f.ResetFaults(); }
    }

    [AzuriteFact]
    public async Task exportRunMode_shortFile_writes_a_last_file_shorter_than_its_manifest_says()
    {
        string scope = await Prepared("fault-short");
        await _f.ResetFaults();
        try
        {
            await _f.SetFaults(new { exportRunMode = "shortFile" });
            var run = await _k.RunAndWait(scope, "fault-short");
            var p = run.GetProperty("properties");
            Assert.Equal("Completed", p.GetProperty("status").GetString());
            var c = _k.Container("exports");
            var manifest = JsonDocument.Parse(await ExportTestKit.Download(c, p.GetProperty("manifestFile").GetString()!)).RootElement;
            var last = manifest.GetProperty("blobs").EnumerateArray().Last();
            var props = await c.GetBlobClient(last.GetProperty("blobName").GetString()).GetPropertiesAsync();
            Assert.True(props.Value.ContentLength < last.GetProperty("byteCount").GetInt64());
        }
        finally { await _f.ResetFaults(); }
    }

    [Fact]
    public async Task exportRun429Rate_answers_run_submissions_429_with_Retry_After_and_queues_nothing()
    {
        string scope = await Prepared("fault-429");
        await _f.ResetFaults();
        try
        {
            await _f.SetFaults(new { exportRun429Rate = 1.0, retryAfterSeconds = 100 });
            var (status, body, res) = await _f.Send(HttpMethod.Post, ExportTestKit.Url(scope, "fault-429", "/run"));
            Assert.Equal(429, status);
            Assert.Equal("429", body.GetProperty("error").GetProperty("code").GetString());
            Assert.Equal("1", res.Headers.GetValues("Retry-After").Single()); // 100 s × 0.01
            Assert.Empty(await _k.History(scope, "fault-429"));
            // Other export operations are not affected.
            Assert.Equal(200, (await _f.Send(HttpMethod.Get, ExportTestKit.Url(scope, "fault-429"))).Status);
            var stats = await _f.GetAdmin("/_emulator/stats");
            Assert.Equal(1, stats.GetProperty("faults").GetProperty("export-run-429:Retry-After").GetInt64());
        }
        finally { await _f.ResetFaults(); }
    }
}
