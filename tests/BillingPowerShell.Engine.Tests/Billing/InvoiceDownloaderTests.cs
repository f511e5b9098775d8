using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;
using System.Text.Json;
using System.Threading;
using System.Threading.Tasks;
using BillingPowerShell.Engine.Billing;
using BillingPowerShell.Engine.Http;
using BillingPowerShell.Engine.Tests.Http;

namespace BillingPowerShell.Engine.Tests.Billing
{
    public sealed class InvoiceDownloaderTests : IDisposable
    {
        private const string Account = "00000000-0000-0000-0000-000000000000:00000000-0000-0000-0000-000000000000_2019-05-31";
        private readonly string _dir = Directory.CreateTempSubdirectory("invoices").FullName;
        public void Dispose() { try { Directory.Delete(_dir, true); } catch (IOException) { } }

        private static BillingInvoice Invoice(string name, params (string Kind, string Name)[] docs) => new BillingInvoice
        {
            Name = name,
            BillingAccountName = Account,
            Source = InvoiceSource.BillingAccount,
            Documents = docs.Select(d => new InvoiceDocument { Kind = d.Kind, Name = d.Name }).ToList(),
        };

        private static readonly BillingInvoice G1 = Invoice("G123456789", ("Invoice", "12345678"), ("TaxReceipt", "22345678"));

        private List<string> Names(List<InvoiceFile> files) => files.Select(f =>
        {
            Assert.Equal(_dir, Path.GetDirectoryName(f.Path));
            return Path.GetFileName(f.Path);
        }).ToList();

        // ---- Plan: file naming ----

        [Fact]
        public void InvoiceDocumentIsInvoiceNamePdf()
        {
            var files = InvoiceDownloader.Plan(G1, new[] { "Invoice" }, false, _dir);
            Assert.Equal(new[] { "G123456789.pdf" }, Names(files));
            Assert.Equal(new[] { "12345678" }, files[0].DocumentNames);
            Assert.False(files[0].IsZip);
            Assert.Same(G1, files[0].Invoice);
        }

        [Fact]
        public void AllGivesOneFilePerDocumentWithKindAndName()
        {
            var files = InvoiceDownloader.Plan(G1, new[] { "All" }, false, _dir);
            Assert.Equal(new[] { "G123456789.pdf", "G123456789_TaxReceipt_22345678.pdf" }, Names(files));
            Assert.Equal(new[] { "22345678" }, files[1].DocumentNames);
        }

        [Fact]
        public void OnlyTheKindsAskedFor()
        {
            var inv = Invoice("G1", ("Invoice", "a"), ("CreditNote", "b"), ("TaxReceipt", "c"), ("VoidNote", "d"), ("Summary", "e"), ("Transactions", "f"), ("SomethingNew", "g"));
            Assert.Equal(new[] { "G1_CreditNote_b.pdf", "G1_Summary_e.pdf" }, Names(InvoiceDownloader.Plan(inv, new[] { "CreditNote", "Summary" }, false, _dir)));
            Assert.Equal(new[] { "G1_Other_g.pdf" }, Names(InvoiceDownloader.Plan(inv, new[] { "Other" }, false, _dir)));
            Assert.Equal(7, InvoiceDownloader.Plan(inv, new[] { "All" }, false, _dir).Count);
        }

        [Fact]
        public void KindsAreMatchedCaseInsensitively()
        {
            var inv = Invoice("G1", ("invoice", "a"), ("TAXRECEIPT", "c"));
            Assert.Equal(new[] { "G1.pdf", "G1_TaxReceipt_c.pdf" }, Names(InvoiceDownloader.Plan(inv, new[] { "All" }, false, _dir)));
        }

        [Fact]
        public void AsZipGivesOneZipOfTheSelectedDocuments()
        {
            var files = InvoiceDownloader.Plan(G1, new[] { "All" }, true, _dir);
            var f = Assert.Single(files);
            Assert.Equal("G123456789.zip", Path.GetFileName(f.Path));
            Assert.True(f.IsZip);
            Assert.Equal(new[] { "12345678", "22345678" }, f.DocumentNames);
        }

        [Fact]
        public void InvoiceWithoutDocumentsStillGetsItsPdf()
        {
            var files = InvoiceDownloader.Plan(Invoice("E123456789"), new[] { "Invoice" }, false, _dir);
            Assert.Equal(new[] { "E123456789.pdf" }, Names(files));
            Assert.Empty(files[0].DocumentNames);
            Assert.Empty(InvoiceDownloader.Plan(Invoice("E123456789"), new[] { "CreditNote" }, false, _dir));
        }

