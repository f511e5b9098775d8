using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Runtime.CompilerServices;
using System.Text.Json;
using System.Threading;
using System.Threading.Tasks;
using Azure.Core;
using Azure.Core.Pipeline;
using BillingPowerShell.Engine.Auth;
using BillingPowerShell.Engine.Http;

namespace BillingPowerShell.Engine.Billing
{
    /// <summary>
    /// The billing operations the module uses, on the official REST contract (Microsoft.Billing 2024-04-01 and
    /// 2018-03-01-preview). One instance per connection, shared by every cmdlet; thread-safe.
    /// </summary>
    public sealed partial class BillingClient
    {
        public const string BillingApi = "2024-04-01";
        public const string LegacyBillingApi = "2018-03-01-preview";
        private const string Accounts = "/providers/Microsoft.Billing/billingAccounts";

        public BillingClient(ArmClient arm, BlobClient blob, BillingContext context)
        {
            Arm = arm;
            Blob = blob;
            Context = context;
        }

        public ArmClient Arm { get; }
        public BlobClient Blob { get; }
        public BillingContext Context { get; }

        /// <summary>How long an invoice download operation may take before we give up on it.</summary>
        public TimeSpan InvoiceDownloadTimeout { get; set; } = OperationTimeout.OrDefault(TimeSpan.FromMinutes(10));

        /// <summary>Creates the client for a sign-in choice; refuses a Resource Manager URL that is not HTTPS before any token is requested.</summary>
        /// <remarks>The cmdlets call this overload only: no Azure.* type may appear in what they reference (see the loader).</remarks>
        public static BillingClient Create(ConnectOptions options) => Create(options, null);

        internal static BillingClient Create(ConnectOptions options, HttpPipelineTransport? transport)
        {
            var cloud = CloudEnvironment.Find(options.Environment)
                ?? throw new ArgumentException($"Unknown environment '{options.Environment}'. Use one of: {string.Join(", ", CloudEnvironment.All.Select(c => c.Name))}, or -ResourceManagerUrl.");
            if (options.ResourceManagerUrl is Uri custom)
            {
                if (!custom.IsAbsoluteUri || custom.Scheme != Uri.UriSchemeHttps)
                    throw new UnsafeRequestException($"The Resource Manager URL '{custom}' is not HTTPS; the access token is only ever sent over HTTPS.");
                cloud = CloudEnvironment.Custom(custom, cloud);
            }
            var credential = CredentialFactory.Create(options, cloud);
            var armOptions = new ArmClientOptions(cloud.ResourceManagerUrl, cloud.Scope);
            var context = new BillingContext
            {
                Environment = cloud.Name,
                ResourceManagerUrl = cloud.ResourceManagerUrl,
                TenantId = options.TenantId,
                ClientId = options.ClientId,
                CredentialKind = options.Kind.ToString(),
                ConnectedAt = BillingClock.Now(),
            };
            return new BillingClient(new ArmClient(credential, armOptions, transport), new BlobClient(armOptions.Retry, transport), context);
        }

        /// <summary>One cheap call that proves the token is accepted.</summary>
        public async Task VerifyAsync(CallContext call, CancellationToken ct)
        {
            using var _ = await Arm.GetAsync($"{Accounts}?api-version={BillingApi}&top=1", call, ct).ConfigureAwait(false);
        }

        // ---- accounts, profiles, subscriptions (A1-A6) ----

        public IAsyncEnumerable<BillingAccount> ListAccountsAsync(CallContext call, CancellationToken ct) =>
            Arm.ListAsync($"{Accounts}?api-version={BillingApi}&expand=SoldTo", BillingMapper.Account, call, ct);

        public async Task<BillingAccount> GetAccountAsync(string name, CallContext call, CancellationToken ct)
        {
            using var r = await Arm.GetAsync($"{Accounts}/{Segment(name)}?api-version={BillingApi}&expand=SoldTo", call, ct).ConfigureAwait(false);
            return BillingMapper.Account(Root(r));
        }

        public IAsyncEnumerable<BillingProfile> ListProfilesAsync(string accountName, CallContext call, CancellationToken ct) =>
            Arm.ListAsync($"{Accounts}/{Segment(accountName)}/billingProfiles?api-version={BillingApi}", e => WithNextInvoiceDate(BillingMapper.Profile(e, accountName), call), call, ct);

        public async Task<BillingProfile> GetProfileAsync(string accountName, string profileName, CallContext call, CancellationToken ct)
        {
            using var r = await Arm.GetAsync($"{Accounts}/{Segment(accountName)}/billingProfiles/{Segment(profileName)}?api-version={BillingApi}", call, ct).ConfigureAwait(false);
            return WithNextInvoiceDate(BillingMapper.Profile(Root(r), accountName), call);
        }

        /// <summary>The service's next invoice date where it sends one, else the next invoice day (InvoiceSchedule).</summary>
        private static BillingProfile WithNextInvoiceDate(BillingProfile p, CallContext call)
        {
            p.NextInvoiceDate ??= InvoiceSchedule.FromInvoiceDay(p.InvoiceDay, call.Today);
            return p;
        }

