using System;
using System.Diagnostics;
using System.IO;
using System.Text.Json;
using System.Text.RegularExpressions;
using System.Threading.Tasks;

namespace BillingPowerShell.Emulator.Tests;

/// <summary>Skipped (reported as skipped, not passed) on Windows, which has no SIGTERM or kill(1).</summary>
public sealed class UnixFactAttribute : FactAttribute
{
    public UnixFactAttribute()
    {
        if (OperatingSystem.IsWindows()) Skip = "needs SIGTERM and kill(1): not on Windows";
    }
}

/// <summary>The emulator as build.ps1, Pester and benchmarks run it: a process with the DEVELOPING.md command line.</summary>
public sealed class ProcessTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "bps-emu-proc-" + Guid.NewGuid().ToString("N"));
    private static string Dll => Path.Combine(AppContext.BaseDirectory, "BillingPowerShell.Emulator.dll");

    private (Process Process, JsonElement Ready) Start()
    {
        Directory.CreateDirectory(_dir);
        var psi = new ProcessStartInfo("dotnet")
        {
            RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
        };
        foreach (var a in new[] { Dll, "--port", "0", "--blob-port", "0", "--seed", "42", "--size", "small", "--token", "proc-token",
                     "--time-scale", "0.01", "--cert-dir", _dir, "--ready-file", Path.Combine(_dir, "ready.json") })
            psi.ArgumentList.Add(a);
        var p = Process.Start(psi)!;
        // Both pipes are drained for the process's whole life: a full pipe would block the emulator, not fail it.
        var stderr = new System.Text.StringBuilder();
        p.ErrorDataReceived += (_, e) => { if (e.Data != null) lock (stderr) stderr.AppendLine(e.Data); };
        p.BeginErrorReadLine();
        var readyLine = new TaskCompletionSource<string?>(TaskCreationOptions.RunContinuationsAsynchronously);
        _ = Task.Run(() =>
        {
            string? line;
            while ((line = p.StandardOutput.ReadLine()) != null)
                if (line.StartsWith("EMULATOR READY ", StringComparison.Ordinal)) readyLine.TrySetResult(line);
            readyLine.TrySetResult(null);
        });
        var readTask = readyLine.Task;
        if (!readTask.Wait(TimeSpan.FromSeconds(120)))
        {
            p.Kill(true);
            lock (stderr) Assert.Fail("no EMULATOR READY line within 120 s: " + stderr);
        }
        Assert.NotNull(readTask.Result);
        var ready = JsonDocument.Parse(readTask.Result!.Substring("EMULATOR READY ".Length)).RootElement.Clone();
        return (p, ready);
    }

    private static (int Exit, string Out) Run(string file, string[] args, string? sslCertFile = null)
    {
        var psi = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in args) psi.ArgumentList.Add(a);
        if (sslCertFile != null) psi.Environment["SSL_CERT_FILE"] = sslCertFile;
        else psi.Environment.Remove("SSL_CERT_FILE");
        using var p = Process.Start(psi)!;
        string output = p.StandardOutput.ReadToEnd() + p.StandardError.ReadToEnd();
        Assert.True(p.WaitForExit(30_000));
        return (p.ExitCode, output);
    }

    [Fact]
    public void Process_prints_ready_json_is_trusted_by_curl_and_dotnet_via_the_pem_and_stops_on_stdin_close()
    {
        var (p, ready) = Start();
        try
        {
            string arm = ready.GetProperty("armUrl").GetString()!, blob = ready.GetProperty("blobUrl").GetString()!, pem = ready.GetProperty("certPath").GetString()!;
            Assert.Matches(@"^https://127\.0\.0\.1:\d+$", arm);
            Assert.Matches(@"^https://localhost:\d+$", blob);
            Assert.NotEqual(new Uri(arm).Port, new Uri(blob).Port);
            Assert.Equal(p.Id, ready.GetProperty("pid").GetInt32());
            Assert.Equal(Path.Combine(_dir, "emulator.pem"), pem);
            Assert.StartsWith("-----BEGIN CERTIFICATE-----", File.ReadAllText(pem));
            Assert.Equal(ready.GetRawText(), JsonDocument.Parse(File.ReadAllText(Path.Combine(_dir, "ready.json"))).RootElement.GetRawText());

            // curl with --cacert (no -k): the certificate validates for 127.0.0.1 and for localhost.
            var (c1, o1) = Run("curl", new[] { "-sS", "--cacert", pem, "-o", "/dev/null", "-w", "%{http_code}", "-H", "Authorization: Bearer proc-token", arm + "/providers/Microsoft.Billing/billingAccounts?api-version=2024-04-01" });
            Assert.True(c1 == 0, o1);
            Assert.Equal("200", o1.Trim());
            var (c2, o2) = Run("curl", new[] { "-sS", "--cacert", pem, "-o", "/dev/null", "-w", "%{http_code}", blob + "/invoices/x.pdf" });
            Assert.True(c2 == 0, o2);
            Assert.Equal("403", o2.Trim()); // TLS fine; no SAS → storage-style 403

            // A plain .NET HttpClient in a process with SSL_CERT_FILE trusts it; without it, validation fails.
            var (e1, probe1) = Run("dotnet", new[] { Dll, "--probe", arm + "/providers/Microsoft.Billing/billingAccounts?api-version=2024-04-01" }, pem);
            Assert.True(e1 == 0, probe1);
            Assert.Contains("PROBE 401", probe1);
            var (e2, probe2) = Run("dotnet", new[] { Dll, "--probe", arm + "/" });
            Assert.Equal(1, e2);
            Assert.Contains("PROBE FAILED", probe2);

            p.StandardInput.Close(); // the parent going away stops the emulator
            Assert.True(p.WaitForExit(120_000), "did not stop within 120 s after stdin closed");
            Assert.Equal(0, p.ExitCode);
        }
        finally { if (!p.HasExited) p.Kill(true); p.Dispose(); }
    }

    [UnixFact]
    public void Process_stops_cleanly_on_sigterm()
    {
        var (p, _) = Start();
        try
        {
            var (code, output) = Run("kill", new[] { "-TERM", p.Id.ToString() });
            Assert.True(code == 0, output);
            // The event is the exit; the bound only ends a hung run (a loaded 2-core machine can be slow to schedule it).
            Assert.True(p.WaitForExit(120_000), "did not stop on SIGTERM within 120 s");
            Assert.Equal(0, p.ExitCode);
        }
        finally { if (!p.HasExited) p.Kill(true); p.Dispose(); }
    }

    [Fact]
    public void Bad_arguments_exit_with_2()
    {
        var (code, output) = Run("dotnet", new[] { Dll, "--size", "gigantic" });
        Assert.Equal(2, code);
        Assert.Contains("--size", output);
        (code, output) = Run("dotnet", new[] { Dll, "--fault-429-header", "x-unknown" });
        Assert.Equal(2, code);
    }

    public void Dispose()
    {
        try { Directory.Delete(_dir, true); } catch (IOException) { }
    }
}
