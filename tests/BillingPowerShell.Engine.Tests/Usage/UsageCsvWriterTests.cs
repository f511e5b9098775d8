using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using BillingPowerShell.Engine.Usage;
using static BillingPowerShell.Engine.Tests.Usage.UsageTestData;

namespace BillingPowerShell.Engine.Tests.Usage
{
    public sealed class UsageCsvWriterTests : IDisposable
    {
        private readonly string _dir = Directory.CreateTempSubdirectory("usagew").FullName;

        public void Dispose() => Directory.Delete(_dir, true);

        private static string EaFile(int from, int count, bool bom = true, bool header = true)
        {
            var sb = new StringBuilder(header ? Ea2023Header : string.Empty);
            for (int i = from; i < from + count; i++) AppendEa2023Row(sb, i);
            return sb.ToString();
        }

        [Theory]
        [InlineData("n.csv")]
        [InlineData("n.csv.gz")]
        public void NormalizedRoundTrip(string name)
        {
            var source = ReadAll(EaFile(0, 200));
            var path = Path.Combine(_dir, name);
            UsageExportSummary summary;
            using (var w = UsageCsvWriter.Create(path, UsageCsvSchema.Normalized))
            {
                foreach (var r in source) w.Write(r);
                summary = w.Complete();
            }
            Assert.Equal(200, summary.RowCount);
            Assert.Equal(new DateTime(2024, 1, 1), summary.StartDate);
            Assert.Equal(new DateTime(2024, 1, 28), summary.EndDate);
            Assert.Equal(source.Sum(r => r.Cost!.Value), summary.CostByCurrency["USD"]);
            Assert.Equal(Path.GetFullPath(path), summary.Path);
            Assert.Single(Directory.GetFiles(_dir)); // no temp file left

            var errors = new List<UsageRowError>();
            List<UsageRecord> back;
            using (var r = UsageCsvReader.Open(path, new UsageCsvReaderOptions { OnError = errors.Add }))
            {
                Assert.Equal(UsageFileFormat.Normalized, r.ReadHeader());
                back = r.ReadAll().ToList();
            }
            Assert.Empty(errors);
            Assert.Equal(source.Count, back.Count);
            for (int i = 0; i < source.Count; i++) AssertSameRecord(source[i], back[i]);
        }

        internal static void AssertSameRecord(UsageRecord a, UsageRecord b)
        {
            Assert.Equal(a.Date, b.Date);
            Assert.Equal(a.Quantity, b.Quantity);
            Assert.Equal(a.EffectivePrice, b.EffectivePrice);
            Assert.Equal(a.UnitPrice, b.UnitPrice);
            Assert.Equal(a.Cost, b.Cost);
            Assert.Equal(a.Cost?.ToString(System.Globalization.CultureInfo.InvariantCulture), b.Cost?.ToString(System.Globalization.CultureInfo.InvariantCulture));
            Assert.Equal(a.Tags.OrderBy(k => k.Key), b.Tags.OrderBy(k => k.Key));
            Assert.Equal(a.SourceFormat, b.SourceFormat);
            for (int f = 0; f < UsageColumnMap.FieldCount; f++)
            {
                var field = (UsageField)f;
                if (UsageColumnMap.IsText(field)) Assert.Equal(UsageCsvWriter.TextOf(a, field), UsageCsvWriter.TextOf(b, field));
            }
        }

        [Theory]
        [InlineData(true)]
        [InlineData(false)]
        public void FormulaEscapingRoundTrip(bool escape)
        {
            var payloads = new[] { "=SUM(A1:A9)", "+cmd|' /C calc'!A0", "-2+3", "@SUM(1)", "\tTAB", "\rCR", "'=already", "''+two", "plain", "a=b", "'" };
            var header = "Date,Cost,Currency,MeterId,MeterName,ResourceGroup,AdditionalInfo,AccountName";
            var rows = payloads.Select((p, i) => $"2024-01-{i + 1:00},-1.5,USD,m{i},{Quote(p)},{Quote(p)},{Quote(p)},a");
            var source = ReadAll(header + "\n" + string.Join("\n", rows) + "\n");
            Assert.Equal(payloads.Length, source.Count);
            var path = Path.Combine(_dir, "f.csv");
            using (var w = UsageCsvWriter.Create(path, UsageCsvSchema.Normalized, new UsageCsvWriterOptions { EscapeFormulas = escape }))
            {
                foreach (var r in source) w.Write(r);
                w.Complete();
            }
            var text = File.ReadAllText(path);
            if (escape)
            {
                Assert.Contains(",'=SUM(A1:A9),", text);
                Assert.Contains(",'@SUM(1),", text);
                Assert.Contains(",'''+two,", text);
                Assert.DoesNotContain(",=SUM", text);
            }
            else Assert.Contains(",=SUM(A1:A9),", text);
            Assert.Contains(",-1.5,", text); // numbers are never altered
            Assert.DoesNotContain("'-1.5", text);
            var back = ReadAll(File.ReadAllBytes(path));
            for (int i = 0; i < payloads.Length; i++)
            {
                Assert.Equal(-1.5m, back[i].Cost);
                if (escape || !payloads[i].StartsWith("'"))
                {
                    Assert.Equal(payloads[i], back[i].MeterName);
                    Assert.Equal(payloads[i], back[i].ResourceGroup);
                    Assert.Equal(payloads[i], back[i].AdditionalInfo);
                }
            }
        }

