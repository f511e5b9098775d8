using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text;
using System.Threading.Tasks;
using BillingPowerShell.Engine.Usage;
using DuckDB.NET.Data;
using static BillingPowerShell.Engine.Tests.Usage.UsageTestData;

namespace BillingPowerShell.Engine.Tests.Usage
{
    /// <summary>
    /// The Parquet writer and reader, checked by a reader and writer nobody here wrote (DuckDB): every file the engine
    /// writes is read by DuckDB (row count, column types, cost per currency against the writer's summary), and files
    /// DuckDB writes with cost details column names, as an export engine would, are imported by the engine.
    /// </summary>
    public sealed class UsageParquetTests : IDisposable
    {
        private readonly string _dir = Directory.CreateTempSubdirectory("usagepq").FullName;

        public void Dispose() => Directory.Delete(_dir, true);

        /// <summary>EA 2023 rows in two currencies (odd rows EUR), written as a CSV file.</summary>
        private string EaCsv(int count, string name = "ea.csv")
        {
            var sb = new StringBuilder(Ea2023Header);
            for (var i = 0; i < count; i++)
            {
                var row = new StringBuilder();
                AppendEa2023Row(row, i);
                sb.Append(i % 2 == 1 ? row.ToString().Replace(",Contoso EA,USD,", ",Contoso EA,EUR,") : row.ToString());
            }
            var path = Path.Combine(_dir, name);
            File.WriteAllText(path, sb.ToString(), new UTF8Encoding(true));
            return path;
        }

        private static List<UsageRecord> ReadFile(string path, List<UsageRowError>? errors = null)
        {
            using var r = UsageFileReader.Open(path, new UsageCsvReaderOptions { OnError = e => errors?.Add(e) });
            r.ReadHeader();
            return r.ReadAllPrefetched(batchSize: 7).ToList();
        }

        private async Task<UsageExportSummary> WriteNormalizedAsync(IEnumerable<UsageRecord> records, string path, int rowGroupSize)
        {
            await using var w = await UsageParquetWriter.CreateAsync(path, new UsageNormalizedTable(), overwrite: false, rowGroupSize: rowGroupSize);
            foreach (var r in records) await w.WriteAsync(r);
            return await w.CompleteAsync();
        }

        internal static DuckDBConnection DuckDb()
        {
            var c = new DuckDBConnection("Data Source=:memory:");
            c.Open();
            return c;
        }

        internal static List<object?[]> Query(DuckDBConnection c, string sql)
        {
            using var cmd = c.CreateCommand();
            cmd.CommandText = sql;
            using var reader = cmd.ExecuteReader();
            var rows = new List<object?[]>();
            while (reader.Read())
            {
                var row = new object?[reader.FieldCount];
                for (var i = 0; i < row.Length; i++) row[i] = reader.IsDBNull(i) ? null : reader.GetValue(i);
                rows.Add(row);
            }
            return rows;
        }

        internal static string Sql(string path) => path.Replace("'", "''");

        /// <summary>DuckDB's view of a file the engine wrote must agree with the writer's summary.</summary>
        private static void AssertDuckDbAgrees(string path, UsageExportSummary summary, int rowGroupSize)
        {
            using var db = DuckDb();
            var p = Sql(path);
            Assert.Equal(summary.RowCount, Convert.ToInt64(Query(db, $"SELECT count(*) FROM read_parquet('{p}')")[0][0]));
            var types = Query(db, $"DESCRIBE SELECT * FROM read_parquet('{p}')").ToDictionary(r => (string)r[0]!, r => (string)r[1]!);
            Assert.Equal(UsageColumnMap.NormalizedHeader, types.Keys.ToList());
            Assert.Equal("DATE", types["Date"]);
            foreach (var d in new[] { "Quantity", "EffectivePrice", "UnitPrice", "Cost" }) Assert.Equal("DECIMAL(38,18)", types[d]);
            foreach (var s in new[] { "SubscriptionId", "MeterName", "Currency", "Tags", "AdditionalInfo", "SourceFormat" }) Assert.Equal("VARCHAR", types[s]);
            var sums = Query(db, $"SELECT Currency, CAST(sum(Cost) AS VARCHAR) FROM read_parquet('{p}') WHERE Cost IS NOT NULL GROUP BY Currency")
                .ToDictionary(r => (string)r[0]!, r => decimal.Parse((string)r[1]!, CultureInfo.InvariantCulture));
            Assert.Equal(summary.CostByCurrency.OrderBy(k => k.Key), sums.OrderBy(k => k.Key));
            var meta = Query(db, $"SELECT count(DISTINCT row_group_id), min(compression), max(compression) FROM parquet_metadata('{p}')")[0];
            Assert.Equal((summary.RowCount + rowGroupSize - 1) / rowGroupSize, Convert.ToInt64(meta[0]));
            Assert.Equal("SNAPPY", meta[1]);
            Assert.Equal("SNAPPY", meta[2]);
            var dates = Query(db, $"SELECT min(Date), max(Date) FROM read_parquet('{p}')")[0];
            Assert.Equal(summary.StartDate, Convert.ToDateTime(dates[0]?.ToString(), CultureInfo.InvariantCulture));
            Assert.Equal(summary.EndDate, Convert.ToDateTime(dates[1]?.ToString(), CultureInfo.InvariantCulture));
        }

