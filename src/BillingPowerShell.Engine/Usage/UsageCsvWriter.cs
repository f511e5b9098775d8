using System;
using System.Buffers;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.IO.Compression;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using BillingPowerShell.Engine.Costs;
using BillingPowerShell.Engine.Threading;

namespace BillingPowerShell.Engine.Usage
{
    public enum UsageCsvSchema
    {
        /// <summary>The columns exactly as Azure delivered them; chunks merged under one header.</summary>
        Native,
        /// <summary>The UsageRecord columns, the same for every agreement type.</summary>
        Normalized,
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
        private static readonly byte[] Utf8Bom = { 0xEF, 0xBB, 0xBF };
        private readonly string _path;
        private readonly string _tempPath;
        private readonly UsageCsvWriterOptions _opt;
        private FileStream? _file;
        private Stream? _out;          // file or gzip over it
        private StreamWriter? _text;   // Normalized
        private bool _completed, _disposed;
        private readonly UsageExportSummary _summary = new UsageExportSummary();
        // Native state
        private string? _nativeHeader;
        private byte[] _nativeNewline = { (byte)'\r', (byte)'\n' };
        private UsageColumnLayout? _nativeLayout;
        private char _nativeDelim = ',';
        private byte _lastByte = (byte)'\n';

        private UsageCsvWriter(string path, UsageCsvSchema schema, UsageCsvWriterOptions opt)
        {
            _opt = opt;
            _path = System.IO.Path.GetFullPath(path);
            var dir = System.IO.Path.GetDirectoryName(_path);
            if (string.IsNullOrEmpty(dir) || !Directory.Exists(dir))
                throw new DirectoryNotFoundException("The folder of '" + path + "' does not exist.");
            if (!opt.Overwrite && File.Exists(_path))
                throw new IOException("The file '" + _path + "' already exists.");
            RemoveStaleTemps(dir!, System.IO.Path.GetFileName(_path));
            _tempPath = System.IO.Path.Combine(dir, "." + System.IO.Path.GetFileName(_path) + "." + Guid.NewGuid().ToString("N").Substring(0, 8) + ".tmp");
            _summary.Schema = schema;
            _summary.Path = _path;
            _file = new FileStream(_tempPath, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16, FileOptions.Asynchronous);
            try
            {
                bool gz = opt.Gzip ?? _path.EndsWith(".gz", StringComparison.OrdinalIgnoreCase);
                _out = gz ? new GZipStream(_file, CompressionLevel.Fastest, leaveOpen: true) : (Stream)_file;
                if (schema == UsageCsvSchema.Normalized)
                {
                    _text = new StreamWriter(_out, new UTF8Encoding(true), 1 << 16, leaveOpen: true) { NewLine = "\r\n" };
                    WriteNormalizedHeader();
                }
            }
            catch
            {
                Abort();
                throw;
            }
        }

        /// <summary>
        /// Deletes temporary files that an earlier export to the same path left behind (process killed). A temp file
        /// still being written is held with FileShare.None by its writer, so opening it fails and it is left alone.
        /// </summary>
        private static void RemoveStaleTemps(string dir, string name)
        {
            if (name.IndexOfAny(new[] { '*', '?' }) >= 0) return;
            try
            {
                foreach (var f in Directory.EnumerateFiles(dir, "." + name + ".*.tmp"))
                {
                    var middle = System.IO.Path.GetFileName(f).Substring(name.Length + 2);
                    if (middle.Length != 12) continue; // 8 hex digits + ".tmp": ours only
                    try
                    {
                        using (new FileStream(f, FileMode.Open, FileAccess.ReadWrite, FileShare.None, 1, FileOptions.DeleteOnClose)) { }
                    }
                    catch (IOException) { /* in use by a running export */ }
                    catch (UnauthorizedAccessException) { }
                }
            }
            catch (IOException) { }
            catch (UnauthorizedAccessException) { }
        }

        public static UsageCsvWriter Create(string path, UsageCsvSchema schema, UsageCsvWriterOptions? options = null) =>
            new UsageCsvWriter(path ?? throw new ArgumentNullException(nameof(path)), schema, options ?? new UsageCsvWriterOptions());

        public UsageCsvSchema Schema => _summary.Schema;

        /// <summary>The summary so far (final after Complete).</summary>
        public UsageExportSummary Summary => _summary;

        // ---- Normalized ----------------------------------------------------------------------------------------------

        private void WriteNormalizedHeader()
        {
            var h = UsageColumnMap.NormalizedHeader;
            for (int i = 0; i < h.Count; i++)
            {
                if (i > 0) _text!.Write(',');
                _text!.Write(h[i]);
            }
            _text!.Write("\r\n");
        }

