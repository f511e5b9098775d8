using System;
using System.Diagnostics;
using System.IO;
using System.Text;
using System.Threading.Tasks;
using BillingPowerShell.Engine.Usage;
using Xunit.Abstractions;

namespace BillingPowerShell.Engine.Tests.Usage
{
    /// <summary>Skipped unless USAGE_BENCH=1 (a micro benchmark run by hand, not a timed test).</summary>
    public sealed class BenchFactAttribute : FactAttribute
    {
        public BenchFactAttribute()
        {
            if (Environment.GetEnvironmentVariable("USAGE_BENCH") != "1") Skip = "micro benchmark: set USAGE_BENCH=1 to run";
        }
    }

    /// <summary>
    /// USAGE_BENCH=1 [USAGE_BENCH_ROWS=1000000] dotnet test -c Release tests/BillingPowerShell.Engine.Tests
    ///   --filter "Category=Bench" --logger "console;verbosity=detailed"
    /// </summary>
    [Trait("Category", "Bench")]
    public class UsageBenchmark
    {
        private readonly ITestOutputHelper _out;
        public UsageBenchmark(ITestOutputHelper output) => _out = output;

        private TimeSpan _cpu0 = Process.GetCurrentProcess().TotalProcessorTime;

        // CPU time is printed too: on a shared machine wall time mostly measures the neighbours.
        private void Report(string what, TimeSpan t, long rows, long bytes)
        {
            var cpuNow = Process.GetCurrentProcess().TotalProcessorTime;
            var cpu = cpuNow - _cpu0;
            long allocated = GC.GetTotalAllocatedBytes(true) - _alloc0;
            var line = $"{what,-56} {t.TotalSeconds,7:F2} s  {rows / t.TotalSeconds,10:N0} rows/s  {t.TotalMilliseconds * 100_000 / rows,6:F0} ms/100k  {bytes / t.TotalSeconds / 1e6,6:F0} MB/s  cpu {cpu.TotalMilliseconds * 100_000 / rows,6:F0} ms/100k  {allocated / (double)rows,6:F0} B/row";
            _out.WriteLine(line);
            Console.WriteLine(line);
            _cpu0 = Process.GetCurrentProcess().TotalProcessorTime;
            _alloc0 = GC.GetTotalAllocatedBytes(true);
        }

        private long _alloc0 = GC.GetTotalAllocatedBytes(true);

