using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.Linq;
using System.Runtime.CompilerServices;
using System.Threading;
using System.Threading.Tasks;
using BillingPowerShell.Engine.Http;

namespace BillingPowerShell.Engine.Exports
{
    /// <summary>How runs are submitted and followed (Start-BillingExport -Wait, -Backfill).</summary>
    public sealed class ExportRunOptions
    {
        /// <summary>Follow the submitted runs in the run history until they end, and return the finished ones.</summary>
        public bool Wait { get; set; }
        /// <summary>The longest wait for the runs to end; a run still going then is reported as timed out.</summary>
        public TimeSpan Timeout { get; set; } = TimeSpan.FromHours(4);
        /// <summary>The first look at the run history after submitting; each next one waits twice as long, up to <see cref="MaxPoll"/>.</summary>
        public TimeSpan FirstPoll { get; set; } = TimeSpan.FromSeconds(2);
        public TimeSpan MaxPoll { get; set; } = TimeSpan.FromSeconds(60);
        /// <summary>Rounds of one month's submission (each already retried by the HTTP pipeline) before it is reported.</summary>
        public int SubmitAttempts { get; set; } = 4;
        /// <summary>The wait before the second round when the service named none; doubled each round.</summary>
        public TimeSpan SubmitBackoff { get; set; } = TimeSpan.FromSeconds(10);
        /// <summary>The longest wait between rounds, whatever the service asks (the limit of the HTTP pipeline's retries too).</summary>
        public TimeSpan MaxSubmitWait { get; set; } = TimeSpan.FromMinutes(5);
    }

    /// <summary>The days of one run: a whole month of a backfill, or the period of one run asked for.</summary>
    public sealed class ExportRunPeriod
    {
        public ExportRunPeriod(DateTime from, DateTime to) { From = from; To = to; }

        public DateTime From { get; }
        public DateTime To { get; }

        /// <summary>yyyy-MM for a month from its first day; else both days.</summary>
        public string Label => From.Day == 1 && To.Year == From.Year && To.Month == From.Month
            ? From.ToString("yyyy-MM", CultureInfo.InvariantCulture)
            : $"{From:yyyy-MM-dd} to {To:yyyy-MM-dd}";

        /// <summary>A run of exactly these days, as its run history gives them.</summary>
        public bool Covers(BillingExportRun run) => run.StartDate?.Date == From && run.EndDate?.Date == To;

        /// <summary>
        /// Every calendar month from the month of <paramref name="start"/> to the month of <paramref name="end"/>, each
        /// whole (1st to last day), the last one ending yesterday at the latest: the way the portal's "Export selected
        /// dates" and the FinOps toolkit split a backfill (docs/contracts/azure-api/EXPORTS.md, "`POST …/{exportName}/run`
        /// body"). A month with no day before today is left out (there is nothing to export yet).
        /// </summary>
        public static IReadOnlyList<ExportRunPeriod> Months(DateTime start, DateTime end, DateTime today)
        {
            var yesterday = DateTime.SpecifyKind(today.Date.AddDays(-1), DateTimeKind.Utc);
            var months = new List<ExportRunPeriod>();
            for (var m = new DateTime(start.Year, start.Month, 1, 0, 0, 0, DateTimeKind.Utc); m <= end.Date; m = m.AddMonths(1))
            {
                var last = m.AddMonths(1).AddDays(-1);
                if (last > yesterday) last = yesterday;
                if (last >= m) months.Add(new ExportRunPeriod(m, last));
            }
            return months;
        }
    }

    /// <summary>Why a month (or a run) did not end in a completed run: a stable id and the month it concerns.</summary>
    public sealed class ExportRunException : Exception
    {
        public const string NotSubmitted = "ExportRunNotSubmitted";
        public const string Rejected = "ExportRunRejected";
        public const string Failed = "ExportRunFailed";
        public const string TimedOut = "ExportRunTimedOut";

        public ExportRunException(string errorId, string period, string message, BillingExportRun? run = null, ArmException? cause = null) : base(message)
        {
            ErrorId = errorId; Period = period; Run = run; Cause = cause;
        }

        public string ErrorId { get; }
        /// <summary>The month (yyyy-MM) or the days the run was for; "timeframe" for a run of the export's own timeframe.</summary>
        public string Period { get; }
        /// <summary>The run as last read, when there is one.</summary>
        public BillingExportRun? Run { get; }
        /// <summary>The service's last answer, for a run that could not be submitted.</summary>
        public ArmException? Cause { get; }
    }

