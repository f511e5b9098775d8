using System;
using System.IO;
using System.Text;

namespace BillingPowerShell.Engine.Files
{
    /// <summary>
    /// Makes a name from the server safe on every file system, and proves a path stays inside the folder the user named:
    /// separators, "..", characters Windows or Unix reject, control characters and device names never reach a path.
    /// </summary>
    public static class SafeFileName
    {
        private static readonly char[] Invalid = "<>:\"/\\|?*".ToCharArray();
        private static readonly string[] Reserved =
        {
            "CON", "PRN", "AUX", "NUL", "CONIN$", "CONOUT$",
            "COM1", "COM2", "COM3", "COM4", "COM5", "COM6", "COM7", "COM8", "COM9",
            "LPT1", "LPT2", "LPT3", "LPT4", "LPT5", "LPT6", "LPT7", "LPT8", "LPT9",
        };

        public static string Clean(string name, int maxLength = 150)
        {
            var sb = new StringBuilder(name.Length);
            foreach (var c in name)
                sb.Append(c < 32 || c == 127 || Array.IndexOf(Invalid, c) >= 0 ? '_' : c);
            var s = sb.ToString();
            while (s.Contains("..")) s = s.Replace("..", "_");
            s = s.Trim().TrimEnd('.', ' ').TrimStart('.', ' ', '-');
            if (s.Length == 0) s = "_";
            var stem = s.Split('.')[0].TrimEnd(' '); // Windows also takes "CON .pdf" for the device
            foreach (var r in Reserved)
                if (string.Equals(stem, r, StringComparison.OrdinalIgnoreCase)) { s = "_" + s; break; }
            if (s.Length > maxLength)
            {
                // never end on half a surrogate pair, a dot or a space (Windows drops trailing dots and spaces)
                var cut = char.IsHighSurrogate(s[maxLength - 1]) ? maxLength - 1 : maxLength;
                s = s.Substring(0, cut).TrimEnd('.', ' ');
            }
            return s;
        }

        /// <summary>Combines a folder and a cleaned name, and refuses any result that is not directly inside the folder.</summary>
        public static string Inside(string folder, string fileName)
        {
            var root = Path.GetFullPath(folder);
            var full = Path.GetFullPath(Path.Combine(root, fileName));
            var parent = Path.GetDirectoryName(full);
            if (!string.Equals(parent?.TrimEnd(Path.DirectorySeparatorChar), root.TrimEnd(Path.DirectorySeparatorChar), StringComparison.Ordinal))
                throw new UnauthorizedAccessException($"The file name '{fileName}' would be written outside '{root}'.");
            return full;
        }

        /// <summary>True when the file starts as a PDF or a zip should; used before a download is renamed into place.</summary>
        public static bool HasMagic(string path, bool zip)
        {
            var expected = zip ? new byte[] { 0x50, 0x4B, 0x03, 0x04 } : Encoding.ASCII.GetBytes("%PDF-");
            var head = new byte[expected.Length];
            using var f = File.OpenRead(path);
            var n = 0;
            while (n < head.Length) { var r = f.Read(head, n, head.Length - n); if (r == 0) break; n += r; }
            if (n < head.Length) return false;
            for (var i = 0; i < head.Length; i++) if (head[i] != expected[i]) return false;
            return true;
        }
    }
}
