using System;
using System.Collections.Generic;
using System.Linq;
using System.Text;
using BillingPowerShell.Engine.Usage;
using static BillingPowerShell.Engine.Tests.Usage.UsageTestData;

namespace BillingPowerShell.Engine.Tests.Usage
{
    public class UsageMappingTests
    {
        // Expected source column per field, written out per format on purpose (not derived from UsageColumnMap).
        private static Dictionary<UsageField, string> EaColumns(bool variant = false) => new Dictionary<UsageField, string>
        {
            [UsageField.Date] = "Date", [UsageField.BillingAccountId] = "BillingAccountId", [UsageField.BillingProfileId] = "BillingProfileId",
            [UsageField.InvoiceSectionName] = variant ? "InvoiceSection" : "InvoiceSectionName", [UsageField.SubscriptionId] = "SubscriptionId",
            [UsageField.SubscriptionName] = "SubscriptionName", [UsageField.ResourceGroup] = "ResourceGroup", [UsageField.ResourceId] = "ResourceId",
            [UsageField.ResourceName] = "ResourceName", [UsageField.ResourceLocation] = "ResourceLocation", [UsageField.MeterId] = "MeterId",
            [UsageField.MeterCategory] = "MeterCategory", [UsageField.MeterSubCategory] = "MeterSubCategory", [UsageField.MeterName] = "MeterName",
            [UsageField.MeterRegion] = "MeterRegion", [UsageField.ServiceFamily] = "ServiceFamily", [UsageField.Product] = variant ? "Product" : "ProductName",
            [UsageField.Quantity] = "Quantity", [UsageField.UnitOfMeasure] = "UnitOfMeasure", [UsageField.EffectivePrice] = "EffectivePrice",
            [UsageField.UnitPrice] = "UnitPrice", [UsageField.Cost] = variant ? "Cost" : "CostInBillingCurrency",
            [UsageField.Currency] = variant ? "BillingCurrency" : "BillingCurrencyCode", [UsageField.ChargeType] = "ChargeType",
            [UsageField.PricingModel] = "PricingModel", [UsageField.Frequency] = "Frequency", [UsageField.ReservationId] = "ReservationId",
            [UsageField.ReservationName] = "ReservationName", [UsageField.BenefitName] = "benefitName", [UsageField.CostCenter] = "CostCenter",
            [UsageField.PublisherType] = "PublisherType", [UsageField.PublisherName] = "PublisherName", [UsageField.Tags] = "Tags",
            [UsageField.AdditionalInfo] = "AdditionalInfo",
        };

        private static Dictionary<UsageField, string> McaColumns() => new Dictionary<UsageField, string>
        {
            [UsageField.Date] = "date", [UsageField.BillingAccountId] = "billingAccountId", [UsageField.BillingProfileId] = "billingProfileId",
            [UsageField.InvoiceSectionName] = "invoiceSectionName", [UsageField.SubscriptionId] = "SubscriptionId",
            [UsageField.SubscriptionName] = "subscriptionName", [UsageField.ResourceGroup] = "resourceGroupName", [UsageField.ResourceId] = "ResourceId",
            [UsageField.ResourceLocation] = "resourceLocation", [UsageField.MeterId] = "meterId", [UsageField.MeterCategory] = "meterCategory",
            [UsageField.MeterSubCategory] = "meterSubCategory", [UsageField.MeterName] = "meterName", [UsageField.MeterRegion] = "meterRegion",
            [UsageField.ServiceFamily] = "serviceFamily", [UsageField.Product] = "ProductName", [UsageField.Quantity] = "quantity",
            [UsageField.UnitOfMeasure] = "unitOfMeasure", [UsageField.EffectivePrice] = "effectivePrice", [UsageField.UnitPrice] = "unitPrice",
            [UsageField.Cost] = "costInBillingCurrency", [UsageField.Currency] = "billingCurrency", [UsageField.ChargeType] = "chargeType",
            [UsageField.PricingModel] = "pricingModel", [UsageField.Frequency] = "frequency", [UsageField.ReservationId] = "reservationId",
            [UsageField.ReservationName] = "reservationName", [UsageField.BenefitName] = "benefitName", [UsageField.InvoiceId] = "invoiceId",
            [UsageField.CostCenter] = "costCenter", [UsageField.PublisherType] = "publisherType", [UsageField.PublisherName] = "publisherName",
            [UsageField.Tags] = "tags", [UsageField.AdditionalInfo] = "additionalInfo",
        };

