using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;
using System.Threading.Tasks;
using BillingPowerShell.Engine.Billing;
using BillingPowerShell.Engine.Http;
using BillingPowerShell.Engine.Tests.Http;

namespace BillingPowerShell.Engine.Tests.Billing
{
    /// <summary>The façade's invoice decisions: the route per agreement type, the legacy fallback, each scope once, and the download batch.</summary>
    public sealed class InvoiceServiceTests : IDisposable
    {
        private const string Sub = "11111111-1111-1111-1111-111111111111";
        private static readonly byte[] Pdf = Encoding.ASCII.GetBytes("%PDF-1.7 test document");
        private readonly string _dir = Directory.CreateTempSubdirectory("invoice-batch").FullName;
        public void Dispose() { try { Directory.Delete(_dir, true); } catch (IOException) { } }

        private static InvoiceQuery Query() => new InvoiceQuery(new DateTime(2024, 1, 1, 0, 0, 0, DateTimeKind.Utc), new DateTime(2024, 12, 31, 0, 0, 0, DateTimeKind.Utc));

        private static async Task<List<T>> All<T>(IAsyncEnumerable<T> items)
        {
            var list = new List<T>();
            await foreach (var i in items) list.Add(i);
            return list;
        }

        [Theory]
        [InlineData(AgreementTypes.Enterprise, null, "/providers/Microsoft.Billing/billingAccounts/acct/invoices")]
        [InlineData(AgreementTypes.Customer, "prof", "/providers/Microsoft.Billing/billingAccounts/acct/billingProfiles/prof/invoices")]
        [InlineData(AgreementTypes.Enterprise, "prof", "/providers/Microsoft.Billing/billingAccounts/acct/invoices")]
        [InlineData(AgreementTypes.PayAsYouGo, null, "/providers/Microsoft.Billing/billingAccounts/default/billingSubscriptions/" + Sub + "/invoices")]
        [InlineData(null, null, "/providers/Microsoft.Billing/billingAccounts/default/billingSubscriptions/" + Sub + "/invoices")]
        public async Task ASubscriptionsInvoicesAreListedByTheRouteOfItsAgreementType(string? agreement, string? profile, string path)
        {
            var t = new FakeTransport { Handler = _ => Reply.With(200, "{\"value\":[]}") };
            var scope = new InvoiceScope { SubscriptionId = Sub, BillingAccountName = "acct", BillingProfileName = profile, AgreementType = agreement };
            Assert.Empty(await All(BillingMapperTests.Client(t).Invoices.ListAsync(scope, Query(), new CallContext("c"), default)));
            Assert.Equal(path, Assert.Single(t.Requests).Uri.AbsolutePath);
        }

        [Fact]
        public async Task APayAsYouGoSubscriptionWithoutTheBillingSubscriptionRouteFallsBackToTheLegacyInvoices()
        {
            var t = new FakeTransport
            {
                Handler = r => r.Uri.AbsolutePath.Contains("/billingSubscriptions/")
                    ? Reply.With(404, TestArm.ArmError("NotFound", "no such billing subscription"))
                    : Reply.With(200, "{\"value\":[]}"),
            };
            var verbose = new List<string>();
            var call = new CallContext("c") { Verbose = verbose.Add };
            await All(BillingMapperTests.Client(t).Invoices.ListAsync(new InvoiceScope { SubscriptionId = Sub }, Query(), call, default));
            Assert.Equal($"/subscriptions/{Sub}/providers/Microsoft.Billing/invoices", t.Requests.Last().Uri.AbsolutePath);
            Assert.Contains(verbose, v => v.Contains("using the legacy subscription invoices"));
        }

        [Fact]
        public async Task AScopeIsListedOncePerQueryAndAFailedScopeIsThatScopesFailure()
        {
            var t = new FakeTransport { Handler = _ => Reply.With(403, TestArm.ArmError("AuthorizationFailed", "no role")) };
            var failures = new List<ItemFailure>();
            var call = new CallContext("c") { ItemFailed = failures.Add };
            var query = Query();
            var invoices = BillingMapperTests.Client(t).Invoices;
            await All(invoices.ListAsync(new InvoiceScope { BillingAccountName = "acct" }, query, call, default));
            await All(invoices.ListAsync(new InvoiceScope { BillingAccountName = "ACCT" }, query, call, default));
            var failure = Assert.Single(failures);
            Assert.Equal("acct", failure.Target);
            Assert.Equal("Invoices of account acct", failure.What);
            Assert.Equal(403, Assert.IsType<ArmException>(failure.Error).Status);
            // Without a listener the failure fails the call.
            await Assert.ThrowsAsync<ArmException>(() => All(invoices.ListAsync(new InvoiceScope { BillingAccountName = "other" }, Query(), new CallContext("c"), default)));
        }

