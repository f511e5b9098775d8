using System;
using System.Collections.Generic;
using System.Linq;

namespace BillingPowerShell.Engine.Reports
{
    /// <summary>
    /// Usage summed as the rows stream by: daily totals, and totals per service (MeterCategory) and per resource group,
    /// each per currency. Memory grows with the number of days, services and resource groups, never with the rows;
    /// amounts in different currencies are never added up.
    /// </summary>
    public sealed class UsageAggregate
    {
        /// <summary>What a row without a service or resource group is listed under.</summary>
        public const string NoService = "(no service)";
        public const string NoResourceGroup = "(no resource group)";

        private readonly Dictionary<string, CurrencyTotals> _byCurrency = new Dictionary<string, CurrencyTotals>(StringComparer.OrdinalIgnoreCase);

        public long RowCount { get; private set; }

        /// <summary>The currencies seen, in order (a row without a currency counts under the empty string).</summary>
        public IReadOnlyList<string> Currencies => _byCurrency.Keys.OrderBy(c => c, StringComparer.OrdinalIgnoreCase).ToList();

        /// <summary>Adds one usage row.</summary>
        public void Add(DateTime day, string? currency, string? service, string? resourceGroup, decimal cost)
        {
            RowCount++;
            var key = currency ?? string.Empty;
            if (!_byCurrency.TryGetValue(key, out var totals))
                _byCurrency[key] = totals = new CurrencyTotals();
            totals.Add(day.Date, string.IsNullOrEmpty(service) ? NoService : service!, string.IsNullOrEmpty(resourceGroup) ? NoResourceGroup : resourceGroup!, cost);
        }

        public decimal Total(string currency) => Find(currency)?.Total ?? 0m;

        /// <summary>The cost of each day with usage, oldest first.</summary>
        public IReadOnlyList<DailyCost> Daily(string currency) =>
            Find(currency)?.Days.Select(d => new DailyCost(d.Key, currency, d.Value)).ToList() ?? new List<DailyCost>();

        /// <summary>The <paramref name="top"/> costliest groups of a dimension, costliest first (ties by name).</summary>
        public IReadOnlyList<GroupCost> Top(ReportDimension dimension, string currency, int top) =>
            Groups(dimension, currency).OrderByDescending(g => g.Value).ThenBy(g => g.Key, StringComparer.OrdinalIgnoreCase)
                .Take(top).Select(g => new GroupCost(g.Key, currency, g.Value)).ToList();

        /// <summary>How many groups a dimension has in a currency.</summary>
        public int GroupCount(ReportDimension dimension, string currency) => Groups(dimension, currency).Count;

        /// <summary>Each service's cost per day, for rules over daily cost by group (anomalies).</summary>
        public IReadOnlyDictionary<string, SortedDictionary<DateTime, decimal>> DailyByService(string currency) =>
            Find(currency)?.ServiceDays ?? new Dictionary<string, SortedDictionary<DateTime, decimal>>();

        private IReadOnlyDictionary<string, decimal> Groups(ReportDimension dimension, string currency)
        {
            var totals = Find(currency);
            if (totals is null) return new Dictionary<string, decimal>();
            return dimension == ReportDimension.Service ? totals.Services : totals.ResourceGroups;
        }

        private CurrencyTotals? Find(string currency) => _byCurrency.TryGetValue(currency ?? string.Empty, out var t) ? t : null;

        private sealed class CurrencyTotals
        {
            public decimal Total;
            public readonly SortedDictionary<DateTime, decimal> Days = new SortedDictionary<DateTime, decimal>();
            // Resource group names are case-insensitive in Azure; the first spelling seen is the one shown.
            public readonly Dictionary<string, decimal> Services = new Dictionary<string, decimal>(StringComparer.OrdinalIgnoreCase);
            public readonly Dictionary<string, decimal> ResourceGroups = new Dictionary<string, decimal>(StringComparer.OrdinalIgnoreCase);
            public readonly Dictionary<string, SortedDictionary<DateTime, decimal>> ServiceDays = new Dictionary<string, SortedDictionary<DateTime, decimal>>(StringComparer.OrdinalIgnoreCase);

            public void Add(DateTime day, string service, string resourceGroup, decimal cost)
            {
                Total += cost;
                Days.TryGetValue(day, out var d);
                Days[day] = d + cost;
                Services.TryGetValue(service, out var s);
                Services[service] = s + cost;
                ResourceGroups.TryGetValue(resourceGroup, out var r);
                ResourceGroups[resourceGroup] = r + cost;
                if (!ServiceDays.TryGetValue(service, out var days)) ServiceDays[service] = days = new SortedDictionary<DateTime, decimal>();
                days.TryGetValue(day, out var sd);
                days[day] = sd + cost;
            }
        }
    }

    /// <summary>The dimensions the report ranks.</summary>
    public enum ReportDimension { Service, ResourceGroup }

    /// <summary>One day's cost in one currency.</summary>
    public sealed class DailyCost
    {
        public DailyCost(DateTime date, string currency, decimal cost) { Date = date; Currency = currency; Cost = cost; }
        public DateTime Date { get; }
        public string Currency { get; }
        public decimal Cost { get; }
    }

    /// <summary>One group's (a service's, a resource group's) cost in one currency.</summary>
    public sealed class GroupCost
    {
        public GroupCost(string name, string currency, decimal cost) { Name = name; Currency = currency; Cost = cost; }
        public string Name { get; }
        public string Currency { get; }
        public decimal Cost { get; }
    }
}