        /// <summary>Writes one record in the Normalized schema.</summary>
        public void Write(UsageRecord record)
        {
            if (record == null) throw new ArgumentNullException(nameof(record));
            ThrowIfDone();
            var w = _text ?? throw new InvalidOperationException("Write(UsageRecord) is for the Normalized schema; use WriteNativeChunkAsync for Native.");
            // The row is assembled in one char buffer; unquoted source text is copied straight from the row string.
            _rn = 0;
            for (int f = 0; f < UsageColumnMap.FieldCount; f++)
            {
                if (f > 0) Put(',');
                var field = (UsageField)f;
                switch (field)
                {
                    case UsageField.Date: PutDate(record.Date); break;
                    case UsageField.Quantity: PutDec(record.Quantity); break;
                    case UsageField.EffectivePrice: PutDec(record.EffectivePrice); break;
                    case UsageField.UnitPrice: PutDec(record.UnitPrice); break;
                    case UsageField.Cost: PutDec(record.Cost); break;
                    case UsageField.Tags: PutText(TagsText(record), false); break;
                    case UsageField.SourceFormat: Put(FormatNames[(int)record.SourceFormat]); break;
                    default:
                        if (record.TryGetRawSpan(field, out var line, out int start, out int len)) PutRaw(line, start, len, _opt.EscapeFormulas);
                        else PutText(TextOf(record, field), _opt.EscapeFormulas);
                        break;
                }
            }
            Put('\r');
            Put('\n');
            w.Write(_row, 0, _rn);
            _summary.Add(record);
        }

        private static readonly string[] FormatNames = Enum.GetNames(typeof(UsageFileFormat));
        private char[] _row = new char[4096];
        private int _rn;
        private readonly Dictionary<string, string> _tagCache = new Dictionary<string, string>(StringComparer.Ordinal);

        // Tags repeat from row to row (same resource, same tags): format each distinct source text once.
        private string TagsText(UsageRecord r)
        {
            if (r.TagsMaterialized) return UsageValueParser.FormatTags(r.Tags); // the caller may have changed them
            var raw = r.RawField(UsageField.Tags);
            if (string.IsNullOrWhiteSpace(raw)) return string.Empty;
            if (_tagCache.TryGetValue(raw!, out var t)) return t;
            UsageValueParser.TryParseTags(raw, out var tags);
            t = UsageValueParser.FormatTags(tags);
            if (_tagCache.Count >= 4096) _tagCache.Clear();
            _tagCache[raw!] = t;
            return t;
        }

        private void Ensure(int n)
        {
            if (_rn + n > _row.Length) Array.Resize(ref _row, Math.Max(_row.Length * 2, _rn + n));
        }

        private void Put(char c)
        {
            if (_rn == _row.Length) Ensure(1);
            _row[_rn++] = c;
        }

        private void Put(string s)
        {
            Ensure(s.Length);
            s.CopyTo(0, _row, _rn, s.Length);
            _rn += s.Length;
        }

        private void PutDate(DateTime d)
        {
            Ensure(10);
            int y = d.Year, m = d.Month, day = d.Day;
            _row[_rn++] = (char)('0' + y / 1000 % 10);
            _row[_rn++] = (char)('0' + y / 100 % 10);
            _row[_rn++] = (char)('0' + y / 10 % 10);
            _row[_rn++] = (char)('0' + y % 10);
            _row[_rn++] = '-';
            _row[_rn++] = (char)('0' + m / 10);
            _row[_rn++] = (char)('0' + m % 10);
            _row[_rn++] = '-';
            _row[_rn++] = (char)('0' + day / 10);
            _row[_rn++] = (char)('0' + day % 10);
        }

        private void PutDec(decimal? d)
        {
            if (d.HasValue) Put(d.Value.ToString(CultureInfo.InvariantCulture));
        }

        private void PutRaw(byte[] line, int start, int len, bool escape)
        {
            if (len == 0) return;
            byte first = line[start], last = line[start + len - 1];
            // Leading/trailing blanks or non-ASCII ends: let the string path decide about quoting.
            bool quote = first <= (byte)' ' || last <= (byte)' ' || first >= 0x80 || last >= 0x80;
            for (int i = start; i < start + len && !quote; i++)
            {
                byte c = line[i];
                quote = c == (byte)',' || c == (byte)'"' || c == (byte)'\r' || c == (byte)'\n';
            }
            if (quote)
            {
                PutText(Encoding.UTF8.GetString(line, start, len), escape);
                return;
            }
            if (escape && NeedsFormulaEscape(line, start, len)) Put('\'');
            Ensure(len);
            _rn += Encoding.UTF8.GetChars(line, start, len, _row, _rn);
        }

        private static bool NeedsFormulaEscape(byte[] s, int start, int len)
        {
            int i = start, end = start + len;
            while (i < end && s[i] == (byte)'\'') i++;
            return i < end && UsageValueParser.IsFormulaTrigger((char)s[i]);
        }

