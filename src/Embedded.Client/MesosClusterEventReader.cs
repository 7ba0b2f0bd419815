using System.Collections.Immutable;
using System.Text.Json;
using Embedded.Orchestration.Model;
using Embedded.Orchestration.Scheduling;

namespace Embedded.Client;

/// <summary>master.proto's operator Event (the operator API's SUBSCRIBE stream) back into our <see cref="ClusterEvent"/> records.</summary>
internal static class MesosClusterEventReader
{
    /// <summary>The event, or null for HEARTBEAT and events we have no record for.</summary>
    public static ClusterEvent? Read(JsonElement e, ImmutableArray<TaskKind> taskKinds, DateTimeOffset now)
    {
        JsonElement Body(string name) => MesosJson.Get(e, name) ?? throw new InvalidDataException($"the master sent an event without '{name}'");
        JsonElement Field(JsonElement body, string name) => MesosJson.Get(body, name) ?? throw new InvalidDataException($"the master sent an event without '{name}'");
        return MesosJson.String(e, "type") switch
        {
            "SUBSCRIBED" => new ClusterSubscribed(MesosStateReader.State(Field(Body("subscribed"), "get_state"), taskKinds, now)),
            "TASK_ADDED" => new TaskAdded(MesosStateReader.Task(Field(Body("task_added"), "task"))),
            "TASK_UPDATED" => new TaskUpdated(MesosJson.RequiredId(Body("task_updated"), "framework_id"), MesosJson.Status(Field(Body("task_updated"), "status"))),
            // Mesos tells a re-registered agent as added again; so the stream cannot tell AgentUpdated from AgentAdded.
            "AGENT_ADDED" => new AgentAdded(MesosStateReader.Agent(Field(Body("agent_added"), "agent"), taskKinds)),
            "AGENT_REMOVED" => new AgentRemoved(MesosJson.RequiredId(Body("agent_removed"), "agent_id")),
            "FRAMEWORK_ADDED" => new FrameworkAdded(MesosStateReader.Framework(Field(Body("framework_added"), "framework"))),
            "FRAMEWORK_UPDATED" => new FrameworkUpdated(MesosStateReader.Framework(Field(Body("framework_updated"), "framework"))),
            "FRAMEWORK_REMOVED" => new FrameworkRemoved(MesosJson.RequiredId(Field(Body("framework_removed"), "framework_info"), "id")),
            _ => null,
        };
    }
}
