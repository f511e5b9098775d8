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
                var call = NewCall(sink, p => UsageErrors.ProgressOf("Getting daily usage", request, p));
                long rows = 0;
                await foreach (var record in Client.Usage.GetRecordsAsync(request, call, token).WithCancellation(token).ConfigureAwait(false))
                {
                    sink.WriteObject(record);
                    rows++;
                }
                sink.WriteVerbose($"{rows:N0} usage record(s) for {request.Scope}.");
                sink.WriteProgress(new ProgressRecord(2, "Getting daily usage", "Done") { RecordType = ProgressRecordType.Completed });
            }, request.Scope.Display);
        }
    }
}
