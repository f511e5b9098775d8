using System;
using System.Globalization;
using BillingPowerShell.Emulator.Data;
using BillingPowerShell.Emulator.Usage;

namespace BillingPowerShell.Emulator.Exports;

/// <summary>
/// The FocusCost dataset (FOCUS 1.0r2) of docs/contracts/azure-api/FOCUS.md: the FOCUS columns A–Z ("Column list,
/// FOCUS 1.0 (43 columns) and 1.2 (57 columns)", plus BillingAccountType and SubAccountType, which Microsoft's 1.0
/// export carries), then a few `x_` columns ("Microsoft `x_` extension columns and their cost-details sources").
/// Rows are the amortized rows ("Row selection": the world has no commitment purchases to add) mapped as
/// "Per-column mapping" says; BilledCost sums to the actual cost and EffectiveCost to the amortized cost of
/// `/_emulator/world`. No lookup tables: ServiceName is the meter category, ResourceType the ARM type, PricingUnit the
/// unit of measure (FOCUS.md, "Gaps and conflicts to decide explicitly", "Lookups").
/// </summary>
internal static class FocusSchema
{
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;
    private static string T(DateOnly d) => d.ToString("yyyy-MM-dd", Inv) + "T00:00:00Z";
    private static DateOnly Ps(UsageRow r) => new(r.Day.Year, r.Day.Month, 1);
    private static bool Committed(UsageRow r) => r.PricingModel == "Reservation";
    private static string Commitment(UsageRow r) =>
        Committed(r) ? $"/providers/Microsoft.Capacity/reservationOrders/{r.ReservationId}/reservations/{r.ReservationId}" : "";
    private static bool Mca(UsageRow r) => r.Sub.Account.IsMca;

    private static string Region(string location) => location switch
    {
        "eastus" => "East US", "westeurope" => "West Europe", "westus" => "West US", _ => location,
    };

    private static string PricingCategory(UsageRow r) => r.PricingModel switch { "OnDemand" => "Standard", "Spot" => "Dynamic", "Reservation" => "Committed", _ => "" };

    private static CsvSchemas.Column S(string name, Func<UsageRow, string> value) => new(name, (r, w) => value(r));
    private static CsvSchemas.Column N(string name, Func<UsageRow, decimal> value) => new(name, null, value);

    public static readonly CsvSchemas.Column[] Columns =
    {
        S("AvailabilityZone", r => ""),
        N("BilledCost", r => Committed(r) ? 0m : r.Cost),
        S("BillingAccountId", r => Mca(r) ? r.Sub.Profile!.Id : r.Sub.Account.Id),
        S("BillingAccountName", r => Mca(r) ? r.Sub.Profile!.DisplayName : r.Sub.Account.DisplayName),
        S("BillingAccountType", r => Mca(r) ? "Billing Profile" : "Billing Account"),
        S("BillingCurrency", r => r.Currency),
        S("BillingPeriodEnd", r => T(Ps(r).AddMonths(1))),
        S("BillingPeriodStart", r => T(Ps(r))),
        S("ChargeCategory", r => "Usage"),
        S("ChargeClass", r => ""),
        S("ChargeDescription", r => r.Meter.Product),
        S("ChargeFrequency", r => "Usage-Based"),
        S("ChargePeriodEnd", r => T(r.Day.AddDays(1))),
        S("ChargePeriodStart", r => T(r.Day)),
        S("CommitmentDiscountCategory", r => Committed(r) ? "Usage" : ""),
        S("CommitmentDiscountId", Commitment),
        S("CommitmentDiscountName", r => r.ReservationName ?? ""),
        S("CommitmentDiscountStatus", r => Committed(r) ? "Used" : ""),
        S("CommitmentDiscountType", r => Committed(r) ? "Reservation" : ""),
        N("ConsumedQuantity", r => r.Quantity),
        S("ConsumedUnit", r => r.Meter.Unit),
        N("ContractedCost", r => Math.Round(r.Quantity * r.EffectivePrice, 6)),
        N("ContractedUnitPrice", r => r.EffectivePrice),
        N("EffectiveCost", r => r.Cost),
        S("InvoiceIssuerName", r => "Microsoft"),
        N("ListCost", r => Math.Round(r.Quantity * r.UnitPrice, 6)),
        N("ListUnitPrice", r => r.UnitPrice),
        S("PricingCategory", PricingCategory),
        N("PricingQuantity", r => r.Quantity),
        S("PricingUnit", r => r.Meter.Unit),
        S("ProviderName", r => "Microsoft"),
        S("PublisherName", r => "Microsoft"),
        S("RegionId", r => r.Location),
        S("RegionName", r => Region(r.Location)),
        S("ResourceId", r => r.ResourceId),
        S("ResourceName", r => r.ResourceName),
        S("ResourceType", r => r.Meter.ResourceType),
        S("ServiceCategory", r => r.Meter.ServiceFamily),
        S("ServiceName", r => r.Meter.Category),
        S("SkuId", r => Mca(r) ? r.Meter.PartNumber : ""),
        S("SkuPriceId", r => ""),
        S("SubAccountId", r => "/subscriptions/" + r.Sub.Id),
        S("SubAccountName", r => r.Sub.DisplayName),
        S("SubAccountType", r => "Subscription"),
        S("Tags", r => r.TagsJson),
        S("x_BillingAccountId", r => r.Sub.Account.Name),
        S("x_BillingAccountName", r => r.Sub.Account.DisplayName),
        S("x_BillingProfileId", r => Mca(r) ? r.Sub.Profile!.Name : r.Sub.Account.Name),
        S("x_BillingProfileName", r => Mca(r) ? r.Sub.Profile!.DisplayName : r.Sub.Account.DisplayName),
        S("x_CostCenter", r => r.Sub.CostCenter),
        N("x_EffectiveUnitPrice", r => r.EffectivePrice),
        S("x_InvoiceSectionId", r => Mca(r) ? r.Sub.Section!.Id : ""),
        S("x_InvoiceSectionName", r => Mca(r) ? r.Sub.Section!.DisplayName : ""),
        S("x_PricingCurrency", r => Mca(r) ? "USD" : r.Currency),
        S("x_ResourceGroupName", r => r.ResourceGroup),
        S("x_ResourceType", r => r.Meter.ResourceType),
        S("x_SkuMeterCategory", r => r.Meter.Category),
        S("x_SkuMeterId", r => r.Meter.Id),
        S("x_SkuMeterName", r => r.Meter.Name),
        S("x_SkuMeterSubcategory", r => r.Meter.SubCategory),
        S("x_SkuPartNumber", r => r.Meter.PartNumber),
        S("x_SkuRegion", r => r.Meter.Region),
        S("x_SkuServiceFamily", r => r.Meter.ServiceFamily),
        S("x_SubscriptionId", r => r.Sub.Id),
    };
}
