using System;
using System.Collections.Generic;

namespace BillingPowerShell.Engine.Usage
{
    /// <summary>The typed fields of <see cref="UsageRecord"/>, in Normalized column order.</summary>
    public enum UsageField
    {
        Date, BillingAccountId, BillingProfileId, InvoiceSectionName, SubscriptionId, SubscriptionName,
        ResourceGroup, ResourceId, ResourceName, ResourceLocation, MeterId, MeterCategory, MeterSubCategory,
        MeterName, MeterRegion, ServiceFamily, Product, Quantity, UnitOfMeasure, EffectivePrice, UnitPrice, Cost,
        Currency, ChargeType, PricingModel, Frequency, ReservationId, ReservationName, BenefitName, InvoiceId,
        CostCenter, PublisherType, PublisherName, Tags, AdditionalInfo, SourceFormat,
        /// <summary>Who provides the service: "Microsoft" for every Azure source, FOCUS's ProviderName otherwise.</summary>
        ProviderName,
    }

    /// <summary>
    /// THE mapping table: for each <see cref="UsageField"/>, the source column names in priority order (first present
    /// wins, case-insensitive). Covers EA 2021-10-01/2023-12-01 and portal variants, MCA 2023-12-01, pay-as-you-go
    /// 2019-11-01, the legacy portal "Daily usage" section, Consumption usageDetails JSON (legacy and modern kinds,
    /// nested objects flattened as <c>meterDetails.meterName</c>) and our own Normalized export.
    /// </summary>
    public static class UsageColumnMap
    {
        public const int FieldCount = (int)UsageField.ProviderName + 1;

        private static readonly string[][] Table = Build();
        private static readonly string[][] FocusTable = BuildFocus();

        /// <summary>
        /// A FOCUS file (Microsoft's FocusCost export 1.0, 1.0r2, 1.2-preview, or any provider's): the FOCUS column, or
        /// Microsoft's x_ column where it keeps the Azure value FOCUS reshapes (docs/contracts/azure-api/FOCUS.md,
        /// "Microsoft `x_` extension columns and their cost-details sources"). Cost is BilledCost unless the reader
        /// asks for EffectiveCost (<see cref="UsageColumnLayout"/>).
        /// </summary>
        private static string[][] BuildFocus()
        {
            var t = new string[FieldCount][];
            void M(UsageField f, params string[] names) => t[(int)f] = names;
            M(UsageField.Date, "ChargePeriodStart");
            M(UsageField.BillingAccountId, "x_BillingAccountId", "BillingAccountId");
            M(UsageField.BillingProfileId, "x_BillingProfileId");
            M(UsageField.InvoiceSectionName, "x_InvoiceSectionName");
            M(UsageField.SubscriptionId, "x_SubscriptionId", "SubAccountId");
            M(UsageField.SubscriptionName, "SubAccountName");
            M(UsageField.ResourceGroup, "x_ResourceGroupName");
            M(UsageField.ResourceId, "ResourceId");
            M(UsageField.ResourceName, "ResourceName");
            M(UsageField.ResourceLocation, "RegionId", "RegionName");
            M(UsageField.MeterId, "x_SkuMeterId");
            M(UsageField.MeterCategory, "x_SkuMeterCategory");
            M(UsageField.MeterSubCategory, "x_SkuMeterSubcategory");
            M(UsageField.MeterName, "SkuMeter", "x_SkuMeterName");
            M(UsageField.MeterRegion, "x_SkuRegion");
            M(UsageField.ServiceFamily, "x_SkuServiceFamily");
            M(UsageField.Product, "ChargeDescription");
            M(UsageField.Quantity, "ConsumedQuantity");
            M(UsageField.UnitOfMeasure, "x_PricingUnitDescription", "ConsumedUnit", "PricingUnit");
            M(UsageField.EffectivePrice, "x_EffectiveUnitPrice");
            M(UsageField.UnitPrice, "ContractedUnitPrice");
            M(UsageField.Cost, "BilledCost");
            M(UsageField.Currency, "BillingCurrency");
            M(UsageField.ChargeType, "x_ChargeType", "ChargeCategory");
            M(UsageField.PricingModel, "x_PricingModel", "PricingCategory");
            M(UsageField.Frequency, "ChargeFrequency");
            M(UsageField.ReservationId, "CommitmentDiscountId");
            M(UsageField.ReservationName, "CommitmentDiscountName");
            M(UsageField.BenefitName, "CommitmentDiscountName");
            M(UsageField.InvoiceId, "InvoiceId", "x_InvoiceId");
            M(UsageField.CostCenter, "x_CostCenter");
            M(UsageField.PublisherType, "x_PublisherCategory");
            M(UsageField.PublisherName, "PublisherName");
            M(UsageField.Tags, "Tags");
            M(UsageField.AdditionalInfo, "x_SkuDetails", "SkuPriceDetails");
            M(UsageField.SourceFormat);
            M(UsageField.ProviderName, "ProviderName");
            return t;
        }

