using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text.Json;
using BillingPowerShell.Emulator.Data;

namespace BillingPowerShell.Emulator.Exports;

/// <summary>
/// A run's `manifest.json`, field for field as docs/contracts/azure-api/EXPORTS.md, "`manifest.json` fields" gives
/// the official sample: totals (`byteCount`, `blobCount`, `dataRowCount`) that equal the sums over `blobs[]`,
/// `exportConfig`, `deliveryConfig`, `runInfo` (startDate without a zone, endDate with `Z`, as the sample writes them)
/// and `blobs[]` with container-relative names.
/// </summary>
internal static class ExportManifest
{
    public const string Version = "2024-04-01";

    /// <summary>The dataset version written when the export names none (EXPORTS.md, "`dataVersion` per `definition.type`").</summary>
    public static string DataVersionOf(ExportSettings s) => s.DataVersion ?? s.Type switch
    {
        "FocusCost" => "1.0r2",
        "ReservationDetails" => "2023-03-01",
        _ => "2023-05-01",
    };

    public static byte[] Build(World world, ExportJob job, IReadOnlyList<ExportBlob> blobs)
    {
        var s = job.Run.Settings;
        var run = job.Run;
        using var ms = new MemoryStream();
        using (var w = new Utf8JsonWriter(ms, new JsonWriterOptions { Indented = true }))
        {
            w.WriteStartObject();
            w.WriteString("manifestVersion", Version);
            w.WriteNumber("byteCount", blobs.Sum(b => b.ByteCount));
            w.WriteNumber("blobCount", blobs.Count);
            w.WriteNumber("dataRowCount", blobs.Sum(b => b.DataRowCount));
            w.WriteStartObject("exportConfig");
            w.WriteString("exportName", job.Export.Name);
            w.WriteString("resourceId", job.Export.Id);
            w.WriteString("dataVersion", DataVersionOf(s));
            w.WriteString("apiVersion", job.ApiVersion);
            w.WriteString("type", s.Type);
            // "`OneTime` for custom runs" (the run's own period, or a Custom timeframe).
            w.WriteString("timeFrame", run.CustomPeriod || s.Timeframe == "Custom" ? "OneTime" : s.Timeframe);
            if (s.Granularity != null) w.WriteString("granularity", s.Granularity); else w.WriteNull("granularity");
            w.WriteEndObject();
            w.WriteStartObject("deliveryConfig");
            w.WriteBoolean("partitionData", true); // "Partitioning is always on … and cannot be disabled"
            w.WriteString("dataOverwriteBehavior", s.OverwriteBehavior);
            w.WriteString("fileFormat", s.Format);
            w.WriteString("compressionMode", s.Compression == "gzip" ? "Gzip" : s.Compression == "snappy" ? "Snappy" : "None");
            w.WriteString("containerUri", s.ResourceId ?? world.StorageAccount.Id);
            w.WriteString("rootFolderPath", s.RootFolderPath ?? "");
            w.WriteEndObject();
            w.WriteStartObject("runInfo");
            w.WriteString("executionType", run.ExecutionType);
            w.WriteString("submittedTime", ExportJson.Time(run.SubmittedTime));
            w.WriteString("runId", run.RunId);
            w.WriteString("startDate", run.StartDate.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture) + "T00:00:00");
            w.WriteString("endDate", ExportJson.Day(run.EndDate));
            w.WriteEndObject();
            w.WriteStartArray("blobs");
            foreach (var b in blobs)
            {
                w.WriteStartObject();
                w.WriteString("blobName", b.BlobName);
                w.WriteNumber("byteCount", b.ByteCount);
                w.WriteNumber("dataRowCount", b.DataRowCount);
                w.WriteEndObject();
            }
            w.WriteEndArray();
            w.WriteEndObject();
        }
        return ms.ToArray();
    }
}