        private static Dictionary<UsageField, string> PaygColumns() => new Dictionary<UsageField, string>
        {
            [UsageField.Date] = "UsageDateTime", [UsageField.SubscriptionId] = "SubscriptionGuid", [UsageField.ResourceGroup] = "ResourceGroup",
            [UsageField.ResourceId] = "InstanceId", [UsageField.ResourceLocation] = "ResourceLocation", [UsageField.MeterId] = "MeterId",
            [UsageField.MeterCategory] = "MeterCategory", [UsageField.MeterSubCategory] = "MeterSubCategory", [UsageField.MeterName] = "MeterName",
            [UsageField.MeterRegion] = "MeterRegion", [UsageField.Quantity] = "UsageQuantity", [UsageField.UnitOfMeasure] = "UnitOfMeasure",
            [UsageField.EffectivePrice] = "ResourceRate", [UsageField.Cost] = "PreTaxCost", [UsageField.Currency] = "Currency",
            [UsageField.Tags] = "Tags", [UsageField.AdditionalInfo] = "AdditionalInfo",
        };

        private static Dictionary<UsageField, string> LegacyColumns() => new Dictionary<UsageField, string>
        {
            [UsageField.Date] = "Usage Date", [UsageField.MeterCategory] = "Meter Category", [UsageField.MeterId] = "Meter ID",
            [UsageField.MeterSubCategory] = "Meter Sub-Category", [UsageField.MeterName] = "Meter Name", [UsageField.MeterRegion] = "Meter Region",
            [UsageField.UnitOfMeasure] = "Unit", [UsageField.Quantity] = "Consumed Quantity", [UsageField.ResourceLocation] = "Resource Location",
            [UsageField.ResourceGroup] = "Resource Group", [UsageField.ResourceId] = "Instance ID", [UsageField.Tags] = "Tags",
            [UsageField.AdditionalInfo] = "Additional Info",
        };

        /// <summary>Values by field: what goes in the source column, and what the record must give back.</summary>
        private static string SourceValue(UsageField f, string column) => f switch
        {
            UsageField.Date => "2024-01-15",
            UsageField.SubscriptionId => SubscriptionUpper,
            UsageField.ResourceId => ResourceId,
            UsageField.Quantity => "1.2E-05",
            UsageField.EffectivePrice => "0.5",
            UsageField.UnitPrice => "3.25",
            UsageField.Cost => "12.3456789012345678901234567",
            UsageField.Tags => "{\"Env\": \"Prod\", \"cost-center\": \"42\"}",
            UsageField.AdditionalInfo => "{\"UsageType\":\"ComputeHR\",\"VCPUs\":2}",
            _ => "v_" + column.Replace(" ", ""),
        };

        public static IEnumerable<object[]> Formats() => new[]
        {
            new object[] { "Ea2023" }, new object[] { "Ea2021" }, new object[] { "EaVariant" }, new object[] { "Mca2023" },
            new object[] { "Payg2019" }, new object[] { "Legacy" },
        };

        private static (string[] header, Dictionary<UsageField, string> cols, UsageFileFormat format) Spec(string name)
        {
            switch (name)
            {
                case "Ea2023": return (Ea2023, EaColumns(), UsageFileFormat.EaCostDetails2023);
                case "Ea2021": return (Ea2021, EaColumns(), UsageFileFormat.EaCostDetails2021);
                case "EaVariant":
                    var h = Ea2023.Select(c => c switch
                    {
                        "ProductName" => "Product", "CostInBillingCurrency" => "Cost", "BillingCurrencyCode" => "BillingCurrency",
                        "InvoiceSectionName" => "InvoiceSection", _ => c,
                    }).Reverse().ToArray();
                    return (h, EaColumns(variant: true), UsageFileFormat.EaCostDetailsVariant);
                case "Mca2023": return (Mca2023, McaColumns(), UsageFileFormat.McaCostDetails2023);
                case "Payg2019": return (Payg2019, PaygColumns(), UsageFileFormat.PayAsYouGo2019);
                case "Legacy": return (LegacyDaily, LegacyColumns(), UsageFileFormat.LegacyPortalDailyUsage);
                default: throw new ArgumentException(name);
            }
        }

        [Theory]
        [MemberData(nameof(Formats))]
        public void EveryFieldIsMapped(string name)
        {
            var (header, cols, format) = Spec(name);
            Assert.Equal(format, UsageFormatDetector.Detect(header));
            var values = cols.ToDictionary(kv => kv.Value, kv => SourceValue(kv.Key, kv.Value), StringComparer.Ordinal);
            var text = Csv(header, new[] { Row(header, values) });
            var errors = new List<UsageRowError>();
            var rec = Assert.Single(ReadAll(text, errors));
            Assert.Empty(errors);
            Assert.Equal(format, rec.SourceFormat);
            AssertMapped(rec, cols, header);
        }

