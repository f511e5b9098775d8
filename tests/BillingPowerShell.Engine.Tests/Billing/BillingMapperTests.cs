using System;
using System.Collections.Generic;
using System.Linq;
using System.Text.Json;
using System.Threading.Tasks;
using BillingPowerShell.Engine.Billing;
using BillingPowerShell.Engine.Http;
using BillingPowerShell.Engine.Tests.Http;

namespace BillingPowerShell.Engine.Tests.Billing
{
    /// <summary>JSON → our types, against the official example payloads, through the real client where a list is involved.</summary>
    public sealed class BillingMapperTests
    {
        private const string MsBilling = "Microsoft.Billing/2024-04-01/";
        private const string Legacy = "Microsoft.Billing/2018-03-01-preview/";
        private const string McaAccount = "00000000-0000-0000-0000-000000000000:00000000-0000-0000-0000-000000000000_2019-05-31";

        internal static BillingClient Client(FakeTransport t) =>
            new BillingClient(TestArm.Client(t), new BlobClient(TestArm.FastRetry(), t), new BillingContext());

        private static async Task<List<T>> All<T>(IAsyncEnumerable<T> items)
        {
            var list = new List<T>();
            await foreach (var i in items) list.Add(i);
            return list;
        }

        private static FakeTransport Serving(string example) => new FakeTransport(Reply.With(200, Examples.Body(example)));

        private static JsonElement Parse(string json) => JsonDocument.Parse(json).RootElement;

        [Fact]
        public async Task AccountsListExample()
        {
            var t = Serving(MsBilling + "billingAccountsList.json");
            var accounts = await All(Client(t).Accounts.ListAsync(new CallContext("Get-BillingAccount"), default));
            Assert.Equal("/providers/Microsoft.Billing/billingAccounts", t.Requests[0].Uri.AbsolutePath);
            Assert.Contains("api-version=2024-04-01", t.Requests[0].Uri.Query);
            Assert.Equal(4, accounts.Count);
            Assert.Equal(new[] { "10000000", "20000000", "30000000", "40000000" }, accounts.Select(a => a.Name.Substring(0, 8)));
            Assert.All(accounts, a =>
            {
                Assert.EndsWith(":00000000-0000-0000-0000-000000000000_2019-05-31", a.Name);
                Assert.Equal(a.Name, a.BillingAccountName);
                Assert.Equal("/providers/Microsoft.Billing/billingAccounts/" + a.Name, a.Id);
                Assert.Equal("Active", a.AccountStatus);
                Assert.Null(a.EnrollmentDetails);
            });
            Assert.Equal(new[] { "MicrosoftCustomerAgreement", "MicrosoftCustomerAgreement", "MicrosoftCustomerAgreement", "MicrosoftPartnerAgreement" }, accounts.Select(a => a.AgreementType));
            Assert.Equal(new[] { "Premier Business Account", "Standard Business Account", "Individual Account", "Premier Business Account" }, accounts.Select(a => a.DisplayName));
            Assert.Equal(new[] { "Business", "Business", "Individual", "Business" }, accounts.Select(a => a.AccountType));
        }

        [Fact]
        public async Task AccountGetExample()
        {
            const string name = "10000000-0000-0000-0000-000000000000:00000000-0000-0000-0000-000000000000_2019-05-31";
            var t = Serving(MsBilling + "billingAccountsGet.json");
            var a = await Client(t).Accounts.GetAsync(name, new CallContext("c"), default);
            Assert.Equal(name, a.Name);
            Assert.Equal("MicrosoftCustomerAgreement", a.AgreementType);
            Assert.Equal("/providers/Microsoft.Billing/billingAccounts/10000000-0000-0000-0000-000000000000%3A00000000-0000-0000-0000-000000000000_2019-05-31",
                t.Requests[0].Uri.AbsolutePath);
        }

