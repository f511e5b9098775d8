using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.ExceptionServices;
using System.Text;
using System.Threading;
using System.Threading.Tasks;

namespace BillingPowerShell.Engine.Usage
{
    public sealed class UsageCsvReaderOptions
    {
        /// <summary>Longest row accepted, in bytes (UTF-8); a longer row is a bad row (skipped to the next line).</summary>
        public int MaxLineLength { get; set; } = 1024 * 1024;

        /// <summary>After this many bad rows the input is treated as not a usage file (UsageFormatException).</summary>
        public int MaxErrors { get; set; } = 1000;

        /// <summary>Called, on the reading thread, for every bad row. Reading goes on afterwards.</summary>
        public Action<UsageRowError>? OnError { get; set; }

        /// <summary>Also validate Quantity, EffectivePrice and UnitPrice when reading (slower). Date and Cost always are.</summary>
        public bool ValidateAllNumbers { get; set; }

        /// <summary>Name used in errors (the path when opened from a path).</summary>
        public string? SourceName { get; set; }

        /// <summary>
        /// Each read returns the same record, overwritten with the next row (one record and one row buffer for the
        /// whole file): for a reader whose records are looked at once and dropped, like the Native export's summary,
        /// which would otherwise allocate every row of the file again.
        /// </summary>
        internal bool ReuseRows { get; set; }

        internal UsageCsvReaderOptions Clone() => (UsageCsvReaderOptions)MemberwiseClone();
    }

    /// <summary>
    /// Streams <see cref="UsageRecord"/>s from a usage CSV (any recognised format; <c>.csv</c> or gzip, sniffed from
    /// the bytes) at constant memory. RFC 4180 quoting; comma (or, when the header has none, semicolon or tab).
    /// Validation: Date (required) and Cost (when present) are parsed while reading, so a bad value there is a bad row
    /// reported through <see cref="UsageCsvReaderOptions.OnError"/>. Other numbers are parsed when first read; text
    /// that is not a number then reads as null (the raw text stays in SourceColumns). Whole-input problems (unknown
    /// header, binary data, corrupt gzip, too many bad rows) throw <see cref="UsageFormatException"/>.
    /// Not thread-safe; records are independent of the reader and may be kept.
    /// </summary>
    public sealed class UsageCsvReader : IDisposable
    {
        private const int InitialBuffer = 1 << 16;
        // AggressiveOptimization (not in the netstandard2.0 enum): skip tier-0 for the hot loops, the first 100k rows count.
        internal const MethodImplOptions Hot = (MethodImplOptions)512;

        private readonly ByteSource _src;
        private readonly UsageCsvReaderOptions _opt;
        private readonly string? _name;
        private byte[] _buf = new byte[InitialBuffer];
        private int _pos, _len;
        private bool _eof;
        private int[] _scratch = new int[128];
        private int[]? _reusedOffsets;   // ReuseRows
        private byte[]? _reusedLine;
        private UsageRecord? _reusedRecord;
        private long _line = 1;
        private State _state = State.Header;
        private UsageColumnLayout? _layout;
        private char _delim = ',';
        private bool _delimChosen, _legacy, _skipping;
        private Action<UsageRowError>? _errorSink;

        private enum State { Header, LegacySkip, Rows, Done }
        private enum Step { Record, Continue, NeedMore, End }

        public UsageCsvReader(Stream stream, UsageCsvReaderOptions? options = null, bool leaveOpen = false)
            : this(new StreamByteSource(stream, leaveOpen, options?.SourceName), options) { }

        public UsageCsvReader(TextReader reader, UsageCsvReaderOptions? options = null, bool leaveOpen = false)
            : this(new TextByteSource(reader ?? throw new ArgumentNullException(nameof(reader)), leaveOpen), options) { }

        private UsageCsvReader(ByteSource src, UsageCsvReaderOptions? options)
        {
            _src = src;
            _opt = options ?? new UsageCsvReaderOptions();
            if (_opt.MaxLineLength < 16) throw new ArgumentOutOfRangeException(nameof(options), "MaxLineLength must be at least 16.");
            _name = _opt.SourceName;
        }

