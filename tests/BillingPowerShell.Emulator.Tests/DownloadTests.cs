using System;
using System.Diagnostics;
using System.IO;
using System.IO.Compression;
using System.Linq;
using System.Net.Http;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using System.Threading.Tasks;

namespace BillingPowerShell.Emulator.Tests;

/// <summary>Invoice download LRO timing, the blob host (SAS, Range, HEAD, no Authorization), real PDFs and zips.</summary>
[Collection("emulator")]
public sealed class DownloadTests
{
    private readonly EmulatorFixture _f;
    public DownloadTests(EmulatorFixture f) => _f = f;

    private async Task<(string Url, TimeSpan Waited, int Polls)> Download(string postPath, object? body = null, bool expectValid = true)
    {
        var sw = Stopwatch.StartNew();
        var (status, _, res) = await _f.Send(HttpMethod.Post, postPath, body: body);
        Assert.Equal(202, status);
        Assert.Equal("0", res.Headers.GetValues("Retry-After").Single());          // 10 s × 0.01 = 100 ms → "0"
        Assert.Equal("100", res.Headers.GetValues("retry-after-ms").Single());     // the exact scaled value
        string location = res.Headers.Location!.ToString();
        Assert.StartsWith(_f.Arm + "/providers/Microsoft.Billing/billingAccounts/", location);
        Assert.Contains("/operationResults/invoiceDownload_", location);
        int polls = 0;
        while (true)
        {
            var (s, b, _) = await _f.Send(HttpMethod.Get, location);
            polls++;
            // The operation was created after sw started: an answer back within the scaled 10 s cannot be "done".
            if (sw.Elapsed < TimeSpan.FromMilliseconds(90)) Assert.Equal(202, s);
            if (s == 200)
            {
                Assert.Equal(expectValid, DateTime.Parse(b.GetProperty("expiryTime").GetString()!).ToUniversalTime() > DateTime.UtcNow);
                return (b.GetProperty("url").GetString()!, sw.Elapsed, polls);
            }
            Assert.Equal(202, s);
            await Task.Delay(20);
            Assert.True(polls < 1000);
        }
    }

    private JsonElement McaInvoice => _f.Invoice("MicrosoftCustomerAgreement");

    [Fact]
    public async Task Download_lro_takes_the_scaled_time_and_serves_the_exact_pdf()
    {
        var inv = McaInvoice;
        var doc = inv.GetProperty("documents")[0];
        var (url, waited, polls) = await Download($"/providers/Microsoft.Billing/billingAccounts/{_f.Mca}/invoices/{inv.GetProperty("name").GetString()}/download?api-version=2024-04-01&documentName={doc.GetProperty("name").GetString()}");
        Assert.True(waited >= TimeSpan.FromMilliseconds(95), "operation finished too early: " + waited);
        Assert.StartsWith(_f.Host.BlobUrl + "/invoices/", url);
        Assert.Contains("sv=2019-02-02", url);
        Assert.Contains("sig=", url);
        Assert.Contains("localhost", url); // a different host name and port than the ARM endpoint
        Assert.DoesNotContain("127.0.0.1", url);

        using var res = await _f.Client.GetAsync(url);
        Assert.Equal(200, (int)res.StatusCode);
        Assert.Equal("application/pdf", res.Content.Headers.ContentType!.MediaType);
        Assert.NotNull(res.Headers.ETag);
        var bytes = await res.Content.ReadAsByteArrayAsync();
        Assert.Equal(bytes.Length, res.Content.Headers.ContentLength);
        Assert.Equal(doc.GetProperty("sha256").GetString(), Convert.ToHexString(SHA256.HashData(bytes)).ToLowerInvariant());
        AssertValidPdf(bytes, inv.GetProperty("name").GetString()!, doc.GetProperty("name").GetString()!);
    }

