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
        private readonly Dictionary<string, string> _tagCache = new Dictionary<string, string>(StringComparer.Ordinal);

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
                    UsageField.Tags => TagsText(record),
                    UsageField.SourceFormat => FormatNames[(int)record.SourceFormat],
                    _ => UsageCsvWriter.TextOf(record, field),
                };
            }
        }

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
    }
}