        /// <summary>Continues a file whose header is already known (later chunks of a Native export).</summary>
        internal UsageCsvReader(Stream stream, UsageCsvReaderOptions? options, UsageColumnLayout layout, char delimiter, bool leaveOpen)
            : this(new StreamByteSource(stream, leaveOpen, options?.SourceName), options)
        {
            _layout = layout;
            _delim = delimiter;
            _delimChosen = true;
            _state = State.Rows;
            _line = 2;
        }

        /// <summary>Opens a file (plain or gzip-compressed, whatever its extension).</summary>
        public static UsageCsvReader Open(string path, UsageCsvReaderOptions? options = null)
        {
            if (path == null) throw new ArgumentNullException(nameof(path));
            var opt = (options ?? new UsageCsvReaderOptions()).Clone();
            if (opt.SourceName == null) opt.SourceName = path; // a copy: one options object may serve many files
            var fs = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1, FileOptions.SequentialScan);
            return new UsageCsvReader(fs, opt, leaveOpen: false);
        }

        /// <summary>Reads only as far as the header and returns the format (throws UsageFormatException if unknown).</summary>
        public static UsageFileFormat DetectFormat(string path)
        {
            using var r = Open(path);
            return r.ReadHeader();
        }

        /// <summary>The recognised format (Unknown until the header has been read).</summary>
        public UsageFileFormat Format => _layout?.Format ?? UsageFileFormat.Unknown;

        /// <summary>The header's column names as delivered (null until read).</summary>
        public IReadOnlyList<string>? Header => _layout?.Names;

        internal UsageColumnLayout? Layout => _layout;
        internal char Delimiter => _delim;

        /// <summary>Good records returned so far.</summary>
        public long RowCount { get; private set; }

        /// <summary>Bad rows reported so far.</summary>
        public long ErrorCount { get; private set; }

        /// <summary>Physical line number where the next row starts.</summary>
        public long LineNumber => _line;

        /// <summary>Reads up to and including the header; returns the format. Idempotent.</summary>
        public UsageFileFormat ReadHeader()
        {
            while (_state == State.Header || _state == State.LegacySkip)
            {
                var s = Next(out _);
                if (s == Step.NeedMore) Fill();
            }
            return Format;
        }

        public async Task<UsageFileFormat> ReadHeaderAsync(CancellationToken cancellationToken = default)
        {
            while (_state == State.Header || _state == State.LegacySkip)
            {
                var s = Next(out _);
                if (s == Step.NeedMore) await FillAsync(cancellationToken).ConfigureAwait(false);
            }
            return Format;
        }

        /// <summary>The next good record, or null at the end.</summary>
        public UsageRecord? Read()
        {
            while (true)
            {
                switch (Next(out var rec))
                {
                    case Step.Record: return rec;
                    case Step.End: return null;
                    case Step.NeedMore: Fill(); break;
                }
            }
        }

        /// <summary>The next good record, or null at the end. Completes synchronously while the buffer has rows.</summary>
        public ValueTask<UsageRecord?> ReadAsync(CancellationToken cancellationToken = default)
        {
            while (true)
            {
                switch (Next(out var rec))
                {
                    case Step.Record: return new ValueTask<UsageRecord?>(rec);
                    case Step.End: return new ValueTask<UsageRecord?>((UsageRecord?)null);
                    case Step.NeedMore: return ReadAsyncSlow(cancellationToken);
                }
            }
        }

        private async ValueTask<UsageRecord?> ReadAsyncSlow(CancellationToken cancellationToken)
        {
            while (true)
            {
                await FillAsync(cancellationToken).ConfigureAwait(false);
                while (true)
                {
                    var step = Next(out var rec);
                    if (step == Step.Record) return rec;
                    if (step == Step.End) return null;
                    if (step == Step.NeedMore) break;
                }
            }
        }

