using System;
using System.Collections.Generic;
using System.Linq;

namespace BillingPowerShell.Engine.Usage
{
    /// <summary>Where a usage record came from.</summary>
    public enum UsageFileFormat
    {
        Unknown = 0,
        /// <summary>EA cost details, schema 2021-10-01 (documented column order).</summary>
        EaCostDetails2021,
        /// <summary>EA cost details, schema 2023-12-01 (documented column order).</summary>
        EaCostDetails2023,
        /// <summary>EA cost details in another order or with other names (portal downloads: docs/contracts/azure-api/CSV_SCHEMAS.md, "Files in the wild differ from the documented lists").</summary>
        EaCostDetailsVariant,
        /// <summary>MCA (and MPA) cost details, schema 2023-12-01.</summary>
        McaCostDetails2023,
        /// <summary>Pay-as-you-go cost details, schema 2019-11-01.</summary>
        PayAsYouGo2019,
        /// <summary>Legacy portal "Download usage" file: its Daily usage section.</summary>
        LegacyPortalDailyUsage,
        /// <summary>Our own Normalized export.</summary>
        Normalized,
        /// <summary>Consumption usageDetails JSON, kind=legacy (EA, pay-as-you-go).</summary>
        UsageDetailsLegacy,
        /// <summary>Consumption usageDetails JSON, kind=modern (MCA).</summary>
        UsageDetailsModern,
        /// <summary>A FOCUS file: Microsoft's FocusCost export (1.0, 1.0r2, 1.2-preview), ours, or another provider's.</summary>
        Focus,
    }

    /// <summary>Recognises a CSV format from its header.</summary>
    public static class UsageFormatDetector
    {
        internal static readonly string[] Ea2023Columns = Split(
            "InvoiceSectionName,AccountName,AccountOwnerId,SubscriptionId,SubscriptionName,ResourceGroup,ResourceLocation,Date,ProductName,MeterCategory,MeterSubCategory,MeterId,MeterName,MeterRegion,UnitOfMeasure,Quantity,EffectivePrice,CostInBillingCurrency,CostCenter,ConsumedService,ResourceId,Tags,OfferId,AdditionalInfo,ServiceInfo1,ServiceInfo2,ResourceName,ReservationId,ReservationName,UnitPrice,ProductOrderId,ProductOrderName,Term,PublisherType,PublisherName,ChargeType,Frequency,PricingModel,AvailabilityZone,BillingAccountId,BillingAccountName,BillingCurrencyCode,BillingPeriodStartDate,BillingPeriodEndDate,BillingProfileId,BillingProfileName,InvoiceSectionId,IsAzureCreditEligible,PartNumber,PayGPrice,PlanName,ServiceFamily,CostAllocationRuleName,benefitId,benefitName");

        internal static readonly string[] Ea2021Columns = Split(
            "CostInBillingCurrency,AccountName,AccountOwnerId,ProductName,ConsumedService,InvoiceSectionName,SubscriptionId,SubscriptionName,Date,MeterId,MeterCategory,MeterSubCategory,MeterRegion,MeterName,Quantity,ResourceLocation,ResourceId,ServiceInfo1,ServiceInfo2,AdditionalInfo,Tags,CostCenter,UnitOfMeasure,ResourceGroup,PartNumber,OfferId,ChargeType,EffectivePrice,UnitPrice,ReservationId,ReservationName,ResourceName,ProductOrderId,ProductOrderName,PlanName,PublisherName,PublisherType,Term,BillingAccountId,BillingAccountName,BillingProfileName,BillingProfileId,BillingCurrencyCode,ServiceFamily,Frequency,IsAzureCreditEligible,PayGPrice,PricingModel,BillingPeriodStartDate,BillingPeriodEndDate,AvailabilityZone,InvoiceSectionId,CostAllocationRuleName,benefitId,benefitName");

        internal static readonly string[] Mca2023Columns = Split(
            "invoiceId,previousInvoiceId,billingAccountId,billingAccountName,billingProfileId,billingProfileName,invoiceSectionId,invoiceSectionName,resellerName,resellerMpnId,costCenter,billingPeriodEndDate,billingPeriodStartDate,servicePeriodEndDate,servicePeriodStartDate,date,serviceFamily,productOrderId,productOrderName,consumedService,meterId,meterName,meterCategory,meterSubCategory,meterRegion,ProductId,ProductName,SubscriptionId,subscriptionName,publisherType,publisherId,publisherName,resourceGroupName,ResourceId,resourceLocation,location,effectivePrice,quantity,unitOfMeasure,chargeType,billingCurrency,pricingCurrency,costInBillingCurrency,costInPricingCurrency,costInUsd,paygCostInBillingCurrency,paygCostInUsd,exchangeRatePricingToBilling,exchangeRateDate,isAzureCreditEligible,serviceInfo1,serviceInfo2,additionalInfo,tags,PayGPrice,frequency,term,reservationId,reservationName,pricingModel,unitPrice,costAllocationRuleName,benefitId,benefitName,provider");

