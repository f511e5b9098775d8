using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using BillingPowerShell.Engine.Costs;
using BillingPowerShell.Engine.Usage;
using BillingPowerShell.Engine.Usage.Focus;
using Xunit;
using static BillingPowerShell.Engine.Tests.Usage.UsageTestData;

namespace BillingPowerShell.Engine.Tests.Usage
{
    /// <summary>The FOCUS mapping of docs/contracts/azure-api/FOCUS.md, rule by rule, and the FOCUS file written and read back.</summary>
    public class FocusTests
    {
        private const string Sub = "aaaa0000-0000-0000-0000-000000000001";
        private const string Ri = "/providers/Microsoft.Capacity/reservationOrders/o1/reservations/r1";
        private const string Sp = "/providers/Microsoft.BillingBenefits/savingsPlanOrders/o2/savingsPlans/s2";

        [Theory]
        [InlineData("Usage", "Usage")]
        [InlineData("", "Usage")]
        [InlineData("Purchase", "Purchase")]
        [InlineData("Refund", "Purchase")]
        [InlineData("UnusedReservation", "Usage")]
        [InlineData("UnusedSavingsPlan", "Usage")]
        [InlineData("Credit", "Credit")]
        [InlineData("Tax", "Tax")]
        [InlineData("RoundingAdjustment", "Adjustment")]
        public void ChargeCategoryFromChargeType(string chargeType, string expected) =>
            Assert.Equal(expected, FocusRules.ChargeCategory(chargeType));

        [Fact]
        public void ChargeClassIsCorrectionForRefundsOnly()
        {
            Assert.Equal("Correction", FocusRules.ChargeClass("Refund"));
            foreach (var t in new[] { "Usage", "Purchase", "UnusedReservation", "" }) Assert.Null(FocusRules.ChargeClass(t));
        }

        [Theory]
        [InlineData("UsageBased", "Usage", "Usage-Based")]
        [InlineData("OneTime", "Purchase", "One-Time")]
        [InlineData("Recurring", "Purchase", "Recurring")]
        [InlineData("", "Usage", "Usage-Based")]
        [InlineData("Weird", "Adjustment", "Usage-Based")]
        [InlineData("UsageBased", "Purchase", "One-Time")]
        [InlineData("", "Purchase", "One-Time")]
        public void ChargeFrequencyIsAlwaysAnAllowedValue(string frequency, string category, string expected)
        {
            var f = FocusRules.ChargeFrequency(frequency, category);
            Assert.Equal(expected, f);
            Assert.Contains(f, new[] { "One-Time", "Recurring", "Usage-Based" });
        }

        [Theory]
        [InlineData("Usage", "OnDemand", 5, 5, 5)]
        [InlineData("Usage", "Spot", 5, 5, 5)]
        [InlineData("Usage", "Reservation", 5, 0, 5)]     // reserved usage: billed by the purchase
        [InlineData("Usage", "SavingsPlan", 5, 0, 5)]
        [InlineData("Usage", "Savings Plan", 5, 0, 5)]    // usage details JSON writes it with a blank
        [InlineData("UnusedReservation", "Reservation", 2, 0, 2)]
        [InlineData("UnusedSavingsPlan", "SavingsPlan", 2, 0, 2)]
        [InlineData("Purchase", "Reservation", 100, 100, 0)] // commitment purchase: amortized over its usage
        [InlineData("Refund", "SavingsPlan", -40, -40, 0)]
        [InlineData("Purchase", "", 30, 30, 30)]          // marketplace or other purchase: not amortized
        [InlineData("Tax", "", 3, 3, 3)]
        public void BilledAndEffectiveCost(string chargeType, string pricingModel, int cost, int billed, int effective)
        {
            Assert.Equal(billed, FocusRules.BilledCost(chargeType, pricingModel, cost));
            Assert.Equal(effective, FocusRules.EffectiveCost(chargeType, pricingModel, cost));
        }