    /// <summary>A real PDF: header, every xref offset pointing at its "n 0 obj", startxref pointing at "xref", text naming the invoice.</summary>
    internal static void AssertValidPdf(byte[] bytes, string invoiceName, string documentName)
    {
        string s = Encoding.Latin1.GetString(bytes);
        Assert.StartsWith("%PDF-1.4", s);
        Assert.EndsWith("%%EOF\n", s);
        int startxref = int.Parse(Regex.Match(s, @"startxref\n(\d+)\n%%EOF").Groups[1].Value);
        Assert.Equal("xref", s.Substring(startxref, 4));
        var entries = Regex.Matches(s.Substring(startxref), @"(\d{10}) 00000 n\r\n");
        Assert.True(entries.Count >= 5);
        for (int i = 0; i < entries.Count; i++)
            Assert.Equal($"{i + 1} 0 obj", s.Substring(int.Parse(entries[i].Groups[1].Value), $"{i + 1} 0 obj".Length));
        int len = int.Parse(Regex.Match(s, @"/Length (\d+) >>\nstream\n").Groups[1].Value);
        int streamStart = s.IndexOf(">>\nstream\n", StringComparison.Ordinal) + ">>\nstream\n".Length;
        Assert.Equal("endstream", s.Substring(streamStart + len, 9));
        Assert.Contains("(Invoice: " + invoiceName + ")", s);
        Assert.Contains("(Document name: " + documentName + ")", s);
        Assert.Contains("Total: ", s);
        Assert.Contains("Billing period: ", s);
    }

    [Fact]
    public async Task Subscription_download_and_downloadDocuments_zip()
    {
        string sub = _f.Sub("MicrosoftOnlineServicesProgram");
        var invs = _f.Account("MicrosoftOnlineServicesProgram").GetProperty("invoices").EnumerateArray().Where(i => i.GetProperty("subscriptionId").GetString() == sub).Take(3).ToList();
        var (url, _, _) = await Download($"/providers/Microsoft.Billing/billingAccounts/default/billingSubscriptions/{sub}/invoices/{invs[0].GetProperty("name").GetString()}/download?api-version=2024-04-01");
        Assert.Equal(invs[0].GetProperty("documents")[0].GetProperty("sha256").GetString(), Convert.ToHexString(SHA256.HashData(await _f.Client.GetByteArrayAsync(url))).ToLowerInvariant());

        var request = invs.Select(i => new { invoiceName = i.GetProperty("name").GetString(), documentName = i.GetProperty("documents")[0].GetProperty("name").GetString() }).ToArray();
        var (zipUrl, _, _) = await Download($"/providers/Microsoft.Billing/billingAccounts/default/billingSubscriptions/{sub}/downloadDocuments?api-version=2024-04-01", request);
        Assert.EndsWith(".zip", new Uri(zipUrl).AbsolutePath);
        var zipBytes = await _f.Client.GetByteArrayAsync(zipUrl);
        Assert.Equal(zipBytes, await _f.Client.GetByteArrayAsync(zipUrl)); // deterministic
        using var zip = new ZipArchive(new MemoryStream(zipBytes));
        Assert.Equal(3, zip.Entries.Count);
        foreach (var (entry, inv) in zip.Entries.Zip(invs))
        {
            using var ms = new MemoryStream();
            entry.Open().CopyTo(ms);
            Assert.Equal(inv.GetProperty("documents")[0].GetProperty("sha256").GetString(), Convert.ToHexString(SHA256.HashData(ms.ToArray())).ToLowerInvariant());
            Assert.StartsWith(inv.GetProperty("name").GetString()!, entry.Name);
        }
        // Unknown invoice in the batch → 404 before any operation starts.
        var (s404, _, _) = await _f.Send(HttpMethod.Post, $"/providers/Microsoft.Billing/billingAccounts/default/billingSubscriptions/{sub}/downloadDocuments?api-version=2024-04-01", body: new[] { new { invoiceName = "E000000000" } });
        Assert.Equal(404, s404);
    }

