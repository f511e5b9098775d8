using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Net.Http;
using System.Text.Json;
using System.Threading.Tasks;

namespace BillingPowerShell.Emulator.Tests;

/// <summary>Auth, api-versions, errors, paging and the world's shape.</summary>
[Collection("emulator")]
public sealed class ArmBehaviourTests
{
    private readonly EmulatorFixture _f;
    public ArmBehaviourTests(EmulatorFixture f) => _f = f;
    private const string Accounts = "/providers/Microsoft.Billing/billingAccounts?api-version=2024-04-01";

    [Fact]
    public async Task Missing_or_wrong_token_gets_401_with_arm_error_and_www_authenticate()
    {
        foreach (var token in new[] { null, "wrong" })
        {
            var (status, body, res) = await _f.Send(HttpMethod.Get, Accounts, token);
            Assert.Equal(401, status);
            Assert.Equal("AuthenticationFailed", body.GetProperty("error").GetProperty("code").GetString());
            Assert.False(string.IsNullOrEmpty(body.GetProperty("error").GetProperty("message").GetString()));
            Assert.StartsWith("Bearer", res.Headers.WwwAuthenticate.ToString());
        }
    }

    [Fact]
    public async Task Reader_token_gets_403_AuthorizationFailed_on_billing_and_cost_scopes()
    {
        var (status, body, _) = await _f.Send(HttpMethod.Get, Accounts, EmulatorFixture.ReaderToken);
        Assert.Equal(403, status);
        Assert.Equal("AuthorizationFailed", body.GetProperty("error").GetProperty("code").GetString());
        (status, body, _) = await _f.Send(HttpMethod.Get, $"/subscriptions/{_f.Sub("EnterpriseAgreement")}/providers/Microsoft.Consumption/usageDetails?api-version=2024-08-01", EmulatorFixture.ReaderToken);
        Assert.Equal(403, status);
        Assert.Contains("Microsoft.Consumption/usageDetails/read", body.GetProperty("error").GetProperty("message").GetString());
    }

    [Fact]
    public async Task Api_version_missing_or_unknown_gets_400_with_arm_codes()
    {
        var (status, body, _) = await _f.Send(HttpMethod.Get, "/providers/Microsoft.Billing/billingAccounts");
        Assert.Equal(400, status);
        Assert.Equal("MissingApiVersionParameter", body.GetProperty("error").GetProperty("code").GetString());
        (status, body, _) = await _f.Send(HttpMethod.Get, "/providers/Microsoft.Billing/billingAccounts?api-version=2019-10-01-preview");
        Assert.Equal(400, status);
        Assert.Equal("NoRegisteredProviderFound", body.GetProperty("error").GetProperty("code").GetString());
        Assert.Contains("2024-04-01, 2020-05-01", body.GetProperty("error").GetProperty("message").GetString()); // both served side by side
        // The legacy version is only valid on the legacy routes.
        (status, _, _) = await _f.Send(HttpMethod.Get, "/providers/Microsoft.Billing/billingAccounts?api-version=2018-03-01-preview");
        Assert.Equal(400, status);
    }

    [Fact]
    public async Task Unknown_names_get_404_with_error_body_and_bad_parameters_get_400()
    {
        var (status, body, _) = await _f.Send(HttpMethod.Get, "/providers/Microsoft.Billing/billingAccounts/9999999?api-version=2024-04-01");
        Assert.Equal(404, status);
        Assert.Equal("BillingAccountNotFound", body.GetProperty("error").GetProperty("code").GetString());
        (status, body, _) = await _f.Send(HttpMethod.Get, $"/providers/Microsoft.Billing/billingAccounts/{_f.Mca}/invoices/G000000000?api-version=2024-04-01");
        Assert.Equal(404, status);
        Assert.Equal("InvoiceNotFound", body.GetProperty("error").GetProperty("code").GetString());
        (status, body, _) = await _f.Send(HttpMethod.Get, $"/providers/Microsoft.Billing/billingAccounts/{_f.Mca}/invoices?api-version=2024-04-01&top=51");
        Assert.Equal(400, status);
        Assert.True(body.GetProperty("error").TryGetProperty("message", out _));
        (status, _, _) = await _f.Send(HttpMethod.Get, $"/providers/Microsoft.Billing/billingAccounts/{_f.Mca}/invoices?api-version=2024-04-01&periodStartDate=notadate");
        Assert.Equal(400, status);
    }

