using System;
using System.Buffers;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.IO.Compression;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using BillingPowerShell.Engine.Files;
using BillingPowerShell.Engine.Threading;
using CsvHelper;

namespace BillingPowerShell.Engine.Usage
{
    public enum UsageCsvSchema
    {
        /// <summary>The columns exactly as Azure delivered them; chunks merged under one header.</summary>
        Native,
        /// <summary>The UsageRecord columns, the same for every agreement type.</summary>
        Normalized,
        /// <summary>FOCUS (FinOps Open Cost and Usage Specification) columns: Usage/Focus/FocusTable.</summary>
        Focus,
    }

    public sealed class UsageCsvWriterOptions
    {
        /// <summary>Replace an existing file at the path (-Force). Otherwise an existing file is an error.</summary>
        public bool Overwrite { get; set; }

        /// <summary>Normalized: prefix text starting with = + - @ tab CR with an apostrophe. On by default.</summary>
        public bool EscapeFormulas { get; set; } = true;

        /// <summary>Native: parse the rows while copying to compute the summary (row count, dates, cost). On by default.</summary>
        public bool NativeSummary { get; set; } = true;

        /// <summary>Reader options used to parse Native chunks for the summary (bad rows are still copied).</summary>
        public UsageCsvReaderOptions? ReaderOptions { get; set; }

        /// <summary>Compress with gzip. Default: when the path ends with <c>.gz</c>.</summary>
        public bool? Gzip { get; set; }

        /// <summary>Focus schema: the FOCUS version written (1.2 by default).</summary>
        public Focus.FocusVersion FocusVersion { get; set; } = Focus.FocusVersion.V1_2;
    }

    /// <summary>What was written: the final path, rows, first and last usage day, total cost per currency.</summary>
    public sealed class UsageExportSummary
    {
        public string Path { get; internal set; } = string.Empty;
        public UsageCsvSchema Schema { get; internal set; }
        public long RowCount { get; internal set; }
        /// <summary>Native only: rows that could not be parsed for the summary (copied anyway).</summary>
        public long BadRowCount { get; internal set; }
        public DateTime? StartDate { get; internal set; }
        public DateTime? EndDate { get; internal set; }
        /// <summary>Total cost per currency code (empty key when the source has no currency).</summary>
        public Dictionary<string, decimal> CostByCurrency { get; } = new Dictionary<string, decimal>(StringComparer.OrdinalIgnoreCase);
        /// <summary>Focus only: total EffectiveCost per currency (CostByCurrency then holds BilledCost).</summary>
        public Dictionary<string, decimal> EffectiveCostByCurrency { get; } = new Dictionary<string, decimal>(StringComparer.OrdinalIgnoreCase);
        public int ChunkCount { get; internal set; }
        public long Bytes { get; internal set; }

        // The currency repeats row after row: read as bytes, a string only when it changes.
        private byte[] _currencyBytes = Array.Empty<byte>();
        private string? _currency;

        private string CurrencyOf(UsageRecord r)
        {
            if (!r.TryGetRawSpan(UsageField.Currency, out var line, out int start, out int length)) return r.Currency;
            var raw = new ReadOnlySpan<byte>(line, start, length);
            if (_currency is null || !raw.SequenceEqual(_currencyBytes))
            {
                _currencyBytes = raw.ToArray();
                _currency = r.Currency;
            }
            return _currency;
        }

        /// <summary>A FOCUS row: its billed and effective cost in its currency (the record's own cost is one of the two).</summary>
        internal void AddFocus(UsageRecord r, object? currency, object? billed, object? effective)
        {
            RowCount++;
            var d = r.Date;
            if (StartDate == null || d < StartDate) StartDate = d;
            if (EndDate == null || d > EndDate) EndDate = d;
            var cur = currency as string ?? string.Empty;
            if (billed is decimal b) { CostByCurrency.TryGetValue(cur, out var t); CostByCurrency[cur] = t + b; }
            if (effective is decimal e) { EffectiveCostByCurrency.TryGetValue(cur, out var t); EffectiveCostByCurrency[cur] = t + e; }
        }