        [Fact]
        public void CommitmentDiscountColumns()
        {
            Assert.Equal("Usage", FocusRules.CommitmentDiscountCategory(Ri, "Reservation"));
            Assert.Equal("Reservation", FocusRules.CommitmentDiscountType(Ri, "Reservation"));
            Assert.Equal("Spend", FocusRules.CommitmentDiscountCategory(Sp, "SavingsPlan"));
            Assert.Equal("Savings Plan", FocusRules.CommitmentDiscountType(Sp, "SavingsPlan"));
            Assert.Equal("Usage", FocusRules.CommitmentDiscountCategory("6c3a1c1e-guid", "Reservation")); // a bare id: the pricing model says
            Assert.Null(FocusRules.CommitmentDiscountCategory(null, "Reservation"));                      // null iff the id is null
            Assert.Null(FocusRules.CommitmentDiscountType("", "OnDemand"));
            Assert.Equal("Used", FocusRules.CommitmentDiscountStatus("Usage", "Reservation", Ri));
            Assert.Equal("Unused", FocusRules.CommitmentDiscountStatus("UnusedReservation", "Reservation", Ri));
            Assert.Null(FocusRules.CommitmentDiscountStatus("Usage", "OnDemand", null));
            Assert.Null(FocusRules.CommitmentDiscountStatus("Purchase", "Reservation", Ri));
            Assert.Null(FocusRules.CommitmentDiscountStatus("Usage", "Reservation", null));
        }

        [Theory]
        [InlineData("OnDemand", "Standard")]
        [InlineData("On Demand", "Standard")]
        [InlineData("Spot", "Dynamic")]
        [InlineData("Reservation", "Committed")]
        [InlineData("SavingsPlan", "Committed")]
        [InlineData("", null)]
        public void PricingCategory(string model, string? expected) => Assert.Equal(expected, FocusRules.PricingCategory(model));

        [Theory]
        [InlineData("Compute", "Compute")]
        [InlineData("management and governance", "Management and Governance")]
        [InlineData("AI + Machine Learning", "AI and Machine Learning")]
        [InlineData("Containers", "Compute")]
        [InlineData("Something new", "Other")]
        [InlineData("", "Other")]
        public void ServiceCategoryIsAnAllowedValue(string family, string expected) => Assert.Equal(expected, FocusRules.ServiceCategory(family));

        [Fact]
        public void ResourceTypeAndRegion()
        {
            Assert.Equal("microsoft.compute/virtualmachines", FocusRules.ResourceType($"/subscriptions/{Sub}/resourceGroups/rg/providers/Microsoft.Compute/virtualMachines/vm1"));
            Assert.Equal("microsoft.compute/virtualmachines/extensions", FocusRules.ResourceType($"/subscriptions/{Sub}/resourceGroups/rg/providers/Microsoft.Compute/virtualMachines/vm1/extensions/e"));
            Assert.Null(FocusRules.ResourceType(""));
            Assert.Equal("eastus", FocusRules.RegionId("East US"));
            Assert.Null(FocusRules.RegionId(" "));
        }

        // ---- the table over cost details rows ----

        private static readonly Dictionary<string, string> Base = new Dictionary<string, string>
        {
            ["SubscriptionId"] = Sub, ["SubscriptionName"] = "Prod", ["ResourceGroup"] = "rg", ["ResourceLocation"] = "EastUS",
            ["Date"] = "01/15/2024", ["ProductName"] = "Virtual Machines D2s v5", ["MeterCategory"] = "Virtual Machines",
            ["MeterId"] = "m-1", ["MeterName"] = "D2s v5", ["UnitOfMeasure"] = "1 Hour", ["Quantity"] = "10", ["EffectivePrice"] = "0.08",
            ["UnitPrice"] = "0.09", ["PayGPrice"] = "0.1", ["ResourceId"] = $"/subscriptions/{Sub}/resourceGroups/rg/providers/Microsoft.Compute/virtualMachines/vm1",
            ["Tags"] = "\"env\": \"prod\"", ["ChargeType"] = "Usage", ["Frequency"] = "UsageBased", ["PricingModel"] = "OnDemand",
            ["BillingAccountId"] = "8611537", ["BillingAccountName"] = "Contoso", ["BillingCurrencyCode"] = "EUR",
            ["BillingPeriodStartDate"] = "01/01/2024", ["BillingPeriodEndDate"] = "01/31/2024", ["BillingProfileId"] = "8611537",
            ["PublisherName"] = "Microsoft", ["ServiceFamily"] = "Compute", ["CostInBillingCurrency"] = "0.8",
        };

        private static string EaRow(params (string Key, string Value)[] changes)
        {
            var v = new Dictionary<string, string>(Base);
            foreach (var (k, val) in changes) v[k] = val;
            return string.Join(",", Row(Ea2023, v, _ => "").Select(Quote));
        }