        private static FakeTransport Downloads(Func<string, Reply?> blob) => new FakeTransport
        {
            Handler = r =>
            {
                if (r.Uri.Host == "blobhost.example.test") return blob(r.Uri.AbsolutePath) ?? Reply.Bytes(200, Pdf, ("Content-Length", Pdf.Length.ToString()));
                if (r.Method == "POST")
                {
                    var name = r.Uri.AbsolutePath.Split('/')[^2];
                    return Reply.With(202, null, ("Location", TestArm.Base.AbsoluteUri + "operationResults/" + name), ("Retry-After", "0"));
                }
                var op = r.Uri.AbsolutePath.Split('/')[^1];
                return Reply.With(200, "{\"url\":\"" + TestArm.BlobHost + "/docs/" + op + ".pdf?" + TestArm.Sas + "\"}");
            },
        };

        private List<InvoiceFile> Plan(BillingClient client, int count) =>
            Enumerable.Range(1, count).SelectMany(i => client.Invoices.PlanFiles(new BillingInvoice
            {
                Name = "G" + i.ToString("D9"), BillingAccountName = "acct", Source = InvoiceSource.BillingAccount,
            }, new[] { "Invoice" }, false, _dir)).ToList();

        [Fact]
        public async Task SaveYieldsEachSavedFileReportsTheOneThatFailedAndCountsFiles()
        {
            var client = BillingMapperTests.Client(Downloads(path => path.Contains("G000000002") ? Reply.Bytes(200, Encoding.ASCII.GetBytes("<html>Sign in</html>")) : null));
            var files = Plan(client, 3);
            var failures = new List<ItemFailure>();
            var progress = new List<CallProgress>();
            var call = new CallContext("Save-BillingInvoice") { ItemFailed = f => { lock (failures) failures.Add(f); }, Progress = p => { lock (progress) progress.Add(p); } };
            var saved = await All(client.Invoices.SaveAsync(files, false, 2, call, default));
            Assert.Equal(new[] { "G000000001.pdf", "G000000003.pdf" }, saved.Select(f => Path.GetFileName(f.Path)).OrderBy(n => n));
            var failure = Assert.Single(failures);
            Assert.Equal("InvalidDownload", Assert.IsType<ArmException>(failure.Error).Code);
            Assert.Equal("Invoice G000000002 (G000000002.pdf)", failure.What);
            Assert.Equal((0, 3), (progress[0].Done, progress[0].Total));
            Assert.Equal(new[] { 1, 2, 3 }, progress.Skip(1).Select(p => p.Done));
            Assert.All(progress.Skip(1), p => Assert.EndsWith(".pdf", p.Item));
        }

        [Fact]
        public async Task ASignInThatStopsWorkingStopsTheBatchWithOneErrorNamingTheFilesNotSaved()
        {
            var t = Downloads(_ => null);
            var inner = t.Handler;
            t.Handler = r => r.Method == "POST" && r.Uri.AbsolutePath.Contains("G000000002")
                ? Reply.With(401, TestArm.ArmError("InvalidAuthenticationToken", "The token expired"))
                : inner!(r);
            var client = BillingMapperTests.Client(t);
            var files = Plan(client, 3);
            var saved = new List<InvoiceFile>();
            var ex = await Assert.ThrowsAsync<ArmException>(async () =>
            {
                await foreach (var f in client.Invoices.SaveAsync(files, false, 1, new CallContext("c"), default)) saved.Add(f);
            });
            Assert.Equal(401, ex.Status);
            Assert.Contains("after 1 of 3 files were saved", ex.Message);
            Assert.Contains("not saved: G000000002.pdf, G000000003.pdf", ex.Message);
            Assert.Equal("G000000001.pdf", Path.GetFileName(Assert.Single(saved).Path));
        }
    }
}
