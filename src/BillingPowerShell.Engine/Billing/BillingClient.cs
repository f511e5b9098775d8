using System;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Azure.Core.Pipeline;
using BillingPowerShell.Engine.Auth;
using BillingPowerShell.Engine.Costs;
using BillingPowerShell.Engine.Exports;
using BillingPowerShell.Engine.Http;

namespace BillingPowerShell.Engine.Billing
{
    /// <summary>
    /// The engine's one way in: a connection (Resource Manager and blob clients, who signed in) and its feature
    /// services. A cmdlet calls one service method with a <see cref="CallContext"/> and writes what comes back:
    /// <see cref="Accounts"/> (billing accounts, profiles, subscriptions), <see cref="Invoices"/> (invoices, billing
    /// periods, invoice documents saved to disk), <see cref="Usage"/> (daily usage, read or exported) and
    /// <see cref="Costs"/> (aggregated cost and the open period's estimate) and <see cref="Exports"/> (Cost Management
    /// exports: their definitions, runs and run history). One instance per connection, shared by every cmdlet; thread-safe.
    /// </summary>
    public sealed class BillingClient
    {
        public BillingClient(ArmClient arm, BlobClient blob, BillingContext context)
        {
            Arm = arm;
            Blob = blob;
            Context = context;
            Accounts = new AccountService(arm);
            Invoices = new InvoiceService(this, Accounts);
            Usage = new UsageService(this);
            Costs = new CostService(this);
            Exports = new ExportService(this);
            Reports = new Reports.ReportService(this);
        }

        public ArmClient Arm { get; }
        public BlobClient Blob { get; }
        public BillingContext Context { get; }
        /// <summary>The connected credential and cloud: export runs are read from storage with them (Exports/ExportStorage).</summary>
        internal Azure.Core.TokenCredential? Credential { get; set; }
        internal CloudEnvironment Cloud { get; set; } = CloudEnvironment.AzureCloud;
        internal HttpPipelineTransport? Transport { get; set; }

        public AccountService Accounts { get; }
        public InvoiceService Invoices { get; }
        public UsageService Usage { get; }
        public CostService Costs { get; }
        public ExportService Exports { get; }
        /// <summary>A month's billing report of a scope, written as HTML or Markdown.</summary>
        public Reports.ReportService Reports { get; }

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
            return new BillingClient(new ArmClient(credential, armOptions, transport), new BlobClient(armOptions.Retry, transport), context)
            {
                Credential = credential, Cloud = cloud, Transport = transport,
            };
        }

        /// <summary>One cheap call that proves the token is accepted.</summary>
        public async Task VerifyAsync(CallContext call, CancellationToken ct)
        {
            using var _ = await Arm.GetAsync($"{BillingPaths.Accounts}?api-version={BillingPaths.Api}&top=1", call, ct).ConfigureAwait(false);
        }
    }
}
