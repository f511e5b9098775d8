using System;
using System.Text.Json.Nodes;
using System.Threading;
using System.Threading.Tasks;
using BillingPowerShell.Emulator.Data;
using BillingPowerShell.Emulator.Infrastructure;

namespace BillingPowerShell.Emulator.Exports;

/// <summary>
/// Runs exports in the background: docs/contracts/azure-api/EXPORTS.md, "Run (Execute) and run history". Execute only
/// queues a run; it stays Queued for 5 s, is InProgress for at least 10 s (both × --time-scale) while its files are
/// written, then Completed, or Failed with an error. Fault modes (POST /_emulator/faults, exportRunMode): fail,
/// queued (never picked up), manifestFirst, shortFile (ExportWriter).
/// </summary>
internal sealed class ExportRunner
{
    public static readonly TimeSpan QueuedFor = TimeSpan.FromSeconds(5);
    public static readonly TimeSpan ProcessingAtLeast = TimeSpan.FromSeconds(10);
    /// <summary>Under the manifestFirst fault, how long the last data file follows its manifest.</summary>
    public static readonly TimeSpan ManifestFirstLag = TimeSpan.FromMinutes(5);
    private const string SubmittedBy = "user@emulator.local";
    private readonly EmulatorServices _e;
    private readonly CancellationTokenSource _stop = new();
    private TaskCompletionSource _release = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public ExportRunner(EmulatorServices e) => _e = e;

