using System;

namespace BillingPowerShell.Engine.Usage.Focus
{
    /// <summary>
    /// The FOCUS values of one usage record, worked out once per record and read by the columns of
    /// <see cref="FocusTable"/> (docs/contracts/azure-api/FOCUS.md, "Per-column mapping"). Reused row after row.
    /// </summary>
    internal sealed class FocusRow
    {
        public UsageRecord Record = null!;
        public FocusSource Source = null!;
        public string ChargeType = "", PricingModel = "", Category = "";
        public decimal Cost, Billed, Effective;
        public decimal? Quantity, UnitPrice, ListUnitPrice;
        public string? CommitmentId, Status;
        public bool Mca, UsageRow;
        public string AccountId = "", AccountName = "", AccountType = "", AccountRawId = "", ProfileRawId = "";
        public string SubscriptionId = "";
        public DateTime PeriodStart, PeriodEnd;

        public string? S(FocusSourceField f) => Source.Text(Record, f);

        public void Load(UsageRecord r, FocusSource source)
        {
            Record = r;
            Source = source;
            ChargeType = r.ChargeType;
            PricingModel = r.PricingModel;
            Category = FocusRules.ChargeCategory(ChargeType);
            Cost = r.Cost ?? 0m;
            Billed = FocusRules.BilledCost(ChargeType, PricingModel, Cost);
            Effective = FocusRules.EffectiveCost(ChargeType, PricingModel, Cost);
            // benefitId is preferred: it also covers savings plans and is fully qualified (FOCUS.md, "CommitmentDiscountId").
            CommitmentId = S(FocusSourceField.BenefitId) ?? NullIfEmpty(r.ReservationId);
            Status = FocusRules.CommitmentDiscountStatus(ChargeType, PricingModel, CommitmentId);
            UsageRow = Category == "Usage" && Status != "Unused";
            Mca = r.SourceFormat == UsageFileFormat.McaCostDetails2023 || r.SourceFormat == UsageFileFormat.UsageDetailsModern;
            Quantity = r.Quantity;
            // MCA prices are in the pricing currency; FOCUS prices are in the billing currency (FOCUS.md, "MCA currency").
            var rate = Mca ? source.Decimal(r, FocusSourceField.ExchangeRate) : null;
            UnitPrice = Times(r.UnitPrice, rate);
            ListUnitPrice = Times(source.Decimal(r, FocusSourceField.PayGPrice), rate);
            SubscriptionId = r.SubscriptionId;
            LoadAccount(r);
            LoadPeriod(r);
        }

        private static decimal? Times(decimal? price, decimal? rate) => price.HasValue && rate.HasValue ? price * rate : price;

        private static string? NullIfEmpty(string s) => string.IsNullOrWhiteSpace(s) ? null : s;

        private static string LastSegment(string id)
        {
            var t = id.TrimEnd('/');
            int i = t.LastIndexOf('/');
            return i < 0 ? t : t.Substring(i + 1);
        }

        // ARM-style ids as Microsoft's own export writes them (FOCUS.md, "Id formats"); the raw names go to x_ columns.
        private void LoadAccount(UsageRecord r)
        {
            var account = r.BillingAccountId.Trim();
            var profile = r.BillingProfileId.Trim();
            AccountRawId = account.Length == 0 ? "" : LastSegment(account);
            ProfileRawId = profile.Length == 0 ? "" : LastSegment(profile);
            var accountArm = account.StartsWith("/", StringComparison.Ordinal) ? account : "/providers/Microsoft.Billing/billingAccounts/" + account;
            if (Mca && profile.Length > 0)
            {
                AccountId = profile.StartsWith("/", StringComparison.Ordinal) ? profile : accountArm + "/billingProfiles/" + profile;
                AccountName = S(FocusSourceField.BillingProfileName) ?? "";
                AccountType = "Billing Profile";
            }
            else if (account.Length > 0)
            {
                AccountId = accountArm;
                AccountName = S(FocusSourceField.BillingAccountName) ?? "";
                AccountType = "Billing Account";
            }
            else
            {
                // Pay-as-you-go 2019-11-01 files name no billing account: the subscription is the account (FOCUS.md, "ConvertTo-FinOpsSchema").
                AccountId = "/subscriptions/" + SubscriptionId;
                AccountName = r.SubscriptionName;
                AccountType = "Subscription";
            }
        }

        // The billing period of the source; a source without one (pay-as-you-go 2019-11-01) gets the calendar month.
        private void LoadPeriod(UsageRecord r)
        {
            var day = r.Date;
            PeriodStart = Source.Date(r, FocusSourceField.BillingPeriodStart) ?? new DateTime(day.Year, day.Month, 1, 0, 0, 0, DateTimeKind.Utc);
            var end = Source.Date(r, FocusSourceField.BillingPeriodEnd);
            // Cost details carry the period's last day; FOCUS ends are exclusive (FOCUS.md, "Format rules every FOCUS column follows").
            PeriodEnd = end.HasValue ? end.Value.AddDays(1) : PeriodStart.AddMonths(1);
        }
    }
}
