using System;

namespace BillingPowerShell.Engine.Files
{
    /// <summary>The UTF-8 byte order mark, recognised in one place: JSON bodies, CSV chunks, header names.</summary>
    internal static class ByteOrderMark
    {
        /// <summary>3 when <paramref name="head"/> starts with the UTF-8 byte order mark, else 0.</summary>
        public static int Utf8Length(ReadOnlySpan<byte> head) =>
            head.Length >= 3 && head[0] == 0xEF && head[1] == 0xBB && head[2] == 0xBF ? 3 : 0;

        /// <summary>The text without a leading U+FEFF (a byte order mark decoded as a character).</summary>
        public static string TrimChar(string text) => text.Length > 0 && text[0] == '\uFEFF' ? text.Substring(1) : text;
    }
}