        private static void AssertSameValues(UsageRecord a, UsageRecord b)
        {
            Assert.Equal(a.Date, b.Date);
            Assert.Equal(a.Quantity, b.Quantity);
            Assert.Equal(a.EffectivePrice, b.EffectivePrice);
            Assert.Equal(a.UnitPrice, b.UnitPrice);
            Assert.Equal(a.Cost, b.Cost);
            Assert.Equal(a.Tags.OrderBy(k => k.Key), b.Tags.OrderBy(k => k.Key));
            Assert.Equal(a.SourceFormat, b.SourceFormat);
            for (var f = 0; f < UsageColumnMap.FieldCount; f++)
            {
                var field = (UsageField)f;
                if (UsageColumnMap.IsText(field)) Assert.Equal(UsageCsvWriter.TextOf(a, field), UsageCsvWriter.TextOf(b, field));
            }
        }

        [Fact]
        public void RowGroupsHoldAboutTwoMillionValuesWhateverTheWidth()
        {
            // README, Performance: 100,000-row groups of a Normalized export peaked at 441 MB; FOCUS 1.2 has 97 columns.
            Assert.Equal(20_000, UsageParquetWriter.RowGroupSizeFor(100));
            Assert.Equal(2_000_000 / new UsageNormalizedTable().Columns.Count, UsageParquetWriter.RowGroupSizeFor(new UsageNormalizedTable().Columns.Count));
            Assert.Equal(UsageParquetWriter.MaxRowGroupSize, UsageParquetWriter.RowGroupSizeFor(5));
            Assert.Equal(UsageParquetWriter.MinRowGroupSize, UsageParquetWriter.RowGroupSizeFor(1_000));
        }

        [Fact]
        public async Task RepeatedTextIsHeldOnceAndReadBackIntact()
        {
            // Rows whose text repeats the row above (as usage rows do) are stored as the string above, and alternating
            // values are not mixed up: every field reads back as written.
            var source = ReadFile(EaCsv(300)).OrderBy(r => r.SubscriptionId, StringComparer.Ordinal).ToList();
            var path = Path.Combine(_dir, "repeat.parquet");
            await WriteNormalizedAsync(source, path, 128);
            var back = ReadFile(path, new List<UsageRowError>());
            Assert.Equal(source.Count, back.Count);
            for (var i = 0; i < source.Count; i++) AssertSameValues(source[i], back[i]);
        }

