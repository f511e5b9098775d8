using System;
using System.Collections.Generic;

namespace BillingPowerShell.Engine.Usage.Focus
{
    /// <summary>Source columns the FOCUS mapping reads that <see cref="UsageRecord"/> has no field for.</summary>
    internal enum FocusSourceField
    {
        BillingAccountName, BillingProfileName, BillingPeriodStart, BillingPeriodEnd, AvailabilityZone, BenefitId,
        ConsumedService, PayGPrice, ExchangeRate, ExchangeRateDate, PricingCurrency, ProductId, PartNumber, OfferId,
        AccountName, AccountOwnerId, InvoiceSectionId, PartnerName, PartnerTenantId, PublisherId, ResellerId, ResellerName,
        ServicePeriodStart, ServicePeriodEnd, Term, ProductOrderId, ProductOrderName, IsAzureCreditEligible, PlanName,
        CostAllocationRuleName, CostInUsd,
    }

    /// <summary>
    /// Where those columns sit in one file's layout (CSV_SCHEMAS.md names: EA PascalCase, MCA camelCase, usage-details
    /// JSON names; matched case-insensitively, first present wins), resolved once per layout.
    /// </summary>
    internal sealed class FocusSource
    {
        private static readonly string[][] Names = Build();

        private static string[][] Build()
        {
            var t = new string[(int)FocusSourceField.CostInUsd + 1][];
            void M(FocusSourceField f, params string[] n) => t[(int)f] = n;
            M(FocusSourceField.BillingAccountName, "BillingAccountName");
            M(FocusSourceField.BillingProfileName, "BillingProfileName");
            M(FocusSourceField.BillingPeriodStart, "BillingPeriodStartDate");
            M(FocusSourceField.BillingPeriodEnd, "BillingPeriodEndDate");
            M(FocusSourceField.AvailabilityZone, "AvailabilityZone");
            M(FocusSourceField.BenefitId, "benefitId");
            M(FocusSourceField.ConsumedService, "ConsumedService");
            M(FocusSourceField.PayGPrice, "PayGPrice");
            M(FocusSourceField.ExchangeRate, "exchangeRatePricingToBilling");
            M(FocusSourceField.ExchangeRateDate, "exchangeRateDate");
            M(FocusSourceField.PricingCurrency, "pricingCurrency", "pricingCurrencyCode");
            M(FocusSourceField.ProductId, "ProductId");
            M(FocusSourceField.PartNumber, "PartNumber");
            M(FocusSourceField.OfferId, "OfferId");
            M(FocusSourceField.AccountName, "AccountName");
            M(FocusSourceField.AccountOwnerId, "AccountOwnerId");
            M(FocusSourceField.InvoiceSectionId, "InvoiceSectionId");
            M(FocusSourceField.PartnerName, "PartnerName");
            M(FocusSourceField.PartnerTenantId, "PartnerTenantId");
            M(FocusSourceField.PublisherId, "publisherId");
            M(FocusSourceField.ResellerId, "resellerMpnId");
            M(FocusSourceField.ResellerName, "resellerName");
            M(FocusSourceField.ServicePeriodStart, "servicePeriodStartDate");
            M(FocusSourceField.ServicePeriodEnd, "servicePeriodEndDate");
            M(FocusSourceField.Term, "Term");
            M(FocusSourceField.ProductOrderId, "ProductOrderId");
            M(FocusSourceField.ProductOrderName, "ProductOrderName");
            M(FocusSourceField.IsAzureCreditEligible, "IsAzureCreditEligible");
            M(FocusSourceField.PlanName, "PlanName");
            M(FocusSourceField.CostAllocationRuleName, "CostAllocationRuleName");
            M(FocusSourceField.CostInUsd, "costInUsd");
            return t;
        }

        private readonly int[] _cols;
        public UsageColumnLayout Layout { get; }

        public FocusSource(UsageColumnLayout layout)
        {
            Layout = layout;
            _cols = new int[Names.Length];
            for (int f = 0; f < Names.Length; f++)
            {
                _cols[f] = -1;
                foreach (var n in Names[f])
                    if (layout.Index.TryGetValue(n, out int c)) { _cols[f] = c; break; }
            }
        }

        /// <summary>The column's text, null when the source has no such column or the value is blank.</summary>
        public string? Text(UsageRecord r, FocusSourceField f)
        {
            int c = _cols[(int)f];
            if (c < 0) return null;
            var s = r.RawColumn(c);
            return string.IsNullOrWhiteSpace(s) ? null : s;
        }

        public decimal? Decimal(UsageRecord r, FocusSourceField f) =>
            Text(r, f) is string s && UsageValueParser.TryParseDecimal(s, out var d) ? d : (decimal?)null;

        public DateTime? Date(UsageRecord r, FocusSourceField f) =>
            Text(r, f) is string s && UsageValueParser.TryParseDate(s, out var d) ? d : (DateTime?)null;
    }
}
