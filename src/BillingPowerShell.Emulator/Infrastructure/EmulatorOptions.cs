using System;
using System.Collections.Generic;
using System.Globalization;
using System.Text.Json.Serialization;

namespace BillingPowerShell.Emulator.Infrastructure;

/// <summary>Start-up settings (the command line contract of DEVELOPING.md).</summary>
internal sealed class EmulatorOptions
{
    public int Port { get; set; }
    public int BlobPort { get; set; }
    public long Seed { get; set; } = 42;
    public string Size { get; set; } = "small";
    public string Token { get; set; } = "emulator-token";
    public string? ReaderToken { get; set; }
    public double TimeScale { get; set; } = 1.0;
    public string CertDir { get; set; } = ".";
    public string? ReadyFile { get; set; }
    public int? UsageRowsPerDay { get; set; }
    /// <summary>Cost details CSV rows per blob before the report is split (each blob repeats the header).</summary>
    public int CsvRowsPerBlob { get; set; } = 250_000;
    /// <summary>Rows per Query API page before a nextLink is issued.</summary>
    public int QueryPageSize { get; set; } = 1000;
    public bool WatchStdin { get; set; } = true;
    /// <summary>Adds documents with path-escaping / reserved names to the newest invoice of each account (client tests).</summary>
    public bool HostileDocumentNames { get; set; }
    public FaultSettings Faults { get; set; } = new();
    /// <summary>The blob endpoint of the world's storage account (e.g. Azurite's https://127.0.0.1:&lt;port&gt;/devstoreaccount1);
    /// export runs write there. Null: runs fail until POST /_emulator/storage names one.</summary>
    public string? StorageUrl { get; set; }
    /// <summary>Its Shared Key; null = the storage emulator's public devstoreaccount1 key.</summary>
    public string? StorageKey { get; set; }
    /// <summary>A device code is approved by itself after this many authorization_pending answers; 0 = only by POST /_emulator/devicecode/approve.</summary>
    public int DeviceCodeAutoApprove { get; set; } = 1;

    public static EmulatorOptions Parse(string[] args)
    {
        var o = new EmulatorOptions();
        for (int i = 0; i < args.Length; i++)
        {
            string a = args[i];
            string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{a} needs a value.");
            switch (a.ToLowerInvariant())
            {
                case "--port": o.Port = int.Parse(Next(), CultureInfo.InvariantCulture); break;
                case "--blob-port": o.BlobPort = int.Parse(Next(), CultureInfo.InvariantCulture); break;
                case "--seed": o.Seed = long.Parse(Next(), CultureInfo.InvariantCulture); break;
                case "--size": o.Size = Next(); break;
                case "--token": o.Token = Next(); break;
                case "--reader-token": o.ReaderToken = Next(); break;
                case "--time-scale": o.TimeScale = double.Parse(Next(), CultureInfo.InvariantCulture); break;
                case "--cert-dir": o.CertDir = Next(); break;
                case "--ready-file": o.ReadyFile = Next(); break;
                case "--usage-rows-per-day": o.UsageRowsPerDay = int.Parse(Next(), CultureInfo.InvariantCulture); break;
                case "--csv-rows-per-blob": o.CsvRowsPerBlob = int.Parse(Next(), CultureInfo.InvariantCulture); break;
                case "--query-page-size": o.QueryPageSize = int.Parse(Next(), CultureInfo.InvariantCulture); break;
                case "--hostile-document-names": o.HostileDocumentNames = true; break;
                case "--no-stdin-watch": o.WatchStdin = false; break;
                case "--storage-url": o.StorageUrl = Next(); break;
                case "--storage-key": o.StorageKey = Next(); break;
                case "--device-code-auto-approve": o.DeviceCodeAutoApprove = int.Parse(Next(), CultureInfo.InvariantCulture); break;
                case "--latency-ms": o.Faults.LatencyMs = int.Parse(Next(), CultureInfo.InvariantCulture); break;
                case "--latency-jitter-ms": o.Faults.LatencyJitterMs = int.Parse(Next(), CultureInfo.InvariantCulture); break;
                case "--fault-429-rate": o.Faults.Fault429Rate = double.Parse(Next(), CultureInfo.InvariantCulture); break;
                case "--fault-429-header": o.Faults.Fault429Header = Next(); break;
                case "--fault-5xx-rate": o.Faults.Fault5xxRate = double.Parse(Next(), CultureInfo.InvariantCulture); break;
                case "--fault-reset-rate": o.Faults.FaultResetRate = double.Parse(Next(), CultureInfo.InvariantCulture); break;
                case "--fault-truncate-rate": o.Faults.FaultTruncateRate = double.Parse(Next(), CultureInfo.InvariantCulture); break;
                case "--reset-targets": o.Faults.ResetTargets = Next().Split(',', '|'); break;
                case "--quota": o.Faults.Quota = Next(); break;
                case "--lro-mode": o.Faults.LroMode = Next(); break;
                case "--sas-mode": o.Faults.SasMode = Next(); break;
                case "--sas-expired-links": o.Faults.SasExpiredLinks = int.Parse(Next(), CultureInfo.InvariantCulture); break;
                case "--sas-expires-in-ms": o.Faults.SasExpiresInMs = int.Parse(Next(), CultureInfo.InvariantCulture); break;
                case "--revoke-token-after": o.Faults.RevokeTokenAfter = int.Parse(Next(), CultureInfo.InvariantCulture); break;
                default: throw new ArgumentException($"Unknown argument '{a}'.");
            }
        }
        if (o.TimeScale <= 0) throw new ArgumentException("--time-scale must be > 0.");
        if (o.Size is not ("small" or "medium" or "large") && !(int.TryParse(o.Size, NumberStyles.Integer, CultureInfo.InvariantCulture, out int n) && n > 0))
            throw new ArgumentException($"--size must be small, medium, large or a positive number, not '{o.Size}'.");
        if (o.DeviceCodeAutoApprove < 0) throw new ArgumentException("--device-code-auto-approve must be >= 0.");
        if (o.UsageRowsPerDay is < 0) throw new ArgumentException("--usage-rows-per-day must be >= 0.");
        if (o.StorageUrl != null && !Uri.TryCreate(o.StorageUrl, UriKind.Absolute, out _))
            throw new ArgumentException($"--storage-url must be an absolute URL such as https://127.0.0.1:10000/devstoreaccount1, not '{o.StorageUrl}'.");
        o.Faults.Validate();
        return o;
    }