        [Theory]
        [InlineData(250, 64)]
        [InlineData(100, 100)]
        [InlineData(1, 100_000)]
        public async Task NormalizedParquetRoundTripsAndDuckDbAgrees(int rows, int rowGroupSize)
        {
            var source = ReadFile(EaCsv(rows));
            var path = Path.Combine(_dir, "n.parquet");
            var summary = await WriteNormalizedAsync(source, path, rowGroupSize);
            Assert.Equal(rows, summary.RowCount);
            Assert.Equal(new FileInfo(path).Length, summary.Bytes);
            Assert.Equal(source.Where(r => r.Currency == "USD").Sum(r => r.Cost!.Value), summary.CostByCurrency["USD"]);
            Assert.DoesNotContain(Directory.GetFiles(_dir), f => f.EndsWith(AtomicFilePartial, StringComparison.Ordinal));
            AssertDuckDbAgrees(path, summary, rowGroupSize);

            var errors = new List<UsageRowError>();
            var back = ReadFile(path, errors);
            Assert.Empty(errors);
            Assert.Equal(source.Count, back.Count);
            for (var i = 0; i < source.Count; i++) AssertSameValues(source[i], back[i]);
            Assert.All(back, r => Assert.Equal(UsageFileFormat.EaCostDetails2023, r.SourceFormat));
        }

        private const string AtomicFilePartial = ".partial";

        [Fact]
        public async Task TextThatLooksLikeAFormulaAndTagsRoundTripAsTheyAre()
        {
            // Parquet is not a spreadsheet: nothing is escaped on the way out, nothing unescaped on the way in.
            var csv = Csv(Normalized, new[]
            {
                Row(Normalized, new Dictionary<string, string> { ["Date"] = "2024-02-29", ["Cost"] = "1.5", ["Currency"] = "USD", ["MeterName"] = "'=SUM(A1)", ["SubscriptionId"] = "ABC", ["Tags"] = "{\"a\":\"=b\"}", ["SourceFormat"] = "McaCostDetails2023" }),
                Row(Normalized, new Dictionary<string, string> { ["Date"] = "2024-03-01", ["Cost"] = "", ["Currency"] = "EUR", ["MeterName"] = "plain", ["Quantity"] = "0.000000000000000001" }),
            });
            var source = ReadAll(csv);
            var path = Path.Combine(_dir, "f.parquet");
            var summary = await WriteNormalizedAsync(source, path, 10);
            AssertDuckDbAgrees(path, summary, 10);
            var back = ReadFile(path);
            Assert.Equal(2, back.Count);
            Assert.Equal("=SUM(A1)", back[0].MeterName); // the CSV reader unescaped it once; Parquet keeps that text
            Assert.Equal("=b", back[0].Tags["a"]);
            Assert.Equal("abc", back[0].SubscriptionId);
            Assert.Equal(UsageFileFormat.McaCostDetails2023, back[0].SourceFormat);
            Assert.Null(back[1].Cost);
            Assert.Equal(0.000000000000000001m, back[1].Quantity);
            Assert.Equal(UsageFileFormat.Normalized, back[1].SourceFormat);
        }

        public static IEnumerable<object[]> DuckDbExportShapes() => new[]
        {
            new object[] { "DECIMAL(38,18)", "DATE" },
            new object[] { "DECIMAL(18,10)", "TIMESTAMP" },
            new object[] { "DOUBLE", "DATE" },
            new object[] { "VARCHAR", "VARCHAR" },
        };

        [Theory]
        [MemberData(nameof(DuckDbExportShapes))]
        public void ImportsCostDetailsParquetWrittenByDuckDb(string costType, string dateType)
        {
            var csv = EaCsv(300);
            var expected = ReadFile(csv);
            var path = Path.Combine(_dir, "part_0_0001.snappy.parquet");
            using (var db = DuckDb())
            {
                // Cost details column names and order, typed as an export engine types them, 50 rows per row group.
                Query(db, $"CREATE TABLE t AS SELECT * REPLACE (CAST(CostInBillingCurrency AS {costType}) AS CostInBillingCurrency, " +
                    $"CAST(Quantity AS {costType}) AS Quantity, CAST(Date AS {dateType}) AS Date) FROM read_csv('{Sql(csv)}', header = true, all_varchar = true)");
                Query(db, $"COPY t TO '{Sql(path)}' (FORMAT parquet, COMPRESSION snappy, ROW_GROUP_SIZE 50)");
            }
            var errors = new List<UsageRowError>();
            var back = ReadFile(path, errors);
            Assert.Empty(errors);
            Assert.Equal(expected.Count, back.Count);
            Assert.All(back, r => Assert.Equal(UsageFileFormat.EaCostDetails2023, r.SourceFormat));
            foreach (var cur in new[] { "USD", "EUR" })
            {
                var want = expected.Where(r => r.Currency == cur).Sum(r => r.Cost!.Value);
                var got = back.Where(r => r.Currency == cur).Sum(r => r.Cost!.Value);
                if (costType == "DOUBLE") Assert.Equal((double)want, (double)got, 6);
                else Assert.Equal(want, got);
            }
            for (var i = 0; i < expected.Count; i++)
            {
                Assert.Equal(expected[i].Date, back[i].Date);
                Assert.Equal(expected[i].SubscriptionId, back[i].SubscriptionId);
                Assert.Equal(expected[i].Tags, back[i].Tags);
                Assert.Equal(expected[i].ResourceId, back[i].ResourceId);
                Assert.Equal(expected[i].SourceColumns.Count, back[i].SourceColumns.Count);
            }
        }

