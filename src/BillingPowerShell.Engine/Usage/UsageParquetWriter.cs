#if NET8_0_OR_GREATER
using System;
using System.Collections.Generic;
using System.IO;
using System.Threading;
using System.Threading.Tasks;
using BillingPowerShell.Engine.Files;
using Parquet;
using Parquet.Schema;

namespace BillingPowerShell.Engine.Usage
{
    /// <summary>
    /// Writes any <see cref="IUsageTable"/> to a snappy Parquet file through a temporary file in the target folder
    /// (<see cref="AtomicFile"/>), renamed into place by <see cref="CompleteAsync"/>; disposing without it deletes the
    /// temporary file. Rows are buffered per column and written as one row group every <see cref="RowGroupSize"/> rows
    /// (<see cref="RowGroupSizeFor"/>: fewer rows for wider tables), so memory stays flat however long the export.
    /// Column kinds map to Parquet types: Decimal to
    /// DECIMAL(precision, scale), Date to DATE, Timestamp to TIMESTAMP (UTC), Int64 to INT64, String and Json to
    /// UTF-8 strings (Json is the text as written).
    /// </summary>
    internal sealed class UsageParquetWriter : IAsyncDisposable, IDisposable
    {
        /// <summary>Values (rows × columns) held before a row group is written. A buffered value is mostly a string
        /// of its own, so this bounds the export's memory whatever the schema: with 100,000-row groups a Normalized
        /// export peaked at 441 MB, over the 300 MB the whole export may use (README, Performance).</summary>
        public const int RowGroupCells = 2_000_000;
        /// <summary>The most rows in a row group: about what DuckDB and Spark write (122,880 and up).</summary>
        public const int MaxRowGroupSize = 100_000;
        /// <summary>The fewest, so that a reader's per-group cost stays small beside the data.</summary>
        public const int MinRowGroupSize = 10_000;

        /// <summary>Rows per row group for a table of this many columns: <see cref="RowGroupCells"/> values, within
        /// <see cref="MinRowGroupSize"/> and <see cref="MaxRowGroupSize"/> (FOCUS 1.2's 97 columns: 20,618 rows;
        /// Normalized's 37: 54,054).</summary>
        public static int RowGroupSizeFor(int columns) =>
            Math.Max(MinRowGroupSize, Math.Min(MaxRowGroupSize, RowGroupCells / Math.Max(1, columns)));

        private readonly string _path, _tempPath;
        private readonly bool _overwrite;
        private readonly IUsageTable _table;
        private readonly DataField[] _fields;
        private readonly Array[] _buffers;
        private readonly object?[] _row;
        private FileStream? _file;
        private ParquetWriter? _writer;
        private int _buffered;
        private bool _completed, _disposed;
        private readonly UsageExportSummary _summary = new UsageExportSummary();

        public int RowGroupSize { get; }
        public UsageExportSummary Summary => _summary;

        private UsageParquetWriter(string path, IUsageTable table, bool overwrite, int rowGroupSize)
        {
            _path = Path.GetFullPath(path);
            var dir = Path.GetDirectoryName(_path);
            if (string.IsNullOrEmpty(dir) || !Directory.Exists(dir))
                throw new DirectoryNotFoundException("The folder of '" + path + "' does not exist.");
            if (!overwrite && File.Exists(_path))
                throw new IOException("The file '" + _path + "' already exists.");
            _overwrite = overwrite;
            _table = table;
            RowGroupSize = rowGroupSize;
            var columns = table.Columns;
            _fields = new DataField[columns.Count];
            _buffers = new Array[columns.Count];
            for (var i = 0; i < columns.Count; i++)
            {
                _fields[i] = FieldOf(columns[i]);
                _buffers[i] = BufferOf(columns[i].Kind, rowGroupSize);
            }
            _row = new object?[columns.Count];
            _summary.Path = _path;
            _summary.Schema = table is Focus.FocusTable ? UsageCsvSchema.Focus : UsageCsvSchema.Normalized;
            AtomicFile.RemoveStalePartials(_path);
            _tempPath = AtomicFile.TempPathFor(_path);
        }

        /// <summary>Creates the temporary file and starts the Parquet file (its magic bytes).</summary>
        public static async Task<UsageParquetWriter> CreateAsync(string path, IUsageTable table, bool overwrite,
            CancellationToken ct = default, int? rowGroupSize = null)
        {
            if (path == null) throw new ArgumentNullException(nameof(path));
            if (table == null) throw new ArgumentNullException(nameof(table));
            if (rowGroupSize < 1) throw new ArgumentOutOfRangeException(nameof(rowGroupSize));
            var w = new UsageParquetWriter(path, table, overwrite, rowGroupSize ?? RowGroupSizeFor(table.Columns.Count));
            try
            {
                w._file = new FileStream(w._tempPath, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.None, 1 << 16, FileOptions.Asynchronous);
                var options = new ParquetOptions { CompressionMethod = CompressionMethod.Snappy };
                w._writer = await ParquetWriter.CreateAsync(new ParquetSchema(w._fields), w._file, options, false, ct).ConfigureAwait(false);
                return w;
            }
            catch
            {
                await w.DisposeAsync().ConfigureAwait(false);
                throw;
            }
        }

        internal static DataField FieldOf(UsageColumn c) => c.Kind switch
        {
            UsageColumnKind.Decimal => new DecimalDataField(c.Name, c.Precision, c.Scale, false, true),
            UsageColumnKind.Date => new DateTimeDataField(c.Name, DateTimeFormat.Date, true, null, true),
            UsageColumnKind.Timestamp => new DateTimeDataField(c.Name, DateTimeFormat.Timestamp, true, null, true),
            UsageColumnKind.Int64 => new DataField<long?>(c.Name, true),
            _ => new DataField<string>(c.Name, true),
        };

