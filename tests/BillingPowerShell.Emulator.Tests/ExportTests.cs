using System;
using System.Linq;
using System.Net.Http;
using System.Text.Json;
using System.Threading.Tasks;

namespace BillingPowerShell.Emulator.Tests;

/// <summary>Exports create/update/get/list/delete at every scope kind, eTags, and the 400s
/// (docs/contracts/azure-api/EXPORTS.md, "Operations", "Create vs update, and `eTag`").</summary>
[Collection("emulator")]
public sealed class ExportTests
{
    private readonly EmulatorFixture _f;
    private readonly ExportTestKit _k;
    public ExportTests(EmulatorFixture f) { _f = f; _k = new ExportTestKit(f); }

    [Theory]
    [InlineData("subscription")]
    [InlineData("resourceGroup")]
    [InlineData("billingAccount")]
    [InlineData("billingProfile")]
    [InlineData("invoiceSection")]
    [InlineData("department")]
    [InlineData("enrollmentAccount")]
    [InlineData("managementGroup")]
    public async Task Create_update_get_list_delete_at_every_scope_kind(string kind)
    {
        string scope = _k.Scope(kind), name = "ops-" + kind;
        var created = await _k.Create(scope, name, _k.Body());
        Assert.Equal(scope + "/providers/Microsoft.CostManagement/exports/" + name, created.GetProperty("id").GetString(), ignoreCase: true);
        Assert.Equal("Microsoft.CostManagement/exports", created.GetProperty("type").GetString());
        string etag = created.GetProperty("eTag").GetString()!;
        Assert.Matches("^\"[0-9a-f-]{36}\"$", etag);
        Assert.Equal("SystemAssigned", created.GetProperty("identity").GetProperty("type").GetString());
        Assert.True(Guid.TryParse(created.GetProperty("identity").GetProperty("principalId").GetString(), out _));

        var (status, got, _) = await _f.Send(HttpMethod.Get, ExportTestKit.Url(scope, name));
        Assert.Equal(200, status);
        Assert.Equal(etag, got.GetProperty("eTag").GetString());
        Assert.Equal("ActualCost", got.GetProperty("properties").GetProperty("definition").GetProperty("type").GetString());
        Assert.Equal(_k.StorageId, got.GetProperty("properties").GetProperty("deliveryInfo").GetProperty("destination").GetProperty("resourceId").GetString());

        var update = _k.Body(timeframe: "TheLastMonth");
        update["eTag"] = etag;
        var updated = await _k.Create(scope, name, update, expected: 200);
        Assert.NotEqual(etag, updated.GetProperty("eTag").GetString());
        Assert.Equal("TheLastMonth", updated.GetProperty("properties").GetProperty("definition").GetProperty("timeframe").GetString());

        var (ls, list, _) = await _f.Send(HttpMethod.Get, $"{scope}/providers/Microsoft.CostManagement/exports{ExportTestKit.Api}");
        Assert.Equal(200, ls);
        Assert.Contains(list.GetProperty("value").EnumerateArray(), x => x.GetProperty("name").GetString() == name);
        Assert.False(list.TryGetProperty("nextLink", out _)); // "List is not pageable"

        var (ds, _, dres) = await _f.Send(HttpMethod.Delete, ExportTestKit.Url(scope, name));
        Assert.Equal(200, ds);
        Assert.Empty(await dres.Content.ReadAsByteArrayAsync());
        var (gs, gone, _) = await _f.Send(HttpMethod.Get, ExportTestKit.Url(scope, name));
        Assert.Equal(404, gs);
        Assert.Equal("NotFound", gone.GetProperty("error").GetProperty("code").GetString());
    }

    [Fact]
    public async Task Exports_are_per_scope_a_subscription_list_does_not_show_its_resource_groups()
    {
        await _k.Create(_k.Scope("resourceGroup"), "per-scope-rg", _k.Body());
        var (_, list, _) = await _f.Send(HttpMethod.Get, $"{_k.Scope("subscription")}/providers/Microsoft.CostManagement/exports{ExportTestKit.Api}");
        Assert.DoesNotContain(list.GetProperty("value").EnumerateArray(), x => x.GetProperty("name").GetString() == "per-scope-rg");
    }

    [Fact]
    public async Task A_stale_or_missing_eTag_on_update_is_412_PreconditionFailed()
    {
        string scope = _k.Scope("subscription");
        var first = await _k.Create(scope, "etag-test", _k.Body());
        var update = _k.Body(compression: "gzip");
        update["eTag"] = first.GetProperty("eTag").GetString();
        await _k.Create(scope, "etag-test", update, expected: 200);

        // The first eTag is stale now.
        var (status, body, _) = await _f.Send(HttpMethod.Put, ExportTestKit.Url(scope, "etag-test"), body: update);
        Assert.Equal(412, status);
        Assert.Equal("PreconditionFailed", body.GetProperty("error").GetProperty("code").GetString());
        Assert.False(string.IsNullOrEmpty(body.GetProperty("error").GetProperty("message").GetString()));

        var (missing, mbody, _) = await _f.Send(HttpMethod.Put, ExportTestKit.Url(scope, "etag-test"), body: _k.Body());
        Assert.Equal(412, missing);
        Assert.Equal("PreconditionFailed", mbody.GetProperty("error").GetProperty("code").GetString());
        // Unchanged by the refused PUTs.
        var (_, got, _) = await _f.Send(HttpMethod.Get, ExportTestKit.Url(scope, "etag-test"));
        Assert.Equal("gzip", got.GetProperty("properties").GetProperty("compressionMode").GetString());
    }

