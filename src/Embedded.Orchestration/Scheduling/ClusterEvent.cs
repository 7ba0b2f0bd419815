using Embedded.Orchestration.Model;

namespace Embedded.Orchestration.Scheduling;

/// <summary>
/// What the cluster tells a watcher (Mesos's operator API SUBSCRIBE): first the whole state, then
/// every change as the master makes it, in order.
/// </summary>
public abstract record ClusterEvent;

/// <summary>The first event: the state the changes that follow apply to.</summary>
public sealed record ClusterSubscribed(ClusterState State) : ClusterEvent;

/// <summary>The master accepted a launch, or learned of a running task from an agent that registered again.</summary>
public sealed record TaskAdded(TaskSnapshot Task) : ClusterEvent;

/// <summary>A task's status changed, from its agent or as the master says.</summary>
public sealed record TaskUpdated(string FrameworkId, StatusUpdate Status) : ClusterEvent;

public sealed record AgentAdded(AgentSnapshot Agent) : ClusterEvent;

/// <summary>An agent became unreachable or registered again; see <see cref="AgentSnapshot.Reachable"/>.</summary>
public sealed record AgentUpdated(AgentSnapshot Agent) : ClusterEvent;

public sealed record AgentRemoved(string AgentId) : ClusterEvent;

public sealed record FrameworkAdded(FrameworkSnapshot Framework) : ClusterEvent;

/// <summary>A framework failed over, disconnected or subscribed again.</summary>
public sealed record FrameworkUpdated(FrameworkSnapshot Framework) : ClusterEvent;

public sealed record FrameworkRemoved(string FrameworkId) : ClusterEvent;