        internal void Add(UsageRecord r)
        {
            RowCount++;
            var d = r.Date;
            if (StartDate == null || d < StartDate) StartDate = d;
            if (EndDate == null || d > EndDate) EndDate = d;
            var c = r.Cost;
            if (c.HasValue)
            {
                var cur = CurrencyOf(r);
                CostByCurrency.TryGetValue(cur, out var t);
                CostByCurrency[cur] = t + c.Value;
            }
        }
    }

    /// <summary>
    /// Writes a usage CSV (<c>.csv</c> or <c>.csv.gz</c>) through a temporary file in the target folder, renamed into
    /// place by <see cref="Complete"/>. Disposing without Complete (failure, cancel, Ctrl+C) deletes the temporary
    /// file and leaves nothing at the path. Native: <see cref="WriteNativeChunkAsync"/> per blob. Normalized:
    /// <see cref="Write"/> per record.
    /// </summary>
    public sealed class UsageCsvWriter : IDisposable
    {
        private readonly string _path;
        private readonly string _tempPath;
        private readonly UsageCsvWriterOptions _opt;
        private FileStream? _file;
        private Stream? _out;          // file or gzip over it
        private CsvWriter? _text;      // Normalized
        private bool _completed, _disposed;
        private readonly UsageExportSummary _summary = new UsageExportSummary();
        // Native state
        private string? _nativeHeader;
        private byte[] _nativeNewline = { (byte)'\r', (byte)'\n' };
        private UsageColumnLayout? _nativeLayout;
        private char _nativeDelim = ',';
        private byte _lastByte = (byte)'\n';

        // Focus state: the table, its row of values, and where the summary's columns are.
        private readonly Focus.FocusTable? _table;
        private readonly object?[] _tableRow = Array.Empty<object?>();

        private UsageCsvWriter(string path, UsageCsvSchema schema, UsageCsvWriterOptions opt)
        {
            _opt = opt;
            _path = System.IO.Path.GetFullPath(path);
            var dir = System.IO.Path.GetDirectoryName(_path);
            if (string.IsNullOrEmpty(dir) || !Directory.Exists(dir))
                throw new DirectoryNotFoundException("The folder of '" + path + "' does not exist.");
            if (!opt.Overwrite && File.Exists(_path))
                throw new IOException("The file '" + _path + "' already exists.");
            AtomicFile.RemoveStalePartials(_path);
            _tempPath = AtomicFile.TempPathFor(_path);
            _summary.Schema = schema;
            _summary.Path = _path;
            _file = new FileStream(_tempPath, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16, FileOptions.Asynchronous);
            try
            {
                bool gz = opt.Gzip ?? _path.EndsWith(".gz", StringComparison.OrdinalIgnoreCase);
                _out = gz ? new GZipStream(_file, CompressionLevel.Fastest, leaveOpen: true) : (Stream)_file;
                if (schema == UsageCsvSchema.Normalized)
                {
                    _text = CsvWriter.Create(_out, NormalizedOptions, leaveOpen: true);
                    _text.WriteHeader(UsageColumnMap.NormalizedHeader.ToArray());
                }
                else if (schema == UsageCsvSchema.Focus)
                {
                    _table = new Focus.FocusTable(opt.FocusVersion);
                    _tableRow = new object?[_table.Columns.Count];
                    _text = CsvWriter.Create(_out, NormalizedOptions, leaveOpen: true);
                    _text.WriteHeader(_table.Columns.Select(c => c.Name).ToArray());
                }
            }
            catch
            {
                Abort();
                throw;
            }
        }

        public static UsageCsvWriter Create(string path, UsageCsvSchema schema, UsageCsvWriterOptions? options = null) =>
            new UsageCsvWriter(path ?? throw new ArgumentNullException(nameof(path)), schema, options ?? new UsageCsvWriterOptions());

        public UsageCsvSchema Schema => _summary.Schema;

        /// <summary>The summary so far (final after Complete).</summary>
        public UsageExportSummary Summary => _summary;

        // ---- Normalized ----------------------------------------------------------------------------------------------

        // RFC 4180 as Excel opens it: a byte order mark, CRLF, and quotes also around text with blanks at either end.
        private static readonly CsvWriterOptions NormalizedOptions = new CsvWriterOptions
        {
            WriteByteOrderMark = true,
            NewLine = "\r\n",
            Quoting = CsvQuoting.WhenNeededOrWhitespace,
            FormatProvider = CultureInfo.InvariantCulture,
        };

