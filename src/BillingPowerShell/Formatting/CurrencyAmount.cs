using System;
using System.Collections.Generic;
using System.Globalization;

namespace BillingPowerShell.Formatting
{
    /// <summary>
    /// How the format views (module/BillingPowerShell.Format.ps1xml) show an amount: rounded to its currency's own
    /// minor unit (ISO 4217: JPY and KRW none, KWD and BHD three, most two), grouped, in the user's culture. The
    /// objects keep the full precision Azure sent; only the display rounds.
    /// </summary>
    public static class CurrencyAmount
    {
        private static readonly HashSet<string> NoDecimals = new HashSet<string>(StringComparer.OrdinalIgnoreCase)
        {
            "BIF", "CLP", "DJF", "GNF", "ISK", "JPY", "KMF", "KRW", "PYG", "RWF", "UGX", "UYI", "VND", "VUV", "XAF", "XOF", "XPF",
        };

        private static readonly HashSet<string> ThreeDecimals = new HashSet<string>(StringComparer.OrdinalIgnoreCase)
        {
            "BHD", "IQD", "JOD", "KWD", "LYD", "OMR", "TND",
        };

        /// <summary>Digits after the decimal point for <paramref name="currency"/>; 2 when unknown or missing.</summary>
        public static int Decimals(string? currency) =>
            currency is null ? 2 : NoDecimals.Contains(currency) ? 0 : ThreeDecimals.Contains(currency) ? 3 : 2;

        /// <summary>The amount as a view shows it ("1,234.50"; "1,235" for JPY); empty for null.</summary>
        public static string Format(object? amount, string? currency)
        {
            if (amount is null) return string.Empty;
            var value = Convert.ToDecimal(amount, CultureInfo.InvariantCulture);
            int digits = Decimals(currency);
            return Math.Round(value, digits, MidpointRounding.AwayFromZero).ToString("N" + digits.ToString(CultureInfo.InvariantCulture), CultureInfo.CurrentCulture);
        }

        /// <summary>The amount with its currency code after it ("199.50 USD").</summary>
        public static string WithCode(object? amount, string? currency) =>
            amount is null ? string.Empty : string.IsNullOrEmpty(currency) ? Format(amount, currency) : Format(amount, currency) + " " + currency;
    }
}
