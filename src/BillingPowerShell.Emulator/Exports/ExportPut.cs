using System;
using System.Linq;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Threading.Tasks;
using BillingPowerShell.Emulator.Data;
using BillingPowerShell.Emulator.Infrastructure;

namespace BillingPowerShell.Emulator.Exports;

/// <summary>
/// Exports_CreateOrUpdate: docs/contracts/azure-api/EXPORTS.md, "Create vs update, and `eTag`" — 201 on create, 200 on
/// update; an update must carry the export's current eTag (a stale or missing one is 412 PreconditionFailed, see
/// docs/contracts/EXPORTS_EMULATION.md); the answer carries the new eTag. 400 for what the service refuses
/// (ExportSettings, "Which dataset works at which scope", a destination that is not the world's storage account).
/// </summary>
internal static class ExportPut
{
    /// <summary>Read-only properties a client may send back from a GET; dropped, never stored.</summary>
    private static readonly string[] OutputOnly = { "runHistory", "nextRunTimeEstimate", "systemSuspensionContext" };

    public static async Task Handle(ArmRequest r)
    {
        var scope = await ExportEndpoints.ScopeOf(r);
        if (scope == null) return;
        JsonNode? body;
        try { body = await ExportEndpoints.JsonBody(r); }
        catch (JsonException) { await Bad(r, "Invalid request payload. Request payload provided is not in a json format."); return; }
        if (body is not JsonObject o) { await Bad(r, "Invalid request payload. The export definition is required."); return; }
        var properties = o["properties"]?.DeepClone() as JsonObject;
        var settings = ExportSettings.Read(properties, out var error);
        if (settings == null) { await Bad(r, error); return; }
        if ((ScopeError(scope, settings) ?? DestinationError(r.E.World, properties!)) is string refused) { await Bad(r, refused); return; }
        foreach (var p in OutputOnly) properties!.Remove(p);
        // The response echoes the destination without its type (as every example does).
        ((properties!["deliveryInfo"] as JsonObject)?["destination"] as JsonObject)?.Remove("type");
        if (settings.IsReservationDataset) EchoEmptyConfiguration(properties);

        string name = r["export"];
        string? sentETag = ExportSettings.Str(o["eTag"])?.Trim('"');
        ExportRecord? x;
        bool created;
        lock (r.E.Exports.Gate)
        {
            var existing = r.E.Exports.Get(scope.Id, name);
            created = existing == null;
            x = existing != null && !string.Equals(sentETag, existing.ETag, StringComparison.OrdinalIgnoreCase) ? null
                : existing ?? r.E.Exports.Add(scope.Id, name, n => new ExportRecord
                {
                    ScopeId = scope.Id, Name = name, ETag = "", Properties = properties!, Settings = settings, Created = n, ApiVersion = r.ApiVersion,
                    Location = ExportSettings.Str(o["location"]),
                });
            if (x != null)
            {
                x.Identity = ExportJson.Identity(o["identity"], r.E.World, x.Id) ?? x.Identity;
                x.Properties = properties!;
                x.Settings = settings;
                x.ETag = Guid.NewGuid().ToString();
                x.ScheduleCursor = DateTime.UtcNow;
            }
        }
        if (x == null)
        {
            await ArmErrors.Write(r.Http, 412, "PreconditionFailed", sentETag == null
                ? $"The export '{name}' already exists. An update requires its current eTag (GET the export and send its eTag)."
                : $"The eTag '{sentETag}' does not match the export's current eTag: the export '{name}' was changed since it was read. GET it again and retry with its eTag.");
            return;
        }
        var w = JsonOut.Start(r.Http, created ? 201 : 200);
        lock (r.E.Exports.Gate) ExportJson.WriteExport(w, x, null, DateTime.UtcNow, r.E.Options.TimeScale);
        await JsonOut.Finish(w);
    }

    /// <summary>The reservation datasets' responses echo empty `columns` and `filters` (EXPORTS.md, "`definition`
    /// (`ExportDefinition`)": "the reservation responses echo empty `columns`/`filters` arrays").</summary>
    private static void EchoEmptyConfiguration(JsonObject properties)
    {
        if (properties["definition"] is not JsonObject def) return;
        var dataSet = def["dataSet"] as JsonObject ?? (JsonObject)(def["dataSet"] = new JsonObject());
        var config = dataSet["configuration"] as JsonObject ?? (JsonObject)(dataSet["configuration"] = new JsonObject());
        if (config["columns"] == null) config["columns"] = new JsonArray();
        if (config["filters"] == null) config["filters"] = new JsonArray();
    }

    private static Task Bad(ArmRequest r, string message) => ArmErrors.Write(r.Http, 400, "BadRequest", message);

    /// <summary>"Which dataset works at which scope": cost datasets everywhere but FocusCost not at a management group
    /// or pay-as-you-go scope; management groups take ActualCost/Usage only; the price sheet and reservation datasets
    /// only at an EA billing account or an MCA billing profile.</summary>
    private static string? ScopeError(ExportScope scope, ExportSettings s)
    {
        if (s.Type == "FocusCost" && (scope.Kind == "managementGroup" || scope.IsPayg))
            return $"Invalid export: dataset FocusCost is not supported at the {scope.Kind} scope '{scope.Id}'.";
        if (scope.Kind == "managementGroup" && s.Type is not ("ActualCost" or "Usage"))
            return $"Invalid export: management group exports support the ActualCost and Usage datasets only, not {s.Type}.";
        bool pricing = s.Type == "PriceSheet" || s.IsReservationDataset;
        bool pricingScope = scope.Kind == "billingAccount" && scope.IsEa || scope.Kind == "billingProfile" && scope.IsMca;
        if (pricing && !pricingScope)
            return $"Invalid export: dataset {s.Type} is supported at an Enterprise Agreement billing account or a Microsoft Customer Agreement billing profile only.";
        return null;
    }

    /// <summary>The destination must be the world's storage account (by resource id, or by name with a SAS token).</summary>
    private static string? DestinationError(World world, JsonObject properties)
    {
        var d = (properties["deliveryInfo"] as JsonObject)!["destination"] as JsonObject;
        string? id = ExportSettings.Str(d!["resourceId"]), account = ExportSettings.Str(d["storageAccount"]);
        bool ours = id != null
            ? string.Equals("/" + id.TrimStart('/'), world.StorageAccount.Id, StringComparison.OrdinalIgnoreCase)
            : string.Equals(account, world.StorageAccount.Name, StringComparison.OrdinalIgnoreCase);
        return ours ? null : $"Invalid export destination: the storage account '{id ?? account}' was not found. The exports service can write to '{world.StorageAccount.Id}' only.";
    }
}