        [Fact]
        public async Task NativeMergesChunksUnderOneHeaderByteForByte()
        {
            var c1 = Bytes(EaFile(0, 100));
            var c2 = Bytes(EaFile(100, 50));
            var c3 = Bytes(EaFile(150, 0));                            // header only
            var c4 = Bytes(EaFile(150, 25).TrimEnd('\r', '\n'), false); // no BOM, no final newline
            var c5 = Bytes(EaFile(175, 5));
            var path = Path.Combine(_dir, "native.csv");
            UsageExportSummary s;
            using (var w = UsageCsvWriter.Create(path, UsageCsvSchema.Native))
            {
                foreach (var c in new[] { c1, c2, c3, c4, c5 })
                    await w.WriteNativeChunkAsync(new UsageCsvReaderTests.TrickleStream(c, 7000));
                s = w.Complete();
            }
            var expected = Bytes(EaFile(0, 180));
            Assert.Equal(expected, File.ReadAllBytes(path));
            Assert.Equal(180, s.RowCount);
            Assert.Equal(5, s.ChunkCount);
            Assert.Equal(expected.Length, s.Bytes);
            Assert.Equal(new DateTime(2024, 1, 1), s.StartDate);
            Assert.Equal(new DateTime(2024, 1, 28), s.EndDate);
            Assert.Equal(ReadAll(expected).Sum(r => r.Cost!.Value), s.CostByCurrency["USD"]);
        }

        [Fact]
        public async Task NativeSummaryTotalsEachCurrencyWhenTheCurrencyChangesFromRowToRow()
        {
            // The summary reads rows into one reused buffer and keeps the last currency as bytes: both must follow
            // every change (quoted values, a currency that comes back, rows longer than the ones before).
            var rows = new StringBuilder("Date,CostInBillingCurrency,BillingCurrencyCode,MeterName,SubscriptionId,Tags,AccountOwnerId\r\n");
            decimal eur = 0, usd = 0, gbp = 0;
            for (var i = 0; i < 300; i++)
            {
                var cur = (i % 7) switch { 0 or 1 or 2 => "EUR", 3 => "\"USD\"", 4 or 5 => "USD", _ => "GBP" };
                var cost = i + 0.25m;
                if (cur.Contains("USD")) usd += cost; else if (cur == "EUR") eur += cost; else gbp += cost;
                rows.Append($"2024-01-{i % 28 + 1:00},{cost.ToString(System.Globalization.CultureInfo.InvariantCulture)},{cur},\"Meter {new string('m', i % 50)}, {i}\",S{i},,o\r\n");
            }
            var path = Path.Combine(_dir, "currencies.csv");
            UsageExportSummary s;
            using (var w = UsageCsvWriter.Create(path, UsageCsvSchema.Native))
            {
                await w.WriteNativeChunkAsync(new UsageCsvReaderTests.TrickleStream(Bytes(rows.ToString()), 333));
                s = w.Complete();
            }
            Assert.Equal(300, s.RowCount);
            Assert.Equal(eur, s.CostByCurrency["EUR"]);
            Assert.Equal(usd, s.CostByCurrency["USD"]);
            Assert.Equal(gbp, s.CostByCurrency["GBP"]);
            Assert.Equal(3, s.CostByCurrency.Count);
            Assert.Equal(new DateTime(2024, 1, 1), s.StartDate);
            Assert.Equal(new DateTime(2024, 1, 28), s.EndDate);
        }