        private static Array BufferOf(UsageColumnKind kind, int size) => kind switch
        {
            UsageColumnKind.Decimal => new decimal?[size],
            UsageColumnKind.Date or UsageColumnKind.Timestamp => new DateTime?[size],
            UsageColumnKind.Int64 => new long?[size],
            _ => new string?[size],
        };

        /// <summary>Adds one record; every <see cref="RowGroupSize"/> rows, writes them out as a row group.</summary>
        public async ValueTask WriteAsync(UsageRecord record, CancellationToken ct = default)
        {
            if (record == null) throw new ArgumentNullException(nameof(record));
            ThrowIfDone();
            Array.Clear(_row, 0, _row.Length);
            _table.Fill(record, _row);
            var columns = _table.Columns;
            for (var i = 0; i < _row.Length; i++) Store(i, columns[i], _row[i]);
            _buffered++;
            if (_table is Focus.FocusTable focus) _summary.AddFocus(record, _row[focus.CurrencyColumn], _row[focus.BilledCostColumn], _row[focus.EffectiveCostColumn]);
            else _summary.Add(record);
            if (_buffered == RowGroupSize) await FlushAsync(ct).ConfigureAwait(false);
        }

        private void Store(int i, UsageColumn column, object? value)
        {
            switch (_buffers[i])
            {
                case decimal?[] d: d[_buffered] = value is decimal m ? Fit(m, column) : null; break;
                case DateTime?[] t: t[_buffered] = value is DateTime dt ? DateTime.SpecifyKind(dt, DateTimeKind.Utc) : null; break;
                case long?[] l: l[_buffered] = value is long n ? n : null; break;
                case string?[] s: s[_buffered] = SameAsAbove(s, value as string ?? value?.ToString()); break;
            }
        }

        // Usage rows come grouped (by day, subscription, meter), so most text equals the row above's: that value is
        // held once, as the string already buffered, and this row's copy is left to the next collection.
        private string? SameAsAbove(string?[] column, string? text)
        {
            if (_buffered == 0) return text;
            var above = column[_buffered - 1];
            return string.Equals(above, text, StringComparison.Ordinal) ? above : text;
        }

        // A value with more fractional digits than the column keeps is rounded to it (half to even, as banks round).
        private static decimal Fit(decimal value, UsageColumn column) =>
            value.Scale > column.Scale ? Math.Round(value, column.Scale, MidpointRounding.ToEven) : value;

        private async Task FlushAsync(CancellationToken ct)
        {
            if (_buffered == 0) return;
            using (var group = _writer!.CreateRowGroup())
            {
                for (var i = 0; i < _fields.Length; i++)
                {
                    switch (_buffers[i])
                    {
                        case decimal?[] d: await group.WriteAsync<decimal>(_fields[i], new ReadOnlyMemory<decimal?>(d, 0, _buffered), null, null, ct).ConfigureAwait(false); break;
                        case DateTime?[] t: await group.WriteAsync<DateTime>(_fields[i], new ReadOnlyMemory<DateTime?>(t, 0, _buffered), null, null, ct).ConfigureAwait(false); break;
                        case long?[] l: await group.WriteAsync<long>(_fields[i], new ReadOnlyMemory<long?>(l, 0, _buffered), null, null, ct).ConfigureAwait(false); break;
                        case string?[] s: await group.WriteAsync(_fields[i], new ArraySegment<string>(s!, 0, _buffered), null).ConfigureAwait(false); break;
                    }
                }
            }
            foreach (var b in _buffers) Array.Clear(b, 0, _buffered); // the strings of this group can go
            _buffered = 0;
        }

        /// <summary>Writes the last row group and the footer, and renames the file into place. Returns the summary.</summary>
        public async Task<UsageExportSummary> CompleteAsync(CancellationToken ct = default)
        {
            ThrowIfDone();
            try
            {
                await FlushAsync(ct).ConfigureAwait(false);
                await _writer!.DisposeAsync().ConfigureAwait(false); // the footer
                _writer = null;
                await _file!.FlushAsync(ct).ConfigureAwait(false);
                _file.Flush(true);
                _summary.Bytes = _file.Length;
                await _file.DisposeAsync().ConfigureAwait(false);
                _file = null;
                AtomicFile.Commit(_tempPath, _path, _overwrite);
                _completed = true;
                return _summary;
            }
            catch
            {
                await DisposeAsync().ConfigureAwait(false);
                throw;
            }
        }

        private void ThrowIfDone()
        {
            if (_disposed) throw new ObjectDisposedException(nameof(UsageParquetWriter));
            if (_completed) throw new InvalidOperationException("The export is already complete.");
        }

        /// <summary>Without a prior <see cref="CompleteAsync"/>, discards everything written: nothing appears at the path.</summary>
        public async ValueTask DisposeAsync()
        {
            if (_disposed) return;
            _disposed = true;
            if (_completed) return;
            try { if (_writer != null) await _writer.DisposeAsync().ConfigureAwait(false); } catch { /* the file is being thrown away */ }
            try { if (_file != null) await _file.DisposeAsync().ConfigureAwait(false); } catch { }
            _writer = null;
            _file = null;
            AtomicFile.TryDelete(_tempPath);
        }

        public void Dispose() => DisposeAsync().AsTask().GetAwaiter().GetResult();
    }
}
#endif
