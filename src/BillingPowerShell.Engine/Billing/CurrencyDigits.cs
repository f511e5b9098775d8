using System;
using System.Collections.Generic;

namespace BillingPowerShell.Engine.Billing
{
    /// <summary>
    /// A currency's minor unit (ISO 4217): the digits after the decimal point an amount in it is shown with (JPY and
    /// KRW none, KWD and BHD three, most two). Used by the format views and the report; the objects keep Azure's
    /// full precision.
    /// </summary>
    public static class CurrencyDigits
    {
        private static readonly HashSet<string> None = new HashSet<string>(StringComparer.OrdinalIgnoreCase)
        {
            "BIF", "CLP", "DJF", "GNF", "ISK", "JPY", "KMF", "KRW", "PYG", "RWF", "UGX", "UYI", "VND", "VUV", "XAF", "XOF", "XPF",
        };

        private static readonly HashSet<string> Three = new HashSet<string>(StringComparer.OrdinalIgnoreCase)
        {
            "BHD", "IQD", "JOD", "KWD", "LYD", "OMR", "TND",
        };

        /// <summary>Digits after the decimal point for <paramref name="currency"/>; 2 when unknown or missing.</summary>
        public static int Of(string? currency) =>
            string.IsNullOrEmpty(currency) ? 2 : None.Contains(currency!) ? 0 : Three.Contains(currency!) ? 3 : 2;
    }
}
