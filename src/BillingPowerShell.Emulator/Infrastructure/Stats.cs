using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Linq;
using System.Threading;

namespace BillingPowerShell.Emulator.Infrastructure;

/// <summary>Counters for /_emulator/stats. Lock-free (ConcurrentDictionary + Interlocked).</summary>
internal sealed class Stats
{
    private readonly ConcurrentDictionary<string, StrongBox> _requests = new();
    private readonly ConcurrentDictionary<string, StrongBox> _faults = new();
    private readonly ConcurrentDictionary<string, StrongBox> _statuses = new();
    private long _bytesServed;

    private sealed class StrongBox { public long Value; }

    public void Request(string route) => Interlocked.Increment(ref _requests.GetOrAdd(route, _ => new StrongBox()).Value);
    public void Fault(string kind) => Interlocked.Increment(ref _faults.GetOrAdd(kind, _ => new StrongBox()).Value);
    public void Status(int status) => Interlocked.Increment(ref _statuses.GetOrAdd(status.ToString(System.Globalization.CultureInfo.InvariantCulture), _ => new StrongBox()).Value);
    public void Bytes(long n) => Interlocked.Add(ref _bytesServed, n);

    public void Reset() { _requests.Clear(); _faults.Clear(); _statuses.Clear(); Interlocked.Exchange(ref _bytesServed, 0); }

    public object Snapshot() => new
    {
        requests = _requests.OrderBy(k => k.Key).ToDictionary(k => k.Key, k => Interlocked.Read(ref k.Value.Value)),
        totalRequests = _requests.Values.Sum(v => Interlocked.Read(ref v.Value)),
        faults = _faults.OrderBy(k => k.Key).ToDictionary(k => k.Key, k => Interlocked.Read(ref k.Value.Value)),
        totalFaults = _faults.Values.Sum(v => Interlocked.Read(ref v.Value)),
        statuses = _statuses.OrderBy(k => k.Key).ToDictionary(k => k.Key, k => Interlocked.Read(ref k.Value.Value)),
        blobBytesServed = Interlocked.Read(ref _bytesServed),
    };
}