    /// <summary>Scales a contract duration (e.g. the 10 s invoice download) by --time-scale.</summary>
    public TimeSpan Scale(TimeSpan contract) => TimeSpan.FromTicks((long)(contract.Ticks * TimeScale));
}

/// <summary>Fault and latency settings. Flags at start-up; replaced as a whole by POST /_emulator/faults.</summary>
internal sealed class FaultSettings
{
    public static readonly string[] RetryHeaderKinds =
    {
        "Retry-After", "Retry-After-Date", "retry-after-ms", "x-ms-retry-after-ms",
        "x-ms-ratelimit-microsoft.consumption-retry-after",
        "x-ms-ratelimit-microsoft.costmanagement-qpu-retry-after",
        "x-ms-ratelimit-microsoft.costmanagement-entity-retry-after",
        "x-ms-ratelimit-microsoft.costmanagement-tenant-retry-after",
        "x-ms-ratelimit-microsoft.costmanagement-clienttype-retry-after",
    };

    [JsonPropertyName("latencyMs")] public int LatencyMs { get; set; }
    [JsonPropertyName("latencyJitterMs")] public int LatencyJitterMs { get; set; }
    [JsonPropertyName("fault429Rate")] public double Fault429Rate { get; set; }
    /// <summary>One header kind from <see cref="RetryHeaderKinds"/>, or "rotate" to cycle through all of them.</summary>
    [JsonPropertyName("fault429Header")] public string Fault429Header { get; set; } = "Retry-After";
    /// <summary>Contract retry delay carried by injected 429/503 (before time scale).</summary>
    [JsonPropertyName("retryAfterSeconds")] public double RetryAfterSeconds { get; set; } = 5;
    [JsonPropertyName("fault5xxRate")] public double Fault5xxRate { get; set; }
    [JsonPropertyName("faultResetRate")] public double FaultResetRate { get; set; }
    [JsonPropertyName("faultTruncateRate")] public double FaultTruncateRate { get; set; }
    [JsonPropertyName("resetTargets")] public string[] ResetTargets { get; set; } = { "json", "pdf", "csv", "zip" };
    /// <summary>e.g. "12/10s,60/60s": requests per window on Microsoft.CostManagement and Microsoft.Consumption paths.</summary>
    [JsonPropertyName("quota")] public string? Quota { get; set; }
    /// <summary>normal | fail | never (long-running operations).</summary>
    [JsonPropertyName("lroMode")] public string LroMode { get; set; } = "normal";
    /// <summary>normal | expired | short (SAS URLs expire after sasExpiresInMs).</summary>
    [JsonPropertyName("sasMode")] public string SasMode { get; set; } = "normal";
    [JsonPropertyName("sasExpiresInMs")] public int SasExpiresInMs { get; set; } = 1000;
    /// <summary>With sasMode "expired": only the first N links issued under these settings are expired, later ones
    /// are normal (a link that expired once, without a test racing to switch the mode back). 0 = every link.</summary>
    [JsonPropertyName("sasExpiredLinks")] public int SasExpiredLinks { get; set; }
    /// <summary>After this many authorised ARM calls every call gets 401 ("token revoked half-way"). 0 = off.</summary>
    [JsonPropertyName("revokeTokenAfter")] public int RevokeTokenAfter { get; set; }
    /// <summary>Only inject 429/5xx/reset on paths containing this text (case-insensitive); null = all.</summary>
    [JsonPropertyName("pathContains")] public string? PathContains { get; set; }
    /// <summary>Export runs (docs/contracts/azure-api/EXPORTS.md, "Run (Execute) and run history"): normal | fail (the
    /// run ends Failed) | queued (it stays Queued) | manifestFirst (manifest.json is written before the last data
    /// file) | manifestFirstCompleted (so is it, and the run completes before that file lands) | shortFile (the last data file is shorter than the manifest says). Captured when a run is submitted.</summary>
    [JsonPropertyName("exportRunMode")] public string ExportRunMode { get; set; } = "normal";
    /// <summary>Months (yyyy-MM) exportRunMode applies to: a run whose period starts in another month runs normally.
    /// Empty = every run (docs/contracts/EXPORTS_EMULATION.md, "Faults").</summary>
    [JsonPropertyName("exportRunMonths")] public string[] ExportRunMonths { get; set; } = Array.Empty<string>();
    /// <summary>Share of export run submissions (POST …/exports/{name}/run) answered 429 with the fault429Header kind.</summary>
    [JsonPropertyName("exportRun429Rate")] public double ExportRun429Rate { get; set; }

