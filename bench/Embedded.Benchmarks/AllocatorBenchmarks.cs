using BenchmarkDotNet.Attributes;
using Embedded.Orchestration.Allocation;
using Embedded.Orchestration.Model;
using Grant = Embedded.Orchestration.Allocation.Allocation;

namespace Embedded.Benchmarks;

/// <summary>
/// One allocation cycle of the real allocator in Mesos's DeclineOffers cluster (agents of
/// cpus:24;mem:4096;disk:4096;ports:[31000-32000] with 16 cpus and 16 ports used, frameworks in
/// role "*"). "offer all" declines every offer without a filter first, so each cycle offers every
/// agent; "all filtered" measures a cycle once every framework has refused every agent for good.
/// The scale simulator (bench/Embedded.Simulator) runs Mesos's full 2 x frameworks rounds.
/// </summary>
[MemoryDiagnoser]
public class AllocatorBenchmarks
{
    private static readonly Resources AgentTotal = Resources.Parse("cpus:24;mem:4096;disk:4096;ports:[31000-32000]");
    private static readonly Resources Used = Resources.Parse("cpus:16;mem:2014;disk:1024")
        .WithRanges(Resources.PortsName, RangeSet.Of(Enumerable.Range(0, 16).Select(i => new ValueRange(31000UL + (ulong)i * 62, 31000UL + (ulong)i * 62 + 1))));

    private HierarchicalAllocator _allocator = null!;
    private readonly List<Grant> _offers = [];
    private HierarchicalAllocator _filtered = null!;

    [Params(1_000, 10_000)]
    public int Agents { get; set; }

    [Params(100, 1_000)]
    public int Frameworks { get; set; }

    private HierarchicalAllocator Cluster()
    {
        var allocator = new HierarchicalAllocator(new AllocatorOptions(), TimeProvider.System);
        for (var f = 0; f < Frameworks; f++) allocator.AddFramework($"framework{f}", "*");
        for (var a = 0; a < Agents; a++)
        {
            allocator.AddAgent($"agent{a}", AgentTotal);
            allocator.AddUsed($"framework{a % Frameworks}", $"agent{a}", Used);
        }
        return allocator;
    }

    [GlobalSetup]
    public void Setup()
    {
        _allocator = Cluster();
        _allocator.Allocate(_offers);

        // Every framework refuses every agent: each refuses what it is offered until nothing is.
        _filtered = Cluster();
        var offers = new List<Grant>();
        for (var round = 0; round <= Frameworks + 1; round++)
        {
            offers.Clear();
            _filtered.Allocate(offers);
            if (offers.Count == 0) break;
            foreach (var o in offers) _filtered.OfferClosed(o.FrameworkId, o.AgentId, o.Resources, new Filters(int.MaxValue));
        }
    }

    [IterationSetup(Target = nameof(OfferAll))]
    public void DeclineWithoutFilter()
    {
        foreach (var o in _offers) _allocator.OfferClosed(o.FrameworkId, o.AgentId, o.Resources, null);
        _offers.Clear();
    }

    [Benchmark(Description = "cycle: offer every agent")]
    public int OfferAll()
    {
        _allocator.Allocate(_offers);
        return _offers.Count;
    }

    [Benchmark(Description = "cycle: every agent filtered by every framework")]
    public int AllFiltered()
    {
        var offers = new List<Grant>(0);
        _filtered.Allocate(offers);
        return offers.Count;
    }
}

/// <summary>Building a cluster in the allocator: agents added one by one (with their used resources), and frameworks.</summary>
[MemoryDiagnoser]
public class AllocatorGrowthBenchmarks
{
    private static readonly Resources AgentTotal = Resources.Parse("cpus:24;mem:4096;disk:4096;ports:[31000-32000]");
    private string[] _agentIds = [];
    private string[] _frameworkIds = [];

    [GlobalSetup]
    public void Setup()
    {
        _agentIds = [.. Enumerable.Range(0, 10_000).Select(i => $"agent{i}")];
        _frameworkIds = [.. Enumerable.Range(0, 1_000).Select(i => $"framework{i}")];
    }

    [Benchmark(Description = "add 10,000 agents (1,000 frameworks present)")]
    public int AddAgents()
    {
        var allocator = new HierarchicalAllocator(new AllocatorOptions(), TimeProvider.System);
        foreach (var f in _frameworkIds) allocator.AddFramework(f, "*");
        foreach (var a in _agentIds) allocator.AddAgent(a, AgentTotal);
        return allocator.AgentCount;
    }

    [Benchmark(Description = "add 1,000 frameworks in 100 roles")]
    public int AddFrameworks()
    {
        var allocator = new HierarchicalAllocator(new AllocatorOptions(), TimeProvider.System);
        for (var i = 0; i < _frameworkIds.Length; i++) allocator.AddFramework(_frameworkIds[i], $"role{i % 100}");
        return allocator.FrameworkCount;
    }
}
