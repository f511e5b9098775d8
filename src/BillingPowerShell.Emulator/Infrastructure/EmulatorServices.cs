using System;
using System.Collections.Concurrent;
using System.Threading;
using BillingPowerShell.Emulator.Blob;
using BillingPowerShell.Emulator.Data;
using BillingPowerShell.Emulator.Exports;
using BillingPowerShell.Emulator.Usage;

namespace BillingPowerShell.Emulator.Infrastructure;

/// <summary>Everything a handler needs; one instance per emulator.</summary>
internal sealed class EmulatorServices
{
    public EmulatorServices(EmulatorOptions options, World world)
    {
        Options = options;
        World = world;
        Stats = new Stats();
        Faults = new FaultInjector(options);
        Usage = new UsageGenerator(world);
        Sas = new SasSigner();
        Operations = new OperationStore();
        Exports = new ExportStore();
        ExportRunner = new ExportRunner(this);
    }

    public EmulatorOptions Options { get; }
    public World World { get; }
    public Stats Stats { get; }
    public FaultInjector Faults { get; }
    public UsageGenerator Usage { get; }
    public SasSigner Sas { get; }
    public OperationStore Operations { get; }
    /// <summary>Cost Management exports and their runs (Exports/).</summary>
    public ExportStore Exports { get; }
    public ExportRunner ExportRunner { get; }
    /// <summary>The emulator's own certificate (storage that presents it is trusted).</summary>
    public System.Security.Cryptography.X509Certificates.X509Certificate2 Certificate { get; set; } = null!;
    private StorageConnection? _storage;
    /// <summary>Where the world's storage account lives (--storage-url or POST /_emulator/storage); null = nowhere yet.</summary>
    public StorageConnection? Storage { get => Volatile.Read(ref _storage); set => Volatile.Write(ref _storage, value); }
    /// <summary>Entra ID and the managed identity endpoints (Identity/), set at start-up.</summary>
    public Identity.IdentityAuthority Identity { get; set; } = null!;
    public string BlobBaseUrl { get; set; } = "";
    public int BlobPort { get; set; }
    public ConcurrentDictionary<string, (string InvoiceName, string DocumentName)[]> ZipBatches { get; } = new();
    public ConcurrentDictionary<string, CostReport> CostReports { get; } = new(StringComparer.OrdinalIgnoreCase);
    /// <summary>Query API results by scope and body hash (QueryEndpoints), this emulator's world only.</summary>
    public ConcurrentDictionary<string, QueryResult> QueryResults { get; } = new();

    private static DateTime TruncateToSeconds(DateTime d) => new(d.Ticks - d.Ticks % TimeSpan.TicksPerSecond, DateTimeKind.Utc);

    /// <summary>A SAS URL on the blob host, honouring the SAS fault mode (already expired / expiring in N ms).</summary>
    public (string Url, DateTime Expiry) IssueBlobUrl(string container, string blob, TimeSpan lifetime)
    {
        var s = Faults.Settings;
        string mode = Faults.NextSasMode();
        var expiry = mode switch
        {
            "expired" => DateTime.UtcNow.AddMinutes(-5),
            "short" => DateTime.UtcNow.AddMilliseconds(s.SasExpiresInMs),
            _ => TruncateToSeconds(DateTime.UtcNow.Add(lifetime)),
        };
        if (mode != "normal") Stats.Fault("sas-" + mode);
        return (Sas.BuildUrl(BlobBaseUrl, container, blob, expiry), expiry);
    }
}

/// <summary>Long-running operations (invoice downloads, cost details reports). Thread-safe.</summary>
internal sealed class OperationStore
{
    private readonly ConcurrentDictionary<string, Operation> _ops = new(StringComparer.OrdinalIgnoreCase);
    public void Add(Operation op) => _ops[op.Id] = op;
    public Operation? Get(string id) => _ops.TryGetValue(id, out var op) ? op : null;
}

internal sealed class Operation
{
    public required string Id { get; init; }
    public required string Kind { get; init; }
    public required DateTime ReadyAt { get; init; }
    public required TimeSpan PollInterval { get; init; }
    public required string Mode { get; init; }        // normal | fail | never, captured when the operation starts
    public required string Scope { get; init; }       // who may poll it (account/subscription id or cost scope)
    public object? Payload { get; init; }
    public System.Threading.Tasks.Task? Work { get; init; } // background preparation (e.g. counting report bytes)
    public bool IsReady => Mode != "never" && DateTime.UtcNow >= ReadyAt && (Work == null || Work.IsCompleted);
}