        [Fact]
        public void EnterpriseAccountWithEnrollmentDetailsAndSoldTo()
        {
            var a = BillingMapper.Account(Parse("{\"id\":\"/providers/Microsoft.Billing/billingAccounts/7654321\",\"name\":\"7654321\",\"properties\":{\"agreementType\":\"EnterpriseAgreement\","
                + "\"enrollmentDetails\":{\"startDate\":\"2023-01-01T00:00:00Z\",\"endDate\":\"2025-12-31T00:00:00Z\",\"currency\":\"EUR\",\"channel\":\"EaDirect\",\"billingCycle\":\"Monthly\",\"poNumber\":42},"
                + "\"soldTo\":{\"companyName\":\"Contoso\",\"city\":\"Redmond\",\"country\":\"US\"},\"brandNewProperty\":{\"x\":[1,2]}}}"));
            Assert.Equal("7654321", a.Name);
            Assert.Equal("EnterpriseAgreement", a.AgreementType);
            Assert.Equal("EUR", a.EnrollmentDetails!.Currency);
            Assert.Equal(new DateTimeOffset(2023, 1, 1, 0, 0, 0, TimeSpan.Zero), a.EnrollmentDetails.StartDate);
            Assert.Equal("42", a.EnrollmentDetails.PoNumber); // a number where a string was expected
            Assert.Equal("Contoso", a.SoldTo!.CompanyName);
            Assert.Equal("US", a.SoldTo.Country);
        }

        [Fact]
        public async Task ProfilesListExample()
        {
            var t = Serving(MsBilling + "billingProfilesListByBillingAccount.json");
            var profiles = await All(Client(t).Accounts.ListProfilesAsync(McaAccount, new CallContext("c"), default));
            Assert.Equal(new[] { "xxxx-xxxx-xxx-xxx", "yyyy-yyyy-yyy-yyy", "zzzz-zzzz-zzz-zzz" }, profiles.Select(p => p.Name));
            Assert.Equal(profiles.Select(p => p.Name), profiles.Select(p => p.BillingProfileName));
            Assert.All(profiles, p =>
            {
                Assert.Equal(McaAccount, p.BillingAccountName);
                Assert.Equal("USD", p.Currency);
                Assert.Equal(5, p.InvoiceDay);
            });
            Assert.Equal(new[] { "Warned", "UnderReview", "Active" }, profiles.Select(p => p.Status));
            Assert.Equal(new[] { "Billing Profile 1", "Billing Profile 2", "Billing Profile 1" }, profiles.Select(p => p.DisplayName));
            Assert.EndsWith("/billingProfiles", t.Requests[0].Uri.AbsolutePath);
        }

        [Fact]
        public async Task SubscriptionsByProfileMcaExample_IdsLowerCased()
        {
            const string account = "a1a9c77e-4cec-4a6c-a089-867d973a6074:a80d3b1f-c626-4e5e-82ed-1173bd91c838_2019-05-31";
            var t = Serving(MsBilling + "billingSubscriptionsListByBillingProfileMCA.json");
            var subs = await All(Client(t).Accounts.ListSubscriptionsAsync(account, "ea36e548-1505-41db-bebc-46fff3d37998", "MicrosoftCustomerAgreement", new CallContext("c"), default));
            Assert.Equal(new[] { "6b96d3f2-9008-4a9d-912f-f87744185aa3", "cd0bbd7a-461a-4d9a-9c59-eae51a0d5d12", "90d31600-d46d-4084-84c6-1235cdaffb56", "9e90f86b-22fc-42f3-bfe2-0ac3e7c01d32" },
                subs.Select(s => s.SubscriptionId));
            Assert.All(subs, s =>
            {
                Assert.Equal(account, s.BillingAccountName);
                Assert.Equal("ea36e548-1505-41db-bebc-46fff3d37998", s.BillingProfileName);
                Assert.Equal("22000000-0000-0000-0000-000000000000", s.InvoiceSectionName);
                Assert.Equal("MicrosoftCustomerAgreement", s.AgreementType);
                Assert.Equal("Active", s.Status);
                Assert.Equal("0001", s.SkuId);
            });
            Assert.Equal("Domain Name Registration ORG", subs[3].SkuDescription);
            Assert.Equal(new[] { "My Subscription", "Test Subscription", "Dev Subscription", "Dev Test Subscription" }, subs.Select(s => s.DisplayName));
            Assert.EndsWith("/billingProfiles/ea36e548-1505-41db-bebc-46fff3d37998/billingSubscriptions", t.Requests[0].Uri.AbsolutePath);
        }

        [Fact]
        public async Task SubscriptionsByAccountExample_IdFromTheGuidInName()
        {
            var t = Serving(MsBilling + "billingSubscriptionsListByBillingAccount.json");
            var subs = await All(Client(t).Accounts.ListSubscriptionsAsync(McaAccount, null, null, new CallContext("c"), default));
            Assert.Equal(new[] { "90000000-0000-0000-0000-000000000000", "90000000-0000-0000-0000-000000000001", "90000000-0000-0000-0000-000000000002" }, subs.Select(s => s.SubscriptionId));
            Assert.Equal(new[] { "Active", "Active", "Suspended" }, subs.Select(s => s.Status));
            Assert.All(subs, s =>
            {
                Assert.Equal(McaAccount, s.BillingAccountName);
                Assert.Equal("xxxx-xxxx-xxx-xxx", s.BillingProfileName);
                Assert.Equal("yyyy-yyyy-yyy-yyy", s.InvoiceSectionName);
            });
        }

