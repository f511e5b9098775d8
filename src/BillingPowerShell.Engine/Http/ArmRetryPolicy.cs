using System;
using System.IO;
using System.Net.Http;
using System.Threading;
using System.Threading.Tasks;
using Azure;
using Azure.Core;
using Azure.Core.Pipeline;

namespace BillingPowerShell.Engine.Http
{
    /// <summary>Retry settings: bounded attempts, exponential backoff with jitter, the service's wait honoured.</summary>
    public sealed class RetrySettings
    {
        public int MaxRetries { get; set; } = 8;
        public TimeSpan BaseDelay { get; set; } = TimeSpan.FromSeconds(1);
        public TimeSpan MaxDelay { get; set; } = TimeSpan.FromSeconds(60);
        /// <summary>The longest server-requested wait we accept before giving up (Cost Management can ask for minutes).</summary>
        public TimeSpan MaxServerDelay { get; set; } = TimeSpan.FromMinutes(5);
    }

    /// <summary>
    /// Replaces Azure.Core's retry policy: retries 408, 429, 500, 502, 503, 504 and transport failures, and waits as long
    /// as any of the service's retry-after headers says (including x-ms-ratelimit-*-retry-after, which Azure.Core ignores).
    /// </summary>
    internal sealed class ArmRetryPolicy : HttpPipelinePolicy
    {
        private readonly RetrySettings _settings;
        private readonly Random _random = new Random();

        public ArmRetryPolicy(RetrySettings settings) { _settings = settings; }

        public static bool IsRetriableStatus(int status) =>
            status == 408 || status == 429 || status == 500 || status == 502 || status == 503 || status == 504;

        public override void Process(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline) =>
            throw new NotSupportedException("The billing engine only makes asynchronous calls.");

        public override async ValueTask ProcessAsync(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline)
        {
            var context = message.TryGetProperty(nameof(CallContext), out var c) ? c as CallContext : null;
            for (var attempt = 0; ; attempt++)
            {
                Exception? failure = null;
                context?.OnRequest();
                try
                {
                    await ProcessNextAsync(message, pipeline).ConfigureAwait(false);
                }
                catch (Exception ex) when (CertificateFailure.Find(ex) is Exception tls)
                {
                    // Not transient: the same certificate fails the same way on every try.
                    throw CertificateFailure.ToArmException(message.Request.Uri.ToUri(), tls);
                }
                catch (Exception ex) when (IsTransportFailure(ex, message.CancellationToken))
                {
                    failure = ex;
                }

                if (failure is null && !IsRetriableStatus(message.Response!.Status))
                    return;

                var status = failure is null ? message.Response!.Status : 0;
                if (attempt >= _settings.MaxRetries)
                {
                    if (failure is not null)
                        throw new ArmException(0, "TransportFailure",
                            $"The request to {Redactor.Redact(message.Request.Uri.ToUri())} failed after {attempt + 1} attempts: {Redactor.Redact(failure.Message)}", inner: null);
                    return; // the caller turns the last retriable status into an error
                }

                var serverWait = failure is null ? RetryAfter.FromHeaders(message.Response!.Headers, BillingClock.Now()) : null;
                if (serverWait > _settings.MaxServerDelay)
                    return; // the service asks for longer than we may wait: surface the 429/503 now
                var wait = serverWait is TimeSpan w ? w + Jitter(w) : Backoff(attempt);
                context?.OnRetry(status, wait);
                context?.Log(failure is null
                    ? $"HTTP {status} from {message.Request.Method} {message.Request.Uri.ToUri().AbsolutePath}; retry {attempt + 1}/{_settings.MaxRetries} in {wait.TotalMilliseconds:0} ms{(serverWait is null ? " (backoff)" : " (as the service asked)")}"
                    : $"{failure.GetType().Name} on {message.Request.Method} {message.Request.Uri.ToUri().AbsolutePath}: {failure.Message}; retry {attempt + 1}/{_settings.MaxRetries} in {wait.TotalMilliseconds:0} ms");
                if (message.HasResponse) message.Response.ContentStream?.Dispose(); // no response yet after a connect failure
                await Task.Delay(wait, message.CancellationToken).ConfigureAwait(false);
            }
        }

        private TimeSpan Backoff(int attempt)
        {
            var exp = _settings.BaseDelay.TotalMilliseconds * Math.Pow(2, Math.Min(attempt, 16));
            var capped = Math.Min(exp, _settings.MaxDelay.TotalMilliseconds);
            double factor;
            lock (_random) factor = 0.5 + _random.NextDouble() * 0.5; // jitter: spread clients that failed together
            return TimeSpan.FromMilliseconds(capped * factor);
        }

        private TimeSpan Jitter(TimeSpan serverWait)
        {
            // A little on top of what the service asked, never less, so clients throttled together do not return together.
            double r;
            lock (_random) r = _random.NextDouble();
            return TimeSpan.FromMilliseconds(Math.Min(serverWait.TotalMilliseconds * 0.1, 1000) * r);
        }

        internal static bool IsTransportFailure(Exception ex, CancellationToken token)
        {
            if (token.IsCancellationRequested) return false;
            return ex switch
            {
                RequestFailedException rfe => rfe.Status == 0,
                HttpRequestException => true,
                IOException => true,
                OperationCanceledException => true, // a network timeout, since the caller's token is not cancelled
                _ => false,
            };
        }
    }
}
