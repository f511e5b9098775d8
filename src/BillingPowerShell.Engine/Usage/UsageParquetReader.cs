#if NET8_0_OR_GREATER
using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Runtime.ExceptionServices;
using System.Threading;
using System.Threading.Tasks;
using Parquet;
using Parquet.Schema;

namespace BillingPowerShell.Engine.Usage
{
    /// <summary>
    /// Streams <see cref="UsageRecord"/>s from a Parquet file, one row group at a time (memory bounded by the largest
    /// row group): Microsoft's cost exports in Parquet (docs/contracts/azure-api/EXPORTS.md, "Data files") and our own
    /// Normalized Parquet. The column names are the header: the format and the fields come from the same detector and
    /// the same column map as a CSV's (<see cref="UsageFormatDetector"/>, <see cref="UsageColumnMap"/>), so a
    /// format the CSV reader learns is read from Parquet too. A record points into its row group's columns and reads
    /// each field as the text a CSV of it would hold, with the same Date and Cost checks; a DECIMAL Cost is taken as it
    /// is typed. Bad rows are reported by row number.
    /// </summary>
    internal sealed class UsageParquetReader : IUsageFileReader
    {
        private readonly FileStream _stream;
        private readonly ParquetReader _reader;
        private readonly UsageCsvReaderOptions _opt;
        private readonly string? _name;
        private UsageColumnLayout? _layout;
        private DataField[] _fields = Array.Empty<DataField>();
        private Action<UsageRowError>? _errorSink;
        private long _rowNumber;

        private UsageParquetReader(FileStream stream, ParquetReader reader, UsageCsvReaderOptions options)
        {
            _stream = stream;
            _reader = reader;
            _opt = options;
            _name = options.SourceName;
        }

        public static UsageParquetReader Open(string path, UsageCsvReaderOptions? options = null)
        {
            var opt = (options ?? new UsageCsvReaderOptions()).Clone();
            opt.SourceName ??= path;
            var fs = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.RandomAccess);
            try
            {
                if (!HasMagic(fs)) throw new UsageFormatException("not a Parquet file: it does not start and end with PAR1 (a CSV named .parquet?)", opt.SourceName);
                var reader = Task.Run(() => ParquetReader.CreateAsync(fs, null, true, CancellationToken.None)).GetAwaiter().GetResult();
                return new UsageParquetReader(fs, reader, opt);
            }
            catch (Exception ex) when (ex is ParquetException || ex is InvalidDataException || ex is Parquet.Meta.Proto.ThriftProtocolException)
            {
                fs.Dispose();
                throw new UsageFormatException("not a Parquet file (" + ex.Message + ")", opt.SourceName, null, ex);
            }
            catch
            {
                fs.Dispose();
                throw;
            }
        }

        // Parquet files start and end with the 4 bytes PAR1 (the footer's length and PAR1 before the end).
        private static bool HasMagic(FileStream fs)
        {
            if (fs.Length < 12) return false;
            Span<byte> head = stackalloc byte[4], tail = stackalloc byte[4];
            fs.Position = 0;
            fs.ReadExactly(head);
            fs.Position = fs.Length - 4;
            fs.ReadExactly(tail);
            fs.Position = 0;
            return head.SequenceEqual("PAR1"u8) && tail.SequenceEqual("PAR1"u8);
        }

        public UsageFileFormat Format => _layout?.Format ?? UsageFileFormat.Unknown;
        public IReadOnlyList<string>? Header => _layout?.Names;
        public long RowCount { get; private set; }
        public long ErrorCount { get; private set; }

        public UsageFileFormat ReadHeader()
        {
            if (_layout != null) return _layout.Format;
            _fields = _reader.Schema.GetDataFields();
            var names = _fields.Select(f => f.Name).ToArray();
            var format = UsageFormatDetector.Detect(names);
            if (format == UsageFileFormat.Unknown)
                throw new UsageFormatException("unrecognised columns (" + string.Join(",", names.Take(6)) + (names.Length > 6 ? ",…" : "") +
                    "). Recognised formats: " + UsageFormatDetector.RecognisedFormatsText, _name);
            // Parquet holds text as it is: no spreadsheet ever read it, so our Normalized Parquet has no formula escapes.
            _layout = new UsageColumnLayout(names, format, _opt.CostMetric == BillingPowerShell.Engine.Costs.CostMetric.AmortizedCost, unescapeFormulas: false);
            return format;
        }

