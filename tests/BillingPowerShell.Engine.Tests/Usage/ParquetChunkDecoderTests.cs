using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using BillingPowerShell.Engine.Usage;
using Parquet;
using Parquet.Schema;

namespace BillingPowerShell.Engine.Tests.Usage
{
    /// <summary>
    /// Our page decoder for text and DECIMAL columns (ParquetChunkDecoder) against Parquet.Net on the same column
    /// chunks: every row's text and decimal must be the same, on files DuckDB writes in the layouts export engines
    /// use (dictionary and plain text, nulls, several pages, snappy and uncompressed, data pages v1 and v2, DECIMAL as
    /// INT32, INT64 and FIXED_LEN_BYTE_ARRAY) and on the engine's own files. Layouts it does not read (zstd) must be
    /// left to Parquet.Net whole, and layouts it does read must not be (or this test would compare Parquet.Net with
    /// itself).
    /// </summary>
    public sealed class ParquetChunkDecoderTests : IDisposable
    {
        private readonly string _dir = Directory.CreateTempSubdirectory("pqpages").FullName;

        public void Dispose() => Directory.Delete(_dir, true);

        // Text with nulls, empty strings, non-ASCII and long values; few distinct values (dictionary) and many (plain
        // once DuckDB's dictionary gives up); decimals of three physical types, negative, with nulls, and beyond a decimal's 96 bits (rounded to fit, as Parquet.Net rounds).
        private const string Table =
            "SELECT CASE WHEN i % 7 = 0 THEN NULL WHEN i % 11 = 0 THEN '' ELSE 'Météo ☁ ' || (i % 13) END AS Few, " +
            "md5(i::VARCHAR) || CASE WHEN i % 1000 = 0 THEN repeat('x', 70000) ELSE '' END AS Many, " +
            "CASE WHEN i % 5 = 0 THEN NULL ELSE md5((i * 3)::VARCHAR) END AS ManyNulls, " +
            "CAST((i - 20000) / 100.0 AS DECIMAL(9,2)) AS D32, " +
            "CASE WHEN i % 3 = 0 THEN NULL ELSE CAST((i - 20000) * 1.2345 AS DECIMAL(18,4)) END AS D64, " +
            "CAST((i - 20000) * 12345.678901234567 AS DECIMAL(38,18)) AS D128, " +
            "CAST(12345678901.123456789012345678 AS DECIMAL(38,18)) * (CASE WHEN i % 2 = 0 THEN 1 ELSE -1 END) AS DBig, " +
            "CAST(123456789012.123456789012345678 AS DECIMAL(38,18)) * (CASE WHEN i % 2 = 0 THEN 1 ELSE -1 END) + i AS DHuge, " +
            "CAST('2024-01-01' AS DATE) + CAST(i % 28 AS INTEGER) AS Day " +
            "FROM range(0, {0}) t(i)";

        public static IEnumerable<object[]> Layouts => new[]
        {
            new object[] { "COMPRESSION snappy", true },
            new object[] { "COMPRESSION uncompressed", true },
            new object[] { "COMPRESSION snappy, ROW_GROUP_SIZE 3000", true },
            new object[] { "COMPRESSION snappy, PARQUET_VERSION V2", false }, // v2 pages; DuckDB's delta encodings go to Parquet.Net
            new object[] { "COMPRESSION zstd", false },
        };

        [Theory]
        [MemberData(nameof(Layouts))]
        public async Task EveryRowIsWhatParquetNetReads(string options, bool allOurs)
        {
            var path = Path.Combine(_dir, "t.parquet");
            using (var db = UsageParquetTests.DuckDb())
                UsageParquetTests.Query(db, $"COPY ({string.Format(Table, 40000)}) TO '{UsageParquetTests.Sql(path)}' (FORMAT parquet, {options})");
            var (ours, eligible, groups) = await CompareAsync(path);
            Assert.Equal(8 * groups, eligible); // every column but Day
            if (allOurs) Assert.Equal(eligible, ours);
            else if (options.Contains("zstd")) Assert.Equal(0, ours);
            else Assert.InRange(ours, 0, eligible);
        }

