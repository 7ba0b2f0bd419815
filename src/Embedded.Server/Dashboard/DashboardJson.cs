using System.Text.Json;
using Embedded.Orchestration.Allocation;
using Embedded.Orchestration.Model;
using Embedded.Orchestration.Scheduling;
using Embedded.Orchestration.Scheduling.Services;
using Embedded.Server.Mesos;

namespace Embedded.Server.Dashboard;

/// <summary>
/// The dashboard's own JSON: the cluster state and its events in the shape the page draws
/// (camelCase, states without the <c>TASK_</c> prefix, resources as name → number), not Mesos's /state.
/// </summary>
internal static class DashboardJson
{
    public static void WriteState(Utf8JsonWriter json, ClusterState state)
    {
        json.WriteStartObject();
        json.WriteString("timestamp", state.Timestamp);
        json.WriteStartArray("agents");
        foreach (var agent in state.Agents) WriteAgent(json, agent);
        json.WriteEndArray();
        json.WriteStartArray("frameworks");
        foreach (var framework in state.Frameworks) WriteFramework(json, framework);
        json.WriteEndArray();
        json.WriteStartArray("roles");
        foreach (var role in state.Roles) WriteRole(json, role);
        json.WriteEndArray();
        json.WriteStartArray("tasks");
        foreach (var task in state.Tasks) WriteTask(json, task);
        foreach (var task in state.CompletedTasks) WriteTask(json, task);
        json.WriteEndArray();
        json.WriteStartArray("pendingJobs");
        foreach (var job in state.PendingJobs)
        {
            json.WriteStartObject();
            json.WriteString("id", job.JobId);
            json.WriteString("name", job.Name);
            json.WriteString("since", job.Since);
            json.WriteString("placement", job.Placement?.Message);
            json.WriteEndObject();
        }
        json.WriteEndArray();
        json.WriteStartArray("services");
        foreach (var service in state.Services) WriteService(json, service);
        json.WriteEndArray();
        json.WriteEndObject();
    }

    /// <summary>
    /// A service with the count it wants, how many of its instances run and are healthy, and, while instances of
    /// other versions still run, the rolling update's progress: how many of the current version are healthy.
    /// </summary>
    private static void WriteService(Utf8JsonWriter json, ServiceSnapshot service)
    {
        var current = service.Launched.Where(i => i.Version == service.Version).ToList();
        var older = service.Launched.Where(i => i.Version != service.Version).ToList();
        json.WriteStartObject();
        json.WriteString("name", service.Name);
        json.WriteNumber("version", service.Version);
        json.WriteNumber("wanted", service.Instances);
        json.WriteNumber("running", service.Launched.Count(i => i.State == TaskState.Running));
        json.WriteNumber("healthy", service.Launched.Count(i => i.Healthy));
        json.WriteBoolean("isHealthy", service.Healthy);
        if (older.Count > 0)
        {
            json.WriteStartObject("update");
            json.WriteStartArray("from");
            foreach (var version in older.Select(i => i.Version).Distinct().Order()) json.WriteNumberValue(version);
            json.WriteEndArray();
            json.WriteNumber("to", service.Version);
            json.WriteNumber("newHealthy", current.Count(i => i.Healthy));
            json.WriteNumber("oldRunning", older.Count);
            json.WriteEndObject();
        }
        json.WriteStartArray("instances");
        foreach (var instance in service.Launched)
        {
            json.WriteStartObject();
            json.WriteString("id", instance.InstanceId);
            json.WriteNumber("version", instance.Version);
            json.WriteString("agentId", instance.AgentId);
            json.WriteString("host", instance.Host);
            json.WriteString("state", State(instance.State));
            json.WriteBoolean("healthy", instance.Healthy);
            json.WriteStartObject("ports");
            foreach (var port in instance.Ports) json.WriteNumber(port.Name, port.HostPort);
            json.WriteEndObject();
            json.WriteEndObject();
        }
        json.WriteEndArray();
        json.WriteEndObject();
    }