        internal static void AssertMapped(UsageRecord rec, Dictionary<UsageField, string> cols, string[] header)
        {
            Assert.Equal(new DateTime(2024, 1, 15, 0, 0, 0, DateTimeKind.Utc), rec.Date);
            Assert.Equal(DateTimeKind.Utc, rec.Date.Kind);
            for (int f = 0; f < UsageColumnMap.FieldCount; f++)
            {
                var field = (UsageField)f;
                cols.TryGetValue(field, out var col);
                switch (field)
                {
                    case UsageField.Date: break;
                    case UsageField.SourceFormat: break;
                    case UsageField.SubscriptionId: Assert.Equal(SubscriptionUpper.ToLowerInvariant(), rec.SubscriptionId); break; // derived from ResourceId when absent
                    case UsageField.ResourceName: Assert.Equal(col == null ? "vm-1" : "v_" + col, rec.ResourceName); break;
                    case UsageField.Quantity: Assert.Equal(col == null ? (decimal?)null : 0.000012m, rec.Quantity); break;
                    case UsageField.EffectivePrice: Assert.Equal(col == null ? (decimal?)null : 0.5m, rec.EffectivePrice); break;
                    case UsageField.UnitPrice: Assert.Equal(col == null ? (decimal?)null : 3.25m, rec.UnitPrice); break;
                    case UsageField.Cost:
                        Assert.Equal(col == null ? (decimal?)null : 12.3456789012345678901234567m, rec.Cost);
                        if (col != null) Assert.Equal("12.3456789012345678901234567", rec.Cost!.Value.ToString(System.Globalization.CultureInfo.InvariantCulture));
                        break;
                    case UsageField.Tags:
                        Assert.Equal("Prod", rec.Tags["env"]);
                        Assert.Equal("42", rec.Tags["Cost-Center"]);
                        break;
                    case UsageField.ResourceId: Assert.Equal(ResourceId, rec.ResourceId); break;
                    case UsageField.ResourceGroup: Assert.Equal(col == null ? "rg-Web" : "v_" + col.Replace(" ", ""), rec.ResourceGroup); break;
                    case UsageField.AdditionalInfo: Assert.Equal("{\"UsageType\":\"ComputeHR\",\"VCPUs\":2}", rec.AdditionalInfo); break;
                    case UsageField.ProviderName: Assert.Equal(col == null ? "Microsoft" : "v_" + col, rec.ProviderName); break; // Azure's own files are Microsoft's
                    default:
                        Assert.Equal(col == null ? string.Empty : "v_" + col.Replace(" ", ""), UsageCsvWriter.TextOf(rec, field));
                        break;
                }
            }
            // SourceColumns: every column, original names, order, case-insensitive lookup.
            Assert.Equal(header, rec.SourceColumns.Keys.ToArray());
            Assert.Equal(header.Length, rec.SourceColumns.Count);
            var dateCol = cols[UsageField.Date];
            Assert.Equal("2024-01-15", rec.SourceColumns[dateCol.ToUpperInvariant()]);
            Assert.Equal("2024-01-15", ((System.Collections.IDictionary)rec.SourceColumns)[dateCol.ToLowerInvariant()]);
        }

        [Fact]
        public void NormalizedMapsEveryFieldByItsOwnName()
        {
            var cols = Normalized.Where(n => n != "SourceFormat").ToDictionary(n => (UsageField)Enum.Parse(typeof(UsageField), n), n => n);
            var values = cols.ToDictionary(kv => kv.Value, kv => SourceValue(kv.Key, kv.Value));
            values["SourceFormat"] = "McaCostDetails2023";
            var text = Csv(Normalized, new[] { Row(Normalized, values) });
            Assert.Equal(UsageFileFormat.Normalized, UsageFormatDetector.Detect(Normalized));
            var rec = Assert.Single(ReadAll(text));
            Assert.Equal(UsageFileFormat.McaCostDetails2023, rec.SourceFormat);
            AssertMapped(rec, cols, Normalized);
        }

