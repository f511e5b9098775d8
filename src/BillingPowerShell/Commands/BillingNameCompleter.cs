using System;
using System.Collections;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using System.Management.Automation.Language;
using System.Threading;
using BillingPowerShell.Engine.Http;

namespace BillingPowerShell.Commands
{
    /// <summary>
    /// Tab completion for billing account, billing profile and subscription names, from what the Get- cmdlets have listed
    /// in this session; when nothing is cached yet, one listing of the accounts (bounded to a few seconds) fills it.
    /// </summary>
    public sealed class BillingNameCompleter : IArgumentCompleter
    {
        private static readonly ConcurrentDictionary<string, string> Accounts = new ConcurrentDictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        private static readonly ConcurrentDictionary<string, string> Profiles = new ConcurrentDictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        private static readonly ConcurrentDictionary<string, string> Subscriptions = new ConcurrentDictionary<string, string>(StringComparer.OrdinalIgnoreCase);

        internal static void Remember(BillingAccount a) => Accounts[a.Name] = a.DisplayName ?? a.Name;
        internal static void Remember(BillingProfile p) => Profiles[p.Name] = $"{p.DisplayName ?? p.Name} ({p.BillingAccountName})";
        internal static void Remember(BillingSubscription s) => Subscriptions[s.SubscriptionId] = s.DisplayName ?? s.SubscriptionId;
        internal static void Forget() { Accounts.Clear(); Profiles.Clear(); Subscriptions.Clear(); }

        public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete, CommandAst commandAst, IDictionary fakeBoundParameters)
        {
            var source = parameterName switch
            {
                "BillingProfileName" => Profiles,
                "SubscriptionId" => Subscriptions,
                _ => Accounts,
            };
            if (source.IsEmpty && ReferenceEquals(source, Accounts)) FillAccounts();
            var word = (wordToComplete ?? "").Trim('\'', '"');
            return source
                .Where(kv => kv.Key.StartsWith(word, StringComparison.OrdinalIgnoreCase) || kv.Value.StartsWith(word, StringComparison.OrdinalIgnoreCase))
                .OrderBy(kv => kv.Key, StringComparer.OrdinalIgnoreCase)
                .Select(kv => new CompletionResult(Quote(kv.Key), kv.Key, CompletionResultType.ParameterValue, kv.Value))
                .ToList();
        }

        private static void FillAccounts()
        {
            try
            {
                using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(5));
                var list = BillingSession.Current.Accounts.ListAsync(CallContext.None, cts.Token).GetAsyncEnumerator(cts.Token);
                try
                {
                    while (list.MoveNextAsync().AsTask().GetAwaiter().GetResult()) Remember(list.Current);
                }
                finally { list.DisposeAsync().AsTask().GetAwaiter().GetResult(); }
            }
            catch (Exception) { } // completion must never fail loudly; no suggestions is the answer
        }

        private static string Quote(string value) => value.IndexOfAny(new[] { ' ', ':', '\'', '$', '(', ')' }) >= 0 ? "'" + value.Replace("'", "''") + "'" : value;
    }
}