        [Fact]
        public void SecondInvoiceDocumentGetsTheLongName()
        {
            var inv = Invoice("G1", ("Invoice", "a"), ("Invoice", "b"));
            Assert.Equal(new[] { "G1.pdf", "G1_Invoice_b.pdf" }, Names(InvoiceDownloader.Plan(inv, new[] { "Invoice" }, false, _dir)));
        }

        [Theory]
        [InlineData("../../etc/passwd", "x")]
        [InlineData("..", "..")]
        [InlineData("CON", "NUL")]
        [InlineData("a/b\\c:d", "../../../tmp/evil")]
        [InlineData("G1\u0000", "doc\r\n")]
        public void HostileInvoiceAndDocumentNamesStayInTheFolder(string invoiceName, string docName)
        {
            var inv = Invoice(invoiceName, ("Invoice", docName), ("CreditNote", docName));
            foreach (var zip in new[] { false, true })
            {
                var files = InvoiceDownloader.Plan(inv, new[] { "All" }, zip, _dir);
                Assert.NotEmpty(files);
                foreach (var f in files)
                {
                    Assert.Equal(_dir, Path.GetDirectoryName(f.Path));
                    var name = Path.GetFileName(f.Path);
                    Assert.DoesNotContain("..", name);
                    Assert.False(name.StartsWith("CON.", StringComparison.OrdinalIgnoreCase) || name.StartsWith("NUL.", StringComparison.OrdinalIgnoreCase), name);
                    Assert.True(name.EndsWith(zip ? ".zip" : ".pdf"), name);
                }
            }
        }

        [Fact]
        public void NormaliseKind()
        {
            Assert.Equal("CreditNote", InvoiceDownloader.NormaliseKind("creditnote"));
            Assert.Equal("Other", InvoiceDownloader.NormaliseKind(null));
            Assert.Equal("Other", InvoiceDownloader.NormaliseKind("Receipt"));
        }

        // ---- SaveAsync end to end: LRO on the ARM host, SAS download on the blob host ----

        private static readonly byte[] Pdf = Encoding.ASCII.GetBytes("%PDF-1.7\n" + new string('x', 70_000) + "\n%%EOF");

        private sealed class World
        {
            public int Posts;
            public int BlobGets;
            public Func<int, Reply>? Blob;
            public readonly List<string> PostBodies = new List<string>();

            public Reply Handle(RecordedRequest r)
            {
                if (r.Uri.Host == "blobhost.example.test")
                {
                    BlobGets++;
                    return Blob?.Invoke(BlobGets) ?? Reply.Bytes(200, Pdf, ("Content-Length", Pdf.Length.ToString()), ("ETag", "\"p\""));
                }
                if (r.Method == "POST")
                {
                    Posts++;
                    lock (PostBodies) PostBodies.Add(r.BodyText);
                    return Reply.With(202, null, ("Location", TestArm.Base.AbsoluteUri + "providers/Microsoft.Billing/billingAccounts/x/operationResults/op" + Posts), ("retry-after-ms", "1"));
                }
                if (r.Uri.AbsolutePath.Contains("/operationResults/"))
                    return Reply.With(200, "{\"expiryTime\":\"2099-01-01T00:00:00Z\",\"url\":\"" + TestArm.BlobHost + "/invoices/doc" + Posts + ".pdf?" + TestArm.Sas + "\"}");
                return Reply.With(404, TestArm.ArmError("NotFound", "unexpected " + r.Uri.AbsolutePath));
            }
        }

        private static (BillingClient, FakeTransport, World) Setup()
        {
            var world = new World();
            var t = new FakeTransport { Handler = world.Handle };
            return (BillingMapperTests.Client(t), t, world);
        }

        [Fact]
        public async Task SavesTheInvoicePdfThroughTheOperationAndTheBlobHost()
        {
            var (client, t, world) = Setup();
            var file = InvoiceDownloader.Plan(G1, new[] { "Invoice" }, false, _dir).Single();
            var lines = new List<string>();
            var ctx = new CallContext("Save-BillingInvoice") { Debug = s => { lock (lines) lines.Add(s); }, Verbose = s => { lock (lines) lines.Add(s); } };
            var n = await InvoiceDownloader.SaveAsync(client, file, false, ctx, default);
            Assert.Equal(Pdf.Length, n);
            Assert.Equal(Pdf, File.ReadAllBytes(Path.Combine(_dir, "G123456789.pdf")));
            Assert.Equal(new[] { "G123456789.pdf" }, Directory.GetFiles(_dir).Select(Path.GetFileName));

            var post = t.Requests.First(r => r.Method == "POST");
            Assert.Equal("/providers/Microsoft.Billing/billingAccounts/" + Uri.EscapeDataString(Account) + "/invoices/G123456789/download", post.Uri.AbsolutePath);
            Assert.Contains("documentName=12345678", post.Uri.Query);
            foreach (var r in t.Requests)
            {
                if (r.Uri.Host == "blobhost.example.test") Assert.Null(r.Header("Authorization"));
                else Assert.Equal("Bearer " + FakeCredential.Token, r.Header("Authorization"));
            }
            Assert.Equal(1, world.BlobGets);
            Assert.NotEmpty(lines);
            Assert.Contains(lines, l => l.Contains(TestArm.BlobHost + "/invoices/doc1.pdf")); // the blob GET was logged (without its query)
            Assert.All(lines, l => Assert.DoesNotContain("TOPSECRETsignature", l));
        }

