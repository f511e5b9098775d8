using System;
using System.Globalization;
using System.Text.Json;
using BillingPowerShell.Engine.Http;

namespace BillingPowerShell.Engine.Billing
{
    /// <summary>The Microsoft.Billing api-versions and the pieces of its request paths, shared by the billing services.</summary>
    internal static class BillingPaths
    {
        public const string Api = "2024-04-01";
        public const string LegacyApi = "2018-03-01-preview";
        public const string Accounts = "/providers/Microsoft.Billing/billingAccounts";

        public static string Segment(string value) => Uri.EscapeDataString(value);

        public static string Period(DateTime from, DateTime to) =>
            $"&periodStartDate={from.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture)}&periodEndDate={to.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture)}";

        public static JsonElement Root(ArmResponse r) =>
            r.Body?.RootElement ?? throw new ArmException(r.Status, "InvalidResponse", "The service answered without a body.");
    }
}