    public static TheoryData<string, string> BadBodies() => new()
    {
        { "csv-snappy", "snappy" },
        { "parquet-gzip", "gzip" },
        { "no-destination", "destination" },
        { "no-container", "container" },
        { "custom-without-period", "timePeriod" },
        { "period-over-a-month", "1 calendar month" },
        { "unknown-type", "type" },
        { "unknown-timeframe", "timeframe" },
        { "other-storage-account", "storage account" },
        { "pricesheet-at-subscription", "PriceSheet" },
        { "reservations-parquet", "Parquet" },
    };

    [Theory]
    [MemberData(nameof(BadBodies))]
    public async Task Invalid_definitions_are_400_with_code_and_message(string what, string messagePart)
    {
        var b = _k.Body();
        var props = (System.Collections.Generic.Dictionary<string, object?>)b["properties"]!;
        var def = (System.Collections.Generic.Dictionary<string, object?>)props["definition"]!;
        switch (what)
        {
            case "csv-snappy": props["compressionMode"] = "snappy"; break;
            case "parquet-gzip": props["format"] = "Parquet"; props["compressionMode"] = "gzip"; break;
            case "no-destination": props["deliveryInfo"] = new { }; break;
            case "no-container": props["deliveryInfo"] = new { destination = new { resourceId = _k.StorageId } }; break;
            case "custom-without-period": def["timeframe"] = "Custom"; break;
            case "period-over-a-month": def["timeframe"] = "Custom"; def["timePeriod"] = new { from = "2026-01-01T00:00:00Z", to = "2026-02-15T00:00:00Z" }; break;
            case "unknown-type": def["type"] = "Everything"; break;
            case "unknown-timeframe": def["timeframe"] = "Yesterday"; break;
            case "other-storage-account": props["deliveryInfo"] = new { destination = new { resourceId = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/x/providers/Microsoft.Storage/storageAccounts/other", container = "exports" } }; break;
            case "pricesheet-at-subscription": def["type"] = "PriceSheet"; break;
            case "reservations-parquet": def["type"] = "ReservationDetails"; props["format"] = "Parquet"; props["compressionMode"] = "none"; break;
        }
        string scope = what == "reservations-parquet" ? _k.Scope("billingAccount") : _k.Scope("subscription");
        var (status, body, _) = await _f.Send(HttpMethod.Put, ExportTestKit.Url(scope, "bad-" + what), body: b);
        Assert.True(status == 400, $"{what}: {status} {body}");
        Assert.Equal("BadRequest", body.GetProperty("error").GetProperty("code").GetString());
        Assert.Contains(messagePart, body.GetProperty("error").GetProperty("message").GetString(), StringComparison.OrdinalIgnoreCase);
        var (gs, _, _) = await _f.Send(HttpMethod.Get, ExportTestKit.Url(scope, "bad-" + what));
        Assert.Equal(404, gs);
    }

    [Theory]
    [InlineData("/subscriptions/{sub}/resourceGroups/rg-nowhere", "ResourceGroupNotFound")]
    [InlineData("/providers/Microsoft.Billing/billingAccounts/{ea}/departments/999", "NotFound")]
    [InlineData("/providers/Microsoft.Management/managementGroups/NoSuchGroup", "NotFound")]
    [InlineData("/subscriptions/00000000-0000-0000-0000-000000000000", "SubscriptionNotFound")]
    public async Task Scopes_outside_the_world_are_404(string scope, string code)
    {
        scope = scope.Replace("{sub}", _f.Sub("EnterpriseAgreement")).Replace("{ea}", _f.Ea);
        var (status, body, _) = await _f.Send(HttpMethod.Put, ExportTestKit.Url(scope, "nowhere"), body: _k.Body());
        Assert.Equal(404, status);
        Assert.Equal(code, body.GetProperty("error").GetProperty("code").GetString());
    }

    [Fact]
    public async Task Run_and_runHistory_of_a_missing_export_are_404()
    {
        string scope = _k.Scope("subscription");
        Assert.Equal(404, (await _f.Send(HttpMethod.Post, ExportTestKit.Url(scope, "never-made", "/run"))).Status);
        Assert.Equal(404, (await _f.Send(HttpMethod.Get, ExportTestKit.Url(scope, "never-made", "/runHistory"))).Status);
        Assert.Equal(404, (await _f.Send(HttpMethod.Delete, ExportTestKit.Url(scope, "never-made"))).Status);
    }

    [Fact]
    public async Task The_world_names_its_storage_account_and_the_export_only_scopes()
    {
        var w = await _f.GetAdmin("/_emulator/world");
        var sa = w.GetProperty("storageAccount");
        Assert.Matches("^/subscriptions/[0-9a-f-]{36}/resourceGroups/rg-data/providers/Microsoft.Storage/storageAccounts/devstoreaccount1$", sa.GetProperty("id").GetString());
        if (_f.Azurite != null) Assert.Equal(_f.Azurite.BlobUrl, sa.GetProperty("blobUrl").GetString());
        Assert.Equal(2, w.GetProperty("departments").GetArrayLength());
        Assert.Equal(2, w.GetProperty("enrollmentAccounts").GetArrayLength());
        var eaSubs = _f.Account("EnterpriseAgreement").GetProperty("subscriptions").EnumerateArray().Select(s => s.GetProperty("subscriptionId").GetString()).OrderBy(x => x).ToList();
        Assert.Equal(eaSubs, w.GetProperty("departments").EnumerateArray().SelectMany(d => d.GetProperty("subscriptionIds").EnumerateArray().Select(s => s.GetString())).OrderBy(x => x).ToList());
        Assert.Equal(eaSubs, w.GetProperty("managementGroups")[0].GetProperty("subscriptionIds").EnumerateArray().Select(s => s.GetString()).OrderBy(x => x).ToList());
    }
}
