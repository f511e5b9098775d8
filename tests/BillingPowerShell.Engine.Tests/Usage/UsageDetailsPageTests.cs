using System;
using System.Buffers;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;
using System.Text.Json;
using BillingPowerShell.Engine.Http;
using BillingPowerShell.Engine.Tests.Billing;
using BillingPowerShell.Engine.Usage;

namespace BillingPowerShell.Engine.Tests.Usage
{
    /// <summary>
    /// The usage-details page reader (bytes straight to records) against a plain JsonDocument reading of the same page:
    /// same columns, same values, whichever way the page is cut into pieces.
    /// </summary>
    public sealed class UsageDetailsPageTests
    {
        public static IEnumerable<object[]> OfficialExamples() =>
            new[]
            {
                "UsageDetailsExpand.json", "UsageDetailsList.json", "UsageDetailsListByBillingAccount.json",
                "UsageDetailsListByMCABillingAccount.json", "UsageDetailsListByMetricActualCost.json",
                "UsageDetailsListByMetricUsage.json", "UsageDetailsListFilterByTag.json",
            }.Select(f => new object[] { f });

        [Theory]
        [MemberData(nameof(OfficialExamples))]
        public void OfficialExamplesReadAsTheDocumentSaysAtEverySplit(string file)
        {
            var body = Encoding.UTF8.GetBytes(Examples.Body("Microsoft.Consumption/2024-08-01/" + file));
            var expected = Reference(body);
            Assert.NotEmpty(expected);
            var whole = Read(new ReadOnlySequence<byte>(body));
            AssertSame(expected, whole);
            // Cut in two at every position (a token, a name, an escape split across pieces), then in many small pieces.
            for (var cut = 1; cut < body.Length; cut += Math.Max(1, body.Length / 400))
                AssertSame(expected, Read(Split(body, cut)));
            foreach (var size in new[] { 1, 2, 3, 7, 64 })
                AssertSame(expected, Read(Pieces(body, size)));
        }

