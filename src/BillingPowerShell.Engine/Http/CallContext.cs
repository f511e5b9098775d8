using System;
using System.Threading;

namespace BillingPowerShell.Engine.Http
{
    /// <summary>
    /// Who is calling, the call's clock, and where the engine's reports go: diagnostics, progress, bad rows and the
    /// failures of single items. One per cmdlet invocation, passed to every engine method. The callbacks are invoked on
    /// worker threads and must be thread-safe: the cmdlet base class queues each to its pipeline thread. Every text
    /// passed to them is already redacted.
    /// </summary>
    public sealed class CallContext
    {
        public static CallContext None => new CallContext("BillingPowerShell");

        /// <summary>A call that decides "today" by the clock as it reads now.</summary>
        public CallContext(string commandName) : this(commandName, BillingClock.Now()) { }

        /// <param name="commandName">Sent as x-ms-command-name.</param>
        /// <param name="now">The instant this call decides "today" by: read once per command (BillingClock).</param>
        public CallContext(string commandName, DateTimeOffset now) { CommandName = commandName; Now = now; }

        /// <summary>The one clock of this call: every "today", "this month" and "last month" is derived from it
        /// (about_BillingPowerShell, "Time"). Elapsed-time measurements (retries, timeouts) use their own stopwatch.</summary>
        public DateTimeOffset Now { get; }

        /// <summary>Today as Azure's billing services count days: the UTC calendar date of <see cref="Now"/>.</summary>
        public DateTime Today => DateTime.SpecifyKind(Now.UtcDateTime.Date, DateTimeKind.Utc);

        /// <summary>Sent as the x-ms-command-name header, as Azure PowerShell does.</summary>
        public string CommandName { get; }
        public Action<string>? Debug { get; set; }
        public Action<string>? Verbose { get; set; }
        public Action<string>? Warning { get; set; }

        /// <summary>How far a long call has come (usage chunks, invoice files); the cmdlet renders it.</summary>
        public Action<CallProgress>? Progress { get; set; }

        /// <summary>A bad usage row: reported, skipped, reading goes on.</summary>
        public Action<Usage.UsageRowError>? RowError { get; set; }

        /// <summary>
        /// One item of the call failed (an invoice, a scope, a file) and the call goes on with the others. With no
        /// handler, the failure fails the whole call.
        /// </summary>
        public Action<ItemFailure>? ItemFailed { get; set; }

        /// <summary>Reports one item's failure, or rethrows it when nobody listens.</summary>
        internal void Fail(Exception error, object? target, string what)
        {
            if (ItemFailed is null) System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(error).Throw();
            ItemFailed!(new ItemFailure(error, target, what));
        }

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