        [Fact]
        public async Task SubscriptionsByProfileExample_SubscriptionIdPropertyWinsOverName()
        {
            var t = Serving(MsBilling + "billingSubscriptionsListByBillingProfile.json");
            var subs = await All(Client(t).Accounts.ListSubscriptionsAsync("acct", "prof", null, new CallContext("c"), default));
            Assert.Equal(new[] { "88100ba7-38e2-4369-aa8e-544313e0c90b", "66e1ffd8-0f9d-4190-a5a3-910db5a20795", "87607149-63a6-4644-8dc1-1d2e368f4994" }, subs.Select(s => s.SubscriptionId));
            Assert.All(subs, s => Assert.Equal("Active", s.Status)); // subscriptionBillingStatus
            Assert.All(subs, s => Assert.Equal("{billingAccountName}", s.BillingAccountName)); // from the id (note: "BillingAccounts" capitalised there)
            Assert.All(subs, s => Assert.Equal("{billingProfileName}", s.BillingProfileName));
        }

        [Fact]
        public async Task InvoicesByAccountExample_AmountsAsDecimalAndDocuments()
        {
            var t = Serving(MsBilling + "invoicesListByBillingAccount.json");
            var invoices = await All(Client(t).Invoices.ListByAccountAsync(McaAccount, new DateTime(2023, 1, 1), new DateTime(2023, 6, 30), new CallContext("c"), default));
            Assert.Contains("periodStartDate=2023-01-01", t.Requests[0].Uri.Query);
            Assert.Contains("periodEndDate=2023-06-30", t.Requests[0].Uri.Query);
            Assert.Equal(new[] { "G123456789", "G987654321" }, invoices.Select(i => i.Name));
            var g1 = invoices[0];
            Assert.Equal(8.53m, g1.AmountDue);
            Assert.Equal(33.99m, g1.BilledAmount);
            Assert.Equal(7.53m, g1.TotalAmount);
            Assert.Equal(1.0m, g1.TaxAmount);
            Assert.Equal(0m, g1.CreditAmount);
            Assert.Equal("USD", g1.Currency);
            Assert.Equal("Due", g1.Status);
            Assert.Equal(new DateTime(2023, 2, 1), g1.InvoiceDate);
            Assert.Equal(new DateTime(2023, 2, 16), g1.DueDate);
            Assert.Equal(new DateTime(2023, 2, 1), g1.PeriodStartDate);
            Assert.Equal(new DateTime(2023, 2, 15), g1.PeriodEndDate);
            Assert.Equal(McaAccount, g1.BillingAccountName);
            Assert.Equal("xxxx-xxxx-xxx-xxx", g1.BillingProfileName);
            Assert.Null(g1.SubscriptionId);
            Assert.Equal(InvoiceSource.BillingAccount, g1.Source);
            Assert.Equal(new[] { "Invoice:12345678", "TaxReceipt:22345678" }, g1.Documents.Select(d => d.ToString()));
            Assert.Equal("Paid", invoices[1].Status);
            Assert.Equal(0m, invoices[1].AmountDue);
        }

        [Fact]
        public async Task InvoicesByProfileExample()
        {
            var t = Serving(MsBilling + "invoicesListByBillingProfile.json");
            var invoices = await All(Client(t).Invoices.ListByProfileAsync(McaAccount, "xxxx-xxxx-xxx-xxx", new DateTime(2023, 1, 1), new DateTime(2023, 6, 30), new CallContext("c"), default));
            Assert.Equal(new[] { "G123456789", "G987654321" }, invoices.Select(i => i.Name));
            Assert.All(invoices, i => Assert.Equal(McaAccount, i.BillingAccountName));
            Assert.All(invoices, i => Assert.Equal("USD", i.Currency));
            Assert.Equal(0m, invoices[0].CreditAmount); // the integer 0 in this example
        }

