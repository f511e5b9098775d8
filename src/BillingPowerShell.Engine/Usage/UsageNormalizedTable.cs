using System;
using System.Collections.Generic;

namespace BillingPowerShell.Engine.Usage
{
    /// <summary>
    /// The Normalized schema as a table: one column per <see cref="UsageField"/>, in the Normalized CSV's order and with
    /// its names (<see cref="UsageColumnMap.NormalizedHeader"/>), typed: Date a DATE, Quantity and the prices and Cost
    /// DECIMAL(38,18), Tags and AdditionalInfo JSON text, the rest text. One instance per writer (it caches the tags
    /// text of the rows it has seen).
    /// </summary>
    public sealed class UsageNormalizedTable : IUsageTable
    {
        /// <summary>
        /// Digits kept for money, prices and quantities. Azure's own values carry up to 18 fractional digits
        /// (docs/contracts/azure-api/examples, the cost details and usage details samples), so 18 are kept exactly, with
        /// 20 integer digits, more than any bill; 38 is Parquet's widest DECIMAL that every reader takes.
        /// </summary>
        public const int DecimalPrecision = 38, DecimalScale = 18;

        private static readonly UsageColumn[] NormalizedColumns = BuildColumns();

        private static UsageColumn[] BuildColumns()
        {
            var cols = new UsageColumn[UsageColumnMap.FieldCount];
            for (var f = 0; f < cols.Length; f++)
                cols[f] = new UsageColumn(UsageColumnMap.NormalizedHeader[f], KindOf((UsageField)f), DecimalPrecision, DecimalScale);
            return cols;
        }

        private static UsageColumnKind KindOf(UsageField f) =>
            f == UsageField.Date ? UsageColumnKind.Date
            : UsageColumnMap.IsDecimal(f) ? UsageColumnKind.Decimal
            : f == UsageField.Tags || f == UsageField.AdditionalInfo ? UsageColumnKind.Json
            : UsageColumnKind.String;

        private static readonly string[] FormatNames = Enum.GetNames(typeof(UsageFileFormat));
        private readonly UsageTagsText _tags = new UsageTagsText();

        public IReadOnlyList<UsageColumn> Columns => NormalizedColumns;

        public void Fill(UsageRecord record, object?[] row)
        {
            if (record == null) throw new ArgumentNullException(nameof(record));
            for (var f = 0; f < UsageColumnMap.FieldCount; f++)
            {
                var field = (UsageField)f;
                row[f] = field switch
                {
                    UsageField.Date => record.Date,
                    UsageField.Quantity => record.Quantity,
                    UsageField.EffectivePrice => record.EffectivePrice,
                    UsageField.UnitPrice => record.UnitPrice,
                    UsageField.Cost => record.Cost,
                    UsageField.Tags => _tags.Of(record),
                    UsageField.SourceFormat => FormatNames[(int)record.SourceFormat],
                    _ => UsageCsvWriter.TextOf(record, field),
                };
            }
        }
    }
}
