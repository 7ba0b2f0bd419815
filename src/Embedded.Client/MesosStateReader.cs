using System.Collections.Immutable;
using System.Text.Json;
using Embedded.Orchestration.Allocation;
using Embedded.Orchestration.Model;
using Embedded.Orchestration.Scheduling;

namespace Embedded.Client;

/// <summary>
/// The operator API's GET_STATE, GET_AGENTS and GET_ROLES back into <see cref="ClusterState"/>, as far as the
/// JSON carries it: no quotas; task kinds from the master's <see cref="TaskKindAttribute"/>, among the client's options; pending jobs are the client's own.
/// </summary>
internal static class MesosStateReader
{
    public static ImmutableArray<AgentSnapshot> Agents(JsonElement getAgents, ImmutableArray<TaskKind> taskKinds, IReadOnlyDictionary<string, int>? activeTasks = null) =>
        [.. MesosJson.Items(getAgents, "agents").Select(a => Agent(a, taskKinds, activeTasks))];

    /// <summary>master.proto's GetAgents.Agent; the count of its tasks only where the caller knows them (GET_AGENTS has none).</summary>
    public static AgentSnapshot Agent(JsonElement a, ImmutableArray<TaskKind> taskKinds, IReadOnlyDictionary<string, int>? activeTasks = null)
    {
        var info = MesosJson.Get(a, "agent_info") ?? throw new InvalidDataException("the master sent an agent without agent_info");
        var id = MesosJson.RequiredId(info, "id");
        var (attributes, kinds) = TaskKindAttribute.Split(MesosJson.Attributes(info), taskKinds);
        return new AgentSnapshot(id, MesosJson.String(info, "hostname") ?? "", MesosJson.Get(a, "active")?.GetBoolean() ?? false,
            MesosJson.Resources(a, "total_resources"), MesosJson.Resources(a, "allocated_resources"), attributes,
            activeTasks?.GetValueOrDefault(id) ?? 0)
        {
            TaskKinds = kinds,
        };
    }

    public static ClusterState State(JsonElement getState, ImmutableArray<TaskKind> taskKinds, DateTimeOffset now)
    {
        var tasksJson = MesosJson.Get(getState, "get_tasks");
        ImmutableArray<TaskSnapshot> Tasks(string name) => tasksJson is { } t ? [.. MesosJson.Items(t, name).Select(Task)] : [];
        var tasks = Tasks("tasks");
        var byAgent = tasks.GroupBy(t => t.AgentId).ToDictionary(g => g.Key, g => g.Count());
        var byFramework = tasks.GroupBy(t => t.FrameworkId).ToDictionary(g => g.Key, g => g.Count());
        var agents = MesosJson.Get(getState, "get_agents") is { } a ? Agents(a, taskKinds, byAgent) : [];
        var frameworksJson = MesosJson.Get(getState, "get_frameworks") is { } f ? MesosJson.Items(f, "frameworks").ToList() : [];
        // Outstanding offers travel in master.proto's Framework.offers.
        ImmutableArray<Offer> offers = [.. frameworksJson.SelectMany(x => MesosJson.Items(x, "offers")).Select(o => MesosEventReader.Offer(o, taskKinds))];
        ImmutableArray<FrameworkSnapshot> frameworks = [.. frameworksJson.Select(x => Framework(x, byFramework, offers))];
        return new ClusterState(now, agents, frameworks, tasks, Tasks("completed_tasks"), offers, []);
    }

    /// <summary>
    /// GET_ROLES' roles; the weighted dominant share is worked out as the allocator does, against the agents' total.
    /// Quotas are not served, so none is read.
    /// </summary>
    public static ImmutableArray<RoleAllocation> Roles(JsonElement getRoles, ImmutableArray<AgentSnapshot> agents)
    {
        var total = agents.Aggregate(Resources.Empty, (sum, a) => sum + a.Total);
        return [.. MesosJson.Items(getRoles, "roles").Select(r =>
        {
            var weight = MesosJson.Number(r, "weight") ?? 1;
            var allocated = MesosJson.Resources(r, "resources");
            return new RoleAllocation(MesosJson.String(r, "name") ?? "*", weight, Share(allocated, total, weight), allocated, MesosJson.Items(r, "frameworks").Count());
        })];
    }

    private static double Share(Resources allocated, Resources total, double weight)
    {
        double share = 0;
        foreach (var (name, value) in allocated.Scalars)
            if (total.Scalar(name).Milli is > 0 and var all && value.Milli != 0) share = Math.Max(share, (double)value.Milli / all);
        return weight > 0 ? share / weight : share;
    }

    public static FrameworkSnapshot Framework(JsonElement f, IReadOnlyDictionary<string, int>? activeTasks = null, ImmutableArray<Offer> offers = default)
    {
        var info = MesosJson.Get(f, "framework_info") ?? throw new InvalidDataException("the master sent a framework without framework_info");
        var id = MesosJson.RequiredId(info, "id");
        var connected = MesosJson.Get(f, "connected")?.GetBoolean() ?? false;
        // The server reports active as connected and not suppressed.
        var active = MesosJson.Get(f, "active")?.GetBoolean() ?? false;
        var role = MesosJson.Items(info, "roles").Select(r => r.GetString()).FirstOrDefault() ?? MesosJson.String(info, "role") ?? "*";
        return new FrameworkSnapshot(id, MesosJson.String(info, "name") ?? "", role ?? "*", connected, connected && !active, activeTasks?.GetValueOrDefault(id) ?? 0,
            offers.IsDefault ? 0 : offers.Count(o => o.FrameworkId == id));
    }

    public static TaskSnapshot Task(JsonElement t)
    {
        var last = MesosJson.Items(t, "statuses").Select(MesosJson.Status).LastOrDefault();
        return new TaskSnapshot(MesosJson.RequiredId(t, "task_id"), MesosJson.String(t, "name") ?? "", MesosJson.RequiredId(t, "framework_id"),
            MesosJson.RequiredId(t, "agent_id"), MesosJson.Enum(MesosJson.String(t, "state"), "TASK_", TaskState.Unknown), MesosJson.Resources(t, "resources"), last);
    }
}
