using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;

namespace BillingPowerShell.Engine.Threading
{
    /// <summary>
    /// A small bounded producer/consumer queue for async code (netstandard2.0 has no System.Threading.Channels): a
    /// producer that gets ahead of the consumer waits instead of filling memory.
    /// </summary>
    internal sealed class AsyncBoundedQueue<T>
    {
        private readonly Queue<T> _items = new Queue<T>();
        private readonly SemaphoreSlim _free;
        private readonly SemaphoreSlim _filled = new SemaphoreSlim(0);
        private readonly object _gate = new object();
        private bool _completed;
        private Exception? _error;

        public AsyncBoundedQueue(int capacity) { _free = new SemaphoreSlim(capacity); }

        public async Task AddAsync(T item, CancellationToken ct)
        {
            await _free.WaitAsync(ct).ConfigureAwait(false);
            lock (_gate) _items.Enqueue(item);
            _filled.Release();
        }

        public void Complete(Exception? error = null)
        {
            lock (_gate) { _completed = true; _error = error; }
            _filled.Release(); // wake the consumer so it sees the end
        }

        /// <summary>Takes the next item; (false, default) at the end. Rethrows the producer's failure in order.</summary>
        public async Task<(bool, T)> TakeAsync(CancellationToken ct)
        {
            while (true)
            {
                await _filled.WaitAsync(ct).ConfigureAwait(false);
                lock (_gate)
                {
                    if (_items.Count > 0)
                    {
                        var item = _items.Dequeue();
                        _free.Release();
                        return (true, item);
                    }
                    if (_completed)
                    {
                        _filled.Release(); // keep the end visible to any later call
                        if (_error is not null) System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(_error).Throw();
                        return (false, default!);
                    }
                }
            }
        }
    }
}
