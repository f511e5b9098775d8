using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.IO.Compression;
using System.Linq;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using BillingPowerShell.Engine.Usage;
using static BillingPowerShell.Engine.Tests.Usage.UsageTestData;

namespace BillingPowerShell.Engine.Tests.Usage
{
    public class UsageCsvReaderTests
    {
        private const string MiniHeader = "Date,CostInBillingCurrency,BillingCurrencyCode,MeterName,SubscriptionId,Tags,AccountOwnerId";

        private static string Mini(params string[] rows) => MiniHeader + "\r\n" + string.Join("\r\n", rows) + "\r\n";

        [Theory]
        [InlineData(true, "\r\n")]
        [InlineData(false, "\r\n")]
        [InlineData(true, "\n")]
        [InlineData(false, "\n")]
        [InlineData(false, "\r")]
        public void BomAndLineEndings(bool bom, string nl)
        {
            var sb = new StringBuilder();
            sb.Append(Ea2023Header.TrimEnd()).Append(nl);
            for (int i = 0; i < 50; i++)
            {
                var row = new StringBuilder();
                AppendEa2023Row(row, i);
                sb.Append(row.ToString().TrimEnd('\r', '\n')).Append(nl);
            }
            var errors = new List<UsageRowError>();
            var recs = ReadAll(Bytes(sb.ToString(), bom), errors);
            Assert.Empty(errors);
            Assert.Equal(50, recs.Count);
            Assert.Equal(UsageFileFormat.EaCostDetails2023, recs[0].SourceFormat);
            Assert.Equal("InvoiceSectionName", recs[0].SourceColumns.Keys.First()); // BOM stripped
            Assert.Equal("web3", recs[3].Tags["app"]);
            Assert.Equal(3 * 0.0123456789m, recs[3].Cost);
            Assert.Equal(new DateTime(2024, 1, 4), recs[3].Date);
        }

        [Fact]
        public void Utf16WithBomIsRead()
        {
            var text = Mini("2024-01-02,1.5,EUR,Zähler ✓,S1,,o");
            var bytes = new byte[] { 0xFF, 0xFE }.Concat(Encoding.Unicode.GetBytes(text)).ToArray();
            var rec = Assert.Single(ReadAll(bytes));
            Assert.Equal("Zähler ✓", rec.MeterName);
            Assert.Equal(1.5m, rec.Cost);
        }

        [Fact]
        public void SemicolonDelimitedHeaderIsRecognised()
        {
            var recs = ReadAll(MiniHeader.Replace(',', ';') + "\n2024-01-02;1,5x;EUR;m;s;;o\n2024-01-03;2.5;EUR;m;s;;o\n", new List<UsageRowError>());
            Assert.Equal(2.5m, Assert.Single(recs).Cost);
        }

        [Fact]
        public void ExcelSeparatorHintLineIsHonoured()
        {
            var errors = new List<UsageRowError>();
            var text = "sep=;\r\n" + MiniHeader.Replace(',', ';') + "\r\n2024-01-02;2.5;EUR;m,n;s;;o\r\n2024-01-03;2,5;EUR;m;s;;o\r\n";
            var rec = Assert.Single(ReadAll(text, errors));
            Assert.Equal(2.5m, rec.Cost);
            Assert.Equal("m,n", rec.MeterName);
            Assert.Equal(4, Assert.Single(errors).LineNumber); // "2,5" is not an invariant number
        }

        [Theory]
        [InlineData("2024-03-05")]
        [InlineData("2024-03-05T00:00:00")]
        [InlineData("2024-03-05T00:00:00Z")]
        [InlineData("2024-03-05T00:00:00.0000000Z")]
        [InlineData("2024-03-05T23:00:00+05:30")]
        [InlineData("2024-03-05T00:00:00-08:00")]
        [InlineData("03/05/2024")]
        [InlineData("3/5/2024")]
        [InlineData("3/5/2024 12:00:00 AM")]
        public void DatesAreInvariantAndMidnightUtc(string date)
        {
            var saved = Thread.CurrentThread.CurrentCulture;
            Thread.CurrentThread.CurrentCulture = new System.Globalization.CultureInfo("de-DE");
            try
            {
                var rec = Assert.Single(ReadAll(Mini(date + ",1,USD,m,s,,o")));
                Assert.Equal(new DateTime(2024, 3, 5, 0, 0, 0, DateTimeKind.Utc), rec.Date);
                Assert.Equal(DateTimeKind.Utc, rec.Date.Kind);
            }
            finally { Thread.CurrentThread.CurrentCulture = saved; }
        }

