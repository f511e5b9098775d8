using System;
using System.IO;
using System.Linq;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using BillingPowerShell.Engine.Files;

namespace BillingPowerShell.Engine.Tests.Files
{
    public sealed class AtomicFileTests : IDisposable
    {
        private readonly string _dir = Directory.CreateTempSubdirectory("atomic").FullName;
        public void Dispose() { try { Directory.Delete(_dir, true); } catch (IOException) { } }

        private string Final => Path.Combine(_dir, "G123456789.pdf");
        private string[] Files() => Directory.GetFiles(_dir).Select(Path.GetFileName).OrderBy(n => n, StringComparer.Ordinal).ToArray()!;

        private static Func<Stream, CancellationToken, Task> Writes(string text) =>
            (s, ct) => s.WriteAsync(Encoding.ASCII.GetBytes(text), 0, text.Length, ct);

        [Fact]
        public async Task SuccessRenamesIntoPlaceAndLeavesNoTemp()
        {
            string? seenTemp = null;
            var n = await AtomicFile.WriteAsync(Final, false, Writes("%PDF-1.7 hello"), temp =>
            {
                seenTemp = temp;
                Assert.False(File.Exists(Final)); // nothing under the final name until the check passed
                Assert.Equal("%PDF-1.7 hello", File.ReadAllText(temp));
            }, default);
            Assert.Equal(14, n);
            Assert.Equal("%PDF-1.7 hello", File.ReadAllText(Final));
            Assert.Equal(new[] { "G123456789.pdf" }, Files());
            Assert.NotNull(seenTemp);
            Assert.Equal(_dir, Path.GetDirectoryName(seenTemp)); // same folder, so the rename is atomic
            Assert.StartsWith(".G123456789.pdf.", Path.GetFileName(seenTemp));
            Assert.EndsWith(AtomicFile.PartialSuffix, seenTemp);
        }

        [Fact]
        public async Task FinalNameNeverSeenWhileWriting()
        {
            bool wrote = false;
            await AtomicFile.WriteAsync(Final, false, async (s, ct) =>
            {
                await s.WriteAsync(new byte[1000], 0, 1000, ct);
                Assert.False(File.Exists(Final));
                Assert.Single(Directory.GetFiles(_dir, "*" + AtomicFile.PartialSuffix));
                wrote = true;
            }, null, default);
            Assert.True(wrote); // the checks above ran
            Assert.True(File.Exists(Final));
        }

        [Fact]
        public async Task WriteFailureLeavesNothing()
        {
            await Assert.ThrowsAsync<IOException>(() => AtomicFile.WriteAsync(Final, false, async (s, ct) =>
            {
                await s.WriteAsync(new byte[5000], 0, 5000, ct);
                throw new IOException("Connection reset by peer");
            }, null, default));
            Assert.Empty(Files());
        }

        [Fact]
        public async Task CancellationDuringWriteLeavesNothing()
        {
            using var cts = new CancellationTokenSource();
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => AtomicFile.WriteAsync(Final, false, async (s, ct) =>
            {
                await s.WriteAsync(new byte[10], 0, 10, ct);
                cts.Cancel();
                ct.ThrowIfCancellationRequested();
            }, null, cts.Token));
            Assert.Empty(Files());
        }