        [Fact]
        public void AwkwardValuesKeepTheirText()
        {
            const string page = @"{""nextLink"":null,""value"":[
              {""id"":""/x/1"",""kind"":""Legacy"",""etag"":""\""quoted\"""",""tags"":{""a b"":""c,d""},""properties"":{
                ""date"":""2024-01-02T00:00:00Z"",""cost"":1.5E-3,""billingCurrency"":""EUR"",""product"":""Line\nbreak, comma \u00e9\u20ac"",
                ""meterDetails"":{""meterName"":""M\""1"",""deep"":{""x"":[1,2,{""y"":null}]}},""empty"":{},""list"":[""a"",""b""],
                ""flag"":true,""off"":false,""none"":null,""esc\u0061ped"":""v"",""resourceName"":""\""starts with a quote""}},
              {""id"":""/x/2"",""kind"":""MODERN"",""properties"":{""date"":""2024-01-03"",""costInBillingCurrency"":""2"",""billingCurrencyCode"":""USD""}}]}";
            var bytes = Encoding.UTF8.GetBytes(page);
            var records = Read(new ReadOnlySequence<byte>(bytes));
            AssertSame(Reference(bytes), records);
            var r = records[0];
            Assert.Equal(UsageFileFormat.UsageDetailsLegacy, r.SourceFormat);
            Assert.Equal(0.0015m, r.Cost);
            Assert.Equal("\"quoted\"", r.SourceColumns["etag"]);
            Assert.Equal("Line\nbreak, comma é€", r.Product);
            Assert.Equal("M\"1", r.MeterName);
            Assert.Equal("\"starts with a quote", r.ResourceName);
            Assert.Equal("{\"x\":[1,2,{\"y\":null}]}", r.SourceColumns["meterDetails.deep"]);
            Assert.Equal("[\"a\",\"b\"]", r.SourceColumns["list"]);
            Assert.Equal("True", r.SourceColumns["flag"]);
            Assert.Equal("False", r.SourceColumns["off"]);
            Assert.Equal("", r.SourceColumns["none"]);
            Assert.Equal("v", r.SourceColumns["escaped"]);
            Assert.Equal("c,d", r.Tags["a b"]);
            Assert.DoesNotContain(r.Layout.Names, n => n == "properties" || n == "meterDetails" || n == "empty");
            Assert.Equal(UsageFileFormat.UsageDetailsModern, records[1].SourceFormat);
            Assert.Equal(2m, records[1].Cost);
            Assert.Equal("USD", records[1].Currency);
        }

        [Fact]
        public void ItemsWithTheSameColumnsShareOneLayoutAndDifferentColumnsGetTheirOwn()
        {
            var items = Enumerable.Range(0, 5).Select(i => $@"{{""kind"":""legacy"",""properties"":{{""date"":""2024-01-0{i + 1}"",""cost"":{i}}}}}")
                .Append(@"{""kind"":""legacy"",""properties"":{""date"":""2024-01-09"",""cost"":9,""extra"":""x""}}")
                .Append(@"{""kind"":""legacy"",""properties"":{""date"":""2024-01-09"",""cost"":10}}");
            var records = Read(new ReadOnlySequence<byte>(Encoding.UTF8.GetBytes("{\"value\":[" + string.Join(",", items) + "]}")));
            Assert.Equal(7, records.Count);
            Assert.All(records.Take(5), r => Assert.Same(records[0].Layout, r.Layout));
            Assert.NotSame(records[0].Layout, records[5].Layout);
            Assert.Equal("x", records[5].SourceColumns["extra"]);
            Assert.Same(records[0].Layout, records[6].Layout);
            Assert.Equal(new decimal?[] { 0, 1, 2, 3, 4, 9, 10 }, records.Select(r => r.Cost));
        }

        [Fact]
        public void AnItemWithHundredsOfPropertiesReadsWhole()
        {
            var props = string.Join(",", Enumerable.Range(0, 600).Select(i => $@"""p{i}"":""v{i}"""));
            var nested = string.Join(",", Enumerable.Range(0, 300).Select(i => $@"""n{i}"":{i}"));
            var page = $@"{{""value"":[{{""kind"":""legacy"",""properties"":{{""date"":""2024-01-01"",""cost"":1,{props},""meterDetails"":{{{nested}}}}}}}]}}";
            var bytes = Encoding.UTF8.GetBytes(page);
            var r = Assert.Single(Read(new ReadOnlySequence<byte>(bytes)));
            Assert.Equal(3 + 600 + 300, r.Layout.ColumnCount); // kind, date, cost and the rest
            Assert.Equal("v599", r.SourceColumns["p599"]);
            Assert.Equal("299", r.SourceColumns["meterDetails.n299"]);
            AssertSame(Reference(bytes), new List<UsageRecord> { r });
        }

        [Fact]
        public void AlternatingColumnSetsEachKeepTheirLayoutAndNamesThatLookAlikeStayApart()
        {
            var items = Enumerable.Range(0, 20).Select(i => i % 2 == 0
                ? $@"{{""tags"":{{""a"":""b""}},""properties"":{{""date"":""2024-01-01"",""cost"":{i}}}}}"
                : $@"{{""properties"":{{""date"":""2024-01-01"",""cost"":{i}}}}}")
                .Append(@"{""properties"":{""date"":""2024-01-01"",""cost"":1,""a|b"":""x""}}")
                .Append(@"{""properties"":{""date"":""2024-01-01"",""cost"":2,""a"":""x"",""b"":""y""}}");
            var records = Read(new ReadOnlySequence<byte>(Encoding.UTF8.GetBytes("{\"value\":[" + string.Join(",", items) + "]}")));
            Assert.Equal(22, records.Count);
            Assert.All(records.Take(20).Where((_, i) => i % 2 == 0), r => Assert.Same(records[0].Layout, r.Layout));
            Assert.All(records.Take(20).Where((_, i) => i % 2 == 1), r => Assert.Same(records[1].Layout, r.Layout));
            Assert.NotSame(records[20].Layout, records[21].Layout);
            Assert.Equal("x", records[20].SourceColumns["a|b"]);
            Assert.Equal("y", records[21].SourceColumns["b"]);
        }

        [Fact]
        public void BadItemsAreReportedAndSkippedAndNextLinkIsReadWhereverItIs()
        {
            const string page = @"{""nextLink"":""https://management.azure.com/next?$skiptoken=2"",""value"":[
              {""properties"":{""date"":""someday"",""cost"":1}},
              {""properties"":{""date"":""2024-01-01"",""cost"":""n/a""}},
              7,
              {""properties"":{""date"":""2024-01-01"",""cost"":3}}],""id"":null}";
            var bad = new List<string>();
            var result = UsageDetailsJson.ReadPage(new ReadOnlySequence<byte>(Encoding.UTF8.GetBytes(page)), 200, bad.Add)!;
            Assert.Equal("https://management.azure.com/next?$skiptoken=2", result.NextLink);
            Assert.Single(result.Items);
            Assert.Equal(3m, result.Items[0].Cost);
            Assert.Equal(2, bad.Count);
            Assert.Contains("someday", bad[0]);
            Assert.Contains("cost", bad[1]);
        }

