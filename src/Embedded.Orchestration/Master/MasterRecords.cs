using System.Collections.Immutable;
using Embedded.Orchestration.Protocol;
using Embedded.Orchestration.Model;
using Embedded.Orchestration.Scheduling;
using Embedded.Orchestration.Transport;

namespace Embedded.Orchestration.Master;

// The master's bookkeeping: mutable, owned by the master's loop alone.

internal readonly record struct TaskKey(string FrameworkId, string TaskId);

internal sealed class AgentRecord(string id, string hostname, Resources total, ImmutableDictionary<string, string> attributes, AgentAddress? address)
{
    public string Id { get; } = id;
    public string Hostname { get; set; } = hostname;
    public Resources Total { get; set; } = total;
    public ImmutableDictionary<string, string> Attributes { get; set; } = attributes;

    /// <summary>What the agent has executors for; every kind until a recovered agent says otherwise.</summary>
    public ImmutableArray<TaskKind> TaskKinds { get; set; } = [TaskKind.Command, TaskKind.Container, TaskKind.Delegate];
    /// <summary>Where the agent's current incarnation is reached; null for one known only from the registry.</summary>
    public AgentAddress? Address { get; set; } = address;
    public bool Reachable { get; set; } = true;
    public DateTimeOffset LastHeartbeat { get; set; }
    public DateTimeOffset UnreachableSince { get; set; }

    /// <summary>Known from the registry of a previous master and not yet registered again.</summary>
    public bool Recovered { get; set; }
    public HashSet<TaskKey> Tasks { get; } = [];
    public HashSet<string> Offers { get; } = new(StringComparer.Ordinal);
}

internal sealed class FrameworkRecord(string id, FrameworkInfo info, string? connection)
{
    public string Id { get; } = id;
    public FrameworkInfo Info { get; set; } = info;

    /// <summary>The transport's id of the connection its events go to; null while disconnected.</summary>
    public string? Connection { get; set; } = connection;
    public bool Connected => Connection is not null;

    /// <summary>Counts disconnections, so a failover timer started by an old one can tell it is stale.</summary>
    public long Disconnections { get; set; }
    public HashSet<TaskKey> Tasks { get; } = [];
    public HashSet<string> Offers { get; } = new(StringComparer.Ordinal);
}

internal sealed class TaskRecord(string frameworkId, string agentId, TaskInfo info)
{
    public string FrameworkId { get; } = frameworkId;
    public string AgentId { get; } = agentId;
    public TaskInfo Info { get; } = info;
    public TaskKey Key => new(FrameworkId, Info.TaskId);
    public TaskState State { get; set; } = TaskState.Staging;
    public StatusUpdate? LastStatus { get; set; }

    // UTC ticks, 0 for none: a nullable DateTimeOffset would be 16 bytes more of every task.
    private long _startedAt;

    /// <summary>The timestamp of the task's first TASK_RUNNING status, once it has had one.</summary>
    public DateTimeOffset? StartedAt => _startedAt == 0 ? null : new DateTimeOffset(_startedAt, TimeSpan.Zero);

    /// <summary>Notes the task's first TASK_RUNNING; later ones change nothing.</summary>
    public void Started(DateTimeOffset at)
    {
        if (_startedAt == 0) _startedAt = at.UtcTicks;
    }

    public TaskSnapshot Snapshot() => new(Info.TaskId, Info.Name, FrameworkId, AgentId, State, Info.Resources, LastStatus) { StartedAt = StartedAt };
}
