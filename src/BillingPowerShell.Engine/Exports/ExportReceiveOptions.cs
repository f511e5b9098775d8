using System;
using System.Security;

namespace BillingPowerShell.Engine.Exports
{
    /// <summary>How Receive-BillingExport reads and where it writes (docs/contracts/EXPORTS_RECEIVE.md).</summary>
    public sealed class ExportReceiveOptions
    {
        public const int DefaultThrottleLimit = 4;

        /// <summary>The local folder; each file goes to its blob path under it.</summary>
        public string Destination { get; set; } = "";
        /// <summary>The blob service to read from instead of the one derived from the storage account id and cloud.</summary>
        public Uri? BlobServiceUri { get; set; }
        /// <summary>A SAS token (with or without its leading '?') used instead of the connected credential.</summary>
        public SecureString? SasToken { get; set; }
        /// <summary>Files downloaded at the same time.</summary>
        public int ThrottleLimit { get; set; } = DefaultThrottleLimit;
        /// <summary>Download every file again, even one already complete.</summary>
        public bool Force { get; set; }
    }
}
