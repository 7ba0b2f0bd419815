using Embedded.Orchestration.Allocation;
using Embedded.Orchestration.Model;
using Microsoft.Extensions.Time.Testing;
using Grant = Embedded.Orchestration.Allocation.Allocation;

namespace Embedded.Orchestration.Tests.Allocation;

public class AllocatorFastPathTests
{
    /// <summary>
    /// A random script over roles with many frameworks: filters of all sizes and durations, tasks,
    /// suppress and revive. The candidate bitsets must choose exactly what the plain DRF walk does.
    /// </summary>
    private static List<Grant> Script(int manyFrameworks)
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2025, 1, 1, 0, 0, 0, TimeSpan.Zero));
        var allocator = new HierarchicalAllocator(new AllocatorOptions(), time) { ManyFrameworks = manyFrameworks };
        var random = new Random(99);
        for (var i = 0; i < 300; i++) allocator.AddAgent($"a{i:D3}", Resources.Parse($"cpus:{1 + random.Next(8)};mem:{1024 * (1 + random.Next(8))};ports:[31000-31099]"));
        for (var i = 0; i < 150; i++) allocator.AddFramework($"f{i:D3}", i % 3 == 0 ? "small" : "big");
        var log = new List<Grant>();
        for (var round = 0; round < 60; round++)
        {
            var grants = new List<Grant>();
            allocator.Allocate(grants);
            log.AddRange(grants);
            foreach (var g in grants)
            {
                var keep = random.Next(4) == 0 ? Resources.Of(Math.Min(1, g.Resources.Cpus.Value), Math.Min(512, g.Resources.Mem.Value)) : Resources.Empty;
                var filter = random.Next(3) switch { 0 => null, 1 => new Filters(1 + random.Next(5)), _ => new Filters(int.MaxValue) };
                allocator.OfferClosed(g.FrameworkId, g.AgentId, g.Resources.Subtract(keep), filter);
            }
            var f = $"f{random.Next(150):D3}";
            switch (random.Next(6))
            {
                case 0: allocator.Suppress(f); break;
                case 1: allocator.Revive(f); break;
                case 2: allocator.SetFrameworkActive(f, random.Next(2) == 0); break;
            }
            time.Advance(TimeSpan.FromSeconds(1));
        }
        return log;
    }

    [Fact]
    public void Candidate_bitsets_choose_what_the_walk_chooses()
    {
        var walk = Script(int.MaxValue);
        var bits = Script(1);

        walk.Count.Should().BeGreaterThan(1000);
        bits.Should().Equal(walk);
    }
}
