using System.Collections.Immutable;
using System.Text.Json;
using Embedded.Orchestration.Model;

namespace Embedded.Server.Mesos;

/// <summary>An Offer as mesos.proto's Offer, with the url (address.ip and port) clients rely on.</summary>
internal static class MesosOffers
{
    public static void Write(Utf8JsonWriter json, Offer offer, string role, AgentUrl url)
    {
        json.WriteStartObject();
        Json.WriteId(json, "id", offer.OfferId);
        Json.WriteId(json, "framework_id", offer.FrameworkId);
        Json.WriteId(json, "agent_id", offer.AgentId);
        json.WriteString("hostname", offer.Hostname);
        json.WriteStartObject("url");
        json.WriteString("scheme", url.Scheme);
        json.WriteStartObject("address");
        json.WriteString("hostname", offer.Hostname);
        json.WriteString("ip", url.Ip);
        json.WriteNumber("port", url.Port);
        json.WriteEndObject();
        json.WriteString("path", "/slave(1)");
        json.WriteEndObject();
        json.WriteStartObject("allocation_info");
        json.WriteString("role", role);
        json.WriteEndObject();
        MesosResources.Write(json, "resources", offer.Resources, role);
        WriteAttributes(json, offer.Attributes, offer.TaskKinds);
        json.WriteEndObject();
    }

    /// <summary>The agent's attributes, and its task kinds as one more (<see cref="TaskKindAttribute"/>) unless an attribute of its own has that name.</summary>
    public static void WriteAttributes(Utf8JsonWriter json, IReadOnlyDictionary<string, string> attributes, ImmutableArray<TaskKind> taskKinds)
    {
        json.WriteStartArray("attributes");
        foreach (var (name, value) in attributes.OrderBy(a => a.Key, StringComparer.Ordinal)) WriteText(json, name, value);
        if (!taskKinds.IsDefault && !attributes.ContainsKey(TaskKindAttribute.Name)) WriteText(json, TaskKindAttribute.Name, TaskKindAttribute.Format(taskKinds));
        json.WriteEndArray();
    }

    private static void WriteText(Utf8JsonWriter json, string name, string value)
    {
        json.WriteStartObject();
        json.WriteString("name", name);
        json.WriteString("type", "TEXT");
        json.WriteStartObject("text");
        json.WriteString("value", value);
        json.WriteEndObject();
        json.WriteEndObject();
    }
}
