using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.IO.Compression;
using System.Linq;
using System.Text;
using System.Threading.Tasks;
using BillingPowerShell.Engine.Usage;
using Xunit.Abstractions;
using static BillingPowerShell.Engine.Tests.Usage.UsageTestData;

namespace BillingPowerShell.Engine.Tests.Usage
{
    /// <summary>
    /// Feeds thousands of mutated valid files to the reader: no exception other than UsageFormatException, no hang,
    /// and mutations known to break a row are reported. USAGE_MUTATIONS (count) and USAGE_MUTATION_SEED override the
    /// defaults for a longer run (build.ps1 Faults); USAGE_MUTATION_SECONDS (default 20) bounds the time.
    /// </summary>
    public class UsageMutationTests
    {
        private readonly ITestOutputHelper _out;
        public UsageMutationTests(ITestOutputHelper output) => _out = output;

        public static int DefaultCount =>
            int.TryParse(Environment.GetEnvironmentVariable("USAGE_MUTATIONS"), out var n) && n > 0 ? n : 3000;

        private static int Seed =>
            int.TryParse(Environment.GetEnvironmentVariable("USAGE_MUTATION_SEED"), out var s) ? s : 20261129;

        [Fact]
        public void MutatedFilesNeverCrashNorHangAndBreakageIsReported() =>
            Run(DefaultCount, Seed, TimeSpan.FromSeconds(BudgetSeconds), TimeSpan.FromSeconds(15));

        private static int BudgetSeconds =>
            int.TryParse(Environment.GetEnvironmentVariable("USAGE_MUTATION_SECONDS"), out var s) && s > 0 ? s : 20;

        private sealed class Base
        {
            public string Name = "";
            public byte[] Bytes = Array.Empty<byte>();
            public string HeaderLine = "";
            public int Rows;
            public bool Legacy, Gzip;
        }

        private static List<Base> Bases()
        {
            var list = new List<Base>();
            void Add(string name, string text, string headerLine, int rows, bool bom = true, bool legacy = false)
                => list.Add(new Base { Name = name, Bytes = Bytes(text, bom), HeaderLine = headerLine, Rows = rows, Legacy = legacy });

            var ea = new StringBuilder(Ea2023Header);
            for (int i = 0; i < 15; i++) AppendEa2023Row(ea, i);
            Add("ea2023", ea.ToString(), Ea2023Header.TrimEnd(), 15);
            Add("ea2023-lf-nobom", ea.ToString().Replace("\r\n", "\n"), Ea2023Header.TrimEnd(), 15, bom: false);

            string[] Rows(string[] header, int n, Func<string, int, string> value) =>
                Enumerable.Range(0, n).Select(i => string.Join(",", header.Select(h => Quote(value(h, i))))).ToArray();
            string Value(string col, int i) => col.ToLowerInvariant() switch
            {
                "date" or "usagedatetime" or "usage date" => i % 2 == 0 ? "2024-02-0" + (1 + i % 9) : "02/0" + (1 + i % 9) + "/2024",
                "costinbillingcurrency" or "pretaxcost" or "cost" or "quantity" or "usagequantity" or "consumed quantity" => (i * 1.25m).ToString(System.Globalization.CultureInfo.InvariantCulture),
                "tags" => i % 2 == 0 ? "{\"env\":\"p,q\"}" : "\"a\": \"b\"",
                "additionalinfo" or "additional info" => "{\"k\":\"v \"\"x\"\"\"}",
                "sourceformat" => "EaCostDetails2023",
                _ => "v" + i + "_" + col.Replace(" ", ""),
            };
            foreach (var (name, header) in new[] { ("mca", Mca2023), ("payg", Payg2019), ("normalized", Normalized) })
            {
                var h = string.Join(",", header);
                Add(name, h + "\r\n" + string.Join("\r\n", Rows(header, 12, Value)) + "\r\n", h, 12);
            }
            var legacy = "Statement\r\n" + string.Join(",", LegacyStatement) + "\r\n" +
                         "01/2017,Storage,GRS,Data,,S,GB,1,0,1,0,USD,1,0,0.1,0.1\r\n\r\nDaily Usage\r\n" +
                         string.Join(",", LegacyDaily) + "\r\n" + string.Join("\r\n", Rows(LegacyDaily, 10, Value)) + "\r\n";
            Add("legacy", legacy, string.Join(",", LegacyDaily), 10, bom: false, legacy: true);

            var gz = new MemoryStream();
            using (var z = new GZipStream(gz, CompressionLevel.Fastest, leaveOpen: true)) z.Write(list[0].Bytes, 0, list[0].Bytes.Length);
            list.Add(new Base { Name = "ea2023.gz", Bytes = gz.ToArray(), HeaderLine = list[0].HeaderLine, Rows = 15, Gzip = true });
            return list;
        }