        /// <summary>Writes one record in the Normalized or the Focus schema.</summary>
        public void Write(UsageRecord record)
        {
            if (record == null) throw new ArgumentNullException(nameof(record));
            ThrowIfDone();
            var w = _text ?? throw new InvalidOperationException("Write(UsageRecord) is for the Normalized schema; use WriteNativeChunkAsync for Native.");
            if (_table != null) { WriteTableRow(w, record); return; }
            for (int f = 0; f < UsageColumnMap.FieldCount; f++)
            {
                var field = (UsageField)f;
                switch (field)
                {
                    case UsageField.Date: w.WriteField(record.Date, "yyyy-MM-dd".AsSpan()); break;
                    case UsageField.Quantity: WriteDecimal(w, record.Quantity); break;
                    case UsageField.EffectivePrice: WriteDecimal(w, record.EffectivePrice); break;
                    case UsageField.UnitPrice: WriteDecimal(w, record.UnitPrice); break;
                    case UsageField.Cost: WriteDecimal(w, record.Cost); break;
                    case UsageField.Tags: w.WriteField(_tags.Of(record)); break;
                    case UsageField.SourceFormat: w.WriteField(FormatNames[(int)record.SourceFormat]); break;
                    default: WriteText(w, record, field); break;
                }
            }
            w.EndRecord();
            _summary.Add(record);
        }

        // FOCUS is read by tools, not opened as a spreadsheet: values are written as the spec says, no formula escaping
        // (module/docs/Export-DailyUsage.md, "-Schema Focus"). Nulls are empty fields.
        private void WriteTableRow(CsvWriter w, UsageRecord record)
        {
            var table = _table!;
            var row = _tableRow;
            table.Fill(record, row);
            var cols = table.Columns;
            for (int i = 0; i < row.Length; i++)
            {
                switch (row[i])
                {
                    case null: w.WriteField(ReadOnlySpan<char>.Empty); break;
                    case decimal d: w.WriteField(d.ToString(CultureInfo.InvariantCulture)); break;
                    case DateTime t: w.WriteField(cols[i].Kind == UsageColumnKind.Date ? t.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture) : Focus.FocusTable.FormatTimestamp(t)); break;
                    case long n: w.WriteField(n.ToString(CultureInfo.InvariantCulture)); break;
                    case string s: w.WriteField(s); break;
                    case var o: w.WriteField(Convert.ToString(o, CultureInfo.InvariantCulture) ?? string.Empty); break;
                }
            }
            w.EndRecord();
            _summary.AddFocus(record, row[table.CurrencyColumn], row[table.BilledCostColumn], row[table.EffectiveCostColumn]);
        }

        private static readonly string[] FormatNames = Enum.GetNames(typeof(UsageFileFormat));
        private readonly UsageTagsText _tags = new UsageTagsText();

        private static void WriteDecimal(CsvWriter w, decimal? d)
        {
            if (d.HasValue) w.WriteField(d.Value.ToString(CultureInfo.InvariantCulture));
            else w.WriteField(ReadOnlySpan<char>.Empty);
        }

        // Text copied from the row as it is when it can be; a possible formula gets the apostrophe Excel reads as text.
        private void WriteText(CsvWriter w, UsageRecord record, UsageField field)
        {
            bool escape = _opt.EscapeFormulas;
            if (record.TryGetRawSpan(field, out var line, out int start, out int len))
            {
                var bytes = new ReadOnlySpan<byte>(line, start, len);
                if (!escape || !UsageValueParser.NeedsFormulaEscape(bytes)) { w.WriteField(bytes); return; }
                w.WriteField("'" + Encoding.UTF8.GetString(line, start, len));
                return;
            }
            var s = TextOf(record, field);
            w.WriteField(escape && UsageValueParser.NeedsFormulaEscape(s) ? "'" + s : s);
        }