        public IAsyncEnumerable<BillingSubscription> ListSubscriptionsAsync(string accountName, string? profileName, string? agreementType, CallContext call, CancellationToken ct)
        {
            var path = profileName is null
                ? $"{Accounts}/{Segment(accountName)}/billingSubscriptions?api-version={BillingApi}"
                : $"{Accounts}/{Segment(accountName)}/billingProfiles/{Segment(profileName)}/billingSubscriptions?api-version={BillingApi}";
            return Arm.ListAsync(path, e => BillingMapper.Subscription(e, accountName, agreementType), call, ct);
        }

        public async Task<BillingSubscription> GetSubscriptionAsync(string accountName, string subscriptionId, string? agreementType, CallContext call, CancellationToken ct)
        {
            using var r = await Arm.GetAsync($"{Accounts}/{Segment(accountName)}/billingSubscriptions/{Segment(subscriptionId)}?api-version={BillingApi}", call, ct).ConfigureAwait(false);
            return BillingMapper.Subscription(Root(r), accountName, agreementType);
        }

        // ---- legacy billing periods (A10) ----

        public IAsyncEnumerable<BillingPeriod> ListBillingPeriodsAsync(string subscriptionId, int? top, CallContext call, CancellationToken ct) =>
            Arm.ListAsync($"/subscriptions/{Segment(subscriptionId)}/providers/Microsoft.Billing/billingPeriods?api-version={LegacyBillingApi}" + (top is int t ? $"&$top={Math.Min(Math.Max(t, 1), 100)}" : ""),
                e => BillingMapper.Period(e, subscriptionId), call, ct);

        public async Task<BillingPeriod> GetBillingPeriodAsync(string subscriptionId, string name, CallContext call, CancellationToken ct)
        {
            using var r = await Arm.GetAsync($"/subscriptions/{Segment(subscriptionId)}/providers/Microsoft.Billing/billingPeriods/{Segment(name)}?api-version={LegacyBillingApi}", call, ct).ConfigureAwait(false);
            return BillingMapper.Period(Root(r), subscriptionId);
        }

        // ---- invoices (A7, A10) ----

        public IAsyncEnumerable<BillingInvoice> ListInvoicesByAccountAsync(string accountName, DateTime from, DateTime to, CallContext call, CancellationToken ct) =>
            Arm.ListAsync($"{Accounts}/{Segment(accountName)}/invoices?api-version={BillingApi}{Period(from, to)}",
                e => BillingMapper.Invoice(e, InvoiceSource.BillingAccount, accountName, null), call, ct);

        public IAsyncEnumerable<BillingInvoice> ListInvoicesByProfileAsync(string accountName, string profileName, DateTime from, DateTime to, CallContext call, CancellationToken ct) =>
            Arm.ListAsync($"{Accounts}/{Segment(accountName)}/billingProfiles/{Segment(profileName)}/invoices?api-version={BillingApi}{Period(from, to)}",
                e => BillingMapper.Invoice(e, InvoiceSource.BillingAccount, accountName, null), call, ct);

        /// <summary>Pay-as-you-go: the tenant-level billing-subscription route (billingAccounts/default/billingSubscriptions/{id}).</summary>
        public IAsyncEnumerable<BillingInvoice> ListInvoicesByBillingSubscriptionAsync(string subscriptionId, DateTime from, DateTime to, CallContext call, CancellationToken ct) =>
            Arm.ListAsync($"{Accounts}/default/billingSubscriptions/{Segment(subscriptionId)}/invoices?api-version={BillingApi}{Period(from, to)}",
                e => BillingMapper.Invoice(e, InvoiceSource.BillingSubscription, null, subscriptionId), call, ct);

        /// <summary>Legacy subscription invoices (2018-03-01-preview), with their download URL expanded.</summary>
        public IAsyncEnumerable<BillingInvoice> ListLegacyInvoicesAsync(string subscriptionId, DateTime from, DateTime to, CallContext call, CancellationToken ct) =>
            Arm.ListAsync($"/subscriptions/{Segment(subscriptionId)}/providers/Microsoft.Billing/invoices?api-version={LegacyBillingApi}&$expand=downloadUrl"
                          + $"&$filter={Uri.EscapeDataString($"invoicePeriodEndDate ge {from:yyyy-MM-dd} and invoicePeriodEndDate le {to:yyyy-MM-dd}")}",
                e => BillingMapper.LegacyInvoice(e, subscriptionId), call, ct);

        public async Task<BillingInvoice> GetLegacyInvoiceAsync(string subscriptionId, string name, CallContext call, CancellationToken ct)
        {
            using var r = await Arm.GetAsync($"/subscriptions/{Segment(subscriptionId)}/providers/Microsoft.Billing/invoices/{Segment(name)}?api-version={LegacyBillingApi}", call, ct).ConfigureAwait(false);
            return BillingMapper.LegacyInvoice(Root(r), subscriptionId);
        }