    /// <summary>
    /// Submits runs of one export and follows them: one run per period (or one of the export's timeframe), a period
    /// whose submission is throttled or fails transiently submitted again (bounded, the service's wait honoured), one
    /// that still fails reported through CallContext.ItemFailed while the others go on. With skipping, the run history
    /// is read first and a period that has a Completed run, or one still Queued/InProgress, is not submitted again
    /// (src/BillingPowerShell.Engine/Exports/README.md, "Start, backfill and wait"). With Wait, the run history is read until every run has ended.
    /// </summary>
    internal sealed class ExportRunBatch
    {
        private sealed class Item
        {
            public Item(ExportRunPeriod? period) { Period = period; }
            public ExportRunPeriod? Period { get; }
            public string Label => Period?.Label ?? "timeframe";
            public BillingExportRun? Run { get; set; }
            public bool Submitted { get; set; }
            public bool Ended { get; set; }
        }

        private readonly ExportService _service;
        private readonly ExportScope _scope;
        private readonly string _name;
        private readonly ExportRunOptions _options;
        private readonly CallContext _call;
        private readonly List<Item> _items;
        private HashSet<string> _known = new HashSet<string>(StringComparer.OrdinalIgnoreCase);

        public ExportRunBatch(ExportService service, ExportScope scope, string name, IEnumerable<ExportRunPeriod?> periods, ExportRunOptions options, CallContext call)
        {
            _service = service; _scope = scope; _name = name; _options = options; _call = call;
            _items = periods.Select(p => new Item(p)).ToList();
        }

        private string What(Item i) => $"Export '{_name}' at {_scope}, " + (i.Period is null ? "its timeframe" : i.Label);

        public async IAsyncEnumerable<BillingExportRun> RunAsync(bool skipSucceeded, [EnumeratorCancellation] CancellationToken ct)
        {
            if (skipSucceeded || _options.Wait)
            {
                var history = await HistoryAsync(ct).ConfigureAwait(false);
                _known = new HashSet<string>(history.Select(r => r.Id), StringComparer.OrdinalIgnoreCase);
                if (skipSucceeded) MarkExisting(history);
            }
            foreach (var item in _items.Where(i => i.Run is null))
            {
                await SubmitAsync(item, ct).ConfigureAwait(false);
                Report(_items.Count(i => i.Run is not null || i.Submitted), item.Label + (item.Submitted ? ": submitted" : ": not submitted"));
            }
            if (!_options.Wait) yield break;
            foreach (var done in _items.Where(i => i.Ended && i.Run is not null)) yield return done.Run!;
            await foreach (var run in WaitAsync(ct).ConfigureAwait(false)) yield return run;
        }

        private async Task<List<BillingExportRun>> HistoryAsync(CancellationToken ct)
        {
            var runs = new List<BillingExportRun>();
            await foreach (var r in _service.ListRunsAsync(_scope, _name, _call, ct).WithCancellation(ct).ConfigureAwait(false)) runs.Add(r);
            return runs;
        }

        /// <summary>A period with a Completed run is done; one with a run still going is followed, not submitted again.</summary>
        private void MarkExisting(List<BillingExportRun> history)
        {
            foreach (var item in _items.Where(i => i.Period is not null))
            {
                var mine = history.Where(r => item.Period!.Covers(r)).OrderByDescending(r => r.SubmittedTime ?? DateTime.MinValue).ToList();
                if (mine.FirstOrDefault(IsCompleted) is { } completed)
                {
                    item.Run = completed; item.Ended = true;
                    _call.Verbose?.Invoke($"{What(item)}: run {completed.RunId} completed already; not submitted again.");
                }
                else if (mine.FirstOrDefault(r => !r.IsFinished) is { } going)
                {
                    item.Run = going;
                    _call.Verbose?.Invoke($"{What(item)}: run {going.RunId} is {going.Status}; followed, not submitted again.");
                }
            }
        }

        internal static bool IsCompleted(BillingExportRun r) => string.Equals(r.Status, "Completed", StringComparison.OrdinalIgnoreCase);

        /// <summary>Throttling, a server error or a lost connection may pass; anything else is about this request.</summary>
        private static bool IsTransient(ArmException ex) =>
            ex.IsThrottled || ex.Status == 408 || ex.Status >= 500 || (ex.Status == 0 && ex.Code == "TransportFailure");

