# BillingCmdlet, the base of every cmdlet: async work whose every write happens on the pipeline thread, a bounded
# queue, unwrapped exceptions, ShouldProcess answered on the pipeline thread, and a prompt stop.
# A small test cmdlet deriving from BillingCmdlet is compiled against the built BillingPowerShell.dll.

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    if (-not (Get-Module BillingPowerShell)) { Import-Module (Get-TestModulePath) }
    $dll = Join-Path (Split-Path -Parent (Get-TestModulePath)) 'BillingPowerShell.dll'
    $source = @'
using System;
using System.IO;
using System.Management.Automation;
using System.Threading;
using System.Threading.Tasks;
using BillingPowerShell.Commands;

[Cmdlet(VerbsDiagnostic.Test, "BillingPump", SupportsShouldProcess = true)]
public sealed class TestBillingPumpCommand : BillingCmdlet
{
    public static int Produced;
    public static volatile bool Cancelled;
    public static volatile bool Finished;

    [Parameter] public int Count { get; set; } = 10;
    [Parameter] public int DelayMs { get; set; }
    [Parameter] public string Fail { get; set; }
    [Parameter] public SwitchParameter Ask { get; set; }
    [Parameter] public SwitchParameter ErrorEach { get; set; }

    protected override void ProcessRecord()
    {
        Produced = 0; Cancelled = false; Finished = false;
        RunAsync(async (sink, ct) =>
        {
            try
            {
                if (Ask)
                {
                    bool yes = await sink.ShouldProcessAsync("item", "Process");
                    sink.WriteObject("answer:" + yes);
                }
                sink.WriteVerbose("starting on thread " + Environment.CurrentManagedThreadId);
                sink.WriteProgress(new ProgressRecord(1, "Pumping", "start"));
                for (int i = 0; i < Count; i++)
                {
                    if (ErrorEach)
                        sink.WriteError(new ErrorRecord(new InvalidOperationException("item " + i), "TestError", ErrorCategory.InvalidOperation, i));
                    else
                        {
                        var o = new PSObject();
                        o.Properties.Add(new PSNoteProperty("Index", i));
                        o.Properties.Add(new PSNoteProperty("WorkerThread", Environment.CurrentManagedThreadId));
                        sink.WriteObject(o);
                    }
                    Interlocked.Increment(ref Produced);
                    if (DelayMs > 0) await Task.Delay(DelayMs, ct);
                }
                if (Fail == "io") throw new IOException("disk full");
                if (Fail == "arg") { await Task.Yield(); throw new ArgumentException("bad argument"); }
                sink.WriteWarning("done");
            }
            catch (OperationCanceledException) { Cancelled = true; throw; }
            finally { Finished = true; }
        });
    }
}
'@
    $script:pumpAssembly = Add-Type -TypeDefinition $source -ReferencedAssemblies $dll, ([psobject].Assembly.Location), 'System.Threading', 'System.Threading.Tasks', 'System.Runtime', 'System.Collections.Concurrent', 'System.Collections', 'netstandard', 'System.Console' -IgnoreWarnings -WarningAction SilentlyContinue -PassThru |
        Select-Object -First 1 -ExpandProperty Assembly
    Import-Module -Assembly $pumpAssembly
}

