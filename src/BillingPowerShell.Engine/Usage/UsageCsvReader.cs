using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Runtime.CompilerServices;
using System.Runtime.ExceptionServices;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using BillingPowerShell.Engine.Files;
using CsvHelper;

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

        /// <summary>
        /// A FOCUS file's Cost: BilledCost (ActualCost, the default: what the invoice bills) or EffectiveCost
        /// (AmortizedCost). Files of Azure's other formats carry the one metric they were made with.
        /// </summary>
        public BillingPowerShell.Engine.Costs.CostMetric CostMetric { get; set; } = BillingPowerShell.Engine.Costs.CostMetric.ActualCost;

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
    /// the bytes) at constant memory. The CSV itself (RFC 4180 quoting, byte order marks, UTF-16, the separator: comma,
    /// or semicolon/tab/pipe as detected, or Excel's <c>sep=</c> line) is CsvHelper's; what is ours is the usage file:
    /// the header's format, the legacy portal file's sections, and the row checks. Date (required) and Cost (when
    /// present) are parsed while reading, so a bad value there is a bad row reported through
    /// <see cref="UsageCsvReaderOptions.OnError"/> with its file and line. Other numbers are parsed when first read;
    /// text that is not a number then reads as null (the raw text stays in SourceColumns). Whole-input problems
    /// (unknown header, binary data, corrupt gzip, too many bad rows) throw <see cref="UsageFormatException"/>.
    /// Not thread-safe; records are independent of the reader and may be kept.
    /// </summary>
    public sealed class UsageCsvReader : IUsageFileReader
    {
        private readonly CsvReader _csv;
        private readonly UsageCsvReaderOptions _opt;
        private readonly string? _name;
        private readonly long _lineOffset;   // lines before this stream (a later chunk of a Native export: its header)
        private UsageRowBuilder? _rows;
        private State _state = State.Header;
        private UsageColumnLayout? _layout;
        private bool _legacy;
        private Action<UsageRowError>? _errorSink;

        private enum State { Header, LegacySkip, Rows, Done }
        private enum Step { Record, Continue, End }

        public UsageCsvReader(Stream stream, UsageCsvReaderOptions? options = null, bool leaveOpen = false)
            : this(options, null, 0)
        {
            _csv = CsvReader.Create(Guarded(stream, leaveOpen), CsvOptions(null), leaveOpen: false);
        }

        public UsageCsvReader(TextReader reader, UsageCsvReaderOptions? options = null, bool leaveOpen = false)
            : this(options, null, 0)
        {
            _csv = CsvReader.Create(reader ?? throw new ArgumentNullException(nameof(reader)), CsvOptions(null), leaveOpen);
        }

        /// <summary>Continues a file whose header is already known (later chunks of a Native export).</summary>
        internal UsageCsvReader(Stream stream, UsageCsvReaderOptions? options, UsageColumnLayout layout, char delimiter, bool leaveOpen)
            : this(options, layout, 1)
        {
            _csv = CsvReader.Create(Guarded(stream, leaveOpen), CsvOptions(delimiter), leaveOpen: false);
            _state = State.Rows;
        }

        private UsageCsvReader(UsageCsvReaderOptions? options, UsageColumnLayout? layout, long lineOffset)
        {
            _opt = options ?? new UsageCsvReaderOptions();
            if (_opt.MaxLineLength < 16) throw new ArgumentOutOfRangeException(nameof(options), "MaxLineLength must be at least 16.");
            _name = _opt.SourceName;
            _layout = layout;
            _lineOffset = lineOffset;
            _csv = null!; // set by the public constructors, which need the options first
        }

        private Stream Guarded(Stream stream, bool leaveOpen) =>
            new LongLineGuardStream(new UsageInputStream(stream, leaveOpen, _name), _opt.MaxLineLength);

        private CsvReaderOptions CsvOptions(char? separator) => new CsvReaderOptions
        {
            Separator = separator,
            DetectSeparatorHint = separator == null,
            HasHeader = false,                 // the header is ours to find: the legacy portal file has sections
            SkipEmptyLines = false,            // an empty line ends the legacy Daily usage section
            TrackLineNumbers = true,           // bad rows are reported by file and line
            MalformedData = CsvMalformedDataHandling.Skip,
            FieldCountMismatch = CsvFieldCountHandling.Allow, // checked against the header here, the legacy way too
            OnMalformedRecord = OnMalformed,
            // A record of many lines (an unbalanced quote) is bounded here; a long physical line by LongLineGuardStream.
            MaxRecordSize = Math.Max(_opt.MaxLineLength * 4, 1 << 20),
        };

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
        internal char Delimiter => _csv.Separator;

        /// <summary>Good records returned so far.</summary>
        public long RowCount { get; private set; }

        /// <summary>Bad rows reported so far.</summary>
        public long ErrorCount { get; private set; }

        /// <summary>Physical line number where the last row read starts.</summary>
        public long LineNumber => _csv.LineNumber + _lineOffset;

        /// <summary>Reads up to and including the header; returns the format. Idempotent.</summary>
        public UsageFileFormat ReadHeader()
        {
            while (_state == State.Header || _state == State.LegacySkip)
            {
                if (Next(CsvRead()) == Step.End) break;
            }
            return Format;
        }

        /// <summary>The next good record, or null at the end.</summary>
        public UsageRecord? Read()
        {
            while (true)
            {
                switch (Next(CsvRead()))
                {
                    case Step.Record: return _rows!.Last;
                    case Step.End: return null;
                }
            }
        }

        /// <summary>The next good record, or null at the end. Completes synchronously while the buffer has rows.</summary>
        public async ValueTask<UsageRecord?> ReadAsync(CancellationToken cancellationToken = default)
        {
            while (true)
            {
                bool more;
                try { more = await _csv.ReadAsync(cancellationToken).ConfigureAwait(false); }
                catch (CsvFormatException ex) { throw TooLong(ex); }
                switch (Next(more))
                {
                    case Step.Record: return _rows!.Last;
                    case Step.End: return null;
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
        public IEnumerable<UsageRecord> ReadAllPrefetched(int batchSize = UsagePrefetch.BatchSize, int maxBatchesAhead = UsagePrefetch.BatchesAhead, CancellationToken cancellationToken = default)
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

        public void Dispose() => _csv.Dispose();

        // ---- rows --------------------------------------------------------------------------------------------------

        private bool CsvRead()
        {
            try { return _csv.Read(); }
            catch (CsvFormatException ex) { throw TooLong(ex); }
        }

        // CsvHelper throws only for a record beyond MaxRecordSize (malformed quoting is skipped and reported).
        private UsageFormatException TooLong(CsvFormatException ex) =>
            new UsageFormatException($"a row runs on for more than {_csv.Options.MaxRecordSize} bytes (an unbalanced quote?): the rest of the file cannot be read as rows", _name, ex.LineNumber > 0 ? ex.LineNumber + _lineOffset : (long?)null, ex);

        /// <summary>What the row CsvHelper is on means here: the header, a section of the legacy file, or a record.</summary>
        private Step Next(bool more)
        {
            if (!more)
            {
                if (_state == State.Header) throw new UsageFormatException("the file is empty: no header row", _name);
                if (_state == State.LegacySkip)
                    throw new UsageFormatException("legacy portal usage file without a 'Daily usage' section header", _name);
                _state = State.Done;
                return Step.End;
            }
            switch (_state)
            {
                case State.Done: return Step.End;
                case State.Header: return HeaderRow();
                case State.LegacySkip: return LegacySectionRow();
                default: return DataRow();
            }
        }

        private Step HeaderRow()
        {
            var raw = _csv.RawRecord;
            if (raw.Length == 0) return Step.Continue; // leading blank line
            if (IsLongLine(raw))
                throw new UsageFormatException($"a line before the header ends is longer than {_opt.MaxLineLength} bytes: not a usage CSV file", _name, LineNumber);
            var names = HeaderNames();
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
                    _name, LineNumber);
            }
            _legacy = format == UsageFileFormat.LegacyPortalDailyUsage;
            _layout = new UsageColumnLayout(names, format, _opt.CostMetric == BillingPowerShell.Engine.Costs.CostMetric.AmortizedCost);
            _state = State.Rows;
            return Step.Continue;
        }

        private Step LegacySectionRow()
        {
            var raw = _csv.RawRecord;
            if (raw.Length == 0 || IsLongLine(raw)) return Step.Continue;
            var names = HeaderNames();
            if (UsageFormatDetector.Detect(names) == UsageFileFormat.LegacyPortalDailyUsage)
            {
                _layout = new UsageColumnLayout(names, UsageFileFormat.LegacyPortalDailyUsage);
                _state = State.Rows;
            }
            return Step.Continue;
        }

        [MethodImpl(UsageValueParser.Hot)] // every row: compiled optimised at once, the first 100k rows count
        private Step DataRow()
        {
            var raw = _csv.RawRecord;
            if (raw.Length == 0)
            {
                if (!_legacy) return Step.Continue;
                _state = State.Done; // the end of the Daily usage section
                return Step.End;
            }
            if (_legacy && _csv.FieldCount >= 1 && IsSectionTitle(_csv))
            {
                _state = State.Done;
                return Step.End;
            }
            var layout = _layout!;
            string? problem =
                IsLongLine(raw) ? $"row longer than {_opt.MaxLineLength} bytes (unbalanced quote?); skipped to the next line"
                : _csv.FieldCount != layout.ColumnCount ? $"expected {layout.ColumnCount} fields, found {_csv.FieldCount}"
                : raw.IndexOf((byte)0) >= 0 ? "NUL character in the row (binary data)"
                : null;
            if (problem != null)
            {
                Report(LineNumber, problem);
                return Step.Continue;
            }
            _rows ??= new UsageRowBuilder(_opt.ReuseRows);
            var rec = _rows.Build(_csv, layout);
            if (rec == null)
            {
                Report(LineNumber, "invalid byte sequence for the file's encoding (UTF-8 expected)");
                return Step.Continue;
            }
            if (!Validate(rec, LineNumber)) return Step.Continue;
            RowCount++;
            return Step.Record;
        }

        private static bool IsLongLine(ReadOnlySpan<byte> raw) => raw.SequenceEqual(LongLineGuardStream.Marker);

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

        // CsvHelper skips rows whose quoting is broken and says so here, on the reading thread, in file order.
        private void OnMalformed(CsvMalformedRecord m)
        {
            string reason = m.Reason switch
            {
                CsvMalformedReason.StrayQuote => "quote character inside an unquoted field",
                CsvMalformedReason.TextAfterClosingQuote => "unexpected character after a closing quote",
                CsvMalformedReason.UnterminatedQuote => "unbalanced quote: a quoted field is still open at the end of the file",
                _ => "malformed row (" + m.Reason + ")",
            };
            if (_state == State.Header) throw new UsageFormatException("malformed header: " + reason, _name, m.LineNumber + _lineOffset);
            if (_state == State.Rows) Report(m.LineNumber + _lineOffset, reason);
        }

        private void Report(long line, string reason)
        {
            ErrorCount++;
            (_errorSink ?? _opt.OnError)?.Invoke(new UsageRowError(_name, line, reason));
            if (ErrorCount > _opt.MaxErrors)
                throw new UsageFormatException($"more than {_opt.MaxErrors} bad rows: giving up (is this a usage file?)", _name, line);
        }

        private string[] HeaderNames()
        {
            var names = new string[_csv.FieldCount];
            for (int i = 0; i < names.Length; i++) names[i] = _csv.GetString(i) ?? string.Empty;
            if (names.Length > 0) names[0] = ByteOrderMark.TrimChar(names[0]); // a text reader may hand the mark on
            foreach (var n in names)
            {
                foreach (char c in n)
                {
                    if (c == '\0' || (c < 0x20 && c != '\t') || c == '\uFFFD')
                        throw new UsageFormatException("the header is not text: binary data or an encoding other than UTF-8/UTF-16", _name, LineNumber);
                }
            }
            return names;
        }

        private static string Preview(string[] names)
        {
            var p = string.Join(",", names.Take(6).Select(n => n.Length > 30 ? n.Substring(0, 30) + "…" : n));
            return names.Length > 6 ? p + ",…" : p;
        }

        private static bool IsSectionTitle(CsvReader csv)
        {
            for (int f = 1; f < csv.FieldCount; f++)
            {
                if (!csv.GetSpan(f).IsEmpty) return false;
            }
            var first = csv.GetSpan(0);
            return first.Length > 0 && first.Length < 40 && UsageFormatDetector.IsLegacySectionTitle(csv.GetString(0) ?? string.Empty);
        }

        private static bool IsSectionTitle(string[] names) =>
            names.Length > 0 && UsageFormatDetector.IsLegacySectionTitle(names[0]) && names.Skip(1).All(n => n.Trim().Length == 0);
    }
}