        [BenchFact]
        public async Task GenerateReadSumWrite()
        {
            int rows = int.TryParse(Environment.GetEnvironmentVariable("USAGE_BENCH_ROWS"), out var n) ? n : 1_000_000;
            var dir = Directory.CreateTempSubdirectory("usagebench").FullName;
            try
            {
                var path = Path.Combine(dir, "ea2023.csv");
                var sw = Stopwatch.StartNew(); _cpu0 = Process.GetCurrentProcess().TotalProcessorTime; _alloc0 = GC.GetTotalAllocatedBytes(true);
                using (var w = new StreamWriter(path, false, new UTF8Encoding(true), 1 << 16))
                {
                    var sb = new StringBuilder(1 << 20);
                    w.Write(UsageTestData.Ea2023Header);
                    for (int i = 0; i < rows; i++)
                    {
                        UsageTestData.AppendEa2023Row(sb, i);
                        if (sb.Length > (1 << 19)) { w.Write(sb.ToString()); sb.Clear(); }
                    }
                    w.Write(sb.ToString());
                }
                long bytes = new FileInfo(path).Length;
                Report($"generate {rows:N0} rows EA 2023 ({bytes / 1e6:F0} MB)", sw.Elapsed, rows, bytes);

                sw.Restart(); _cpu0 = Process.GetCurrentProcess().TotalProcessorTime; _alloc0 = GC.GetTotalAllocatedBytes(true);
                long lines = 0;
                using (var sr = new StreamReader(path)) while (sr.ReadLine() != null) lines++;
                Report("baseline: StreamReader.ReadLine only", sw.Elapsed, rows, bytes);

                for (int pass = 0; pass < 2; pass++)
                {
                    GC.Collect();
                    long alloc0 = GC.GetTotalAllocatedBytes();
                    sw.Restart(); _cpu0 = Process.GetCurrentProcess().TotalProcessorTime; _alloc0 = GC.GetTotalAllocatedBytes(true);
                    decimal sum = 0;
                    long count = 0;
                    using (var r = UsageCsvReader.Open(path))
                    {
                        UsageRecord? rec;
                        while ((rec = r.Read()) != null) { sum += rec.Cost ?? 0; count++; }
                    }
                    var t = sw.Elapsed;
                    Assert.Equal(rows, count);
                    Report($"read + create records + sum Cost (pass {pass + 1})", t, rows, bytes);
                    _out.WriteLine($"   sum {sum}, allocated {(GC.GetTotalAllocatedBytes() - alloc0) / (double)rows:F0} B/row");
                }

                sw.Restart(); _cpu0 = Process.GetCurrentProcess().TotalProcessorTime; _alloc0 = GC.GetTotalAllocatedBytes(true);
                decimal psum = 0;
                using (var r = UsageCsvReader.Open(path))
                    foreach (var rec in r.ReadAllPrefetched()) psum += rec.Cost ?? 0;
                Report("prefetched (background thread) + sum Cost", sw.Elapsed, rows, bytes);

                sw.Restart(); _cpu0 = Process.GetCurrentProcess().TotalProcessorTime; _alloc0 = GC.GetTotalAllocatedBytes(true);
                long k = 0;
                using (var r = UsageCsvReader.Open(path))
                {
                    UsageRecord? rec;
                    while ((rec = r.Read()) != null)
                    {
                        if (rec.MeterName.Length > 0 && rec.SubscriptionId.Length > 0 && rec.Quantity.HasValue && rec.Tags.Count > 0) k++;
                    }
                }
                Report("read + Cost + MeterName, SubscriptionId, Quantity, Tags", sw.Elapsed, rows, bytes);

                var norm = Path.Combine(dir, "normalized.csv");
                sw.Restart(); _cpu0 = Process.GetCurrentProcess().TotalProcessorTime; _alloc0 = GC.GetTotalAllocatedBytes(true);
                using (var r = UsageCsvReader.Open(path))
                using (var w = UsageCsvWriter.Create(norm, UsageCsvSchema.Normalized))
                {
                    UsageRecord? rec;
                    while ((rec = r.Read()) != null) w.Write(rec);
                    w.Complete();
                }
                Report("read + export Normalized", sw.Elapsed, rows, bytes);

                var native = Path.Combine(dir, "native.csv");
                sw.Restart(); _cpu0 = Process.GetCurrentProcess().TotalProcessorTime; _alloc0 = GC.GetTotalAllocatedBytes(true);
                using (var w = UsageCsvWriter.Create(native, UsageCsvSchema.Native))
                {
                    using (var fs = File.OpenRead(path)) await w.WriteNativeChunkAsync(fs);
                    Assert.Equal(rows, w.Complete().RowCount);
                }
                Report("export Native (copy + parse for summary)", sw.Elapsed, rows, bytes);

                File.Delete(native);
                sw.Restart(); _cpu0 = Process.GetCurrentProcess().TotalProcessorTime; _alloc0 = GC.GetTotalAllocatedBytes(true);
                using (var w = UsageCsvWriter.Create(native, UsageCsvSchema.Native, new UsageCsvWriterOptions { NativeSummary = false }))
                {
                    using (var fs = File.OpenRead(path)) await w.WriteNativeChunkAsync(fs);
                    w.Complete();
                }
                Report("export Native (copy only, no summary)", sw.Elapsed, rows, bytes);

                File.Delete(native);
                sw.Restart(); _cpu0 = Process.GetCurrentProcess().TotalProcessorTime; _alloc0 = GC.GetTotalAllocatedBytes(true);
                using (var fs = File.OpenRead(path))
                using (var o = File.Create(native)) await fs.CopyToAsync(o);
                Report("baseline: plain file copy", sw.Elapsed, rows, bytes);

                _out.WriteLine($"peak working set {Process.GetCurrentProcess().PeakWorkingSet64 / 1e6:F0} MB");
            }
            finally { Directory.Delete(dir, true); }
        }
    }
}
