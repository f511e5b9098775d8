using System;
using System.IO;
using System.IO.Compression;
using System.Text;
using System.Threading;
using System.Threading.Tasks;

namespace BillingPowerShell.Engine.Usage
{
    /// <summary>Where the reader's characters come from: a TextReader, or bytes decoded by us (so that we can see them).</summary>
    internal abstract class CharSource : IDisposable
    {
        /// <summary>Invalid byte sequences met so far (each decoded as U+FFFD).</summary>
        public int InvalidSequences;

        public abstract int Read(char[] buffer, int offset, int count);
        public abstract Task<int> ReadAsync(char[] buffer, int offset, int count, CancellationToken cancellationToken);
        public abstract void Dispose();
    }

    internal sealed class TextCharSource : CharSource
    {
        private readonly TextReader _reader;
        private readonly bool _leaveOpen;

        public TextCharSource(TextReader reader, bool leaveOpen)
        {
            _reader = reader;
            _leaveOpen = leaveOpen;
        }

        public override int Read(char[] buffer, int offset, int count) => _reader.Read(buffer, offset, count);

        public override Task<int> ReadAsync(char[] buffer, int offset, int count, CancellationToken cancellationToken)
        {
            cancellationToken.ThrowIfCancellationRequested();
            return _reader.ReadAsync(buffer, offset, count);
        }

        public override void Dispose()
        {
            if (!_leaveOpen) _reader.Dispose();
        }
    }

    /// <summary>
    /// Decodes a byte stream: sniffs gzip (1F 8B) and the BOM (UTF-8, UTF-16 LE/BE; UTF-8 without one), rejects NUL
    /// bytes in the first block (binary, or UTF-16 without BOM), and counts invalid sequences instead of throwing.
    /// </summary>
    internal sealed class StreamCharSource : CharSource
    {
        private const int BlockSize = 1 << 16;
        private Stream _stream;
        private readonly bool _leaveOpen;
        private readonly string? _sourceName;
        private readonly byte[] _bytes = new byte[BlockSize];
        private int _bpos, _blen;
        private bool _streamEof, _flushed, _started, _gzipChecked, _checkNul = true, _firstBlock = true;
        private Decoder? _decoder;
        private Stream? _ownedWrapper;

        public StreamCharSource(Stream stream, bool leaveOpen, string? sourceName)
        {
            _stream = stream ?? throw new ArgumentNullException(nameof(stream));
            _leaveOpen = leaveOpen;
            _sourceName = sourceName;
        }

        public override int Read(char[] buffer, int offset, int count)
        {
            while (true)
            {
                if (TryDecode(buffer, offset, count, out int n)) return n;
                int read;
                try { read = _stream.Read(_bytes, _blen, _bytes.Length - _blen); }
                catch (InvalidDataException ex) { throw Corrupt(ex); }
                Filled(read);
            }
        }

        public override async Task<int> ReadAsync(char[] buffer, int offset, int count, CancellationToken cancellationToken)
        {
            while (true)
            {
                if (TryDecode(buffer, offset, count, out int n)) return n;
                int read;
                try { read = await _stream.ReadAsync(_bytes, _blen, _bytes.Length - _blen, cancellationToken).ConfigureAwait(false); }
                catch (InvalidDataException ex) { throw Corrupt(ex); }
                Filled(read);
            }
        }

        private UsageFormatException Corrupt(Exception ex) =>
            new UsageFormatException("corrupt compressed (gzip) data: " + ex.Message, _sourceName, null, ex);

        private void Filled(int read)
        {
            if (read == 0) { _streamEof = true; return; }
            int start = _blen;
            _blen += read;
            if (_checkNul && _started && Array.IndexOf(_bytes, (byte)0, start, read) >= 0 && _firstBlock)
                throw Binary();
        }

        private UsageFormatException Binary() =>
            new UsageFormatException("the file is not CSV text: it contains NUL bytes (binary data, or UTF-16 without a byte order mark)", _sourceName);

