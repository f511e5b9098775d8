using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;

namespace BillingPowerShell.Engine.Reports
{
    /// <summary>
    /// A bar chart of daily cost in one currency, drawn as inline SVG (no script, no font or image fetched): one bar per
    /// day of the range, each carrying its day and exact amount (data-day, data-amount, data-currency) and a tooltip;
    /// a value axis labelled in the currency and a day axis.
    /// </summary>
    public static class SvgChart
    {
        private const double Width = 960, Height = 320, Left = 88, Right = 16, Top = 20, Bottom = 56;
        private const int Ticks = 5;

        public static void Write(TextWriter w, IReadOnlyList<DailyCost> days, string currency, DateTime start, DateTime end)
        {
            var byDay = days.ToDictionary(d => d.Date.Date, d => d.Cost);
            var count = Math.Max(1, (end.Date - start.Date).Days + 1);
            var max = NiceMax(byDay.Count == 0 ? 0 : (double)byDay.Values.Max());
            var label = ReportText.Html(ReportText.CurrencyLabel(currency));
            w.Write($"<svg class=\"chart\" role=\"img\" viewBox=\"0 0 {N(Width)} {N(Height)}\" width=\"{N(Width)}\" height=\"{N(Height)}\" data-currency=\"{ReportText.Html(currency)}\" aria-label=\"Daily cost in {label}\">\n");
            WriteValueAxis(w, max, currency, label);
            WriteBars(w, byDay, currency, start.Date, count, max);
            WriteDayAxis(w, start.Date, count);
            w.Write("</svg>\n");
        }

        private static void WriteValueAxis(TextWriter w, double max, string currency, string label)
        {
            var plotHeight = Height - Top - Bottom;
            for (var i = 0; i <= Ticks; i++)
            {
                var value = max * i / Ticks;
                var y = Top + plotHeight - plotHeight * i / Ticks;
                w.Write($"<line class=\"grid\" x1=\"{N(Left)}\" y1=\"{N(y)}\" x2=\"{N(Width - Right)}\" y2=\"{N(y)}\"/>");
                w.Write($"<text class=\"tick\" x=\"{N(Left - 6)}\" y=\"{N(y + 4)}\" text-anchor=\"end\">{ReportText.Html(ReportText.Amount((decimal)value, currency))}</text>\n");
            }
            var middle = Top + plotHeight / 2;
            w.Write($"<text class=\"axis-title\" x=\"14\" y=\"{N(middle)}\" text-anchor=\"middle\" transform=\"rotate(-90 14 {N(middle)})\">Cost ({label})</text>\n");
        }

        private static void WriteBars(TextWriter w, Dictionary<DateTime, decimal> byDay, string currency, DateTime start, int count, double max)
        {
            var plotHeight = Height - Top - Bottom;
            var slot = (Width - Left - Right) / count;
            for (var i = 0; i < count; i++)
            {
                var day = start.AddDays(i);
                byDay.TryGetValue(day, out var amount);
                var h = Math.Max(0, (double)amount / max * plotHeight);
                var text = ReportText.Day(day);
                w.Write($"<rect class=\"bar\" x=\"{N(Left + slot * i + slot * 0.15)}\" y=\"{N(Top + plotHeight - h)}\" width=\"{N(slot * 0.7)}\" height=\"{N(h)}\" " +
                        $"data-day=\"{text}\" data-amount=\"{ReportText.Exact(amount)}\" data-currency=\"{ReportText.Html(currency)}\">" +
                        $"<title>{text}: {ReportText.Html(ReportText.Money(amount, currency))}</title></rect>\n");
            }
        }

        private static void WriteDayAxis(TextWriter w, DateTime start, int count)
        {
            var slot = (Width - Left - Right) / count;
            var every = (int)Math.Ceiling(count / 31.0);
            var baseline = Height - Bottom;
            w.Write($"<line class=\"axis\" x1=\"{N(Left)}\" y1=\"{N(baseline)}\" x2=\"{N(Width - Right)}\" y2=\"{N(baseline)}\"/>\n");
            for (var i = 0; i < count; i += every)
                w.Write($"<text class=\"tick\" x=\"{N(Left + slot * (i + 0.5))}\" y=\"{N(baseline + 16)}\" text-anchor=\"middle\">{start.AddDays(i).Day.ToString(CultureInfo.InvariantCulture)}</text>");
            var title = start.Day == 1 && count >= 28 ? "Day of " + ReportText.MonthName(start) : ReportText.Day(start) + " to " + ReportText.Day(start.AddDays(count - 1));
            w.Write($"\n<text class=\"axis-title\" x=\"{N(Left + (Width - Left - Right) / 2)}\" y=\"{N(Height - 10)}\" text-anchor=\"middle\">{ReportText.Html(title)} (UTC)</text>\n");
        }

        /// <summary>The axis top: the next 1, 2, 2.5 or 5 times a power of ten at or above the largest bar.</summary>
        internal static double NiceMax(double max)
        {
            if (max <= 0) return 1;
            var power = Math.Pow(10, Math.Floor(Math.Log10(max)));
            foreach (var step in new[] { 1, 2, 2.5, 5, 10 })
                if (step * power >= max) return step * power;
            return 10 * power;
        }

        private static string N(double v) => v.ToString("0.##", CultureInfo.InvariantCulture);
    }
}
