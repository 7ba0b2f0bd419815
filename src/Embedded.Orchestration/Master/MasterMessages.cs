using System.Collections.Immutable;
using Embedded.Orchestration.Model;
using Embedded.Orchestration.Scheduling;
using Embedded.Orchestration.Protocol;

namespace Embedded.Orchestration.Master;

// From frameworks; Reply completes when the master has taken the call, or fails with why it refused it.

internal abstract record FrameworkCall(string FrameworkId) : MasterMessage
{
    public TaskCompletionSource Reply { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
}

/// <summary>Subscribes on <paramref name="Connection"/>, the transport's id for the framework's event stream.</summary>
internal sealed record Subscribe(FrameworkInfo Info, string Connection) : MasterMessage
{
    public TaskCompletionSource<string> Reply { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
}

internal sealed record Accept(string FrameworkId, ImmutableArray<string> OfferIds, ImmutableArray<OfferOperation> Operations, Filters? Filters) : FrameworkCall(FrameworkId);
internal sealed record Decline(string FrameworkId, ImmutableArray<string> OfferIds, Filters? Filters) : FrameworkCall(FrameworkId);
internal sealed record Revive(string FrameworkId) : FrameworkCall(FrameworkId);
internal sealed record Suppress(string FrameworkId) : FrameworkCall(FrameworkId);
internal sealed record Kill(string FrameworkId, string TaskId, TimeSpan? GracePeriod) : FrameworkCall(FrameworkId);
internal sealed record Acknowledge(string FrameworkId, string AgentId, string TaskId, Guid Uuid) : FrameworkCall(FrameworkId);
internal sealed record Reconcile(string FrameworkId, ImmutableArray<string> TaskIds) : FrameworkCall(FrameworkId);
internal sealed record SendMessage(string FrameworkId, string AgentId, string TaskId, ReadOnlyMemory<byte> Data) : FrameworkCall(FrameworkId);
internal sealed record Teardown(string FrameworkId) : FrameworkCall(FrameworkId);

/// <summary>The framework's connection closed without a teardown: it may fail over within its timeout.</summary>
internal sealed record Disconnect(string FrameworkId, string Connection) : MasterMessage;

/// <summary>
/// The network link of the agent at <paramref name="From"/> broke. As Mesos's master does for a
/// disconnected agent, it gets no more offers until it registers again; its tasks are left alone until
/// missed heartbeats make it unreachable. Said by the master's own transport, never by an agent.
/// </summary>
internal sealed record AgentDisconnected(string AgentId, AgentAddress From) : MasterMessage;

// The master's own.

internal sealed record AllocateNow : MasterMessage
{
    public static readonly AllocateNow Instance = new();
}

internal sealed record CheckAgents : MasterMessage
{
    public static readonly CheckAgents Instance = new();
}

internal sealed record HeartbeatFrameworks : MasterMessage
{
    public static readonly HeartbeatFrameworks Instance = new();
}

internal sealed record FailoverExpired(string FrameworkId, long Disconnection) : MasterMessage;

internal sealed record GetState : MasterMessage
{
    public TaskCompletionSource<ClusterState> Reply { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
}

/// <summary>A watcher opened <paramref name="Connection"/>: it gets the state, then every change.</summary>
internal sealed record WatchCluster(string Connection) : MasterMessage;

internal sealed record UnwatchCluster(string Connection) : MasterMessage;

internal sealed record GetAgents : MasterMessage
{
    public TaskCompletionSource<ImmutableArray<AgentSnapshot>> Reply { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
}

/// <summary>What a task on an agent of another process has written so far (an agent of this process is asked directly).</summary>
internal sealed record ReadAgentOutput(string AgentId, string FrameworkId, string TaskId) : MasterMessage
{
    public TaskCompletionSource<TaskOutput?> Reply { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
}

internal sealed record WaitForAgents(int Count) : MasterMessage
{
    public TaskCompletionSource Reply { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
}

/// <summary>An operator's kill of an active task, found by its id (and framework, when given).</summary>
internal sealed record OperatorKill(string TaskId, string? FrameworkId, TimeSpan? GracePeriod) : MasterMessage
{
    public TaskCompletionSource<TaskKillResult> Reply { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
}

internal sealed record SetRoleWeight(string Role, double Weight) : MasterMessage;

/// <summary>Sets or (with null) removes a role's quota; the reply fails with the reason when the quota is invalid.</summary>
internal sealed record SetRoleQuota(string Role, Allocation.RoleQuota? Quota) : MasterMessage
{
    public TaskCompletionSource Reply { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
}
