namespace Embedded.Orchestration.Model;

/// <summary>Who subscribes: name, role, and whether it understands UNREACHABLE (else it is told LOST).</summary>
public sealed record FrameworkInfo(string Name, string Role = "*")
{
    /// <summary>Set to re-subscribe as a framework that already exists.</summary>
    public string? FrameworkId { get; init; }
    public bool PartitionAware { get; init; } = true;
    public TimeSpan FailoverTimeout { get; init; } = TimeSpan.Zero;

    /// <summary>
    /// Whether agents checkpoint this framework's tasks and status updates to disk, so that an agent
    /// restarted with the same work directory recovers them (as Mesos's FrameworkInfo.checkpoint).
    /// </summary>
    public bool Checkpoint { get; init; }

    /// <summary>
    /// The state to tell this framework for <paramref name="state"/>: frameworks that are not
    /// partition-aware know none of UNREACHABLE, DROPPED, GONE, GONE_BY_OPERATOR and UNKNOWN and are told LOST, as in Mesos.
    /// </summary>
    internal TaskState Tell(TaskState state) =>
        PartitionAware || state is not (TaskState.Unreachable or TaskState.Dropped or TaskState.Gone or TaskState.GoneByOperator or TaskState.Unknown)
            ? state
            : TaskState.Lost;
}
