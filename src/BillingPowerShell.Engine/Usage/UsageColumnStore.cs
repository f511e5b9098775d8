namespace BillingPowerShell.Engine.Usage
{
    /// <summary>
    /// A block of rows held column by column (a Parquet row group, read by UsageParquetReader), which records
    /// point into instead of each keeping its own copy of the row: a record reads only the columns it is asked for.
    /// </summary>
    internal abstract class UsageColumnStore
    {
        public abstract int ColumnCount { get; }

        /// <summary>The UTF-8 text of a column in a row: <paramref name="array"/>[start .. start + length] (empty when null).</summary>
        public abstract void Locate(int column, int row, out byte[] array, out int start, out int length);
    }
}