        [Fact]
        public async Task InvoicesByBillingSubscriptionExample()
        {
            var t = Serving(MsBilling + "invoicesListByBillingSubscription.json");
            var invoices = await All(Client(t).Invoices.ListByBillingSubscriptionAsync("11111111-1111-1111-1111-111111111111", new DateTime(2023, 1, 1), new DateTime(2023, 6, 30), new CallContext("c"), default));
            Assert.Equal("/providers/Microsoft.Billing/billingAccounts/default/billingSubscriptions/11111111-1111-1111-1111-111111111111/invoices", t.Requests[0].Uri.AbsolutePath);
            Assert.Equal(new[] { "E123456789", "G123456789", "E987654321" }, invoices.Select(i => i.Name));
            Assert.All(invoices, i =>
            {
                Assert.Equal("11111111-1111-1111-1111-111111111111", i.SubscriptionId);
                Assert.Null(i.BillingAccountName); // "default" is not an account name
                Assert.Equal(InvoiceSource.BillingSubscription, i.Source);
            });
        }

        [Fact]
        public async Task InvoiceGetExample()
        {
            var t = Serving(MsBilling + "invoicesGet.json");
            var i = await Client(t).Invoices.GetAsync("G123456789", null, null, new CallContext("c"), default);
            Assert.Equal("/providers/Microsoft.Billing/billingAccounts/default/invoices/G123456789", t.Requests[0].Uri.AbsolutePath);
            Assert.Equal("G123456789", i.Name);
            Assert.Equal(McaAccount, i.BillingAccountName);
            Assert.Equal(8.53m, i.AmountDue);
            Assert.Equal(2, i.Documents.Count);
        }

        [Fact]
        public async Task LegacyInvoicesExpandExample_DownloadUrlKeptInternally()
        {
            var t = Serving(Legacy + "InvoicesExpand.json");
            var invoices = await All(Client(t).Invoices.ListLegacyAsync("SUBID", new DateTime(2017, 1, 1), new DateTime(2017, 2, 1), new CallContext("c"), default));
            Assert.Contains("%24expand=downloadUrl", t.Requests[0].Uri.AbsoluteUri.Replace("$expand", "%24expand"));
            var i = Assert.Single(invoices);
            Assert.Equal("2017-02-05-123456789", i.Name);
            Assert.Equal(new DateTime(2017, 1, 1), i.PeriodStartDate);
            Assert.Equal(new DateTime(2017, 2, 1), i.PeriodEndDate);
            Assert.Equal("subid", i.SubscriptionId);
            Assert.Equal(InvoiceSource.LegacySubscription, i.Source);
            Assert.Equal("https://microsoft.com", i.LegacyDownloadUrl);
            Assert.Equal("Invoice:2017-02-05-123456789", Assert.Single(i.Documents).ToString());
        }

        [Fact]
        public void LegacyInvoicesListExampleWithoutDownloadUrl()
        {
            using var doc = Examples.BodyDocument(Legacy + "InvoicesList.json");
            var invoices = doc.RootElement.GetProperty("value").EnumerateArray().Select(e => BillingMapper.LegacyInvoice(e, "subid")).ToList();
            Assert.NotEmpty(invoices);
            Assert.All(invoices, i => Assert.Null(i.LegacyDownloadUrl));
            Assert.Equal("2017-02-05-123456789", invoices[0].Name);
        }

        [Fact]
        public void BillingPeriodsListExample()
        {
            using var doc = Examples.BodyDocument(Legacy + "BillingPeriodsList.json");
            var periods = doc.RootElement.GetProperty("value").EnumerateArray().Select(e => BillingMapper.Period(e, "SubId")).ToList();
            var p = periods[0];
            Assert.Equal("201702-1", p.Name);
            Assert.Equal("201702-1", p.BillingPeriodName);
            Assert.Equal("subid", p.SubscriptionId);
            Assert.Equal(new DateTime(2017, 1, 1), p.StartDate);
            Assert.Equal(new DateTime(2017, 2, 1), p.EndDate);
            Assert.Equal(new[] { "2017-02-05-123456789", "2017-01-05-987654321" }, p.InvoiceNames);
        }

        // ---- unknown properties and oddly typed values ----

