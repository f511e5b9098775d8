using System;
using System.IO;
using System.Threading;
using System.Threading.Tasks;
using System.Management.Automation;
using BillingPowerShell.Engine.Billing;
using BillingPowerShell.Engine.Exports;
using BillingPowerShell.Engine.Http;

namespace BillingPowerShell.Commands
{
    /// <summary>A cmdlet that calls the billing service: the shared client, a call context wired to the sink, and errors.</summary>
    public abstract class BillingApiCmdlet : BillingCmdlet
    {
        internal BillingClient Client => BillingSession.Current;

        private Action<string>? _prompt;

        /// <summary>
        /// The context of one engine call, every report of which reaches the pipeline thread through the sink: diagnostics
        /// go to this cmdlet's Verbose/Debug/Warning streams (already redacted), a failed item (an invoice, a scope, a
        /// file) becomes that item's error record (<see cref="ErrorFor"/>), a bad usage row a BadUsageRow error, and
        /// progress the record <paramref name="progress"/> makes of it. A device-code sign-in prompt goes to the
        /// warnings too, until Run returns (see BillingSession.SetPrompt).
        /// </summary>
        internal CallContext NewCall(ICmdletSink sink, Func<CallProgress, ProgressRecord>? progress = null)
        {
            _prompt = sink.WriteWarning;
            BillingSession.SetPrompt(_prompt);
            return new CallContext(MyInvocation.MyCommand.Name, Now)
            {
                Debug = sink.WriteDebug,
                Verbose = sink.WriteVerbose,
                Warning = sink.WriteWarning,
                ItemFailed = f => sink.WriteError(ErrorFor(f.Error, f.Target, f.What)),
                RowError = e => sink.WriteError(UsageErrors.BadRow(e)),
                // The record is made here, on the worker thread, from the engine's snapshot; only the write is queued.
                Progress = progress is null ? null : p => sink.WriteProgress(progress(p)),
            };
        }