        /// <summary>True with a result (0 = end); false when more bytes are needed.</summary>
        private bool TryDecode(char[] buffer, int offset, int count, out int n)
        {
            n = 0;
            if (!_started)
            {
                // Sniff needs a few bytes; fill the first block as far as one read gives.
                if (_blen < 4 && !_streamEof) return false;
                Sniff();
                if (!_started) return false; // gzip: restart on the decompressed stream
            }
            if (_bpos < _blen)
            {
                _decoder!.Convert(_bytes, _bpos, _blen - _bpos, buffer, offset, count, false, out int bu, out int cu, out _);
                _bpos += bu;
                if (_bpos == _blen)
                {
                    _bpos = _blen = 0;
                    _firstBlock = false;
                }
                if (cu > 0) { n = cu; return true; }
                if (bu == 0) throw new InvalidOperationException("decoder made no progress");
                return false;
            }
            if (!_streamEof) return false;
            if (_flushed) return true;
            _decoder!.Convert(_bytes, 0, 0, buffer, offset, count, true, out _, out int fc, out bool completed);
            if (completed) _flushed = true;
            n = fc;
            return fc > 0 || _flushed;
        }

        private void Sniff()
        {
            var b = _bytes;
            if (!_gzipChecked)
            {
                _gzipChecked = true;
                if (_blen >= 2 && b[0] == 0x1F && b[1] == 0x8B)
                {
                    var prefix = new byte[_blen];
                    Buffer.BlockCopy(b, 0, prefix, 0, _blen);
                    _ownedWrapper = new GZipStream(new PrefixedStream(prefix, _stream), CompressionMode.Decompress, leaveOpen: true);
                    _stream = _ownedWrapper;
                    _bpos = _blen = 0;
                    _streamEof = false;
                    return;
                }
            }
            Encoding enc;
            if (_blen >= 3 && b[0] == 0xEF && b[1] == 0xBB && b[2] == 0xBF) { enc = new UTF8Encoding(false); _bpos = 3; }
            else if (_blen >= 2 && b[0] == 0xFF && b[1] == 0xFE) { enc = new UnicodeEncoding(false, false); _bpos = 2; _checkNul = false; }
            else if (_blen >= 2 && b[0] == 0xFE && b[1] == 0xFF) { enc = new UnicodeEncoding(true, false); _bpos = 2; _checkNul = false; }
            else enc = new UTF8Encoding(false);
            enc = (Encoding)enc.Clone();
            enc.DecoderFallback = new CountingFallback(this);
            _decoder = enc.GetDecoder();
            _started = true;
            if (_checkNul && Array.IndexOf(b, (byte)0, 0, _blen) >= 0) throw Binary();
        }

        public override void Dispose()
        {
            _ownedWrapper?.Dispose();
            if (!_leaveOpen) _stream.Dispose();
        }

        private sealed class CountingFallback : DecoderFallback
        {
            private readonly StreamCharSource _owner;
            public CountingFallback(StreamCharSource owner) => _owner = owner;
            public override int MaxCharCount => 1;
            public override DecoderFallbackBuffer CreateFallbackBuffer() => new Buffer(_owner);

            private sealed class Buffer : DecoderFallbackBuffer
            {
                private readonly StreamCharSource _owner;
                private bool _pending;
                public Buffer(StreamCharSource owner) => _owner = owner;
                public override int Remaining => _pending ? 1 : 0;

                public override bool Fallback(byte[] bytesUnknown, int index)
                {
                    _owner.InvalidSequences++;
                    _pending = true;
                    return true;
                }

                public override char GetNextChar()
                {
                    if (!_pending) return '\0';
                    _pending = false;
                    return '\uFFFD';
                }

                public override bool MovePrevious() => false;
                public override void Reset() => _pending = false;
            }
        }
    }

    /// <summary>Replays bytes already read (while sniffing) before the rest of a stream.</summary>
    internal sealed class PrefixedStream : Stream
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

        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