        [Fact]
        public void OddlyTypedValuesDoNotThrow()
        {
            var e = Parse("{\"id\":42,\"name\":12345,\"properties\":{\"amountDue\":{\"currency\":\"EUR\",\"value\":\"12.50\"},\"billedAmount\":{\"currency\":null,\"value\":null},"
                + "\"totalAmount\":99.5,\"taxAmount\":null,\"creditAmount\":{\"value\":true},\"invoiceDate\":\"not a date\",\"dueDate\":20230201,\"status\":[\"Due\"],"
                + "\"documents\":[null,5,{\"kind\":null,\"name\":\"d1\"},{\"kind\":\"taxreceipt\",\"name\":7}],\"subscriptionId\":\"ABCDEF00-0000-0000-0000-000000000000\",\"newThing\":{\"deep\":[[[]]]}}}");
            var i = BillingMapper.Invoice(e, InvoiceSource.BillingAccount, "acct", null);
            Assert.Equal("12345", i.Name);
            Assert.Equal(12.50m, i.AmountDue);
            Assert.Null(i.BilledAmount);
            Assert.Equal(99.5m, i.TotalAmount);
            Assert.Null(i.TaxAmount);
            Assert.Null(i.CreditAmount);
            Assert.Equal("EUR", i.Currency);
            Assert.Null(i.InvoiceDate);
            Assert.Null(i.Status);
            Assert.Equal("abcdef00-0000-0000-0000-000000000000", i.SubscriptionId);
            Assert.Equal("acct", i.BillingAccountName);
            Assert.Equal(new[] { "Other:d1", "taxreceipt:7" }, i.Documents.Select(d => d.ToString()));
        }

        [Theory]
        [InlineData("{\"properties\":null}")]
        [InlineData("{\"properties\":\"text\"}")]
        [InlineData("{\"properties\":[1,2]}")]
        [InlineData("{}")]
        [InlineData("null")]
        [InlineData("[]")]
        [InlineData("\"a string\"")]
        public void MissingOrWrongShapedObjectsDoNotThrow(string json)
        {
            var e = Parse(json);
            Assert.Equal("", BillingMapper.Account(e).Name);
            Assert.Equal("fallback", BillingMapper.Profile(e, "fallback").BillingAccountName);
            Assert.Equal("", BillingMapper.Subscription(e, "fallback", null).SubscriptionId);
            Assert.Empty(BillingMapper.Invoice(e, InvoiceSource.BillingAccount, null, "SUB").Documents);
            Assert.Equal("sub", BillingMapper.Invoice(e, InvoiceSource.BillingAccount, null, "SUB").SubscriptionId);
            Assert.Null(BillingMapper.LegacyInvoice(e, "s").LegacyDownloadUrl);
            Assert.Empty(BillingMapper.Period(e, "s").InvoiceNames);
        }

        [Theory]
        [InlineData("1e30")]
        [InlineData("-1e300")]
        [InlineData("1e-400")]
        [InlineData("\"NaN\"")]
        [InlineData("\"1e400\"")]
        public void HugeOrStrangeNumbersDoNotThrow(string value)
        {
            var e = Parse("{\"name\":\"x\",\"properties\":{\"totalAmount\":{\"currency\":\"USD\",\"value\":" + value + "},\"invoiceDay\":" + value + "}}");
            var i = BillingMapper.Invoice(e, InvoiceSource.BillingAccount, null, null);
            Assert.Equal("x", i.Name);
            var p = BillingMapper.Profile(e, "a");
            Assert.Null(p.InvoiceDay);
        }

        [Fact]
        public void NumbersAsStringsAreRead()
        {
            var e = Parse("{\"name\":\"p\",\"properties\":{\"invoiceDay\":\"17\",\"currency\":\"JPY\",\"nextInvoiceDate\":\"2026-12-17\"}}");
            var p = BillingMapper.Profile(e, "acct");
            Assert.Equal(17, p.InvoiceDay);
            Assert.Equal(new DateTime(2026, 12, 17, 0, 0, 0, DateTimeKind.Utc), p.NextInvoiceDate);
            Assert.Equal("acct", p.BillingAccountName);
        }

        [Theory]
        [InlineData("{\"name\":\"/subscriptions/AAAAAAAA-BBBB-CCCC-DDDD-EEEEEEEEEEEE\"}", "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee")]
        [InlineData("{\"name\":\"ffffffff-0000-0000-0000-000000000001\",\"properties\":{\"subscriptionId\":\"12345678-AAAA-0000-0000-000000000000\"}}", "12345678-aaaa-0000-0000-000000000000")]
        [InlineData("{\"name\":\"NoGuidHere\"}", "noguidhere")]
        [InlineData("{\"name\":\"x\",\"properties\":{\"subscriptionId\":null}}", "x")]
        public void SubscriptionIdFromPropertyElseGuidInNameAlwaysLowerCase(string json, string expected)
        {
            Assert.Equal(expected, BillingMapper.Subscription(Parse(json), "a", null).SubscriptionId);
        }
    }
}
