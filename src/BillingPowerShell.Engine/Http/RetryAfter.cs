using System;
using System.Globalization;
using Azure.Core;

namespace BillingPowerShell.Engine.Http
{
    /// <summary>
    /// Reads how long the service asks us to wait. Azure.Core's default policy reads only Retry-After, retry-after-ms and
    /// x-ms-retry-after-ms; Cost Management and Consumption throttle with x-ms-ratelimit-*-retry-after headers, which
    /// tools that ignore them keep hammering.
    /// </summary>
    public static class RetryAfter
    {
        public static TimeSpan? FromHeaders(ResponseHeaders headers, DateTimeOffset now)
        {
            // Millisecond headers are the most precise: when present they win.
            TimeSpan? ms = null;
            foreach (var h in headers)
            {
                if (h.Name.Equals("retry-after-ms", StringComparison.OrdinalIgnoreCase) || h.Name.Equals("x-ms-retry-after-ms", StringComparison.OrdinalIgnoreCase))
                {
                    if (double.TryParse(h.Value, NumberStyles.Float, CultureInfo.InvariantCulture, out var v) && v >= 0)
                        ms = Max(ms, TimeSpan.FromMilliseconds(v));
                }
            }
            if (ms is not null) return ms;

            TimeSpan? wait = null;
            foreach (var h in headers)
            {
                if (h.Name.Equals("Retry-After", StringComparison.OrdinalIgnoreCase))
                    wait = Max(wait, ParseSecondsOrDate(h.Value, now));
                else if (IsRateLimitRetryAfter(h.Name))
                    wait = Max(wait, ParseSecondsOrDate(h.Value, now));
            }
            return wait;
        }

        /// <summary>x-ms-ratelimit-&lt;anything&gt;-retry-after: consumption, costmanagement-qpu, -entity, -tenant, -clienttype...</summary>
        public static bool IsRateLimitRetryAfter(string name) =>
            name.StartsWith("x-ms-ratelimit-", StringComparison.OrdinalIgnoreCase) && name.EndsWith("-retry-after", StringComparison.OrdinalIgnoreCase);

        public static TimeSpan? ParseSecondsOrDate(string? value, DateTimeOffset now)
        {
            if (string.IsNullOrWhiteSpace(value)) return null;
            value = value!.Trim();
            if (double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var seconds))
                return seconds >= 0 ? TimeSpan.FromSeconds(seconds) : null;
            if (DateTimeOffset.TryParseExact(value, "r", CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var at)
                || DateTimeOffset.TryParse(value, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out at))
            {
                var d = at - now;
                return d > TimeSpan.Zero ? d : TimeSpan.Zero;
            }
            return null;
        }

        private static TimeSpan? Max(TimeSpan? a, TimeSpan? b) => a is null ? b : b is null ? a : (a > b ? a : b);
    }
}