        [Theory]
        [InlineData("2024-13-01")]
        [InlineData("2024-02-30")]
        [InlineData("13/01/2024")]
        [InlineData("yesterday")]
        [InlineData("2024-01-01X")]
        [InlineData("")]
        public void BadDatesAreRowErrors(string date)
        {
            var errors = new List<UsageRowError>();
            var recs = ReadAll(Mini(date + ",1,USD,m,s,,o", "2024-01-01,2,USD,m,s,,o"), errors);
            Assert.Equal(2m, Assert.Single(recs).Cost);
            var e = Assert.Single(errors);
            Assert.Equal(2, e.LineNumber);
            Assert.Contains("date", e.Reason);
        }

        [Theory]
        [InlineData("1.2E-05", "0.000012")]
        [InlineData("1.2e+3", "1200")]
        [InlineData("-0.5", "-0.5")]
        [InlineData("+7", "7")]
        [InlineData("0.10", "0.10")]
        [InlineData("123456789012345678.123456789", "123456789012345678.123456789")]
        [InlineData("0.0000000000000000000000000001", "0.0000000000000000000000000001")]
        [InlineData("5E-30", "0.0000000000000000000000000000")]
        public void DecimalsAreInvariantAndExact(string text, string expected)
        {
            Assert.True(UsageValueParser.TryParseDecimal(text, out var d));
            Assert.Equal(expected, d.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }

        [Theory]
        [InlineData("1,5")]
        [InlineData("abc")]
        [InlineData("1e")]
        [InlineData("--1")]
        [InlineData("NaN")]
        [InlineData("1e99999")]
        public void BadCostIsARowError(string cost)
        {
            var errors = new List<UsageRowError>();
            var recs = ReadAll(Mini("2024-01-01," + Quote(cost) + ",USD,m,s,,o", "2024-01-01,,USD,m,s,,o"), errors);
            Assert.Null(Assert.Single(recs).Cost); // empty cost: no value, not an error
            Assert.Contains("invalid number", Assert.Single(errors).Reason);
        }

        [Fact]
        public void LazyNumbersThatAreNotNumbersReadAsNullUnlessValidated()
        {
            var text = "Date,Cost,Currency,MeterId,Quantity,AccountName\r\n2024-01-01,1,USD,m,lots,a\r\n";
            var rec = Assert.Single(ReadAll(text));
            Assert.Null(rec.Quantity);
            Assert.Equal("lots", rec.SourceColumns["Quantity"]);
            var errors = new List<UsageRowError>();
            Assert.Empty(ReadAll(Bytes(text, false), errors, new UsageCsvReaderOptions { ValidateAllNumbers = true }));
            Assert.Contains("Quantity", Assert.Single(errors).Reason);
        }

        [Theory]
        [InlineData("{\"a\": \"b\", \"C\": \"d\"}")]
        [InlineData("\"a\": \"b\",\"C\": \"d\"")]
        [InlineData("\"a\":\"b\",\"C\":\"d\",")]
        public void TagsBothWays(string tags)
        {
            var rec = Assert.Single(ReadAll(Mini("2024-01-01,1,USD,m,s," + Quote(tags) + ",o")));
            Assert.Equal(2, rec.Tags.Count);
            Assert.Equal("b", rec.Tags["A"]);
            Assert.Equal("d", rec.Tags["c"]);
        }

        [Theory]
        [InlineData("")]
        [InlineData("not json")]
        [InlineData("{\"a\":")]
        public void EmptyOrInvalidTagsGiveAnEmptyDictionary(string tags)
        {
            var rec = Assert.Single(ReadAll(Mini("2024-01-01,1,USD,m,s," + Quote(tags) + ",o")));
            Assert.Empty(rec.Tags);
        }

        [Fact]
        public void QuotingEdgeCases()
        {
            var text = Mini(
                "2024-01-01,1,USD,\"a \"\"quoted\"\", name\",s,,o",
                "2024-01-02,2,USD,\"multi\r\nline\nname\",s,,o",
                "2024-01-03,3,USD,\"\",\"\",\"\",o",
                "\"2024-01-04\",\"4\",USD,m,s,,\"\"");
            var errors = new List<UsageRowError>();
            var recs = ReadAll(text, errors);
            Assert.Empty(errors);
            Assert.Equal(4, recs.Count);
            Assert.Equal("a \"quoted\", name", recs[0].MeterName);
            Assert.Equal("multi\r\nline\nname", recs[1].MeterName);
            Assert.Equal(string.Empty, recs[2].MeterName);
            Assert.Equal(new DateTime(2024, 1, 4), recs[3].Date);
            Assert.Equal(4m, recs[3].Cost);
            // Line numbers count the line breaks inside quotes: the row after the 3-line row starts on line 6.
            var errs = new List<UsageRowError>();
            ReadAll(Mini("2024-01-02,2,USD,\"a\r\nb\nc\",s,,o", "bad"), errs);
            Assert.Equal(5, Assert.Single(errs).LineNumber);
        }

        [Fact]
        public void BadRowsAreReportedAndReadingGoesOn()
        {
            var text = Mini(
                "2024-01-01,1,USD,m,s,,o",
                "2024-01-02,2,USD,m,s,o",              // too few fields
                "2024-01-03,3,USD,m,s,,o,extra",       // too many
                "2024-01-04,\"4\"x,USD,m,s,,o",        // junk after closing quote
                "2024-01-05,5,USD,m,s,,o",
                "2024-01-06,6,USD,\"unterminated,s,,o");
            var errors = new List<UsageRowError>();
            var recs = ReadAll(Bytes(text, false), errors, new UsageCsvReaderOptions { SourceName = "f.csv" });
            Assert.Equal(new[] { 1m, 5m }, recs.Select(r => r.Cost!.Value));
            Assert.Equal(new long[] { 3, 4, 5, 7 }, errors.Select(e => e.LineNumber));
            Assert.All(errors, e => Assert.Equal("f.csv", e.Source));
            Assert.Contains("expected 7 fields, found 6", errors[0].Reason);
            Assert.Contains("closing quote", errors[2].Reason);
            Assert.Contains("unbalanced quote", errors[3].Reason);
            Assert.StartsWith("f.csv(3): ", errors[0].ToString());
        }

        [Fact]
        public void TooManyBadRowsIsAFormatError()
        {
            var rows = Enumerable.Range(0, 20).Select(i => "garbage").ToArray();
            var ex = Assert.Throws<UsageFormatException>(() =>
                ReadAll(Bytes(Mini(rows), false), new List<UsageRowError>(), new UsageCsvReaderOptions { MaxErrors = 10 }));
            Assert.Contains("more than 10 bad rows", ex.Message);
        }

        [Fact]
        public void TenMegabyteLineIsABadRowNotAnOutOfMemory()
        {
            var sb = new StringBuilder();
            sb.Append(MiniHeader).Append("\r\n2024-01-01,1,USD,m,s,,o\r\n2024-01-02,2,USD,");
            sb.Append('x', 10 * 1024 * 1024);
            sb.Append(",s,,o\r\n2024-01-03,3,USD,m,s,,o\r\n");
            var errors = new List<UsageRowError>();
            var sw = Stopwatch.StartNew();
            var recs = ReadAll(sb.ToString(), errors);
            Assert.True(sw.Elapsed < TimeSpan.FromSeconds(10), sw.Elapsed.ToString());
            Assert.Equal(new[] { 1m, 3m }, recs.Select(r => r.Cost!.Value));
            var e = Assert.Single(errors);
            Assert.Equal(3, e.LineNumber);
            Assert.Contains("longer than", e.Reason);
        }

        [Fact]
        public void TenMegabyteOpenQuoteRecoversAtTheNextLine()
        {
            var sb = new StringBuilder();
            sb.Append(MiniHeader).Append("\n2024-01-02,2,USD,\"");
            sb.Append('y', 10 * 1024 * 1024);
            sb.Append("\n2024-01-03,3,USD,m,s,,o\n");
            var errors = new List<UsageRowError>();
            var recs = ReadAll(Bytes(sb.ToString(), false), errors, new UsageCsvReaderOptions { MaxLineLength = 64 * 1024 });
            Assert.Equal(3m, Assert.Single(recs).Cost);
            Assert.Single(errors);
        }

        [Fact]
        public void TenMegabyteFirstLineIsAFormatError()
        {
            var ex = Assert.Throws<UsageFormatException>(() => ReadAll(new string('z', 10 * 1024 * 1024)));
            Assert.Contains("longer than", ex.Message);
        }

        [Fact]
        public void BinaryGarbageIsAFormatError()
        {
            var rnd = new Random(1);
            var junk = new byte[100_000];
            rnd.NextBytes(junk);
            Assert.Throws<UsageFormatException>(() => ReadAll(junk));
            // NUL bytes (e.g. UTF-16 without BOM) are rejected in the first block.
            var utf16 = Encoding.Unicode.GetBytes(Mini("2024-01-01,1,USD,m,s,,o"));
            Assert.Contains("NUL", Assert.Throws<UsageFormatException>(() => ReadAll(utf16)).Message);
            // A PNG-like header with printable bytes and invalid UTF-8.
            var png = new byte[] { 0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0x41, 0x42 };
            Assert.Throws<UsageFormatException>(() => ReadAll(png));
            Assert.Contains("empty", Assert.Throws<UsageFormatException>(() => ReadAll(Array.Empty<byte>())).Message);
        }

        [Fact]
        public void InvalidUtf8InARowIsARowError()
        {
            var head = Encoding.UTF8.GetBytes(Mini("2024-01-01,1,USD,ok,s,,o"));
            var bad = Encoding.Latin1.GetBytes("2024-01-02,2,USD,Zähler,s,,o\r\n");
            var tail = Encoding.UTF8.GetBytes("2024-01-03,3,USD,Zähler,s,,o\r\n");
            var errors = new List<UsageRowError>();
            var recs = ReadAll(head.Concat(bad).Concat(tail).ToArray(), errors);
            Assert.Equal(new[] { 1m, 3m }, recs.Select(r => r.Cost!.Value));
            Assert.Equal("Zähler", recs[1].MeterName);
            Assert.Contains("UTF-8", Assert.Single(errors).Reason);
        }

        [Fact]
        public async Task GzipPathAndAsyncStream()
        {
            var dir = Directory.CreateTempSubdirectory("usage").FullName;
            try
            {
                var text = Mini("2024-01-01,1.25,USD,m,s,,o", "2024-01-02,2.5,USD,m,s,,o");
                var path = Path.Combine(dir, "u.csv.gz");
                using (var fs = File.Create(path))
                using (var gz = new GZipStream(fs, CompressionLevel.Fastest))
                {
                    var b = Bytes(text);
                    gz.Write(b, 0, b.Length);
                }
                using (var r = UsageCsvReader.Open(path))
                    Assert.Equal(3.75m, r.ReadAll().Sum(x => x.Cost!.Value));
                // One options object for several files: each error names its own file.
                var bad1 = Path.Combine(dir, "a.csv");
                var bad2 = Path.Combine(dir, "b.csv");
                File.WriteAllText(bad1, Mini("nope,1,USD,m,s,,o"));
                File.WriteAllText(bad2, Mini("nope,1,USD,m,s,,o"));
                var errs = new List<UsageRowError>();
                var shared = new UsageCsvReaderOptions { OnError = errs.Add };
                foreach (var p in new[] { bad1, bad2 })
                    using (var r = UsageCsvReader.Open(p, shared)) r.ReadAll().ToList();
                Assert.Equal(new[] { bad1, bad2 }, errs.Select(e => e.Source));
                Assert.Equal(UsageFileFormat.EaCostDetailsVariant, UsageCsvReader.DetectFormat(path));

                // A stream that trickles one byte at a time, read asynchronously (like an HTTP body).
                using var r2 = new UsageCsvReader(new TrickleStream(Bytes(text)), new UsageCsvReaderOptions());
                decimal sum = 0;
                await foreach (var rec in r2.ReadAllAsync()) sum += rec.Cost!.Value;
                Assert.Equal(3.75m, sum);

                var corrupt = File.ReadAllBytes(path).Take(30).Concat(new byte[50]).ToArray();
                Assert.Throws<UsageFormatException>(() => ReadAll(corrupt));
            }
            finally { Directory.Delete(dir, true); }
        }

        [Fact]
        public async Task CancellationStopsAsyncReading()
        {
            var sb = new StringBuilder(Ea2023Header);
            for (int i = 0; i < 5000; i++) AppendEa2023Row(sb, i);
            using var cts = new CancellationTokenSource();
            using var r = new UsageCsvReader(new TrickleStream(Bytes(sb.ToString()), 512), new UsageCsvReaderOptions());
            await Assert.ThrowsAnyAsync<OperationCanceledException>(async () =>
            {
                int n = 0;
                await foreach (var rec in r.ReadAllAsync(cts.Token)) { if (++n == 100) cts.Cancel(); }
            });
        }

        [Fact]
        public void RecordsStayValidAfterTheReaderMovedOn()
        {
            var sb = new StringBuilder(Ea2023Header);
            for (int i = 0; i < 3000; i++) AppendEa2023Row(sb, i);
            var recs = ReadAll(sb.ToString()); // buffer refilled many times since the first record
            Assert.Equal(3000, recs.Count);
            for (int i = 0; i < recs.Count; i += 97)
            {
                Assert.Equal("vm" + (i % 500), recs[i].ResourceName);
                Assert.Equal((i % 1000) * 0.0123456789m, recs[i].Cost);
                Assert.Equal("web" + (i % 7), recs[i].Tags["app"]);
            }
        }

        [Fact]
        public void TextReaderInput()
        {
            using var r = new UsageCsvReader(new StringReader("\uFEFF" + Mini("2024-01-01,1,USD,m,s,,o")));
            Assert.Equal(UsageFileFormat.EaCostDetailsVariant, r.ReadHeader());
            Assert.Equal("Date", r.Header![0]);
            Assert.Equal(1m, r.Read()!.Cost);
            Assert.Null(r.Read());
        }

        [Fact]
        public void PrefetchedReadingDeliversRecordsAndErrorsInOrderOnTheConsumerThread()
        {
            var sb = new StringBuilder(Ea2023Header);
            for (int i = 0; i < 2000; i++)
            {
                if (i % 100 == 7) sb.Append("broken,row\r\n");
                AppendEa2023Row(sb, i);
            }
            var bytes = Bytes(sb.ToString());
            var expected = ReadAll(bytes, new List<UsageRowError>());
            var events = new List<string>();
            int consumer = Environment.CurrentManagedThreadId;
            var opt = new UsageCsvReaderOptions { OnError = e => { Assert.Equal(consumer, Environment.CurrentManagedThreadId); events.Add("E" + e.LineNumber); } };
            using (var r = new UsageCsvReader(new MemoryStream(bytes), opt))
            {
                int k = 0;
                foreach (var rec in r.ReadAllPrefetched(batchSize: 64, maxBatchesAhead: 2))
                {
                    Assert.Equal(expected[k++].Cost, rec.Cost);
                    events.Add("R");
                }
                Assert.Equal(2000, k);
            }
            Assert.Equal(20, events.Count(e => e.StartsWith("E")));
            Assert.Equal("E9", events[7]); // the error arrives between the records around it
            Assert.Equal("R", events[8]);

            // Early stop: the producer ends; a fatal error arrives after the rows before it.
            using (var r = new UsageCsvReader(new MemoryStream(bytes)))
                Assert.Equal(10, r.ReadAllPrefetched(batchSize: 4, maxBatchesAhead: 1).Take(10).Count());
            var bad = Bytes(Ea2023Header + string.Concat(Enumerable.Repeat("x\r\n", 50)));
            int seen = 0;
            using (var r = new UsageCsvReader(new MemoryStream(bad), new UsageCsvReaderOptions { MaxErrors = 5, OnError = _ => seen++ }))
                Assert.Throws<UsageFormatException>(() => r.ReadAllPrefetched().ToList());
            Assert.Equal(6, seen);
        }

        /// <summary>Returns at most a few bytes per read, asynchronously.</summary>
        internal sealed class TrickleStream : Stream
        {
            private readonly byte[] _data;
            private readonly int _step;
            private int _pos;
            public TrickleStream(byte[] data, int step = 1) { _data = data; _step = step; }
            public override int Read(byte[] buffer, int offset, int count)
            {
                int n = Math.Min(Math.Min(count, _step), _data.Length - _pos);
                Buffer.BlockCopy(_data, _pos, buffer, offset, n);
                _pos += n;
                return n;
            }
            public override async Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken ct)
            {
                await Task.Yield();
                ct.ThrowIfCancellationRequested();
                return Read(buffer, offset, count);
            }
            public override bool CanRead => true;
            public override bool CanSeek => false;
            public override bool CanWrite => false;
            public override long Length => _data.Length;
            public override long Position { get => _pos; set => throw new NotSupportedException(); }
            public override void Flush() { }
            public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
            public override void SetLength(long value) => throw new NotSupportedException();
            public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        }
    }
}