        private static string[][] Build()
        {
            var t = new string[FieldCount][];
            void M(UsageField f, params string[] names) => t[(int)f] = names;
            M(UsageField.Date, "Date", "UsageDateTime", "Usage Date", "UsageDate", "UsageStart");
            M(UsageField.BillingAccountId, "BillingAccountId");
            M(UsageField.BillingProfileId, "BillingProfileId");
            M(UsageField.InvoiceSectionName, "InvoiceSectionName", "InvoiceSection", "DepartmentName"); // EA departments were the invoice sections of older EA files
            // SubscriptionGuid is preferred when both exist (EA Reporting API: subscriptionId is numeric there).
            M(UsageField.SubscriptionId, "SubscriptionGuid", "SubscriptionId", "Subscription Id", "Subscription Guid");
            M(UsageField.SubscriptionName, "SubscriptionName", "Subscription Name");
            M(UsageField.ResourceGroup, "ResourceGroup", "resourceGroupName", "Resource Group");
            M(UsageField.ResourceId, "ResourceId", "InstanceId", "Instance ID", "instanceName");
            M(UsageField.ResourceName, "ResourceName", "Resource Name");
            M(UsageField.ResourceLocation, "ResourceLocation", "Resource Location", "Location", "resourceLocationNormalized");
            M(UsageField.MeterId, "MeterId", "Meter ID", "ResourceGuid");
            M(UsageField.MeterCategory, "MeterCategory", "Meter Category", "meterDetails.meterCategory");
            M(UsageField.MeterSubCategory, "MeterSubCategory", "Meter Sub-Category", "Meter SubCategory", "meterDetails.meterSubCategory");
            M(UsageField.MeterName, "MeterName", "Meter Name", "meterDetails.meterName");
            M(UsageField.MeterRegion, "MeterRegion", "Meter Region", "meterDetails.meterLocation");
            M(UsageField.ServiceFamily, "ServiceFamily", "meterDetails.serviceFamily");
            M(UsageField.Product, "ProductName", "Product");
            M(UsageField.Quantity, "Quantity", "UsageQuantity", "Consumed Quantity", "ConsumedQuantity");
            M(UsageField.UnitOfMeasure, "UnitOfMeasure", "Unit Of Measure", "Unit", "meterDetails.unitOfMeasure");
            M(UsageField.EffectivePrice, "EffectivePrice", "ResourceRate", "Rate");
            M(UsageField.UnitPrice, "UnitPrice");
            M(UsageField.Cost, "CostInBillingCurrency", "Cost", "PreTaxCost");
            M(UsageField.Currency, "BillingCurrencyCode", "BillingCurrency", "Currency");
            M(UsageField.ChargeType, "ChargeType");
            M(UsageField.PricingModel, "PricingModel");
            M(UsageField.Frequency, "Frequency");
            M(UsageField.ReservationId, "ReservationId");
            M(UsageField.ReservationName, "ReservationName");
            M(UsageField.BenefitName, "BenefitName");
            M(UsageField.InvoiceId, "InvoiceId");
            M(UsageField.CostCenter, "CostCenter");
            M(UsageField.PublisherType, "PublisherType");
            M(UsageField.PublisherName, "PublisherName");
            M(UsageField.Tags, "Tags");
            M(UsageField.AdditionalInfo, "AdditionalInfo", "Additional Info");
            M(UsageField.SourceFormat, "SourceFormat"); // only our Normalized export has it
            M(UsageField.ProviderName, "ProviderName"); // FOCUS files and our Normalized export; Azure's own files are all Microsoft's
            return t;
        }