        /// <summary>Turns an engine failure into a PowerShell error with a stable id, the right category and the target.</summary>
        internal static ErrorRecord ErrorFor(Exception ex, object? target, string? what = null)
        {
            var prefix = what is null ? "" : what + ": ";
            switch (ex)
            {
                case ExportDefinitionException d:
                    return Record(d, d.ErrorId, ErrorCategory.InvalidArgument, target, prefix + d.Message);
                case ExportConflictException c:
                    return Record(c, "ExportChangedElsewhere", ErrorCategory.InvalidOperation, target,
                        prefix + Sentence(c.Message) + " Get it again with Get-BillingExport and pipe that to Set-BillingExport.");
                case ExportRunException r:
                    return Record(r.Cause ?? (Exception)r, r.ErrorId, RunCategory(r), target, prefix + r.Message);
                case ExportExistsException x:
                    return Record(x, "ExportAlreadyExists", ErrorCategory.ResourceExists, target, prefix + x.Message);
                case UnsafeRequestException u:
                    return Record(u, "UnsafeRequestRefused", ErrorCategory.SecurityError, target, prefix + u.Message);
                case LongRunningOperationException l when l.TimedOut:
                    return Record(l, "OperationTimedOut", ErrorCategory.OperationTimeout, target, prefix + l.Message);
                case LongRunningOperationException l:
                    return Record(l, "OperationFailed", ErrorCategory.InvalidResult, target, prefix + l.Describe());
                case BlobAccessException b:
                    return Record(b, "DownloadRefused", ErrorCategory.ResourceUnavailable, target, prefix + b.Describe());
                case ArmException a when a.Status == 401 || a.Code == "CredentialUnavailable":
                    return Record(a, "AuthenticationFailed", ErrorCategory.AuthenticationError, target,
                        prefix + Sentence(a.Message) + " Sign in with Connect-BillingAccount (for example -DeviceCode at a prompt, -Identity in an Azure Automation runbook, -ServicePrincipal in a pipeline, or -AccessToken with a token for "
                        + ((target as Uri) ?? BillingSession.Current.Context.ResourceManagerUrl).GetLeftPart(UriPartial.Authority) + ")."); // Connect-BillingAccount passes the URL it is connecting to
                case ArmException a when a.Status == 403:
                    return Record(a, "BillingPermissionDenied", ErrorCategory.PermissionDenied, target,
                        prefix + Sentence(a.Describe()) + " Reading billing data needs a billing role on the billing scope: Billing account reader (or Billing profile reader / Invoice manager for invoices) on a Microsoft Customer Agreement, Enterprise administrator (read-only) on an Enterprise Agreement, or Account administrator (or Billing reader) on a pay-as-you-go subscription.");
                case ArmException a when a.Status == 404:
                    return Record(a, "BillingObjectNotFound", ErrorCategory.ObjectNotFound, target, prefix + a.Describe());
                case ArmException a when a.Status == 429:
                    return Record(a, "Throttled", ErrorCategory.LimitsExceeded, target, prefix + "The service kept throttling the requests: " + a.Describe());
                case ArmException a when a.Code == CertificateFailure.Code:
                    return Record(a, CertificateFailure.Code, ErrorCategory.SecurityError, target, prefix + a.Message);
                case ArmException a when a.Status == 0:
                    return Record(a, "ServiceUnreachable", ErrorCategory.ConnectionError, target, prefix + a.Message);
                case ArmException a when a.Code == "InvalidResponse":
                    return Record(a, "InvalidServiceResponse", ErrorCategory.InvalidResult, target, prefix + a.Describe());
                case ArmException a when a.Status == 400 || a.Status == 422:
                    return Record(a, "BillingRequestRejected", ErrorCategory.InvalidArgument, target, prefix + a.Describe());
                case ArmException a:
                    return Record(a, "BillingApiError", ErrorCategory.NotSpecified, target, prefix + a.Describe());
                case ExportManifestMismatchException m:
                    return Record(m, "ExportManifestMismatch", ErrorCategory.InvalidData, target, m.Message); // names the run itself
                case ExportRunNotReceivableException r:
                    return Record(r, "ExportRunNotReceivable", ErrorCategory.InvalidOperation, target, r.Message);
                case ExportStorageException s when s.Status == 401 || s.Status == 403:
                    return Record(s, "StorageAccessDenied", ErrorCategory.PermissionDenied, target, prefix + s.Message);
                case ExportStorageException s when s.Status == 0:
                    return Record(s, "StorageUnreachable", ErrorCategory.ConnectionError, target, prefix + s.Message);
                case ExportStorageException s when s.Status == 404:
                    return Record(s, "StorageObjectNotFound", ErrorCategory.ObjectNotFound, target, prefix + s.Message);
                case ExportStorageException s:
                    return Record(s, "StorageError", ErrorCategory.ReadError, target, prefix + s.Message);
                case InvalidDataException d:
                    return Record(d, "DownloadIncomplete", ErrorCategory.InvalidData, target, prefix + d.Message);
                case UnauthorizedAccessException io:
                    return Record(io, "FileAccessDenied", ErrorCategory.PermissionDenied, target, prefix + io.Message);
                case IOException io:
                    return Record(io, "FileWriteFailed", ErrorCategory.WriteError, target, prefix + io.Message);
                case ArgumentException arg:
                    return Record(arg, "InvalidArgument", ErrorCategory.InvalidArgument, target, prefix + arg.Message);
                default:
                    return Record(ex, "UnexpectedError", ErrorCategory.NotSpecified, target, prefix + Redactor.Redact(ex.Message));
            }
        }

        /// <summary>A month's run that was not submitted (throttled or refused), failed, or did not end in time.</summary>
        private static ErrorCategory RunCategory(ExportRunException r) => r.ErrorId switch
        {
            ExportRunException.TimedOut => ErrorCategory.OperationTimeout,
            ExportRunException.Failed => ErrorCategory.InvalidResult,
            ExportRunException.Rejected => ErrorCategory.InvalidArgument,
            _ => r.Cause?.IsThrottled == true ? ErrorCategory.LimitsExceeded : ErrorCategory.ConnectionError,
        };

