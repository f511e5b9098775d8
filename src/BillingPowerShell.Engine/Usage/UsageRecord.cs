using System;
using System.Collections.Generic;
using System.Text;
using BillingPowerShell.Engine.Usage;

namespace BillingPowerShell
{
    /// <summary>
    /// One day of usage of one meter on one resource, the same shape for every source. Cheap to create: it keeps the
    /// raw row (its UTF-8 bytes plus field offsets, or its place in a block of rows held column by column, as a Parquet
    /// row group is) and parses a field the first time it is read.
    /// Text fields are never null (empty when the source has no value or no such column); money, prices and quantities
    /// are null when the source has none or holds text that is not a number (the raw text stays in SourceColumns).
    /// </summary>
    public sealed class UsageRecord
    {
        private UsageColumnLayout _layout;
        private byte[] _line;               // the row's decoded fields (UTF-8), one byte apart: from CSV or JSON
        private ushort[]? _short;           // start of field i; field i ends at offset i+1, less one (rows under 64 KiB)
        private int[]? _wide;               // the same for longer rows and JSON items
        private UsageColumnStore? _store;   // or the columns of a block of rows (then _line is empty), and this row's index
        private int _row;
        private ulong _loaded;               // bit per UsageField: cached
        private DateTime _date;
        private decimal? _cost;             // parsed by the reader's check; other numbers and text are read from the row each time
        private Dictionary<string, string>? _tags;
        private UsageSourceColumns? _sourceColumns;

        internal UsageRecord(UsageColumnLayout layout, byte[] line, int[] offsets)
        {
            _layout = layout;
            _line = line;
            _wide = offsets;
        }

        internal UsageRecord(UsageColumnLayout layout, byte[] line, ushort[] offsets)
        {
            _layout = layout;
            _line = line;
            _short = offsets;
        }

        /// <summary>Row <paramref name="row"/> of a block of rows held by column (a Parquet row group).</summary>
        internal UsageRecord(UsageColumnLayout layout, UsageColumnStore store, int row)
        {
            _layout = layout;
            _line = Array.Empty<byte>();
            _store = store;
            _row = row;
        }

        private int OffsetCount => _short?.Length ?? _wide!.Length;
        private int Offset(int i) => _short != null ? _short[i] : _wide![i];

        /// <summary>
        /// Makes this record the next row (everything cached is forgotten). Only for readers whose records are looked
        /// at once and dropped (<see cref="UsageCsvReaderOptions.ReuseRows"/>); a record handed to a caller never changes.
        /// </summary>
        internal void Reuse(UsageColumnLayout layout, byte[] line, ushort[]? shortOffsets, int[]? wideOffsets)
        {
            _layout = layout;
            _line = line;
            _short = shortOffsets;
            _wide = wideOffsets;
            _store = null;
            _loaded = 0;
            _date = default;
            _cost = null;
            _tags = null;
            _sourceColumns = null;
        }

        internal UsageColumnLayout Layout => _layout;

        public DateTime Date { get { if (!IsLoaded(UsageField.Date)) { UsageValueParser.TryParseDate(RawField(UsageField.Date), out _date); Mark(UsageField.Date); } return _date; } }
        public string BillingAccountId => Text(UsageField.BillingAccountId);
        public string BillingProfileId => Text(UsageField.BillingProfileId);
        public string InvoiceSectionName => Text(UsageField.InvoiceSectionName);
        public string SubscriptionId => Text(UsageField.SubscriptionId);
        public string SubscriptionName => Text(UsageField.SubscriptionName);
        public string ResourceGroup => Text(UsageField.ResourceGroup);
        public string ResourceId => Text(UsageField.ResourceId);
        public string ResourceName => Text(UsageField.ResourceName);
        public string ResourceLocation => Text(UsageField.ResourceLocation);
        public string MeterId => Text(UsageField.MeterId);
        public string MeterCategory => Text(UsageField.MeterCategory);
        public string MeterSubCategory => Text(UsageField.MeterSubCategory);
        public string MeterName => Text(UsageField.MeterName);
        public string MeterRegion => Text(UsageField.MeterRegion);
        public string ServiceFamily => Text(UsageField.ServiceFamily);
        public string Product => Text(UsageField.Product);
        public decimal? Quantity => Dec(UsageField.Quantity);
        public string UnitOfMeasure => Text(UsageField.UnitOfMeasure);
        public decimal? EffectivePrice => Dec(UsageField.EffectivePrice);
        public decimal? UnitPrice => Dec(UsageField.UnitPrice);
        public decimal? Cost
        {
            get
            {
                if (!IsLoaded(UsageField.Cost)) { _cost = Dec(UsageField.Cost); Mark(UsageField.Cost); }
                return _cost;
            }
        }
        public string Currency => Text(UsageField.Currency);
        public string ChargeType => Text(UsageField.ChargeType);
        public string PricingModel => Text(UsageField.PricingModel);
        public string Frequency => Text(UsageField.Frequency);
        public string ReservationId => Text(UsageField.ReservationId);
        public string ReservationName => Text(UsageField.ReservationName);
        public string BenefitName => Text(UsageField.BenefitName);
        public string InvoiceId => Text(UsageField.InvoiceId);
        public string CostCenter => Text(UsageField.CostCenter);
        public string PublisherType => Text(UsageField.PublisherType);
        public string PublisherName => Text(UsageField.PublisherName);
        /// <summary>Who provides the service: Microsoft for Azure's files and APIs, a FOCUS file's ProviderName otherwise.</summary>
        public string ProviderName => Text(UsageField.ProviderName);

