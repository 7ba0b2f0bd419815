using Embedded.Orchestration.Model;

namespace Embedded.Orchestration.Agent;

/// <summary>What an agent offers when its options name no resources, as Mesos detects them: the given cpus and memory, 10 GB of disk, ports 31000-32000.</summary>
internal static class AgentDefaults
{
    public const long DiskMb = 10 * 1024;
    public static readonly RangeSet Ports = RangeSet.Of(31000, 32000);

    public static Resources Resources(double cpus, long memoryBytes) =>
        Model.Resources.Empty
            .WithScalar(Model.Resources.CpusName, cpus)
            .WithScalar(Model.Resources.MemName, Math.Max(memoryBytes / (1024 * 1024), 1))
            .WithScalar(Model.Resources.DiskName, DiskMb)
            .WithRanges(Model.Resources.PortsName, Ports);
}