        /// <summary>Every good record, row group after row group.</summary>
        public IEnumerable<UsageRecord> ReadAll(CancellationToken cancellationToken = default)
        {
            ReadHeader();
            var layout = _layout!;
            var costColumn = layout.Col(UsageField.Cost);
            var dateColumn = layout.Col(UsageField.Date);
            // The next row group is read while this one's rows are checked and handed on: reading a group is most of
            // the work, and the consumer would otherwise wait for each (the prefetch queue holds a few thousand rows).
            var next = _reader.RowGroupCount > 0 ? ReadGroup(0, cancellationToken) : null;
            try
            {
                for (var g = 0; g < _reader.RowGroupCount; g++)
                {
                    var columns = next!.GetAwaiter().GetResult();
                    next = g + 1 < _reader.RowGroupCount ? ReadGroup(g + 1, cancellationToken) : null;
                    var store = new RowGroup(columns);
                    var rows = columns.Length == 0 ? 0 : columns[0].Count;
                    for (var r = 0; r < rows; r++)
                    {
                        _rowNumber++;
                        var record = new UsageRecord(layout, store, r);
                        DateTime? day = null;
                        decimal? cost = null;
                        var typedDay = dateColumn >= 0 && columns[dateColumn].TryGetDay(r, out day);
                        var typedCost = costColumn >= 0 && columns[costColumn].TryGetDecimal(r, out cost);
                        if (!Validate(record, typedDay, day, typedCost, cost)) continue;
                        RowCount++;
                        yield return record;
                    }
                }
            }
            finally
            {
                // Left early: the group being read still uses the file, which the caller is about to close.
                try { next?.Wait(CancellationToken.None); } catch (AggregateException) { }
            }
        }

        private Task<ParquetColumnValues[]> ReadGroup(int g, CancellationToken ct) => Task.Run(async () =>
        {
            ct.ThrowIfCancellationRequested();
            using var group = _reader.OpenRowGroupReader(g);
            return await ReadGroupAsync(g, group, checked((int)group.RowCount), ct).ConfigureAwait(false);
        }, ct);

        // Text and DECIMAL columns of the common layout are read from their pages by our decoder, the rest by Parquet.Net.
        private async Task<ParquetColumnValues[]> ReadGroupAsync(int g, ParquetRowGroupReader group, int rows, CancellationToken ct)
        {
            var columns = new ParquetColumnValues[_fields.Length];
            var chunks = _reader.Metadata?.RowGroups[g].Columns;
            var schema = _reader.Metadata?.Schema;
            var flat = chunks != null && schema != null && chunks.Count == _fields.Length && schema.Count == _fields.Length + 1;
            for (var i = 0; i < _fields.Length; i++)
            {
                ct.ThrowIfCancellationRequested();
                columns[i] = (flat ? ParquetChunkDecoder.TryRead(_stream.SafeFileHandle, chunks![i], schema![i + 1], _fields[i], rows, _name) : null)
                    ?? await ReadWithParquetNetAsync(g, group, _fields[i], rows, ct).ConfigureAwait(false);
            }
            return columns;
        }

        // Parquet.Net says what is wrong with a corrupt column in its own exception types; the import says it as a usage
        // file error naming the column (UnrecognisedUsageFile), whatever the type.
        private async Task<ParquetColumnValues> ReadWithParquetNetAsync(int g, ParquetRowGroupReader group, DataField field, int rows, CancellationToken ct)
        {
            try { return await ParquetColumnValues.ReadAsync(group, field, rows, ct).ConfigureAwait(false); }
            catch (Exception ex) when (!(ex is OperationCanceledException) && !(ex is OutOfMemoryException))
            {
                throw new UsageFormatException($"column '{field.Name}' of row group {g + 1} cannot be read: {ex.Message}", _name, null, ex);
            }
        }

        /// <summary>A row group's columns, which its records read their fields from (no row is copied out of them).</summary>
        private sealed class RowGroup : UsageColumnStore
        {
            private readonly ParquetColumnValues[] _columns;
            public RowGroup(ParquetColumnValues[] columns) => _columns = columns;
            public override int ColumnCount => _columns.Length;

            public override void Locate(int column, int row, out byte[] array, out int start, out int length) =>
                _columns[column].Locate(row, out array, out start, out length);
        }

