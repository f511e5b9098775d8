using System;
using BillingPowerShell.Engine.Billing;
using System.Collections.Generic;
using System.Globalization;
using System.Net;
using System.Text;

namespace BillingPowerShell.Engine.Reports
{
    /// <summary>
    /// How report pages spell values: amounts rounded to their currency's minor unit (CurrencyDigits, the rule of the module's views,
    /// src/BillingPowerShell.Engine/Billing/CurrencyDigits.cs), invariant culture (a page is read by others than its
    /// writer), and every value from customer data encoded for HTML or Markdown.
    /// </summary>
    public static class ReportText
    {
        public static int Decimals(string? currency) => CurrencyDigits.Of(currency);

        /// <summary>"1,234.50" (grouped, the currency's decimals).</summary>
        public static string Amount(decimal value, string? currency)
        {
            var digits = Decimals(currency);
            return Math.Round(value, digits, MidpointRounding.AwayFromZero).ToString("N" + digits.ToString(CultureInfo.InvariantCulture), CultureInfo.InvariantCulture);
        }

        /// <summary>"1,234.50 EUR".</summary>
        public static string Money(decimal? value, string? currency) =>
            value is null ? "" : string.IsNullOrEmpty(currency) ? Amount(value.Value, currency) : Amount(value.Value, currency) + " " + currency;

        /// <summary>The exact amount for a data attribute or a chart series ("1234.5678"), no grouping.</summary>
        public static string Exact(decimal value) => value.ToString(CultureInfo.InvariantCulture);

        public static string Day(DateTime? day) => day?.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture) ?? "";

        public static string MonthName(DateTime month) => month.ToString("MMMM yyyy", CultureInfo.InvariantCulture);

        /// <summary>A currency as a heading shows it; the rows without one are "no currency".</summary>
        public static string CurrencyLabel(string currency) => string.IsNullOrEmpty(currency) ? "no currency" : currency;

        public static string Percent(decimal part, decimal whole) =>
            whole == 0 ? "" : Math.Round(part / whole * 100m, 1).ToString("0.0", CultureInfo.InvariantCulture) + " %";

        /// <summary>Text for HTML content or a quoted attribute: &lt; &gt; &amp; " ' encoded.</summary>
        public static string Html(string? text) => WebUtility.HtmlEncode(text ?? "");

        /// <summary>
        /// Text for a Markdown table cell or line: HTML characters encoded (GitHub and Azure DevOps render inline HTML),
        /// Markdown's own punctuation escaped, line breaks made spaces, so a name cannot break the table or add a link.
        /// </summary>
        public static string Markdown(string? text)
        {
            var sb = new StringBuilder();
            foreach (var c in text ?? "")
            {
                switch (c)
                {
                    case '<': sb.Append("&lt;"); break;
                    case '>': sb.Append("&gt;"); break;
                    case '&': sb.Append("&amp;"); break;
                    case '\r': case '\n': case '\t': sb.Append(' '); break;
                    case '\\': case '`': case '*': case '_': case '[': case ']': case '|': case '#': case '!': case '(': case ')': case '~':
                        sb.Append('\\').Append(c); break;
                    default: sb.Append(c); break;
                }
            }
            return sb.ToString();
        }

        /// <summary>Text inside a Mermaid double-quoted string: letters, digits, spaces and simple punctuation only.</summary>
        public static string Mermaid(string? text)
        {
            var sb = new StringBuilder();
            foreach (var c in text ?? "")
                sb.Append(char.IsLetterOrDigit(c) || c == ' ' || c == '-' || c == '.' || c == ',' || c == '(' || c == ')' ? c : ' ');
            return sb.ToString();
        }
    }
}
