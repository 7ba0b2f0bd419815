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
}