    /// <summary>Starts the scheduler: every 250 ms, each Active schedule whose next occurrence (ExportSchedule) has
    /// come gets a Scheduled run submitted by System. Stopped with the emulator.</summary>
    public void StartScheduler() => _ = Task.Run(async () =>
    {
        using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(250));
        try { while (await timer.WaitForNextTickAsync(_stop.Token)) RunDueSchedules(DateTime.UtcNow); }
        catch (OperationCanceledException) { }
    });

    public void StopScheduler() => _stop.Cancel();

    /// <summary>POST /_emulator/exports/release: the last files held back by the manifestFirst faults land now, not
    /// after their delay, so a test waits for the event it caused rather than for a time (runs submitted later are
    /// held again).</summary>
    public void ReleaseHeldFiles() =>
        Interlocked.Exchange(ref _release, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();

    private void RunDueSchedules(DateTime now)
    {
        foreach (var x in _e.Exports.All())
        {
            DateTime? due;
            lock (_e.Exports.Gate)
            {
                var s = x.Settings;
                if (!s.ScheduleActive || s.RecurrenceFrom is not DateTime from) continue;
                due = ExportSchedule.NextAtOrAfter(from, s.RecurrenceTo, ExportSchedule.Interval(s.Recurrence, _e.Options.TimeScale), x.ScheduleCursor);
                if (due == null || due > now) continue;
                x.ScheduleCursor = now.AddTicks(1);
            }
            var scope = ExportScope.Parse(_e.World, x.ScopeId, out _);
            if (scope != null && _e.Exports.Get(scope.Id, x.Name) == x) Submit(x, scope, null, scheduled: true);
        }
    }

    /// <summary>The days a run covers: its own period, else the export's timeframe as of the world's today.</summary>
    public static (DateOnly From, DateOnly To) Period(World world, ExportSettings s, (DateOnly From, DateOnly To)? requested)
    {
        if (requested is { } r) return r;
        var today = world.Today;
        var month = new DateOnly(today.Year, today.Month, 1);
        return s.Timeframe switch
        {
            "TheLastMonth" or "TheLastBillingMonth" => (month.AddMonths(-1), month.AddDays(-1)),
            "WeekToDate" => (today.AddDays(-(((int)today.DayOfWeek + 6) % 7)), today),
            "Custom" => (s.From!.Value, s.To!.Value),
            _ => (month, today), // MonthToDate, BillingMonthToDate, TheCurrentMonth
        };
    }

    /// <summary>Queues a run (on demand, or scheduled) of the export (as it is now) and starts its background work.</summary>
    public ExportRun Submit(ExportRecord x, ExportScope scope, (DateOnly From, DateOnly To)? requested, bool scheduled = false)
    {
        ExportRun run;
        lock (_e.Exports.Gate)
        {
            var (from, to) = Period(_e.World, x.Settings, requested);
            run = new ExportRun
            {
                RunId = Guid.NewGuid().ToString(), ExecutionType = scheduled ? "Scheduled" : "OnDemand", SubmittedBy = scheduled ? "System" : SubmittedBy,
                SubmittedTime = DateTime.UtcNow,
                StartDate = from, EndDate = to, CustomPeriod = requested != null,
                RunSettings = (JsonObject)x.Properties.DeepClone(), Settings = x.Settings,
            };
            x.Runs.Add(run);
        }
        var faults = _e.Faults.Settings;
        string mode = faults.ExportRunMonths.Length == 0 || Array.IndexOf(faults.ExportRunMonths, run.StartDate.ToString("yyyy-MM", System.Globalization.CultureInfo.InvariantCulture)) >= 0
            ? faults.ExportRunMode : "normal";
        if (mode != "normal") _e.Stats.Fault("export-" + mode);
        var job = new ExportJob(x, scope, run, x.ApiVersion, mode, _e.Options.Scale(ManifestFirstLag), Volatile.Read(ref _release).Task);
        _ = Task.Run(() => RunAsync(job));
        return run;
    }

    private async Task RunAsync(ExportJob job)
    {
        var run = job.Run;
        if (job.Mode == "queued") return; // never picked up
        await Task.Delay(_e.Options.Scale(QueuedFor));
        var started = DateTime.UtcNow;
        Set(run, r => { r.Status = "InProgress"; r.ProcessingStartTime = started; });
        (string Code, string Message)? error = null;
        string? manifest = null, file = null;
        try
        {
            error = job.Mode == "fail" ? ("ExportRunFailed", "The export run failed. Please run the export again.") : Unsupported(job);
            if (error == null)
            {
                var storage = _e.Storage ?? throw new StorageMissingException();
                using var cts = new CancellationTokenSource(TimeSpan.FromMinutes(30));
                (manifest, file) = await new ExportWriter(_e.World, _e.Usage, _e.Options.CsvRowsPerBlob).WriteAsync(storage.Service, job, cts.Token);
            }
        }
        catch (StorageMissingException)
        {
            error = ("StorageAccountNotReachable", "The export could not write to the storage account: the emulator was started without --storage-url.");
        }
        catch (Exception ex)
        {
            Console.Error.WriteLine($"emulator: export run {run.RunId} failed: {ex}");
            error = ("ExportRunFailed", "The export could not write to the storage account: " + ex.GetType().Name + ": " + ex.Message);
        }
        var left = _e.Options.Scale(ProcessingAtLeast) - (DateTime.UtcNow - started);
        if (left > TimeSpan.Zero) await Task.Delay(left);
        Set(run, r =>
        {
            r.ProcessingEndTime = DateTime.UtcNow;
            r.Status = error == null ? "Completed" : "Failed";
            r.Error = error;
            if (error == null) { r.ManifestFile = manifest; r.FileName = file; }
        });
    }

    /// <summary>Datasets and formats the emulator does not generate: the run fails and says so.</summary>
    private static (string, string)? Unsupported(ExportJob job)
    {
        var s = job.Run.Settings;
        if (s.Type is "ActualCost" or "AmortizedCost" or "Usage" or "FocusCost" && s.Format is "Csv" or "Parquet") return null;
        return ("EmulatorUnsupported", $"The billing emulator does not generate {s.Type} data in {s.Format} format (it writes ActualCost, AmortizedCost, Usage and FocusCost as Csv or Parquet).");
    }

    private void Set(ExportRun run, Action<ExportRun> change)
    {
        lock (_e.Exports.Gate) change(run);
    }

    private sealed class StorageMissingException : Exception { }
}