        [Fact]
        public void ReaderWithReusedRowsReadsEveryRowIntoOneBuffer()
        {
            var text = "Date,CostInBillingCurrency,BillingCurrencyCode,MeterName,SubscriptionId,Tags,AccountOwnerId\r\n" +
                "2024-01-02,1.5,EUR,M1,S1,,o\r\n2024-01-03,2.25,USD,\"M, \"\"two\"\"\",S2,,o\r\n2024-01-04,3,EUR,M3 with a much longer name than before,S3,,o\r\n";
            var expected = ReadAll(Bytes(text)).Select(r => (r.Date, r.Cost, r.Currency, r.MeterName)).ToList();
            using var reader = new UsageCsvReader(new MemoryStream(Bytes(text)), new UsageCsvReaderOptions { ReuseRows = true });
            var seen = new List<(DateTime, decimal?, string, string)>();
            var lines = new HashSet<byte[]>(ReferenceEqualityComparer.Instance);
            var records = new HashSet<UsageRecord>(ReferenceEqualityComparer.Instance);
            UsageRecord? r;
            while ((r = reader.Read()) != null)
            {
                records.Add(r);
                Assert.True(r.TryGetRawSpan(UsageField.Currency, out var line, out _, out _)); // before Currency is materialised
                lines.Add(line);
                seen.Add((r.Date, r.Cost, r.Currency, r.MeterName));
            }
            Assert.Equal(expected, seen);
            Assert.True(lines.Count <= 2, $"{lines.Count} row buffers for 3 rows"); // grown once for the long row at most
            Assert.Single(records);
        }

        [Fact]
        public async Task NativeCopiesBadRowsAsDeliveredAndReportsThem()
        {
            var text = EaFile(0, 5) + "not,a,row\r\n" + EaFile(5, 5, header: false);
            var errors = new System.Collections.Concurrent.ConcurrentQueue<UsageRowError>();
            var path = Path.Combine(_dir, "n.csv");
            using (var w = UsageCsvWriter.Create(path, UsageCsvSchema.Native,
                       new UsageCsvWriterOptions { ReaderOptions = new UsageCsvReaderOptions { SourceName = "blob", OnError = errors.Enqueue } }))
            {
                await w.WriteNativeChunkAsync(new MemoryStream(Bytes(text)));
                var s = w.Complete();
                Assert.Equal(10, s.RowCount);
                Assert.Equal(1, s.BadRowCount);
            }
            Assert.Equal(Bytes(text), File.ReadAllBytes(path));
            var e = Assert.Single(errors);
            Assert.Equal(7, e.LineNumber);
            Assert.Equal("blob 1", e.Source);

            // Too many bad rows: the export fails and nothing is left behind.
            var junk = Ea2023Header + string.Concat(Enumerable.Repeat("x\r\n", 100));
            using (var w = UsageCsvWriter.Create(path + "2", UsageCsvSchema.Native,
                       new UsageCsvWriterOptions { ReaderOptions = new UsageCsvReaderOptions { MaxErrors = 3 } }))
            {
                await Assert.ThrowsAsync<UsageFormatException>(() => w.WriteNativeChunkAsync(new MemoryStream(Bytes(junk))));
            }
            Assert.False(File.Exists(path + "2"));

            // The same while the copy is still far from done (the parse fails with megabytes still to come): the error
            // is the parse's, not the cancellation it uses to stop the copy.
            var bigJunk = Ea2023Header + string.Concat(Enumerable.Repeat("x,y\r\n", 3_000_000));
            using (var w = UsageCsvWriter.Create(path + "3", UsageCsvSchema.Native,
                       new UsageCsvWriterOptions { ReaderOptions = new UsageCsvReaderOptions { MaxErrors = 3 } }))
            {
                await Assert.ThrowsAsync<UsageFormatException>(() => w.WriteNativeChunkAsync(new MemoryStream(Bytes(bigJunk))));
            }
            Assert.False(File.Exists(path + "3"));
        }

        [Fact]
        public async Task NativeGzipWithoutSummaryIsAPlainCopy()
        {
            var c1 = Bytes(EaFile(0, 10));
            var c2 = Bytes(EaFile(10, 10));
            var path = Path.Combine(_dir, "native.csv.gz");
            using (var w = UsageCsvWriter.Create(path, UsageCsvSchema.Native, new UsageCsvWriterOptions { NativeSummary = false }))
            {
                await w.WriteNativeChunkAsync(new MemoryStream(c1));
                await w.WriteNativeChunkAsync(new MemoryStream(c2));
                Assert.Equal(0, w.Complete().RowCount);
            }
            using var gz = new System.IO.Compression.GZipStream(File.OpenRead(path), System.IO.Compression.CompressionMode.Decompress);
            var ms = new MemoryStream();
            gz.CopyTo(ms);
            Assert.Equal(Bytes(EaFile(0, 20)), ms.ToArray());
        }