        [Fact]
        public async Task ExpiredLinkIsAskedForAgain()
        {
            var (client, _, world) = Setup();
            world.Blob = n => n == 1
                ? Reply.With(403, "<Error><Code>AuthenticationFailed</Code><Message>Signed expiry time has to be after signed start time</Message></Error>")
                : null!;
            var file = InvoiceDownloader.Plan(G1, new[] { "Invoice" }, false, _dir).Single();
            await InvoiceDownloader.SaveAsync(client, file, false, new CallContext("c"), default);
            Assert.Equal(2, world.Posts);
            Assert.Equal(2, world.BlobGets);
            Assert.Equal(Pdf, File.ReadAllBytes(file.Path));
        }

        [Fact]
        public async Task LinkRefusedEveryTimeGivesUpWithBlobAccessAndNoFile()
        {
            var (client, _, world) = Setup();
            world.Blob = _ => Reply.With(403, "<Error><Code>AuthenticationFailed</Code><Message>no</Message></Error>");
            var file = InvoiceDownloader.Plan(G1, new[] { "Invoice" }, false, _dir).Single();
            await Assert.ThrowsAsync<BlobAccessException>(() => InvoiceDownloader.SaveAsync(client, file, false, new CallContext("c"), default));
            Assert.Equal(3, world.Posts);
            Assert.Empty(Directory.GetFileSystemEntries(_dir));
        }

        [Fact]
        public async Task ResetInTheMiddleOfThePdfEndsWithAnIdenticalFile()
        {
            var (client, _, world) = Setup();
            world.Blob = n => n == 1
                ? Reply.Stream(200, () => new FlakyStream(Pdf, 30_000), ("Content-Length", Pdf.Length.ToString()), ("ETag", "\"p\""))
                : Reply.Bytes(206, Pdf.Skip(30_000).ToArray(), ("Content-Length", (Pdf.Length - 30_000).ToString()));
            var file = InvoiceDownloader.Plan(G1, new[] { "Invoice" }, false, _dir).Single();
            await InvoiceDownloader.SaveAsync(client, file, false, new CallContext("c"), default);
            Assert.Equal(Pdf, File.ReadAllBytes(file.Path));
            Assert.Equal(1, world.Posts);
        }

        [Fact]
        public async Task NotAPdfIsRejectedAndLeavesNothing()
        {
            var (client, _, world) = Setup();
            world.Blob = _ => Reply.Bytes(200, Encoding.ASCII.GetBytes("<html>Sign in</html>"));
            var file = InvoiceDownloader.Plan(G1, new[] { "Invoice" }, false, _dir).Single();
            await Assert.ThrowsAsync<InvalidDataException>(() => InvoiceDownloader.SaveAsync(client, file, false, new CallContext("c"), default));
            Assert.Empty(Directory.GetFileSystemEntries(_dir));
        }

        [Fact]
        public async Task CancelledDownloadLeavesNothing()
        {
            var (client, _, world) = Setup();
            using var cts = new CancellationTokenSource();
            world.Blob = _ => { cts.Cancel(); return Reply.Bytes(200, Pdf, ("Content-Length", Pdf.Length.ToString())); };
            var file = InvoiceDownloader.Plan(G1, new[] { "Invoice" }, false, _dir).Single();
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => InvoiceDownloader.SaveAsync(client, file, false, new CallContext("c"), cts.Token));
            Assert.Empty(Directory.GetFileSystemEntries(_dir));
        }