        internal static readonly string[] PayAsYouGo2019Columns = Split(
            "SubscriptionGuid,ResourceGroup,ResourceLocation,UsageDateTime,MeterCategory,MeterSubCategory,MeterId,MeterName,MeterRegion,UsageQuantity,ResourceRate,PreTaxCost,ConsumedService,ResourceType,InstanceId,Tags,OfferId,AdditionalInfo,ServiceInfo1,ServiceInfo2,ServiceName,ServiceTier,Currency,UnitOfMeasure");

        internal static readonly string[] LegacyDailyUsageColumns = Split(
            "Usage Date,Meter Category,Meter ID,Meter Sub-Category,Meter Name,Meter Region,Unit,Consumed Quantity,Resource Location,Consumed Service,Resource Group,Instance ID,Tags,Additional Info,Service Info 1,Service Info 2");

        internal static readonly string[] LegacyStatementColumns = Split(
            "Billing Period,Meter Category,Meter Sub-Category,Meter Name,Meter Region,SKU,Unit,Consumed Quantity,Included Quantity,Overage Quantity,Within Commitment,Currency,Overage,Commitment Rate,Rate,Value");

        private static string[] Split(string s) => s.Split(',');

        /// <summary>Human-readable list of the formats recognised, for error messages.</summary>
        public static string RecognisedFormatsText { get; } =
            "EA cost details 2021-10-01, EA cost details 2023-12-01 (and portal-download variants), " +
            "MCA cost details 2023-12-01, pay-as-you-go cost details 2019-11-01, " +
            "legacy portal 'Download usage' file (Statement + Daily usage sections), BillingPowerShell Normalized export, " +
            "FOCUS 1.0-1.2 (Microsoft FocusCost exports and any provider's)";

        /// <summary>Recognises a format from header column names; <see cref="UsageFileFormat.Unknown"/> if none fits.</summary>
        public static UsageFileFormat Detect(IReadOnlyList<string> header)
        {
            if (header == null) throw new ArgumentNullException(nameof(header));
            var set = new HashSet<string>(header.Select(h => (h ?? string.Empty).Trim()), StringComparer.OrdinalIgnoreCase);
            bool Has(string n) => set.Contains(n);
            bool HasAny(params string[] n) => n.Any(set.Contains);

            // FOCUS's mandatory columns (docs/contracts/azure-api/FOCUS.md, "Column list, FOCUS 1.0 (43 columns) and 1.2 (57 columns)").
            if (Has("ChargePeriodStart") && Has("BilledCost") && Has("BillingCurrency") && HasAny("EffectiveCost", "ChargeCategory"))
                return UsageFileFormat.Focus;
            if (Has("SourceFormat") && Has("Date") && Has("Cost") && Has("Currency") && Has("SubscriptionId") && Has("MeterId"))
                return UsageFileFormat.Normalized;
            if (Has("Usage Date") && HasAny("Meter ID", "Consumed Quantity", "Instance ID"))
                return UsageFileFormat.LegacyPortalDailyUsage;
            if (HasAny("UsageDateTime") && HasAny("PreTaxCost", "SubscriptionGuid", "UsageQuantity"))
                return UsageFileFormat.PayAsYouGo2019;
            if (Has("date") && HasAny("costInPricingCurrency", "pricingCurrency", "previousInvoiceId", "servicePeriodStartDate", "exchangeRatePricingToBilling"))
                return UsageFileFormat.McaCostDetails2023;
            if (SameOrder(header, Ea2023Columns)) return UsageFileFormat.EaCostDetails2023;
            if (SameOrder(header, Ea2021Columns)) return UsageFileFormat.EaCostDetails2021;
            if (Has("Date") && HasAny("CostInBillingCurrency", "Cost") && HasAny("MeterId", "MeterCategory", "MeterName") &&
                HasAny("AccountOwnerId", "AccountName", "OfferId", "PartNumber", "InvoiceSection", "InvoiceSectionName", "BillingAccountId", "SubscriptionId"))
                return UsageFileFormat.EaCostDetailsVariant;
            return UsageFileFormat.Unknown;
        }

        /// <summary>True for the Statement section header of the legacy portal file (skipped).</summary>
        public static bool IsLegacyStatementHeader(IReadOnlyList<string> header)
        {
            var set = new HashSet<string>(header.Select(h => (h ?? string.Empty).Trim()), StringComparer.OrdinalIgnoreCase);
            return set.Contains("Billing Period") && set.Contains("Meter Category") && (set.Contains("Consumed Quantity") || set.Contains("Value"));
        }

        /// <summary>Section titles of the legacy portal file ("Statement", "Daily Usage", "Provisioning Status").</summary>
        internal static bool IsLegacySectionTitle(string s)
        {
            s = s.Trim();
            return s.Equals("Statement", StringComparison.OrdinalIgnoreCase)
                || s.Equals("Daily Usage", StringComparison.OrdinalIgnoreCase)
                || s.Equals("Provisioning Status", StringComparison.OrdinalIgnoreCase)
                || s.Equals("Usage Summary", StringComparison.OrdinalIgnoreCase);
        }

        private static bool SameOrder(IReadOnlyList<string> header, string[] documented)
        {
            if (header.Count != documented.Length) return false;
            for (int i = 0; i < documented.Length; i++)
            {
                if (!string.Equals((header[i] ?? string.Empty).Trim(), documented[i], StringComparison.OrdinalIgnoreCase)) return false;
            }
            return true;
        }
    }
}
