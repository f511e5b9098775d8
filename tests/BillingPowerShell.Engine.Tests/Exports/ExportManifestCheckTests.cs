using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;
using BillingPowerShell.Engine.Auth;
using BillingPowerShell.Engine.Exports;

namespace BillingPowerShell.Engine.Tests.Exports
{
    /// <summary>
    /// The manifest read (docs/contracts/azure-api/EXPORTS.md, "manifest.json fields"), checked against storage, and
    /// the resume decision of Receive-BillingExport (docs/contracts/EXPORTS_RECEIVE.md).
    /// </summary>
    public sealed class ExportManifestCheckTests : IDisposable
    {
        private const string Folder = "monthly/monthly/20261101-20261130/936325d5-5f35-4275-9c2a-2bccc87c8f43/";
        private readonly string _dir = Path.Combine(Path.GetTempPath(), "bps-manifest-" + Guid.NewGuid().ToString("N").Substring(0, 8));

        public ExportManifestCheckTests() => Directory.CreateDirectory(_dir);
        public void Dispose() { try { Directory.Delete(_dir, true); } catch (IOException) { } }

        // The emulator's manifest of docs/contracts/EXPORTS_EMULATION.md, "What a run writes".
        private static readonly string Sample = @"{
  ""manifestVersion"": ""2024-04-01"", ""byteCount"": 65110, ""blobCount"": 3, ""dataRowCount"": 605,
  ""exportConfig"": { ""exportName"": ""monthly"", ""dataVersion"": ""2023-05-01"", ""type"": ""AmortizedCost"", ""timeFrame"": ""TheLastMonth"" },
  ""deliveryConfig"": { ""fileFormat"": ""Csv"", ""compressionMode"": ""Gzip"",
    ""containerUri"": ""/subscriptions/0634a880-73f9-408b-ae4d-9ca5d767aba2/resourceGroups/rg-data/providers/Microsoft.Storage/storageAccounts/devstoreaccount1"" },
  ""runInfo"": { ""runId"": ""936325d5-5f35-4275-9c2a-2bccc87c8f43"", ""startDate"": ""2026-11-01T00:00:00"", ""endDate"": ""2026-11-30T00:00:00Z"" },
  ""blobs"": [
    { ""blobName"": """ + Folder + @"part_0_0001.csv.gz"", ""byteCount"": 26569, ""dataRowCount"": 250 },
    { ""blobName"": """ + Folder + @"part_0_0002.csv.gz"", ""byteCount"": 26529, ""dataRowCount"": 250 },
    { ""blobName"": """ + Folder + @"part_0_0003.csv.gz"", ""byteCount"": 12012, ""dataRowCount"": 105 }
  ]
}";

        private static ExportManifest Parse(string json) => ExportManifest.Parse(Encoding.UTF8.GetBytes(json));

        private static Dictionary<string, long> Stored(ExportManifest m) => m.Blobs!.ToDictionary(b => b.Name, b => b.ByteCount!.Value);

        [Fact]
        public void Reads_every_field_and_the_month_from_a_zone_less_start_date()
        {
            var m = Parse(Sample);
            Assert.Equal(3, m.BlobCount);
            Assert.Equal(65110, m.ByteCount);
            Assert.Equal(605, m.DataRowCount);
            Assert.Equal("AmortizedCost", m.Dataset);
            Assert.Equal("monthly", m.ExportName);
            Assert.Equal("936325d5-5f35-4275-9c2a-2bccc87c8f43", m.RunId);
            Assert.Equal("2026-11", m.Month);
            Assert.Equal(DateTimeKind.Utc, m.StartDate!.Value.Kind);
            Assert.Equal(new DateTime(2026, 11, 1), m.StartDate.Value);
            Assert.Equal(3, m.Blobs!.Count);
            Assert.Equal(250, m.Blobs[0].DataRowCount);
        }

        [Fact]
        public void A_manifest_that_matches_storage_has_no_problem()
        {
            var m = Parse(Sample);
            Assert.Empty(ExportManifestCheck.Problems(m, m.Blobs!, Stored(m)));
        }

        [Fact]
        public void A_2024_manifest_without_counts_is_checked_only_for_presence()
        {
            var m = Parse(@"{ ""runInfo"": { ""startDate"": ""2024-01-01T00:00:00"" }, ""blobs"": [ { ""blobName"": ""a/part0.csv"" } ] }");
            Assert.Null(m.BlobCount);
            Assert.Empty(ExportManifestCheck.Problems(m, m.Blobs!, new Dictionary<string, long> { ["a/part0.csv"] = 10 }));
            var problems = ExportManifestCheck.Problems(m, m.Blobs!, new Dictionary<string, long>());
            Assert.Equal("missing in storage: a/part0.csv", Assert.Single(problems));
        }

        [Fact]
        public void A_missing_file_and_a_short_file_are_each_named()
        {
            var m = Parse(Sample);
            var stored = Stored(m);
            stored.Remove(Folder + "part_0_0003.csv.gz");
            stored[Folder + "part_0_0002.csv.gz"] = 13264;
            var problems = ExportManifestCheck.Problems(m, m.Blobs!, stored);
            Assert.Contains($"missing in storage: {Folder}part_0_0003.csv.gz", problems);
            Assert.Contains($"{Folder}part_0_0002.csv.gz is 13264 bytes in storage but the manifest says 26529", problems);
            var error = new ExportManifestMismatchException("Run 936325d5 of export 'monthly' (2026-11)", problems);
            Assert.StartsWith("Run 936325d5 of export 'monthly' (2026-11): the manifest does not match", error.Message);
            Assert.Contains("part_0_0003.csv.gz", error.Message);
        }

        [Fact]
        public void Totals_that_do_not_add_up_are_problems()
        {
            var m = Parse(Sample.Replace("\"blobCount\": 3", "\"blobCount\": 4").Replace("\"byteCount\": 65110", "\"byteCount\": 65111").Replace("\"dataRowCount\": 605", "\"dataRowCount\": 600"));
            var problems = ExportManifestCheck.Problems(m, m.Blobs!, Stored(m));
            Assert.Contains("the manifest says blobCount 4 but lists 3 file(s)", problems);
            Assert.Contains("the manifest says byteCount 65111 but its files add up to 65110 bytes", problems);
            Assert.Contains("the manifest says dataRowCount 600 but its files add up to 605 rows", problems);
        }

        [Fact]
        public void Without_blobs_the_manifest_folder_is_listed_and_the_manifest_itself_left_out()
        {
            var m = Parse(@"{ ""runInfo"": { ""startDate"": ""2024-01-01T00:00:00"" } }");
            var stored = new Dictionary<string, long> { [Folder + "manifest.json"] = 10, [Folder + "part_0_0002.csv"] = 5, [Folder + "part_0_0001.csv"] = 7, ["other/x.csv"] = 1 };
            var files = ExportManifestCheck.Files(m, Folder + "manifest.json", stored);
            Assert.Equal(new[] { Folder + "part_0_0001.csv", Folder + "part_0_0002.csv" }, files.Select(f => f.Name));
        }

        [Fact]
        public void Local_paths_mirror_the_blob_path_inside_the_destination()
        {
            var path = ExportManifestCheck.LocalPath(_dir, Folder + "part_0_0001.csv.gz");
            Assert.Equal(Path.Combine(_dir, "monthly", "monthly", "20261101-20261130", "936325d5-5f35-4275-9c2a-2bccc87c8f43", "part_0_0001.csv.gz"), path);
            Assert.StartsWith(_dir, ExportManifestCheck.LocalPath(_dir, "../../etc/passwd"));
        }

        [Fact]
        public void Resume_downloads_only_what_is_missing_or_of_another_length()
        {
            var path = Path.Combine(_dir, "part_0_0001.csv.gz");
            Assert.True(ExportManifestCheck.NeedsDownload(path, 10, force: false));
            File.WriteAllBytes(path, new byte[10]);
            Assert.False(ExportManifestCheck.NeedsDownload(path, 10, force: false));
            Assert.True(ExportManifestCheck.NeedsDownload(path, 10, force: true));
            File.WriteAllBytes(path, new byte[4]);
            Assert.True(ExportManifestCheck.NeedsDownload(path, 10, force: false));
        }

        [Fact]
        public void The_blob_endpoint_comes_from_the_account_id_and_the_cloud_unless_named()
        {
            const string id = "/subscriptions/0634a880-73f9-408b-ae4d-9ca5d767aba2/resourceGroups/rg-data/providers/Microsoft.Storage/storageAccounts/CostData";
            Assert.Equal("https://costdata.blob.core.windows.net/", ExportStorage.ServiceUriFor(id, CloudEnvironment.AzureCloud, null).AbsoluteUri);
            Assert.Equal("https://costdata.blob.core.chinacloudapi.cn/", ExportStorage.ServiceUriFor(id, CloudEnvironment.AzureChinaCloud, null).AbsoluteUri);
            var custom = CloudEnvironment.Custom(new Uri("https://127.0.0.1:8443/"), CloudEnvironment.AzureUSGovernment);
            Assert.Equal("https://costdata.blob.core.usgovcloudapi.net/", ExportStorage.ServiceUriFor(id, custom, null).AbsoluteUri);
            Assert.Equal("https://127.0.0.1:10000/devstoreaccount1", ExportStorage.ServiceUriFor(id, custom, new Uri("https://127.0.0.1:10000/devstoreaccount1/")).AbsoluteUri);
            Assert.Throws<ArgumentException>(() => ExportStorage.ServiceUriFor("/subscriptions/x", CloudEnvironment.AzureCloud, null));
        }

        [Fact]
        public void A_manifest_that_is_not_json_is_refused_clearly()
        {
            var ex = Assert.Throws<InvalidOperationException>(() => Parse("<Error/>"));
            Assert.Contains("not valid JSON", ex.Message);
        }
    }
}
