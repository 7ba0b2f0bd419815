namespace Embedded.Orchestration.Allocation;

/// <summary>Allocator settings, with Mesos's defaults.</summary>
public sealed class AllocatorOptions
{
    /// <summary>How often a full allocation runs besides the ones that events trigger (Mesos: 1 s).</summary>
    public TimeSpan AllocationInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>An agent with less than this many free cpus and less than <see cref="MinAllocatableMem"/> is not offered (Mesos: 0.01).</summary>
    public double MinAllocatableCpus { get; set; } = 0.01;

    /// <summary>Megabytes; see <see cref="MinAllocatableCpus"/> (Mesos: 32).</summary>
    public double MinAllocatableMem { get; set; } = 32;

    /// <summary>Role weights; roles not named weigh 1.</summary>
    public Dictionary<string, double> RoleWeights { get; } = new(StringComparer.Ordinal);

    /// <summary>Quota guarantees and limits by role; roles not named have none.</summary>
    public Dictionary<string, RoleQuota> Quotas { get; } = new(StringComparer.Ordinal);
}