        public IEnumerable<UsageRecord> ReadAll(CancellationToken cancellationToken = default)
        {
            int n = 0;
            UsageRecord? r;
            while ((r = Read()) != null)
            {
                if ((++n & 1023) == 0) cancellationToken.ThrowIfCancellationRequested();
                yield return r;
            }
        }

        public async IAsyncEnumerable<UsageRecord> ReadAllAsync([EnumeratorCancellation] CancellationToken cancellationToken = default)
        {
            UsageRecord? r;
            while ((r = await ReadAsync(cancellationToken).ConfigureAwait(false)) != null)
            {
                yield return r;
            }
        }

        /// <summary>
        /// Reads on a background thread, a few batches ahead of the consumer, so that parsing overlaps with what the
        /// consumer does (e.g. writing to the PowerShell pipeline). Bad-row callbacks and exceptions are delivered on
        /// the consuming thread, in file order. Disposing the enumerator (foreach does) stops the producer.
        /// </summary>
        public IEnumerable<UsageRecord> ReadAllPrefetched(int batchSize = 256, int maxBatchesAhead = 16, CancellationToken cancellationToken = default)
        {
            if (batchSize < 1) throw new ArgumentOutOfRangeException(nameof(batchSize));
            if (maxBatchesAhead < 1) throw new ArgumentOutOfRangeException(nameof(maxBatchesAhead));
            var queue = new BlockingCollection<object[]>(maxBatchesAhead);
            var cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            var consumerOnError = _opt.OnError;
            var pending = new List<object>(batchSize);
            Exception? failure = null;
            _errorSink = e => pending.Add(e);
            var producer = Task.Factory.StartNew(() =>
            {
                try
                {
                    UsageRecord? r;
                    while ((r = Read()) != null)
                    {
                        pending.Add(r);
                        if (pending.Count >= batchSize)
                        {
                            queue.Add(pending.ToArray(), cts.Token);
                            pending.Clear();
                        }
                    }
                }
                catch (OperationCanceledException) when (cts.IsCancellationRequested)
                {
                    return;
                }
                catch (Exception ex)
                {
                    failure = ex;
                }
                try
                {
                    if (pending.Count > 0) queue.Add(pending.ToArray(), cts.Token);
                }
                catch (OperationCanceledException) { }
                finally
                {
                    queue.CompleteAdding();
                }
            }, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
            try
            {
                foreach (var batch in queue.GetConsumingEnumerable(cancellationToken))
                {
                    foreach (var item in batch)
                    {
                        if (item is UsageRecord rec) yield return rec;
                        else consumerOnError?.Invoke((UsageRowError)item);
                    }
                }
                // The producer has completed adding, so this returns at once; it never throws (the producer catches
                // everything into `failure`, rethrown here unwrapped), unlike Task.Wait's AggregateException.
                ((IAsyncResult)producer).AsyncWaitHandle.WaitOne();
                if (failure != null) ExceptionDispatchInfo.Capture(failure).Throw();
            }
            finally
            {
                cts.Cancel();
                ((IAsyncResult)producer).AsyncWaitHandle.WaitOne(); // cancelled: the producer stops at its next batch
                _errorSink = null;
                cts.Dispose();
                queue.Dispose();
            }
        }

        public void Dispose() => _src.Dispose();

        // ---- buffer ------------------------------------------------------------------------------------------------

        private int MaxBuffer => Math.Max(InitialBuffer, _opt.MaxLineLength + 16);

        private void PrepareFill()
        {
            if (_pos > 0)
            {
                Array.Copy(_buf, _pos, _buf, 0, _len - _pos);
                _len -= _pos;
                _pos = 0;
            }
            if (_buf.Length - _len < 16)
            {
                var nb = new byte[Math.Min(Math.Max(_buf.Length * 2, 32), MaxBuffer)];
                if (nb.Length - _len < 2) throw new InvalidOperationException("buffer cannot grow");
                Array.Copy(_buf, nb, _len);
                _buf = nb;
            }
        }

        private void Fill()
        {
            PrepareFill();
            int n = _src.Read(_buf, _len, _buf.Length - _len);
            if (n == 0) _eof = true;
            else _len += n;
        }

        private async Task FillAsync(CancellationToken ct)
        {
            ct.ThrowIfCancellationRequested();
            PrepareFill();
            int n = await _src.ReadAsync(_buf, _len, _buf.Length - _len, ct).ConfigureAwait(false);
            if (n == 0) _eof = true;
            else _len += n;
        }

        // ---- parsing -----------------------------------------------------------------------------------------------

        [MethodImpl(Hot)]
        private Step Next(out UsageRecord? record)
        {
            record = null;
            if (_state == State.Done) return Step.End;
            if (_skipping)
            {
                int k = Array.IndexOf(_buf, (byte)'\n', _pos, _len - _pos);
                if (k < 0)
                {
                    _pos = _len;
                    if (!_eof) return Step.NeedMore;
                    _skipping = false;
                    return Step.Continue;
                }
                _pos = k + 1;
                _line++;
                _skipping = false;
                return Step.Continue;
            }

            var scan = ScanRow(out int rowEnd, out int next, out int fields, out int newlines, out string? rowError);
            if (scan == Step.NeedMore)
            {
                if (_len - _pos >= _opt.MaxLineLength)
                {
                    long at = _line;
                    _line += CountNewlines(_pos, _len);
                    _pos = _len;
                    _skipping = true;
                    if (_state != State.Rows)
                        throw new UsageFormatException($"a line before the header ends is longer than {_opt.MaxLineLength} bytes: not a usage CSV file", _name, at);
                    Report(at, $"row longer than {_opt.MaxLineLength} bytes (unbalanced quote?); skipped to the next line");
                    return Step.Continue;
                }
                return Step.NeedMore;
            }
            if (scan == Step.End)
            {
                if (_state == State.Header) throw new UsageFormatException("the file is empty: no header row", _name);
                if (_state == State.LegacySkip)
                    throw new UsageFormatException("legacy portal usage file without a 'Daily usage' section header", _name);
                _state = State.Done;
                return Step.End;
            }

            int rowStart = _pos;
            long rowLine = _line;
            int len = rowEnd - rowStart;
            _pos = next;
            _line += newlines;

            switch (_state)
            {
                case State.Header:
                {
                    if (len == 0) return Step.Continue; // leading blank line
                    if (len == 5 && _buf[rowStart] == (byte)'s' && _buf[rowStart + 1] == (byte)'e' && _buf[rowStart + 2] == (byte)'p' && _buf[rowStart + 3] == (byte)'=')
                    {
                        // Excel's "sep=;" hint line
                        _delim = (char)_buf[rowStart + 4];
                        _delimChosen = true;
                        return Step.Continue;
                    }
                    if (!_delimChosen)
                    {
                        _delimChosen = true;
                        if (fields == 1)
                        {
                            var span = new ReadOnlySpan<byte>(_buf, rowStart, len);
                            char alt = span.IndexOf((byte)';') >= 0 ? ';' : span.IndexOf((byte)'\t') >= 0 ? '\t' : '\0';
                            if (alt != '\0')
                            {
                                _delim = alt;
                                _pos = rowStart;
                                _line = rowLine;
                                return Step.Continue; // rescan with the other delimiter
                            }
                        }
                    }
                    var names = Fields(rowStart, fields);
                    CheckHeaderText(names, rowError, rowLine);
                    var format = UsageFormatDetector.Detect(names);
                    if (format == UsageFileFormat.Unknown)
                    {
                        if (IsSectionTitle(names) || UsageFormatDetector.IsLegacyStatementHeader(names))
                        {
                            _state = State.LegacySkip;
                            _legacy = true;
                            return Step.Continue;
                        }
                        throw new UsageFormatException(
                            "unrecognised header (" + Preview(names) + "). Recognised formats: " + UsageFormatDetector.RecognisedFormatsText,
                            _name, rowLine);
                    }
                    _legacy = format == UsageFileFormat.LegacyPortalDailyUsage;
                    _layout = new UsageColumnLayout(names, format);
                    _state = State.Rows;
                    return Step.Continue;
                }
                case State.LegacySkip:
                {
                    if (len == 0 || rowError != null) return Step.Continue;
                    var names = Fields(rowStart, fields);
                    if (UsageFormatDetector.Detect(names) == UsageFileFormat.LegacyPortalDailyUsage)
                    {
                        CheckHeaderText(names, null, rowLine);
                        _layout = new UsageColumnLayout(names, UsageFileFormat.LegacyPortalDailyUsage);
                        _state = State.Rows;
                    }
                    return Step.Continue;
                }
                default:
                {
                    var layout = _layout!;
                    if (len == 0)
                    {
                        if (_legacy) { _state = State.Done; return Step.End; } // end of the Daily usage section
                        return Step.Continue;
                    }
                    if (_legacy && IsSectionTitle(rowStart, fields)) { _state = State.Done; return Step.End; }
                    if (rowError != null) { Report(rowLine, rowError); return Step.Continue; }
                    if (fields != layout.ColumnCount)
                    {
                        Report(rowLine, $"expected {layout.ColumnCount} fields, found {fields}");
                        return Step.Continue;
                    }
                    var rowSpan = new ReadOnlySpan<byte>(_buf, rowStart, len);
                    if (rowSpan.IndexOf((byte)0) >= 0)
                    {
                        Report(rowLine, "NUL character in the row (binary data)");
                        return Step.Continue;
                    }
                    if (!IsValidUtf8(rowStart, len))
                    {
                        Report(rowLine, "invalid byte sequence for the file's encoding (UTF-8 expected)");
                        return Step.Continue;
                    }
                    int[] offsets;
                    byte[] line;
                    if (_opt.ReuseRows)
                    {
                        offsets = _reusedOffsets is { } o && o.Length == fields + 1 ? o : (_reusedOffsets = new int[fields + 1]);
                        line = _reusedLine is { } l && l.Length >= len ? l : (_reusedLine = new byte[Math.Max(len, 2 * (_reusedLine?.Length ?? 512))]);
                    }
                    else
                    {
                        offsets = new int[fields + 1];
                        line = new byte[len];
                    }
                    Array.Copy(_scratch, offsets, fields + 1);
                    Buffer.BlockCopy(_buf, rowStart, line, 0, len);
                    UsageRecord rec;
                    if (_opt.ReuseRows && _reusedRecord is { } reused) { reused.Reuse(layout, line, offsets); rec = reused; }
                    else rec = new UsageRecord(layout, line, offsets);
                    if (_opt.ReuseRows) _reusedRecord = rec;
                    if (!Validate(rec, rowLine)) return Step.Continue;
                    RowCount++;
                    record = rec;
                    return Step.Record;
                }
            }
        }

        private static readonly UsageField[] OtherNumbers = { UsageField.Quantity, UsageField.EffectivePrice, UsageField.UnitPrice };

        private bool Validate(UsageRecord rec, long line)
        {
            if (!rec.TryGetDate(out _, out var rawDate))
            {
                Report(line, string.IsNullOrWhiteSpace(rawDate)
                    ? $"missing date in column '{ColName(rec, UsageField.Date)}'"
                    : $"invalid date '{Clip(rawDate!)}' in column '{ColName(rec, UsageField.Date)}' (expected yyyy-MM-dd or MM/dd/yyyy)");
                return false;
            }
            if (!rec.TryGetDecimal(UsageField.Cost, out var cost, out _))
            {
                Report(line, $"invalid number '{Clip(rec.RawField(UsageField.Cost) ?? string.Empty)}' in column '{ColName(rec, UsageField.Cost)}'");
                return false;
            }
            rec.CacheCost(cost);
            if (_opt.ValidateAllNumbers)
            {
                foreach (var f in OtherNumbers)
                {
                    if (!rec.TryGetDecimal(f, out _, out _))
                    {
                        Report(line, $"invalid number '{Clip(rec.RawField(f) ?? string.Empty)}' in column '{ColName(rec, f)}'");
                        return false;
                    }
                }
            }
            return true;
        }

        private static string ColName(UsageRecord rec, UsageField f)
        {
            int c = rec.Layout.Col(f);
            return c < 0 ? f.ToString() : rec.Layout.Names[c];
        }

        private static string Clip(string s) => s.Length <= 40 ? s : s.Substring(0, 40) + "…";

        private void Report(long line, string reason)
        {
            ErrorCount++;
            (_errorSink ?? _opt.OnError)?.Invoke(new UsageRowError(_name, line, reason));
            if (ErrorCount > _opt.MaxErrors)
                throw new UsageFormatException($"more than {_opt.MaxErrors} bad rows: giving up (is this a usage file?)", _name, line);
        }

        private void CheckHeaderText(string[] names, string? rowError, long line)
        {
            if (names.Length > 0 && names[0].Length > 0 && names[0][0] == '\uFEFF') names[0] = names[0].Substring(1);
            foreach (var n in names)
            {
                foreach (char c in n)
                {
                    if (c == '\0' || (c < 0x20 && c != '\t') || c == '\uFFFD')
                        throw new UsageFormatException("the header is not text: binary data or an encoding other than UTF-8/UTF-16", _name, line);
                }
            }
            if (rowError != null) throw new UsageFormatException("malformed header: " + rowError, _name, line);
        }

        private static string Preview(string[] names)
        {
            var p = string.Join(",", names.Take(6).Select(n => n.Length > 30 ? n.Substring(0, 30) + "…" : n));
            return names.Length > 6 ? p + ",…" : p;
        }

        private bool IsSectionTitle(int rowStart, int fields)
        {
            for (int f = 1; f < fields; f++)
            {
                if (_scratch[f + 1] - _scratch[f] > 1) return false;
            }
            int len = _scratch[1] - 1;
            return len > 0 && len < 40 && UsageFormatDetector.IsLegacySectionTitle(Encoding.UTF8.GetString(_buf, rowStart, len).Trim('"'));
        }

        private static bool IsSectionTitle(string[] names) =>
            names.Length > 0 && UsageFormatDetector.IsLegacySectionTitle(names[0]) && names.Skip(1).All(n => n.Trim().Length == 0);

        private string[] Fields(int rowStart, int fields)
        {
            var names = new string[fields];
            for (int i = 0; i < fields; i++)
            {
                int s = rowStart + _scratch[i], e = rowStart + _scratch[i + 1] - 1;
                names[i] = Unquote(s, e);
            }
            return names;
        }

        private string Unquote(int s, int e)
        {
            if (e <= s) return string.Empty;
            if (_buf[s] != (byte)'"') return Encoding.UTF8.GetString(_buf, s, e - s);
            int cs = s + 1, ce = e - 1;
            if (ce > cs && _buf[ce] != (byte)'"') ce = e; // unterminated: keep what there is
            var tmp = new byte[Math.Max(0, ce - cs)];
            int n = 0;
            for (int i = cs; i < ce; i++)
            {
                tmp[n++] = _buf[i];
                if (_buf[i] == (byte)'"' && i + 1 < ce && _buf[i + 1] == (byte)'"') i++;
            }
            return Encoding.UTF8.GetString(tmp, 0, n);
        }

        private static readonly UTF8Encoding StrictUtf8 = new UTF8Encoding(false, true);

        // ASCII rows (the usual case) are checked eight bytes at a time; others are decoded strictly once.
        private bool IsValidUtf8(int start, int len)
        {
            var span = new ReadOnlySpan<byte>(_buf, start, len);
            var words = MemoryMarshal.Cast<byte, ulong>(span);
            ulong acc = 0;
            for (int i = 0; i < words.Length; i++) acc |= words[i];
            for (int i = words.Length * 8; i < span.Length; i++) acc |= span[i];
            if ((acc & 0x8080808080808080UL) == 0) return true;
            try
            {
                StrictUtf8.GetCharCount(_buf, start, len);
                return true;
            }
            catch (DecoderFallbackException)
            {
                return false;
            }
        }

        private int CountNewlines(int from, int to)
        {
            int n = 0;
            while (from < to)
            {
                int k = Array.IndexOf(_buf, (byte)'\n', from, to - from);
                if (k < 0) break;
                n++;
                from = k + 1;
            }
            return n;
        }

        /// <summary>
        /// Finds one row starting at _pos. Fills _scratch with field starts relative to the row start (and one past
        /// the end). NeedMore when the row may continue beyond the buffer; End when nothing is left.
        /// </summary>
        [MethodImpl(Hot)]
        private Step ScanRow(out int rowEnd, out int next, out int fields, out int newlines, out string? error)
        {
            // A scalar state machine: per-field IndexOfAny calls cost more than they save on ~10-char fields.
            int start = _pos, i = start, f = 0, len = _len, nl = 0;
            byte d = (byte)_delim;
            byte hi = (byte)Math.Max(Math.Max((int)d, '"'), '\r'); // bytes above this are never special
            byte[] buf = _buf;
            rowEnd = next = fields = newlines = 0;
            error = null;
            _scratch[0] = 0;
            while (true)
            {
                if (i >= len)
                {
                    if (!_eof) return Step.NeedMore;
                    if (i == start) return Step.End;
                    newlines = nl;
                    return EndRow(i, i, ref f, start, out rowEnd, out next, out fields);
                }
                if (buf[i] == (byte)'"')
                {
                    i++;
                    while (true)
                    {
                        while (i < len)
                        {
                            byte c = buf[i];
                            if (c == (byte)'"') break;
                            if (c == (byte)'\n') nl++;
                            i++;
                        }
                        if (i >= len)
                        {
                            if (!_eof) return Step.NeedMore;
                            error = "unbalanced quote: a quoted field is still open at the end of the file";
                            newlines = nl;
                            return EndRow(len, len, ref f, start, out rowEnd, out next, out fields);
                        }
                        if (i + 1 >= len && !_eof) return Step.NeedMore; // "" or closing: cannot tell yet
                        if (i + 1 < len && buf[i + 1] == (byte)'"') { i += 2; continue; }
                        i++;
                        break;
                    }
                    if (i < len)
                    {
                        byte t = buf[i];
                        if (t != d && t != (byte)'\n' && t != (byte)'\r') error ??= "unexpected character after a closing quote";
                    }
                }
                while (i < len)
                {
                    byte c = buf[i];
                    if (c <= hi)
                    {
                        if (c == d || c == (byte)'\n' || c == (byte)'\r') break;
                        // RFC 4180: a quote may only open a field. Azure quotes such fields, so this is damage.
                        if (c == (byte)'"') error ??= "quote character inside an unquoted field";
                    }
                    i++;
                }
                if (i >= len)
                {
                    if (!_eof) return Step.NeedMore;
                    newlines = nl;
                    return EndRow(len, len, ref f, start, out rowEnd, out next, out fields);
                }
                if (buf[i] == d)
                {
                    f++;
                    if (f + 1 >= _scratch.Length) Array.Resize(ref _scratch, _scratch.Length * 2);
                    _scratch[f] = i + 1 - start;
                    i++;
                    continue;
                }
                int nx;
                if (buf[i] == (byte)'\r')
                {
                    if (i + 1 >= len && !_eof) return Step.NeedMore;
                    nx = i + 1 < len && buf[i + 1] == (byte)'\n' ? i + 2 : i + 1;
                }
                else nx = i + 1;
                newlines = nl + 1;
                return EndRow(i, nx, ref f, start, out rowEnd, out next, out fields);
            }
        }

        private Step EndRow(int end, int nx, ref int f, int start, out int rowEnd, out int next, out int fields)
        {
            f++;
            if (f >= _scratch.Length) Array.Resize(ref _scratch, _scratch.Length * 2);
            _scratch[f] = end - start + 1;
            rowEnd = end;
            next = nx;
            fields = f;
            return Step.Record;
        }
    }
}