        /// <summary>The text as one sentence ending in a single full stop, whether or not the service ended it with one.</summary>
        internal static string Sentence(string text) => text.TrimEnd().TrimEnd('.') + ".";

        private static ErrorRecord Record(Exception ex, string id, ErrorCategory category, object? target, string message)
        {
            // The record's exception carries our redacted message only: no inner exception whose text could hold a secret.
            var safe = ex is ArmException a ? new BillingException(Redactor.Redact(message), a) : new BillingException(Redactor.Redact(message), null);
            return new ErrorRecord(safe, id, category, target);
        }

        /// <summary>
        /// Runs the work through the pump; a failure that escapes it (the whole command cannot go on) becomes a
        /// terminating error with a stable id. PowerShell's own exceptions (stop, -ErrorAction Stop) pass through.
        /// </summary>
        internal void Run(Func<ICmdletSink, CancellationToken, Task> work, object? target = null, string? what = null)
        {
            try
            {
                RunAsync(work);
            }
            catch (Exception ex) when (ex is not RuntimeException && ex is not OperationCanceledException)
            {
                Fail(ex, target, what);
            }
            finally
            {
                BillingSession.ReleasePrompt(_prompt);
                _prompt = null;
            }
        }

        /// <summary>Writes an error that stops the command (cannot go on), from the pipeline thread.</summary>
        internal void Fail(Exception ex, object? target, string? what = null) => ThrowTerminatingError(ErrorFor(ex, target, what));

        /// <summary>
        /// The one date rule of every cmdlet (about_BillingPowerShell, "Time"), checked before any request: a start
        /// after today is StartDateInFuture, an end after today EndDateInFuture, and an end before the start
        /// EndBeforeStart; each names only the parameters the user typed. A missing end is today; a missing start
        /// is <paramref name="defaultStart"/> of the end. Returns UTC dates.
        /// </summary>
        internal (DateTime Start, DateTime End) CheckDates(DateTime? start, DateTime? end, string startName, string endName, string what, Func<DateTime, DateTime> defaultStart)
        {
            var today = Today;
            if (start is DateTime s0 && s0.Date > today)
                FailArgument("StartDateInFuture", $"{startName} ({s0:yyyy-MM-dd}) is in the future: {what} exist up to today ({today:yyyy-MM-dd}, UTC).", start);
            if (end is DateTime e0 && e0.Date > today)
                FailArgument("EndDateInFuture", $"{endName} ({e0:yyyy-MM-dd}) is in the future: {what} exist up to today ({today:yyyy-MM-dd}, UTC). Leave {endName} out to mean today.", end);
            var e = (end ?? today).Date;
            var s = (start ?? defaultStart(e)).Date;
            if (e < s)
                FailArgument("EndBeforeStart", $"{endName} ({e:yyyy-MM-dd}) is before {startName} ({s:yyyy-MM-dd}).", end);
            return (Engine.Http.BillingClock.AsUtcDate(s), Engine.Http.BillingClock.AsUtcDate(e));
        }

        /// <summary>For argument problems found before any request is made.</summary>
        internal void FailArgument(string id, string message, object? target, ErrorCategory category = ErrorCategory.InvalidArgument) =>
            ThrowTerminatingError(new ErrorRecord(new ArgumentException(message), id, category, target));
    }

    /// <summary>The exception type of every error record the module writes: the message, and the service's ids.</summary>
    public sealed class BillingException : Exception
    {
        internal BillingException(string message, ArmException? source) : base(message)
        {
            Status = source?.Status;
            Code = source?.Code;
            RequestId = source?.RequestId;
            CorrelationId = source?.CorrelationId;
        }

        public int? Status { get; }
        public string? Code { get; }
        public string? RequestId { get; }
        public string? CorrelationId { get; }
    }
}
