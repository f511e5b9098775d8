// The base class of every BillingPowerShell cmdlet.
//
// PowerShell allows WriteObject, WriteError, WriteVerbose, WriteProgress, ShouldProcess and friends only on the
// thread that runs BeginProcessing/ProcessRecord/EndProcessing. The engine is asynchronous (HttpPipeline, streams),
// so a cmdlet hands its async work to RunAsync together with an ICmdletSink; every call the work makes on the sink is
// put on a queue that the pipeline thread drains until the work is finished. This is the pattern of jborean93's
// AsyncPSCmdlet and AzAuth's BlockingCollection pump, with two differences taken on purpose:
//   * the queue is bounded (QueueCapacity): a producer of millions of usage records waits for the pipeline instead
//     of growing memory, so "stream, don't buffer" holds end to end;
//   * the pipeline thread never calls .Result/.Wait() on the work; the work's outcome is read with
//     GetAwaiter().GetResult() only once it has completed, so exceptions surface unwrapped (no AggregateException).
// Ctrl+C (StopProcessing) cancels StopToken; the pump stops at once, the work is given a short grace period to run
// its finally blocks (temporary files), and RunAsync throws PipelineStoppedException as PowerShell expects.
using System;
using System.Collections.Concurrent;
using System.Management.Automation;
using System.Threading;
using System.Threading.Tasks;

namespace BillingPowerShell.Commands
{
    /// <summary>Everything async work may do to the pipeline. Each call is performed on the pipeline thread, in order.</summary>
    public interface ICmdletSink
    {
        /// <summary>Writes one object. Blocks the calling (worker) thread while the queue is full.</summary>
        void WriteObject(object value);

        /// <summary>Writes the file at <paramref name="path"/> as Get-Item gives it (through the provider, on the pipeline
        /// thread, so every column of the file view is filled), after <paramref name="note"/> adds properties to it.</summary>
        void WriteFileItem(string path, Action<PSObject> note);

        /// <summary>Writes a non-terminating error.</summary>
        void WriteError(ErrorRecord record);

        void WriteVerbose(string text);

        void WriteDebug(string text);

        void WriteWarning(string text);

        void WriteProgress(ProgressRecord record);

        /// <summary>Asks ShouldProcess(target, action) on the pipeline thread and completes with its answer.</summary>
        Task<bool> ShouldProcessAsync(string target, string action);
    }

    /// <summary>Base cmdlet: a stop token cancelled by Ctrl+C, and a pump that runs async work with every write on the pipeline thread.</summary>
    public abstract class BillingCmdlet : PSCmdlet
    {
        /// <summary>How many sink calls may wait for the pipeline thread before the worker is made to wait.</summary>
        internal const int QueueCapacity = 1000;

        /// <summary>How long a stopped pipeline waits for the work to observe cancellation (finally blocks, temp files).</summary>
        internal static readonly TimeSpan StopGracePeriod = TimeSpan.FromSeconds(3);

        private readonly CancellationTokenSource _stop = new CancellationTokenSource();

        /// <summary>Cancelled when the pipeline is stopped (Ctrl+C, Select-Object -First, runspace closing).</summary>
        protected CancellationToken StopToken => _stop.Token;

        private DateTimeOffset? _now;

        /// <summary>
        /// The instant this command decides "today" by, read from BillingClock once per command invocation, so every
        /// check and request of one pipeline agrees on the day even across midnight (about_BillingPowerShell, "Time").
        /// </summary>
        internal DateTimeOffset Now => _now ??= Engine.Http.BillingClock.Now();

        /// <summary>
        /// A diagnostic line that never fails the command. `-Debug` on a compiled cmdlet means Inquire for the debug and
        /// verbose streams (PowerShell 7.6 too), and a host that cannot prompt (pwsh -NonInteractive, a runbook)
        /// throws on the first line; the line then goes to the host unprompted. A "Stop" preference still stops.
        /// </summary>
        private void WriteDiagnostic(Action<string> write, Action<string> toHost, string text)
        {
            try { write(text); }
            catch (PSInvalidOperationException) { toHost(text); } // the console host: "NonInteractive mode"
            catch (System.Management.Automation.Host.HostException) { toHost(text); } // a host without a UI
        }

