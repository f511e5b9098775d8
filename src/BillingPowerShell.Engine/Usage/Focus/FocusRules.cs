using System;

namespace BillingPowerShell.Engine.Usage.Focus
{
    /// <summary>The FOCUS versions Export-DailyUsage writes.</summary>
    public enum FocusVersion
    {
        /// <summary>FOCUS 1.2 (the default): docs/contracts/azure-api/FOCUS.md, "Column list, FOCUS 1.0 (43 columns) and 1.2 (57 columns)".</summary>
        V1_2,
        /// <summary>FOCUS 1.0: the columns of that version only.</summary>
        V1_0,
    }

    /// <summary>
    /// Microsoft's rules from cost details values to FOCUS values (docs/contracts/azure-api/FOCUS.md, "Per-column
    /// mapping"), with the choices made where Microsoft's pages disagree ("Gaps and conflicts to decide explicitly").
    /// Pure functions of the source text, so that each rule is tested on its own.
    /// </summary>
    public static class FocusRules
    {
        private static bool Is(string? a, string b) => string.Equals((a ?? string.Empty).Trim(), b, StringComparison.OrdinalIgnoreCase);
        private static string Squash(string? s) => (s ?? string.Empty).Replace(" ", string.Empty).Trim();

        /// <summary>PricingModel Reservation or SavingsPlan (usage details JSON writes "Savings Plan").</summary>
        public static bool IsCommitment(string? pricingModel) => Is(Squash(pricingModel), "Reservation") || Is(Squash(pricingModel), "SavingsPlan");

        public static bool IsUnused(string? chargeType) => Is(chargeType, "UnusedReservation") || Is(chargeType, "UnusedSavingsPlan");

        /// <summary>A commitment purchase or refund: taken from the actual cost data only ("Row selection").</summary>
        public static bool IsCommitmentPurchase(string? chargeType, string? pricingModel) =>
            (Is(chargeType, "Purchase") || Is(chargeType, "Refund")) && IsCommitment(pricingModel);

        /// <summary>Usage covered by a commitment, used or unused: its cost was billed by the purchase.</summary>
        public static bool IsCommitmentUsage(string? chargeType, string? pricingModel) =>
            IsUnused(chargeType) || (IsUsage(chargeType) && IsCommitment(pricingModel));

        // A source without ChargeType (pay-as-you-go 2019-11-01 CSV) holds usage only.
        private static bool IsUsage(string? chargeType) => string.IsNullOrWhiteSpace(chargeType) || Is(chargeType, "Usage");

        /// <summary>Usage, Purchase, Credit, Tax as such; Unused* → Usage; Refund → Purchase; else Adjustment.</summary>
        public static string ChargeCategory(string? chargeType)
        {
            if (IsUsage(chargeType) || IsUnused(chargeType)) return "Usage";
            if (Is(chargeType, "Purchase") || Is(chargeType, "Refund")) return "Purchase";
            if (Is(chargeType, "Credit")) return "Credit";
            if (Is(chargeType, "Tax")) return "Tax";
            return "Adjustment";
        }

        /// <summary>Refund → Correction, else null (Microsoft's approximation, kept: FOCUS.md, "ChargeClass").</summary>
        public static string? ChargeClass(string? chargeType) => Is(chargeType, "Refund") ? "Correction" : null;

        /// <summary>
        /// OneTime → One-Time, Recurring, UsageBased → Usage-Based. Microsoft's fallback "Other" is not a FOCUS value
        /// (FOCUS.md, "ChargeFrequency `Other`"): purchases are One-Time and everything else Usage-Based instead.
        /// </summary>
        public static string ChargeFrequency(string? frequency, string category)
        {
            string? f = Is(frequency, "OneTime") || Is(frequency, "One-Time") ? "One-Time"
                : Is(frequency, "Recurring") ? "Recurring"
                : Is(frequency, "UsageBased") || Is(frequency, "Usage-Based") ? "Usage-Based" : null;
            if (category == "Purchase") return f == "Recurring" ? f : "One-Time"; // a purchase is never Usage-Based
            return f ?? "Usage-Based";
        }

        /// <summary>
        /// The cost the invoice bills: zero for commitment usage (used or unused: FOCUS.md, "Unused commitments"), the
        /// cost otherwise. The cost is the row's own: actual for purchases, amortized for usage.
        /// </summary>
        public static decimal BilledCost(string? chargeType, string? pricingModel, decimal cost) =>
            IsCommitmentUsage(chargeType, pricingModel) ? 0m : cost;

        /// <summary>The amortized cost: zero for a commitment purchase or refund (spread over its usage), else the cost.</summary>
        public static decimal EffectiveCost(string? chargeType, string? pricingModel, decimal cost) =>
            IsCommitmentPurchase(chargeType, pricingModel) ? 0m : cost;

