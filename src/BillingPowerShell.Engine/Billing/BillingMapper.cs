using System;
using System.Collections.Generic;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace BillingPowerShell.Engine.Billing
{
    /// <summary>Maps Microsoft.Billing JSON (2024-04-01 and 2018-03-01-preview) onto our output types.</summary>
    internal static class BillingMapper
    {
        private static readonly Regex Guid = new Regex("[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}", RegexOptions.Compiled);

        public static BillingAccount Account(JsonElement e)
        {
            var p = e.Props();
            var account = new BillingAccount
            {
                Name = e.Str("name") ?? "",
                Id = e.Str("id") ?? "",
                DisplayName = p.Str("displayName"),
                AgreementType = p.Str("agreementType"),
                AccountType = p.Str("accountType"),
                AccountStatus = p.Str("accountStatus"),
            };
            if (p.Obj("enrollmentDetails") is JsonElement ed)
                account.EnrollmentDetails = new EnrollmentDetails
                {
                    StartDate = ed.DateOffset("startDate"), EndDate = ed.DateOffset("endDate"), Currency = ed.Str("currency"),
                    Channel = ed.Str("channel"), Language = ed.Str("language"), CountryCode = ed.Str("countryCode"),
                    BillingCycle = ed.Str("billingCycle"), SupportLevel = ed.Str("supportLevel"), PoNumber = ed.Str("poNumber"),
                };
            if (p.Obj("soldTo") is JsonElement st) account.SoldTo = Address(st);
            return account;
        }

        public static PostalAddress Address(JsonElement a) => new PostalAddress
        {
            CompanyName = a.Str("companyName"), FirstName = a.Str("firstName"), LastName = a.Str("lastName"),
            AddressLine1 = a.Str("addressLine1"), City = a.Str("city"), Region = a.Str("region"),
            PostalCode = a.Str("postalCode"), Country = a.Str("country"),
        };

        public static BillingProfile Profile(JsonElement e, string accountName)
        {
            var p = e.Props();
            return new BillingProfile
            {
                Name = e.Str("name") ?? "",
                Id = e.Str("id") ?? "",
                BillingAccountName = Json.LastSegmentAfter(e.Str("id"), "billingAccounts") ?? accountName,
                DisplayName = p.Str("displayName"),
                Currency = p.Str("currency"),
                InvoiceDay = p.Int("invoiceDay"),
                NextInvoiceDate = p.Day("nextInvoiceDate"),
                Status = p.Str("status"),
            };
        }

        public static BillingSubscription Subscription(JsonElement e, string accountName, string? agreementType)
        {
            var p = e.Props();
            var name = e.Str("name") ?? "";
            var subscriptionId = p.Str("subscriptionId") ?? (Guid.Match(name) is { Success: true } m ? m.Value : name);
            return new BillingSubscription
            {
                SubscriptionId = subscriptionId.ToLowerInvariant(),
                DisplayName = p.Str("displayName"),
                Status = p.Str("status") ?? p.Str("subscriptionBillingStatus"),
                BillingAccountName = Json.LastSegmentAfter(e.Str("id"), "billingAccounts") ?? accountName,
                AgreementType = agreementType,
                BillingProfileName = p.Str("billingProfileName") ?? Json.LastSegmentAfter(p.Str("billingProfileId"), "billingProfiles"),
                InvoiceSectionName = p.Str("invoiceSectionName") ?? Json.LastSegmentAfter(p.Str("invoiceSectionId"), "invoiceSections"),
                SkuId = p.Str("skuId"),
                SkuDescription = p.Str("skuDescription"),
                Id = e.Str("id") ?? "",
            };
        }

        public static BillingInvoice Invoice(JsonElement e, InvoiceSource source, string? accountName, string? subscriptionId)
        {
            var p = e.Props();
            var id = e.Str("id") ?? "";
            var total = p.Amount("totalAmount");
            var due = p.Amount("amountDue");
            var billed = p.Amount("billedAmount");
            var documents = new List<InvoiceDocument>();
            if (p.ValueKind == JsonValueKind.Object && p.TryGetProperty("documents", out var docs) && docs.ValueKind == JsonValueKind.Array)
                foreach (var d in docs.EnumerateArray())
                    if (d.Str("name") is string docName)
                        documents.Add(new InvoiceDocument { Kind = d.Str("kind") ?? "Other", Name = docName });
            var account = Json.LastSegmentAfter(id, "billingAccounts");
            if (account is null || account == "default") account = accountName;
            return new BillingInvoice
            {
                Name = e.Str("name") ?? "",
                Id = id,
                InvoiceDate = p.Day("invoiceDate"),
                DueDate = p.Day("dueDate"),
                PeriodStartDate = p.Day("invoicePeriodStartDate"),
                PeriodEndDate = p.Day("invoicePeriodEndDate"),
                Status = p.Str("status"),
                AmountDue = due.Value,
                BilledAmount = billed.Value,
                TotalAmount = total.Value,
                TaxAmount = p.Amount("taxAmount").Value,
                CreditAmount = p.Amount("creditAmount").Value,
                Currency = total.Currency ?? due.Currency ?? billed.Currency,
                InvoiceType = p.Str("invoiceType"),
                SubscriptionId = (p.Str("subscriptionId") ?? subscriptionId)?.ToLowerInvariant(),
                BillingAccountName = account,
                BillingProfileName = Json.LastSegmentAfter(p.Str("billingProfileId"), "billingProfiles"),
                Documents = documents,
                Source = source,
            };
        }

        /// <summary>2018-03-01-preview subscription invoice: period dates, billing periods, and an inline download URL.</summary>
        public static BillingInvoice LegacyInvoice(JsonElement e, string subscriptionId)
        {
            var p = e.Props();
            var name = e.Str("name") ?? "";
            return new BillingInvoice
            {
                Name = name,
                Id = e.Str("id") ?? "",
                PeriodStartDate = p.Day("invoicePeriodStartDate"),
                PeriodEndDate = p.Day("invoicePeriodEndDate"),
                InvoiceDate = p.Day("invoicePeriodEndDate"),
                SubscriptionId = subscriptionId.ToLowerInvariant(),
                Documents = new[] { new InvoiceDocument { Kind = "Invoice", Name = name } },
                Source = InvoiceSource.LegacySubscription,
                LegacyDownloadUrl = p.Obj("downloadUrl").Str("url"),
            };
        }

        public static BillingPeriod Period(JsonElement e, string subscriptionId)
        {
            var p = e.Props();
            var invoices = new List<string>();
            if (p.ValueKind == JsonValueKind.Object && p.TryGetProperty("invoiceIds", out var ids) && ids.ValueKind == JsonValueKind.Array)
                foreach (var i in ids.EnumerateArray())
                    if (i.ValueKind == JsonValueKind.String && i.GetString() is string s)
                        invoices.Add(s.Substring(s.LastIndexOf('/') + 1));
            return new BillingPeriod
            {
                Name = e.Str("name") ?? "",
                Id = e.Str("id") ?? "",
                SubscriptionId = subscriptionId.ToLowerInvariant(),
                StartDate = p.Day("billingPeriodStartDate") ?? default,
                EndDate = p.Day("billingPeriodEndDate") ?? default,
                InvoiceNames = invoices,
            };
        }
    }
}
