using System;
using System.Collections;
using System.Management.Automation;
using System.Text.RegularExpressions;

namespace BillingPowerShell.Commands
{
    /// <summary>
    /// A subscription id must be a GUID. Unlike [ValidatePattern], null passes: objects bound by property name (an EA
    /// invoice has no subscription) must not fail binding, and the cmdlet treats null as "not given".
    /// </summary>
    [AttributeUsage(AttributeTargets.Property | AttributeTargets.Field)]
    public sealed class ValidateGuidAttribute : ValidateArgumentsAttribute
    {
        private static readonly Regex Guid = new Regex(Patterns.Guid, RegexOptions.Compiled);

        protected override void Validate(object arguments, EngineIntrinsics engineIntrinsics)
        {
            if (arguments is null) return;
            if (arguments is string one) { Check(one); return; }
            if (arguments is IEnumerable many)
                foreach (var item in many) if (item is not null) Check(item.ToString()!);
        }

        private static void Check(string value)
        {
            if (value.Length > 0 && !Guid.IsMatch(value))
                throw new ValidationMetadataException($"'{value}' is not a subscription id: a GUID such as 00000000-0000-0000-0000-000000000000 is expected (wildcards are not supported).");
        }
    }
}