        /// <summary>Unused for Unused* rows, Used for other commitment usage, null otherwise (and for purchases).</summary>
        public static string? CommitmentDiscountStatus(string? chargeType, string? pricingModel, string? commitmentId)
        {
            if (IsUnused(chargeType)) return "Unused";
            if (string.IsNullOrEmpty(commitmentId) || !IsUsage(chargeType)) return null;
            return IsCommitment(pricingModel) ? "Used" : null;
        }

        /// <summary>Usage (reservation) or Spend (savings plan), from the benefit id or, without one, the pricing model.</summary>
        public static string? CommitmentDiscountCategory(string? commitmentId, string? pricingModel)
        {
            var kind = CommitmentKind(commitmentId, pricingModel);
            return kind == 1 ? "Usage" : kind == 2 ? "Spend" : null;
        }

        public static string? CommitmentDiscountType(string? commitmentId, string? pricingModel)
        {
            var kind = CommitmentKind(commitmentId, pricingModel);
            return kind == 1 ? "Reservation" : kind == 2 ? "Savings Plan" : null;
        }

        // 1 reservation, 2 savings plan, 0 none: "/microsoft.capacity/" or "/microsoft.billingbenefits/" in the id.
        private static int CommitmentKind(string? id, string? pricingModel)
        {
            if (string.IsNullOrEmpty(id)) return 0;
            if (id!.IndexOf("/microsoft.capacity/", StringComparison.OrdinalIgnoreCase) >= 0) return 1;
            if (id.IndexOf("/microsoft.billingbenefits/", StringComparison.OrdinalIgnoreCase) >= 0) return 2;
            if (Is(Squash(pricingModel), "Reservation")) return 1;
            if (Is(Squash(pricingModel), "SavingsPlan")) return 2;
            return 0;
        }

        /// <summary>OnDemand → Standard, Spot → Dynamic, Reservation/SavingsPlan → Committed, none → null.</summary>
        public static string? PricingCategory(string? pricingModel)
        {
            var p = Squash(pricingModel);
            if (Is(p, "OnDemand")) return "Standard";
            if (Is(p, "Spot")) return "Dynamic";
            if (IsCommitment(p)) return "Committed";
            return p.Length == 0 ? null : "Other";
        }

        /// <summary>Microsoft's x_AmortizationClass (1.2-preview): Principal for commitment purchases, Amortized Charge for commitment usage.</summary>
        public static string? AmortizationClass(string? chargeType, string? pricingModel) =>
            IsCommitmentPurchase(chargeType, pricingModel) ? "Principal" : IsCommitmentUsage(chargeType, pricingModel) ? "Amortized Charge" : null;

        private static readonly string[] Categories =
        {
            "AI and Machine Learning", "Analytics", "Business Applications", "Compute", "Databases", "Developer Tools", "Multicloud",
            "Identity", "Integration", "Internet of Things", "Management and Governance", "Media", "Migration", "Mobile",
            "Networking", "Security", "Storage", "Web", "Other",
        };

        /// <summary>
        /// A FOCUS ServiceCategory from Azure's service family (no lookup table: FOCUS.md, "Lookups"): an allowed value
        /// as is, a few known Azure names translated, anything else Other.
        /// </summary>
        public static string ServiceCategory(string? serviceFamily)
        {
            var s = (serviceFamily ?? string.Empty).Trim();
            foreach (var c in Categories) if (Is(s, c)) return c;
            if (Is(s, "AI + Machine Learning")) return "AI and Machine Learning";
            if (Is(s, "Containers") || Is(s, "Windows Virtual Desktop")) return "Compute";
            if (Is(s, "Mixed Reality")) return "Media";
            if (Is(s, "Azure Arc")) return "Multicloud";
            if (Is(s, "Azure Security")) return "Security";
            if (Is(s, "Azure Active Directory") || Is(s, "Microsoft Entra ID")) return "Identity";
            return "Other";
        }

        /// <summary>The ARM resource type of a resource id ("Microsoft.Compute/virtualMachines"), lower-cased as Microsoft writes x_ResourceType; null when none.</summary>
        public static string? ResourceType(string? resourceId)
        {
            if (string.IsNullOrEmpty(resourceId)) return null;
            var id = resourceId!;
            int p = id.LastIndexOf("/providers/", StringComparison.OrdinalIgnoreCase);
            if (p < 0) return null;
            var parts = id.Substring(p + 11).Split(new[] { '/' }, StringSplitOptions.RemoveEmptyEntries);
            if (parts.Length < 2) return null;
            var type = parts[0];
            for (int i = 1; i < parts.Length; i += 2) type += "/" + parts[i];
            return type.ToLowerInvariant();
        }

        /// <summary>RegionId: the location lower-cased, blanks removed ("East US" → "eastus"); null when none.</summary>
        public static string? RegionId(string? location)
        {
            var s = Squash(location).ToLowerInvariant();
            return s.Length == 0 ? null : s;
        }
    }
}
