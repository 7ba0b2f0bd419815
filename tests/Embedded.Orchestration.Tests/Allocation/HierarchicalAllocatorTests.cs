using Embedded.Orchestration.Allocation;
using Embedded.Orchestration.Model;
using Microsoft.Extensions.Time.Testing;
using Grant = Embedded.Orchestration.Allocation.Allocation;

namespace Embedded.Orchestration.Tests.Allocation;

public class HierarchicalAllocatorTests : AllocatorTest
{
    private static Dictionary<string, int> AgentsPerFramework(IEnumerable<Grant> grants) =>
        grants.GroupBy(g => g.FrameworkId).ToDictionary(g => g.Key, g => g.Select(x => x.AgentId).Distinct().Count());

    // ---------------------------------------------------------------- offers

    [Fact]
    public void A_framework_gets_all_free_resources_of_an_agent_as_one_offer()
    {
        var allocator = NewAllocator();
        var total = Resources.Parse("cpus:4;mem:4096;disk:100;ports:[31000-32000];zones:{a}");
        allocator.AddAgent("a1", total);
        allocator.AddFramework("f1", "role");

        var grants = Cycle(allocator);

        grants.Should().ContainSingle().Which.Should().Be(new Grant("f1", "a1", total));
        allocator.AvailableOn("a1").IsEmpty.Should().BeTrue();
        allocator.HasOutstandingOffer("f1", "a1").Should().BeTrue();
        Cycle(allocator).Should().BeEmpty();
    }

    [Fact]
    public void Nothing_is_offered_without_frameworks_or_agents()
    {
        var allocator = NewAllocator();
        allocator.AddAgent("a1", Small);
        Cycle(allocator).Should().BeEmpty();
        allocator.AvailableOn("a1").Should().Be(Small);

        var other = NewAllocator();
        other.AddFramework("f1", "r");
        Cycle(other).Should().BeEmpty();
    }

    [Fact]
    public void Unused_resources_of_a_closed_offer_are_offered_again()
    {
        var allocator = NewAllocator();
        allocator.AddAgent("a1", Small);
        allocator.AddFramework("f1", "r");
        Cycle(allocator);

        // f1 launches a task of 1 cpu and 1024 mem and gives back the rest without a filter.
        allocator.OfferClosed("f1", "a1", R(3, 3072), null);

        allocator.HasOutstandingOffer("f1", "a1").Should().BeFalse();
        allocator.AvailableOn("a1").Should().Be(R(3, 3072));
        Cycle(allocator).Should().ContainSingle().Which.Should().Be(new Grant("f1", "a1", R(3, 3072)));

        // The task ends: its resources come back.
        allocator.OfferClosed("f1", "a1", R(3, 3072), null);
        allocator.Recover("f1", "a1", R(1, 1024));
        allocator.AvailableOn("a1").Should().Be(Small);
    }

    [Fact]
    public void Adding_an_agent_or_framework_twice_throws()
    {
        var allocator = NewAllocator();
        allocator.AddAgent("a1", Small);
        allocator.AddFramework("f1", "r");

        allocator.Invoking(a => a.AddAgent("a1", Small)).Should().Throw<InvalidOperationException>();
        allocator.Invoking(a => a.AddFramework("f1", "other")).Should().Throw<InvalidOperationException>();
        allocator.AgentCount.Should().Be(1);
        allocator.FrameworkCount.Should().Be(1);
        allocator.Total.Should().Be(Small);
        allocator.Roles().Select(r => r.Role).Should().Equal("r");
    }

    // ---------------------------------------------------------------- fairness

    [Fact]
    public void Ten_frameworks_in_one_role_share_100_agents_equally()
    {
        var allocator = NewAllocator();
        AddAgents(allocator, 100, Small);
        for (var i = 0; i < 10; i++) allocator.AddFramework($"f{i}", "role");

        var grants = AcceptEverythingUntilQuiet(allocator);

        grants.Should().HaveCount(100);
        grants.Select(g => g.AgentId).Should().OnlyHaveUniqueItems();
        grants.Should().OnlyContain(g => g.Resources.Equals(Small));
        var perFramework = AgentsPerFramework(grants);
        perFramework.Should().HaveCount(10);
        perFramework.Values.Should().OnlyContain(n => n == 10);
    }

    [Fact]
    public void Frameworks_differ_by_at_most_one_agent_when_the_split_is_not_even()
    {
        var allocator = NewAllocator();
        AddAgents(allocator, 103, Small);
        for (var i = 0; i < 10; i++) allocator.AddFramework($"f{i}", "role");

        var perFramework = AgentsPerFramework(AcceptEverythingUntilQuiet(allocator));

        perFramework.Values.Sum().Should().Be(103);
        perFramework.Values.Should().OnlyContain(n => n == 10 || n == 11);
        perFramework.Values.Count(n => n == 11).Should().Be(3);
    }

    [Fact]
    public void Fairness_holds_in_a_single_cycle_too()
    {
        var allocator = NewAllocator();
        AddAgents(allocator, 40, Small);
        for (var i = 0; i < 4; i++) allocator.AddFramework($"f{i}", "role");

        var grants = Cycle(allocator);

        grants.Should().HaveCount(40);
        AgentsPerFramework(grants).Values.Should().OnlyContain(n => n == 10);
    }

    [Fact]
    public void Roles_are_balanced_before_frameworks()
    {
        var allocator = NewAllocator();
        AddAgents(allocator, 100, Small);
        allocator.AddFramework("solo", "alone");
        for (var i = 0; i < 9; i++) allocator.AddFramework($"crowd{i}", "crowded");

        var perFramework = AgentsPerFramework(AcceptEverythingUntilQuiet(allocator));

        perFramework["solo"].Should().Be(50);
        var crowd = perFramework.Where(kv => kv.Key.StartsWith("crowd")).Select(kv => kv.Value).ToList();
        crowd.Sum().Should().Be(50);
        crowd.Should().HaveCount(9).And.OnlyContain(n => n == 5 || n == 6);

        var roles = allocator.Roles().ToDictionary(r => r.Role);
        roles["alone"].Share.Should().BeApproximately(0.5, 1e-9);
        roles["crowded"].Share.Should().BeApproximately(0.5, 1e-9);
        roles["alone"].Frameworks.Should().Be(1);
        roles["crowded"].Frameworks.Should().Be(9);
        roles["alone"].Allocated.Should().Be(R(200, 204_800));
    }