    [Fact]
    public async Task Invoice_list_pages_with_nextLink_honours_top_and_filters_dates()
    {
        int expected = _f.Account("MicrosoftCustomerAgreement").GetProperty("invoices").GetArrayLength();
        var names = new List<string>();
        string? url = $"/providers/Microsoft.Billing/billingAccounts/{_f.Mca}/invoices?api-version=2024-04-01&top=4";
        int pages = 0;
        while (url != null)
        {
            var (status, body, _) = await _f.Send(HttpMethod.Get, url);
            Assert.Equal(200, status);
            Assert.True(body.GetProperty("value").GetArrayLength() <= 4);
            names.AddRange(body.GetProperty("value").EnumerateArray().Select(v => v.GetProperty("name").GetString()!));
            url = body.TryGetProperty("nextLink", out var n) && n.ValueKind == JsonValueKind.String ? n.GetString() : null;
            Assert.True(++pages < 50);
        }
        Assert.Equal(expected, names.Count);
        Assert.Equal(expected, names.Distinct().Count());
        Assert.True(pages >= 6);
        Assert.All(names, n => Assert.Matches("^G[A-Z0-9]{9}$", n));

        var today = EmulatorFixture.FixedToday;
        var (s2, b2, _) = await _f.Send(HttpMethod.Get, $"/providers/Microsoft.Billing/billingAccounts/{_f.Mca}/invoices?api-version=2024-04-01&periodStartDate={today.AddMonths(-3):yyyy-MM-dd}&periodEndDate={today:yyyy-MM-dd}");
        Assert.Equal(200, s2);
        int n3 = b2.GetProperty("value").GetArrayLength();
        Assert.InRange(n3, 4, 8); // 2 profiles × ~3 months
        Assert.All(b2.GetProperty("value").EnumerateArray(), v =>
            Assert.True(DateTime.Parse(v.GetProperty("properties").GetProperty("invoiceDate").GetString()!, CultureInfo.InvariantCulture) >= today.AddMonths(-3).ToDateTime(TimeOnly.MinValue)));
    }

    [Fact]
    public async Task World_has_three_agreement_types_13_months_of_invoices_and_valid_names()
    {
        Assert.Matches(@"^[0-9a-f-]{36}:[0-9a-f-]{36}_\d{4}-\d{2}-\d{2}$", _f.Mca);
        Assert.Matches(@"^[0-9a-f-]{36}:[0-9a-f-]{36}_\d{4}-\d{2}-\d{2}$", _f.Payg);
        Assert.Matches(@"^\d+$", _f.Ea);
        var (status, body, _) = await _f.Send(HttpMethod.Get, $"/providers/Microsoft.Billing/billingAccounts/{_f.Ea}?api-version=2024-04-01&expand=soldTo");
        Assert.Equal(200, status);
        Assert.Equal("EnterpriseAgreement", body.GetProperty("properties").GetProperty("agreementType").GetString());
        Assert.True(body.GetProperty("properties").TryGetProperty("enrollmentDetails", out _));
        Assert.True(body.GetProperty("properties").TryGetProperty("soldTo", out _));
        var mca = _f.Account("MicrosoftCustomerAgreement");
        Assert.True(mca.GetProperty("billingProfiles").GetArrayLength() >= 2);
        Assert.All(_f.World.GetProperty("accounts").EnumerateArray(), a => Assert.True(a.GetProperty("subscriptions").GetArrayLength() >= 3));
        // Invoice names follow the spec pattern; at least 13 months; several document kinds and statuses.
        var pattern = new System.Text.RegularExpressions.Regex(@"^(H[0-9]-[A-Z0-9]+)$|^(?:([GHT]|HT){1}[A-Z0-9]{9})$|^(?:[D]{1}[A-Z0-9]{9})$|^(?:E{1}[B-Z0-9]{1}[A-Z0-9]{8})$|^(?:EA[A-Z0-9]{8})$");
        var invoices = _f.World.GetProperty("accounts").EnumerateArray().SelectMany(a => a.GetProperty("invoices").EnumerateArray()).ToList();
        Assert.All(invoices, i => Assert.Matches(pattern, i.GetProperty("name").GetString()!));
        Assert.True(invoices.Select(i => i.GetProperty("periodStartDate").GetString()).Distinct().Count() >= 13);
        var kinds = invoices.SelectMany(i => i.GetProperty("documents").EnumerateArray().Select(d => d.GetProperty("kind").GetString())).ToHashSet();
        Assert.Superset(new HashSet<string?> { "Invoice", "CreditNote", "TaxReceipt", "VoidNote", "Summary" }, kinds);
        var statuses = invoices.Select(i => i.GetProperty("status").GetString()).ToHashSet();
        Assert.Superset(new HashSet<string?> { "Due", "Paid", "Void" }, statuses);
    }

    [Fact]
    public async Task Same_seed_gives_the_same_world()
    {
        var o = new BillingPowerShell.Emulator.Infrastructure.EmulatorOptions { Seed = 42, Size = "small" };
        var w1 = new BillingPowerShell.Emulator.Data.World(42, "small", EmulatorFixture.FixedToday, null);
        var w2 = new BillingPowerShell.Emulator.Data.World(42, "small", EmulatorFixture.FixedToday, null);
        var w3 = new BillingPowerShell.Emulator.Data.World(7, "small", EmulatorFixture.FixedToday, null);
        Assert.Equal(w1.Accounts.Select(a => a.Name), w2.Accounts.Select(a => a.Name));
        Assert.Equal(w1.InvoicesByName.Keys.OrderBy(k => k), w2.InvoicesByName.Keys.OrderBy(k => k));
        Assert.NotEqual(w1.Accounts[2].Name, w3.Accounts[2].Name);
        Assert.Equal(_f.Mca, w1.Accounts[2].Name); // the running emulator (seed 42) agrees
        await Task.CompletedTask;
    }
}
