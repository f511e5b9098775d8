# The instants of `build.ps1 Sweep` (README, "Tests on any day"): the date-sensitive tests run under faketime at each
# one, starting at Utc (UTC) with the machine's time zone TZ. .ci/run runs three of them (-SweepInstant).
@{
    # Pester files whose expectations turn on "today": invoices, periods, usage defaults, costs, the estimate.
    # Longest first: build.ps1 runs every instant's files from one queue, PesterThrottle at a time.
    PesterFiles = @(
        'Get-DailyUsage.Tests.ps1'
        'Save-BillingInvoice.Tests.ps1'
        'Export-DailyUsage.Tests.ps1'
        'Get-BillingInvoice.Tests.ps1'
        'Get-BillingCostEstimate.Tests.ps1'
        'Get-BillingCost.Tests.ps1'
        'Get-BillingPeriod.Tests.ps1'
    )
    # Contexts of those files whose expectations do not turn on "today" are tagged NoClock and left out here: faults
    # injected and stopped pipelines (each compares with a clean run of the same instant), hostile names. The Test
    # task runs them, and the fault matrix (build.ps1 Faults) covers the faults at length.
    ExcludeTag  = @('NoClock')
    # The emulator's tests of its generated world, usage and contract (dotnet test --filter).
    XunitFilter = 'FullyQualifiedName~ArmBehaviourTests|FullyQualifiedName~UsageTests|FullyQualifiedName~ConformanceTests|FullyQualifiedName~WorldTests'
    Instants    = @(
        @{ Name = 'NewYear';            Utc = '2027-01-01 00:10:00'; TimeZone = 'UTC' }                  # the first minutes of a year
        @{ Name = 'YearEnd';            Utc = '2026-12-31 23:50:00'; TimeZone = 'UTC' }                  # the last minutes of a year
        @{ Name = 'LeapDay';            Utc = '2028-02-29 10:30:00'; TimeZone = 'UTC' }                  # 29 February, leap year
        @{ Name = 'CommonFebEnd';       Utc = '2027-02-28 23:55:00'; TimeZone = 'UTC' }                  # last day of February, common year
        @{ Name = 'MonthStart';         Utc = '2027-05-01 00:05:00'; TimeZone = 'UTC' }                  # first day of a month, 00:05
        @{ Name = 'MonthEnd';           Utc = '2027-04-30 23:55:00'; TimeZone = 'UTC' }                  # last day of a month, 23:55
        @{ Name = 'IssueDayEa';         Utc = '2027-06-02 00:05:00'; TimeZone = 'UTC' }                  # EA and pay-as-you-go invoices issued
        @{ Name = 'IssueDayMca';        Utc = '2027-06-05 00:05:00'; TimeZone = 'UTC' }                  # MCA invoices issued (invoice day 5)
        @{ Name = 'DstEuSpring';        Utc = '2027-03-28 01:30:00'; TimeZone = 'Europe/Amsterdam' }     # 02:00 -> 03:00 CEST
        @{ Name = 'DstEuAutumn';        Utc = '2027-10-31 00:30:00'; TimeZone = 'Europe/Amsterdam' }     # 03:00 -> 02:00 CET
        @{ Name = 'DstUsSpring';        Utc = '2027-03-14 10:30:00'; TimeZone = 'America/Los_Angeles' }  # 02:00 -> 03:00 PDT
        @{ Name = 'DstUsAutumn';        Utc = '2027-11-07 09:30:00'; TimeZone = 'America/Los_Angeles' }  # 02:00 -> 01:00 PST
        @{ Name = 'LeapDayKiritimati';  Utc = '2028-02-28 20:30:00'; TimeZone = 'Pacific/Kiritimati' }   # UTC+14: locally 29 Feb 10:30
        @{ Name = 'MonthEndKiritimati'; Utc = '2027-06-30 11:00:00'; TimeZone = 'Pacific/Kiritimati' }   # locally 1 July, still June in UTC
        @{ Name = 'MonthEndPagoPago';   Utc = '2027-07-01 05:00:00'; TimeZone = 'Pacific/Pago_Pago' }    # UTC-11: locally 30 June, July in UTC
    )
}
