using System;
using System.Globalization;

namespace BillingPowerShell.Engine.Http
{
    /// <summary>
    /// The longest a long-running operation (invoice download, cost details report) is polled before it fails with
    /// OperationTimedOut. Defaults: 10 minutes (invoice download), 30 minutes (cost report). The environment variable
    /// BILLINGPS_OPERATION_TIMEOUT_SECONDS (a positive number of seconds), read when a client/request is created,
    /// replaces both — for runbooks that must not wait that long, and for the fault matrix (tools/Faults.ps1).
    /// </summary>
    public static class OperationTimeout
    {
        public const string EnvironmentVariable = "BILLINGPS_OPERATION_TIMEOUT_SECONDS";

        public static TimeSpan OrDefault(TimeSpan fallback)
        {
            var text = Environment.GetEnvironmentVariable(EnvironmentVariable);
            if (!string.IsNullOrWhiteSpace(text) &&
                double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var seconds) &&
                seconds > 0 && seconds <= TimeSpan.FromDays(1).TotalSeconds)
            {
                return TimeSpan.FromSeconds(seconds);
            }
            return fallback;
        }
    }
}
