using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;
using BillingPowerShell.Engine.Usage;

namespace BillingPowerShell.Engine.Tests.Usage
{
    /// <summary>Builds usage files in memory for the tests (no checked-in fixtures).</summary>
    internal static class UsageTestData
    {
        public static readonly string[] Ea2023 = UsageFormatDetector.Ea2023Columns;
        public static readonly string[] Ea2021 = UsageFormatDetector.Ea2021Columns;
        public static readonly string[] Mca2023 = UsageFormatDetector.Mca2023Columns;
        public static readonly string[] Payg2019 = UsageFormatDetector.PayAsYouGo2019Columns;
        public static readonly string[] LegacyDaily = UsageFormatDetector.LegacyDailyUsageColumns;
        public static readonly string[] LegacyStatement = UsageFormatDetector.LegacyStatementColumns;
        public static readonly string[] Normalized = UsageColumnMap.NormalizedHeader.ToArray();

        public const string SubscriptionUpper = "AABBCCDD-0000-1111-2222-333344445555";
        public const string ResourceId = "/subscriptions/aabbccdd-0000-1111-2222-333344445555/resourceGroups/rg-Web/providers/Microsoft.Compute/virtualMachines/vm-1";

        public static string Quote(string v)
        {
            if (v.IndexOfAny(new[] { ',', '"', '\r', '\n' }) < 0) return v;
            return "\"" + v.Replace("\"", "\"\"") + "\"";
        }

        public static string Csv(IEnumerable<string> header, IEnumerable<IEnumerable<string>> rows, string nl = "\r\n")
        {
            var sb = new StringBuilder();
            sb.Append(string.Join(",", header.Select(Quote))).Append(nl);
            foreach (var r in rows) sb.Append(string.Join(",", r.Select(Quote))).Append(nl);
            return sb.ToString();
        }

        /// <summary>A row whose values are chosen by column name: the "role" map says which column is which field.</summary>
        public static string[] Row(string[] header, IDictionary<string, string> values, Func<string, string>? other = null) =>
            header.Select(h => values.TryGetValue(h, out var v) ? v : other?.Invoke(h) ?? "x_" + h.Replace(" ", "")).ToArray();

        public static byte[] Bytes(string text, bool bom = true)
        {
            var body = Encoding.UTF8.GetBytes(text);
            if (!bom) return body;
            return new byte[] { 0xEF, 0xBB, 0xBF }.Concat(body).ToArray();
        }

        public static List<UsageRecord> ReadAll(byte[] bytes, List<UsageRowError>? errors = null, UsageCsvReaderOptions? options = null)
        {
            var opt = options ?? new UsageCsvReaderOptions();
            if (errors != null) opt.OnError = errors.Add;
            using var r = new UsageCsvReader(new MemoryStream(bytes), opt);
            return r.ReadAll().ToList();
        }

        public static List<UsageRecord> ReadAll(string text, List<UsageRowError>? errors = null) => ReadAll(Bytes(text, false), errors);

        private static readonly string[] Meters = { "D2s v3", "P10 Disks", "Standard Data Transfer Out", "LRS Write Operations", "vCore" };
        private static readonly string[] Cats = { "Virtual Machines", "Storage", "Bandwidth", "Storage", "SQL Database" };

        /// <summary>A realistic EA 2023-12-01 data row (55 columns) for row number i.</summary>
        public static void AppendEa2023Row(StringBuilder sb, int i)
        {
            int m = i % Meters.Length;
            string sub = "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f" + (i % 10);
            string rg = "rg-app" + (i % 37);
            string day = (1 + i % 28).ToString("00");
            sb.Append("Finance,Account One,owner@contoso.com,").Append(sub).Append(",Production Sub ").Append(i % 10).Append(',')
              .Append(rg).Append(",eastus,2024-01-").Append(day).Append(",Virtual Machines Dv3 Series - D2s v3 - US East,")
              .Append(Cats[m]).Append(",Dv3/DSv3 Series,").Append("6f6ab6ef-4a5e-4b7c-9a1e-0000000000").Append((i % 90 + 10)).Append(',')
              .Append(Meters[m]).Append(",US East,1 Hour,").Append((i % 24) + 0.5m).Append(",0.096,")
              .Append(((i % 1000) * 0.0123456789m).ToString(System.Globalization.CultureInfo.InvariantCulture)).Append(",CC-100,Microsoft.Compute,")
              .Append("/subscriptions/").Append(sub).Append("/resourceGroups/").Append(rg).Append("/providers/Microsoft.Compute/virtualMachines/vm").Append(i % 500).Append(',')
              .Append("\"{\"\"env\"\": \"\"prod\"\",\"\"app\"\": \"\"web").Append(i % 7).Append("\"\"}\",MS-AZR-0017P,")
              .Append("\"{\"\"UsageType\"\":\"\"ComputeHR\"\",\"\"ImageType\"\":\"\"Canonical\"\",\"\"ServiceType\"\":\"\"Standard_D2s_v3\"\",\"\"VCPUs\"\":2}\",")
              .Append(",,vm").Append(i % 500).Append(",,,0.096,,,,Microsoft,Microsoft,Usage,UsageBased,OnDemand,,")
              .Append("12345678,Contoso EA,USD,2024-01-01,2024-01-31,12345678,Contoso EA,987654,True,AAA-12345,0.096,,Compute,,,\r\n");
        }

        public static string Ea2023Header => string.Join(",", Ea2023) + "\r\n";
    }
}
