using System;
using System.Management.Automation;

namespace BillingPowerShell.Commands
{
    /// <summary>Name filters shared by the Get- cmdlets: exact (case-insensitive) or wildcard, on name or display name.</summary>
    internal static class Filters
    {
        public static bool Matches(string[]? patterns, string name, string? displayName = null)
        {
            if (patterns is null || patterns.Length == 0) return true;
            foreach (var p in patterns)
            {
                var w = new WildcardPattern(p, WildcardOptions.IgnoreCase);
                if (w.IsMatch(name) || (displayName is not null && w.IsMatch(displayName))) return true;
            }
            return false;
        }
    }
}
