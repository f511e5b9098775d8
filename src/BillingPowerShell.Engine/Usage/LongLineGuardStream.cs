using System;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using BillingPowerShell.Engine.Files;

namespace BillingPowerShell.Engine.Usage
{
    /// <summary>
    /// Keeps one over-long line from costing the whole file: a physical line longer than the limit (a damaged row, an
    /// unbalanced quote at the start of a huge line) reaches the CSV reader as <see cref="Marker"/> instead, so the
    /// reader reports it as one bad row, on its own line number, and goes on at the next line break. Complete lines
    /// pass straight through; only the unfinished last line of a block is held back (at most the limit). UTF-16 input
    /// passes untouched (its line breaks are two bytes); CsvHelper's MaxRecordSize bounds it instead.
    /// </summary>
    internal sealed class LongLineGuardStream : ReadOnlyStream
    {
        /// <summary>What an over-long line becomes: one field no usage file holds (NUL is never valid in one).</summary>
        internal static readonly byte[] Marker = Encoding.ASCII.GetBytes("\0line-too-long\0");

        private readonly UsageInputStream _inner;
        private readonly int _max;
        private byte[] _buf = new byte[1 << 16];
        private int _pos, _emitEnd, _len; // [_pos, _emitEnd): whole lines to hand out; [_emitEnd, _len): the line being read
        private bool _eof, _skipping;

        public LongLineGuardStream(UsageInputStream inner, int maxLineLength)
        {
            _inner = inner;
            _max = maxLineLength;
        }

        public override int Read(byte[] buffer, int offset, int count)
        {
            while (true)
            {
                if (TryHandOut(buffer, offset, count, out int n)) return n;
                if (_inner.IsUtf16 && _pos == _len) return _inner.Read(buffer, offset, count);
                Reserve();
                Absorb(_inner.Read(_buf, _len, _buf.Length - _len));
            }
        }

        public override async Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
        {
            while (true)
            {
                if (TryHandOut(buffer, offset, count, out int n)) return n;
                if (_inner.IsUtf16 && _pos == _len) return await _inner.ReadAsync(buffer, offset, count, cancellationToken).ConfigureAwait(false);
                Reserve();
                Absorb(await _inner.ReadAsync(_buf, _len, _buf.Length - _len, cancellationToken).ConfigureAwait(false));
            }
        }

        private bool TryHandOut(byte[] buffer, int offset, int count, out int n)
        {
            if (_eof || _inner.IsUtf16) _emitEnd = _len; // the last line needs no line break; UTF-16 is not looked at
            n = Math.Min(count, _emitEnd - _pos);
            if (n > 0)
            {
                Buffer.BlockCopy(_buf, _pos, buffer, offset, n);
                _pos += n;
                return true;
            }
            n = 0;
            return _eof;
        }

        // Room to read into: the held line moves to the front; the buffer grows up to the limit plus one block.
        private void Reserve()
        {
            if (_pos > 0)
            {
                Buffer.BlockCopy(_buf, _pos, _buf, 0, _len - _pos);
                _len -= _pos;
                _emitEnd -= _pos;
                _pos = 0;
            }
            if (_buf.Length - _len < 4096) Array.Resize(ref _buf, Math.Max(_buf.Length * 2, _len + (1 << 16)));
        }

        private void Absorb(int n)
        {
            if (n == 0) { _eof = true; return; }
            int from = _len;
            _len += n;
            if (_skipping && !SkipToLineBreak(from)) return;
            int last = LastLineBreak(Math.Max(from, _emitEnd), _len);
            if (last >= 0) _emitEnd = last + 1;
            if (_len - _emitEnd > _max)
            {
                Buffer.BlockCopy(Marker, 0, _buf, _emitEnd, Marker.Length);
                _len = _emitEnd + Marker.Length;
                _emitEnd = _len;
                _skipping = true;
            }
        }

        // Drops the rest of an over-long line up to (not including) its line break; false while none has come.
        private bool SkipToLineBreak(int from)
        {
            int k = new ReadOnlySpan<byte>(_buf, from, _len - from).IndexOfAny((byte)'\n', (byte)'\r');
            if (k < 0) { _len = from; return false; }
            Buffer.BlockCopy(_buf, from + k, _buf, from, _len - from - k);
            _len -= k;
            _skipping = false;
            return true;
        }

        private int LastLineBreak(int from, int to)
        {
            int k = new ReadOnlySpan<byte>(_buf, from, to - from).LastIndexOfAny((byte)'\n', (byte)'\r');
            return k < 0 ? -1 : from + k;
        }

        protected override void Dispose(bool disposing)
        {
            if (disposing) _inner.Dispose();
            base.Dispose(disposing);
        }
    }
}
