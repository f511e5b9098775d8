using System;
using System.Collections.Generic;
using System.Linq;
using System.Runtime.CompilerServices;
using System.Text.Json;
using System.Threading;
using System.Threading.Tasks;
using Azure.Core;
using BillingPowerShell.Engine.Http;
using static BillingPowerShell.Engine.Billing.BillingPaths;

namespace BillingPowerShell.Engine.Billing
{
    /// <summary>
    /// Invoices for every agreement type, pay-as-you-go billing periods, and invoice documents saved to disk
    /// (docs/contracts/azure-api/OPERATIONS.md, "Invoices, listing and getting", "Invoice download" and
    /// "Legacy Microsoft.Billing 2018-03-01-preview"). Shared by every command of a connection; thread-safe.
    /// </summary>
    public sealed class InvoiceService
    {
        private readonly BillingClient _client;
        private readonly InvoiceRoutes _routes;

        internal InvoiceService(BillingClient client, AccountService accounts)
        {
            _client = client;
            _routes = new InvoiceRoutes(accounts, this);
        }

        private ArmClient Arm => _client.Arm;

        /// <summary>How long an invoice download operation may take before we give up on it.</summary>
        public TimeSpan DownloadTimeout { get; set; } = OperationTimeout.OrDefault(TimeSpan.FromMinutes(10));

        // ---- what the cmdlets call ----

        /// <summary>
        /// The invoices of a scope, by the route its agreement type supports (see <see cref="InvoiceRoutes"/>): each
        /// scope once per query, newest first. A scope that fails is reported through CallContext.ItemFailed.
        /// </summary>
        public IAsyncEnumerable<BillingInvoice> ListAsync(InvoiceScope scope, InvoiceQuery query, CallContext call, CancellationToken ct) =>
            _routes.ListAsync(scope, query, call, ct);

        /// <summary>Invoices by name; a name that cannot be got is reported through CallContext.ItemFailed.</summary>
        public async IAsyncEnumerable<BillingInvoice> GetAsync(IEnumerable<string> names, string? accountName, string? subscriptionId, CallContext call, [EnumeratorCancellation] CancellationToken ct)
        {
            foreach (var n in names)
            {
                BillingInvoice? invoice = null;
                try { invoice = await GetAsync(n, accountName, subscriptionId, call, ct).ConfigureAwait(false); }
                catch (ArmException ex) { call.Fail(ex, n, $"Invoice '{n}'"); }
                if (invoice is not null) yield return invoice;
            }
        }

        /// <summary>
        /// The files of an invoice's documents in <paramref name="folder"/>: "&lt;Invoice&gt;.pdf", "&lt;Invoice&gt;_&lt;Kind&gt;_&lt;Document&gt;.pdf",
        /// or one "&lt;Invoice&gt;.zip". Throws UnauthorizedAccessException for a name that would leave the folder.
        /// </summary>
        public List<InvoiceFile> PlanFiles(BillingInvoice invoice, ICollection<string> kinds, bool asZip, string folder) =>
            InvoiceDownloader.Plan(invoice, kinds, asZip, folder);

        /// <summary>
        /// Saves the files, <paramref name="throttleLimit"/> at a time, each through a temporary file; yields each file
        /// once saved. One file failing is that file's failure (CallContext.ItemFailed); a sign-in that stops working
        /// stops the batch with one AuthenticationFailed error naming the files not saved. Progress counts files.
        /// </summary>
        public IAsyncEnumerable<InvoiceFile> SaveAsync(IReadOnlyList<InvoiceFile> files, bool overwrite, int throttleLimit, CallContext call, CancellationToken ct) =>
            InvoiceDownloader.SaveAllAsync(_client, files, overwrite, throttleLimit, call, ct);

        // ---- the REST operations ----

        public IAsyncEnumerable<BillingInvoice> ListByAccountAsync(string accountName, DateTime from, DateTime to, CallContext call, CancellationToken ct) =>
            Arm.ListAsync($"{Accounts}/{Segment(accountName)}/invoices?api-version={Api}{Period(from, to)}",
                e => BillingMapper.Invoice(e, InvoiceSource.BillingAccount, accountName, null), call, ct);

        public IAsyncEnumerable<BillingInvoice> ListByProfileAsync(string accountName, string profileName, DateTime from, DateTime to, CallContext call, CancellationToken ct) =>
            Arm.ListAsync($"{Accounts}/{Segment(accountName)}/billingProfiles/{Segment(profileName)}/invoices?api-version={Api}{Period(from, to)}",
                e => BillingMapper.Invoice(e, InvoiceSource.BillingAccount, accountName, null), call, ct);

        /// <summary>Pay-as-you-go: the tenant-level billing-subscription route (billingAccounts/default/billingSubscriptions/{id}).</summary>
        public IAsyncEnumerable<BillingInvoice> ListByBillingSubscriptionAsync(string subscriptionId, DateTime from, DateTime to, CallContext call, CancellationToken ct) =>
            Arm.ListAsync($"{Accounts}/default/billingSubscriptions/{Segment(subscriptionId)}/invoices?api-version={Api}{Period(from, to)}",
                e => BillingMapper.Invoice(e, InvoiceSource.BillingSubscription, null, subscriptionId), call, ct);

