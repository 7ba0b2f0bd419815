using System.Text.Json;
using Embedded.Orchestration.Model;

namespace Embedded.Server.Mesos;

/// <summary>mesos.proto's FrameworkInfo to ours. Partition-aware only with the PARTITION_AWARE capability, as in Mesos.</summary>
internal static class MesosFrameworkInfos
{
    public static FrameworkInfo Read(JsonElement f, int maxItems)
    {
        var name = Json.RequiredString(f, "name", "framework_info");
        var roles = Json.Items(f, "roles", maxItems).Select(r => r.ValueKind == JsonValueKind.String ? r.GetString()! : throw CallException.BadRequest("roles must be strings")).ToList();
        if (roles.Count > 1) throw CallException.BadRequest("a framework has one role here (MULTI_ROLE with several roles is not supported)");
        var role = roles.Count == 1 ? roles[0] : Json.OptionalString(f, "role") ?? "*";
        if (role.Length == 0) throw CallException.BadRequest("framework_info.role cannot be empty");
        var capabilities = Json.Items(f, "capabilities", maxItems).Select(c => Json.OptionalString(c, "type")).ToHashSet();
        var failover = Json.Number(f, "failover_timeout") ?? 0;
        if (failover < 0 || failover > TimeSpan.MaxValue.TotalSeconds / 2) throw CallException.BadRequest("framework_info.failover_timeout is out of range");
        return new FrameworkInfo(name, role)
        {
            FrameworkId = Json.OptionalId(f, "id"),
            PartitionAware = capabilities.Contains("PARTITION_AWARE"),
            FailoverTimeout = TimeSpan.FromSeconds(failover),
            Checkpoint = Json.Bool(f, "checkpoint") ?? false,
        };
    }

    public static void Write(Utf8JsonWriter json, string property, string id, string name, string role)
    {
        json.WriteStartObject(property);
        Json.WriteId(json, "id", id);
        json.WriteString("name", name);
        json.WriteString("user", "");
        json.WriteString("role", role);
        json.WriteStartArray("roles");
        json.WriteStringValue(role);
        json.WriteEndArray();
        json.WriteEndObject();
    }
}
