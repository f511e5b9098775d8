using System;
using System.IO;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;

namespace BillingPowerShell.Engine.Files
{
    /// <summary>
    /// Writes a file so that its final name only ever holds complete content: write to a hidden temporary file in the same
    /// folder, check it, then rename into place. A failure, a cancellation or a killed process leaves no partial file
    /// under the final name (a leftover ".partial" is cleaned the next time that name is written).
    /// </summary>
    public static class AtomicFile
    {
        public const string PartialSuffix = ".partial";

        public static string TempPathFor(string finalPath) =>
            Path.Combine(Path.GetDirectoryName(Path.GetFullPath(finalPath))!, "." + Path.GetFileName(finalPath) + "." + Guid.NewGuid().ToString("N").Substring(0, 8) + PartialSuffix);

        /// <summary>Writes through <paramref name="write"/>; <paramref name="check"/> may reject the finished temp file.</summary>
        public static async Task<long> WriteAsync(string finalPath, bool overwrite, Func<Stream, CancellationToken, Task> write,
            Action<string>? check, CancellationToken cancellationToken)
        {
            var full = Path.GetFullPath(finalPath);
            RemoveStalePartials(full);
            var temp = TempPathFor(full);
            try
            {
                long length;
                using (var stream = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16, useAsync: true))
                {
                    await write(stream, cancellationToken).ConfigureAwait(false);
                    await stream.FlushAsync(cancellationToken).ConfigureAwait(false);
                    length = stream.Length;
                }
                check?.Invoke(temp);
                cancellationToken.ThrowIfCancellationRequested();
                Commit(temp, full, overwrite);
                return length;
            }
            catch
            {
                TryDelete(temp);
                throw;
            }
        }

        /// <summary>Renames the finished temporary file to its final name.</summary>
        public static void Commit(string temp, string final, bool overwrite)
        {
            if (File.Exists(final))
            {
                if (!overwrite) throw new IOException($"The file '{final}' already exists.");
                File.Replace(temp, final, null);
            }
            else
            {
                File.Move(temp, final);
            }
        }

        /// <summary>Removes temporary files an interrupted earlier write of the same name left behind.</summary>
        public static void RemoveStalePartials(string finalPath)
        {
            var dir = Path.GetDirectoryName(finalPath);
            if (dir is null || !Directory.Exists(dir)) return;
            // Only ".<name>.<8 hex>.partial" (what TempPathFor makes): never the in-flight temp of "<name>.gz" or of a wildcard match.
            var prefix = "." + Path.GetFileName(finalPath) + ".";
            foreach (var stale in Directory.EnumerateFiles(dir, "." + Path.GetFileName(finalPath) + ".*" + PartialSuffix))
            {
                var name = Path.GetFileName(stale);
                var middle = name.Length == prefix.Length + 8 + PartialSuffix.Length && name.StartsWith(prefix, StringComparison.Ordinal)
                    ? name.Substring(prefix.Length, 8) : null;
                if (middle is not null && middle.All(Uri.IsHexDigit))
                    TryDeleteUnused(stale);
            }
        }

        // A temp file still being written is held with FileShare.None by its writer (another export to the same name,
        // or another process): opening it fails and it is left alone.
        private static void TryDeleteUnused(string path)
        {
            try
            {
                using (new FileStream(path, FileMode.Open, FileAccess.ReadWrite, FileShare.None, 1, FileOptions.DeleteOnClose)) { }
            }
            catch (IOException) { }
            catch (UnauthorizedAccessException) { }
        }

        public static void TryDelete(string path)
        {
            try { if (File.Exists(path)) File.Delete(path); } catch (IOException) { } catch (UnauthorizedAccessException) { }
        }
    }
}
