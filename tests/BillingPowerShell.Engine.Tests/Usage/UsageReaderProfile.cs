using System;
using System.Diagnostics;
using System.IO;
using System.Text;
using BillingPowerShell.Engine.Usage;
using CsvHelper;
using Xunit;
using Xunit.Abstractions;

namespace BillingPowerShell.Engine.Tests.Usage
{
    /// <summary>
    /// Times the reader's parts (CsvHelper alone, with our options and streams, with the row builder, with the checks):
    /// where the reader's time goes. By hand, not a test: USAGE_BENCH=1 dotnet test ... --filter
    /// "FullyQualifiedName~UsageReaderProfile" --logger "console;verbosity=detailed".
    /// </summary>
    [Trait("Category", "Profile")]
    public class UsageReaderProfile
    {
        private readonly ITestOutputHelper _out;
        public UsageReaderProfile(ITestOutputHelper output) => _out = output;

        [BenchFact]
        public void Components()
        {
            int rows = int.TryParse(Environment.GetEnvironmentVariable("USAGE_BENCH_ROWS"), out var n) ? n : 1_000_000;
            var path = Path.Combine(Path.GetTempPath(), "profile-ea2023.csv");
            if (!File.Exists(path) || new FileInfo(path).Length < rows * 500L)
            {
                using var w = new StreamWriter(path, false, new UTF8Encoding(true), 1 << 16);
                var sb = new StringBuilder(1 << 20);
                w.Write(UsageTestData.Ea2023Header);
                for (int i = 0; i < rows; i++)
                {
                    UsageTestData.AppendEa2023Row(sb, i);
                    if (sb.Length > (1 << 19)) { w.Write(sb.ToString()); sb.Clear(); }
                }
                w.Write(sb.ToString());
            }
            for (int pass = 0; pass < 3; pass++)
            {
                Measure("csvhelper raw: Read + cost span", () =>
                {
                    long c = 0;
                    using var r = CsvReader.Create(File.OpenRead(path), new CsvReaderOptions { HasHeader = false }, false);
                    while (r.Read()) { c += r.GetSpan(10).Length; }
                    return c;
                });
                Measure("csvhelper, TrackLineNumbers + OnMalformed", () =>
                {
                    long c = 0;
                    using var r = CsvReader.Create(File.OpenRead(path), new CsvReaderOptions { HasHeader = false, TrackLineNumbers = true, SkipEmptyLines = false, MalformedData = CsvMalformedDataHandling.Skip, OnMalformedRecord = _ => { } }, false);
                    while (r.Read()) { c += r.GetSpan(10).Length; }
                    return c;
                });
                Measure("csvhelper over guard+input streams", () =>
                {
                    long c = 0;
                    using var r = CsvReader.Create(new LongLineGuardStream(new UsageInputStream(File.OpenRead(path), false, null), 1 << 20), new CsvReaderOptions { HasHeader = false }, false);
                    while (r.Read()) { c += r.GetSpan(10).Length; }
                    return c;
                });
                Measure("csvhelper + all GetSpan copies", () =>
                {
                    long c = 0;
                    var line = new byte[4096];
                    using var r = CsvReader.Create(File.OpenRead(path), new CsvReaderOptions { HasHeader = false }, false);
                    while (r.Read())
                    {
                        int p = 0;
                        for (int i = 0; i < r.FieldCount; i++) { var s = r.GetSpan(i); s.CopyTo(line.AsSpan(p)); p += s.Length + 1; }
                        c += p;
                    }
                    return c;
                });
                Measure("csvhelper dynamic record per row", () =>
                {
                    long c = 0;
                    using var r = CsvReader.Create(File.OpenRead(path), new CsvReaderOptions { HasHeader = false }, false);
                    while (r.Read()) { var d = r.GetRecord<CsvDynamicRecord>(); c += d.GetSpan(10).Length; }
                    return c;
                });
                Measure("csvhelper dynamic record + Detach", () =>
                {
                    long c = 0;
                    using var r = CsvReader.Create(File.OpenRead(path), new CsvReaderOptions { HasHeader = false }, false);
                    while (r.Read()) { var d = r.GetRecord<CsvDynamicRecord>().Detach(); c += d.GetSpan(10).Length; }
                    return c;
                });
                Measure("csvhelper raw copy + GetRawSpan offsets", () =>
                {
                    long c = 0;
                    var offs = new int[64];
                    using var r = CsvReader.Create(File.OpenRead(path), new CsvReaderOptions { HasHeader = false }, false);
                    while (r.Read())
                    {
                        var raw = r.RawRecord;
                        var line = raw.ToArray();
                        ref byte b0 = ref System.Runtime.InteropServices.MemoryMarshal.GetReference(raw);
                        for (int i = 0; i < r.FieldCount; i++)
                            offs[i] = (int)System.Runtime.CompilerServices.Unsafe.ByteOffset(ref b0, ref System.Runtime.InteropServices.MemoryMarshal.GetReference(r.GetRawSpan(i)));
                        c += line.Length + offs[10];
                    }
                    return c;
                });
                var opts = new CsvReaderOptions { HasHeader = false, TrackLineNumbers = true, SkipEmptyLines = false, MalformedData = CsvMalformedDataHandling.Skip, OnMalformedRecord = _ => { }, DetectSeparatorHint = true };
                UsageColumnLayout? layout = null;
                using (var h = UsageCsvReader.Open(path)) { h.ReadHeader(); layout = h.Layout; }
                Measure("ours: csv(opts, guards) + checks", () =>
                {
                    long c = 0;
                    using var r = CsvReader.Create(new LongLineGuardStream(new UsageInputStream(File.OpenRead(path), false, null), 1 << 20), opts, false);
                    while (r.Read()) { var raw = r.RawRecord; if (raw.IndexOf((byte)0) < 0 && !raw.SequenceEqual(LongLineGuardStream.Marker)) c += r.FieldCount; }
                    return c;
                });
                Measure("ours: + builder", () =>
                {
                    long c = 0;
                    var b = new UsageRowBuilder(false);
                    using var r = CsvReader.Create(new LongLineGuardStream(new UsageInputStream(File.OpenRead(path), false, null), 1 << 20), opts, false);
                    r.Read();
                    while (r.Read()) { var raw = r.RawRecord; if (raw.IndexOf((byte)0) < 0 && !raw.SequenceEqual(LongLineGuardStream.Marker)) c += b.Build(r, layout!) != null ? 1 : 0; }
                    return c;
                });
                Measure("ours: + builder + date + cost", () =>
                {
                    decimal sum = 0;
                    var b = new UsageRowBuilder(false);
                    using var r = CsvReader.Create(new LongLineGuardStream(new UsageInputStream(File.OpenRead(path), false, null), 1 << 20), opts, false);
                    r.Read();
                    while (r.Read()) { var rec = b.Build(r, layout!)!; rec.TryGetDate(out _, out _); rec.TryGetDecimal(UsageField.Cost, out var cost, out _); sum += cost ?? 0; }
                    return (long)sum;
                });
                Measure("UsageCsvReader: read + Cost", () =>
                {
                    decimal sum = 0;
                    using var r = UsageCsvReader.Open(path);
                    UsageRecord? rec;
                    while ((rec = r.Read()) != null) sum += rec.Cost ?? 0;
                    return (long)sum;
                });
            }
        }

        private void Measure(string what, Func<long> job)
        {
            GC.Collect();
            long a0 = GC.GetTotalAllocatedBytes(true);
            var sw = Stopwatch.StartNew();
            long r = job();
            var t = sw.Elapsed;
            long a = GC.GetTotalAllocatedBytes(true) - a0;
            var line = $"{what,-48} {t.TotalMilliseconds,8:F0} ms  {a / 1e6,8:F0} MB  ({r})";
            _out.WriteLine(line);
        }
    }
}