    public void Validate()
    {
        foreach (var r in new[] { Fault429Rate, Fault5xxRate, FaultResetRate, FaultTruncateRate, ExportRun429Rate })
            if (r < 0 || r > 1) throw new ArgumentException("Fault rates must be between 0 and 1.");
        if (Fault429Header != "rotate" && Array.FindIndex(RetryHeaderKinds, k => k.Equals(Fault429Header, StringComparison.OrdinalIgnoreCase)) < 0)
            throw new ArgumentException($"Unknown --fault-429-header '{Fault429Header}'. Known: {string.Join(", ", RetryHeaderKinds)}, rotate.");
        if (Quota != null) QuotaWindow.ParseList(Quota);
        if (LroMode is not ("normal" or "fail" or "never")) throw new ArgumentException("lroMode must be normal, fail or never.");
        if (SasMode is not ("normal" or "expired" or "short")) throw new ArgumentException("sasMode must be normal, expired or short.");
        if (ExportRunMode is not ("normal" or "fail" or "queued" or "manifestFirst" or "manifestFirstCompleted" or "shortFile"))
            throw new ArgumentException("exportRunMode must be normal, fail, queued, manifestFirst, manifestFirstCompleted or shortFile.");
        foreach (var m in ExportRunMonths)
            if (!DateOnly.TryParseExact(m + "-01", "yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.None, out _))
                throw new ArgumentException($"exportRunMonths: '{m}' is not a month (yyyy-MM).");
        if (SasExpiredLinks < 0) throw new ArgumentException("sasExpiredLinks must be 0 or more.");
    }
}

internal sealed record QuotaWindow(int Limit, TimeSpan Window)
{
    public static List<QuotaWindow> ParseList(string text)
    {
        var list = new List<QuotaWindow>();
        foreach (var part in text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var bits = part.Split('/');
            if (bits.Length != 2) throw new ArgumentException($"Bad quota '{part}': expected <requests>/<n>s|m|h.");
            string w = bits[1].Trim();
            char unit = w[^1];
            double n = double.Parse(w[..^1], CultureInfo.InvariantCulture);
            var span = unit switch { 's' => TimeSpan.FromSeconds(n), 'm' => TimeSpan.FromMinutes(n), 'h' => TimeSpan.FromHours(n), _ => throw new ArgumentException($"Bad quota window '{w}'.") };
            list.Add(new QuotaWindow(int.Parse(bits[0], CultureInfo.InvariantCulture), span));
        }
        return list;
    }
}
