using System;
using System.Collections.Generic;
using System.Globalization;

namespace BillingPowerShell.Engine.Costs
{
    /// <summary>One request's worth of time: the service allows at most a month per cost details report.</summary>
    public sealed class UsageChunk
    {
        public DateTime? Start { get; set; }
        public DateTime? End { get; set; }
        public string? BillingPeriodName { get; set; }
        public string? InvoiceId { get; set; }
        public int Index { get; set; }

        public override string ToString() =>
            InvoiceId is not null ? $"invoice {InvoiceId}"
            : BillingPeriodName is not null ? $"billing period {BillingPeriodName}"
            : $"{Start:yyyy-MM-dd}..{End:yyyy-MM-dd}";

        /// <summary>Splits an inclusive day range into calendar-month pieces (a report may cover at most one month).</summary>
        public static List<UsageChunk> Plan(UsageRequest r) => Plan(r, 0);

        /// <summary>
        /// With <paramref name="maxDays"/> &gt; 0, month pieces are cut further into pieces of at most that many days:
        /// usage-details paging is one request after another per range, so disjoint day ranges let several page at once.
        /// Days never overlap, so no record can come twice.
        /// </summary>
        public static List<UsageChunk> Plan(UsageRequest r, int maxDays)
        {
            var list = new List<UsageChunk>();
            if (r.InvoiceId is not null) { list.Add(new UsageChunk { InvoiceId = r.InvoiceId }); return list; }
            if (r.BillingPeriodName is not null) { list.Add(new UsageChunk { BillingPeriodName = r.BillingPeriodName }); return list; }
            var start = (r.StartDate ?? throw new ArgumentException("A start date is required.")).Date;
            var end = (r.EndDate ?? start).Date;
            var i = 0;
            for (var s = start; s <= end;)
            {
                var monthEnd = new DateTime(s.Year, s.Month, 1).AddMonths(1).AddDays(-1);
                var e = monthEnd < end ? monthEnd : end;
                if (maxDays > 0)
                {
                    // Even pieces within the month (31 days at 8 → 8,8,8,7), not a short tail.
                    var days = (e - s).Days + 1;
                    var pieces = (days + maxDays - 1) / maxDays;
                    for (var p = 0; p < pieces; p++)
                    {
                        var ps = s.AddDays(days * p / pieces);
                        var pe = s.AddDays(days * (p + 1) / pieces - 1);
                        list.Add(new UsageChunk { Start = ps, End = pe, Index = i++ });
                    }
                }
                else
                {
                    list.Add(new UsageChunk { Start = s, End = e, Index = i++ });
                }
                s = e.AddDays(1);
            }
            return list;
        }

        internal static string Day(DateTime d) => d.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
    }
}
