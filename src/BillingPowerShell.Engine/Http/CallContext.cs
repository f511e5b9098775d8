using System;
using System.Threading;

namespace BillingPowerShell.Engine.Http
{
    /// <summary>
    /// Who is calling and where the engine's diagnostics go. One per cmdlet invocation; the callbacks must be
    /// thread-safe (the cmdlet queues them to its pipeline thread). Everything passed to them is already redacted.
    /// </summary>
    public sealed class CallContext
    {
        public static readonly CallContext None = new CallContext("BillingPowerShell");

        public CallContext(string commandName) { CommandName = commandName; }

        /// <summary>Sent as the x-ms-command-name header, as Azure PowerShell does.</summary>
        public string CommandName { get; }
        public Action<string>? Debug { get; set; }
        public Action<string>? Verbose { get; set; }
        public Action<string>? Warning { get; set; }

        private long _requests, _retries, _throttled;
        public long Requests => Interlocked.Read(ref _requests);
        public long Retries => Interlocked.Read(ref _retries);
        public long Throttled => Interlocked.Read(ref _throttled);

        /// <summary>Raised (on a worker thread) each time a request is about to be retried, with the wait chosen.</summary>
        public event Action<int, TimeSpan>? Retrying;

        internal void OnRequest() => Interlocked.Increment(ref _requests);
        internal void OnRetry(int status, TimeSpan wait)
        {
            Interlocked.Increment(ref _retries);
            if (status == 429) Interlocked.Increment(ref _throttled);
            Retrying?.Invoke(status, wait);
        }
        internal void Log(string text) => Debug?.Invoke(Redactor.Redact(text));
    }
}
