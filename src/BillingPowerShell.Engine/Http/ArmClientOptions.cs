using System;

namespace BillingPowerShell.Engine.Http
{
    /// <summary>How to reach Resource Manager, and how patient to be with it.</summary>
    public sealed class ArmClientOptions
    {
        public ArmClientOptions(Uri resourceManagerUrl, string scope)
        {
            ResourceManagerUrl = resourceManagerUrl;
            Scope = scope;
        }

        public Uri ResourceManagerUrl { get; }
        /// <summary>The token scope, e.g. https://management.azure.com/.default.</summary>
        public string Scope { get; }
        public RetrySettings Retry { get; } = new RetrySettings();
        /// <summary>Timeout of one HTTP attempt (headers and, for buffered answers, the body).</summary>
        public TimeSpan NetworkTimeout { get; set; } = TimeSpan.FromSeconds(100);
        /// <summary>Used when a 202 carries no Retry-After.</summary>
        public TimeSpan DefaultPollInterval { get; set; } = TimeSpan.FromSeconds(10);
        public string UserAgent { get; set; } = "BillingPowerShell/" + EngineInfo.Version;
    }

    public static class EngineInfo
    {
        public static string Version { get; } =
            typeof(EngineInfo).Assembly.GetName().Version is Version v ? $"{v.Major}.{v.Minor}.{v.Build}" : "0.0.0";
    }
}