        private void PutText(string s, bool escape)
        {
            if (s.Length == 0) return;
            if (escape && UsageValueParser.NeedsFormulaEscape(s)) s = "'" + s;
            bool quote = s.IndexOfAny(QuoteTriggers) >= 0 || char.IsWhiteSpace(s[0]) || char.IsWhiteSpace(s[s.Length - 1]);
            if (!quote) { Put(s); return; }
            Ensure(s.Length * 2 + 2);
            _row[_rn++] = '"';
            foreach (char c in s)
            {
                if (c == '"') _row[_rn++] = '"';
                _row[_rn++] = c;
            }
            _row[_rn++] = '"';
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
            _ => throw new ArgumentOutOfRangeException(nameof(f)),
        };

        private static readonly char[] QuoteTriggers = { ',', '"', '\r', '\n' };

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
            var buf = new byte[1 << 16];
            int len = 0, headerEnd = -1;
            bool inQuotes = false;
            int maxHeader = (_opt.ReaderOptions?.MaxLineLength ?? 1024 * 1024) * 3;
            // Find the end of the header line (a quoted header may in theory contain a newline).
            while (headerEnd < 0)
            {
                if (len == buf.Length)
                {
                    if (buf.Length >= maxHeader) throw new UsageFormatException($"chunk {chunkNo}: header line too long", _path);
                    Array.Resize(ref buf, buf.Length * 2);
                }
                int n = await chunk.ReadAsync(buf, len, buf.Length - len, cancellationToken).ConfigureAwait(false);
                int scanFrom = len;
                len += n;
                for (int i = scanFrom; i < len; i++)
                {
                    if (buf[i] == (byte)'"') inQuotes = !inQuotes;
                    else if (buf[i] == (byte)'\n' && !inQuotes) { headerEnd = i + 1; break; }
                }
                if (n == 0) { if (headerEnd < 0) headerEnd = len; break; }
            }
            int bom = len >= 3 && buf[0] == 0xEF && buf[1] == 0xBB && buf[2] == 0xBF ? 3 : 0;
            if (headerEnd == 0 || headerEnd - bom == 0)
            {
                if (len == 0 && chunkNo > 1) return; // an empty blob adds nothing
                throw new UsageFormatException($"chunk {chunkNo} is empty: no header", _path);
            }
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
                await WriteOut(buf, 0, headerEnd, cancellationToken).ConfigureAwait(false);
            }
            else if (!string.Equals(header, _nativeHeader, StringComparison.Ordinal))
            {
                throw new UsageFormatException(
                    $"chunk {chunkNo} has a different header from chunk 1; the chunks cannot be merged under one header", _path);
            }
            else if (_lastByte != (byte)'\n' && len > headerEnd)
            {
                await WriteOut(_nativeNewline, 0, _nativeNewline.Length, cancellationToken).ConfigureAwait(false);
            }

            var leftover = new byte[len - headerEnd];
            Buffer.BlockCopy(buf, headerEnd, leftover, 0, leftover.Length);
            if (!_opt.NativeSummary)
            {
                await WriteOut(leftover, 0, leftover.Length, cancellationToken).ConfigureAwait(false);
                int n;
                while ((n = await chunk.ReadAsync(buf, 0, buf.Length, cancellationToken).ConfigureAwait(false)) > 0)
                    await WriteOut(buf, 0, n, cancellationToken).ConfigureAwait(false);
                return;
            }
            var ro = _opt.ReaderOptions ?? new UsageCsvReaderOptions();
            var opts = ro.Clone();
            opts.SourceName = (ro.SourceName ?? "chunk") + " " + chunkNo;
            opts.OnError = e => { _summary.BadRowCount++; ro.OnError?.Invoke(e); };
            opts.ReuseRows = true; // each row is added to the summary and dropped
            // The summary parse runs beside the copy, fed block by block, so that it overlaps the copy instead of
            // adding to it (bounded queue: constant memory, and the copy waits if parsing falls behind). The blocks are
            // rented and given back by the parse once read: a report is copied without garbage per block.
            var queue = new AsyncBoundedQueue<ArraySegment<byte>>(32);
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            var layout = _nativeLayout!;
            var delim = _nativeDelim;
            var summaryTask = Task.Run(async () =>
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
            try
            {
                if (leftover.Length > 0)
                {
                    await WriteOut(leftover, 0, leftover.Length, linked.Token).ConfigureAwait(false);
                    var first = ArrayPool<byte>.Shared.Rent(leftover.Length);
                    Buffer.BlockCopy(leftover, 0, first, 0, leftover.Length);
                    await queue.AddAsync(new ArraySegment<byte>(first, 0, leftover.Length), linked.Token).ConfigureAwait(false);
                }
                int n;
                while ((n = await chunk.ReadAsync(buf, 0, buf.Length, linked.Token).ConfigureAwait(false)) > 0)
                {
                    await WriteOut(buf, 0, n, linked.Token).ConfigureAwait(false);
                    var copy = ArrayPool<byte>.Shared.Rent(n);
                    Buffer.BlockCopy(buf, 0, copy, 0, n);
                    await queue.AddAsync(new ArraySegment<byte>(copy, 0, n), linked.Token).ConfigureAwait(false);
                }
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

        public Task<UsageExportSummary> CompleteAsync() => Task.FromResult(Complete());

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