    [Fact]
    public async Task Blob_host_refuses_authorization_header_supports_range_and_head_and_checks_sas()
    {
        var inv = McaInvoice;
        var (url, _, _) = await Download($"/providers/Microsoft.Billing/billingAccounts/{_f.Mca}/invoices/{inv.GetProperty("name").GetString()}/download?api-version=2024-04-01");
        var full = await _f.Client.GetByteArrayAsync(url);

        using (var req = new HttpRequestMessage(HttpMethod.Get, url))
        {
            req.Headers.Authorization = new AuthenticationHeaderValue("Bearer", EmulatorFixture.Token);
            using var res = await _f.Client.SendAsync(req);
            Assert.Contains((int)res.StatusCode, new[] { 400, 403 });
            Assert.Contains("<Code>", await res.Content.ReadAsStringAsync());
        }
        using (var req = new HttpRequestMessage(HttpMethod.Get, url))
        {
            req.Headers.Range = new RangeHeaderValue(10, 29);
            using var res = await _f.Client.SendAsync(req);
            Assert.Equal(206, (int)res.StatusCode);
            Assert.Equal($"bytes 10-29/{full.Length}", res.Content.Headers.ContentRange!.ToString());
            Assert.Equal(full.AsSpan(10, 20).ToArray(), await res.Content.ReadAsByteArrayAsync());
        }
        using (var req = new HttpRequestMessage(HttpMethod.Get, url))
        {
            req.Headers.Range = new RangeHeaderValue(full.Length + 5, null);
            using var res = await _f.Client.SendAsync(req);
            Assert.Equal(416, (int)res.StatusCode);
        }
        using (var req = new HttpRequestMessage(HttpMethod.Head, url))
        {
            using var res = await _f.Client.SendAsync(req);
            Assert.Equal(200, (int)res.StatusCode);
            Assert.Equal(full.Length, res.Content.Headers.ContentLength);
            Assert.Equal("bytes", res.Headers.AcceptRanges.Single());
        }
        // Tampered signature or blob name.
        string tampered = Regex.Replace(url, "sig=[^&]+", "sig=AAAA");
        using (var res = await _f.Client.GetAsync(tampered))
        {
            Assert.Equal(403, (int)res.StatusCode);
            Assert.Contains("<Code>AuthenticationFailed</Code>", await res.Content.ReadAsStringAsync());
        }
        using (var res = await _f.Client.GetAsync(url.Replace("/invoices/", "/invoices/x")))
            Assert.Equal(403, (int)res.StatusCode);
        var stats = await _f.GetAdmin("/_emulator/stats");
        Assert.True(stats.GetProperty("faults").GetProperty("blob-authorization-refused").GetInt64() >= 1);
    }

    [Fact]
    public async Task Sas_modes_expired_and_short_and_lro_fail_and_never()
    {
        var inv = McaInvoice;
        string post = $"/providers/Microsoft.Billing/billingAccounts/{_f.Mca}/invoices/{inv.GetProperty("name").GetString()}/download?api-version=2024-04-01";
        await _f.ResetFaults();
        try
        {
            await _f.SetFaults(new { sasMode = "expired" });
            var (url, _, _) = await Download(post, expectValid: false);
            using (var res = await _f.Client.GetAsync(url))
            {
                Assert.Equal(403, (int)res.StatusCode);
                Assert.Contains("AuthenticationFailed", await res.Content.ReadAsStringAsync());
            }
            // Only the first link expired: the operation asked for again gives a working one.
            await _f.SetFaults(new { sasMode = "expired", sasExpiredLinks = 1 });
            (url, _, _) = await Download(post, expectValid: false);
            using (var res = await _f.Client.GetAsync(url)) Assert.Equal(403, (int)res.StatusCode);
            (url, _, _) = await Download(post);
            using (var res = await _f.Client.GetAsync(url)) Assert.Equal(200, (int)res.StatusCode);

            await _f.SetFaults(new { sasMode = "short", sasExpiresInMs = 5000 });
            (url, _, _) = await Download(post);
            using (var res = await _f.Client.GetAsync(url)) Assert.Equal(200, (int)res.StatusCode);
            await Task.Delay(5100);
            using (var res = await _f.Client.GetAsync(url)) Assert.Equal(403, (int)res.StatusCode);

            await _f.SetFaults(new { lroMode = "fail" });
            var (s, _, r) = await _f.Send(HttpMethod.Post, post);
            Assert.Equal(202, s);
            await Task.Delay(150);
            var (s2, b2, _) = await _f.Send(HttpMethod.Get, r.Headers.Location!.ToString());
            Assert.Equal(400, s2);
            Assert.Equal("InvoiceDownloadFailed", b2.GetProperty("error").GetProperty("code").GetString());

            await _f.SetFaults(new { lroMode = "never" });
            (s, _, r) = await _f.Send(HttpMethod.Post, post);
            await Task.Delay(300);
            Assert.Equal(202, (await _f.Send(HttpMethod.Get, r.Headers.Location!.ToString())).Status);
        }
        finally { await _f.ResetFaults(); }
    }