        /// <summary>Tags, case-insensitive keys; empty when none or when the source text is not JSON.</summary>
        public Dictionary<string, string> Tags
        {
            get
            {
                if (_tags == null)
                {
                    UsageValueParser.TryParseTags(RawField(UsageField.Tags), out var t);
                    _tags = t;
                }
                return _tags;
            }
        }

        /// <summary>Service-specific metadata, JSON text as delivered (empty when none).</summary>
        public string AdditionalInfo => Text(UsageField.AdditionalInfo);

        /// <summary>Every source column by its original name, in source order, case-insensitive lookup.</summary>
        public UsageSourceColumns SourceColumns
        {
            get
            {
                if (_sourceColumns == null)
                {
                    var vals = new string[_layout.ColumnCount];
                    for (int i = 0; i < vals.Length; i++) vals[i] = RawColumn(i) ?? string.Empty;
                    _sourceColumns = new UsageSourceColumns(_layout, vals);
                }
                return _sourceColumns;
            }
        }

        /// <summary>The format of the file (or API) this record was read from.</summary>
        public UsageFileFormat SourceFormat
        {
            get
            {
                if (_layout.Format == UsageFileFormat.Normalized)
                {
                    var raw = RawField(UsageField.SourceFormat);
                    if (!string.IsNullOrEmpty(raw) && Enum.TryParse(raw, true, out UsageFileFormat f) && f != UsageFileFormat.Unknown) return f;
                }
                return _layout.Format;
            }
        }

        public override string ToString() =>
            $"{Date:yyyy-MM-dd} {SubscriptionId} {MeterName} {Quantity} {Cost} {Currency}";

        // ---- raw access -------------------------------------------------------------------------------------------

        private bool IsLoaded(UsageField f) => (_loaded & (1UL << (int)f)) != 0;
        private void Mark(UsageField f) => _loaded |= 1UL << (int)f;

        private decimal? Dec(UsageField f) => TryGetDecimal(f, out var v, out _) ? v : null;

        /// <summary>Parses a decimal field; false with <paramref name="present"/> when the text is not a number.</summary>
        internal bool TryGetDecimal(UsageField f, out decimal? value, out bool present)
        {
            value = null;
            present = false;
            var span = Span(_layout.Col(f));
            if (IsBlank(span)) return true;
            present = true;
            if (!UsageValueParser.TryParseDecimal(span, out var d)) return false;
            value = d;
            return true;
        }

        internal bool TryGetDate(out DateTime date, out string? raw)
        {
            raw = null;
            int c = _layout.Col(UsageField.Date);
            bool ok = UsageValueParser.TryParseDate(Span(c), out date); // in place: this runs for every row
            if (ok) { _date = date; Mark(UsageField.Date); }
            else raw = RawColumn(c) ?? string.Empty;
            return ok;
        }

        /// <summary>The decoded bytes of a column (empty when the row or the layout has no such column).</summary>
        private ReadOnlySpan<byte> Span(int c) =>
            Locate(c, out var array, out var start, out var length) ? new ReadOnlySpan<byte>(array, start, length) : default;

