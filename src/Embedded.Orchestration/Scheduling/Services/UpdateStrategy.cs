namespace Embedded.Orchestration.Scheduling.Services;

/// <summary>
/// How a changed spec rolls out, as Nomad's update block: at most <see cref="MaxSurge"/> instances above
/// the count (start-first; an instance being stopped no longer counts, as in Swarm and Kubernetes; with no
/// surge the update is stop-first and an old instance counts until it has ended), never fewer healthy than
/// the count less <see cref="MaxUnavailable"/>; a new instance counts
/// once it has been healthy for <see cref="MinHealthyTime"/>; an update that makes no progress for
/// <see cref="HealthyDeadline"/> fails and, with <see cref="AutoRevert"/>, rolls back to the last spec that was healthy.
/// </summary>
public sealed record UpdateStrategy
{
    public int MaxSurge { get; init; } = 1;
    public int MaxUnavailable { get; init; }
    public TimeSpan MinHealthyTime { get; init; } = TimeSpan.FromSeconds(10);
    public TimeSpan HealthyDeadline { get; init; } = TimeSpan.FromMinutes(5);
    public bool AutoRevert { get; init; }
}