        /// <summary>The amortized and the actual cost data of one day: on-demand usage, reserved usage, an unused reservation, the reservation's purchase.</summary>
        private static (string Amortized, string Actual) EaMonth()
        {
            string header = string.Join(",", Ea2023);
            var amortized = new[]
            {
                EaRow(),
                EaRow(("PricingModel", "Reservation"), ("CostInBillingCurrency", "0.5"), ("benefitId", Ri), ("benefitName", "RI-1"), ("ReservationId", "r1")),
                EaRow(("ChargeType", "UnusedReservation"), ("PricingModel", "Reservation"), ("CostInBillingCurrency", "0.2"), ("benefitId", Ri), ("benefitName", "RI-1")),
                EaRow(("ChargeType", "Purchase"), ("PricingModel", "Reservation"), ("CostInBillingCurrency", "0"), ("Frequency", "Recurring"), ("benefitId", Ri)), // amortized data may show it at 0
            };
            var actual = new[]
            {
                EaRow(),
                EaRow(("PricingModel", "Reservation"), ("CostInBillingCurrency", "0"), ("benefitId", Ri), ("benefitName", "RI-1")),
                EaRow(("ChargeType", "Purchase"), ("PricingModel", "Reservation"), ("CostInBillingCurrency", "21"), ("Frequency", "OneTime"), ("benefitId", Ri), ("Quantity", "1")),
            };
            return (header + "\r\n" + string.Join("\r\n", amortized) + "\r\n", header + "\r\n" + string.Join("\r\n", actual) + "\r\n");
        }

        /// <summary>What the export writes: the amortized rows but commitment purchases, then the actual data's purchases.</summary>
        private static List<UsageRecord> FocusRecords()
        {
            var (amortized, actual) = EaMonth();
            return ReadAll(amortized).Where(r => !FocusTable.FromActualCost(r)).Concat(ReadAll(actual).Where(FocusTable.FromActualCost)).ToList();
        }

        private static List<Dictionary<string, object?>> Rows(IEnumerable<UsageRecord> records, FocusVersion version = FocusVersion.V1_2)
        {
            var table = new FocusTable(version);
            var result = new List<Dictionary<string, object?>>();
            foreach (var r in records)
            {
                var row = new object?[table.Columns.Count];
                table.Fill(r, row);
                result.Add(table.Columns.Select((c, i) => (c.Name, row[i])).ToDictionary(p => p.Name, p => p.Item2));
            }
            return result;
        }

        [Fact]
        public void PurchasesAndUsageAreEachCountedOnce()
        {
            var rows = Rows(FocusRecords());
            Assert.Equal(4, rows.Count); // 3 amortized rows (its 0 purchase left out) + the actual purchase
            Assert.Single(rows, r => (string?)r["ChargeCategory"] == "Purchase");
            // BilledCost: on-demand 0.8 + the purchase 21 (what the invoice bills); EffectiveCost: 0.8 + 0.5 + 0.2 (amortized).
            Assert.Equal(21.8m, rows.Sum(r => (decimal)r["BilledCost"]!));
            Assert.Equal(1.5m, rows.Sum(r => (decimal)r["EffectiveCost"]!));
            var purchase = rows.Single(r => (string?)r["ChargeCategory"] == "Purchase");
            Assert.Equal(0m, purchase["EffectiveCost"]);
            Assert.Equal("One-Time", purchase["ChargeFrequency"]);
            Assert.Null(purchase["ConsumedQuantity"]);
            Assert.Equal("Principal", purchase["x_AmortizationClass"]);
            var reserved = rows[1];
            Assert.Equal(0m, reserved["BilledCost"]);
            Assert.Equal(0.5m, reserved["EffectiveCost"]);
            Assert.Equal("Used", reserved["CommitmentDiscountStatus"]);
            Assert.Equal("Usage", reserved["CommitmentDiscountCategory"]);
            Assert.Equal("Amortized Charge", reserved["x_AmortizationClass"]);
            var unused = rows[2];
            Assert.Equal("Usage", unused["ChargeCategory"]);
            Assert.Equal("Unused", unused["CommitmentDiscountStatus"]);
            Assert.Equal(0m, unused["BilledCost"]);
            Assert.Null(unused["ConsumedQuantity"]); // null for unused commitments
        }