    [Fact]
    public void A_framework_with_the_lowest_share_is_offered_first_even_if_it_arrived_last()
    {
        var allocator = NewAllocator();
        AddAgents(allocator, 10, Small);
        allocator.AddFramework("early", "r");
        AcceptEverythingUntilQuiet(allocator).Should().HaveCount(10);

        allocator.AddFramework("late", "r");
        allocator.AddAgent("new-1", Small);
        allocator.AddAgent("new-2", Small);

        var grants = Cycle(allocator);

        grants.Should().HaveCount(2);
        grants.Should().OnlyContain(g => g.FrameworkId == "late");
    }

    // The DRF paper's example (Ghodsi et al., section 4): 9 cpus and 18 GB; A runs tasks of
    // <1 cpu, 4 GB>, B tasks of <3 cpus, 1 GB>. Each framework launches one task per offer when it
    // fits and gives back the rest without a filter; one whose task does not fit declines.
    private static readonly Dictionary<string, Resources> PaperTask = new() { ["A"] = R(1, 4 * 1024), ["B"] = R(3, 1024) };

    private static void RunPaperFrameworks(HierarchicalAllocator allocator, Dictionary<string, int> tasks, List<string>? order = null)
    {
        for (var round = 0; round < 100; round++)
        {
            var grants = Cycle(allocator);
            if (grants.Count == 0) return;
            foreach (var g in grants)
            {
                var task = PaperTask[g.FrameworkId];
                if (g.Resources.Contains(task))
                {
                    tasks[g.FrameworkId]++;
                    order?.Add(g.FrameworkId);
                    allocator.OfferClosed(g.FrameworkId, g.AgentId, g.Resources.Subtract(task), new Filters(0));
                }
                else
                {
                    allocator.OfferClosed(g.FrameworkId, g.AgentId, g.Resources, Filters.Default);
                }
            }
        }
        throw new InvalidOperationException("allocation did not settle");
    }

    private HierarchicalAllocator PaperCluster()
    {
        var allocator = NewAllocator();
        allocator.AddAgent("big", R(9, 18 * 1024));
        allocator.AddFramework("A", "r");
        allocator.AddFramework("B", "r");
        return allocator;
    }

    [Fact]
    public void Drf_paper_example_gives_A_three_tasks_and_B_two()
    {
        var allocator = PaperCluster();
        var tasks = new Dictionary<string, int> { ["A"] = 0, ["B"] = 0 };
        var order = new List<string>();

        RunPaperFrameworks(allocator, tasks, order);

        tasks["A"].Should().Be(3);
        tasks["B"].Should().Be(2);
        order.Should().Equal("A", "B", "A", "B", "A");
        allocator.AvailableOn("big").Should().Be(R(0, 4 * 1024));
        allocator.Roles().Single().Allocated.Should().Be(R(9, 14 * 1024));
        Cycle(allocator).Should().BeEmpty();
    }

    [Fact]
    public void Drf_paper_example_returns_to_the_same_split_as_tasks_end_and_restart()
    {
        var allocator = PaperCluster();
        var tasks = new Dictionary<string, int> { ["A"] = 0, ["B"] = 0 };
        RunPaperFrameworks(allocator, tasks);

        for (var i = 0; i < 10; i++)
        {
            // A task of A ends, then one of B, then one of each: whoever fell behind is offered
            // first and the split comes back to 3 and 2.
            var ending = (i % 3) switch { 0 => new[] { "A" }, 1 => new[] { "B" }, _ => new[] { "B", "A" } };
            foreach (var f in ending)
            {
                allocator.Recover(f, "big", PaperTask[f]);
                tasks[f]--;
            }

            var order = new List<string>();
            RunPaperFrameworks(allocator, tasks, order);

            order.Should().BeEquivalentTo(ending);
            tasks["A"].Should().Be(3);
            tasks["B"].Should().Be(2);
            allocator.AvailableOn("big").Should().Be(R(0, 4 * 1024));
        }
    }

    [Fact]
    public void Drf_paper_example_on_small_agents_offers_each_agent_to_the_poorer_framework()
    {
        // Nine agents of <1 cpu, 2 GB>: each framework keeps what it is offered. DRF alternates by
        // dominant share: A's is mem (2/18 per agent), B's cpus (1/9 per agent): equal steps, so
        // the agents split 5 and 4, the name breaking the first tie.
        var allocator = NewAllocator();
        for (var i = 0; i < 9; i++) allocator.AddAgent($"a{i}", R(1, 2048));
        allocator.AddFramework("A", "r");
        allocator.AddFramework("B", "r");

        var grants = Cycle(allocator);

        grants.Select(g => g.FrameworkId).Should().Equal("A", "B", "A", "B", "A", "B", "A", "B", "A");
    }

    // ---------------------------------------------------------------- weights

    [Fact]
    public void Role_weight_three_gets_three_times_the_agents()
    {
        var allocator = NewAllocator();
        allocator.SetWeight("heavy", 3);
        AddAgents(allocator, 100, Small);
        allocator.AddFramework("h", "heavy");
        allocator.AddFramework("l", "light");

        var perFramework = AgentsPerFramework(AcceptEverythingUntilQuiet(allocator));

        perFramework["h"].Should().BeInRange(74, 76);
        perFramework["l"].Should().BeInRange(24, 26);
        perFramework.Values.Sum().Should().Be(100);
        var roles = allocator.Roles().ToDictionary(r => r.Role);
        roles["heavy"].Weight.Should().Be(3);
        roles["light"].Weight.Should().Be(1);
    }

