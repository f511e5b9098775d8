using System;
using System.IO;
using System.IO.Compression;
using System.Text;
using System.Threading;
using System.Threading.Tasks;

namespace BillingPowerShell.Engine.Usage
{
    /// <summary>
    /// The reader works on UTF-8 bytes: no decoding of the whole file, and a kept row costs one byte per ASCII char
    /// instead of two. Other inputs (TextReader, UTF-16 files) are encoded to UTF-8 on the way in.
    /// </summary>
    internal abstract class ByteSource : IDisposable
    {
        public abstract int Read(byte[] buffer, int offset, int count);
        public abstract Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken);
        public abstract void Dispose();
    }

    /// <summary>Encodes a TextReader's characters to UTF-8 (a leading U+FEFF is dropped).</summary>
    internal sealed class TextByteSource : ByteSource
    {
        private readonly TextReader _reader;
        private readonly bool _leaveOpen;
        private readonly Encoder _encoder = new UTF8Encoding(false).GetEncoder();
        private readonly char[] _chars = new char[1 << 14];
        private int _cpos, _clen;
        private bool _eof, _flushed, _first = true;

        public TextByteSource(TextReader reader, bool leaveOpen)
        {
            _reader = reader;
            _leaveOpen = leaveOpen;
        }

        public override int Read(byte[] buffer, int offset, int count)
        {
            while (true)
            {
                if (TryEncode(buffer, offset, count, out int n)) return n;
                Filled(_reader.Read(_chars, 0, _chars.Length));
            }
        }

        public override async Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
        {
            while (true)
            {
                if (TryEncode(buffer, offset, count, out int n)) return n;
                cancellationToken.ThrowIfCancellationRequested();
                Filled(await _reader.ReadAsync(_chars, 0, _chars.Length).ConfigureAwait(false));
            }
        }

        private void Filled(int n)
        {
            _cpos = 0;
            _clen = n;
            if (n == 0) { _eof = true; return; }
            if (_first)
            {
                _first = false;
                if (_chars[0] == '\uFEFF') _cpos = 1;
            }
        }

        private bool TryEncode(byte[] buffer, int offset, int count, out int n)
        {
            n = 0;
            if (_cpos < _clen)
            {
                _encoder.Convert(_chars, _cpos, _clen - _cpos, buffer, offset, count, false, out int used, out n, out _);
                _cpos += used;
                if (n > 0) return true;
                if (used == 0) throw new InvalidOperationException("encoder made no progress");
                return false;
            }
            if (!_eof) return false;
            if (_flushed) return true;
            _encoder.Convert(_chars, 0, 0, buffer, offset, count, true, out _, out n, out bool completed);
            if (completed) _flushed = true;
            return n > 0 || _flushed;
        }

        public override void Dispose()
        {
            if (!_leaveOpen) _reader.Dispose();
        }
    }

    /// <summary>
    /// A byte stream: sniffs gzip (1F 8B) and the BOM. UTF-8 (BOM dropped) passes straight through; UTF-16 with a BOM
    /// is re-encoded. NUL bytes in the first block mean binary data or UTF-16 without a BOM.
    /// </summary>
    internal sealed class StreamByteSource : ByteSource
    {
        private const int SniffSize = 1 << 12;
        private Stream _stream;
        private readonly bool _leaveOpen;
        private readonly string? _sourceName;
        private byte[] _head = new byte[SniffSize];
        private int _hpos, _hlen;
        private bool _sniffed, _gzipChecked;
        private Stream? _ownedWrapper;
        private TextByteSource? _text; // UTF-16 input
        // gzip: .NET's GZipStream ends quietly on truncated data, so the trailer's length is checked at the end.
        private TailStream? _gzipInput;
        private long _inflated;

        public StreamByteSource(Stream stream, bool leaveOpen, string? sourceName)
        {
            _stream = stream ?? throw new ArgumentNullException(nameof(stream));
            _leaveOpen = leaveOpen;
            _sourceName = sourceName;
        }

        public override int Read(byte[] buffer, int offset, int count)
        {
            while (!_sniffed)
            {
                int n;
                try { n = Inflated(_stream.Read(_head, _hlen, _head.Length - _hlen)); }
                catch (InvalidDataException ex) { throw Corrupt(ex); }
                HeadFilled(n);
            }
            if (_text != null) return _text.Read(buffer, offset, count);
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
            if (_text != null) return await _text.ReadAsync(buffer, offset, count, cancellationToken).ConfigureAwait(false);
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

        // Sniffs once the first block is full or the stream ended.
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
                    _ownedWrapper = new GZipStream(_gzipInput, CompressionMode.Decompress, leaveOpen: true);
                    _stream = _ownedWrapper;
                    _hlen = 0;
                    return;
                }
            }
            _sniffed = true;
            if (_hlen >= 2 && ((b[0] == 0xFF && b[1] == 0xFE) || (b[0] == 0xFE && b[1] == 0xFF)))
            {
                var enc = new UnicodeEncoding(bigEndian: b[0] == 0xFE, byteOrderMark: false);
                var rest = new byte[_hlen - 2];
                Buffer.BlockCopy(b, 2, rest, 0, rest.Length);
                _text = new TextByteSource(new StreamReader(new PrefixedStream(rest, _stream), enc, false, 1 << 14), leaveOpen: true);
                return;
            }
            if (_hlen >= 3 && b[0] == 0xEF && b[1] == 0xBB && b[2] == 0xBF) _hpos = 3;
            if (Array.IndexOf(b, (byte)0, _hpos, _hlen - _hpos) >= 0)
                throw new UsageFormatException("the file is not CSV text: it contains NUL bytes (binary data, or UTF-16 without a byte order mark)", _sourceName);
        }

        public override void Dispose()
        {
            _ownedWrapper?.Dispose();
            if (!_leaveOpen) _stream.Dispose();
        }
    }

    /// <summary>Passes a stream through and remembers its last eight bytes: a gzip file's trailer (CRC32, ISIZE).</summary>
    internal sealed class TailStream : BillingPowerShell.Engine.Files.ReadOnlyStream
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
    internal sealed class PrefixedStream : BillingPowerShell.Engine.Files.ReadOnlyStream
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