        [Fact]
        public async Task ZipUsesDownloadDocumentsWithEveryDocument()
        {
            var (client, t, world) = Setup();
            var zip = new byte[] { 0x50, 0x4B, 0x03, 0x04, 1, 2, 3, 4, 5 };
            world.Blob = _ => Reply.Bytes(200, zip, ("Content-Length", zip.Length.ToString()));
            var file = InvoiceDownloader.Plan(G1, new[] { "All" }, true, _dir).Single();
            await InvoiceDownloader.SaveAsync(client, file, false, new CallContext("c"), default);
            Assert.Equal(zip, File.ReadAllBytes(Path.Combine(_dir, "G123456789.zip")));
            var post = t.Requests.Single(r => r.Method == "POST");
            Assert.EndsWith("/downloadDocuments", post.Uri.AbsolutePath);
            using var body = JsonDocument.Parse(world.PostBodies.Single());
            Assert.Equal(new[] { "G123456789|12345678", "G123456789|22345678" },
                body.RootElement.EnumerateArray().Select(e => e.GetProperty("invoiceName").GetString() + "|" + e.GetProperty("documentName").GetString()));
        }

        [Fact]
        public async Task OperationWithoutUrlIsInvalidResponse()
        {
            var t = new FakeTransport(Reply.With(200, "{\"expiryTime\":\"2099-01-01T00:00:00Z\"}"));
            var ex = await Assert.ThrowsAsync<ArmException>(() => BillingMapperTests.Client(t).Invoices.GetDownloadLinkAsync(G1, new[] { "12345678" }, new CallContext("c"), default));
            Assert.Equal("InvalidResponse", ex.Code);
        }

        [Fact]
        public async Task DownloadLinkFromTheOfficialExample()
        {
            var t = new FakeTransport(Reply.With(200, Examples.Body("Microsoft.Billing/2024-04-01/invoicesDownloadByBillingAccount.json")));
            var link = await BillingMapperTests.Client(t).Invoices.GetDownloadLinkAsync(G1, new[] { "12345678" }, new CallContext("c"), default);
            Assert.Equal("myaccount.blob.core.windows.net", link.Url.Host);
            Assert.Equal(new DateTimeOffset(2023, 2, 16, 17, 32, 28, TimeSpan.Zero), link.ExpiresOn);
            Assert.DoesNotContain("sv=", link.ToString());
        }
    
        [Fact]
        public async Task BillingSubscriptionRouteForASingleDocument()
        {
            var inv = new BillingInvoice { Name = "E123456789", SubscriptionId = "11111111-1111-1111-1111-111111111111", Source = InvoiceSource.BillingSubscription,
                Documents = new[] { new InvoiceDocument { Kind = "Invoice", Name = "12345678" } } };
            var t = new FakeTransport(Reply.With(200, Examples.Body("Microsoft.Billing/2024-04-01/invoicesDownloadByBillingSubscription.json")));
            var link = await BillingMapperTests.Client(t).Invoices.GetDownloadLinkAsync(inv, new[] { "12345678" }, new CallContext("c"), default);
            var post = t.Requests.Single();
            Assert.Equal("POST", post.Method);
            Assert.Equal("/providers/Microsoft.Billing/billingAccounts/default/billingSubscriptions/11111111-1111-1111-1111-111111111111/invoices/E123456789/download", post.Uri.AbsolutePath);
            Assert.Contains("documentName=12345678", post.Uri.Query);
            Assert.Equal("https", link.Url.Scheme);
        }

        [Fact]
        public async Task BillingSubscriptionDownloadDocumentsBodyMatchesTheOfficialExample()
        {
            var inv = new BillingInvoice { Name = "E123456789", SubscriptionId = "00000000-0000-0000-0000-000000000000", Source = InvoiceSource.BillingSubscription };
            const string example = "Microsoft.Billing/2024-04-01/invoicesDownloadDocumentsByBillingSubscription.json";
            var t = new FakeTransport(Reply.With(200, Examples.Body(example)));
            await BillingMapperTests.Client(t).Invoices.GetDownloadLinkAsync(inv, new[] { "12345678", "87654321" }, new CallContext("c"), default);
            var post = t.Requests.Single();
            Assert.Equal("/providers/Microsoft.Billing/billingAccounts/default/billingSubscriptions/00000000-0000-0000-0000-000000000000/downloadDocuments", post.Uri.AbsolutePath);
            using var body = JsonDocument.Parse(post.Body!);
            var expected = Examples.Parameters(example).GetProperty("parameters")[0].EnumerateObject().Select(p => p.Name).OrderBy(n => n);
            Assert.All(body.RootElement.EnumerateArray(), e => Assert.Equal(expected, e.EnumerateObject().Select(p => p.Name).OrderBy(n => n)));
            Assert.Equal(2, body.RootElement.GetArrayLength());
        }

