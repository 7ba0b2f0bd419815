using Embedded.Orchestration.Allocation;
using Embedded.Orchestration.Model;
using Microsoft.Extensions.Time.Testing;
using Grant = Embedded.Orchestration.Allocation.Allocation;

namespace Embedded.Orchestration.Tests.Allocation;

/// <summary>What the allocator's tests share: a fake clock, an allocator on it, and ways to run cycles and add agents.</summary>
public abstract class AllocatorTest
{
    private protected readonly FakeTimeProvider _time = new(new DateTimeOffset(2025, 1, 1, 0, 0, 0, TimeSpan.Zero));

    private protected static Resources R(double cpus, double mem) => Resources.Of(cpus, mem);

    private protected static readonly Resources Small = R(4, 4096);

    private protected HierarchicalAllocator NewAllocator(AllocatorOptions? options = null) => new(options ?? new AllocatorOptions(), _time);

    private protected static List<Grant> Cycle(HierarchicalAllocator allocator)
    {
        var result = new List<Grant>();
        allocator.Allocate(result);
        return result;
    }

    /// <summary>Every framework keeps everything it is offered, until nothing more is offered.</summary>
    private protected static List<Grant> AcceptEverythingUntilQuiet(HierarchicalAllocator allocator)
    {
        var all = new List<Grant>();
        for (var round = 0; round < 10_000; round++)
        {
            var grants = Cycle(allocator);
            if (grants.Count == 0) return all;
            foreach (var g in grants) allocator.OfferClosed(g.FrameworkId, g.AgentId, Resources.Empty, null);
            all.AddRange(grants);
        }
        throw new InvalidOperationException("allocation did not settle");
    }

    private protected static void AddAgents(HierarchicalAllocator allocator, int count, Resources each, string prefix = "agent")
    {
        for (var i = 0; i < count; i++) allocator.AddAgent($"{prefix}-{i:D4}", each);
    }
}