        internal void WriteDebugLine(string text) => WriteDiagnostic(WriteDebug, Host.UI.WriteDebugLine, text);
        internal void WriteVerboseLine(string text) => WriteDiagnostic(WriteVerbose, Host.UI.WriteVerboseLine, text);
        internal void WriteWarningLine(string text) => WriteDiagnostic(WriteWarning, Host.UI.WriteWarningLine, text);

        /// <summary>Today as the billing services count days: the UTC calendar date of <see cref="Now"/>.</summary>
        internal DateTime Today => DateTime.SpecifyKind(Now.UtcDateTime.Date, DateTimeKind.Utc);

        /// <inheritdoc />
        protected override void StopProcessing()
        {
            try
            {
                _stop.Cancel();
            }
            catch (AggregateException)
            {
                // A registered callback threw; the token is cancelled all the same and stopping must not fail.
            }

            base.StopProcessing();
        }

        /// <summary>
        /// Runs <paramref name="work"/> on the thread pool and pumps its sink calls on the calling (pipeline) thread
        /// until it completes. The work's exception is rethrown unwrapped. When the pipeline is stopped, the token
        /// given to the work is cancelled and this method throws <see cref="PipelineStoppedException"/> promptly.
        /// </summary>
        protected void RunAsync(Func<ICmdletSink, CancellationToken, Task> work)
        {
            if (work is null)
            {
                throw new ArgumentNullException(nameof(work));
            }

            // Cancelled by Ctrl+C, or by the pump itself when an action on the pipeline thread throws
            // (for example WriteError under -ErrorAction Stop): the work must not go on writing into a dead queue.
            // Neither this source nor the queue is disposed while the work may still hold them (see Abandon).
            var abandon = CancellationTokenSource.CreateLinkedTokenSource(StopToken);
            var queue = new BlockingCollection<Action>(new ConcurrentQueue<Action>(), QueueCapacity);
            var sink = new QueuedSink(this, queue, abandon.Token);

            // Task.Run: the synchronous start of the work must not run (and block) on the pipeline thread.
            Task task = Task.Run(() => work(sink, abandon.Token), abandon.Token);

            // Whatever the outcome, no more sink calls will come: let the pump finish draining.
            task.ContinueWith(
                static (_, state) => ((BlockingCollection<Action>)state!).CompleteAdding(),
                queue,
                CancellationToken.None,
                TaskContinuationOptions.ExecuteSynchronously,
                TaskScheduler.Default);

            try
            {
                Pump(queue, StopToken);
            }
            catch (Exception)
            {
                // Stopped, or an action on the pipeline thread failed: cancel the work and give it a moment to
                // clean up, without waiting for its result on this thread.
                try
                {
                    abandon.Cancel();
                }
                catch (AggregateException)
                {
                    // A registered callback threw; as in StopProcessing, the original failure is the one to report.
                }

                if (WaitQuietly(task, StopGracePeriod))
                {
                    abandon.Dispose();
                    queue.Dispose();
                }

                if (StopToken.IsCancellationRequested)
                {
                    throw new PipelineStoppedException();
                }

                throw;
            }

            // The queue is complete, so the task has completed: reading its result here never blocks.
            abandon.Dispose();
            queue.Dispose();
            try
            {
                task.GetAwaiter().GetResult();
            }
            catch (OperationCanceledException) when (StopToken.IsCancellationRequested)
            {
                throw new PipelineStoppedException();
            }
        }

