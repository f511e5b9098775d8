using System;
using System.Collections.Generic;
using System.Globalization;
using System.Text.Json;
using BillingPowerShell.Engine.Billing;

namespace BillingPowerShell.Engine.Exports
{
    /// <summary>
    /// The <c>manifest.json</c> an export run writes beside its data files (docs/contracts/azure-api/EXPORTS.md,
    /// "manifest.json fields"). Every field is optional, as the robust reading rules there say: the 2024 samples have
    /// no top-level counts and no per-file row counts.
    /// </summary>
    public sealed class ExportManifest
    {
        public string? ManifestVersion { get; set; }
        /// <summary>Total bytes of all data files.</summary>
        public long? ByteCount { get; set; }
        /// <summary>Number of data files.</summary>
        public long? BlobCount { get; set; }
        /// <summary>Total data rows (headers excluded).</summary>
        public long? DataRowCount { get; set; }
        public string? ExportName { get; set; }
        public string? ExportResourceId { get; set; }
        /// <summary>The dataset: ActualCost, AmortizedCost, FocusCost, … (exportConfig.type).</summary>
        public string? Dataset { get; set; }
        public string? DataVersion { get; set; }
        public string? FileFormat { get; set; }
        public string? CompressionMode { get; set; }
        /// <summary>deliveryConfig.containerUri: despite its name, the storage account's resource id.</summary>
        public string? StorageAccountId { get; set; }
        public string? RunId { get; set; }
        public DateTime? StartDate { get; set; }
        public DateTime? EndDate { get; set; }
        /// <summary>The data files in order; null when the manifest has no <c>blobs</c> member at all.</summary>
        public IReadOnlyList<ExportManifestBlob>? Blobs { get; set; }

        /// <summary>The month the data belongs to, yyyy-MM, from runInfo.startDate ("Robust reading rules", rule 5).</summary>
        public string? Month => StartDate?.ToString("yyyy-MM", CultureInfo.InvariantCulture);

        /// <summary>Reads a manifest; a body that is not a JSON object is <see cref="InvalidOperationException"/>.</summary>
        public static ExportManifest Parse(byte[] json)
        {
            JsonDocument doc;
            try { doc = JsonDocument.Parse(json); }
            catch (JsonException ex) { throw new InvalidOperationException($"The manifest is not valid JSON ({ex.Message})."); }
            using (doc)
            {
                var root = doc.RootElement;
                if (root.ValueKind != JsonValueKind.Object) throw new InvalidOperationException("The manifest is not a JSON object.");
                var config = root.Obj("exportConfig") ?? default;
                var delivery = root.Obj("deliveryConfig") ?? default;
                var run = root.Obj("runInfo") ?? default;
                return new ExportManifest
                {
                    ManifestVersion = root.Str("manifestVersion"),
                    ByteCount = Long(root, "byteCount"),
                    BlobCount = Long(root, "blobCount"),
                    DataRowCount = Long(root, "dataRowCount"),
                    ExportName = config.Str("exportName"),
                    ExportResourceId = config.Str("resourceId"),
                    Dataset = config.Str("type"),
                    DataVersion = config.Str("dataVersion"),
                    FileFormat = delivery.Str("fileFormat"),
                    CompressionMode = delivery.Str("compressionMode"),
                    StorageAccountId = delivery.Str("containerUri"),
                    RunId = run.Str("runId"),
                    // Zone-less dates are UTC (rule 4).
                    StartDate = run.DateOffset("startDate")?.UtcDateTime,
                    EndDate = run.DateOffset("endDate")?.UtcDateTime,
                    Blobs = ReadBlobs(root),
                };
            }
        }

        private static List<ExportManifestBlob>? ReadBlobs(JsonElement root)
        {
            if (!root.TryGetProperty("blobs", out var blobs) || blobs.ValueKind != JsonValueKind.Array) return null;
            var list = new List<ExportManifestBlob>();
            foreach (var b in blobs.EnumerateArray())
            {
                var name = b.Str("blobName");
                if (string.IsNullOrWhiteSpace(name)) throw new InvalidOperationException($"Entry {list.Count + 1} of the manifest's blobs has no blobName.");
                list.Add(new ExportManifestBlob(name!.Trim().TrimStart('/'), Long(b, "byteCount"), Long(b, "dataRowCount")));
            }
            return list;
        }

        private static long? Long(JsonElement e, string name)
        {
            if (e.ValueKind != JsonValueKind.Object || !e.TryGetProperty(name, out var v)) return null;
            if (v.ValueKind == JsonValueKind.Number && v.TryGetInt64(out var n)) return n;
            if (v.ValueKind == JsonValueKind.String && long.TryParse(v.GetString(), NumberStyles.Integer, CultureInfo.InvariantCulture, out var s)) return s;
            return null;
        }
    }

    /// <summary>One data file of a manifest: its path relative to the container, its size and rows when given.</summary>
    public sealed class ExportManifestBlob
    {
        public ExportManifestBlob(string name, long? byteCount, long? dataRowCount) { Name = name; ByteCount = byteCount; DataRowCount = dataRowCount; }
        public string Name { get; }
        public long? ByteCount { get; }
        public long? DataRowCount { get; }
        public override string ToString() => Name;
    }
}
