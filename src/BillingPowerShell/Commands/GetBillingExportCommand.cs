using System;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using System.Threading.Tasks;

namespace BillingPowerShell.Commands
{
    /// <summary>
    /// Lists or gets the Cost Management exports of one scope (ExportService.ListAsync / GetAsync): by exact names, or
    /// all of them filtered by wildcards; -IncludeRunHistory adds the last runs.
    /// </summary>
    [Cmdlet(VerbsCommon.Get, "BillingExport")]
    [OutputType(typeof(BillingExport))]
    public sealed class GetBillingExportCommand : ExportScopeCmdlet
    {
        [Parameter(Position = 0)]
        [ValidateNotNullOrEmpty]
        [SupportsWildcards]
        [Alias("ExportName")]
        public string[]? Name { get; set; }

        [Parameter]
        public SwitchParameter IncludeRunHistory { get; set; }

        protected override void ProcessRecord()
        {
            var scope = ResolveScope();
            if (scope is null) return; // this pipeline record's scope was rejected
            var names = Name ?? Array.Empty<string>();
            var exact = names.Where(n => !WildcardPattern.ContainsWildcardCharacters(n)).ToList();
            foreach (var n in exact)
                if (CheckedName(n) is null) return;
            var patterns = names.Where(WildcardPattern.ContainsWildcardCharacters).ToArray();
            var listAll = names.Length == 0 || patterns.Length > 0;
            Run(async (sink, token) =>
            {
                var call = NewCall(sink);
                var written = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
                if (listAll)
                {
                    await foreach (var e in Client.Exports.ListAsync(scope, IncludeRunHistory, call, token).WithCancellation(token).ConfigureAwait(false))
                        if ((patterns.Length == 0 || Filters.Matches(patterns, e.Name)) && written.Add(e.Name)) sink.WriteObject(e);
                }
                // Exact names are got one by one: a missing one is an error of its own (BillingObjectNotFound).
                var left = exact.Where(n => !written.Contains(n)).ToList();
                if (left.Count == 0) return;
                await foreach (var e in Client.Exports.GetAsync(scope, left, IncludeRunHistory, call, token).WithCancellation(token).ConfigureAwait(false))
                    if (written.Add(e.Name)) sink.WriteObject(e);
            }, scope.Display);
        }
    }
}
