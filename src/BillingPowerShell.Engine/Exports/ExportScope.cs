using System;
using System.Collections.Generic;

namespace BillingPowerShell.Engine.Exports
{
    /// <summary>The kinds of scope an export can belong to (docs/contracts/azure-api/EXPORTS.md, "{scope} values").</summary>
    public enum ExportScopeKind
    {
        Subscription,
        ResourceGroup,
        BillingAccount,
        BillingProfile,
        InvoiceSection,
        Department,
        EnrollmentAccount,
        ManagementGroup,
        Customer,
    }

    /// <summary>
    /// The scope of an export and its ARM path, built from its parts or parsed from a full ARM scope. The path has one
    /// leading slash and every name escaped; the examples write scopes with and without the slash, the same scope
    /// (docs/contracts/azure-api/EXPORTS.md, "{scope} values").
    /// </summary>
    public sealed class ExportScope
    {
        private const string Billing = "/providers/Microsoft.Billing/billingAccounts/";

        private ExportScope(ExportScopeKind kind, string path, string display)
        {
            Kind = kind; Path = path; Display = display;
        }

        public ExportScopeKind Kind { get; }
        /// <summary>The ARM scope: /subscriptions/…, /providers/Microsoft.Billing/billingAccounts/…, …</summary>
        public string Path { get; }
        /// <summary>The scope in words, for messages ("subscription …, resource group …").</summary>
        public string Display { get; }

        public override string ToString() => Display;

        private static string E(string value) => Uri.EscapeDataString(value);

        private static string Need(string? value, string what) =>
            string.IsNullOrWhiteSpace(value) ? throw new ExportDefinitionException("InvalidScope", $"The scope needs a {what}.") : value!;

        public static ExportScope Subscription(string subscriptionId)
        {
            var id = Need(subscriptionId, "subscription id").ToLowerInvariant();
            return new ExportScope(ExportScopeKind.Subscription, $"/subscriptions/{E(id)}", $"subscription {id}");
        }

        public static ExportScope ResourceGroup(string subscriptionId, string resourceGroupName)
        {
            var sub = Subscription(subscriptionId);
            var rg = Need(resourceGroupName, "resource group name");
            return new ExportScope(ExportScopeKind.ResourceGroup, $"{sub.Path}/resourceGroups/{E(rg)}", $"{sub.Display}, resource group {rg}");
        }

        public static ExportScope BillingAccount(string accountName)
        {
            var a = Need(accountName, "billing account name");
            return new ExportScope(ExportScopeKind.BillingAccount, Billing + E(a), $"billing account {a}");
        }

        public static ExportScope BillingProfile(string accountName, string profileName)
        {
            var a = BillingAccount(accountName);
            var p = Need(profileName, "billing profile name");
            return new ExportScope(ExportScopeKind.BillingProfile, $"{a.Path}/billingProfiles/{E(p)}", $"{a.Display}, billing profile {p}");
        }

        public static ExportScope InvoiceSection(string accountName, string profileName, string invoiceSectionName)
        {
            var p = BillingProfile(accountName, profileName);
            var s = Need(invoiceSectionName, "invoice section name");
            return new ExportScope(ExportScopeKind.InvoiceSection, $"{p.Path}/invoiceSections/{E(s)}", $"{p.Display}, invoice section {s}");
        }

        public static ExportScope Department(string accountName, string departmentName)
        {
            var a = BillingAccount(accountName);
            var d = Need(departmentName, "department name");
            return new ExportScope(ExportScopeKind.Department, $"{a.Path}/departments/{E(d)}", $"{a.Display}, department {d}");
        }

        public static ExportScope EnrollmentAccount(string accountName, string enrollmentAccountName)
        {
            var a = BillingAccount(accountName);
            var e = Need(enrollmentAccountName, "enrollment account name");
            return new ExportScope(ExportScopeKind.EnrollmentAccount, $"{a.Path}/enrollmentAccounts/{E(e)}", $"{a.Display}, enrollment account {e}");
        }

        public static ExportScope Customer(string accountName, string customerName)
        {
            var a = BillingAccount(accountName);
            var c = Need(customerName, "customer name");
            return new ExportScope(ExportScopeKind.Customer, $"{a.Path}/customers/{E(c)}", $"{a.Display}, customer {c}");
        }

        public static ExportScope ManagementGroup(string managementGroupId)
        {
            var m = Need(managementGroupId, "management group id");
            return new ExportScope(ExportScopeKind.ManagementGroup, $"/providers/Microsoft.Management/managementGroups/{E(m)}", $"management group {m}");
        }

        /// <summary>
        /// A full ARM scope of one of the nine kinds, with or without its leading slash, its segment names in any case.
        /// Anything else (an export id, a resource id, a trailing provider) is refused with InvalidScope.
        /// </summary>
        public static ExportScope Parse(string scope)
        {
            var parts = new List<string>();
            foreach (var s in (scope ?? "").Trim().Split('/'))
                if (s.Length > 0) parts.Add(Uri.UnescapeDataString(s));
            bool Is(int i, string name) => i < parts.Count && string.Equals(parts[i], name, StringComparison.OrdinalIgnoreCase);
            var n = parts.Count;
            if (Is(0, "subscriptions") && n == 2) return Subscription(parts[1]);
            if (Is(0, "subscriptions") && n == 4 && Is(2, "resourceGroups")) return ResourceGroup(parts[1], parts[3]);
            if (Is(0, "providers") && Is(1, "Microsoft.Management") && Is(2, "managementGroups") && n == 4) return ManagementGroup(parts[3]);
            if (Is(0, "providers") && Is(1, "Microsoft.Billing") && Is(2, "billingAccounts"))
            {
                if (n == 4) return BillingAccount(parts[3]);
                if (n == 6 && Is(4, "billingProfiles")) return BillingProfile(parts[3], parts[5]);
                if (n == 8 && Is(4, "billingProfiles") && Is(6, "invoiceSections")) return InvoiceSection(parts[3], parts[5], parts[7]);
                if (n == 6 && Is(4, "departments")) return Department(parts[3], parts[5]);
                if (n == 6 && Is(4, "enrollmentAccounts")) return EnrollmentAccount(parts[3], parts[5]);
                if (n == 6 && Is(4, "customers")) return Customer(parts[3], parts[5]);
            }
            throw new ExportDefinitionException("InvalidScope",
                $"'{scope}' is not an export scope. Use /subscriptions/<id>, /subscriptions/<id>/resourceGroups/<name>, " +
                "/providers/Microsoft.Billing/billingAccounts/<name> (optionally with /billingProfiles/<name>[/invoiceSections/<name>], " +
                "/departments/<name>, /enrollmentAccounts/<name> or /customers/<name>), or /providers/Microsoft.Management/managementGroups/<id>.");
        }

        /// <summary>The exports collection of this scope.</summary>
        internal string Exports => $"{Path}/providers/Microsoft.CostManagement/exports";

        /// <summary>One export of this scope.</summary>
        internal string Export(string name) => $"{Exports}/{E(ExportRules.CheckName(name))}";
    }
}
