using System;
using System.Management.Automation;
using System.Threading.Tasks;
using BillingPowerShell.Engine.Costs;
using BillingPowerShell.Engine.Usage;

namespace BillingPowerShell.Commands
{
    /// <summary>
    /// Streams daily usage records for a scope and time range into the pipeline, for every agreement type, while the
    /// next CSV blob or page is still arriving; memory does not grow with the number of records.
    /// </summary>
    [Cmdlet(VerbsCommon.Get, "DailyUsage")]
    [OutputType(typeof(UsageRecord))]
    public sealed class GetDailyUsageCommand : UsageRequestCmdlet
    {
        protected override void ProcessRecord()
        {
            var request = BuildRequest();
            if (request is null) return; // this pipeline record was rejected
            Run(async (sink, token) =>
            {
                var call = NewCall(sink);
                var service = new UsageService(Client)
                {
                    RowError = e => sink.WriteError(UsageErrors.BadRow(e)),
                    Progress = p => sink.WriteProgress(UsageErrors.ProgressOf("Getting daily usage", request, p)),
                };
                long rows = 0;
                await foreach (var record in service.GetRecordsAsync(request, call, token).WithCancellation(token).ConfigureAwait(false))
                {
                    sink.WriteObject(record);
                    rows++;
                }
                sink.WriteVerbose($"{rows:N0} usage record(s) for {request.Scope}.");
                sink.WriteProgress(new ProgressRecord(2, "Getting daily usage", "Done") { RecordType = ProgressRecordType.Completed });
            }, request.Scope.Display);
        }
    }

    /// <summary>Error and progress records shared by the usage cmdlets.</summary>
    internal static class UsageErrors
    {
        public static ErrorRecord BadRow(UsageRowError e) =>
            new ErrorRecord(new InvalidOperationException($"Skipped a usage row: {e}"), "BadUsageRow", ErrorCategory.InvalidData, $"{e.Source}:{e.LineNumber}");

        public static ProgressRecord ProgressOf(string activity, UsageRequest request, UsageProgress p) =>
            new ProgressRecord(2, activity, $"{request.Scope}: chunk {Math.Min(p.ChunksDone + 1, Math.Max(p.ChunksTotal, 1))} of {p.ChunksTotal}, {p.Rows:N0} rows, {p.Bytes / 1048576.0:N1} MB")
            {
                PercentComplete = p.ChunksTotal == 0 ? -1 : (int)(100L * p.ChunksDone / p.ChunksTotal),
            };
    }
}
