using System.Text.Json;
using Embedded.Orchestration.Model;

namespace Embedded.Server.Mesos;

/// <summary>
/// Writes resources as mesos.proto's repeated Resource, unreserved ("*"). Depends on nothing but the
/// model, so that Embedded.Client (and through it the embedded binary) compiles this same file in:
/// one writer for what the server sends and what the clients send.
/// </summary>
internal static partial class MesosResources
{
    public static void Write(Utf8JsonWriter json, string property, Resources resources, string? allocationRole = null)
    {
        json.WriteStartArray(property);
        foreach (var (name, value) in resources.Scalars)
        {
            Start(json, name, "SCALAR", allocationRole);
            json.WriteStartObject("scalar");
            json.WriteNumber("value", value.Value);
            json.WriteEndObject();
            json.WriteEndObject();
        }
        foreach (var (name, ranges) in resources.Ranges)
        {
            Start(json, name, "RANGES", allocationRole);
            json.WriteStartObject("ranges");
            json.WriteStartArray("range");
            foreach (var r in ranges.Ranges)
            {
                json.WriteStartObject();
                json.WriteNumber("begin", r.Begin);
                json.WriteNumber("end", r.End);
                json.WriteEndObject();
            }
            json.WriteEndArray();
            json.WriteEndObject();
            json.WriteEndObject();
        }
        foreach (var (name, items) in resources.Sets)
        {
            Start(json, name, "SET", allocationRole);
            json.WriteStartObject("set");
            json.WriteStartArray("item");
            foreach (var item in items) json.WriteStringValue(item);
            json.WriteEndArray();
            json.WriteEndObject();
            json.WriteEndObject();
        }
        json.WriteEndArray();
    }

    private static void Start(Utf8JsonWriter json, string name, string type, string? allocationRole)
    {
        json.WriteStartObject();
        json.WriteString("name", name);
        json.WriteString("type", type);
        json.WriteString("role", "*");
        if (allocationRole is not null)
        {
            json.WriteStartObject("allocation_info");
            json.WriteString("role", allocationRole);
            json.WriteEndObject();
        }
    }
}
