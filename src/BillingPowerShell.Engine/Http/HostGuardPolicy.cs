using System;
using Azure.Core;
using Azure.Core.Pipeline;

namespace BillingPowerShell.Engine.Http
{
    /// <summary>
    /// Refuses, before anything is sent, a request that is not HTTPS or not addressed to the configured Resource Manager
    /// host: a nextLink or Location pointing elsewhere must never receive the bearer token.
    /// </summary>
    internal sealed class HostGuardPolicy : HttpPipelineSynchronousPolicy
    {
        private readonly Uri _resourceManager;
        public HostGuardPolicy(Uri resourceManager) { _resourceManager = resourceManager; }

        public override void OnSendingRequest(HttpMessage message)
        {
            var uri = message.Request.Uri.ToUri();
            if (!IsAllowed(_resourceManager, uri))
                throw new UnsafeRequestException(
                    $"Refused to send the access token to '{uri.Scheme}://{uri.Authority}': only '{_resourceManager.Scheme}://{_resourceManager.Authority}' (the connected Resource Manager) over HTTPS is allowed.");
        }

        public static bool IsAllowed(Uri resourceManager, Uri uri) =>
            uri.Scheme == Uri.UriSchemeHttps
            && string.Equals(uri.Host, resourceManager.Host, StringComparison.OrdinalIgnoreCase)
            && uri.Port == resourceManager.Port;
    }
}