        [Fact]
        public void OnDemandRowColumns()
        {
            var r = Rows(FocusRecords())[0];
            Assert.Equal(new DateTime(2024, 1, 15, 0, 0, 0, DateTimeKind.Utc), r["ChargePeriodStart"]);
            Assert.Equal(new DateTime(2024, 1, 16, 0, 0, 0, DateTimeKind.Utc), r["ChargePeriodEnd"]);   // exclusive
            Assert.Equal(new DateTime(2024, 1, 1, 0, 0, 0, DateTimeKind.Utc), r["BillingPeriodStart"]);
            Assert.Equal(new DateTime(2024, 2, 1, 0, 0, 0, DateTimeKind.Utc), r["BillingPeriodEnd"]);   // exclusive: the 31st + 1
            Assert.Equal("/providers/Microsoft.Billing/billingAccounts/8611537", r["BillingAccountId"]);
            Assert.Equal("8611537", r["x_BillingAccountId"]);
            Assert.Equal("Billing Account", r["BillingAccountType"]);
            Assert.Equal("/subscriptions/" + Sub, r["SubAccountId"]);
            Assert.Equal("Subscription", r["SubAccountType"]);
            Assert.Equal("{\"env\":\"prod\"}", r["Tags"]); // EA's members without braces become a JSON object
            Assert.Equal(0.9m, r["ContractedCost"]);         // UnitPrice × Quantity
            Assert.Equal(1.0m, r["ListCost"]);               // PayGPrice × Quantity
            Assert.Equal(10m, r["PricingQuantity"]);
            Assert.Equal(10m, r["ConsumedQuantity"]);
            Assert.Equal("Standard", r["PricingCategory"]);
            Assert.Equal("Compute", r["ServiceCategory"]);
            Assert.Equal("Virtual Machines", r["ServiceName"]);
            Assert.Equal("eastus", r["RegionId"]);
            Assert.Equal("microsoft.compute/virtualmachines", r["x_ResourceType"]);
            Assert.Equal("Microsoft", r["ProviderName"]);
            Assert.Null(r["ChargeClass"]);
            Assert.Null(r["AvailabilityZone"]); // null, never an empty string
            Assert.Null(r["CommitmentDiscountId"]);
        }

        [Fact]
        public void VersionsHaveTheirColumns()
        {
            var v12 = new FocusTable(FocusVersion.V1_2).Columns.Select(c => c.Name).ToList();
            var v10 = new FocusTable(FocusVersion.V1_0).Columns.Select(c => c.Name).ToList();
            // 1.0: 43 FOCUS columns; 1.2: 57 less the three virtual-currency PricingCurrency* metrics Azure has no use for.
            Assert.Equal(43, v10.Count(n => !n.StartsWith("x_", StringComparison.Ordinal)));
            Assert.Equal(54, v12.Count(n => !n.StartsWith("x_", StringComparison.Ordinal)));
            foreach (var v in new[] { v10, v12 })
            {
                int firstX = v.FindIndex(n => n.StartsWith("x_", StringComparison.Ordinal));
                Assert.All(v.Skip(firstX), n => Assert.StartsWith("x_", n));                          // custom columns last
                Assert.Equal(v.Take(firstX).OrderBy(n => n, StringComparer.Ordinal), v.Take(firstX)); // A-Z
            }
            Assert.Contains("InvoiceId", v12);
            Assert.DoesNotContain("InvoiceId", v10);
            Assert.Contains("x_InvoiceId", v10);
            var table = new FocusTable();
            Assert.Equal(UsageColumnKind.Decimal, table.Columns[table.BilledCostColumn].Kind);
            Assert.Equal(UsageColumnKind.Timestamp, table.Columns[table.IndexOf("ChargePeriodStart")].Kind);
            Assert.Equal(UsageColumnKind.Json, table.Columns[table.IndexOf("Tags")].Kind);
        }

        [Fact]
        public void McaPricesAreInTheBillingCurrencyAndTheAccountIsTheProfile()
        {
            var v = Mca2023.ToDictionary(c => c, c => "");
            v["date"] = "01/15/2024"; v["SubscriptionId"] = Sub; v["billingAccountId"] = "acc:1_2019-05-31"; v["billingProfileId"] = "PROF-1";
            v["billingProfileName"] = "Profile 1"; v["billingCurrency"] = "EUR"; v["pricingCurrency"] = "USD"; v["costInBillingCurrency"] = "9";
            v["quantity"] = "10"; v["unitPrice"] = "1"; v["PayGPrice"] = "1.2"; v["exchangeRatePricingToBilling"] = "0.9"; v["chargeType"] = "Usage";
            v["pricingModel"] = "OnDemand"; v["invoiceId"] = "G0001"; v["billingPeriodStartDate"] = "01/01/2024"; v["billingPeriodEndDate"] = "01/31/2024";
            var text = string.Join(",", Mca2023) + "\r\n" + string.Join(",", Mca2023.Select(c => Quote(v[c]))) + "\r\n";
            var r = Rows(ReadAll(text)).Single();
            Assert.Equal("/providers/Microsoft.Billing/billingAccounts/acc:1_2019-05-31/billingProfiles/PROF-1", r["BillingAccountId"]);
            Assert.Equal("Billing Profile", r["BillingAccountType"]);
            Assert.Equal("Profile 1", r["BillingAccountName"]);
            Assert.Equal(0.9m, r["ContractedUnitPrice"]);
            Assert.Equal(1.08m, r["ListUnitPrice"]);
            Assert.Equal("USD", r["PricingCurrency"]);
            Assert.Equal("G0001", r["InvoiceId"]);
        }

