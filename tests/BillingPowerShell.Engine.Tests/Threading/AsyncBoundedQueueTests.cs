using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using BillingPowerShell.Engine.Threading;

namespace BillingPowerShell.Engine.Tests.Threading
{
    public sealed class AsyncBoundedQueueTests
    {
        private static readonly TimeSpan Short = TimeSpan.FromMilliseconds(100);

        [Fact]
        public async Task ProducerWaitsWhenFullAndResumesAfterATake()
        {
            var q = new AsyncBoundedQueue<int>(2);
            await q.AddAsync(1, default);
            await q.AddAsync(2, default);
            var third = q.AddAsync(3, default);
            await Task.Delay(Short);
            Assert.False(third.IsCompleted); // bounded: no third item while two wait
            var (ok, item) = await q.TakeAsync(default);
            Assert.True(ok);
            Assert.Equal(1, item);
            await third.WaitAsync(TimeSpan.FromSeconds(5));
        }

        [Fact]
        public async Task FifoOrderThenEndRepeatedly()
        {
            var q = new AsyncBoundedQueue<string>(3);
            var producer = Task.Run(async () =>
            {
                for (var i = 0; i < 50; i++) await q.AddAsync("i" + i, default);
                q.Complete();
            });
            var got = new List<string>();
            while (true)
            {
                var (ok, item) = await q.TakeAsync(default);
                if (!ok) break;
                got.Add(item);
            }
            await producer;
            Assert.Equal(Enumerable.Range(0, 50).Select(i => "i" + i), got);
            Assert.False((await q.TakeAsync(default)).Item1); // the end stays visible
            Assert.False((await q.TakeAsync(default)).Item1);
        }

        [Fact]
        public async Task ProducerFailureIsRethrownAfterTheItemsBeforeIt()
        {
            var q = new AsyncBoundedQueue<int>(4);
            await q.AddAsync(1, default);
            await q.AddAsync(2, default);
            q.Complete(new InvalidOperationException("chunk 3 failed"));
            Assert.Equal((true, 1), await q.TakeAsync(default));
            Assert.Equal((true, 2), await q.TakeAsync(default));
            var ex = await Assert.ThrowsAsync<InvalidOperationException>(() => q.TakeAsync(default));
            Assert.Equal("chunk 3 failed", ex.Message);
            await Assert.ThrowsAsync<InvalidOperationException>(() => q.TakeAsync(default)); // and again
        }

        [Fact]
        public async Task TakeWaitsForAnItem()
        {
            var q = new AsyncBoundedQueue<int>(1);
            var take = q.TakeAsync(default);
            await Task.Delay(Short);
            Assert.False(take.IsCompleted);
            await q.AddAsync(7, default);
            Assert.Equal((true, 7), await take.WaitAsync(TimeSpan.FromSeconds(5)));
        }

        [Fact]
        public async Task CancellationReleasesAWaitingConsumerAndProducer()
        {
            var q = new AsyncBoundedQueue<int>(1);
            using var cts = new CancellationTokenSource();
            var take = q.TakeAsync(cts.Token);
            cts.CancelAfter(50);
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => take.WaitAsync(TimeSpan.FromSeconds(5)));

            await q.AddAsync(1, default);
            using var cts2 = new CancellationTokenSource(50);
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => q.AddAsync(2, cts2.Token).WaitAsync(TimeSpan.FromSeconds(5)));
            Assert.Equal((true, 1), await q.TakeAsync(default)); // the queue still works
        }

        [Fact]
        public async Task ConcurrentProducersLoseAndDuplicateNothing()
        {
            var q = new AsyncBoundedQueue<int>(2);
            var producers = Enumerable.Range(0, 4).Select(p => Task.Run(async () =>
            {
                for (var i = 0; i < 250; i++) await q.AddAsync(p * 1000 + i, default);
            })).ToArray();
            var done = Task.WhenAll(producers).ContinueWith(_ => q.Complete());
            var got = new List<int>();
            while (true)
            {
                var (ok, item) = await q.TakeAsync(default);
                if (!ok) break;
                got.Add(item);
            }
            await done;
            Assert.Equal(1000, got.Count);
            Assert.Equal(1000, got.Distinct().Count());
            foreach (var p in Enumerable.Range(0, 4))
            {
                var mine = got.Where(x => x / 1000 == p).ToList();
                Assert.Equal(mine.OrderBy(x => x), mine); // each producer's order kept
            }
        }
    }
}
