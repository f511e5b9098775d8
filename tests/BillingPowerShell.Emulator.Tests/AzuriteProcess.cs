using System;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Net;
using System.Net.Sockets;
using System.Threading;
using System.Threading.Tasks;

namespace BillingPowerShell.Emulator.Tests;

/// <summary>
/// Azurite's blob service as the customer's storage account, started the way tools/Emulator.psm1 Start-Azurite starts
/// it: tools/azurite (npm ci from its lock file when node_modules is missing), 127.0.0.1 on a free port, HTTPS with
/// the emulator's emulator.pem and emulator-key.pem, `--oauth basic --skipApiVersionCheck --loose --silent`, ready at
/// its "successfully listen…" line. Stopped by its process id.
/// </summary>
internal sealed class AzuriteProcess : IDisposable
{
    private readonly Process _process;
    public string BlobUrl { get; }
    public string Location { get; }

    private AzuriteProcess(Process p, string url, string location) { _process = p; BlobUrl = url; Location = location; }

    /// <summary>Why the Azurite tests cannot run on this machine (node missing), or null.</summary>
    public static string? Unavailable { get; } = Which("node") == null ? "node is not on PATH: Azurite (the storage account of export runs) cannot start" : null;

    public static string? Which(string tool) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator).Where(d => d.Length > 0)
            .Select(d => Path.Combine(d, tool)).FirstOrDefault(File.Exists);

    public static async Task<AzuriteProcess> StartAsync(string certDir, string location)
    {
        string main = Install();
        for (int attempt = 1; ; attempt++)
        {
            int port = FreePort();
            var psi = new ProcessStartInfo(Which("node")!) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            foreach (var a in new[] { main, "--blobHost", "127.0.0.1", "--blobPort", port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--location", location,
                "--cert", Path.Combine(certDir, "emulator.pem"), "--key", Path.Combine(certDir, "emulator-key.pem"), "--oauth", "basic", "--skipApiVersionCheck", "--loose", "--silent" })
                psi.ArgumentList.Add(a);
            var p = Process.Start(psi)!;
            var ready = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
            var log = new System.Text.StringBuilder();
            void OnLine(string? line)
            {
                if (line == null) { ready.TrySetResult(false); return; }
                lock (log) log.AppendLine(line);
                if (line.Contains("successfully listen", StringComparison.OrdinalIgnoreCase)) ready.TrySetResult(true);
            }
            p.OutputDataReceived += (_, e) => OnLine(e.Data);
            p.ErrorDataReceived += (_, e) => { if (e.Data != null) lock (log) log.AppendLine(e.Data); };
            p.BeginOutputReadLine();
            p.BeginErrorReadLine();
            var done = await Task.WhenAny(ready.Task, Task.Delay(TimeSpan.FromSeconds(60)));
            if (done == ready.Task && ready.Task.Result) return new AzuriteProcess(p, $"https://127.0.0.1:{port}/devstoreaccount1", location);
            try { p.Kill(true); } catch (InvalidOperationException) { }
            p.WaitForExit(10_000);
            string text;
            lock (log) text = log.ToString();
            if (attempt < 5 && text.Contains("EADDRINUSE", StringComparison.Ordinal)) continue;
            throw new InvalidOperationException("Azurite did not start: " + text);
        }
    }

    /// <summary>tools/azurite/node_modules (npm ci when missing); the azurite-blob entry script.</summary>
    private static string Install()
    {
        string dir = Path.Combine(EmulatorFixture.RepoRoot(), "tools", "azurite");
        string main = Path.Combine(dir, "node_modules", "azurite", "dist", "src", "blob", "main.js");
        if (File.Exists(main)) return main;
        string npm = Which("npm") ?? throw new InvalidOperationException("Azurite is not installed in tools/azurite and npm is not on PATH.");
        var psi = new ProcessStartInfo(npm) { WorkingDirectory = dir, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in new[] { "ci", "--no-audit", "--no-fund", "--loglevel=error" }) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(300_000)) { p.Kill(true); throw new InvalidOperationException("npm ci in tools/azurite did not finish in 5 minutes."); }
        if (p.ExitCode != 0) throw new InvalidOperationException($"npm ci in tools/azurite failed ({p.ExitCode}): {stdout.Result}{stderr.Result}");
        return File.Exists(main) ? main : throw new InvalidOperationException("npm ci did not install " + main);
    }

    private static int FreePort()
    {
        var l = new TcpListener(IPAddress.Loopback, 0);
        l.Start();
        int port = ((IPEndPoint)l.LocalEndpoint).Port;
        l.Stop();
        return port;
    }

    public void Dispose()
    {
        try { if (!_process.HasExited) { _process.Kill(true); _process.WaitForExit(10_000); } }
        catch (InvalidOperationException) { }
        _process.Dispose();
    }
}

/// <summary>A fact that needs Azurite: skipped, with the reason, where node is not on PATH.</summary>
public sealed class AzuriteFactAttribute : FactAttribute
{
    public AzuriteFactAttribute() { if (AzuriteProcess.Unavailable is string why) Skip = why; }
}
