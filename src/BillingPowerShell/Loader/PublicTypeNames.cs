using System;
using System.Collections.Generic;
using System.Management.Automation;
using System.Reflection;

namespace BillingPowerShell.Loader
{
    /// <summary>
    /// Makes our output types nameable in scripts ([BillingPowerShell.UsageRecord], -is, [OutputType] checks). PowerShell
    /// resolves type names only among the assemblies it can see in the default load context, and the engine (which holds
    /// the types) lives in our own context: so each public type is registered as a type accelerator under its full name.
    /// </summary>
    internal static class PublicTypeNames
    {
        private static readonly List<string> Added = new List<string>();

        public static void Register()
        {
            var accelerators = typeof(PSObject).Assembly.GetType("System.Management.Automation.TypeAccelerators");
            var add = accelerators?.GetMethod("Add", BindingFlags.Public | BindingFlags.Static, null, new[] { typeof(string), typeof(Type) }, null);
            var known = accelerators?.GetProperty("Get", BindingFlags.Public | BindingFlags.Static)?.GetValue(null) as IDictionary<string, Type>;
            if (add is null || known is null) return; // not available in this PowerShell: names still work where the type is visible
            lock (Added)
            {
                foreach (var type in typeof(BillingAccount).Assembly.GetExportedTypes())
                {
                    if (type.Namespace != "BillingPowerShell" || type.FullName is null || known.ContainsKey(type.FullName)) continue;
                    add.Invoke(null, new object[] { type.FullName, type });
                    Added.Add(type.FullName);
                }
            }
        }

        public static void Unregister()
        {
            var accelerators = typeof(PSObject).Assembly.GetType("System.Management.Automation.TypeAccelerators");
            var remove = accelerators?.GetMethod("Remove", BindingFlags.Public | BindingFlags.Static, null, new[] { typeof(string) }, null);
            if (remove is null) return;
            lock (Added)
            {
                foreach (var name in Added) remove.Invoke(null, new object[] { name });
                Added.Clear();
            }
        }
    }
}
