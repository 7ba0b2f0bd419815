using System.Text.Json;
using Embedded.Orchestration.Model;
using Embedded.Orchestration.Scheduling;
using Embedded.Server.Mesos;

namespace Embedded.Server.Operator;

/// <summary>
/// <c>GET /state</c> in the shape of Mesos's /master/state: resources as maps (<c>"cpus": 4</c>,
/// <c>"ports": "[31000-31999]"</c>), agents as "slaves", ids as plain strings.
/// </summary>
internal static class StateJson
{
    public static void Write(Utf8JsonWriter json, ClusterState state, MasterInfo master)
    {
        json.WriteStartObject();
        json.WriteString("version", MasterInfo.Version);
        json.WriteString("id", master.Id);
        json.WriteString("pid", $"master@{master.Ip}:{master.Port}");
        json.WriteString("hostname", master.Hostname);
        json.WriteNumber("activated_slaves", state.Agents.Count(a => a.Reachable));
        json.WriteNumber("deactivated_slaves", 0);
        json.WriteNumber("unreachable_slaves", state.Agents.Count(a => !a.Reachable));
        json.WriteStartArray("slaves");
        foreach (var a in state.Agents)
        {
            json.WriteStartObject();
            json.WriteString("id", a.AgentId);
            json.WriteString("hostname", a.Hostname);
            json.WriteBoolean("active", a.Reachable);
            json.WriteString("version", MasterInfo.Version);
            WriteResources(json, "resources", a.Total);
            WriteResources(json, "used_resources", a.Used);
            WriteResources(json, "unreserved_resources", a.Total);
            json.WriteStartObject("attributes");
            foreach (var (k, v) in a.Attributes.OrderBy(p => p.Key, StringComparer.Ordinal)) json.WriteString(k, v);
            json.WriteEndObject();
            json.WriteEndObject();
        }
        json.WriteEndArray();
        json.WriteStartArray("frameworks");
        foreach (var f in state.Frameworks)
        {
            json.WriteStartObject();
            json.WriteString("id", f.FrameworkId);
            json.WriteString("name", f.Name);
            json.WriteString("role", f.Role);
            json.WriteBoolean("active", f.Connected && !f.Suppressed);
            json.WriteBoolean("connected", f.Connected);
            var tasks = state.Tasks.Where(t => t.FrameworkId == f.FrameworkId).ToList();
            WriteResources(json, "used_resources", tasks.Aggregate(Resources.Empty, (sum, t) => sum + t.Resources));
            json.WriteStartArray("tasks");
            foreach (var t in tasks) WriteTask(json, t);
            json.WriteEndArray();
            json.WriteStartArray("completed_tasks");
            foreach (var t in state.CompletedTasks.Where(t => t.FrameworkId == f.FrameworkId)) WriteTask(json, t);
            json.WriteEndArray();
            json.WriteStartArray("offers");
            foreach (var o in state.Offers.Where(o => o.FrameworkId == f.FrameworkId))
            {
                json.WriteStartObject();
                json.WriteString("id", o.OfferId);
                json.WriteString("framework_id", o.FrameworkId);
                json.WriteString("slave_id", o.AgentId);
                WriteResources(json, "resources", o.Resources);
                json.WriteEndObject();
            }
            json.WriteEndArray();
            json.WriteEndObject();
        }
        json.WriteEndArray();
        json.WriteStartArray("completed_frameworks");
        json.WriteEndArray();
        json.WriteStartArray("orphan_tasks");
        json.WriteEndArray();
        json.WriteStartArray("unregistered_frameworks");
        json.WriteEndArray();
        json.WriteEndObject();
    }

    private static void WriteTask(Utf8JsonWriter json, TaskSnapshot t)
    {
        json.WriteStartObject();
        json.WriteString("id", t.TaskId);
        json.WriteString("name", t.Name);
        json.WriteString("framework_id", t.FrameworkId);
        json.WriteString("slave_id", t.AgentId);
        json.WriteString("state", MesosNames.State(t.State));
        WriteResources(json, "resources", t.Resources);
        json.WriteStartArray("statuses");
        if (t.LastStatus is { } s)
        {
            json.WriteStartObject();
            json.WriteString("state", MesosNames.State(s.State));
            json.WriteNumber("timestamp", Json.Seconds(s.Timestamp));
            json.WriteEndObject();
        }
        json.WriteEndArray();
        json.WriteEndObject();
    }

    /// <summary>Mesos's resource map: scalars as numbers (cpus, mem, disk and gpus always present), ranges and sets as text.</summary>
    private static void WriteResources(Utf8JsonWriter json, string property, Resources resources)
    {
        json.WriteStartObject(property);
        foreach (var name in new[] { Resources.CpusName, Resources.MemName, Resources.DiskName, Resources.GpusName })
            if (!resources.Scalars.ContainsKey(name)) json.WriteNumber(name, 0);
        foreach (var (name, value) in resources.Scalars) json.WriteNumber(name, value.Value);
        foreach (var (name, ranges) in resources.Ranges) json.WriteString(name, ranges.ToString());
        foreach (var (name, items) in resources.Sets) json.WriteString(name, "{" + string.Join(",", items) + "}");
        json.WriteEndObject();
    }
}
