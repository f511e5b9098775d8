using System;
using System.IO;
using System.Linq;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using System.Threading.Tasks;
using BillingPowerShell.Emulator.Blob;
using BillingPowerShell.Emulator.Data;
using BillingPowerShell.Emulator.Infrastructure;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace BillingPowerShell.Emulator;

/// <summary>Starts the two HTTPS listeners (ARM on 127.0.0.1, blob host on localhost) in this process.</summary>
internal sealed class EmulatorHost : IAsyncDisposable
{
    private WebApplication? _app;
    public EmulatorServices Services { get; private set; } = null!;
    public string ArmUrl { get; private set; } = "";
    public string BlobUrl { get; private set; } = "";
    public string CertPath { get; private set; } = "";
    public X509Certificate2 Certificate { get; private set; } = null!;

    public static async Task<EmulatorHost> StartAsync(EmulatorOptions options, DateOnly? today = null)
    {
        var host = new EmulatorHost();
        var world = new World(options.Seed, options.Size, today ?? DateOnly.FromDateTime(DateTime.UtcNow), options.UsageRowsPerDay, options.HostileDocumentNames);
        var services = new EmulatorServices(options, world);
        host.Services = services;
        host.Certificate = CertificateFactory.CreateAndWrite(options.CertDir, out var pem);
        host.CertPath = pem;
        services.Certificate = host.Certificate;
        if (options.StorageUrl != null) services.Storage = Exports.StorageConnection.Create(options.StorageUrl, options.StorageKey, host.Certificate);
        services.Identity = new Identity.IdentityAuthority(options.Seed, options.CertDir, options.DeviceCodeAutoApprove);

        // The blob host needs its port before Kestrel starts (its URLs are issued with it). A free port picked here
        // can be taken by another process before Kestrel binds it: then pick again.
        WebApplication app;
        int blobPort;
        for (int attempt = 1; ; attempt++)
        {
            blobPort = options.BlobPort != 0 ? options.BlobPort : FreeLoopbackPort();
            services.BlobPort = blobPort;
            app = BuildApp(options, host.Certificate, services, blobPort);
            try
            {
                await app.StartAsync();
                break;
            }
            catch (IOException ex) when (options.BlobPort == 0 && attempt < 5 && ex.InnerException is AddressInUseException)
            {
                await app.DisposeAsync();
            }
        }
        host._app = app;

        var addresses = app.Services.GetRequiredService<Microsoft.AspNetCore.Hosting.Server.IServer>().Features.Get<IServerAddressesFeature>()!.Addresses;
        int armPort = addresses.Select(a => new Uri(a).Port).First(p => p != blobPort);
        host.ArmUrl = $"https://127.0.0.1:{armPort}";
        host.BlobUrl = $"https://localhost:{blobPort}";
        services.BlobBaseUrl = host.BlobUrl;
        services.ExportRunner.StartScheduler();
        services.Identity.BaseUrl = host.ArmUrl;
        return host;
    }

    private static WebApplication BuildApp(EmulatorOptions options, X509Certificate2 certificate, EmulatorServices services, int blobPort)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k =>
        {
            k.AddServerHeader = false;
            k.Limits.MaxConcurrentConnections = null;
            k.Listen(IPAddress.Loopback, options.Port, l => { l.UseHttps(certificate); l.Protocols = HttpProtocols.Http1AndHttp2; });
            k.Listen(IPAddress.Loopback, blobPort, l => { l.UseHttps(certificate); l.Protocols = HttpProtocols.Http1AndHttp2; });
            // "localhost" may resolve to ::1 first; listen there too when the machine has IPv6.
            if (Socket.OSSupportsIPv6 && CanBind(IPAddress.IPv6Loopback, blobPort))
                k.Listen(IPAddress.IPv6Loopback, blobPort, l => { l.UseHttps(certificate); l.Protocols = HttpProtocols.Http1AndHttp2; });
        });
        var app = builder.Build();
        var arm = new ArmPipeline(services);
        app.Run(async ctx =>
        {
            try
            {
                if (ctx.Connection.LocalPort == blobPort) await BlobHost.HandleAsync(ctx, services);
                else await arm.HandleAsync(ctx);
            }
            catch (Exception ex) when (!ctx.RequestAborted.IsCancellationRequested)
            {
                // A bug in the emulator must be visible: log it and answer like ARM would.
                Console.Error.WriteLine($"emulator error on {ctx.Request.Method} {ctx.Request.Path}: {ex}");
                services.Stats.Fault("emulator-exception");
                if (!ctx.Response.HasStarted)
                    await ArmErrors.Write(ctx, 500, "InternalServerError", "The emulator failed: " + ex.GetType().Name + ": " + ex.Message);
                else ctx.Abort();
            }
        });
        return app;
    }

    public string ReadyJson()
    {
        var id = Services.Identity;
        // What a client needs to sign in (README.md, "Try it against the emulator yourself"): Entra ID at authorityHost,
        // the managed identity endpoint, the service principal's secret and certificates (this run's test credentials).
        return JsonSerializer.Serialize(new
        {
            armUrl = ArmUrl, blobUrl = BlobUrl, certPath = CertPath, pid = Environment.ProcessId,
            authorityHost = ArmUrl + "/", tenantId = id.TenantId, clientId = id.ClientId, clientSecret = id.ClientSecret,
            clientCertificatePath = id.ClientCertificatePath, expiredClientCertificatePath = id.ExpiredClientCertificatePath,
            identityEndpoint = ArmUrl + "/msi/token", identityHeader = id.IdentityHeader,
            managedIdentityClientId = id.UserAssigned.ClientId, imdsEndpoint = ArmUrl,
        });
    }

    private static int FreeLoopbackPort()
    {
        for (int attempt = 0; attempt < 20; attempt++)
        {
            var l = new TcpListener(IPAddress.Loopback, 0);
            l.Start();
            int port = ((IPEndPoint)l.LocalEndpoint).Port;
            l.Stop();
            if (!Socket.OSSupportsIPv6 || CanBind(IPAddress.IPv6Loopback, port)) return port;
        }
        throw new InvalidOperationException("No free loopback port for the blob host.");
    }

    private static bool CanBind(IPAddress address, int port)
    {
        try
        {
            var l = new TcpListener(address, port);
            l.Start();
            l.Stop();
            return true;
        }
        catch (SocketException) { return false; }
    }

    public async Task StopAsync()
    {
        Services?.ExportRunner.StopScheduler();
        if (_app != null) { await _app.StopAsync(); await _app.DisposeAsync(); _app = null; }
    }

    public async ValueTask DisposeAsync() => await StopAsync();
}