        // ---- the file, written and read back ----

        [Fact]
        public void WrittenFileReadsBackWithEitherMetric()
        {
            var path = Path.Combine(Path.GetTempPath(), "focus-" + Guid.NewGuid().ToString("n") + ".csv");
            try
            {
                UsageExportSummary summary;
                using (var w = UsageCsvWriter.Create(path, UsageCsvSchema.Focus))
                {
                    foreach (var r in FocusRecords()) w.Write(r);
                    summary = w.Complete();
                }
                Assert.Equal(4, summary.RowCount);
                Assert.Equal(21.8m, summary.CostByCurrency["EUR"]);
                Assert.Equal(1.5m, summary.EffectiveCostByCurrency["EUR"]);
                var text = File.ReadAllText(path);
                Assert.Contains("2024-01-15T00:00:00Z,", text);
                Assert.Contains(",,", text); // nulls are empty fields
                Assert.Equal(UsageFileFormat.Focus, UsageCsvReader.DetectFormat(path));
                var billed = ReadAll(File.ReadAllBytes(path));
                var effective = ReadAll(File.ReadAllBytes(path), options: new UsageCsvReaderOptions { CostMetric = CostMetric.AmortizedCost });
                Assert.Equal(21.8m, billed.Sum(r => r.Cost));
                Assert.Equal(1.5m, effective.Sum(r => r.Cost));
                var source = FocusRecords();
                for (int i = 0; i < source.Count; i++)
                {
                    var a = source[i];
                    var b = billed[i];
                    Assert.Equal(UsageFileFormat.Focus, b.SourceFormat);
                    Assert.Equal("Microsoft", b.ProviderName);
                    Assert.Equal(a.Date, b.Date);
                    Assert.Equal(a.SubscriptionId, b.SubscriptionId);
                    Assert.Equal(a.BillingAccountId, b.BillingAccountId);
                    Assert.Equal(a.ResourceId, b.ResourceId);
                    Assert.Equal(a.ResourceGroup, b.ResourceGroup);
                    Assert.Equal(a.MeterId, b.MeterId);
                    Assert.Equal(a.MeterName, b.MeterName);
                    Assert.Equal(a.ChargeType, b.ChargeType);
                    Assert.Equal(a.PricingModel, b.PricingModel);
                    Assert.Equal(a.EffectivePrice, b.EffectivePrice);
                    Assert.Equal(a.UnitOfMeasure, b.UnitOfMeasure);
                    Assert.Equal(a.Tags.OrderBy(k => k.Key), b.Tags.OrderBy(k => k.Key));
                    Assert.Equal(a.Currency, b.Currency);
                    Assert.Equal("EUR", b.SourceColumns["BillingCurrency"]);
                }
            }
            finally { File.Delete(path); }
        }

        [Fact]
        public void AnotherProvidersFile()
        {
            var text = "BilledCost,BillingCurrency,ChargePeriodStart,ChargeCategory,EffectiveCost,ProviderName,SubAccountId,Tags\r\n" +
                       "4,USD,2025-03-02T00:00:00Z,Usage,3,AWS,123456789012,\"{\"\"env\"\":\"\"prod\"\"}\"\r\n";
            var r = Assert.Single(ReadAll(text));
            Assert.Equal(UsageFileFormat.Focus, r.SourceFormat);
            Assert.Equal("AWS", r.ProviderName);
            Assert.Equal("123456789012", r.SubscriptionId);
            Assert.Equal(4m, r.Cost);
            Assert.Equal("prod", r.Tags["env"]);
            Assert.Equal(new DateTime(2025, 3, 2, 0, 0, 0, DateTimeKind.Utc), r.Date);
        }
    }
}
