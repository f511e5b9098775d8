using System;
using System.IO;
using System.IO.Compression;
using System.Threading;
using System.Threading.Tasks;
using BillingPowerShell.Engine.Files;

namespace BillingPowerShell.Engine.Usage
{
    /// <summary>
    /// The bytes of a usage file as the CSV reader gets them: gzip is sniffed from the first bytes (whatever the
    /// extension) and inflated, with the trailer checked at the end because .NET's GZipStream ends quietly on a cut-off
    /// file; NUL bytes in the first block without a UTF-16 byte order mark mean binary data. Everything else (byte
    /// order marks, UTF-16) is CsvHelper's.
    /// </summary>
    internal sealed class UsageInputStream : ReadOnlyStream
    {
        private const int SniffSize = 1 << 12;
        private Stream _stream;
        private readonly bool _leaveOpen;
        private readonly string? _sourceName;
        private readonly byte[] _head = new byte[SniffSize];
        private int _hpos, _hlen;
        private bool _sniffed, _gzipChecked;
        private Stream? _inflater;
        private TailStream? _gzipInput;
        private long _inflated;

        public UsageInputStream(Stream stream, bool leaveOpen, string? sourceName)
        {
            _stream = stream ?? throw new ArgumentNullException(nameof(stream));
            _leaveOpen = leaveOpen;
            _sourceName = sourceName;
        }

        /// <summary>The input is UTF-16 (it starts with a UTF-16 byte order mark). Known after the first read.</summary>
        public bool IsUtf16 { get; private set; }

        public override int Read(byte[] buffer, int offset, int count)
        {
            while (!_sniffed)
            {
                int n;
                try { n = Inflated(_stream.Read(_head, _hlen, _head.Length - _hlen)); }
                catch (InvalidDataException ex) { throw Corrupt(ex); }
                HeadFilled(n);
            }
            if (_hpos < _hlen) return FromHead(buffer, offset, count);
            try { return Inflated(_stream.Read(buffer, offset, count)); }
            catch (InvalidDataException ex) { throw Corrupt(ex); }
        }

        public override async Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
        {
            while (!_sniffed)
            {
                int n;
                try { n = Inflated(await _stream.ReadAsync(_head, _hlen, _head.Length - _hlen, cancellationToken).ConfigureAwait(false)); }
                catch (InvalidDataException ex) { throw Corrupt(ex); }
                HeadFilled(n);
            }
            if (_hpos < _hlen) return FromHead(buffer, offset, count);
            try { return Inflated(await _stream.ReadAsync(buffer, offset, count, cancellationToken).ConfigureAwait(false)); }
            catch (InvalidDataException ex) { throw Corrupt(ex); }
        }

        /// <summary>
        /// Counts decompressed bytes; at the end of a gzip stream compares them with the trailer's ISIZE (length mod 2^32).
        /// A cut-off file ends on deflate data instead of its trailer, so the two disagree. (Single-member gzip, as Azure
        /// and this module write it.)
        /// </summary>
        private int Inflated(int n)
        {
            if (_gzipInput is null) return n;
            if (n > 0) { _inflated += n; return n; }
            if (!_gzipInput.TryTrailerLength(out var isize) || isize != (uint)_inflated)
                throw new UsageFormatException($"the compressed (gzip) file is truncated or damaged: it ends after {_inflated} uncompressed bytes, which its trailer does not confirm", _sourceName);
            _gzipInput = null; // checked once
            return 0;
        }

        private int FromHead(byte[] buffer, int offset, int count)
        {
            int n = Math.Min(count, _hlen - _hpos);
            Buffer.BlockCopy(_head, _hpos, buffer, offset, n);
            _hpos += n;
            return n;
        }

        private UsageFormatException Corrupt(Exception ex) =>
            new UsageFormatException("corrupt compressed (gzip) data: " + ex.Message, _sourceName, null, ex);

        // Sniffs once the first block is full or the stream ended: gzip first, then (inflated) the text itself.
        private void HeadFilled(int n)
        {
            _hlen += n;
            if (n > 0 && _hlen < _head.Length) return;
            var b = _head;
            if (!_gzipChecked)
            {
                _gzipChecked = true;
                if (_hlen >= 2 && b[0] == 0x1F && b[1] == 0x8B)
                {
                    var prefix = new byte[_hlen];
                    Buffer.BlockCopy(b, 0, prefix, 0, _hlen);
                    _gzipInput = new TailStream(new PrefixedStream(prefix, _stream));
                    _inflater = new GZipStream(_gzipInput, CompressionMode.Decompress, leaveOpen: true);
                    _stream = _inflater;
                    _hlen = 0;
                    return;
                }
            }
            _sniffed = true;
            IsUtf16 = _hlen >= 2 && ((b[0] == 0xFF && b[1] == 0xFE) || (b[0] == 0xFE && b[1] == 0xFF));
            if (!IsUtf16 && Array.IndexOf(b, (byte)0, 0, _hlen) >= 0)
                throw new UsageFormatException("the file is not CSV text: it contains NUL bytes (binary data, or UTF-16 without a byte order mark)", _sourceName);
        }

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                _inflater?.Dispose();
                if (!_leaveOpen) _stream.Dispose();
            }
            base.Dispose(disposing);
        }
    }

    /// <summary>Passes a stream through and remembers its last eight bytes: a gzip file's trailer (CRC32, ISIZE).</summary>
    internal sealed class TailStream : ReadOnlyStream
    {
        private readonly Stream _inner;
        private readonly byte[] _tail = new byte[8];
        private long _total;

        public TailStream(Stream inner) { _inner = inner; }

        public override int Read(byte[] buffer, int offset, int count) => Keep(buffer, offset, _inner.Read(buffer, offset, count));

        public override async Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            Keep(buffer, offset, await _inner.ReadAsync(buffer, offset, count, cancellationToken).ConfigureAwait(false));

        private int Keep(byte[] buffer, int offset, int n)
        {
            for (var i = Math.Max(0, n - 8); i < n; i++)
                _tail[(int)((_total + i) % 8)] = buffer[offset + i];
            _total += n;
            return n;
        }

        /// <summary>The little-endian ISIZE of the last four bytes read, when at least eight were.</summary>
        public bool TryTrailerLength(out uint isize)
        {
            isize = 0;
            if (_total < 8) return false;
            for (var i = 3; i >= 0; i--)
                isize = (isize << 8) | _tail[(int)((_total - 4 + i) % 8)];
            return true;
        }
    }

    /// <summary>Replays bytes already read (while sniffing) before the rest of a stream.</summary>
    internal sealed class PrefixedStream : ReadOnlyStream
    {
        private readonly byte[] _prefix;
        private int _ppos;
        private readonly Stream _inner;

        public PrefixedStream(byte[] prefix, Stream inner)
        {
            _prefix = prefix;
            _inner = inner;
        }

        public override int Read(byte[] buffer, int offset, int count)
        {
            if (_ppos < _prefix.Length)
            {
                int n = Math.Min(count, _prefix.Length - _ppos);
                Buffer.BlockCopy(_prefix, _ppos, buffer, offset, n);
                _ppos += n;
                return n;
            }
            return _inner.Read(buffer, offset, count);
        }

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
        {
            if (_ppos < _prefix.Length) return Task.FromResult(Read(buffer, offset, count));
            return _inner.ReadAsync(buffer, offset, count, cancellationToken);
        }
    }
}