        /// <summary>Legacy subscription invoices (2018-03-01-preview), with their download URL expanded.</summary>
        public IAsyncEnumerable<BillingInvoice> ListLegacyAsync(string subscriptionId, DateTime from, DateTime to, CallContext call, CancellationToken ct) =>
            Arm.ListAsync($"/subscriptions/{Segment(subscriptionId)}/providers/Microsoft.Billing/invoices?api-version={LegacyApi}&$expand=downloadUrl"
                          + $"&$filter={Uri.EscapeDataString($"invoicePeriodEndDate ge {from:yyyy-MM-dd} and invoicePeriodEndDate le {to:yyyy-MM-dd}")}",
                e => BillingMapper.LegacyInvoice(e, subscriptionId), call, ct);

        public async Task<BillingInvoice> GetLegacyAsync(string subscriptionId, string name, CallContext call, CancellationToken ct)
        {
            using var r = await Arm.GetAsync($"/subscriptions/{Segment(subscriptionId)}/providers/Microsoft.Billing/invoices/{Segment(name)}?api-version={LegacyApi}", call, ct).ConfigureAwait(false);
            return BillingMapper.LegacyInvoice(Root(r), subscriptionId);
        }

        public async Task<BillingInvoice> GetAsync(string name, string? accountName, string? subscriptionId, CallContext call, CancellationToken ct)
        {
            string path;
            InvoiceSource source;
            if (accountName is not null) { path = $"{Accounts}/{Segment(accountName)}/invoices/{Segment(name)}"; source = InvoiceSource.BillingAccount; }
            else if (subscriptionId is not null) { path = $"{Accounts}/default/billingSubscriptions/{Segment(subscriptionId)}/invoices/{Segment(name)}"; source = InvoiceSource.BillingSubscription; }
            else { path = $"{Accounts}/default/invoices/{Segment(name)}"; source = InvoiceSource.BillingAccount; }
            using var r = await Arm.GetAsync($"{path}?api-version={Api}", call, ct).ConfigureAwait(false);
            var invoice = BillingMapper.Invoice(Root(r), source, accountName, subscriptionId);
            if (source == InvoiceSource.BillingAccount && accountName is null && invoice.BillingAccountName is null && invoice.SubscriptionId is not null)
                invoice.Source = InvoiceSource.BillingSubscription;
            return invoice;
        }

        // ---- pay-as-you-go billing periods (legacy API) ----

        public IAsyncEnumerable<BillingPeriod> ListBillingPeriodsAsync(string subscriptionId, int? top, CallContext call, CancellationToken ct) =>
            Arm.ListAsync($"/subscriptions/{Segment(subscriptionId)}/providers/Microsoft.Billing/billingPeriods?api-version={LegacyApi}" + (top is int t ? $"&$top={Math.Min(Math.Max(t, 1), 100)}" : ""),
                e => BillingMapper.Period(e, subscriptionId), call, ct);

        public async Task<BillingPeriod> GetBillingPeriodAsync(string subscriptionId, string name, CallContext call, CancellationToken ct)
        {
            using var r = await Arm.GetAsync($"/subscriptions/{Segment(subscriptionId)}/providers/Microsoft.Billing/billingPeriods/{Segment(name)}?api-version={LegacyApi}", call, ct).ConfigureAwait(false);
            return BillingMapper.Period(Root(r), subscriptionId);
        }

        /// <summary>The billing period of a pay-as-you-go subscription that holds today (they run from the sign-up day); null when none does.</summary>
        public async Task<BillingPeriod?> GetOpenBillingPeriodAsync(string subscriptionId, CallContext call, CancellationToken ct)
        {
            var today = call.Today;
            await foreach (var p in ListBillingPeriodsAsync(subscriptionId, 3, call, ct).WithCancellation(ct).ConfigureAwait(false))
                if (p.StartDate <= today && today <= p.EndDate) return p;
            return null;
        }

        // ---- invoice downloads ----

        /// <summary>
        /// Asks the service for a short-lived download URL of one document (or, with several, a zip), waiting for the
        /// long-running operation. The URL is a secret: callers must never show it.
        /// </summary>
        public async Task<DownloadLink> GetDownloadLinkAsync(BillingInvoice invoice, IReadOnlyList<string> documentNames, CallContext call, CancellationToken ct, bool zip = false)
        {
            if (invoice.Source == InvoiceSource.LegacySubscription)
            {
                // The preview API hands the URL out with the invoice itself; fetch the invoice again for a fresh one.
                var fresh = await GetLegacyAsync(invoice.SubscriptionId!, invoice.Name, call, ct).ConfigureAwait(false);
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
                result = await Arm.RunOperationAsync(RequestMethod.Post, $"{root}/invoices/{Segment(invoice.Name)}/download?api-version={Api}{query}",
                    null, DownloadTimeout, call, ct).ConfigureAwait(false);
            }
            else
            {
                var body = documentNames.Select(d => new Dictionary<string, string> { ["invoiceName"] = invoice.Name, ["documentName"] = d }).ToArray();
                result = await Arm.RunOperationAsync(RequestMethod.Post, $"{root}/downloadDocuments?api-version={Api}",
                    JsonSerializer.SerializeToUtf8Bytes(body), DownloadTimeout, call, ct).ConfigureAwait(false);
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