        // The CSV reader's row checks (UsageCsvReader, Validate): a Date is required, a Cost must be a number. A DATE or
        // TIMESTAMP date and a DECIMAL cost are taken as typed.
        private bool Validate(UsageRecord rec, bool typedDay, DateTime? day, bool typedCost, decimal? cost)
        {
            if (typedDay && day == null)
            {
                Report($"missing date in column '{ColName(UsageField.Date)}'");
                return false;
            }
            if (typedDay) rec.CacheDate(day!.Value);
            else if (!rec.TryGetDate(out _, out var rawDate))
            {
                Report(string.IsNullOrWhiteSpace(rawDate) ? $"missing date in column '{ColName(UsageField.Date)}'"
                    : $"invalid date '{rawDate}' in column '{ColName(UsageField.Date)}' (expected a DATE, a TIMESTAMP or yyyy-MM-dd text)");
                return false;
            }
            if (!typedCost && !rec.TryGetDecimal(UsageField.Cost, out cost, out _))
            {
                Report($"invalid number '{rec.RawField(UsageField.Cost)}' in column '{ColName(UsageField.Cost)}'");
                return false;
            }
            rec.CacheCost(cost);
            return true;
        }

        private string ColName(UsageField f)
        {
            var c = _layout!.Col(f);
            return c < 0 ? f.ToString() : _layout.Names[c];
        }

        private void Report(string reason)
        {
            ErrorCount++;
            (_errorSink ?? _opt.OnError)?.Invoke(new UsageRowError(_name, _rowNumber, "row " + _rowNumber + ": " + reason));
            if (ErrorCount > _opt.MaxErrors)
                throw new UsageFormatException($"more than {_opt.MaxErrors} bad rows: giving up (is this a usage file?)", _name, _rowNumber);
        }

        /// <summary>
        /// Reads on a background thread, a few batches ahead of the consumer; bad rows and exceptions reach the consuming
        /// thread in file order (as <see cref="UsageCsvReader.ReadAllPrefetched"/>).
        /// </summary>
        public IEnumerable<UsageRecord> ReadAllPrefetched(int batchSize = UsagePrefetch.BatchSize, int maxBatchesAhead = UsagePrefetch.BatchesAhead, CancellationToken cancellationToken = default)
        {
            if (batchSize < 1) throw new ArgumentOutOfRangeException(nameof(batchSize));
            if (maxBatchesAhead < 1) throw new ArgumentOutOfRangeException(nameof(maxBatchesAhead));
            ReadHeader();
            using var queue = new BlockingCollection<object[]>(maxBatchesAhead);
            using var cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            var consumerOnError = _opt.OnError;
            var pending = new List<object>(batchSize);
            Exception? failure = null;
            _errorSink = e => pending.Add(e);
            var producer = Task.Factory.StartNew(() => Produce(queue, pending, batchSize, cts.Token, ex => failure = ex),
                CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
            try
            {
                foreach (var batch in queue.GetConsumingEnumerable(cancellationToken))
                    foreach (var item in batch)
                    {
                        if (item is UsageRecord rec) yield return rec;
                        else consumerOnError?.Invoke((UsageRowError)item);
                    }
                producer.Wait(CancellationToken.None);
                if (failure != null) ExceptionDispatchInfo.Capture(failure).Throw();
            }
            finally
            {
                cts.Cancel();
                ((IAsyncResult)producer).AsyncWaitHandle.WaitOne(); // cancelled: the producer stops at its next batch
                _errorSink = null;
            }
        }

        private void Produce(BlockingCollection<object[]> queue, List<object> pending, int batchSize, CancellationToken ct, Action<Exception> fail)
        {
            try
            {
                foreach (var r in ReadAll(ct))
                {
                    pending.Add(r);
                    if (pending.Count < batchSize) continue;
                    queue.Add(pending.ToArray(), ct);
                    pending.Clear();
                }
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested) { }
            catch (Exception ex) { fail(ex); } // rethrown on the consuming thread after the rows read before it
            try
            {
                if (pending.Count > 0 && !ct.IsCancellationRequested) queue.Add(pending.ToArray(), ct);
            }
            catch (OperationCanceledException) { }
            finally { queue.CompleteAdding(); }
        }

        public void Dispose()
        {
            _reader.DisposeAsync().AsTask().GetAwaiter().GetResult(); // closes nothing of ours: the stream is left open
            _stream.Dispose();
        }
    }
}
#endif
