using System.Text.Json;
using Embedded.Orchestration.Scheduling.Services;
using Embedded.Server.Mesos;

namespace Embedded.Server.Operator;

/// <summary>
/// The services the master's host keeps, as Embedded adds them to the operator API (<c>GET_SERVICES</c>) and to
/// <c>/state</c>: Mesos defines none, so the shape follows the operator API's own (snake case, ids as
/// <c>{"value"}</c>, task states by their Mesos names).
/// </summary>
internal static class ServicesJson
{
    public const string Call = "GET_SERVICES";

    public static void Write(Utf8JsonWriter json, IEnumerable<ServiceSnapshot> services)
    {
        json.WriteStartArray("services");
        foreach (var s in services)
        {
            json.WriteStartObject();
            json.WriteString("name", s.Name);
            json.WriteNumber("version", s.Version);
            json.WriteNumber("instances", s.Instances);
            json.WriteBoolean("healthy", s.Healthy);
            json.WriteStartArray("launched");
            foreach (var i in s.Launched)
            {
                json.WriteStartObject();
                Json.WriteId(json, "task_id", i.InstanceId);
                json.WriteNumber("version", i.Version);
                Json.WriteId(json, "agent_id", i.AgentId);
                json.WriteString("hostname", i.Host);
                json.WriteString("state", MesosNames.State(i.State));
                json.WriteBoolean("healthy", i.Healthy);
                json.WriteStartArray("ports");
                foreach (var p in i.Ports)
                {
                    json.WriteStartObject();
                    json.WriteString("name", p.Name);
                    json.WriteNumber("host_port", p.HostPort);
                    json.WriteEndObject();
                }
                json.WriteEndArray();
                json.WriteEndObject();
            }
            json.WriteEndArray();
            json.WriteEndObject();
        }
        json.WriteEndArray();
    }
}