        internal static string TextOf(UsageRecord r, UsageField f) => f switch
        {
            UsageField.BillingAccountId => r.BillingAccountId,
            UsageField.BillingProfileId => r.BillingProfileId,
            UsageField.InvoiceSectionName => r.InvoiceSectionName,
            UsageField.SubscriptionId => r.SubscriptionId,
            UsageField.SubscriptionName => r.SubscriptionName,
            UsageField.ResourceGroup => r.ResourceGroup,
            UsageField.ResourceId => r.ResourceId,
            UsageField.ResourceName => r.ResourceName,
            UsageField.ResourceLocation => r.ResourceLocation,
            UsageField.MeterId => r.MeterId,
            UsageField.MeterCategory => r.MeterCategory,
            UsageField.MeterSubCategory => r.MeterSubCategory,
            UsageField.MeterName => r.MeterName,
            UsageField.MeterRegion => r.MeterRegion,
            UsageField.ServiceFamily => r.ServiceFamily,
            UsageField.Product => r.Product,
            UsageField.UnitOfMeasure => r.UnitOfMeasure,
            UsageField.Currency => r.Currency,
            UsageField.ChargeType => r.ChargeType,
            UsageField.PricingModel => r.PricingModel,
            UsageField.Frequency => r.Frequency,
            UsageField.ReservationId => r.ReservationId,
            UsageField.ReservationName => r.ReservationName,
            UsageField.BenefitName => r.BenefitName,
            UsageField.InvoiceId => r.InvoiceId,
            UsageField.CostCenter => r.CostCenter,
            UsageField.PublisherType => r.PublisherType,
            UsageField.PublisherName => r.PublisherName,
            UsageField.AdditionalInfo => r.AdditionalInfo,
            UsageField.ProviderName => r.ProviderName,
            _ => throw new ArgumentOutOfRangeException(nameof(f)),
        };

        // ---- Native --------------------------------------------------------------------------------------------------

        /// <summary>
        /// Appends one blob of a cost details report. The first chunk is copied byte for byte (BOM and header
        /// included); later chunks must carry the same header, whose BOM and header line are dropped. With
        /// <see cref="UsageCsvWriterOptions.NativeSummary"/> the rows are parsed on the way through for the summary.
        /// </summary>
        public async Task WriteNativeChunkAsync(Stream chunk, CancellationToken cancellationToken = default)
        {
            if (chunk == null) throw new ArgumentNullException(nameof(chunk));
            ThrowIfDone();
            if (_text != null) throw new InvalidOperationException("WriteNativeChunkAsync is for the Native schema.");
            int chunkNo = ++_summary.ChunkCount;
            var (buf, len, headerEnd) = await ReadHeaderLineAsync(chunk, chunkNo, cancellationToken).ConfigureAwait(false);
            if (len == 0 && chunkNo > 1) return; // an empty blob adds nothing
            await AcceptHeaderAsync(buf, len, headerEnd, chunkNo, cancellationToken).ConfigureAwait(false);
            var leftover = new byte[len - headerEnd];
            Buffer.BlockCopy(buf, headerEnd, leftover, 0, leftover.Length);
            if (_opt.NativeSummary) await CopyWithSummaryAsync(chunk, chunkNo, leftover, buf, cancellationToken).ConfigureAwait(false);
            else await CopyAsync(chunk, leftover, buf, cancellationToken).ConfigureAwait(false);
        }

        /// <summary>
        /// Reads the chunk up to the end of its first line (Azure's headers are one line: column names never hold a
        /// line break), returning the bytes read so far and where the header ends.
        /// </summary>
        private async Task<(byte[] buf, int len, int headerEnd)> ReadHeaderLineAsync(Stream chunk, int chunkNo, CancellationToken ct)
        {
            var buf = new byte[1 << 16];
            int len = 0;
            int maxHeader = (_opt.ReaderOptions?.MaxLineLength ?? 1024 * 1024) * 3;
            while (true)
            {
                if (len == buf.Length)
                {
                    if (buf.Length >= maxHeader) throw new UsageFormatException($"chunk {chunkNo}: header line too long", _path);
                    Array.Resize(ref buf, buf.Length * 2);
                }
                int n = await chunk.ReadAsync(buf, len, buf.Length - len, ct).ConfigureAwait(false);
                int k = n == 0 ? -1 : Array.IndexOf(buf, (byte)'\n', len, n);
                len += n;
                if (k >= 0) return (buf, len, k + 1);
                if (n == 0) return (buf, len, len);
            }
        }

