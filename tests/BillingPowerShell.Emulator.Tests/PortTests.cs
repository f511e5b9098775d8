using System;
using System.IO;
using System.Net;
using System.Net.Sockets;
using System.Threading.Tasks;
using BillingPowerShell.Emulator.Infrastructure;
using Microsoft.AspNetCore.Connections;

namespace BillingPowerShell.Emulator.Tests;

/// <summary>
/// A blob port in use: given explicitly, the start fails with Kestrel's AddressInUseException, the exception the host
/// picks a new port on when it chose the port itself (a free port can be taken before Kestrel binds it).
/// </summary>
public sealed class PortTests
{
    [Fact]
    public async Task A_blob_port_in_use_fails_the_start_with_AddressInUseException()
    {
        var taken = new TcpListener(IPAddress.Loopback, 0);
        taken.Start();
        try
        {
            int port = ((IPEndPoint)taken.LocalEndpoint).Port;
            string dir = Path.Combine(Path.GetTempPath(), "bps-emu-port-" + Guid.NewGuid().ToString("N"));
            var ex = await Assert.ThrowsAsync<IOException>(() =>
                EmulatorHost.StartAsync(new EmulatorOptions { Token = "t", BlobPort = port, CertDir = dir, WatchStdin = false }, EmulatorFixture.FixedToday));
            Assert.IsType<AddressInUseException>(ex.InnerException);
        }
        finally { taken.Stop(); }
    }
}
