using System;
using System.Collections.Generic;
using System.Globalization;

namespace BillingPowerShell.Engine.Usage.Focus
{
    /// <summary>
    /// The FOCUS schema as a table (docs/contracts/azure-api/FOCUS.md): the FOCUS columns of the version, A–Z, then
    /// Microsoft's x_ columns ("Microsoft `x_` extension columns and their cost-details sources") and two of ours
    /// (x_ChargeType, x_PricingModel: the source values FOCUS folds into ChargeCategory and PricingCategory). One usage
    /// record, from the amortized or the actual cost data, is one row. Not thread-safe (one per writer).
    /// </summary>
    public sealed class FocusTable : IUsageTable
    {
        private readonly List<UsageColumn> _columns = new List<UsageColumn>();
        private readonly List<Func<FocusRow, object?>> _values = new List<Func<FocusRow, object?>>();
        private readonly FocusRow _row = new FocusRow();
        private FocusSource? _source;
        private readonly Dictionary<string, string> _tagCache = new Dictionary<string, string>(StringComparer.Ordinal);

        public FocusTable(FocusVersion version = FocusVersion.V1_2)
        {
            Version = version;
            bool v12 = version == FocusVersion.V1_2;
            AddFocusColumns(v12);
            AddExtensionColumns(v12);
            BilledCostColumn = IndexOf("BilledCost");
            EffectiveCostColumn = IndexOf("EffectiveCost");
            CurrencyColumn = IndexOf("BillingCurrency");
        }

        public FocusVersion Version { get; }
        public IReadOnlyList<UsageColumn> Columns => _columns;

        /// <summary>Indexes of the money columns and the currency, for the export summary.</summary>
        public int BilledCostColumn { get; }
        public int EffectiveCostColumn { get; }
        public int CurrencyColumn { get; }

        public int IndexOf(string name) => _columns.FindIndex(c => c.Name == name);

        /// <summary>True for the rows of a FOCUS file taken from the actual cost data: commitment purchases and refunds ("Row selection").</summary>
        public static bool FromActualCost(UsageRecord record) => FocusRules.IsCommitmentPurchase(record.ChargeType, record.PricingModel);

        public void Fill(UsageRecord record, object?[] row)
        {
            if (record == null) throw new ArgumentNullException(nameof(record));
            if (_source == null || !ReferenceEquals(_source.Layout, record.Layout)) _source = new FocusSource(record.Layout);
            _row.Load(record, _source);
            for (int i = 0; i < _values.Count; i++) row[i] = _values[i](_row);
        }

        private void C(string name, UsageColumnKind kind, Func<FocusRow, object?> value)
        {
            _columns.Add(new UsageColumn(name, kind));
            _values.Add(value);
        }

        private void S(string name, Func<FocusRow, string?> value) => C(name, UsageColumnKind.String, r => Null(value(r)));
        private void D(string name, Func<FocusRow, decimal?> value) => C(name, UsageColumnKind.Decimal, r => value(r));
        private void T(string name, Func<FocusRow, DateTime?> value) => C(name, UsageColumnKind.Timestamp, r => value(r));

        // FOCUS has NULL, never an empty string (FOCUS.md, "Format rules every FOCUS column follows").
        private static string? Null(string? s) => string.IsNullOrEmpty(s) ? null : s;

        private static string? Src(FocusRow r, FocusSourceField f) => r.S(f);