    /// <summary>One event as <c>{"type":"TASK_UPDATED",…}</c>; the first, SUBSCRIBED, carries the whole state.</summary>
    public static void WriteEvent(Utf8JsonWriter json, ClusterEvent e, DateTimeOffset now)
    {
        json.WriteStartObject();
        json.WriteString("at", now);
        switch (e)
        {
            case ClusterSubscribed s:
                json.WriteString("type", "SUBSCRIBED");
                json.WritePropertyName("state");
                WriteState(json, s.State);
                break;
            case TaskAdded t:
                json.WriteString("type", "TASK_ADDED");
                json.WritePropertyName("task");
                WriteTask(json, t.Task);
                break;
            case TaskUpdated u:
                json.WriteString("type", "TASK_UPDATED");
                json.WriteString("frameworkId", u.FrameworkId);
                json.WritePropertyName("status");
                WriteStatus(json, u.Status);
                break;
            case AgentAdded a:
                json.WriteString("type", "AGENT_ADDED");
                json.WritePropertyName("agent");
                WriteAgent(json, a.Agent);
                break;
            case AgentUpdated a:
                json.WriteString("type", "AGENT_UPDATED");
                json.WritePropertyName("agent");
                WriteAgent(json, a.Agent);
                break;
            case AgentRemoved a:
                json.WriteString("type", "AGENT_REMOVED");
                json.WriteString("agentId", a.AgentId);
                break;
            case FrameworkAdded f:
                json.WriteString("type", "FRAMEWORK_ADDED");
                json.WritePropertyName("framework");
                WriteFramework(json, f.Framework);
                break;
            case FrameworkUpdated f:
                json.WriteString("type", "FRAMEWORK_UPDATED");
                json.WritePropertyName("framework");
                WriteFramework(json, f.Framework);
                break;
            case FrameworkRemoved f:
                json.WriteString("type", "FRAMEWORK_REMOVED");
                json.WriteString("frameworkId", f.FrameworkId);
                break;
            default:
                json.WriteString("type", "UNKNOWN");
                break;
        }
        json.WriteEndObject();
    }

    private static void WriteAgent(Utf8JsonWriter json, AgentSnapshot agent)
    {
        json.WriteStartObject();
        json.WriteString("id", agent.AgentId);
        json.WriteString("hostname", agent.Hostname);
        json.WriteBoolean("reachable", agent.Reachable);
        json.WriteNumber("activeTasks", agent.ActiveTasks);
        json.WriteStartObject("attributes");
        foreach (var (name, value) in agent.Attributes.OrderBy(a => a.Key, StringComparer.Ordinal)) json.WriteString(name, value);
        json.WriteEndObject();
        json.WriteStartArray("taskKinds");
        foreach (var kind in agent.TaskKinds) json.WriteStringValue(kind.ToString());
        json.WriteEndArray();
        WriteResources(json, "total", agent.Total);
        WriteResources(json, "used", agent.Used);
        json.WriteEndObject();
    }

    private static void WriteFramework(Utf8JsonWriter json, FrameworkSnapshot framework)
    {
        json.WriteStartObject();
        json.WriteString("id", framework.FrameworkId);
        json.WriteString("name", framework.Name);
        json.WriteString("role", framework.Role);
        json.WriteBoolean("connected", framework.Connected);
        json.WriteBoolean("suppressed", framework.Suppressed);
        json.WriteNumber("activeTasks", framework.ActiveTasks);
        json.WriteNumber("offers", framework.Offers);
        json.WriteEndObject();
    }

    private static void WriteRole(Utf8JsonWriter json, RoleAllocation role)
    {
        json.WriteStartObject();
        json.WriteString("role", role.Role);
        json.WriteNumber("weight", role.Weight);
        json.WriteNumber("share", role.Share);
        json.WriteNumber("frameworks", role.Frameworks);
        WriteResources(json, "allocated", role.Allocated);
        if (role.Quota is { } quota)
        {
            WriteResources(json, "guarantee", quota.Guarantee);
            if (quota.Limit is { } limit) WriteResources(json, "limit", limit);
        }
        json.WriteEndObject();
    }

    private static void WriteTask(Utf8JsonWriter json, TaskSnapshot task)
    {
        json.WriteStartObject();
        json.WriteString("id", task.TaskId);
        json.WriteString("name", task.Name);
        json.WriteString("frameworkId", task.FrameworkId);
        json.WriteString("agentId", task.AgentId);
        json.WriteString("state", State(task.State));
        // The master's time of the first TASK_RUNNING: the page's run time counts from it.
        if (task.StartedAt is { } started) json.WriteString("startedAt", started);
        WriteResources(json, "resources", task.Resources);
        if (task.LastStatus is { } status)
        {
            json.WritePropertyName("status");
            WriteStatus(json, status);
        }
        json.WriteEndObject();
    }

    private static void WriteStatus(Utf8JsonWriter json, StatusUpdate status)
    {
        json.WriteStartObject();
        json.WriteString("taskId", status.TaskId);
        json.WriteString("state", State(status.State));
        json.WriteString("reason", MesosNames.Reason(status.Reason));
        json.WriteString("source", status.Source.ToString());
        json.WriteString("message", status.Message);
        json.WriteString("timestamp", status.Timestamp);
        json.WriteString("agentId", status.AgentId);
        if (status.ExitCode is { } exit) json.WriteNumber("exitCode", exit);
        if (status.Healthy is { } healthy) json.WriteBoolean("healthy", healthy);
        json.WriteEndObject();
    }

    /// <summary>Scalars as numbers; ranges (ports) as how many they hold.</summary>
    private static void WriteResources(Utf8JsonWriter json, string name, Resources resources)
    {
        json.WriteStartObject(name);
        foreach (var (scalar, value) in resources.Scalars) json.WriteNumber(scalar, value.Value);
        foreach (var (range, value) in resources.Ranges) json.WriteNumber(range, value.Count);
        json.WriteEndObject();
    }

    private static string State(TaskState state) => MesosNames.State(state)["TASK_".Length..];
}
