using Embedded.Orchestration.Allocation;

namespace Embedded.Orchestration.Master;

/// <summary>Master settings, with Mesos's defaults where Mesos has one.</summary>
public sealed class MasterOptions
{
    /// <summary>How often agents must report (Mesos: agent_ping_timeout 15 s).</summary>
    public TimeSpan AgentHeartbeatInterval { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>Missed heartbeats after which an agent is unreachable (Mesos: max_agent_ping_timeouts 5).</summary>
    public int MaxMissedHeartbeats { get; set; } = 5;

    /// <summary>
    /// How long an unreachable agent may take to come back before the master removes it: its tasks
    /// become GONE and it must register anew (Mesos: agent_reregister_timeout, 10 min).
    /// </summary>
    public TimeSpan AgentReregistrationTimeout { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>How often frameworks get a heartbeat event (Mesos: 15 s).</summary>
    public TimeSpan FrameworkHeartbeatInterval { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>
    /// Where the master keeps its durable registry (admitted agents, known frameworks). When set, a
    /// restarted master expects them back and rebuilds task state from the agents; when null it starts empty.
    /// </summary>
    public string? WorkDirectory { get; set; }

    /// <summary>How many ended tasks the master remembers for state and reconciliation.</summary>
    public int MaxCompletedTasks { get; set; } = 1000;

    /// <summary>How many events a watcher (<see cref="Scheduling.IClusterClient.WatchAsync"/>) may leave unread before the master cuts it off.</summary>
    public int WatcherBufferEvents { get; set; } = 10_000;

    public AllocatorOptions Allocator { get; } = new();
}