        public async Task<BillingInvoice> GetInvoiceAsync(string? accountName, string? subscriptionId, string name, CallContext call, CancellationToken ct)
        {
            string path;
            InvoiceSource source;
            if (accountName is not null) { path = $"{Accounts}/{Segment(accountName)}/invoices/{Segment(name)}"; source = InvoiceSource.BillingAccount; }
            else if (subscriptionId is not null) { path = $"{Accounts}/default/billingSubscriptions/{Segment(subscriptionId)}/invoices/{Segment(name)}"; source = InvoiceSource.BillingSubscription; }
            else { path = $"{Accounts}/default/invoices/{Segment(name)}"; source = InvoiceSource.BillingAccount; }
            using var r = await Arm.GetAsync($"{path}?api-version={BillingApi}", call, ct).ConfigureAwait(false);
            var invoice = BillingMapper.Invoice(Root(r), source, accountName, subscriptionId);
            if (source == InvoiceSource.BillingAccount && accountName is null && invoice.BillingAccountName is null && invoice.SubscriptionId is not null)
                invoice.Source = InvoiceSource.BillingSubscription;
            return invoice;
        }

        // ---- invoice downloads (A8) ----

        /// <summary>
        /// Asks the service for a short-lived download URL of one document (or, with several, a zip), waiting for the
        /// long-running operation. The URL is a secret: callers must never show it.
        /// </summary>
        public async Task<DownloadLink> GetDownloadLinkAsync(BillingInvoice invoice, IReadOnlyList<string> documentNames, CallContext call, CancellationToken ct, bool zip = false)
        {
            if (invoice.Source == InvoiceSource.LegacySubscription)
            {
                // The preview API hands the URL out with the invoice itself; fetch the invoice again for a fresh one.
                var fresh = await GetLegacyInvoiceAsync(invoice.SubscriptionId!, invoice.Name, call, ct).ConfigureAwait(false);
                var url = fresh.LegacyDownloadUrl ?? throw new ArmException(404, "NoDownloadUrl", $"The service offers no download for invoice {invoice.Name}.");
                return new DownloadLink(new Uri(url), null);
            }
            string root = invoice.Source == InvoiceSource.BillingSubscription
                ? $"{Accounts}/default/billingSubscriptions/{Segment(invoice.SubscriptionId ?? throw new ArgumentException("The invoice has no subscription id."))}"
                : $"{Accounts}/{Segment(invoice.BillingAccountName ?? throw new ArgumentException("The invoice has no billing account name."))}";
            JsonDocument? result;
            // A zip is only made by downloadDocuments, even of one document; download gives that document's PDF.
            if (!zip && documentNames.Count <= 1)
            {
                var query = documentNames.Count == 1 ? "&documentName=" + Uri.EscapeDataString(documentNames[0]) : "";
                result = await Arm.RunOperationAsync(RequestMethod.Post, $"{root}/invoices/{Segment(invoice.Name)}/download?api-version={BillingApi}{query}",
                    null, InvoiceDownloadTimeout, call, ct).ConfigureAwait(false);
            }
            else
            {
                var body = documentNames.Select(d => new Dictionary<string, string> { ["invoiceName"] = invoice.Name, ["documentName"] = d }).ToArray();
                result = await Arm.RunOperationAsync(RequestMethod.Post, $"{root}/downloadDocuments?api-version={BillingApi}",
                    JsonSerializer.SerializeToUtf8Bytes(body), InvoiceDownloadTimeout, call, ct).ConfigureAwait(false);
            }
            using (result)
            {
                var root2 = result?.RootElement ?? default;
                var url = root2.Str("url") ?? root2.Props().Str("url");
                if (string.IsNullOrEmpty(url) || !Uri.TryCreate(url, UriKind.Absolute, out var uri))
                    throw new ArmException(200, "InvalidResponse", $"The download operation for invoice {invoice.Name} finished without a download URL.");
                var expiry = root2.DateOffset("expiryTime");
                return new DownloadLink(uri, expiry);
            }
        }

        // ---- helpers ----

        private static string Period(DateTime from, DateTime to) =>
            $"&periodStartDate={from.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture)}&periodEndDate={to.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture)}";

        internal static string Segment(string value) => Uri.EscapeDataString(value);

        private static JsonElement Root(ArmResponse r) =>
            r.Body?.RootElement ?? throw new ArmException(r.Status, "InvalidResponse", "The service answered without a body.");
    }

    /// <summary>A SAS download URL and when it expires. Secret: never shown, never logged.</summary>
    public sealed class DownloadLink
    {
        public DownloadLink(Uri url, DateTimeOffset? expiresOn) { Url = url; ExpiresOn = expiresOn; }
        public Uri Url { get; }
        public DateTimeOffset? ExpiresOn { get; }
        public override string ToString() => Redactor.WithoutQuery(Url);
    }
}