        [Fact]
        public void BadDatesAreBadRowsAndUnknownColumnsAreNotAUsageFile()
        {
            var path = Path.Combine(_dir, "bad.parquet");
            using (var db = DuckDb())
                Query(db, $"COPY (SELECT * FROM (VALUES ('2024-01-02', 'x', '1.5', 'USD'), (NULL, 'y', '2', 'USD'), ('2024-01-03', 'z', 'abc', 'USD'), ('2024-01-04', 'w', '3', 'USD')) " +
                    $"v(Date, MeterCategory, CostInBillingCurrency, BillingCurrencyCode)) TO '{Sql(path)}' (FORMAT parquet)");
            // Not enough columns to be a cost details file.
            var ex = Assert.Throws<UsageFormatException>(() => ReadFile(path));
            Assert.Contains("unrecognised columns", ex.Message);

            var good = Path.Combine(_dir, "rows.parquet");
            using (var db = DuckDb())
                Query(db, $"COPY (SELECT * FROM (VALUES ('2024-01-02', 'x', '1.5', 'USD', 'sub'), (NULL, 'y', '2', 'USD', 'sub'), ('2024-01-03', 'z', 'abc', 'USD', 'sub'), ('2024-01-04', 'w', '3', 'USD', 'sub')) " +
                    $"v(Date, MeterName, CostInBillingCurrency, BillingCurrencyCode, SubscriptionId)) TO '{Sql(good)}' (FORMAT parquet)");
            var errors = new List<UsageRowError>();
            var back = ReadFile(good, errors);
            Assert.Equal(new[] { "x", "w" }, back.Select(r => r.MeterName));
            Assert.Equal(new long[] { 2, 3 }, errors.Select(e => e.LineNumber));
            Assert.Contains("missing date", errors[0].Reason);
            Assert.Contains("invalid number 'abc'", errors[1].Reason);
        }

        [Fact]
        public void NullTextBetweenValuesStaysOnItsOwnRow()
        {
            // The reader takes text as Parquet.Net decodes it, only the defined values, packed: each must land on its row.
            var path = Path.Combine(_dir, "nulls.parquet");
            using (var db = DuckDb())
                Query(db, $"COPY (SELECT * FROM (VALUES ('2024-01-01', 'a', '1', 'USD', 's1'), ('2024-01-02', NULL, '2', 'USD', NULL), ('2024-01-03', 'c', '3', NULL, 's3'), " +
                    $"('2024-01-04', NULL, '4', 'USD', NULL), ('2024-01-05', 'e', '5', 'USD', 's5')) v(Date, MeterName, CostInBillingCurrency, BillingCurrencyCode, SubscriptionId)) " +
                    $"TO '{Sql(path)}' (FORMAT parquet, ROW_GROUP_SIZE 3)");
            var back = ReadFile(path);
            Assert.Equal(new[] { "a", "", "c", "", "e" }, back.Select(r => r.MeterName ?? ""));
            Assert.Equal(new[] { "s1", "", "s3", "", "s5" }, back.Select(r => r.SubscriptionId ?? ""));
            Assert.Equal(new[] { "USD", "USD", "", "USD", "USD" }, back.Select(r => r.Currency ?? ""));
            Assert.Equal(new decimal?[] { 1, 2, 3, 4, 5 }, back.Select(r => r.Cost));
        }

