using System.IO;
using System.IO.Compression;
using System.Text;
using BillingPowerShell.Engine.Usage;

namespace BillingPowerShell.Engine.Tests.Usage;

/// <summary>.NET's GZipStream ends quietly on a cut-off file; the reader must say so instead of returning fewer rows.</summary>
public class GzipTruncationTests
{
    private static byte[] Gzip(int rows)
    {
        var csv = new StringBuilder("SubscriptionGuid,ResourceGroup,UsageDateTime,MeterCategory,PreTaxCost,Currency\r\n");
        for (var i = 0; i < rows; i++)
            csv.Append($"00000000-0000-0000-0000-{i:D12},rg-{i},2025-03-03,Storage,{i}.25,USD\r\n");
        using var ms = new MemoryStream();
        using (var gz = new GZipStream(ms, CompressionLevel.Fastest, leaveOpen: true))
        {
            var bytes = Encoding.UTF8.GetBytes(csv.ToString());
            gz.Write(bytes, 0, bytes.Length);
        }
        return ms.ToArray();
    }

    private static int CountRows(byte[] file)
    {
        using var reader = new UsageCsvReader(new MemoryStream(file), new UsageCsvReaderOptions { SourceName = "test.csv.gz" });
        var n = 0;
        foreach (var _ in reader.ReadAll()) n++;
        return n;
    }

    [Fact]
    public void A_complete_file_reads_every_row() => Assert.Equal(2000, CountRows(Gzip(2000)));

    [Theory]
    [InlineData(0.5)]
    [InlineData(0.9)]
    public void A_cut_off_file_is_an_error_not_fewer_rows(double keep)
    {
        var full = Gzip(2000);
        var cut = full[..(int)(full.Length * keep)];
        var ex = Assert.Throws<UsageFormatException>(() => CountRows(cut));
        Assert.Contains("truncated", ex.Message);
    }

    [Fact]
    public void A_file_missing_only_its_trailer_is_an_error()
    {
        var full = Gzip(50);
        Assert.Throws<UsageFormatException>(() => CountRows(full[..^8]));
    }
}