Describe 'BillingCmdlet' {
    It 'writes every object, in order, on the pipeline thread' {
        $pipelineThread = [Environment]::CurrentManagedThreadId
        $seen = Test-BillingPump -Count 200 | ForEach-Object { [pscustomobject]@{ Index = $_.Index; Worker = $_.WorkerThread; Here = [Environment]::CurrentManagedThreadId } }
        $seen.Count | Should -Be 200
        ($seen.Index -join ',') | Should -Be ((0..199) -join ',')
        $seen.Here | Sort-Object -Unique | Should -Be $pipelineThread
        $seen.Worker | Where-Object { $_ -eq $pipelineThread } | Should -BeNullOrEmpty -Because 'the work runs on the thread pool'
    }

    It 'writes verbose, warning and progress through the sink' {
        $out = Test-BillingPump -Count 1 -Verbose 3>&1 4>&1
        ($out | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] }).Message | Should -Match 'starting on thread'
        ($out | Where-Object { $_ -is [System.Management.Automation.WarningRecord] }).Message | Should -Be 'done'
        # Progress has no redirection operator: read it from the stream of a PowerShell instance.
        $ps = [powershell]::Create()
        try {
            $null = $ps.AddCommand('Import-Module').AddParameter('Assembly', $pumpAssembly).AddStatement().AddCommand('Test-BillingPump').AddParameter('Count', 1)
            $null = $ps.Invoke()
            @($ps.Streams.Progress | Where-Object Activity -EQ 'Pumping') | Should -Not -BeNullOrEmpty
        }
        finally { $ps.Dispose() }
    }

    It 'writes non-terminating errors that go on' {
        $errors = $null
        $null = Test-BillingPump -Count 3 -ErrorEach -ErrorVariable errors -ErrorAction SilentlyContinue
        $errors.Count | Should -Be 3
        $errors[0].FullyQualifiedErrorId | Should -Match '^TestError'
    }

    It 'stops the work when a WriteError is turned into a stop by -ErrorAction Stop' {
        { Test-BillingPump -Count 100000 -DelayMs 1 -ErrorEach -ErrorAction Stop } | Should -Throw
        Wait-Until { [TestBillingPumpCommand]::Finished } -What 'the work to finish after the stop'
        [TestBillingPumpCommand]::Produced | Should -BeLessThan 100000
        [TestBillingPumpCommand]::Finished | Should -BeTrue
    }

    It 'rethrows the work''s exception unwrapped (not an AggregateException)' {
        $e = { Test-BillingPump -Count 1 -Fail io } | Should -Throw -PassThru
        $e.Exception | Should -BeOfType ([System.IO.IOException])
        $e.Exception.Message | Should -Be 'disk full'
        $e = { Test-BillingPump -Count 1 -Fail arg } | Should -Throw -PassThru
        $e.Exception | Should -BeOfType ([System.ArgumentException])
    }

    It 'keeps the queue bounded: a fast producer waits for a slow consumer' {
        $script:ahead = -1
        Test-BillingPump -Count 20000 | ForEach-Object {
            if ($_.Index -eq 0) { Start-Sleep -Milliseconds 700; $script:ahead = [TestBillingPumpCommand]::Produced }
        }
        $ahead | Should -BeLessOrEqual 1010 -Because 'at most the queue capacity (1,000) may be produced ahead of the pipeline'
        [TestBillingPumpCommand]::Produced | Should -Be 20000
    }

    It 'streams a large number of objects at constant memory' {
        [GC]::Collect()
        $before = [GC]::GetTotalMemory($true)
        $count = (Test-BillingPump -Count 300000 | Measure-Object).Count
        $count | Should -Be 300000
        ([GC]::GetTotalMemory($true) - $before) / 1MB | Should -BeLessThan 50
    }

    It 'asks ShouldProcess on the pipeline thread: -WhatIf answers no' {
        $out = Test-BillingPump -Count 0 -Ask -WhatIf 6>&1
        $out | Where-Object { $_ -is [string] } | Should -Contain 'answer:False'
        Test-BillingPump -Count 0 -Ask -Confirm:$false | Should -Contain 'answer:True'
    }

    It 'stops promptly and cancels the work when downstream stops (Select-Object -First)' {
        $sw = [Diagnostics.Stopwatch]::StartNew()
        $first = Test-BillingPump -Count 100000 -DelayMs 20 | Select-Object -First 2
        $sw.Elapsed.TotalSeconds | Should -BeLessThan 30 -Because 'the work is cancelled, not run to its 100,000 items (over 30 minutes)'
        $first.Count | Should -Be 2
        Wait-Until { [TestBillingPumpCommand]::Cancelled } -What 'the work to see its cancellation'
    }

    It 'stops promptly on Ctrl+C (PowerShell.Stop) while the work is busy' {
        $ps = [powershell]::Create()
        try {
            $null = $ps.AddCommand('Import-Module').AddParameter('Assembly', $pumpAssembly).AddStatement().
                AddCommand('Test-BillingPump').AddParameter('Count', 100000).AddParameter('DelayMs', 50)
            [TestBillingPumpCommand]::Produced = 0; [TestBillingPumpCommand]::Cancelled = $false; [TestBillingPumpCommand]::Finished = $false
            $async = $ps.BeginInvoke()
            # Stop only once the work is busy producing (a slow machine may take a while to import and start it).
            $deadline = [DateTime]::UtcNow.AddSeconds(30)
            while ([TestBillingPumpCommand]::Produced -lt 3 -and [DateTime]::UtcNow -lt $deadline) { Start-Sleep -Milliseconds 20 }
            [TestBillingPumpCommand]::Produced | Should -BeGreaterOrEqual 3
            $sw = [Diagnostics.Stopwatch]::StartNew()
            $ps.Stop()
            $sw.Elapsed.TotalSeconds | Should -BeLessThan 30 -Because 'the work is cancelled, not run to its 100,000 items (over 80 minutes)'
            $async.IsCompleted | Should -BeTrue
            $ps.InvocationStateInfo.State | Should -Be 'Stopped'
            Wait-Until { [TestBillingPumpCommand]::Cancelled -and [TestBillingPumpCommand]::Finished } -What 'the work to see its cancellation and finish'
        }
        finally {
            $ps.Dispose()
        }
    }
}
