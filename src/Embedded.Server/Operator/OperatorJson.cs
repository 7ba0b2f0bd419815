using System.Text.Json;
using Embedded.Orchestration.Model;
using Embedded.Orchestration.Scheduling;
using Embedded.Server.Mesos;

namespace Embedded.Server.Operator;

/// <summary>The operator API's (master/master.proto) shapes of agents, frameworks, tasks and roles.</summary>
internal static class OperatorJson
{
    public static void WriteAgents(Utf8JsonWriter json, IEnumerable<AgentSnapshot> agents)
    {
        json.WriteStartObject("get_agents");
        json.WriteStartArray("agents");
        foreach (var a in agents) WriteAgent(json, a);
        json.WriteEndArray();
        json.WriteStartArray("recovered_agents");
        json.WriteEndArray();
        json.WriteEndObject();
    }

    /// <summary>master.proto's Response.GetAgents.Agent.</summary>
    public static void WriteAgent(Utf8JsonWriter json, AgentSnapshot a)
    {
        {
            json.WriteStartObject();
            json.WriteStartObject("agent_info");
            Json.WriteId(json, "id", a.AgentId);
            json.WriteString("hostname", a.Hostname);
            MesosResources.Write(json, "resources", a.Total);
            MesosOffers.WriteAttributes(json, a.Attributes, a.TaskKinds);
            json.WriteEndObject();
            json.WriteBoolean("active", a.Reachable);
            json.WriteBoolean("deactivated", false);
            json.WriteString("version", MasterInfo.Version);
            MesosResources.Write(json, "total_resources", a.Total);
            MesosResources.Write(json, "allocated_resources", a.Used);
            json.WriteEndObject();
        }
    }

    /// <summary>With <paramref name="offers"/>, each framework's outstanding offers, in master.proto's Framework.offers.</summary>
    public static void WriteFrameworks(Utf8JsonWriter json, IEnumerable<FrameworkSnapshot> frameworks, IReadOnlyCollection<Offer>? offers = null, AgentUrl? url = null)
    {
        json.WriteStartObject("get_frameworks");
        json.WriteStartArray("frameworks");
        foreach (var f in frameworks) WriteFramework(json, f, offers, url);
        json.WriteEndArray();
        json.WriteStartArray("completed_frameworks");
        json.WriteEndArray();
        json.WriteEndObject();
    }

    /// <summary>master.proto's Response.GetFrameworks.Framework.</summary>
    public static void WriteFramework(Utf8JsonWriter json, FrameworkSnapshot f, IReadOnlyCollection<Offer>? offers = null, AgentUrl? url = null)
    {
        json.WriteStartObject();
        MesosFrameworkInfos.Write(json, "framework_info", f.FrameworkId, f.Name, f.Role);
        json.WriteBoolean("active", f.Connected && !f.Suppressed);
        json.WriteBoolean("connected", f.Connected);
        json.WriteBoolean("recovered", false);
        if (offers is not null && url is not null)
        {
            json.WriteStartArray("offers");
            foreach (var o in offers.Where(o => o.FrameworkId == f.FrameworkId)) MesosOffers.Write(json, o, f.Role, url);
            json.WriteEndArray();
        }
        json.WriteEndObject();
    }

    /// <summary>master.proto's Response.GetState, as <c>get_state</c>; with <paramref name="url"/> (where offers say their agents are), the frameworks' outstanding offers too.</summary>
    public static void WriteState(Utf8JsonWriter json, ClusterState state, AgentUrl? url = null)
    {
        json.WriteStartObject("get_state");
        WriteTasks(json, state);
        json.WriteStartObject("get_executors");
        json.WriteStartArray("executors");
        json.WriteEndArray();
        json.WriteEndObject();
        WriteFrameworks(json, state.Frameworks, state.Offers, url);
        WriteAgents(json, state.Agents);
        json.WriteEndObject();
    }

    public static void WriteTasks(Utf8JsonWriter json, ClusterState state)
    {
        json.WriteStartObject("get_tasks");
        json.WriteStartArray("tasks");
        foreach (var t in state.Tasks) WriteTask(json, t);
        json.WriteEndArray();
        json.WriteStartArray("completed_tasks");
        foreach (var t in state.CompletedTasks) WriteTask(json, t);
        json.WriteEndArray();
        json.WriteEndObject();
    }

    /// <summary>mesos.proto's Task.</summary>
    public static void WriteTask(Utf8JsonWriter json, TaskSnapshot t)
    {
        json.WriteStartObject();
        json.WriteString("name", t.Name);
        Json.WriteId(json, "task_id", t.TaskId);
        Json.WriteId(json, "framework_id", t.FrameworkId);
        Json.WriteId(json, "agent_id", t.AgentId);
        json.WriteString("state", MesosNames.State(t.State));
        MesosResources.Write(json, "resources", t.Resources);
        json.WriteStartArray("statuses");
        if (t.LastStatus is { } s) MesosStatuses.Write(json, s);
        json.WriteEndArray();
        json.WriteEndObject();
    }

    public static void WriteRoles(Utf8JsonWriter json, ClusterState state)
    {
        json.WriteStartObject("get_roles");
        json.WriteStartArray("roles");
        foreach (var r in state.Roles)
        {
            json.WriteStartObject();
            json.WriteString("name", r.Role);
            json.WriteNumber("weight", r.Weight);
            json.WriteStartArray("frameworks");
            foreach (var f in state.Frameworks.Where(f => f.Role == r.Role))
            {
                json.WriteStartObject();
                json.WriteString("value", f.FrameworkId);
                json.WriteEndObject();
            }
            json.WriteEndArray();
            MesosResources.Write(json, "resources", r.Allocated);
            json.WriteEndObject();
        }
        json.WriteEndArray();
        json.WriteEndObject();
    }
}