        /// <summary>Where column <paramref name="c"/>'s UTF-8 text is; false when the row has no such column.</summary>
        private bool Locate(int c, out byte[] array, out int start, out int length)
        {
            if (_store != null && c >= 0 && c < _store.ColumnCount)
            {
                _store.Locate(c, _row, out array, out start, out length);
                return true;
            }
            if (_store != null || c < 0 || c + 1 >= OffsetCount)
            {
                array = _line;
                start = length = 0;
                return false;
            }
            array = _line;
            start = Offset(c);
            length = Offset(c + 1) - 1 - start;
            return true;
        }

        private static bool IsBlank(ReadOnlySpan<byte> span)
        {
            foreach (var b in span) if (b != (byte)' ' && b != (byte)'\t') return false;
            return true;
        }

        internal void CacheDate(DateTime date)
        {
            _date = date;
            Mark(UsageField.Date);
        }

        internal void CacheCost(decimal? cost)
        {
            _cost = cost;
            Mark(UsageField.Cost);
        }

        // Not cached: a record is mostly read once (a pipeline, an export), and a cache per record costs more than it saves.
        private string Text(UsageField f) => ComputeText(f);

        private string ComputeText(UsageField f)
        {
            int c = _layout.Col(f);
            if (c < 0) return Derive(f);
            var s = RawColumn(c) ?? string.Empty;
            if (_layout.UnescapeFormulas && s.Length > 1 && s[0] == '\'') s = UsageValueParser.UnescapeFormula(s);
            if (f == UsageField.SubscriptionId) s = SubscriptionGuid(s);
            return s;
        }

        // FOCUS's SubAccountId is "/subscriptions/{guid}" in Microsoft's export (FOCUS.md, "SubAccountId").
        private static string SubscriptionGuid(string s)
        {
            s = s.Trim();
            if (s.StartsWith("/subscriptions/", StringComparison.OrdinalIgnoreCase)) s = s.Substring(15).TrimEnd('/');
            return s.ToLowerInvariant();
        }

        // Sources without the column: the legacy Daily usage section has only Instance ID, MCA has no ResourceName.
        private string Derive(UsageField f)
        {
            switch (f)
            {
                case UsageField.ResourceName:
                {
                    var id = ResourceId;
                    int slash = id.TrimEnd('/').LastIndexOf('/');
                    return slash < 0 ? id : id.Substring(slash + 1).TrimEnd('/');
                }
                case UsageField.ResourceGroup: return Segment(ResourceId, "resourceGroups");
                case UsageField.SubscriptionId: return Segment(ResourceId, "subscriptions").ToLowerInvariant();
                case UsageField.ProviderName: return _layout.Format == UsageFileFormat.Focus ? string.Empty : "Microsoft"; // every other format is Azure's
                default: return string.Empty;
            }
        }

        private static string Segment(string id, string name)
        {
            int i = id.IndexOf("/" + name + "/", StringComparison.OrdinalIgnoreCase);
            if (i < 0) return string.Empty;
            int start = i + name.Length + 2;
            int end = id.IndexOf('/', start);
            return end < 0 ? id.Substring(start) : id.Substring(start, end - start);
        }

        internal bool TagsMaterialized => _tags != null;

        /// <summary>Where a text field sits in the row when it can be copied as is (no transformation).</summary>
        internal bool TryGetRawSpan(UsageField f, out byte[] line, out int start, out int length)
        {
            line = Array.Empty<byte>();
            start = length = 0;
            if (f == UsageField.SubscriptionId) return false;
            if (!Locate(_layout.Col(f), out var array, out var s, out var n)) return false;
            if (n > 0 && _layout.UnescapeFormulas && array[s] == (byte)'\'') return false;
            line = array;
            start = s;
            length = n;
            return true;
        }

        internal string? RawField(UsageField f)
        {
            int c = _layout.Col(f);
            return c < 0 ? null : RawColumn(c);
        }

        /// <summary>The text of a column (null if the row has no such column).</summary>
        internal string? RawColumn(int c)
        {
            if (!Locate(c, out var array, out var start, out var length)) return null;
            return length <= 0 ? string.Empty : Encoding.UTF8.GetString(array, start, length);
        }
    }
}
