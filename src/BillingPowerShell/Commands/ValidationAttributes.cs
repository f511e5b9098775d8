using System;
using System.Collections;
using System.Collections.Generic;
using System.Management.Automation;
using System.Management.Automation.Language;
using System.Text.RegularExpressions;

namespace BillingPowerShell.Commands
{
    /// <summary>
    /// A value of a known shape, refused with a sentence that says what is expected (PowerShell's [ValidatePattern]
    /// shows the raw regex, and its ErrorMessage property does not exist on Windows PowerShell 5.1). Null passes (the
    /// parameter was not given); an empty string is refused like any other mismatch unless AllowEmpty.
    /// </summary>
    [AttributeUsage(AttributeTargets.Property | AttributeTargets.Field)]
    public class ValidateFormatAttribute : ValidateArgumentsAttribute
    {
        private readonly Regex _pattern;
        private readonly string _expected;

        /// <summary>An empty string passes: for ids bound by property name from objects that may lack them.</summary>
        protected bool AllowEmpty { get; set; }

        /// <param name="pattern">The whole value must match (anchor it).</param>
        /// <param name="expected">What is expected, as the end of "'x' is not ...".</param>
        public ValidateFormatAttribute(string pattern, string expected)
        {
            _pattern = new Regex(pattern, RegexOptions.Compiled | RegexOptions.CultureInvariant);
            _expected = expected;
        }

        protected override void Validate(object arguments, EngineIntrinsics engineIntrinsics)
        {
            if (arguments is null) return;
            if (arguments is string one) { Check(one); return; }
            if (arguments is IEnumerable many)
                foreach (var item in many) if (item is not null) Check(item.ToString()!);
        }

        private void Check(string value)
        {
            // One full stop at the end, whatever PowerShell adds around it.
            if ((value.Length > 0 || !AllowEmpty) && !_pattern.IsMatch(value))
                throw new ValidationMetadataException($"'{value}' is not {_expected.TrimEnd('.')}");
        }
    }

    /// <summary>A subscription id: a GUID. Empty passes: an EA invoice piped by property name has no subscription.</summary>
    public sealed class ValidateGuidAttribute : ValidateFormatAttribute
    {
        public ValidateGuidAttribute() : base(Patterns.Guid, "a subscription id: a GUID such as 00000000-0000-0000-0000-000000000000 is expected (wildcards are not supported)") { AllowEmpty = true; }
    }

    /// <summary>A billing account name: one account, never a pattern (the service would answer 404 for "80*"). Empty
    /// passes: objects piped by property name may have none.</summary>
    public sealed class ValidateBillingAccountNameAttribute : ValidateFormatAttribute
    {
        public ValidateBillingAccountNameAttribute() : base(@"^[^*?\[\]]*$",
            "one billing account's name (wildcards are not supported here): for every account that matches a pattern, pipe them, as in Get-BillingAccount '80*' | Get-BillingInvoice") { AllowEmpty = true; }
    }

    /// <summary>A pay-as-you-go billing period name.</summary>
    public sealed class ValidateBillingPeriodNameAttribute : ValidateFormatAttribute
    {
        public ValidateBillingPeriodNameAttribute() : base(@"^\d{6}(-\d+)?$", "a billing period name: yyyyMM or yyyyMM-n is expected, such as 202611 or 202611-1 (see Get-BillingPeriod)") { }
    }

    /// <summary>An invoice name (also an MCA invoice id).</summary>
    public sealed class ValidateInvoiceNameAttribute : ValidateFormatAttribute
    {
        public ValidateInvoiceNameAttribute() : base(@"^[A-Za-z0-9][A-Za-z0-9\-]*$", "an invoice name: letters, digits and hyphens are expected, such as G123456789 or E159117682 (wildcards are not supported)") { }
    }

    /// <summary>The groupings of Get-BillingCost -GroupBy, offered by tab completion too.</summary>
    public sealed class ValidateGroupByAttribute : ValidateFormatAttribute
    {
        internal static readonly string[] Dimensions =
        {
            "ResourceGroup", "ResourceGroupName", "ServiceName", "MeterCategory", "SubscriptionId", "SubscriptionName",
            "Location", "ResourceLocation", "ResourceId", "ChargeType", "PublisherType",
        };

        public ValidateGroupByAttribute() : base("^(" + string.Join("|", Dimensions) + @"|Tag:[^\s]+)$",
            "a grouping: one of " + string.Join(", ", Dimensions) + ", or Tag:<name> such as Tag:costcenter is expected") { }
    }

    /// <summary>Tab completion for -GroupBy: the dimensions, and Tag: for a tag name.</summary>
    public sealed class GroupByCompleter : IArgumentCompleter
    {
        public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete,
            CommandAst commandAst, System.Collections.IDictionary fakeBoundParameters)
        {
            var word = (wordToComplete ?? "").Trim('\'', '"');
            foreach (var d in ValidateGroupByAttribute.Dimensions)
                if (d.StartsWith(word, StringComparison.OrdinalIgnoreCase))
                    yield return new CompletionResult(d, d, CompletionResultType.ParameterValue, "Group by " + d);
            if ("Tag:".StartsWith(word, StringComparison.OrdinalIgnoreCase))
                yield return new CompletionResult("Tag:", "Tag:", CompletionResultType.ParameterValue, "Group by a tag: Tag:<name>");
        }
    }
}