        [Fact]
        public void LegacyPortalFileSkipsStatementAndReadsDailyUsage()
        {
            var sb = new StringBuilder();
            sb.Append("Statement\r\n");
            sb.Append(string.Join(",", LegacyStatement)).Append("\r\n");
            sb.Append("01/01/2017 - 01/31/2017,Storage,Geo Redundant,Data Stored,,SKU1,GB,1.5,0,1.5,0,USD,1.5,0,0.1,0.15\r\n");
            sb.Append("\r\n");
            sb.Append("Daily Usage\r\n");
            sb.Append(string.Join(",", LegacyDaily)).Append("\r\n");
            sb.Append("1/15/2017,Storage,aaaa-bbbb,Geo Redundant,Data Stored,,GB,0.032,US West,Microsoft.Storage,rg1,\"/subscriptions/AABBCCDD-0000-1111-2222-333344445555/resourceGroups/rg1/providers/Microsoft.Storage/storageAccounts/st1\",\"\"\"env\"\": \"\"dev\"\"\",,ProjectA,\r\n");
            sb.Append("01/16/2017,Storage,aaaa-bbbb,Geo Redundant,Data Stored,,GB,0.5,US West,Microsoft.Storage,rg1,st2,,,,\r\n");
            sb.Append("\r\n");
            sb.Append("Provisioning Status\r\n");
            sb.Append("Subscription Name,Subscription ID,Status\r\n");
            sb.Append("Sub,1234,Active\r\n");
            var errors = new List<UsageRowError>();
            var recs = ReadAll(sb.ToString(), errors);
            Assert.Empty(errors);
            Assert.Equal(2, recs.Count);
            Assert.Equal(new DateTime(2017, 1, 15), recs[0].Date);
            Assert.Equal(new DateTime(2017, 1, 16), recs[1].Date);
            Assert.Null(recs[0].Cost);
            Assert.Equal(0.032m, recs[0].Quantity);
            Assert.Equal("dev", recs[0].Tags["ENV"]);
            Assert.Equal("st1", recs[0].ResourceName);
            Assert.Equal("aabbccdd-0000-1111-2222-333344445555", recs[0].SubscriptionId);
            Assert.Equal("st2", recs[1].ResourceName);
            Assert.Equal("ProjectA", recs[0].SourceColumns["service info 1"]);
            Assert.Equal(UsageFileFormat.LegacyPortalDailyUsage, recs[0].SourceFormat);
        }

        [Fact]
        public void LegacyPortalFileWithoutDailyUsageIsAFormatError()
        {
            var text = "Statement\r\n" + string.Join(",", LegacyStatement) + "\r\n1,2,3\r\n";
            var ex = Assert.Throws<UsageFormatException>(() => ReadAll(text));
            Assert.Contains("Daily usage", ex.Message);
        }

        [Theory]
        [InlineData("Ea2023")]
        [InlineData("Mca2023")]
        [InlineData("Payg2019")]
        public void DetectionIgnoresCaseAndOrder(string name)
        {
            var (header, cols, format) = Spec(name);
            var rnd = new Random(7);
            var shuffled = header.Select(h => rnd.Next(2) == 0 ? h.ToUpperInvariant() : h.ToLowerInvariant()).OrderBy(_ => rnd.Next()).ToArray();
            var expected = format == UsageFileFormat.EaCostDetails2023 ? UsageFileFormat.EaCostDetailsVariant : format;
            Assert.Equal(expected, UsageFormatDetector.Detect(shuffled));
            var values = cols.ToDictionary(kv => shuffled.First(s => s.Equals(kv.Value, StringComparison.OrdinalIgnoreCase)), kv => SourceValue(kv.Key, kv.Value));
            var rec = Assert.Single(ReadAll(Csv(shuffled, new[] { Row(shuffled, values) })));
            Assert.Equal(12.3456789012345678901234567m, rec.Cost);
            Assert.Equal("Prod", rec.Tags["Env"]);
            Assert.Equal(SubscriptionUpper.ToLowerInvariant(), rec.SubscriptionId);
        }

        [Fact]
        public void DocumentedOrderDecidesTheEaVersion()
        {
            Assert.Equal(UsageFileFormat.EaCostDetails2023, UsageFormatDetector.Detect(Ea2023.Select(c => c.ToLowerInvariant()).ToArray()));
            Assert.Equal(UsageFileFormat.EaCostDetails2021, UsageFormatDetector.Detect(Ea2021));
            Assert.Equal(UsageFileFormat.EaCostDetailsVariant, UsageFormatDetector.Detect(Ea2021.Reverse().ToArray()));
        }

        [Fact]
        public void UnknownHeaderListsRecognisedFormats()
        {
            var ex = Assert.Throws<UsageFormatException>(() => ReadAll("Name,Value,Other\r\n1,2,3\r\n"));
            Assert.Contains("unrecognised header", ex.Message);
            Assert.Contains("MCA cost details 2023-12-01", ex.Message);
            Assert.Contains("pay-as-you-go", ex.Message);
            Assert.Contains("Normalized", ex.Message);
            Assert.Equal(1, ex.LineNumber);
        }