        private void AddFocusColumns(bool v12)
        {
            S("AvailabilityZone", r => Src(r, FocusSourceField.AvailabilityZone));
            D("BilledCost", r => r.Billed);
            S("BillingAccountId", r => r.AccountId);
            S("BillingAccountName", r => r.AccountName);
            if (v12) S("BillingAccountType", r => r.AccountType);
            S("BillingCurrency", r => r.Record.Currency);
            T("BillingPeriodEnd", r => r.PeriodEnd);
            T("BillingPeriodStart", r => r.PeriodStart);
            if (v12) S("CapacityReservationId", CapacityReservationId);
            if (v12) S("CapacityReservationStatus", CapacityReservationStatus);
            S("ChargeCategory", r => r.Category);
            S("ChargeClass", r => FocusRules.ChargeClass(r.ChargeType));
            S("ChargeDescription", r => r.Record.Product);
            S("ChargeFrequency", r => FocusRules.ChargeFrequency(r.Record.Frequency, r.Category));
            T("ChargePeriodEnd", r => r.Record.Date.AddDays(1));
            T("ChargePeriodStart", r => r.Record.Date);
            S("CommitmentDiscountCategory", r => FocusRules.CommitmentDiscountCategory(r.CommitmentId, r.PricingModel));
            S("CommitmentDiscountId", r => r.CommitmentId);
            S("CommitmentDiscountName", r => r.CommitmentId == null ? null : Null(r.Record.BenefitName) ?? r.Record.ReservationName);
            if (v12) D("CommitmentDiscountQuantity", r => null); // Microsoft leaves it null too (FOCUS.md, "Microsoft `x_` extension columns")
            S("CommitmentDiscountStatus", r => r.Status);
            S("CommitmentDiscountType", r => FocusRules.CommitmentDiscountType(r.CommitmentId, r.PricingModel));
            if (v12) S("CommitmentDiscountUnit", r => null);
            D("ConsumedQuantity", r => r.UsageRow ? r.Quantity : null);
            S("ConsumedUnit", r => r.UsageRow ? r.Record.UnitOfMeasure : null);
            D("ContractedCost", r => r.UnitPrice.HasValue && r.Quantity.HasValue ? r.UnitPrice * r.Quantity : r.Cost);
            D("ContractedUnitPrice", r => r.UnitPrice);
            D("EffectiveCost", r => r.Effective);
            if (v12) S("InvoiceId", r => r.Record.InvoiceId);
            S("InvoiceIssuerName", r => Src(r, FocusSourceField.PartnerName) ?? "Microsoft");
            D("ListCost", r => r.ListUnitPrice.HasValue && r.Quantity.HasValue ? r.ListUnitPrice * r.Quantity : r.Cost);
            D("ListUnitPrice", r => r.ListUnitPrice);
            S("PricingCategory", r => FocusRules.PricingCategory(r.PricingModel));
            if (v12) S("PricingCurrency", PricingCurrency);
            D("PricingQuantity", r => r.Category == "Tax" ? null : r.Quantity);
            S("PricingUnit", r => r.Category == "Tax" ? null : r.Record.UnitOfMeasure);
            S("ProviderName", r => "Microsoft");
            S("PublisherName", r => Null(r.Record.PublisherName) ?? "Microsoft");
            S("RegionId", r => FocusRules.RegionId(r.Record.ResourceLocation));
            S("RegionName", r => r.Record.ResourceLocation);
            S("ResourceId", r => r.Record.ResourceId);
            S("ResourceName", r => r.Record.ResourceName);
            S("ResourceType", r => FocusRules.ResourceType(r.Record.ResourceId));
            S("ServiceCategory", r => FocusRules.ServiceCategory(r.Record.ServiceFamily));
            S("ServiceName", r => Null(r.Record.MeterCategory) ?? Src(r, FocusSourceField.ConsumedService) ?? "Unknown");
            // No Services lookup (FOCUS.md, "Lookups"): the category's own "Other (…)" subcategory, an allowed value.
            if (v12) S("ServiceSubcategory", r => "Other (" + FocusRules.ServiceCategory(r.Record.ServiceFamily) + ")");
            S("SkuId", r => Src(r, FocusSourceField.ProductId));
            if (v12) S("SkuMeter", r => r.Record.MeterName);
            if (v12) C("SkuPriceDetails", UsageColumnKind.Json, r => null); // AdditionalInfo goes to x_SkuDetails, as Microsoft's own export does
            S("SkuPriceId", r => null);
            S("SubAccountId", r => r.SubscriptionId.Length == 0 ? null : "/subscriptions/" + r.SubscriptionId);
            S("SubAccountName", r => r.Record.SubscriptionName);
            if (v12) S("SubAccountType", r => r.SubscriptionId.Length == 0 ? null : "Subscription");
            C("Tags", UsageColumnKind.Json, Tags);
        }