        private enum Kind { ByteFlip, Truncate, InsertQuote, DeleteDelimiter, DuplicateHeader, RandomUtf8, RandomBytes, DuplicateRange, DeleteRange, JoinLines }

        internal void Run(int count, int seed, TimeSpan budget, TimeSpan perFile)
        {
            var bases = Bases();
            foreach (var b in bases) // the unmutated files are clean
            {
                var errs = new List<UsageRowError>();
                Assert.Equal(b.Rows, ReadAll(b.Bytes, errs).Count);
                Assert.Empty(errs);
            }
            var rnd = new Random(seed);
            var sw = Stopwatch.StartNew();
            var stats = new Dictionary<string, int>();
            int done = 0;
            for (; done < count && sw.Elapsed < budget; done++)
            {
                var b = bases[rnd.Next(bases.Count)];
                int n = rnd.Next(4) == 0 ? 1 + rnd.Next(3) : 1;
                var bytes = b.Bytes;
                var kinds = new List<Kind>();
                for (int k = 0; k < n; k++)
                {
                    var kind = (Kind)rnd.Next(Enum.GetValues(typeof(Kind)).Length);
                    kinds.Add(kind);
                    bytes = Mutate(bytes, kind, b, rnd);
                }
                bool mustReport = n == 1 && !b.Gzip && !b.Legacy && (kinds[0] == Kind.DeleteDelimiter || kinds[0] == Kind.DuplicateHeader || kinds[0] == Kind.JoinLines);
                var label = $"#{done} {b.Name} [{string.Join(",", kinds)}] seed {seed}";

                var task = Task.Run(() => Outcome(bytes));
                if (!task.Wait(perFile)) Assert.Fail($"hang (> {perFile.TotalSeconds} s): {label}");
                var (records, errors, formatError, other) = task.Result;
                if (other != null) Assert.Fail($"unexpected {other.GetType().Name}: {other.Message} in {label}\n{other}");
                string outcome = formatError != null ? "format error" : errors > 0 ? "row errors" : "clean";
                stats[outcome] = stats.TryGetValue(outcome, out var c) ? c + 1 : 1;
                if (mustReport && formatError == null && errors == 0 && bytes.Length != b.Bytes.Length)
                    Assert.Fail($"a broken row was not reported: {label}");
                Assert.True(records <= b.Rows * 2 + 2, $"{records} records from {b.Rows} rows: {label}");
            }
            _out.WriteLine($"{done} mutated files in {sw.Elapsed.TotalSeconds:F1} s: " + string.Join(", ", stats.Select(kv => kv.Key + " " + kv.Value)));
            Assert.True(done >= Math.Min(count, 200), $"only {done} files within the time budget");
        }

        private static (int records, long errors, UsageFormatException? format, Exception? other) Outcome(byte[] bytes)
        {
            int records = 0;
            long errors = 0;
            try
            {
                using var r = new UsageCsvReader(new MemoryStream(bytes), new UsageCsvReaderOptions { OnError = _ => errors++, MaxLineLength = 64 * 1024 });
                foreach (var rec in r.ReadAll())
                {
                    records++;
                    // Every getter must be safe on whatever made it through.
                    _ = rec.Date; _ = rec.Cost; _ = rec.Quantity; _ = rec.EffectivePrice; _ = rec.UnitPrice; _ = rec.Tags;
                    _ = rec.SourceColumns.Count; _ = rec.SourceFormat; _ = rec.ResourceName; _ = rec.ResourceGroup; _ = rec.SubscriptionId;
                    for (int f = 0; f < UsageColumnMap.FieldCount; f++)
                        if (UsageColumnMap.IsText((UsageField)f)) _ = UsageCsvWriter.TextOf(rec, (UsageField)f);
                }
                return (records, errors, null, null);
            }
            catch (UsageFormatException ex) { return (records, errors, ex, null); }
            catch (Exception ex) { return (records, errors, null, ex); }
        }