    [Fact]
    public void Role_weights_from_options_apply()
    {
        var options = new AllocatorOptions();
        options.RoleWeights["a"] = 1;
        options.RoleWeights["b"] = 2;
        options.RoleWeights["c"] = 5;
        var allocator = NewAllocator(options);
        AddAgents(allocator, 80, Small);
        allocator.AddFramework("fa", "a");
        allocator.AddFramework("fb", "b");
        allocator.AddFramework("fc", "c");

        var perFramework = AgentsPerFramework(AcceptEverythingUntilQuiet(allocator));

        perFramework["fa"].Should().BeInRange(9, 11);
        perFramework["fb"].Should().BeInRange(19, 21);
        perFramework["fc"].Should().BeInRange(49, 51);
    }

    [Fact]
    public void Changing_a_weight_affects_later_allocations()
    {
        var allocator = NewAllocator();
        allocator.AddFramework("x", "rx");
        allocator.AddFramework("y", "ry");
        AddAgents(allocator, 20, Small, "first");
        var first = AgentsPerFramework(AcceptEverythingUntilQuiet(allocator));
        first["x"].Should().Be(10);
        first["y"].Should().Be(10);

        allocator.SetWeight("rx", 4);
        AddAgents(allocator, 30, Small, "second");
        var second = AgentsPerFramework(AcceptEverythingUntilQuiet(allocator));

        // In the end x should hold about four times what y holds: 40 and 10 of 50.
        second.GetValueOrDefault("x").Should().BeInRange(29, 30);
        (first["x"] + second.GetValueOrDefault("x")).Should().BeInRange(39, 40);
        allocator.Roles().Single(r => r.Role == "rx").Weight.Should().Be(4);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-1)]
    [InlineData(double.NaN)]
    [InlineData(double.NegativeInfinity)]
    public void SetWeight_rejects_weights_that_are_not_positive(double weight)
    {
        var allocator = NewAllocator();
        allocator.AddFramework("f", "r");

        allocator.Invoking(a => a.SetWeight("r", weight)).Should().Throw<ArgumentOutOfRangeException>();

        allocator.Roles().Single().Weight.Should().Be(1);
    }

    [Fact]
    public void SetWeight_of_an_unknown_role_is_kept_for_when_it_appears()
    {
        var allocator = NewAllocator();
        allocator.SetWeight("later", 2.5);

        allocator.AddFramework("f", "later");

        allocator.Roles().Single().Weight.Should().Be(2.5);
    }

    // ---------------------------------------------------------------- filters

    [Fact]
    public void A_declined_offer_is_not_made_again_before_refuse_seconds_pass()
    {
        var allocator = NewAllocator();
        allocator.AddAgent("a1", Small);
        allocator.AddFramework("f1", "r");
        Cycle(allocator).Should().ContainSingle();

        allocator.OfferClosed("f1", "a1", Small, new Filters(5));

        Cycle(allocator).Should().BeEmpty();
        _time.Advance(TimeSpan.FromSeconds(4.999));
        Cycle(allocator).Should().BeEmpty();
        _time.Advance(TimeSpan.FromMilliseconds(1));
        Cycle(allocator).Should().ContainSingle().Which.Should().Be(new Grant("f1", "a1", Small));
    }

    [Fact]
    public void Declined_resources_go_to_another_framework_while_filtered()
    {
        var allocator = NewAllocator();
        allocator.AddAgent("a1", Small);
        allocator.AddFramework("f1", "r");
        allocator.AddFramework("f2", "r");
        Cycle(allocator).Should().ContainSingle().Which.FrameworkId.Should().Be("f1");

        allocator.OfferClosed("f1", "a1", Small, new Filters(5));

        Cycle(allocator).Should().ContainSingle().Which.Should().Be(new Grant("f2", "a1", Small));
        allocator.OfferClosed("f2", "a1", Small, new Filters(0));
        // f1 is still filtered; f2 declined without a filter.
        Cycle(allocator).Should().ContainSingle().Which.FrameworkId.Should().Be("f2");
        allocator.OfferClosed("f2", "a1", Small, new Filters(60));
        Cycle(allocator).Should().BeEmpty();

        _time.Advance(TimeSpan.FromSeconds(5));
        Cycle(allocator).Should().ContainSingle().Which.FrameworkId.Should().Be("f1");
    }

    [Fact]
    public void The_default_filter_refuses_for_five_seconds()
    {
        var allocator = NewAllocator();
        allocator.AddAgent("a1", Small);
        allocator.AddFramework("f1", "r");
        Cycle(allocator);

        allocator.OfferClosed("f1", "a1", Small, Filters.Default);

        _time.Advance(TimeSpan.FromSeconds(4));
        Cycle(allocator).Should().BeEmpty();
        _time.Advance(TimeSpan.FromSeconds(1));
        Cycle(allocator).Should().ContainSingle();
    }

    [Fact]
    public void Refuse_zero_or_no_filters_means_offered_again_at_once()
    {
        var allocator = NewAllocator();
        allocator.AddAgent("a1", Small);
        allocator.AddFramework("f1", "r");
        Cycle(allocator);

        allocator.OfferClosed("f1", "a1", Small, new Filters(0));
        Cycle(allocator).Should().ContainSingle().Which.FrameworkId.Should().Be("f1");

        allocator.OfferClosed("f1", "a1", Small, null);
        Cycle(allocator).Should().ContainSingle().Which.FrameworkId.Should().Be("f1");

        allocator.OfferClosed("f1", "a1", Small, new Filters(-3));
        Cycle(allocator).Should().ContainSingle().Which.FrameworkId.Should().Be("f1");
    }

    [Fact]
    public void A_filter_does_not_hold_back_more_than_was_declined()
    {
        var allocator = NewAllocator();
        allocator.AddAgent("a1", Small);
        allocator.AddFramework("f1", "r");
        Cycle(allocator);

        // f1 launches a task of <1 cpu, 1024 mem> and refuses the rest for a minute.
        allocator.OfferClosed("f1", "a1", R(3, 3072), new Filters(60));
        Cycle(allocator).Should().BeEmpty();

        // The task ends: more is free than f1 refused, so it is offered again at once.
        allocator.Recover("f1", "a1", R(1, 1024));

        Cycle(allocator).Should().ContainSingle().Which.Should().Be(new Grant("f1", "a1", Small));
    }

    [Fact]
    public void A_filter_still_holds_back_less_than_was_declined()
    {
        var allocator = NewAllocator();
        allocator.AddAgent("a1", Small);
        allocator.AddFramework("f1", "r");
        allocator.AddFramework("f2", "r");
        var first = Cycle(allocator).Single();
        first.FrameworkId.Should().Be("f1");

        // f1 declines everything for a minute; f2 takes part of it and returns the rest.
        allocator.OfferClosed("f1", "a1", Small, new Filters(60));
        Cycle(allocator).Single().FrameworkId.Should().Be("f2");
        allocator.OfferClosed("f2", "a1", R(2, 2048), new Filters(60));

        // Only <2, 2048> is free: contained in what f1 refused; f2 refused exactly that.
        Cycle(allocator).Should().BeEmpty();
        allocator.AvailableOn("a1").Should().Be(R(2, 2048));
    }

    [Fact]
    public void A_filter_applies_to_one_agent_only()
    {
        var allocator = NewAllocator();
        allocator.AddAgent("a1", Small);
        allocator.AddAgent("a2", Small);
        allocator.AddFramework("f1", "r");
        Cycle(allocator).Should().HaveCount(2);

        allocator.OfferClosed("f1", "a1", Small, new Filters(30));
        allocator.OfferClosed("f1", "a2", Small, null);

        Cycle(allocator).Should().ContainSingle().Which.AgentId.Should().Be("a2");
    }

    [Fact]
    public void A_filter_applies_to_one_framework_only_even_in_the_same_role()
    {
        var allocator = NewAllocator();
        allocator.AddAgent("a1", Small);
        allocator.AddAgent("a2", Small);
        allocator.AddFramework("f1", "r");
        allocator.AddFramework("f2", "r");
        var grants = Cycle(allocator);
        grants.Select(g => g.FrameworkId).Should().BeEquivalentTo("f1", "f2");

        foreach (var g in grants) allocator.OfferClosed(g.FrameworkId, g.AgentId, g.Resources, g.FrameworkId == "f1" ? new Filters(30) : null);

        // a1: f1 is filtered, so f2 gets it; a2: f1 now has the lower share and is not filtered there.
        Cycle(allocator).Should().Equal(new Grant("f2", "a1", Small), new Grant("f1", "a2", Small));
    }

    [Theory]
    [InlineData(1e300)]
    [InlineData(double.PositiveInfinity)]
    [InlineData(double.MaxValue)]
    public void Enormous_refuse_seconds_are_clamped_not_thrown(double seconds)
    {
        var allocator = NewAllocator();
        allocator.AddAgent("a1", Small);
        allocator.AddFramework("f1", "r");
        Cycle(allocator);

        allocator.OfferClosed("f1", "a1", Small, new Filters(seconds));

        _time.Advance(TimeSpan.FromDays(365));
        Cycle(allocator).Should().BeEmpty();
        allocator.Revive("f1");
        Cycle(allocator).Should().ContainSingle();
    }

    [Fact]
    public void NaN_refuse_seconds_set_no_filter()
    {
        var allocator = NewAllocator();
        allocator.AddAgent("a1", Small);
        allocator.AddFramework("f1", "r");
        Cycle(allocator);

        allocator.OfferClosed("f1", "a1", Small, new Filters(double.NaN));

        Cycle(allocator).Should().ContainSingle();
    }

    // ---------------------------------------------------------------- suppress / revive

    [Fact]
    public void A_suppressed_framework_gets_no_offers_until_it_revives()
    {
        var allocator = NewAllocator();
        AddAgents(allocator, 3, Small);
        allocator.AddFramework("f1", "r");

        allocator.Suppress("f1");

        allocator.IsSuppressed("f1").Should().BeTrue();
        Cycle(allocator).Should().BeEmpty();
        _time.Advance(TimeSpan.FromMinutes(10));
        Cycle(allocator).Should().BeEmpty();

        allocator.Revive("f1");

        allocator.IsSuppressed("f1").Should().BeFalse();
        Cycle(allocator).Should().HaveCount(3).And.OnlyContain(g => g.FrameworkId == "f1");
    }

    [Fact]
    public void Others_get_what_a_suppressed_framework_does_not()
    {
        var allocator = NewAllocator();
        AddAgents(allocator, 4, Small);
        allocator.AddFramework("f1", "r");
        allocator.AddFramework("f2", "other");
        allocator.Suppress("f1");

        Cycle(allocator).Should().HaveCount(4).And.OnlyContain(g => g.FrameworkId == "f2");
    }

    [Fact]
    public void Revive_clears_every_filter()
    {
        var allocator = NewAllocator();
        allocator.AddAgent("a1", Small);
        allocator.AddAgent("a2", Small);
        allocator.AddFramework("f1", "r");
        foreach (var g in Cycle(allocator)) allocator.OfferClosed(g.FrameworkId, g.AgentId, g.Resources, new Filters(3600));
        Cycle(allocator).Should().BeEmpty();

        allocator.Revive("f1");

        Cycle(allocator).Should().HaveCount(2);
    }

    [Fact]
    public void Suppress_keeps_filters_and_revive_of_unknown_frameworks_is_ignored()
    {
        var allocator = NewAllocator();
        allocator.AddAgent("a1", Small);
        allocator.AddFramework("f1", "r");
        allocator.Suppress("ghost");
        allocator.Revive("ghost");
        allocator.IsSuppressed("ghost").Should().BeFalse();

        foreach (var g in Cycle(allocator)) allocator.OfferClosed(g.FrameworkId, g.AgentId, g.Resources, new Filters(10));
        allocator.Suppress("f1");
        _time.Advance(TimeSpan.FromSeconds(5));

        Cycle(allocator).Should().BeEmpty();
    }

    // ---------------------------------------------------------------- outstanding offers

    [Fact]
    public void At_most_one_outstanding_offer_per_framework_and_agent()
    {
        var allocator = NewAllocator();
        allocator.AddAgent("a1", Small);
        allocator.AddFramework("f1", "r");

        // f1 runs a task of <2, 2048> and is offered the rest.
        Cycle(allocator);
        allocator.OfferClosed("f1", "a1", R(2, 2048), null);
        Cycle(allocator).Should().ContainSingle().Which.Resources.Should().Be(R(2, 2048));
        allocator.HasOutstandingOffer("f1", "a1").Should().BeTrue();

        // The task ends while the offer is out: f1 gets no second offer for a1.
        allocator.Recover("f1", "a1", R(2, 2048));
        allocator.AvailableOn("a1").Should().Be(R(2, 2048));
        Cycle(allocator).Should().BeEmpty();

        // Another framework may get it.
        allocator.AddFramework("f2", "r");
        Cycle(allocator).Should().ContainSingle().Which.Should().Be(new Grant("f2", "a1", R(2, 2048)));

        // Once f1 closes its offer it can be offered again.
        allocator.OfferClosed("f1", "a1", R(2, 2048), null);
        allocator.HasOutstandingOffer("f1", "a1").Should().BeFalse();
        Cycle(allocator).Should().ContainSingle().Which.FrameworkId.Should().Be("f1");
    }

    [Fact]
    public void Every_agent_is_offered_at_most_once_per_cycle()
    {
        var allocator = NewAllocator();
        AddAgents(allocator, 25, Small);
        for (var i = 0; i < 3; i++) allocator.AddFramework($"f{i}", $"r{i % 2}");

        var grants = Cycle(allocator);

        grants.Select(g => g.AgentId).Should().OnlyHaveUniqueItems().And.HaveCount(25);
        grants.Select(g => (g.FrameworkId, g.AgentId)).Should().OnlyHaveUniqueItems();
    }

    // ---------------------------------------------------------------- minimum allocatable size

    [Fact]
    public void An_agent_with_less_than_the_minimum_free_is_not_offered()
    {
        var allocator = NewAllocator();
        allocator.AddAgent("tiny", R(0.005, 10));
        allocator.AddAgent("almost", R(0.009, 31.999));
        allocator.AddAgent("disk-only", Resources.Of(disk: 1000));
        allocator.AddAgent("ports-only", Resources.Parse("ports:[1-1000]"));
        allocator.AddFramework("f1", "r");

        Cycle(allocator).Should().BeEmpty();
    }

    [Fact]
    public void Either_minimum_cpus_or_minimum_mem_is_enough()
    {
        var allocator = NewAllocator();
        allocator.AddAgent("cpus", R(0.01, 0));
        allocator.AddAgent("mem", R(0, 32));
        allocator.AddAgent("both", R(0.01, 32));
        allocator.AddFramework("f1", "r");

        Cycle(allocator).Select(g => g.AgentId).Should().BeEquivalentTo("cpus", "mem", "both");
    }

    [Fact]
    public void A_remainder_below_the_minimum_is_not_offered()
    {
        var allocator = NewAllocator();
        allocator.AddAgent("a1", R(1, 40));
        allocator.AddFramework("f1", "r");
        Cycle(allocator);

        allocator.OfferClosed("f1", "a1", R(0.005, 10), null);

        allocator.AvailableOn("a1").Should().Be(R(0.005, 10));
        Cycle(allocator).Should().BeEmpty();
    }

    [Fact]
    public void The_minimum_comes_from_the_options()
    {
        var options = new AllocatorOptions { MinAllocatableCpus = 1, MinAllocatableMem = 1024 };
        var allocator = NewAllocator(options);
        allocator.AddAgent("small", R(0.5, 512));
        allocator.AddAgent("enough-cpus", R(1, 0));
        allocator.AddFramework("f1", "r");

        Cycle(allocator).Should().ContainSingle().Which.AgentId.Should().Be("enough-cpus");
    }

    [Fact]
    public void With_no_minimum_an_agent_with_nothing_free_is_still_not_offered()
    {
        var options = new AllocatorOptions { MinAllocatableCpus = 0, MinAllocatableMem = 0 };
        var allocator = NewAllocator(options);
        allocator.AddAgent("a1", R(0.001, 0));
        allocator.AddFramework("f1", "r");
        allocator.AddFramework("f2", "r");

        Cycle(allocator).Should().ContainSingle().Which.Resources.Should().Be(R(0.001, 0));
        Cycle(allocator).Should().BeEmpty();
    }

    // ---------------------------------------------------------------- activity

    [Fact]
    public void An_inactive_agent_is_not_offered_until_active_again()
    {
        var allocator = NewAllocator();
        allocator.AddAgent("a1", Small);
        allocator.AddAgent("a2", Small);
        allocator.AddFramework("f1", "r");

        allocator.SetAgentActive("a1", false);
        allocator.SetAgentActive("ghost", false);

        Cycle(allocator).Should().ContainSingle().Which.AgentId.Should().Be("a2");
        Cycle(allocator).Should().BeEmpty();
        allocator.Total.Should().Be(R(8, 8192));

        allocator.SetAgentActive("a1", true);
        Cycle(allocator).Should().ContainSingle().Which.AgentId.Should().Be("a1");
    }

    [Fact]
    public void An_inactive_framework_is_skipped_and_others_are_offered()
    {
        var allocator = NewAllocator();
        AddAgents(allocator, 2, Small);
        allocator.AddFramework("f1", "r");
        allocator.AddFramework("f2", "r");

        allocator.SetFrameworkActive("f1", false);
        allocator.SetFrameworkActive("ghost", false);

        Cycle(allocator).Should().HaveCount(2).And.OnlyContain(g => g.FrameworkId == "f2");

        allocator.SetFrameworkActive("f1", true);
        allocator.AddAgent("a3", Small);
        Cycle(allocator).Should().ContainSingle().Which.FrameworkId.Should().Be("f1");
    }

    [Fact]
    public void An_inactive_framework_keeps_what_it_holds()
    {
        var allocator = NewAllocator();
        allocator.AddAgent("a1", Small);
        allocator.AddAgent("a2", Small);
        allocator.AddFramework("f1", "r1");
        allocator.AddFramework("f2", "r2");
        AcceptEverythingUntilQuiet(allocator);

        allocator.SetFrameworkActive("f1", false);

        allocator.Roles().Single(r => r.Role == "r1").Allocated.Should().Be(Small);
        allocator.AvailableOn("a1").IsEmpty.Should().BeTrue();
        allocator.AvailableOn("a2").IsEmpty.Should().BeTrue();
    }

    // ---------------------------------------------------------------- used resources

    [Fact]
    public void AddUsed_counts_towards_the_share_and_leaves_only_the_rest_free()
    {
        var allocator = NewAllocator();
        allocator.AddAgent("a1", R(8, 8192));
        allocator.AddAgent("a2", R(8, 8192));
        allocator.AddFramework("f1", "r1");
        allocator.AddFramework("f2", "r2");

        allocator.AddUsed("f1", "a1", R(8, 2048));

        allocator.AvailableOn("a1").Should().Be(R(0, 6144));
        var roles = allocator.Roles().ToDictionary(r => r.Role);
        roles["r1"].Allocated.Should().Be(R(8, 2048));
        roles["r1"].Share.Should().BeApproximately(0.5, 1e-12);

        // f2 has the lower share: it gets a1's remainder (share 6144/16384 = 0.375 < 0.5) and then a2.
        var grants = Cycle(allocator);
        grants.Should().Equal(new Grant("f2", "a1", R(0, 6144)), new Grant("f2", "a2", R(8, 8192)));
    }

    [Fact]
    public void AddUsed_does_not_create_an_outstanding_offer()
    {
        var allocator = NewAllocator();
        allocator.AddAgent("a1", Small);
        allocator.AddFramework("f1", "r");

        allocator.AddUsed("f1", "a1", R(1, 1024));

        allocator.HasOutstandingOffer("f1", "a1").Should().BeFalse();
        Cycle(allocator).Should().ContainSingle().Which.Should().Be(new Grant("f1", "a1", R(3, 3072)));

        // The used resources are released like any other.
        allocator.OfferClosed("f1", "a1", R(3, 3072), null);
        allocator.Recover("f1", "a1", R(1, 1024));
        allocator.AvailableOn("a1").Should().Be(Small);
        allocator.Roles().Single().Allocated.IsEmpty.Should().BeTrue();
    }

    [Fact]
    public void AddUsed_for_unknown_frameworks_or_agents_is_ignored()
    {
        var allocator = NewAllocator();
        allocator.AddAgent("a1", Small);
        allocator.AddFramework("f1", "r");

        allocator.AddUsed("ghost", "a1", R(1, 1));
        allocator.AddUsed("f1", "ghost", R(1, 1));

        allocator.AvailableOn("a1").Should().Be(Small);
        allocator.Roles().Single().Allocated.IsEmpty.Should().BeTrue();
    }

    [Fact]
    public void Used_resources_beyond_an_agents_size_do_not_break_allocation_elsewhere()
    {
        // An agent that registers again may report tasks that add up to more than it now
        // advertises. That agent has nothing to offer, but the allocation of every other agent
        // must go on.
        var allocator = NewAllocator();
        allocator.AddAgent("shrunk", R(2, 2048));
        allocator.AddAgent("fine", Small);
        allocator.AddFramework("f1", "r");

        allocator.AddUsed("f1", "shrunk", R(3, 1024));

        var grants = Cycle(allocator);
        grants.Should().ContainSingle().Which.Should().Be(new Grant("f1", "fine", Small));

        // Once enough is released, the agent is offered again.
        allocator.Recover("f1", "shrunk", R(2, 0));
        allocator.AvailableOn("shrunk").Should().Be(R(1, 1024));
        Cycle(allocator).Should().ContainSingle().Which.Should().Be(new Grant("f1", "shrunk", R(1, 1024)));
    }

    // ---------------------------------------------------------------- removal

    [Fact]
    public void RemoveFramework_releases_its_resources_to_others()
    {
        var allocator = NewAllocator();
        AddAgents(allocator, 4, Small);
        allocator.AddFramework("f1", "r");
        var grants = Cycle(allocator);
        grants.Should().HaveCount(4);
        // f1 keeps two agents for tasks and holds offers on the other two.
        allocator.OfferClosed("f1", grants[0].AgentId, Resources.Empty, null);
        allocator.OfferClosed("f1", grants[1].AgentId, Resources.Empty, null);
        allocator.AddFramework("f2", "r");
        Cycle(allocator).Should().BeEmpty();

        allocator.RemoveFramework("f1");

        allocator.FrameworkCount.Should().Be(1);
        allocator.HasOutstandingOffer("f1", grants[2].AgentId).Should().BeFalse();
        Cycle(allocator).Should().HaveCount(4).And.OnlyContain(g => g.FrameworkId == "f2" && g.Resources.Equals(Small));
        allocator.Roles().Single().Allocated.Should().Be(R(16, 16384));
    }

    [Fact]
    public void Removing_the_last_framework_of_a_role_forgets_the_role()
    {
        var allocator = NewAllocator();
        allocator.AddAgent("a1", Small);
        allocator.AddFramework("f1", "gone");
        allocator.AddFramework("f2", "stays");
        AcceptEverythingUntilQuiet(allocator);

        allocator.RemoveFramework("f1");
        allocator.RemoveFramework("ghost");

        allocator.Roles().Select(r => r.Role).Should().Equal("stays");

        // Later calls about the removed framework are harmless.
        allocator.OfferClosed("f1", "a1", Small, Filters.Default);
        allocator.Recover("f1", "a1", Small);
        allocator.Suppress("f1");
        allocator.HasOutstandingOffer("f1", "a1").Should().BeFalse();

        // The framework may come back, in another role, with nothing held.
        allocator.AddFramework("f1", "stays");
        allocator.Roles().Single().Frameworks.Should().Be(2);
    }

    [Fact]
    public void A_removed_framework_can_come_back_and_is_treated_as_new()
    {
        var allocator = NewAllocator();
        AddAgents(allocator, 6, Small);
        allocator.AddFramework("f1", "r");
        allocator.AddFramework("f2", "r");
        AgentsPerFramework(AcceptEverythingUntilQuiet(allocator)).Values.Should().OnlyContain(n => n == 3);

        allocator.RemoveFramework("f1");
        allocator.AddFramework("f1", "r");

        AgentsPerFramework(AcceptEverythingUntilQuiet(allocator))["f1"].Should().Be(3);
    }

    [Fact]
    public void RemoveAgent_releases_what_frameworks_held_there()
    {
        var allocator = NewAllocator();
        allocator.AddAgent("a1", Small);
        allocator.AddAgent("a2", Small);
        allocator.AddFramework("f1", "r1");
        allocator.AddFramework("f2", "r2");
        var grants = AcceptEverythingUntilQuiet(allocator);
        var f1Agent = grants.Single(g => g.FrameworkId == "f1").AgentId;

        allocator.RemoveAgent(f1Agent);

        allocator.AgentCount.Should().Be(1);
        allocator.Total.Should().Be(Small);
        allocator.AvailableOn(f1Agent).IsEmpty.Should().BeTrue();
        var roles = allocator.Roles().ToDictionary(r => r.Role);
        roles["r1"].Allocated.IsEmpty.Should().BeTrue();
        roles["r1"].Share.Should().Be(0);
        roles["r2"].Share.Should().BeApproximately(1.0, 1e-12); // the remaining agent is all of the cluster

        // f1 now has the lowest share: a new agent goes to it.
        allocator.AddAgent("a3", Small);
        Cycle(allocator).Should().ContainSingle().Which.Should().Be(new Grant("f1", "a3", Small));
    }

    [Fact]
    public void RemoveAgent_drops_outstanding_offers_and_filters_and_later_calls_are_harmless()
    {
        var allocator = NewAllocator();
        allocator.AddAgent("a1", Small);
        allocator.AddFramework("f1", "r");
        Cycle(allocator).Should().ContainSingle();

        allocator.RemoveAgent("a1");
        allocator.RemoveAgent("a1");

        allocator.HasOutstandingOffer("f1", "a1").Should().BeFalse();
        allocator.OfferClosed("f1", "a1", Small, new Filters(60));
        allocator.Recover("f1", "a1", Small);
        allocator.AddUsed("f1", "a1", Small);
        allocator.Roles().Single().Allocated.IsEmpty.Should().BeTrue();
        allocator.Total.IsEmpty.Should().BeTrue();
        allocator.AgentCount.Should().Be(0);

        // An agent with the same id that registers anew is offered from scratch.
        allocator.AddAgent("a1", Small);
        allocator.Revive("f1");
        Cycle(allocator).Should().ContainSingle().Which.Should().Be(new Grant("f1", "a1", Small));
    }

    [Fact]
    public void A_filter_on_a_removed_agent_does_not_outlive_it()
    {
        var allocator = NewAllocator();
        allocator.AddAgent("a1", Small);
        allocator.AddFramework("f1", "r");
        Cycle(allocator);
        allocator.OfferClosed("f1", "a1", Small, new Filters(60));

        allocator.RemoveAgent("a1");
        allocator.AddAgent("a1", Small);

        Cycle(allocator).Should().ContainSingle().Which.FrameworkId.Should().Be("f1");
    }

    // ---------------------------------------------------------------- totals

    [Fact]
    public void Total_sums_scalars_only_and_never_merges_ports_of_different_agents()
    {
        var allocator = NewAllocator();
        allocator.AddAgent("a1", Resources.Parse("cpus:4;mem:4096;ports:[31000-32000];zones:{a}"));
        allocator.AddAgent("a2", Resources.Parse("cpus:2;mem:1024;disk:50;ports:[31000-32000];zones:{b}"));

        allocator.Total.Should().Be(Resources.Parse("cpus:6;mem:5120;disk:50"));
        allocator.Total.Ranges.Should().BeEmpty();
        allocator.Total.Sets.Should().BeEmpty();

        allocator.RemoveAgent("a1");

        allocator.Total.Should().Be(Resources.Parse("cpus:2;mem:1024;disk:50"));
    }

    [Fact]
    public void Offers_keep_each_agents_own_ports()
    {
        var allocator = NewAllocator();
        allocator.AddAgent("a1", Resources.Parse("cpus:1;mem:64;ports:[31000-31999]"));
        allocator.AddAgent("a2", Resources.Parse("cpus:1;mem:64;ports:[31000-31999]"));
        allocator.AddFramework("f1", "r");

        var grants = Cycle(allocator);

        grants.Should().HaveCount(2);
        grants.Should().OnlyContain(g => g.Resources.Ports.Equals(RangeSet.Of(31000, 31999)));

        // Giving back part of the ports of one agent.
        allocator.OfferClosed("f1", "a1", Resources.Parse("cpus:0.5;mem:32;ports:[31500-31999]"), null);
        allocator.AvailableOn("a1").Should().Be(Resources.Parse("cpus:0.5;mem:32;ports:[31500-31999]"));
        allocator.Roles().Single().Allocated.Should().Be(R(1.5, 96));
    }

    // ---------------------------------------------------------------- determinism

    private static List<Grant> Script(FakeTimeProvider time)
    {
        var allocator = new HierarchicalAllocator(new AllocatorOptions(), time);
        var random = new Random(1234);
        for (var i = 0; i < 60; i++) allocator.AddAgent($"a{i:D2}", R(1 + random.Next(16), 1024 * (1 + random.Next(64))));
        for (var i = 0; i < 12; i++) allocator.AddFramework($"f{i:D2}", $"r{i % 3}");
        allocator.SetWeight("r1", 2);
        var log = new List<Grant>();
        for (var round = 0; round < 30; round++)
        {
            var grants = Cycle(allocator);
            log.AddRange(grants);
            foreach (var g in grants)
            {
                var keep = random.Next(3) == 0 ? Resources.Empty : R(Math.Min(1, g.Resources.Cpus.Value), Math.Min(512, g.Resources.Mem.Value));
                allocator.OfferClosed(g.FrameworkId, g.AgentId, g.Resources.Subtract(keep), random.Next(2) == 0 ? new Filters(2) : null);
            }
            time.Advance(TimeSpan.FromSeconds(1));
        }
        return log;
    }

    [Fact]
    public void The_same_inputs_give_the_same_allocations()
    {
        var start = new DateTimeOffset(2025, 1, 1, 0, 0, 0, TimeSpan.Zero);

        var first = Script(new FakeTimeProvider(start));
        var second = Script(new FakeTimeProvider(start));

        first.Should().NotBeEmpty();
        second.Should().Equal(first);
    }

    // ---------------------------------------------------------------- scale

    [Fact]
    public void A_thousand_agents_and_fifty_frameworks_in_five_weighted_roles_are_shared_fairly()
    {
        var allocator = NewAllocator();
        var random = new Random(2025);
        var agents = new Dictionary<string, Resources>();
        for (var i = 0; i < 1000; i++)
        {
            var size = Resources.Parse($"cpus:{2 << random.Next(4)};mem:{1024 * (4 << random.Next(5))};disk:{100 * (1 + random.Next(20))};ports:[31000-32000]");
            agents[$"agent-{i:D4}"] = size;
            allocator.AddAgent($"agent-{i:D4}", size);
        }
        var weights = new Dictionary<string, double> { ["r0"] = 1, ["r1"] = 2, ["r2"] = 3, ["r3"] = 4, ["r4"] = 5 };
        foreach (var (role, weight) in weights) allocator.SetWeight(role, weight);
        var roleOf = new Dictionary<string, string>();
        for (var i = 0; i < 50; i++)
        {
            var id = $"fw-{i:D2}";
            roleOf[id] = $"r{i % 5}";
            allocator.AddFramework(id, roleOf[id]);
        }

        var totalCpus = agents.Values.Sum(a => a.Cpus.Value);
        var totalMem = agents.Values.Sum(a => a.Mem.Value);
        var totalDisk = agents.Values.Sum(a => a.Disk.Value);
        // Disk counts too: every scalar the cluster has takes part in the dominant share.
        allocator.Total.Should().Be(Resources.Of(totalCpus, totalMem, totalDisk));
        double ShareOf(Resources r) => Math.Max(Math.Max(r.Cpus.Value / totalCpus, r.Mem.Value / totalMem), r.Disk.Value / totalDisk);
        var largestAgentShare = agents.Values.Max(ShareOf);

        var held = roleOf.Keys.ToDictionary(f => f, _ => Resources.Empty);
        var free = new Dictionary<string, Resources>(agents);

        void Settle()
        {
            for (var round = 0; round < 1000; round++)
            {
                var grants = Cycle(allocator);
                if (grants.Count == 0) return;
                grants.Select(g => g.AgentId).Should().OnlyHaveUniqueItems();
                foreach (var g in grants)
                {
                    // Every offer is exactly what is free on the agent, and fits it.
                    agents[g.AgentId].Contains(g.Resources).Should().BeTrue();
                    g.Resources.Should().Be(free[g.AgentId]);
                    free[g.AgentId] = Resources.Empty;
                    held[g.FrameworkId] = held[g.FrameworkId].Add(g.Resources.ScalarPart());
                    allocator.OfferClosed(g.FrameworkId, g.AgentId, Resources.Empty, null);
                }
            }
            throw new InvalidOperationException("allocation did not settle");
        }

        void AssertFair()
        {
            // Everything is allocated.
            free.Values.Should().OnlyContain(r => r.IsEmpty);
            var live = held.Keys.ToList();
            live.Aggregate(Resources.Empty, (sum, f) => sum.Add(held[f])).Should().Be(allocator.Total);

            // The allocator's view agrees with the frameworks'.
            var roles = allocator.Roles().ToDictionary(r => r.Role);
            var roleHeld = live.GroupBy(f => roleOf[f]).ToDictionary(g => g.Key, g => g.Aggregate(Resources.Empty, (s, f) => s.Add(held[f])));
            foreach (var (role, resources) in roleHeld)
            {
                roles[role].Allocated.Should().Be(resources);
                roles[role].Share.Should().BeApproximately(ShareOf(resources) / weights[role], 1e-9);
            }

            // Roles: when a role got its last agent it had the lowest weighted share, so no role
            // is ahead of another by more than one agent's share over its weight.
            foreach (var i in roleHeld.Keys)
                foreach (var j in roleHeld.Keys)
                {
                    var ahead = ShareOf(roleHeld[i]) / weights[i] - ShareOf(roleHeld[j]) / weights[j];
                    ahead.Should().BeLessThanOrEqualTo(largestAgentShare / weights[i] + 1e-9, $"{i} should not be far ahead of {j}");
                }

            // Frameworks of one role: the same bound, unweighted.
            foreach (var group in live.GroupBy(f => roleOf[f]))
            {
                var shares = group.Select(f => ShareOf(held[f])).ToList();
                (shares.Max() - shares.Min()).Should().BeLessThanOrEqualTo(largestAgentShare + 1e-9);
                shares.Should().OnlyContain(s => s > 0);
            }

            // The weights show: each role's dominant share is close to its weight's part of the cluster.
            var weightSum = roleHeld.Keys.Sum(r => weights[r]);
            var totalShare = roleHeld.Values.Sum(ShareOf);
            foreach (var (role, resources) in roleHeld)
                ShareOf(resources).Should().BeApproximately(totalShare * weights[role] / weightSum, 0.05);
        }

        Settle();
        AssertFair();

        // Role r0 leaves: its agents are shared among the others, still fairly.
        foreach (var f in roleOf.Keys.Where(f => roleOf[f] == "r0").ToList())
        {
            allocator.RemoveFramework(f);
            held.Remove(f);
        }
        foreach (var agentId in agents.Keys) free[agentId] = allocator.AvailableOn(agentId);
        free.Values.Count(r => !r.IsEmpty).Should().BeGreaterThan(0);
        allocator.Roles().Select(r => r.Role).Should().NotContain("r0");

        Settle();
        AssertFair();
    }
}