        private static void Pump(BlockingCollection<Action> queue, CancellationToken stop)
        {
            // TryTake with the stop token returns (by throwing) as soon as Ctrl+C is pressed, even when the
            // work is blocked in a long network call and posts nothing.
            while (!queue.IsCompleted)
            {
                Action? action;
                try
                {
                    if (!queue.TryTake(out action, Timeout.Infinite, stop))
                    {
                        continue; // completed while waiting
                    }
                }
                catch (InvalidOperationException) when (queue.IsCompleted)
                {
                    break;
                }

                action();
            }

            stop.ThrowIfCancellationRequested();
        }

        private static bool WaitQuietly(Task task, TimeSpan timeout)
        {
            // Not Task.Wait: it would throw the work's exception; the handle only tells us it has finished.
            bool finished = ((IAsyncResult)task).AsyncWaitHandle.WaitOne(timeout);

            // Observe the outcome so an abandoned fault is never reported as unobserved.
            task.ContinueWith(
                static t => _ = t.Exception,
                CancellationToken.None,
                TaskContinuationOptions.ExecuteSynchronously | TaskContinuationOptions.OnlyOnFaulted,
                TaskScheduler.Default);
            return finished;
        }

        /// <summary>The sink given to the work: every call becomes an action queued for the pipeline thread.</summary>
        private sealed class QueuedSink : ICmdletSink
        {
            private readonly BillingCmdlet _cmdlet;
            private readonly BlockingCollection<Action> _queue;
            private readonly CancellationToken _token;

            internal QueuedSink(BillingCmdlet cmdlet, BlockingCollection<Action> queue, CancellationToken token)
            {
                _cmdlet = cmdlet;
                _queue = queue;
                _token = token;
            }

            public void WriteObject(object value) => Post(() => _cmdlet.WriteObject(value));

            public void WriteFileItem(string path, Action<PSObject> note) => Post(() =>
            {
                var item = _cmdlet.InvokeProvider.Item.Get(new[] { path }, false, true)[0];
                note(item);
                _cmdlet.WriteObject(item);
            });

            public void WriteError(ErrorRecord record)
            {
                if (record is null)
                {
                    throw new ArgumentNullException(nameof(record));
                }

                Post(() => _cmdlet.WriteError(record));
            }

            public void WriteVerbose(string text) => Post(() => _cmdlet.WriteVerboseLine(text ?? string.Empty));

            public void WriteDebug(string text) => Post(() => _cmdlet.WriteDebugLine(text ?? string.Empty));

            public void WriteWarning(string text) => Post(() => _cmdlet.WriteWarningLine(text ?? string.Empty));

            public void WriteProgress(ProgressRecord record)
            {
                if (record is null)
                {
                    throw new ArgumentNullException(nameof(record));
                }

                Post(() => _cmdlet.WriteProgress(record));
            }

            public Task<bool> ShouldProcessAsync(string target, string action)
            {
                // RunContinuationsAsynchronously: the worker's continuation must not run on the pipeline thread.
                var answer = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
                var registration = _token.Register(static state => ((TaskCompletionSource<bool>)state!).TrySetCanceled(), answer);
                answer.Task.ContinueWith(
                    static (_, state) => ((CancellationTokenRegistration)state!).Dispose(),
                    registration,
                    CancellationToken.None,
                    TaskContinuationOptions.ExecuteSynchronously,
                    TaskScheduler.Default);

                Post(() =>
                {
                    try
                    {
                        answer.TrySetResult(_cmdlet.ShouldProcess(target, action));
                    }
                    catch (Exception ex)
                    {
                        // The worker learns that the question failed; the pump rethrows it on this thread.
                        answer.TrySetException(ex);
                        throw;
                    }
                });

                return answer.Task;
            }

            private void Post(Action action)
            {
                try
                {
                    // Blocks while the queue is full (back-pressure); gives up when the pipeline is stopped.
                    _queue.Add(action, _token);
                }
                catch (InvalidOperationException) when (_queue.IsAddingCompleted)
                {
                    throw new InvalidOperationException(
                        "The cmdlet's async work used its sink after the work had completed; every sink call must be awaited within the work.");
                }
            }
        }
    }
}