        [Fact]
        public async Task LegacyInvoiceGetsAFreshInlineUrlWithoutAnOperation()
        {
            var inv = new BillingInvoice { Name = "2017-02-05-123456789", SubscriptionId = "subid", Source = InvoiceSource.LegacySubscription };
            var t = new FakeTransport(Reply.With(200, Examples.Body("Microsoft.Billing/2018-03-01-preview/InvoicesGet.json")));
            var link = await BillingMapperTests.Client(t).Invoices.GetDownloadLinkAsync(inv, Array.Empty<string>(), new CallContext("c"), default);
            var get = t.Requests.Single();
            Assert.Equal("GET", get.Method);
            Assert.Equal("/subscriptions/subid/providers/Microsoft.Billing/invoices/2017-02-05-123456789", get.Uri.AbsolutePath);
            Assert.Contains("api-version=2018-03-01-preview", get.Uri.Query);
            Assert.Equal(new Uri("https://microsoft.com"), link.Url);
        }

        [Fact]
        public async Task LegacyInvoiceWithoutUrlIsNotFound()
        {
            var inv = new BillingInvoice { Name = "2017-02-05-123456789", SubscriptionId = "subid", Source = InvoiceSource.LegacySubscription };
            var t = new FakeTransport(Reply.With(200, "{\"name\":\"2017-02-05-123456789\",\"properties\":{\"invoicePeriodEndDate\":\"2017-02-01\"}}"));
            var ex = await Assert.ThrowsAsync<ArmException>(() => BillingMapperTests.Client(t).Invoices.GetDownloadLinkAsync(inv, Array.Empty<string>(), new CallContext("c"), default));
            Assert.Equal(404, ex.Status);
        }

        [Fact]
        public async Task ParallelSavesThroughFaultsAllEndByteIdenticalWithNothingPartial()
        {
            static byte[] Content(string name) => Encoding.ASCII.GetBytes("%PDF-1.7 " + name + " " + new string((char)('a' + name.Length % 26), 40_000 + name.Length * 1000));
            var seen = new System.Collections.Concurrent.ConcurrentDictionary<string, int>();
            int First(string key) => seen.AddOrUpdate(key, 1, (_, n) => n + 1);
            var t = new FakeTransport
            {
                Handler = r =>
                {
                    var path = r.Uri.AbsolutePath;
                    var name = path.Split('/')[^1].Replace(".pdf", "");
                    if (r.Uri.Host == "blobhost.example.test")
                    {
                        Assert.Null(r.Header("Authorization"));
                        var data = Content(name);
                        var range = r.Header("Range");
                        if (range is null && First("blob " + name) == 1)
                            return Reply.Stream(200, () => new FlakyStream(data, 7_000 + name.Length * 100), ("Content-Length", data.Length.ToString()), ("ETag", "\"e\""));
                        var offset = range is null ? 0 : int.Parse(range.Substring(6).TrimEnd('-'));
                        return Reply.Bytes(range is null ? 200 : 206, data.Skip(offset).ToArray(), ("Content-Length", (data.Length - offset).ToString()), ("ETag", "\"e\""));
                    }
                    Assert.Equal("Bearer " + FakeCredential.Token, r.Header("Authorization"));
                    if (r.Method == "POST")
                    {
                        name = path.Split('/')[^2];
                        if (First("post " + name) == 1) return Reply.With(429, TestArm.ArmError("429", "Too many requests. Please retry."), ("x-ms-ratelimit-microsoft.consumption-retry-after", "0.01"));
                        return Reply.With(202, null, ("Location", TestArm.Base.AbsoluteUri + "operationResults/" + name), ("Retry-After", "0"));
                    }
                    if (First("poll " + name) == 1) return Reply.With(503);
                    return Reply.With(200, "{\"url\":\"" + TestArm.BlobHost + "/docs/" + name + ".pdf?" + TestArm.Sas + "\"}");
                },
            };
            var client = BillingMapperTests.Client(t);
            var invoices = Enumerable.Range(1, 12).Select(i => Invoice("G" + i.ToString("D9"), ("Invoice", "D" + i))).ToList();
            var files = invoices.SelectMany(i => InvoiceDownloader.Plan(i, new[] { "Invoice" }, false, _dir)).ToList();
            await foreach (var _ in client.Invoices.SaveAsync(files, false, 4, new CallContext("Save-BillingInvoice"), default)) { }
            Assert.Equal(files.Select(f => Path.GetFileName(f.Path)).OrderBy(n => n), Directory.GetFiles(_dir).Select(Path.GetFileName).OrderBy(n => n));
            foreach (var f in files) Assert.Equal(Content(f.Invoice.Name), File.ReadAllBytes(f.Path));
        }
}
}
