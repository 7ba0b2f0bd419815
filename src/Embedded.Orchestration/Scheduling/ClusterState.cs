using System.Collections.Immutable;
using Embedded.Orchestration.Allocation;
using Embedded.Orchestration.Model;

namespace Embedded.Orchestration.Scheduling;

/// <summary>A snapshot of the master's view, like Mesos's /state.</summary>
public sealed record ClusterState(
    DateTimeOffset Timestamp,
    ImmutableArray<AgentSnapshot> Agents,
    ImmutableArray<FrameworkSnapshot> Frameworks,
    ImmutableArray<TaskSnapshot> Tasks,
    ImmutableArray<TaskSnapshot> CompletedTasks,
    ImmutableArray<Offer> Offers,
    ImmutableArray<RoleAllocation> Roles)
{
    /// <summary>Jobs the built-in job scheduler holds until an agent can run them, with why they wait.</summary>
    public ImmutableArray<PendingJob> PendingJobs { get; init; } = [];

    /// <summary>The services the built-in service scheduler keeps, with their instances and health.</summary>
    public ImmutableArray<Services.ServiceSnapshot> Services { get; init; } = [];
}

public sealed record AgentSnapshot(
    string AgentId,
    string Hostname,
    bool Reachable,
    Resources Total,
    Resources Used,
    ImmutableDictionary<string, string> Attributes,
    int ActiveTasks)
{
    /// <summary>The kinds of task the agent has executors for.</summary>
    public ImmutableArray<TaskKind> TaskKinds { get; init; } = [];
}

public sealed record FrameworkSnapshot(
    string FrameworkId,
    string Name,
    string Role,
    bool Connected,
    bool Suppressed,
    int ActiveTasks,
    int Offers);

public sealed record TaskSnapshot(
    string TaskId,
    string Name,
    string FrameworkId,
    string AgentId,
    TaskState State,
    Resources Resources,
    StatusUpdate? LastStatus)
{
    /// <summary>When the task started running: the timestamp of its first TASK_RUNNING status; null before (or when the master did not see it).</summary>
    public DateTimeOffset? StartedAt { get; init; }
}

/// <summary>A role's weight, its weighted dominant share, what it holds (offered and in use), its frameworks and its quota.</summary>
public sealed record RoleAllocation(string Role, double Weight, double Share, Resources Allocated, int Frameworks, RoleQuota? Quota = null);