        // Chunk 1's header (BOM included) starts the file; a later chunk must repeat it, and only its rows are added.
        private async Task AcceptHeaderAsync(byte[] buf, int len, int headerEnd, int chunkNo, CancellationToken ct)
        {
            int bom = ByteOrderMark.Utf8Length(new ReadOnlySpan<byte>(buf, 0, len));
            if (headerEnd - bom <= 0) throw new UsageFormatException($"chunk {chunkNo} is empty: no header", _path);
            string header = Encoding.UTF8.GetString(buf, bom, headerEnd - bom).TrimEnd('\r', '\n');
            if (chunkNo == 1)
            {
                using (var hr = new UsageCsvReader(new StringReader(header + "\n"), new UsageCsvReaderOptions { SourceName = _path }))
                {
                    hr.ReadHeader();
                    _nativeLayout = hr.Layout;
                    _nativeDelim = hr.Delimiter;
                }
                _nativeHeader = header;
                _nativeNewline = headerEnd >= 2 && buf[headerEnd - 2] == (byte)'\r' ? new[] { (byte)'\r', (byte)'\n' } : new[] { (byte)'\n' };
                await WriteOut(buf, 0, headerEnd, ct).ConfigureAwait(false);
            }
            else if (!string.Equals(header, _nativeHeader, StringComparison.Ordinal))
            {
                throw new UsageFormatException(
                    $"chunk {chunkNo} has a different header from chunk 1; the chunks cannot be merged under one header", _path);
            }
            else if (_lastByte != (byte)'\n' && len > headerEnd)
            {
                await WriteOut(_nativeNewline, 0, _nativeNewline.Length, ct).ConfigureAwait(false);
            }
        }

        private async Task CopyAsync(Stream chunk, byte[] leftover, byte[] buf, CancellationToken ct)
        {
            await WriteOut(leftover, 0, leftover.Length, ct).ConfigureAwait(false);
            int n;
            while ((n = await chunk.ReadAsync(buf, 0, buf.Length, ct).ConfigureAwait(false)) > 0)
                await WriteOut(buf, 0, n, ct).ConfigureAwait(false);
        }

        /// <summary>
        /// Copies the rows and parses them for the summary. The parse runs beside the copy, fed block by block, so that
        /// it overlaps the copy instead of adding to it (bounded queue: constant memory, and the copy waits if parsing
        /// falls behind). The blocks are rented and given back by the parse once read: no garbage per block.
        /// </summary>
        private async Task CopyWithSummaryAsync(Stream chunk, int chunkNo, byte[] leftover, byte[] buf, CancellationToken cancellationToken)
        {
            var queue = new AsyncBoundedQueue<ArraySegment<byte>>(32);
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            var summaryTask = SummarizeAsync(queue, chunkNo, linked);
            try
            {
                await CopyAndQueueAsync(leftover, leftover.Length, queue, linked.Token).ConfigureAwait(false);
                int n;
                while ((n = await chunk.ReadAsync(buf, 0, buf.Length, linked.Token).ConfigureAwait(false)) > 0)
                    await CopyAndQueueAsync(buf, n, queue, linked.Token).ConfigureAwait(false);
                queue.Complete();
            }
            catch (OperationCanceledException) when (linked.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
            {
                // Only the summary parse cancels `linked` on its own: it failed, and awaiting it below rethrows why.
            }
            catch
            {
                linked.Cancel();
                try { await summaryTask.ConfigureAwait(false); } catch { /* the copy's own failure wins */ }
                throw;
            }
            await summaryTask.ConfigureAwait(false);
        }

        private async Task CopyAndQueueAsync(byte[] block, int n, AsyncBoundedQueue<ArraySegment<byte>> queue, CancellationToken ct)
        {
            if (n == 0) return;
            await WriteOut(block, 0, n, ct).ConfigureAwait(false);
            var copy = ArrayPool<byte>.Shared.Rent(n);
            Buffer.BlockCopy(block, 0, copy, 0, n);
            await queue.AddAsync(new ArraySegment<byte>(copy, 0, n), ct).ConfigureAwait(false);
        }

        private Task SummarizeAsync(AsyncBoundedQueue<ArraySegment<byte>> queue, int chunkNo, CancellationTokenSource linked)
        {
            var ro = _opt.ReaderOptions ?? new UsageCsvReaderOptions();
            var opts = ro.Clone();
            opts.SourceName = (ro.SourceName ?? "chunk") + " " + chunkNo;
            opts.OnError = e => { _summary.BadRowCount++; ro.OnError?.Invoke(e); };
            opts.ReuseRows = true; // each row is added to the summary and dropped
            var layout = _nativeLayout!;
            var delim = _nativeDelim;
            return Task.Run(async () =>
            {
                try
                {
                    using var reader = new UsageCsvReader(new QueueStream(queue, linked.Token), opts, layout, delim, leaveOpen: false);
                    UsageRecord? r;
                    while ((r = await reader.ReadAsync(linked.Token).ConfigureAwait(false)) != null) _summary.Add(r);
                }
                catch
                {
                    linked.Cancel(); // unblocks the copy loop
                    throw;
                }
            });
        }

        /// <summary>Reads the blocks handed over by the copy loop.</summary>
        private sealed class QueueStream : BillingPowerShell.Engine.Files.ReadOnlyStream
        {
            private readonly AsyncBoundedQueue<ArraySegment<byte>> _q;
            private readonly CancellationToken _ct;
            private ArraySegment<byte> _cur;
            private int _off;
            public QueueStream(AsyncBoundedQueue<ArraySegment<byte>> q, CancellationToken ct) { _q = q; _ct = ct; }

            public override async Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken ct)
            {
                while (_cur.Array == null || _off == _cur.Count)
                {
                    GiveBack();
                    var (ok, block) = await _q.TakeAsync(_ct).ConfigureAwait(false);
                    if (!ok) return 0;
                    _cur = block;
                    _off = 0;
                }
                int n = Math.Min(count, _cur.Count - _off);
                Buffer.BlockCopy(_cur.Array, _cur.Offset + _off, buffer, offset, n);
                _off += n;
                return n;
            }

            // The summary reads asynchronously; a synchronous read would have to block on the queue.
            public override int Read(byte[] buffer, int offset, int count) =>
                throw new NotSupportedException("The summary stream is read asynchronously.");

            // Every block was rented by the copy loop; it goes back to the pool once read.
            private void GiveBack()
            {
                if (_cur.Array is { } rented) ArrayPool<byte>.Shared.Return(rented);
                _cur = default;
            }
        }

