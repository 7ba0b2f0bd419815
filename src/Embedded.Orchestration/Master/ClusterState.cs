using System.Collections.Immutable;
using Embedded.Orchestration.Allocation;
using Embedded.Orchestration.Model;

namespace Embedded.Orchestration.Master;

/// <summary>A snapshot of the master's view, like Mesos's /state.</summary>
public sealed record ClusterState(
    DateTimeOffset Timestamp,
    ImmutableArray<AgentSnapshot> Agents,
    ImmutableArray<FrameworkSnapshot> Frameworks,
    ImmutableArray<TaskSnapshot> Tasks,
    ImmutableArray<TaskSnapshot> CompletedTasks,
    ImmutableArray<Offer> Offers,
    ImmutableArray<RoleAllocation> Roles);

public sealed record AgentSnapshot(
    string AgentId,
    string Hostname,
    bool Reachable,
    Resources Total,
    Resources Used,
    ImmutableDictionary<string, string> Attributes,
    int ActiveTasks);

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
    StatusUpdate? LastStatus);