        [Fact]
        public async Task TheEngineOwnFocusFileIsAllOurs()
        {
            var path = Path.Combine(_dir, "focus.parquet");
            var csv = Path.Combine(_dir, "ea.csv");
            var sb = new StringBuilder(UsageTestData.Ea2023Header);
            for (var i = 0; i < 500; i++) UsageTestData.AppendEa2023Row(sb, i);
            File.WriteAllText(csv, sb.ToString());
            await using (var w = await UsageParquetWriter.CreateAsync(path, new UsageNormalizedTable(), overwrite: false, rowGroupSize: 200))
            {
                using var r = UsageFileReader.Open(csv);
                r.ReadHeader();
                foreach (var rec in r.ReadAllPrefetched()) await w.WriteAsync(rec);
                await w.CompleteAsync();
            }
            var (ours, eligible, groups) = await CompareAsync(path);
            Assert.Equal(3, groups);
            Assert.Equal(3 * 36, eligible); // three row groups of 36 text and DECIMAL columns (all but Date)
            Assert.Equal(eligible, ours);
        }

        /// <summary>A DuckDB file whose MeterName data page is overwritten with 0xFF after its first <paramref name="keep"/> bytes.</summary>
        private async Task<string> CorruptMeterNamePageAsync(Func<byte[], int> keep)
        {
            var path = Path.Combine(_dir, "corrupt.parquet");
            using (var db = UsageParquetTests.DuckDb())
                UsageParquetTests.Query(db, "COPY (SELECT '2024-01-0' || (i % 9 + 1) AS Date, 'meter ' || i AS MeterName, CAST(i AS VARCHAR) AS CostInBillingCurrency, " +
                    $"'USD' AS BillingCurrencyCode, 'sub' AS SubscriptionId FROM range(1, 201) t(i)) TO '{UsageParquetTests.Sql(path)}' (FORMAT parquet, COMPRESSION snappy)");
            long at;
            byte[] payload;
            await using (var fs = File.OpenRead(path))
            await using (var reader = await ParquetReader.CreateAsync(fs))
            {
                var meta = reader.Metadata!.RowGroups[0].Columns[1].MetaData!;
                Assert.Equal("MeterName", meta.PathInSchema[0]);
                var offset = meta.DictionaryPageOffset is long d && d > 0 ? Math.Min(d, meta.DataPageOffset) : meta.DataPageOffset;
                var head = new byte[256];
                fs.Position = offset;
                fs.ReadExactly(head);
                var pos = 0;
                var size = ParquetPageHeader.Read(head, ref pos).CompressedSize;
                at = offset + pos;
                payload = new byte[size];
                fs.Position = at;
                fs.ReadExactly(payload);
            }
            var kept = keep(payload);
            await using (var fs = File.OpenWrite(path))
            {
                fs.Position = at + kept;
                fs.Write(Enumerable.Repeat((byte)0xFF, payload.Length - kept).ToArray());
            }
            return path;
        }

        [Fact]
        public async Task ACorruptTextPageIsAFormatErrorNamingItsColumnWhenItsTextIsRead()
        {
            // The snappy stream's length (a varint) is kept, so the page headers and sizes still agree: found when read.
            var path = await CorruptMeterNamePageAsync(p => p.TakeWhile(b => b >= 0x80).Count() + 1);
            using var r = UsageFileReader.Open(path);
            r.ReadHeader();
            var records = r.ReadAllPrefetched().ToList();
            Assert.Equal(200, records.Count);                          // Date and Cost read, every row kept
            Assert.Equal(200 * 201 / 2, records.Sum(x => x.Cost));
            Assert.Equal("sub", records[5].SubscriptionId);             // other text columns read
            var ex = Assert.Throws<UsageFormatException>(() => records[5].MeterName);
            Assert.Contains("column 'MeterName'", ex.Message);
            Assert.Contains(path, ex.ToString());
        }

        [Fact]
        public async Task APageWhoseSizeItsBytesBelieIsLeftToParquetNetAndItsErrorNamesTheColumn()
        {
            var path = await CorruptMeterNamePageAsync(_ => 0);
            using var r = UsageFileReader.Open(path);
            r.ReadHeader();
            var ex = Assert.Throws<UsageFormatException>(() => r.ReadAllPrefetched().ToList());
            Assert.Contains("column 'MeterName' of row group 1 cannot be read", ex.Message);
        }

        [Fact]
        public void ACostBeyondAnyDecimalIsABadRowWithItsExactText()
        {
            var path = Path.Combine(_dir, "huge.parquet");
            using (var db = UsageParquetTests.DuckDb())
                UsageParquetTests.Query(db, "COPY (SELECT '2024-01-0' || i AS Date, 'm' AS MeterName, CAST(CASE WHEN i = 2 THEN '-1' || repeat('0', 30) ELSE CAST(i AS VARCHAR) END AS DECIMAL(38,2)) AS CostInBillingCurrency, " +
                    $"'USD' AS BillingCurrencyCode, 'sub' AS SubscriptionId FROM range(1, 4) t(i)) TO '{UsageParquetTests.Sql(path)}' (FORMAT parquet)");
            var errors = new List<UsageRowError>();
            using var r = UsageFileReader.Open(path, new UsageCsvReaderOptions { OnError = errors.Add });
            r.ReadHeader();
            Assert.Equal(new decimal?[] { 1, 3 }, r.ReadAllPrefetched().Select(x => x.Cost));
            Assert.Equal(2, Assert.Single(errors).LineNumber);
            Assert.Equal("row 2: invalid number '-" + new string('0', 30).Insert(0, "1") + ".00' in column 'CostInBillingCurrency'", errors[0].Reason);
        }