        [Fact]
        public void NotAParquetFileIsAFormatError()
        {
            var path = Path.Combine(_dir, "text.parquet");
            File.WriteAllText(path, "Date,Cost\n2024-01-01,1\n");
            Assert.Throws<UsageFormatException>(() => ReadFile(path));
        }

        [Fact]
        public async Task AnAbandonedWriteLeavesNothingAndAnExistingFileIsKept()
        {
            var source = ReadFile(EaCsv(10));
            var path = Path.Combine(_dir, "a.parquet");
            await using (var w = await UsageParquetWriter.CreateAsync(path, new UsageNormalizedTable(), overwrite: false, rowGroupSize: 3))
                foreach (var r in source) await w.WriteAsync(r); // row groups written, no CompleteAsync
            Assert.False(File.Exists(path));
            Assert.Empty(Directory.GetFiles(_dir, "*.partial"));
            File.WriteAllText(path, "keep");
            await Assert.ThrowsAsync<IOException>(() => UsageParquetWriter.CreateAsync(path, new UsageNormalizedTable(), overwrite: false));
            Assert.Equal("keep", File.ReadAllText(path));
            var summary = await Task.Run(async () =>
            {
                await using var w = await UsageParquetWriter.CreateAsync(path, new UsageNormalizedTable(), overwrite: true);
                foreach (var r in source) await w.WriteAsync(r);
                return await w.CompleteAsync();
            });
            Assert.Equal(10, summary.RowCount);
            Assert.Equal(10, ReadFile(path).Count);
        }

        [Fact]
        public async Task TheFocusTableWritesTypedParquetThatDuckDbAndTheReaderAgreeWith()
        {
            var source = ReadFile(EaCsv(40));
            var path = Path.Combine(_dir, "focus.parquet");
            UsageExportSummary summary;
            await using (var w = await UsageParquetWriter.CreateAsync(path, new BillingPowerShell.Engine.Usage.Focus.FocusTable(), overwrite: false))
            {
                foreach (var r in source) await w.WriteAsync(r);
                summary = await w.CompleteAsync();
            }
            Assert.Equal(UsageCsvSchema.Focus, summary.Schema);
            using (var db = DuckDb())
            {
                var p = Sql(path);
                Assert.Equal(40L, Convert.ToInt64(Query(db, $"SELECT count(*) FROM read_parquet('{p}')")[0][0]));
                var types = Query(db, $"DESCRIBE SELECT * FROM read_parquet('{p}')").ToDictionary(r => (string)r[0]!, r => (string)r[1]!);
                Assert.StartsWith("DECIMAL", types["BilledCost"]);
                Assert.StartsWith("TIMESTAMP", types["ChargePeriodStart"]);
                Assert.Equal("VARCHAR", types["BillingCurrency"]);
                var sums = Query(db, $"SELECT BillingCurrency, CAST(sum(BilledCost) AS VARCHAR) FROM read_parquet('{p}') GROUP BY BillingCurrency")
                    .ToDictionary(r => (string)r[0]!, r => decimal.Parse((string)r[1]!, CultureInfo.InvariantCulture));
                Assert.Equal(summary.CostByCurrency.OrderBy(k => k.Key), sums.OrderBy(k => k.Key));
            }
            var back = ReadFile(path);
            Assert.Equal(40, back.Count);
            Assert.All(back, r => Assert.Equal(UsageFileFormat.Focus, r.SourceFormat));
            Assert.Equal(summary.CostByCurrency["USD"], back.Where(r => r.Currency == "USD").Sum(r => r.Cost ?? 0m));
        }

        [Fact]
        public void ParquetIsSupportedInTheNet8BuildAndChosenByExtension()
        {
            Assert.True(UsageParquet.IsSupported);
            Assert.True(UsageParquet.IsParquetPath("x.PARQUET"));
            Assert.False(UsageParquet.IsParquetPath("x.parquet.csv"));
            Assert.IsType<UsageNormalizedTable>(BillingPowerShell.Engine.Costs.UsageJob.TableFor(UsageCsvSchema.Normalized));
            Assert.Throws<ArgumentException>(() => BillingPowerShell.Engine.Costs.UsageJob.TableFor(UsageCsvSchema.Native));
        }
    }
}