        [Fact]
        public void UsageDetailsJsonLegacyAndModern()
        {
            var legacy = System.Text.Json.JsonDocument.Parse(@"{""id"":""/x"",""name"":""n"",""kind"":""legacy"",""tags"":{""env"":""newcrp""},
              ""properties"":{""billingAccountId"":""ba1"",""subscriptionId"":""AABBCCDD-0000-1111-2222-333344445555"",""date"":""2019-03-30T00:00:00.0000000Z"",
              ""product"":""Prod 1"",""meterId"":""m1"",""meterDetails"":{""meterName"":""Data Transfer Out (GB)"",""meterCategory"":""Networking"",""meterSubCategory"":""ExpressRoute"",""unitOfMeasure"":""GB"",""serviceFamily"":""Compute""},
              ""quantity"":0.8234,""effectivePrice"":0.010464556322455,""cost"":0.000342194841184,""unitPrice"":3.54,""billingCurrency"":""CAD"",
              ""resourceId"":""/subscriptions/s/resourceGroups/RG1/providers/Microsoft.Storage/storageAccounts/st1"",""resourceName"":""st1"",
              ""invoiceSection"":""IS1"",""resourceGroup"":""RG1"",""isAzureCreditEligible"":false,""additionalInfo"":""{\""a\"":1}""}}");
            var r = UsageDetailsJson.ToRecord(legacy.RootElement);
            Assert.Equal(UsageFileFormat.UsageDetailsLegacy, r.SourceFormat);
            Assert.Equal(new DateTime(2019, 3, 30), r.Date);
            Assert.Equal("aabbccdd-0000-1111-2222-333344445555", r.SubscriptionId);
            Assert.Equal(0.000342194841184m, r.Cost);
            Assert.Equal("CAD", r.Currency);
            Assert.Equal("Data Transfer Out (GB)", r.MeterName);
            Assert.Equal("Networking", r.MeterCategory);
            Assert.Equal("GB", r.UnitOfMeasure);
            Assert.Equal("Compute", r.ServiceFamily);
            Assert.Equal("IS1", r.InvoiceSectionName);
            Assert.Equal("Prod 1", r.Product);
            Assert.Equal("newcrp", r.Tags["ENV"]);
            Assert.Equal("{\"a\":1}", r.AdditionalInfo);
            Assert.Equal("False", r.SourceColumns["isAzureCreditEligible"]);

            var modern = System.Text.Json.JsonDocument.Parse(@"{""kind"":""modern"",""properties"":{""subscriptionGuid"":""AABBCCDD-0000-1111-2222-333344445555"",
              ""date"":""2019-10-30T00:00:00.0000000Z"",""meterName"":""D1"",""quantity"":0.7329,""billingCurrencyCode"":""USD"",""instanceName"":""/subscriptions/s/resourceGroups/RG2/providers/p/t/vm9"",
              ""invoiceSectionName"":""IS2"",""resourceGroup"":""RG2"",""costInBillingCurrency"":1.84763819095477,""invoiceId"":""G123"",""product"":""VM D1""}}");
            var m = UsageDetailsJson.ToRecord(modern.RootElement);
            Assert.Equal(UsageFileFormat.UsageDetailsModern, m.SourceFormat);
            Assert.Equal("aabbccdd-0000-1111-2222-333344445555", m.SubscriptionId);
            Assert.Equal(1.84763819095477m, m.Cost);
            Assert.Equal("USD", m.Currency);
            Assert.Equal("/subscriptions/s/resourceGroups/RG2/providers/p/t/vm9", m.ResourceId);
            Assert.Equal("vm9", m.ResourceName);
            Assert.Equal("IS2", m.InvoiceSectionName);
            Assert.Equal("G123", m.InvoiceId);
            Assert.Empty(m.Tags);

            var bad = System.Text.Json.JsonDocument.Parse(@"{""kind"":""modern"",""properties"":{""date"":""someday"",""costInBillingCurrency"":1}}");
            Assert.Contains("date", Assert.Throws<UsageFormatException>(() => UsageDetailsJson.ToRecord(bad.RootElement)).Message);
            var badCost = System.Text.Json.JsonDocument.Parse(@"{""kind"":""legacy"",""properties"":{""date"":""2024-01-01"",""cost"":""n/a""}}");
            Assert.Throws<UsageFormatException>(() => UsageDetailsJson.ToRecord(badCost.RootElement));
        }
    }
}
