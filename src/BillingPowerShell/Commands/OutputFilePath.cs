using System;
using System.Collections.Generic;
using System.IO;
using System.Management.Automation;

namespace BillingPowerShell.Commands
{
    /// <summary>
    /// The -Path of a command that writes one file per input object (Export-DailyUsage, Export-BillingReport): one file,
    /// in a folder that exists, checked before any request; and never written twice by one invocation, so a second
    /// scope piped to the same -Path is refused (PathAlreadyWritten) rather than replacing the first one's file.
    /// </summary>
    internal sealed class OutputFilePath
    {
        private readonly HashSet<string> _written = new HashSet<string>(StringComparer.Ordinal);

        /// <summary>The full path of -Path, or the cmdlet's terminating argument error (WildcardNotSupported,
        /// FolderNotFound, PathIsAFolder); <paramref name="example"/> names a file the command writes (usage.csv).</summary>
        public string Resolve(BillingApiCmdlet cmdlet, string path, string example)
        {
            if (WildcardPattern.ContainsWildcardCharacters(path))
                cmdlet.FailArgument("WildcardNotSupported", $"-Path '{path}' contains wildcard characters; name one file.", path);
            var full = cmdlet.GetUnresolvedProviderPathFromPSPath(path);
            var folder = Path.GetDirectoryName(full);
            if (string.IsNullOrEmpty(folder) || !Directory.Exists(folder))
                cmdlet.FailArgument("FolderNotFound", $"The folder of '{full}' does not exist.", path, ErrorCategory.ObjectNotFound);
            if (Directory.Exists(full))
                cmdlet.FailArgument("PathIsAFolder", $"-Path '{full}' is a folder; name a file such as {example}.", path);
            return full;
        }

        /// <summary>Whether this invocation wrote <paramref name="full"/> already.</summary>
        public bool Contains(string full) => _written.Contains(full);

        /// <summary>True, after writing PathAlreadyWritten (non-terminating, for this input object only), when this
        /// invocation wrote <paramref name="full"/> already; <paramref name="command"/> shows one file per scope.</summary>
        public bool RefuseRewrite(Cmdlet cmdlet, string full, string path, string command)
        {
            if (!_written.Contains(full)) return false;
            cmdlet.WriteError(new ErrorRecord(new ArgumentException(
                $"-Path '{full}' was already written by this command for an earlier input object; give each scope its own file, " +
                $"for example: ... | ForEach-Object {{ {command} ... }}."),
                "PathAlreadyWritten", ErrorCategory.ResourceExists, path));
            return true;
        }

        public void Add(string full) => _written.Add(full);
    }
}