        private void AddExtensionColumns(bool v12)
        {
            S("x_AccountName", r => Src(r, FocusSourceField.AccountName));
            S("x_AccountOwnerId", r => Src(r, FocusSourceField.AccountOwnerId));
            if (v12) S("x_AmortizationClass", r => FocusRules.AmortizationClass(r.ChargeType, r.PricingModel));
            S("x_BillingAccountId", r => r.AccountRawId);
            S("x_BillingAccountName", r => Src(r, FocusSourceField.BillingAccountName));
            D("x_BillingExchangeRate", r => r.Source.Decimal(r.Record, FocusSourceField.ExchangeRate));
            T("x_BillingExchangeRateDate", r => r.Source.Date(r.Record, FocusSourceField.ExchangeRateDate));
            S("x_BillingProfileId", r => r.ProfileRawId);
            S("x_BillingProfileName", r => Src(r, FocusSourceField.BillingProfileName));
            S("x_ChargeType", r => r.ChargeType);
            S("x_CostAllocationRuleName", r => Src(r, FocusSourceField.CostAllocationRuleName));
            S("x_CostCenter", r => r.Record.CostCenter);
            D("x_EffectiveUnitPrice", r => r.Record.EffectivePrice);
            if (!v12) S("x_InvoiceId", r => r.Record.InvoiceId);
            S("x_InvoiceIssuerId", r => Src(r, FocusSourceField.PartnerTenantId));
            S("x_InvoiceSectionId", r => Src(r, FocusSourceField.InvoiceSectionId));
            S("x_InvoiceSectionName", r => r.Record.InvoiceSectionName);
            D("x_PricingBlockSize", r => 1m); // no PricingUnits lookup: quantities stay in the unit of measure (FOCUS.md, "Lookups")
            if (!v12) S("x_PricingCurrency", PricingCurrency);
            S("x_PricingModel", r => r.PricingModel);
            S("x_PricingSubcategory", r => FocusRules.PricingCategory(r.PricingModel) == "Dynamic" ? "Spot" : null);
            S("x_PricingUnitDescription", r => r.Record.UnitOfMeasure);
            S("x_PublisherCategory", r => r.Record.PublisherType);
            S("x_PublisherId", r => Src(r, FocusSourceField.PublisherId));
            S("x_ResellerId", r => Src(r, FocusSourceField.ResellerId));
            S("x_ResellerName", r => Src(r, FocusSourceField.ResellerName));
            S("x_ResourceGroupName", r => r.Record.ResourceGroup);
            S("x_ResourceType", r => FocusRules.ResourceType(r.Record.ResourceId));
            T("x_ServicePeriodEnd", r => r.Source.Date(r.Record, FocusSourceField.ServicePeriodEnd)?.AddDays(1));
            T("x_ServicePeriodStart", r => r.Source.Date(r.Record, FocusSourceField.ServicePeriodStart));
            C("x_SkuDetails", UsageColumnKind.Json, r => Null(r.Record.AdditionalInfo));
            S("x_SkuIsCreditEligible", r => Src(r, FocusSourceField.IsAzureCreditEligible));
            S("x_SkuMeterCategory", r => r.Record.MeterCategory);
            S("x_SkuMeterId", r => r.Record.MeterId);
            S("x_SkuMeterName", r => r.Record.MeterName);
            S("x_SkuMeterSubcategory", r => r.Record.MeterSubCategory);
            S("x_SkuOfferId", r => Src(r, FocusSourceField.OfferId));
            S("x_SkuOrderId", r => Src(r, FocusSourceField.ProductOrderId));
            S("x_SkuOrderName", r => Src(r, FocusSourceField.ProductOrderName));
            S("x_SkuPartNumber", r => Src(r, FocusSourceField.PartNumber));
            if (v12) S("x_SkuPlanName", r => Src(r, FocusSourceField.PlanName));
            S("x_SkuRegion", r => r.Record.MeterRegion);
            S("x_SkuServiceFamily", r => r.Record.ServiceFamily);
            S("x_SkuTerm", r => Src(r, FocusSourceField.Term));
            S("x_SubscriptionId", r => r.SubscriptionId);
        }

        private static string? PricingCurrency(FocusRow r) => Src(r, FocusSourceField.PricingCurrency) ?? Null(r.Record.Currency);

        // FOCUS.md, "CapacityReservationId (1.1+)": a property of AdditionalInfo; parsed only when the text names it.
        private static string? CapacityReservationId(FocusRow r)
        {
            var info = r.Record.AdditionalInfo;
            if (info.IndexOf("VMCapacityReservationId", StringComparison.OrdinalIgnoreCase) < 0) return null;
            return UsageValueParser.TryParseTags(info, out var props) && props.TryGetValue("VMCapacityReservationId", out var id) ? Null(id) : null;
        }

        private static string? CapacityReservationStatus(FocusRow r)
        {
            if (CapacityReservationId(r) == null) return null;
            return string.Equals(FocusRules.ResourceType(r.Record.ResourceId), "microsoft.compute/capacityreservationgroups/capacityreservations", StringComparison.Ordinal)
                ? "Unused" : "Used";
        }

        // A JSON object or null (FOCUS.md, "Tags"): EA's members without braces are wrapped; each distinct text is formatted once.
        private object? Tags(FocusRow r)
        {
            if (r.Record.TagsMaterialized) return Null(UsageValueParser.FormatTags(r.Record.Tags));
            var raw = r.Record.RawField(UsageField.Tags);
            if (string.IsNullOrWhiteSpace(raw)) return null;
            if (_tagCache.TryGetValue(raw!, out var t)) return Null(t);
            UsageValueParser.TryParseTags(raw, out var tags);
            t = UsageValueParser.FormatTags(tags);
            if (_tagCache.Count >= 4096) _tagCache.Clear();
            _tagCache[raw!] = t;
            return Null(t);
        }

        /// <summary>ISO 8601 with seconds and Z, as FOCUS requires (FOCUS.md, "Date/time").</summary>
        public static string FormatTimestamp(DateTime d) => d.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);
    }
}