        private static byte[] Mutate(byte[] src, Kind kind, Base b, Random rnd)
        {
            var l = new List<byte>(src);
            int Pos() => l.Count == 0 ? 0 : rnd.Next(l.Count);
            switch (kind)
            {
                case Kind.ByteFlip:
                    if (l.Count > 0) { int p = Pos(); l[p] = (byte)(l[p] ^ (1 << rnd.Next(8))); }
                    break;
                case Kind.Truncate:
                    if (l.Count > 0) { int p = Pos(); l.RemoveRange(p, l.Count - p); }
                    break;
                case Kind.InsertQuote:
                    l.Insert(Pos(), (byte)'"');
                    break;
                case Kind.DeleteDelimiter:
                {
                    var commas = OutsideQuotes(l, (byte)',', afterFirstLine: true);
                    if (commas.Count > 0) l.RemoveAt(commas[rnd.Next(commas.Count)]);
                    break;
                }
                case Kind.JoinLines:
                {
                    var nls = OutsideQuotes(l, (byte)'\n', afterFirstLine: true);
                    if (nls.Count > 0) nls.RemoveAt(nls.Count - 1); // the last line break joins nothing
                    if (nls.Count > 0)
                    {
                        int p = nls[rnd.Next(nls.Count)];
                        if (p + 1 < l.Count && l[p + 1] != (byte)'\r' && l[p + 1] != (byte)'\n')
                        {
                            l.RemoveAt(p);
                            if (p > 0 && l[p - 1] == (byte)'\r') l.RemoveAt(p - 1);
                        }
                    }
                    break;
                }
                case Kind.DuplicateHeader:
                {
                    var nls = OutsideQuotes(l, (byte)'\n', afterFirstLine: false);
                    if (nls.Count > 0)
                    {
                        int p = nls[rnd.Next(nls.Count)] + 1;
                        l.InsertRange(p, Encoding.UTF8.GetBytes(b.HeaderLine + "\r\n"));
                    }
                    break;
                }
                case Kind.RandomUtf8:
                {
                    var sb = new StringBuilder();
                    int len = 1 + rnd.Next(20);
                    for (int i = 0; i < len; i++)
                    {
                        int r = rnd.Next(6);
                        sb.Append(r switch
                        {
                            0 => (char)rnd.Next(0x20),
                            1 => (char)rnd.Next(0x20, 0x7F),
                            2 => (char)rnd.Next(0xA0, 0x800),
                            3 => (char)rnd.Next(0x3000, 0xD7FF),
                            4 => ",\"\r\n"[rnd.Next(4)],
                            _ => '\uFEFF',
                        });
                    }
                    l.InsertRange(Pos(), Encoding.UTF8.GetBytes(sb.ToString()));
                    break;
                }
                case Kind.RandomBytes:
                {
                    var junk = new byte[1 + rnd.Next(16)];
                    rnd.NextBytes(junk);
                    l.InsertRange(Pos(), junk);
                    break;
                }
                case Kind.DuplicateRange:
                {
                    int p = Pos(), len = Math.Min(l.Count - p, rnd.Next(300));
                    l.InsertRange(Pos(), l.GetRange(p, len));
                    break;
                }
                case Kind.DeleteRange:
                {
                    int p = Pos(), len = Math.Min(l.Count - p, rnd.Next(300));
                    l.RemoveRange(p, len);
                    break;
                }
            }
            return l.ToArray();
        }

        /// <summary>Positions of a byte outside quoted fields (optionally only after the header line).</summary>
        private static List<int> OutsideQuotes(List<byte> l, byte what, bool afterFirstLine)
        {
            var res = new List<int>();
            bool q = false, pastFirst = !afterFirstLine;
            for (int i = 0; i < l.Count; i++)
            {
                byte c = l[i];
                if (c == (byte)'"') q = !q;
                else if (!q && c == what && pastFirst) res.Add(i);
                if (!q && c == (byte)'\n') pastFirst = true;
            }
            return res;
        }
    }
}
