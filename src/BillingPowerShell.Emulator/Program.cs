using System;
using System.IO;
using System.Runtime.InteropServices;
using System.Threading;
using System.Threading.Tasks;
using BillingPowerShell.Emulator;
using BillingPowerShell.Emulator.Infrastructure;

// Entry point: parse the DEVELOPING.md command line, start, print EMULATOR READY, wait for SIGTERM/Ctrl+C/stdin close.
if (args.Length == 2 && args[0] == "--probe")
{
    // Diagnostic: GET a URL with a default HttpClient (full certificate validation, OS trust store / SSL_CERT_FILE)
    // and print the status. Used by the tests to prove a plain .NET client trusts the emulator's PEM.
    try
    {
        using var http = new System.Net.Http.HttpClient();
        using var res = await http.GetAsync(args[1]);
        Console.Out.WriteLine("PROBE " + (int)res.StatusCode);
        return 0;
    }
    catch (Exception ex)
    {
        Console.Out.WriteLine("PROBE FAILED " + ex.GetType().Name + ": " + (ex.InnerException?.Message ?? ex.Message));
        return 1;
    }
}

EmulatorOptions options;
try { options = EmulatorOptions.Parse(args); }
catch (Exception ex) when (ex is ArgumentException or FormatException)
{
    Console.Error.WriteLine("error: " + ex.Message);
    return 2;
}

EmulatorHost host;
try { host = await EmulatorHost.StartAsync(options); }
catch (Exception ex) when (ex is IOException or ArgumentException or UnauthorizedAccessException or System.Net.Sockets.SocketException)
{
    // A busy --port, an unwritable --cert-dir, ...: one clear line instead of a stack trace.
    Console.Error.WriteLine("error: the emulator could not start: " + ex.Message);
    return 1;
}
await using var hostLifetime = host;
// The stop signals are taken before READY is printed: a parent may send SIGTERM the moment it reads that line.
var stop = new TaskCompletionSource();
using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, c => { c.Cancel = true; stop.TrySetResult(); });
using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, c => { c.Cancel = true; stop.TrySetResult(); });
string ready = host.ReadyJson();
if (options.ReadyFile != null)
{
    // Write then rename, so a watcher never reads half a file.
    string tmp = options.ReadyFile + ".tmp";
    var readyDir = Path.GetDirectoryName(Path.GetFullPath(options.ReadyFile));
    if (readyDir != null) Directory.CreateDirectory(readyDir);
    await File.WriteAllTextAsync(tmp, ready);
    File.Move(tmp, options.ReadyFile, overwrite: true);
}
Console.Out.WriteLine("EMULATOR READY " + ready);
Console.Out.Flush();

if (options.WatchStdin && StdinIsPipe())
{
    // The parent holds our stdin; when it goes away (EOF), we stop. /dev/null or a terminal is not watched.
    var t = new Thread(() => { try { while (Console.In.ReadLine() != null) { } } catch { } stop.TrySetResult(); }) { IsBackground = true };
    t.Start();
}
await stop.Task;
Console.Out.WriteLine("EMULATOR STOPPING");
await host.StopAsync();
return 0;

static bool StdinIsPipe()
{
    if (!Console.IsInputRedirected) return false;
    try
    {
        if (OperatingSystem.IsWindows()) return true;
        var target = new FileInfo("/proc/self/fd/0").LinkTarget;
        return target != null && (target.StartsWith("pipe:", StringComparison.Ordinal) || target.StartsWith("socket:", StringComparison.Ordinal));
    }
    catch { return false; }
}
