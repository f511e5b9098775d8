using System;

namespace BillingPowerShell.Engine.Usage
{
    /// <summary>A bad row: reported, skipped, and reading goes on.</summary>
    public sealed class UsageRowError
    {
        public UsageRowError(string? source, long lineNumber, string reason)
        {
            Source = source;
            LineNumber = lineNumber;
            Reason = reason;
        }

        /// <summary>File path or stream name (null when unknown).</summary>
        public string? Source { get; }

        /// <summary>1-based physical line number where the row starts.</summary>
        public long LineNumber { get; }

        public string Reason { get; }

        public override string ToString() => $"{Source ?? "<stream>"}({LineNumber}): {Reason}";
    }

    /// <summary>
    /// The input as a whole cannot be read as usage data: unknown header, binary or non-UTF text, corrupt gzip, too
    /// many bad rows, or (Native export) a chunk whose header differs from the first chunk's.
    /// </summary>
    public sealed class UsageFormatException : Exception
    {
        public UsageFormatException(string message, string? source = null, long? lineNumber = null, Exception? inner = null)
            : base(Compose(message, source, lineNumber), inner)
        {
            SourceName = source;
            LineNumber = lineNumber;
        }

        /// <summary>File path or stream name.</summary>
        public string? SourceName { get; }
        public long? LineNumber { get; }

        private static string Compose(string message, string? source, long? line)
        {
            if (source == null && line == null) return message;
            return (source ?? "<stream>") + (line.HasValue ? "(" + line.Value + ")" : string.Empty) + ": " + message;
        }
    }
}
