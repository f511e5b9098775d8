using System;

namespace BillingPowerShell.Engine.Http
{
    /// <summary>An error answered by Azure Resource Manager (or the blob host), with what support needs to trace it.</summary>
    public class ArmException : Exception
    {
        public ArmException(int status, string? code, string message, string? target = null, string? requestId = null, string? correlationId = null, Exception? inner = null)
            : base(message, inner)
        {
            Status = status;
            Code = code;
            Target = target;
            RequestId = requestId;
            CorrelationId = correlationId;
        }

        /// <summary>HTTP status; 0 when no answer was received.</summary>
        public int Status { get; }
        public string? Code { get; }
        public string? Target { get; }
        public string? RequestId { get; }
        public string? CorrelationId { get; }

        /// <summary>How long the service asked to wait (Retry-After and the x-ms-ratelimit family) on the answer that ended the retries.</summary>
        public TimeSpan? RetryAfter { get; internal set; }

        public bool IsThrottled => Status == 429;
        public bool IsNotFound => Status == 404;
        public bool IsAuthentication => Status == 401;
        public bool IsPermission => Status == 403;

        /// <summary>The message with the request identifiers, for error records.</summary>
        public string Describe()
        {
            var text = Code is null ? $"{Message} (HTTP {Status})" : $"{Message} (HTTP {Status} {Code})";
            if (RequestId is not null || CorrelationId is not null)
                text += $" [x-ms-request-id: {RequestId ?? "-"}, x-ms-correlation-request-id: {CorrelationId ?? "-"}]";
            return text;
        }
    }

    /// <summary>A request the engine refused to send because it would leak the token or leave HTTPS.</summary>
    public sealed class UnsafeRequestException : ArmException
    {
        public UnsafeRequestException(string message) : base(0, "UnsafeRequestRefused", message) { }
    }

    /// <summary>A long-running operation that failed, or did not finish within its timeout.</summary>
    public sealed class LongRunningOperationException : ArmException
    {
        public LongRunningOperationException(string code, string message, bool timedOut, string? requestId = null)
            : base(timedOut ? 408 : 500, code, message, requestId: requestId)
        {
            TimedOut = timedOut;
        }

        public bool TimedOut { get; }
    }
}