        private async Task SubmitAsync(Item item, CancellationToken ct)
        {
            for (var round = 1; ; round++)
            {
                ArmException failure;
                try
                {
                    await _service.RunAsync(_scope, _name, item.Period?.From, item.Period?.To, _call, ct).ConfigureAwait(false);
                    item.Submitted = true;
                    return;
                }
                catch (ArmException ex) when (IsTransient(ex)) { failure = ex; }
                catch (ArmException ex) when (ex.Status == 400 || ex.Status == 409 || ex.Status == 422)
                {
                    Fail(item, ExportRunException.Rejected, $"the service refused the run: {ex.Describe()}", cause: ex);
                    return;
                }
                if (round >= _options.SubmitAttempts)
                {
                    Fail(item, ExportRunException.NotSubmitted,
                        $"the run could not be submitted after {round} rounds of retries ({failure.Describe()}). Run the same command again later: it submits only the months without a completed run.", cause: failure);
                    return;
                }
                var wait = Wait(failure, round);
                _call.Verbose?.Invoke($"{What(item)}: the run request failed ({failure.Status} {failure.Code}); submitting it again in {wait.TotalMilliseconds:0} ms (round {round + 1} of {_options.SubmitAttempts}).");
                await Task.Delay(wait, ct).ConfigureAwait(false);
            }
        }

        /// <summary>The service's wait when it named one (bounded), else a doubling backoff.</summary>
        private TimeSpan Wait(ArmException failure, int round)
        {
            var backoff = TimeSpan.FromTicks(_options.SubmitBackoff.Ticks * (1L << Math.Min(round - 1, 10)));
            var wait = failure.RetryAfter is TimeSpan asked && asked > TimeSpan.Zero ? asked : backoff;
            return wait > _options.MaxSubmitWait ? _options.MaxSubmitWait : wait;
        }

        private void Fail(Item item, string id, string reason, BillingExportRun? run = null, ArmException? cause = null)
        {
            item.Ended = true;
            var text = (item.Period is null ? "The run" : $"Month {item.Label}") + $" of export '{_name}' at {_scope}: {reason}";
            // The target a script collects: the month (yyyy-MM), or the export's name for a run of its own timeframe.
            _call.Fail(new ExportRunException(id, item.Label, text, run, cause), item.Period is null ? _name : item.Label, What(item));
        }

        private void Report(int done, string item) => _call.Progress?.Invoke(new CallProgress(done, _items.Count, item));

        private async IAsyncEnumerable<BillingExportRun> WaitAsync([EnumeratorCancellation] CancellationToken ct)
        {
            var clock = Stopwatch.StartNew();
            var interval = _options.FirstPoll;
            while (_items.Any(i => !i.Ended))
            {
                var left = _options.Timeout - clock.Elapsed;
                if (left <= TimeSpan.Zero) { TimeOut(); yield break; }
                await Task.Delay(interval < left ? interval : left, ct).ConfigureAwait(false);
                interval = TimeSpan.FromTicks(Math.Min(interval.Ticks * 2, _options.MaxPoll.Ticks));
                var history = await HistoryAsync(ct).ConfigureAwait(false);
                foreach (var item in _items.Where(i => !i.Ended).OrderBy(i => i.Period?.From))
                {
                    item.Run = Find(item, history) ?? item.Run;
                    if (item.Run is not { IsFinished: true } run) continue;
                    item.Ended = true;
                    Report(_items.Count(i => i.Ended), $"{item.Label}: {run.Status}");
                    if (IsCompleted(run)) yield return run;
                    else Fail(item, ExportRunException.Failed, $"run {run.RunId} ended {run.Status}" + (run.ErrorCode is null ? "." : $" ({run.ErrorCode}: {run.ErrorMessage})") + " Run the same command again to submit it anew.", run);
                }
            }
        }

        /// <summary>
        /// This item's run in the history: the one followed, by id; else the newest run submitted since the command began
        /// (not in the history read first) for the same days, or of any days for a run of the export's timeframe.
        /// </summary>
        private BillingExportRun? Find(Item item, List<BillingExportRun> history)
        {
            if (item.Run is { } followed) return history.FirstOrDefault(r => string.Equals(r.Id, followed.Id, StringComparison.OrdinalIgnoreCase));
            return history.Where(r => !_known.Contains(r.Id) && (item.Period?.Covers(r) ?? true))
                .OrderByDescending(r => r.SubmittedTime ?? DateTime.MinValue).FirstOrDefault();
        }

        private void TimeOut()
        {
            foreach (var item in _items.Where(i => !i.Ended))
                Fail(item, ExportRunException.TimedOut,
                    $"{(item.Run is null ? "its run did not appear in the run history" : $"run {item.Run.RunId} is still {item.Run.Status}")} after {_options.Timeout.TotalSeconds:0} s of waiting. Wait longer (-TimeoutSeconds), or follow it with Get-BillingExportRun; a rerun of the command does not submit a month whose run is still queued or in progress.",
                    item.Run);
        }
    }
}
