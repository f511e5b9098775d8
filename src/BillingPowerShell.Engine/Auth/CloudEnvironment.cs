using System;
using System.Collections.Generic;

namespace BillingPowerShell.Engine.Auth
{
    /// <summary>The Azure clouds: where Resource Manager and Entra ID live in each.</summary>
    public sealed class CloudEnvironment
    {
        private CloudEnvironment(string name, string resourceManager, string authority, string audience, string blobSuffix)
        {
            BlobEndpointSuffix = blobSuffix;
            Name = name;
            ResourceManagerUrl = new Uri(resourceManager);
            AuthorityHost = new Uri(authority);
            Audience = audience;
        }

        public string Name { get; }
        public Uri ResourceManagerUrl { get; }
        public Uri AuthorityHost { get; }
        /// <summary>The token audience; the scope is "{Audience}/.default".</summary>
        public string Audience { get; }
        public string Scope => Audience.TrimEnd('/') + "/.default";
        /// <summary>What follows the account name in a storage account's blob endpoint: https://{account}.{suffix}.</summary>
        public string BlobEndpointSuffix { get; }

        public static readonly CloudEnvironment AzureCloud = new CloudEnvironment("AzureCloud", "https://management.azure.com/", "https://login.microsoftonline.com/", "https://management.azure.com", "blob.core.windows.net");
        public static readonly CloudEnvironment AzureChinaCloud = new CloudEnvironment("AzureChinaCloud", "https://management.chinacloudapi.cn/", "https://login.chinacloudapi.cn/", "https://management.chinacloudapi.cn", "blob.core.chinacloudapi.cn");
        public static readonly CloudEnvironment AzureUSGovernment = new CloudEnvironment("AzureUSGovernment", "https://management.usgovcloudapi.net/", "https://login.microsoftonline.us/", "https://management.usgovcloudapi.net", "blob.core.usgovcloudapi.net");

        public static IReadOnlyList<CloudEnvironment> All { get; } = new[] { AzureCloud, AzureChinaCloud, AzureUSGovernment };

        public static CloudEnvironment? Find(string name)
        {
            foreach (var e in All)
                if (string.Equals(e.Name, name, StringComparison.OrdinalIgnoreCase)) return e;
            return null;
        }

        /// <summary>A private or sovereign Resource Manager: its own URL is the audience; Entra ID as in <paramref name="basis"/>.</summary>
        public static CloudEnvironment Custom(Uri resourceManagerUrl, CloudEnvironment basis) =>
            new CloudEnvironment("Custom", resourceManagerUrl.GetLeftPart(UriPartial.Authority) + "/", basis.AuthorityHost.AbsoluteUri, resourceManagerUrl.GetLeftPart(UriPartial.Authority), basis.BlobEndpointSuffix);
    }
}
