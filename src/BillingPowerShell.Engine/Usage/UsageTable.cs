using System;
using System.Collections.Generic;

namespace BillingPowerShell.Engine.Usage
{
    /// <summary>What a column of a tabular usage export holds; the Parquet writer maps it to a physical/logical type,
    /// the CSV writer formats its values with the invariant culture.</summary>
    public enum UsageColumnKind
    {
        /// <summary>Text (<see cref="string"/> or null).</summary>
        String,
        /// <summary>A money or quantity value (<see cref="decimal"/> or null); Parquet DECIMAL(Precision, Scale).</summary>
        Decimal,
        /// <summary>A calendar day (<see cref="DateTime"/>, UTC midnight, or null); Parquet DATE.</summary>
        Date,
        /// <summary>An instant (<see cref="DateTime"/> in UTC, or null); Parquet TIMESTAMP (UTC).</summary>
        Timestamp,
        /// <summary>JSON text (tags, additional info) as a <see cref="string"/>; Parquet string column.</summary>
        Json,
        /// <summary>A whole number (<see cref="long"/> or null).</summary>
        Int64,
    }

    /// <summary>One column of a tabular usage schema (Normalized, FOCUS): its name as written and its kind.</summary>
    public sealed class UsageColumn
    {
        public UsageColumn(string name, UsageColumnKind kind, int precision = 28, int scale = 10)
        {
            Name = name ?? throw new ArgumentNullException(nameof(name));
            Kind = kind;
            Precision = precision;
            Scale = scale;
        }

        public string Name { get; }
        public UsageColumnKind Kind { get; }
        /// <summary>Decimal columns only: total and fractional digits kept.</summary>
        public int Precision { get; }
        public int Scale { get; }
        public override string ToString() => Name + ":" + Kind;
    }

    /// <summary>
    /// A tabular schema: the columns, and how one usage record becomes one row of values (each value of the CLR type
    /// its column's <see cref="UsageColumnKind"/> names). Writers (CSV, Parquet) take any table; schemas (Normalized,
    /// FOCUS) are tables.
    /// </summary>
    public interface IUsageTable
    {
        IReadOnlyList<UsageColumn> Columns { get; }

        /// <summary>Fills <paramref name="row"/> (length = Columns.Count) from <paramref name="record"/>.</summary>
        void Fill(UsageRecord record, object?[] row);
    }
}
