using System;
using System.Collections.Generic;
using System.Globalization;
using BillingPowerShell.Emulator.Data;

namespace BillingPowerShell.Emulator.Usage;

/// <summary>
/// The Cost Details CSV schemas of CSV_SCHEMAS.md, column for column: EA 2023-12-01 (55 fields) and
/// MCA 2023-12-01 (65 fields, mixed casing as documented). Each column is a function of the usage row.
/// </summary>
internal static class CsvSchemas
{
    /// <summary>A column: a text value, or a number (formatted straight into the row buffer, no string).</summary>
    internal sealed record Column(string Name, Func<UsageRow, World, string>? Value, Func<UsageRow, decimal>? Number = null);

    private static string N(decimal d) => d.ToString(CultureInfo.InvariantCulture);
    private static readonly System.Collections.Concurrent.ConcurrentDictionary<int, string> Dates = new();
    // Cost details files write US dates; cached per day (a report has at most a month of them).
    private static string D(DateOnly d) => Dates.GetOrAdd(d.DayNumber, _ => d.ToString("MM/dd/yyyy", CultureInfo.InvariantCulture));
    private static DateOnly Ps(UsageRow r) => new(r.Day.Year, r.Day.Month, 1);
    private static DateOnly Pe(UsageRow r) => Ps(r).AddMonths(1).AddDays(-1);
    private static string Pricing(UsageRow r) => r.PricingModel == "OnDemand" ? "OnDemand" : r.PricingModel;
    /// <summary>
    /// The benefit's fully qualified resource id, as Azure writes benefitId (docs/contracts/azure-api/FOCUS.md,
    /// "CommitmentDiscountId": it covers savings plans and is fully qualified), the same id FocusSchema writes.
    /// </summary>
    internal static string BenefitId(UsageRow r) =>
        r.ReservationId is { } id ? $"/providers/Microsoft.Capacity/reservationOrders/{id}/reservations/{id}" : "";

    private static string Rate(UsageRow r) => UsageDetailsEndpoints.UsdRate[r.Currency].ToString(CultureInfo.InvariantCulture);

    // EA departments / enrollment accounts: two of each, shared with the usage details JSON.
    internal static readonly string[] Departments = { "Department 1", "Department 2" };
    internal static readonly string[] EnrollmentAccounts = { "Enrollment account 1", "Enrollment account 2" };
    internal static readonly string[] Owners = { "owner1@example.com", "owner2@example.com" };
    private static readonly string[] SectionIds = { "100", "101" };

    public static readonly Column[] Ea =
    {
        new("InvoiceSectionName", (r, w) => Departments[r.Sub.Ordinal % 2]),
        new("AccountName", (r, w) => EnrollmentAccounts[r.Sub.Ordinal % 2]),
        new("AccountOwnerId", (r, w) => Owners[r.Sub.Ordinal % 2]),
        new("SubscriptionId", (r, w) => r.Sub.Id),
        new("SubscriptionName", (r, w) => r.Sub.DisplayName),
        new("ResourceGroup", (r, w) => r.ResourceGroup),
        new("ResourceLocation", (r, w) => r.Location),
        new("Date", (r, w) => D(r.Day)),
        new("ProductName", (r, w) => r.Meter.Product),
        new("MeterCategory", (r, w) => r.Meter.Category),
        new("MeterSubCategory", (r, w) => r.Meter.SubCategory),
        new("MeterId", (r, w) => r.Meter.Id),
        new("MeterName", (r, w) => r.Meter.Name),
        new("MeterRegion", (r, w) => r.Meter.Region),
        new("UnitOfMeasure", (r, w) => r.Meter.Unit),
        new("Quantity", null, r => r.Quantity),
        new("EffectivePrice", null, r => r.EffectivePrice),
        new("CostInBillingCurrency", null, r => r.Cost),
        new("CostCenter", (r, w) => r.Sub.CostCenter),
        new("ConsumedService", (r, w) => r.Meter.ConsumedService),
        new("ResourceId", (r, w) => r.ResourceId),
        new("Tags", (r, w) => r.TagsJson),
        new("OfferId", (r, w) => r.Sub.OfferId),
        new("AdditionalInfo", (r, w) => r.AdditionalInfo),
        new("ServiceInfo1", (r, w) => ""),
        new("ServiceInfo2", (r, w) => ""),
        new("ResourceName", (r, w) => r.ResourceName),
        new("ReservationId", (r, w) => r.ReservationId ?? ""),
        new("ReservationName", (r, w) => r.ReservationName ?? ""),
        new("UnitPrice", null, r => r.UnitPrice),
        new("ProductOrderId", (r, w) => r.ReservationId ?? ""),
        new("ProductOrderName", (r, w) => r.ReservationName ?? ""),
        new("Term", (r, w) => r.ReservationId != null ? "12" : ""),
        new("PublisherType", (r, w) => UsageRow.PublisherType),
        new("PublisherName", (r, w) => "Microsoft"),
        new("ChargeType", (r, w) => r.ChargeType),
        new("Frequency", (r, w) => "UsageBased"),
        new("PricingModel", (r, w) => Pricing(r)),
        new("AvailabilityZone", (r, w) => ""),
        new("BillingAccountId", (r, w) => r.Sub.Account.Name),
        new("BillingAccountName", (r, w) => r.Sub.Account.DisplayName),
        new("BillingCurrencyCode", (r, w) => r.Currency),
        new("BillingPeriodStartDate", (r, w) => D(Ps(r))),
        new("BillingPeriodEndDate", (r, w) => D(Pe(r))),
        new("BillingProfileId", (r, w) => r.Sub.Account.Name),
        new("BillingProfileName", (r, w) => r.Sub.Account.DisplayName),
        new("InvoiceSectionId", (r, w) => SectionIds[r.Sub.Ordinal % 2]),
        new("IsAzureCreditEligible", (r, w) => "True"),
        new("PartNumber", (r, w) => r.Meter.PartNumber),
        new("PayGPrice", null, r => r.UnitPrice),
        new("PlanName", (r, w) => ""),
        new("ServiceFamily", (r, w) => r.Meter.ServiceFamily),
        new("CostAllocationRuleName", (r, w) => ""),
        new("benefitId", (r, w) => BenefitId(r)),
        new("benefitName", (r, w) => r.ReservationName ?? ""),
    };