        [Fact]
        public async Task CancellationAfterWriteButBeforeRenameLeavesNothing()
        {
            using var cts = new CancellationTokenSource();
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() =>
                AtomicFile.WriteAsync(Final, false, Writes("%PDF-"), _ => cts.Cancel(), cts.Token));
            Assert.Empty(Files());
        }

        [Fact]
        public async Task CheckRejectionLeavesNothing()
        {
            await Assert.ThrowsAsync<InvalidDataException>(() => AtomicFile.WriteAsync(Final, false, Writes("<html>expired</html>"),
                temp => { if (!SafeFileName.HasMagic(temp, zip: false)) throw new InvalidDataException("not a PDF"); }, default));
            Assert.Empty(Files());
        }

        [Fact]
        public async Task StalePartialsOfTheSameNameAreCleanedOthersKept()
        {
            File.WriteAllText(Path.Combine(_dir, ".G123456789.pdf.0badf00d.partial"), "half");
            File.WriteAllText(Path.Combine(_dir, ".G123456789.pdf.12345678.partial"), "half");
            File.WriteAllText(Path.Combine(_dir, ".G999.pdf.12345678.partial"), "other invoice, maybe in flight");
            File.WriteAllText(Path.Combine(_dir, "notes.txt"), "user file");
            await AtomicFile.WriteAsync(Final, false, Writes("%PDF-ok"), null, default);
            Assert.Equal(new[] { ".G999.pdf.12345678.partial", "G123456789.pdf", "notes.txt" }, Files());
        }

        [Fact]
        public async Task PartialsOfALongerNameOrWildcardNameAreNotTouched()
        {
            // another writer's temp files, possibly in flight: "usage.csv.gz" and "usage.csv.bak" are not "usage.csv"
            File.WriteAllText(Path.Combine(_dir, ".usage.csv.gz.1234abcd.partial"), "in flight");
            File.WriteAllText(Path.Combine(_dir, ".usage.csv.bak.partial"), "not ours");
            File.WriteAllText(Path.Combine(_dir, ".usage.csv.0badf00d.partial"), "stale, ours");
            await AtomicFile.WriteAsync(Path.Combine(_dir, "usage.csv"), false, Writes("a,b"), null, default);
            Assert.Equal(new[] { ".usage.csv.bak.partial", ".usage.csv.gz.1234abcd.partial", "usage.csv" }, Files());

            File.WriteAllText(Path.Combine(_dir, ".abc.csv.1234abcd.partial"), "someone else's");
            await AtomicFile.WriteAsync(Path.Combine(_dir, "a*.csv"), false, Writes("x"), null, default);
            Assert.Contains(".abc.csv.1234abcd.partial", Files());
        }

        [Fact]
        public async Task ExistingFileWithoutOverwriteIsKeptAndErrorRaised()
        {
            File.WriteAllText(Final, "original");
            var ex = await Assert.ThrowsAsync<IOException>(() => AtomicFile.WriteAsync(Final, false, Writes("%PDF-new"), null, default));
            Assert.Contains("already exists", ex.Message);
            Assert.Equal("original", File.ReadAllText(Final));
            Assert.Equal(new[] { "G123456789.pdf" }, Files());
        }

        [Fact]
        public async Task ExistingFileWithOverwriteIsReplaced()
        {
            File.WriteAllText(Final, "original, longer than the new content");
            await AtomicFile.WriteAsync(Final, true, Writes("%PDF-new"), null, default);
            Assert.Equal("%PDF-new", File.ReadAllText(Final));
            Assert.Equal(new[] { "G123456789.pdf" }, Files());
        }

        [Fact]
        public async Task FailedOverwriteKeepsTheOldFile()
        {
            File.WriteAllText(Final, "original");
            await Assert.ThrowsAsync<InvalidDataException>(() =>
                AtomicFile.WriteAsync(Final, true, Writes("garbage"), _ => throw new InvalidDataException("bad"), default));
            Assert.Equal("original", File.ReadAllText(Final));
            Assert.Equal(new[] { "G123456789.pdf" }, Files());
        }

        [Fact]
        public void TempPathIsHiddenUniqueAndBesideTheFinal()
        {
            var a = AtomicFile.TempPathFor(Final);
            var b = AtomicFile.TempPathFor(Final);
            Assert.NotEqual(a, b);
            Assert.Equal(_dir, Path.GetDirectoryName(a));
            Assert.Matches(@"^\.G123456789\.pdf\.[0-9a-f]{8}\.partial$", Path.GetFileName(a));
        }

        [Fact]
        public async Task ConcurrentWritersOfDifferentNamesDoNotInterfere()
        {
            var tasks = Enumerable.Range(0, 8).Select(i =>
                AtomicFile.WriteAsync(Path.Combine(_dir, $"f{i}.pdf"), false, Writes("%PDF-" + i), null, default));
            await Task.WhenAll(tasks);
            Assert.Equal(Enumerable.Range(0, 8).Select(i => $"f{i}.pdf"), Files());
            for (var i = 0; i < 8; i++) Assert.Equal("%PDF-" + i, File.ReadAllText(Path.Combine(_dir, $"f{i}.pdf")));
        }

        [Fact]
        public void HasMagicRecognisesPdfAndZip()
        {
            var pdf = Path.Combine(_dir, "a.pdf");
            var zip = Path.Combine(_dir, "a.zip");
            var shortFile = Path.Combine(_dir, "s");
            File.WriteAllText(pdf, "%PDF-1.4\n...");
            File.WriteAllBytes(zip, new byte[] { 0x50, 0x4B, 0x03, 0x04, 0, 0 });
            File.WriteAllText(shortFile, "%P");
            Assert.True(SafeFileName.HasMagic(pdf, zip: false));
            Assert.False(SafeFileName.HasMagic(pdf, zip: true));
            Assert.True(SafeFileName.HasMagic(zip, zip: true));
            Assert.False(SafeFileName.HasMagic(zip, zip: false));
            Assert.False(SafeFileName.HasMagic(shortFile, zip: false));
        }
    }
}