        [Fact]
        public void AnswerWithoutValueArrayIsAnInvalidResponseAndEmptyBodyIsNoPage()
        {
            var ex = Assert.Throws<ArmException>(() => UsageDetailsJson.ReadPage(new ReadOnlySequence<byte>(Encoding.UTF8.GetBytes("{\"items\":[]}")), 200, null));
            Assert.Equal("InvalidResponse", ex.Code);
            Assert.Equal("InvalidResponse", Assert.Throws<ArmException>(() => UsageDetailsJson.ReadPage(new ReadOnlySequence<byte>(Encoding.UTF8.GetBytes("[1]")), 200, null)).Code);
            Assert.Null(UsageDetailsJson.ReadPage(ReadOnlySequence<byte>.Empty, 204, null));
            Assert.ThrowsAny<JsonException>(() => UsageDetailsJson.ReadPage(new ReadOnlySequence<byte>(Encoding.UTF8.GetBytes("{\"value\":[{\"a\":")), 200, null));
        }

        // ---- helpers -----------------------------------------------------------------------------------------------

        private static List<UsageRecord> Read(ReadOnlySequence<byte> page) => UsageDetailsJson.ReadPage(page, 200, bad => throw new InvalidDataException(bad))!.Items;

        /// <summary>Columns and values as a JsonDocument sees them: the rules the reader promises, written the slow way.</summary>
        private static List<List<(string Name, string Value)>> Reference(byte[] page)
        {
            using var doc = JsonDocument.Parse(page);
            var rows = new List<List<(string, string)>>();
            foreach (var item in doc.RootElement.GetProperty("value").EnumerateArray())
            {
                var row = new List<(string, string)>();
                foreach (var p in item.EnumerateObject())
                {
                    if (p.NameEquals("properties") && p.Value.ValueKind == JsonValueKind.Object)
                    {
                        foreach (var q in p.Value.EnumerateObject())
                        {
                            if (q.Value.ValueKind == JsonValueKind.Object)
                                foreach (var d in q.Value.EnumerateObject()) row.Add((q.Name + "." + d.Name, Text(d.Value)));
                            else row.Add((q.Name, Text(q.Value)));
                        }
                    }
                    else row.Add((p.Name, Text(p.Value)));
                }
                rows.Add(row);
            }
            return rows;
        }

        private static string Text(JsonElement v) => v.ValueKind switch
        {
            JsonValueKind.String => v.GetString()!,
            JsonValueKind.Null => "",
            JsonValueKind.True => "True",
            JsonValueKind.False => "False",
            _ => v.GetRawText(),
        };

        private static void AssertSame(List<List<(string Name, string Value)>> expected, List<UsageRecord> actual)
        {
            Assert.Equal(expected.Count, actual.Count);
            for (var i = 0; i < expected.Count; i++)
            {
                var columns = actual[i].SourceColumns;
                Assert.Equal(expected[i].Select(c => c.Name), actual[i].Layout.Names);
                for (var c = 0; c < expected[i].Count; c++)
                    Assert.Equal(expected[i][c].Value, actual[i].SourceColumns[expected[i][c].Name]);
            }
        }

        private static ReadOnlySequence<byte> Split(byte[] bytes, int at) =>
            Chain(new ReadOnlyMemory<byte>[] { bytes.AsMemory(0, at), bytes.AsMemory(at) });

        private static ReadOnlySequence<byte> Pieces(byte[] bytes, int size)
        {
            var pieces = new List<ReadOnlyMemory<byte>>();
            for (var i = 0; i < bytes.Length; i += size) pieces.Add(bytes.AsMemory(i, Math.Min(size, bytes.Length - i)));
            return Chain(pieces);
        }

        private static ReadOnlySequence<byte> Chain(IReadOnlyList<ReadOnlyMemory<byte>> pieces)
        {
            Segment? first = null, last = null;
            foreach (var p in pieces)
            {
                var s = new Segment(p, last);
                first ??= s;
                last = s;
            }
            return new ReadOnlySequence<byte>(first!, 0, last!, last!.Memory.Length);
        }

        private sealed class Segment : ReadOnlySequenceSegment<byte>
        {
            public Segment(ReadOnlyMemory<byte> memory, Segment? previous)
            {
                Memory = memory;
                if (previous is null) return;
                RunningIndex = previous.RunningIndex + previous.Memory.Length;
                previous.Next = this;
            }
        }
    }
}