        /// <summary>Source column names for a field, in priority order.</summary>
        public static IReadOnlyList<string> SourceNames(UsageField field) => Table[(int)field];

        /// <summary>Source column names for a field in a file of <paramref name="format"/> (FOCUS files have their own).</summary>
        public static IReadOnlyList<string> SourceNames(UsageField field, UsageFileFormat format) =>
            (format == UsageFileFormat.Focus ? FocusTable : Table)[(int)field];

        /// <summary>The Normalized header: the field names in enum order.</summary>
        public static IReadOnlyList<string> NormalizedHeader { get; } = Enum.GetNames(typeof(UsageField));

        internal static bool IsDecimal(UsageField f) =>
            f == UsageField.Quantity || f == UsageField.EffectivePrice || f == UsageField.UnitPrice || f == UsageField.Cost;

        internal static bool IsText(UsageField f) =>
            f != UsageField.Date && !IsDecimal(f) && f != UsageField.Tags && f != UsageField.SourceFormat;

        /// <summary>Resolves, for a header, the column index of every field (-1 when absent).</summary>
        internal static int[] Resolve(Dictionary<string, int> index, UsageFileFormat format = UsageFileFormat.Unknown)
        {
            var table = format == UsageFileFormat.Focus ? FocusTable : Table;
            var cols = new int[FieldCount];
            for (int f = 0; f < FieldCount; f++)
            {
                cols[f] = -1;
                foreach (var name in table[f])
                {
                    if (index.TryGetValue(name, out int c)) { cols[f] = c; break; }
                }
            }
            return cols;
        }
    }

    /// <summary>Per-file (per-header) shared state of every record read from it.</summary>
    internal sealed class UsageColumnLayout
    {
        public readonly string[] Names;
        public readonly Dictionary<string, int> Index;
        public readonly int[] FieldColumn;
        public readonly UsageFileFormat Format;
        public readonly bool UnescapeFormulas;

        /// <param name="effectiveCost">A FOCUS file's Cost is its EffectiveCost (amortized) instead of its BilledCost
        /// (module/docs/Import-DailyUsage.md, "-CostMetric"); other formats carry one cost and ignore it.</param>
        public UsageColumnLayout(string[] names, UsageFileFormat format, bool effectiveCost = false)
            : this(names, format, effectiveCost, format == UsageFileFormat.Normalized) { }

        /// <summary><paramref name="unescapeFormulas"/>: false for inputs no spreadsheet escaped (Parquet).</summary>
        public UsageColumnLayout(string[] names, UsageFileFormat format, bool effectiveCost, bool unescapeFormulas)
        {
            Names = names;
            Index = new Dictionary<string, int>(names.Length, StringComparer.OrdinalIgnoreCase);
            for (int i = 0; i < names.Length; i++)
            {
                var key = names[i].Trim();
                if (!Index.ContainsKey(key)) Index.Add(key, i);
            }
            FieldColumn = UsageColumnMap.Resolve(Index, format);
            if (effectiveCost && format == UsageFileFormat.Focus && Index.TryGetValue("EffectiveCost", out int ec))
                FieldColumn[(int)UsageField.Cost] = ec;
            Format = format;
            UnescapeFormulas = unescapeFormulas;
        }

        public int ColumnCount => Names.Length;

        private byte[][]? _utf8Names;
        /// <summary>The names as UTF-8, for readers that match a row's names without making strings.</summary>
        public byte[][] Utf8Names
        {
            get
            {
                if (_utf8Names is null)
                {
                    var utf8 = new byte[Names.Length][];
                    for (var i = 0; i < utf8.Length; i++) utf8[i] = System.Text.Encoding.UTF8.GetBytes(Names[i]);
                    _utf8Names = utf8;
                }
                return _utf8Names;
            }
        }
        public int Col(UsageField f) => FieldColumn[(int)f];
    }
}