    public static readonly Column[] Mca =
    {
        new("invoiceId", (r, w) => w.InvoiceFor(r.Sub, r.Day)?.Name ?? ""),
        new("previousInvoiceId", (r, w) => ""),
        new("billingAccountId", (r, w) => r.Sub.Account.Id),
        new("billingAccountName", (r, w) => r.Sub.Account.DisplayName),
        new("billingProfileId", (r, w) => r.Sub.Profile!.Id),
        new("billingProfileName", (r, w) => r.Sub.Profile!.DisplayName),
        new("invoiceSectionId", (r, w) => r.Sub.Section!.Id),
        new("invoiceSectionName", (r, w) => r.Sub.Section!.DisplayName),
        new("resellerName", (r, w) => ""),
        new("resellerMpnId", (r, w) => ""),
        new("costCenter", (r, w) => r.Sub.CostCenter),
        new("billingPeriodEndDate", (r, w) => D(Pe(r))),
        new("billingPeriodStartDate", (r, w) => D(Ps(r))),
        new("servicePeriodEndDate", (r, w) => D(Pe(r))),
        new("servicePeriodStartDate", (r, w) => D(Ps(r))),
        new("date", (r, w) => D(r.Day)),
        new("serviceFamily", (r, w) => r.Meter.ServiceFamily),
        new("productOrderId", (r, w) => r.ReservationId ?? ""),
        new("productOrderName", (r, w) => r.ReservationName ?? ""),
        new("consumedService", (r, w) => r.Meter.ConsumedService),
        new("meterId", (r, w) => r.Meter.Id),
        new("meterName", (r, w) => r.Meter.Name),
        new("meterCategory", (r, w) => r.Meter.Category),
        new("meterSubCategory", (r, w) => r.Meter.SubCategory),
        new("meterRegion", (r, w) => r.Meter.Region),
        new("ProductId", (r, w) => r.Meter.PartNumber),
        new("ProductName", (r, w) => r.Meter.Product),
        new("SubscriptionId", (r, w) => r.Sub.Id),
        new("subscriptionName", (r, w) => r.Sub.DisplayName),
        new("publisherType", (r, w) => UsageRow.PublisherType),
        new("publisherId", (r, w) => ""),
        new("publisherName", (r, w) => "Microsoft"),
        new("resourceGroupName", (r, w) => r.ResourceGroup),
        new("ResourceId", (r, w) => r.ResourceId),
        new("resourceLocation", (r, w) => r.Location),
        new("location", (r, w) => r.Location),
        new("effectivePrice", null, r => r.EffectivePrice),
        new("quantity", null, r => r.Quantity),
        new("unitOfMeasure", (r, w) => r.Meter.Unit),
        new("chargeType", (r, w) => r.ChargeType),
        new("billingCurrency", (r, w) => r.Currency),
        new("pricingCurrency", (r, w) => "USD"),
        new("costInBillingCurrency", null, r => r.Cost),
        new("costInPricingCurrency", null, r => Math.Round(r.Cost * UsageDetailsEndpoints.UsdRate[r.Currency], 6)),
        new("costInUsd", null, r => Math.Round(r.Cost * UsageDetailsEndpoints.UsdRate[r.Currency], 6)),
        new("paygCostInBillingCurrency", null, r => Math.Round(r.Quantity * r.UnitPrice, 6)),
        new("paygCostInUsd", null, r => Math.Round(r.Quantity * r.UnitPrice * UsageDetailsEndpoints.UsdRate[r.Currency], 6)),
        new("exchangeRatePricingToBilling", null, r => Math.Round(1m / UsageDetailsEndpoints.UsdRate[r.Currency], 6)),
        new("exchangeRateDate", (r, w) => D(Ps(r))),
        new("isAzureCreditEligible", (r, w) => "True"),
        new("serviceInfo1", (r, w) => ""),
        new("serviceInfo2", (r, w) => ""),
        new("additionalInfo", (r, w) => r.AdditionalInfo),
        new("tags", (r, w) => r.TagsJson),
        new("PayGPrice", null, r => r.UnitPrice),
        new("frequency", (r, w) => "UsageBased"),
        new("term", (r, w) => r.ReservationId != null ? "12" : ""),
        new("reservationId", (r, w) => r.ReservationId ?? ""),
        new("reservationName", (r, w) => r.ReservationName ?? ""),
        new("pricingModel", (r, w) => Pricing(r)),
        new("unitPrice", null, r => r.UnitPrice),
        new("costAllocationRuleName", (r, w) => ""),
        new("benefitId", (r, w) => BenefitId(r)),
        new("benefitName", (r, w) => r.ReservationName ?? ""),
        new("provider", (r, w) => "Azure"),
    };

    /// <summary>RFC 4180 quoting: only fields with a comma, quote or line break are quoted.</summary>
    public static void AppendField(System.Text.StringBuilder sb, string v)
    {
        if (v.AsSpan().IndexOfAny(",\"\r\n") < 0) { sb.Append(v); return; }
        sb.Append('"').Append(v.Replace("\"", "\"\"")).Append('"');
    }

    public static string Header(Column[] cols) => string.Join(",", Array.ConvertAll(cols, c => c.Name)) + "\r\n";
}
