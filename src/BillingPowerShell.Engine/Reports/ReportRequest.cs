using System;
using BillingPowerShell.Engine.Costs;

namespace BillingPowerShell.Engine.Reports
{
    /// <summary>The page formats a report is written in, chosen by the file's extension.</summary>
    public enum ReportFormat { Html, Markdown }

    /// <summary>One report: the usage request of its month (scope, days, metric, source) and how much the top lists show.</summary>
    public sealed class ReportRequest
    {
        public ReportRequest(UsageRequest usage, DateTime month)
        {
            Usage = usage;
            Month = new DateTime(month.Year, month.Month, 1, 0, 0, 0, DateTimeKind.Utc);
        }

        public UsageRequest Usage { get; }
        /// <summary>The first day of the report's month.</summary>
        public DateTime Month { get; }
        public int Top { get; set; } = 10;

        /// <summary>The format a file name asks for: .html/.htm or .md; null for anything else.</summary>
        public static ReportFormat? FormatOf(string path)
        {
            var p = path.ToLowerInvariant();
            if (p.EndsWith(".html", StringComparison.Ordinal) || p.EndsWith(".htm", StringComparison.Ordinal)) return ReportFormat.Html;
            if (p.EndsWith(".md", StringComparison.Ordinal) || p.EndsWith(".markdown", StringComparison.Ordinal)) return ReportFormat.Markdown;
            return null;
        }
    }

    /// <summary>What Export-BillingReport wrote.</summary>
    public sealed class ReportSummary
    {
        public string Path { get; set; } = "";
        public ReportFormat Format { get; set; }
        public DateTime Month { get; set; }
        public long RowCount { get; set; }
        public long Bytes { get; set; }
    }
}
