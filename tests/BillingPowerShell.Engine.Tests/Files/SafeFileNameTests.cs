using System;
using System.IO;
using System.Linq;
using BillingPowerShell.Engine.Files;

namespace BillingPowerShell.Engine.Tests.Files
{
    public sealed class SafeFileNameTests : IDisposable
    {
        private readonly string _dir = Directory.CreateTempSubdirectory("safename").FullName;
        public void Dispose() { try { Directory.Delete(_dir, true); } catch (IOException) { } }

        private static readonly string[] WindowsReserved =
        {
            "CON", "PRN", "AUX", "NUL", "COM1", "COM9", "LPT1", "LPT9",
        };

        private static void AssertSafe(string cleaned)
        {
            Assert.False(string.IsNullOrEmpty(cleaned));
            Assert.DoesNotContain("..", cleaned);
            Assert.True(cleaned.IndexOfAny("<>:\"/\\|?*".ToCharArray()) < 0, cleaned);
            Assert.DoesNotContain(cleaned, c => c < 32 || c == 127);
            Assert.False(cleaned.EndsWith(".") || cleaned.EndsWith(" "), $"'{cleaned}' ends with a dot or space");
            Assert.False(cleaned.StartsWith(".") || cleaned.StartsWith(" ") || cleaned.StartsWith("-"), $"'{cleaned}' starts badly");
            var stem = cleaned.Split('.')[0].TrimEnd(' ');
            Assert.DoesNotContain(WindowsReserved.Concat(new[] { "COM2", "LPT3", "CONIN$", "CONOUT$" }), r => string.Equals(r, stem, StringComparison.OrdinalIgnoreCase));
        }

        [Theory]
        [InlineData("..")]
        [InlineData(".")]
        [InlineData("../../etc/passwd")]
        [InlineData("..\\..\\Windows\\System32\\x.dll")]
        [InlineData("/etc/passwd")]
        [InlineData("C:\\temp\\x.pdf")]
        [InlineData("a:b")]
        [InlineData("a<b>c|d?e*f\"g")]
        [InlineData("tab\there\nnewline\u0001\u007f")]
        [InlineData("trailing... ")]
        [InlineData("trailing . . .")]
        [InlineData("   ")]
        [InlineData("")]
        [InlineData("-rf")]
        [InlineData(".hidden")]
        [InlineData("....//....//x")]
        public void HostileNamesAreMadeSafe(string name)
        {
            var cleaned = SafeFileName.Clean(name);
            AssertSafe(cleaned);
            var path = SafeFileName.Inside(_dir, cleaned + ".pdf");
            Assert.Equal(_dir, Path.GetDirectoryName(path));
        }

        [Theory]
        [InlineData("CON")]
        [InlineData("con")]
        [InlineData("NUL.pdf")]
        [InlineData("COM1.tar.gz")]
        [InlineData("lpt1.txt")]
        [InlineData("LPT9")]
        [InlineData("AUX.zip")]
        [InlineData("PRN")]
        [InlineData("CONIN$")]
        [InlineData("CON .pdf")]
        [InlineData("nul . txt")]
        public void ReservedDeviceNamesAreChanged(string name)
        {
            var cleaned = SafeFileName.Clean(name);
            AssertSafe(cleaned);
            Assert.NotEqual(name, cleaned);
        }

        [Theory]
        [InlineData("G123456789")]
        [InlineData("2017-02-05-123456789")]
        [InlineData("E123456789_Invoice_12345678")]
        [InlineData("CONSOLE")]
        [InlineData("COM10")]
        [InlineData("Rechnung März")]
        public void OrdinaryNamesAreKept(string name)
        {
            Assert.Equal(name, SafeFileName.Clean(name));
        }

        [Fact]
        public void VeryLongNamesAreShortenedAndStaySafe()
        {
            var cleaned = SafeFileName.Clean(new string('a', 1000));
            Assert.Equal(150, cleaned.Length);
            Assert.Equal(200, SafeFileName.Clean(new string('b', 1000), 200).Length);
            // cut where a dot or a space follows: the result must not end with one
            var tricky = SafeFileName.Clean(new string('c', 149) + ". . . . . . tail");
            AssertSafe(tricky);
            Assert.True(tricky.Length <= 150);
            // never cut an emoji (surrogate pair) in half
            var emoji = SafeFileName.Clean(new string('d', 149) + "\U0001F600tail");
            Assert.False(char.IsHighSurrogate(emoji[^1]), "ends with half a surrogate pair");
            Assert.Equal(149, emoji.Length);
        }

        [Theory]
        [InlineData("../x.pdf")]
        [InlineData("..")]
        [InlineData(".")]
        [InlineData("")]
        [InlineData("sub/x.pdf")]
        [InlineData("/etc/passwd")]
        [InlineData("/tmp/x.pdf")]
        public void InsideRefusesNamesThatEscapeOrAreNotDirectlyInTheFolder(string raw)
        {
            Assert.Throws<UnauthorizedAccessException>(() => SafeFileName.Inside(_dir, raw));
        }

        [Fact]
        public void InsideAcceptsPlainNamesAndTrailingSeparatorOnFolder()
        {
            Assert.Equal(Path.Combine(_dir, "a.pdf"), SafeFileName.Inside(_dir, "a.pdf"));
            Assert.Equal(Path.Combine(_dir, "a.pdf"), SafeFileName.Inside(_dir + Path.DirectorySeparatorChar, "a.pdf"));
            var relative = Path.GetRelativePath(Environment.CurrentDirectory, _dir);
            Assert.Equal(Path.Combine(_dir, "b.pdf"), SafeFileName.Inside(relative, "b.pdf"));
        }

        [Fact]
        public void InsideRefusesASiblingFolderWithACommonPrefix()
        {
            // "/tmp/x" must not accept "/tmp/x-evil/a.pdf"
            var sibling = _dir + "-evil";
            Assert.Throws<UnauthorizedAccessException>(() => SafeFileName.Inside(_dir, Path.Combine("..", Path.GetFileName(sibling), "a.pdf")));
        }
    }
}