    [Fact]
    public async Task Reset_mid_pdf_blob_then_range_resume_gives_identical_bytes()
    {
        var inv = McaInvoice;
        var doc = inv.GetProperty("documents")[0];
        var (url, _, _) = await Download($"/providers/Microsoft.Billing/billingAccounts/{_f.Mca}/invoices/{inv.GetProperty("name").GetString()}/download?api-version=2024-04-01");
        string sha256 = doc.GetProperty("sha256").GetString()!;
        long length = doc.GetProperty("length").GetInt64();
        foreach (var fault in new object[] { new { faultResetRate = 1.0, resetTargets = new[] { "pdf" } }, new { faultTruncateRate = 1.0, resetTargets = new[] { "pdf" } } })
        {
            await _f.ResetFaults();
            byte[] head;
            try
            {
                await _f.SetFaults(fault);
                head = await _f.GetCutOff(url);
            }
            finally { await _f.ResetFaults(); }
            // Resume with Range from the bytes that arrived; the two parts are the document.
            var resumed = head.Concat(await _f.GetFrom(url, head.Length, length)).ToArray();
            Assert.Equal(sha256, Convert.ToHexString(SHA256.HashData(resumed)).ToLowerInvariant());
        }
        var bytes = await _f.Client.GetByteArrayAsync(url);
        Assert.Equal(length, bytes.Length);
        Assert.Equal(sha256, Convert.ToHexString(SHA256.HashData(bytes)).ToLowerInvariant());
    }

    [Fact]
    public async Task Legacy_invoices_carry_an_inline_download_url()
    {
        string sub = _f.Sub("MicrosoftOnlineServicesProgram");
        var (s, b, _) = await _f.Send(HttpMethod.Get, $"/subscriptions/{sub}/providers/Microsoft.Billing/invoices/latest?api-version=2018-03-01-preview");
        Assert.Equal(200, s);
        Assert.Matches(@"^\d{4}-\d{2}-\d{2}-\d{9}$", b.GetProperty("name").GetString()!);
        var bytes = await _f.Client.GetByteArrayAsync(b.GetProperty("properties").GetProperty("downloadUrl").GetProperty("url").GetString()!);
        Assert.StartsWith("%PDF-", Encoding.ASCII.GetString(bytes, 0, 5));
        var (s2, b2, _) = await _f.Send(HttpMethod.Get, $"/subscriptions/{sub}/providers/Microsoft.Billing/billingPeriods?api-version=2018-03-01-preview&$top=6");
        Assert.Equal(200, s2);
        Assert.Equal(6, b2.GetProperty("value").GetArrayLength());
        Assert.Matches(@"^\d{6}-1$", b2.GetProperty("value")[0].GetProperty("name").GetString()!);
        // Not a Web-Direct subscription → 400 with the legacy error shape.
        var (s3, b3, _) = await _f.Send(HttpMethod.Get, $"/subscriptions/{_f.Sub("EnterpriseAgreement")}/providers/Microsoft.Billing/billingPeriods?api-version=2018-03-01-preview");
        Assert.Equal(400, s3);
        Assert.True(b3.GetProperty("error").TryGetProperty("target", out _));
    }
}
