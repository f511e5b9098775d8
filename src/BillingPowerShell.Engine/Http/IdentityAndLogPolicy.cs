using System;
using System.Threading.Tasks;
using Azure.Core;
using Azure.Core.Pipeline;

namespace BillingPowerShell.Engine.Http
{
    /// <summary>Names the module and the command in every request, and logs each attempt (redacted) to the caller's Debug stream.</summary>
    internal sealed class IdentityAndLogPolicy : HttpPipelinePolicy
    {
        private readonly string _userAgent;
        public IdentityAndLogPolicy(string userAgent) { _userAgent = userAgent; }

        public override void Process(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline) =>
            throw new NotSupportedException("The billing engine only makes asynchronous calls.");

        public override async ValueTask ProcessAsync(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline)
        {
            var context = message.TryGetProperty(nameof(CallContext), out var c) ? c as CallContext : null;
            message.Request.Headers.SetValue("User-Agent", _userAgent);
            if (context is not null) message.Request.Headers.SetValue("x-ms-command-name", context.CommandName);
            var started = System.Diagnostics.Stopwatch.StartNew();
            context?.Log($"{message.Request.Method} {message.Request.Uri.ToUri()}");
            await ProcessNextAsync(message, pipeline).ConfigureAwait(false);
            if (context?.Debug is not null)
            {
                message.Response.Headers.TryGetValue("x-ms-request-id", out var requestId);
                context.Log($"HTTP {message.Response.Status} in {started.Elapsed.TotalMilliseconds:0} ms (x-ms-request-id {requestId ?? "-"})");
            }
        }
    }
}