        [Fact]
        public async Task NativeChunkWithAnotherHeaderFailsAndLeavesNoFile()
        {
            var path = Path.Combine(_dir, "bad.csv");
            var w = UsageCsvWriter.Create(path, UsageCsvSchema.Native);
            await w.WriteNativeChunkAsync(new MemoryStream(Bytes(EaFile(0, 10))));
            var other = Bytes(string.Join(",", Ea2021) + "\r\n");
            var ex = await Assert.ThrowsAsync<UsageFormatException>(() => w.WriteNativeChunkAsync(new MemoryStream(other)));
            Assert.Contains("different header", ex.Message);
            w.Dispose();
            Assert.False(File.Exists(path));
            Assert.Empty(Directory.GetFiles(_dir));
        }

        [Fact]
        public async Task FailureOrCancelLeavesNothingAtThePath()
        {
            var path = Path.Combine(_dir, "atomic.csv");
            // Normalized: an exception half-way (the caller disposes without Complete).
            var source = ReadAll(EaFile(0, 50));
            try
            {
                using var w = UsageCsvWriter.Create(path, UsageCsvSchema.Normalized);
                foreach (var r in source) w.Write(r);
                throw new InvalidOperationException("boom");
            }
            catch (InvalidOperationException ex) when (ex.Message == "boom") { } // only the test's own: one from Create or Write fails the test
            Assert.Empty(Directory.GetFiles(_dir));

            // Native: cancelled in the middle of a blob.
            using var cts = new CancellationTokenSource();
            using (var w = UsageCsvWriter.Create(path, UsageCsvSchema.Native))
            {
                var big = Bytes(EaFile(0, 3000));
                var task = w.WriteNativeChunkAsync(new CancelAfterStream(big, 50_000, cts), cts.Token);
                await Assert.ThrowsAnyAsync<OperationCanceledException>(() => task);
            }
            Assert.Empty(Directory.GetFiles(_dir));

            // Existing file: refused without Overwrite, untouched on failure, replaced with Overwrite.
            File.WriteAllText(path, "old");
            Assert.Throws<IOException>(() => UsageCsvWriter.Create(path, UsageCsvSchema.Normalized));
            using (var w = UsageCsvWriter.Create(path, UsageCsvSchema.Normalized, new UsageCsvWriterOptions { Overwrite = true }))
            {
                w.Write(source[0]);
            }
            Assert.Equal("old", File.ReadAllText(path));
            using (var w = UsageCsvWriter.Create(path, UsageCsvSchema.Normalized, new UsageCsvWriterOptions { Overwrite = true }))
            {
                w.Write(source[0]);
                w.Complete();
            }
            Assert.StartsWith("Date,", File.ReadAllText(path).TrimStart('\uFEFF'));
            Assert.Single(Directory.GetFiles(_dir));
            Assert.Throws<DirectoryNotFoundException>(() => UsageCsvWriter.Create(Path.Combine(_dir, "missing", "x.csv"), UsageCsvSchema.Native));
        }

        [Fact]
        public void TempFilesOfAKilledExportAreRemovedButNotThoseInUse()
        {
            var path = Path.Combine(_dir, "u.csv");
            var stale = Path.Combine(_dir, ".u.csv.0123abcd.partial");
            File.WriteAllText(stale, "half an export");
            var other = Path.Combine(_dir, ".u.csv.notours.partial");
            File.WriteAllText(other, "x");
            using (var running = UsageCsvWriter.Create(path, UsageCsvSchema.Normalized)) // holds its own temp file
            {
                Assert.False(File.Exists(stale));
                Assert.True(File.Exists(other));
                var inUse = Directory.GetFiles(_dir, ".u.csv.*.partial").Single(f => f != other);
                using (var second = UsageCsvWriter.Create(path, UsageCsvSchema.Normalized))
                    Assert.True(File.Exists(inUse)); // the running export's temp file is left alone
            }
            Assert.Equal(new[] { other }, Directory.GetFiles(_dir));
        }

        /// <summary>Cancels its token once a number of bytes has been read.</summary>
        private sealed class CancelAfterStream : MemoryStream
        {
            private readonly int _after;
            private readonly CancellationTokenSource _cts;
            public CancelAfterStream(byte[] b, int after, CancellationTokenSource cts) : base(b) { _after = after; _cts = cts; }
            public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken ct)
            {
                if (Position > _after) _cts.Cancel();
                ct.ThrowIfCancellationRequested();
                return base.ReadAsync(buffer, offset, Math.Min(count, 4096), ct);
            }
        }
    }
}