        [Theory]
        // Two digits dropped: one rounding of "46" (under half), not "6" then "5" (which would round the 3 up).
        [InlineData("7922816251426433759354395033346", 18, "7922816251426.4337593543950333")]
        [InlineData("-7922816251426433759354395033346", 18, "-7922816251426.4337593543950333")]
        [InlineData("7922816251426433759354395033350", 18, "7922816251426.4337593543950334")] // half: to even
        [InlineData("7922816251426433759354395033250", 18, "7922816251426.4337593543950332")]
        [InlineData("79228162514264337593543950335", 0, "79228162514264337593543950335")]   // 2^96 - 1 fits whole
        public void AnIntegerBeyond96BitsIsRoundedOnceHalfToEven(string unscaled, int scale, string expected)
        {
            Assert.True(ParquetSlices.TryRounded(System.Numerics.BigInteger.Parse(unscaled), scale, out var value));
            Assert.Equal(decimal.Parse(expected, System.Globalization.CultureInfo.InvariantCulture), value);
        }

        [Fact]
        public void AnIntegerNoDecimalHoldsIsNotRounded() =>
            Assert.False(ParquetSlices.TryRounded(System.Numerics.BigInteger.Pow(10, 31), 2, out _));

        [Fact]
        public void ACorruptPageHeaderIsNotSupportedNeverAStackOverflow()
        {
            // A struct field, then struct after struct within it: 100,000 deep.
            var deep = new byte[100_001];
            deep[0] = 0x4C;
            Array.Fill(deep, (byte)0x1C, 1, 100_000);
            var pos = 0;
            Assert.Throws<NotSupportedException>(() => ParquetPageHeader.Read(deep, ref pos));
            pos = 0;
            Assert.Throws<NotSupportedException>(() => ParquetPageHeader.Read(new byte[] { 0 }, ref pos)); // no type, no sizes
        }

        /// <summary>Compares every column chunk both ways; returns how many our decoder read, of how many text and DECIMAL chunks.</summary>
        private static async Task<(int Ours, int Eligible, int Groups)> CompareAsync(string path)
        {
            using var fs = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read);
            await using var reader = await ParquetReader.CreateAsync(fs, null, true);
            var fields = reader.Schema.GetDataFields();
            int ours = 0, eligible = 0;
            for (var g = 0; g < reader.RowGroupCount; g++)
            {
                using var group = reader.OpenRowGroupReader(g);
                var rows = (int)group.RowCount;
                for (var c = 0; c < fields.Length; c++)
                {
                    var t = fields[c].ClrType;
                    if (t == typeof(decimal) || t == typeof(string) || t == typeof(ReadOnlyMemory<char>)) eligible++;
                    var mine = ParquetChunkDecoder.TryRead(fs.SafeFileHandle, reader.Metadata!.RowGroups[g].Columns[c], reader.Metadata.Schema[c + 1], fields[c], rows);
                    if (mine == null) continue;
                    ours++;
                    var theirs = await ParquetColumnValues.ReadAsync(group, fields[c], rows, CancellationToken.None);
                    AssertSameRows(mine, theirs, rows, $"{Path.GetFileName(path)} group {g} column {fields[c].Name}");
                }
            }
            return (ours, eligible, reader.RowGroupCount);
        }

        private static void AssertSameRows(ParquetColumnValues mine, ParquetColumnValues theirs, int rows, string where)
        {
            byte[] a = new byte[16], b = new byte[16];
            for (var r = 0; r < rows; r++)
            {
                var na = mine.Append(r, ref a, 0);
                var nb = theirs.Append(r, ref b, 0);
                if (!a.AsSpan(0, na).SequenceEqual(b.AsSpan(0, nb)))
                    Assert.Fail($"{where} row {r}: '{Encoding.UTF8.GetString(a, 0, na)}' against Parquet.Net's '{Encoding.UTF8.GetString(b, 0, nb)}'");
                Assert.Equal(theirs.TryGetDecimal(r, out var dt), mine.TryGetDecimal(r, out var dm));
                Assert.Equal(dt, dm);
            }
        }
    }
}