        private async Task WriteOut(byte[] b, int off, int n, CancellationToken ct)
        {
            if (n <= 0) return;
            await _out!.WriteAsync(b, off, n, ct).ConfigureAwait(false);
            _lastByte = b[off + n - 1];
            _summary.Bytes += n;
        }

        // ---- commit / abort ------------------------------------------------------------------------------------------

        /// <summary>Flushes, closes and renames the temporary file to the path. Returns the summary.</summary>
        public UsageExportSummary Complete()
        {
            ThrowIfDone();
            try
            {
                if (_summary.Schema == UsageCsvSchema.Native && _summary.ChunkCount == 0)
                    throw new InvalidOperationException("Native export without any chunk: nothing to write.");
                _text?.Flush();
                _text?.Dispose();
                _text = null;
                if (!ReferenceEquals(_out, _file)) _out?.Dispose();
                _out = null;
                _file!.Flush(true);
                _file.Dispose();
                _file = null;
                if (_opt.Overwrite && File.Exists(_path)) File.Replace(_tempPath, _path, null);
                else File.Move(_tempPath, _path);
                _completed = true;
                return _summary;
            }
            catch
            {
                Abort();
                throw;
            }
        }

        private void ThrowIfDone()
        {
            if (_disposed) throw new ObjectDisposedException(nameof(UsageCsvWriter));
            if (_completed) throw new InvalidOperationException("The export is already complete.");
        }

        private void Abort()
        {
            _disposed = true;
            try { _text?.Dispose(); } catch { /* the file is being thrown away */ }
            try { if (!ReferenceEquals(_out, _file)) _out?.Dispose(); } catch { }
            try { _file?.Dispose(); } catch { }
            _text = null;
            _out = null;
            _file = null;
            try { if (File.Exists(_tempPath)) File.Delete(_tempPath); } catch { }
        }

        /// <summary>Without a prior <see cref="Complete"/>, discards everything written: nothing appears at the path.</summary>
        public void Dispose()
        {
            if (_disposed) return;
            if (!_completed) Abort();
            _disposed = true;
        }
    }
}
