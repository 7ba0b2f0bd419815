using Embedded.Orchestration.Allocation;
using Embedded.Orchestration.Model;
using Microsoft.Extensions.Time.Testing;
using Grant = Embedded.Orchestration.Allocation.Allocation;

namespace Embedded.Orchestration.Tests.Allocation;

public class QuotaTests : AllocatorTest
{
    private static Resources Held(HierarchicalAllocator allocator, string role) =>
        allocator.Roles().SingleOrDefault(r => r.Role == role)?.Allocated ?? Resources.Empty;

    // ---------------------------------------------------------------- guarantees

    [Fact]
    public void A_role_below_its_guarantee_is_offered_before_a_poorer_role()
    {
        var allocator = NewAllocator();
        AddAgents(allocator, 4, Small);
        allocator.SetQuota("q", RoleQuota.Parse("cpus:8"));
        allocator.AddFramework("af", "a");
        allocator.AddFramework("qf", "q");

        var grants = Cycle(allocator);

        // Without quota "a" (first by name at equal shares) would go first and the roles alternate.
        grants.Select(g => g.FrameworkId).Should().Equal("qf", "qf", "af", "af");
        grants.Should().OnlyContain(g => g.Resources.Equals(Small));
        Held(allocator, "q").Should().Be(R(8, 8192));
    }

    [Fact]
    public void Without_quota_the_same_cluster_alternates_by_share()
    {
        var allocator = NewAllocator();
        AddAgents(allocator, 4, Small);
        allocator.AddFramework("af", "a");
        allocator.AddFramework("qf", "q");

        Cycle(allocator).Select(g => g.FrameworkId).Should().Equal("af", "qf", "af", "qf");
    }

    [Fact]
    public void Guaranteed_roles_are_satisfied_in_order_of_share_before_anyone_else()
    {
        var allocator = NewAllocator();
        AddAgents(allocator, 10, Small);
        allocator.SetQuota("q1", RoleQuota.Parse("cpus:8"));
        allocator.SetQuota("q2", RoleQuota.Parse("cpus:12"));
        allocator.AddFramework("free", "a");
        allocator.AddFramework("f1", "q1");
        allocator.AddFramework("f2", "q2");

        var grants = Cycle(allocator);

        // Stage one alternates q1 and q2 by share until each has its guarantee (2 and 3 agents).
        grants.Take(5).Select(g => g.FrameworkId).Should().Equal("f1", "f2", "f1", "f2", "f2");
        // Then plain DRF over all three: "free" starts from nothing, so it goes next.
        grants.Skip(5).Select(g => g.FrameworkId).Should().Equal("free", "free", "free", "f1", "free");
        Held(allocator, "q1").Cpus.Value.Should().Be(12);
        Held(allocator, "q2").Cpus.Value.Should().Be(12);
    }

    [Fact]
    public void Unsatisfied_guarantees_hold_back_headroom_even_for_a_role_without_frameworks()
    {
        var allocator = NewAllocator();
        AddAgents(allocator, 4, Small);
        allocator.SetQuota("reserved", RoleQuota.Parse("cpus:8;mem:8192"));
        allocator.AddFramework("greedy", "other");

        var grants = AcceptEverythingUntilQuiet(allocator);

        // Two agents' worth stays free for "reserved".
        grants.Should().HaveCount(2).And.OnlyContain(g => g.FrameworkId == "greedy" && g.Resources.Equals(Small));
        Held(allocator, "other").Should().Be(R(8, 8192));

        // When the role's framework comes, it gets what was held back.
        allocator.AddFramework("late", "reserved");
        var late = Cycle(allocator);
        late.Should().HaveCount(2).And.OnlyContain(g => g.FrameworkId == "late" && g.Resources.Equals(Small));
    }

    [Fact]
    public void Headroom_caps_an_offer_to_the_surplus_and_the_rest_stays_free()
    {
        var allocator = NewAllocator();
        allocator.AddAgent("big", R(10, 10240));
        allocator.SetQuota("reserved", RoleQuota.Parse("cpus:4;mem:4096"));
        allocator.AddFramework("greedy", "other");

        var grant = Cycle(allocator).Should().ContainSingle().Subject;

        grant.Resources.Should().Be(R(6, 6144));
        allocator.AvailableOn("big").Should().Be(R(4, 4096));
    }

    [Fact]
    public void A_satisfied_guarantee_holds_nothing_back()
    {
        var allocator = NewAllocator();
        AddAgents(allocator, 4, Small);
        allocator.SetQuota("q", RoleQuota.Parse("cpus:4;mem:4096"));
        allocator.AddFramework("qf", "q");
        allocator.AddFramework("other", "o");
        allocator.AddUsed("qf", "agent-0000", Small);

        var grants = AcceptEverythingUntilQuiet(allocator);

        // q already has its guarantee; the other three agents are shared by DRF: o gets two, q one.
        grants.Should().HaveCount(3);
        grants.Count(g => g.FrameworkId == "other").Should().Be(2);
        allocator.AvailableOn("agent-0001").IsEmpty.Should().BeTrue();
    }

    [Fact]
    public void A_guarantee_of_a_resource_the_agent_lacks_does_not_give_the_role_that_agent_first()
    {
        var allocator = NewAllocator();
        allocator.AddAgent("cpu-only", R(4, 4096));
        allocator.SetQuota("gpu", new RoleQuota(Resources.Of(gpus: 1)));
        allocator.AddFramework("af", "a");
        allocator.AddFramework("gf", "gpu");

        // Stage one needs progress towards the guarantee: none here, so DRF decides (a, first by name).
        Cycle(allocator).Should().ContainSingle().Which.FrameworkId.Should().Be("af");
    }

    [Fact]
    public void A_suppressed_role_below_its_guarantee_still_holds_headroom_but_gets_nothing()
    {
        var allocator = NewAllocator();
        AddAgents(allocator, 4, Small);
        allocator.SetQuota("q", RoleQuota.Parse("cpus:8;mem:8192"));
        allocator.AddFramework("qf", "q");
        allocator.AddFramework("other", "o");
        allocator.Suppress("qf");

        var grants = AcceptEverythingUntilQuiet(allocator);

        grants.Should().HaveCount(2).And.OnlyContain(g => g.FrameworkId == "other");

        allocator.Revive("qf");
        Cycle(allocator).Should().HaveCount(2).And.OnlyContain(g => g.FrameworkId == "qf");
    }

    // ---------------------------------------------------------------- limits

    [Fact]
    public void A_role_is_never_offered_past_its_limit()
    {
        var allocator = NewAllocator();
        AddAgents(allocator, 4, Small);
        allocator.SetQuota("capped", RoleQuota.Parse("", limit: "cpus:6;mem:6144"));
        allocator.AddFramework("cf", "capped");

        var grants = Cycle(allocator);

        grants.Should().Equal(new Grant("cf", "agent-0000", Small), new Grant("cf", "agent-0001", R(2, 2048)));
        Held(allocator, "capped").Should().Be(R(6, 6144));
        allocator.AvailableOn("agent-0001").Should().Be(R(2, 2048));

        // Declined and offered again: still within the limit.
        foreach (var g in grants) allocator.OfferClosed(g.FrameworkId, g.AgentId, g.Resources, null);
        AcceptEverythingUntilQuiet(allocator);
        Held(allocator, "capped").Should().Be(R(6, 6144));
    }

    [Fact]
    public void What_a_limit_leaves_on_an_agent_goes_to_others_in_the_same_cycle()
    {
        var allocator = NewAllocator();
        allocator.AddAgent("a1", Small);
        allocator.SetQuota("capped", RoleQuota.Parse("", limit: "cpus:1;mem:1024"));
        allocator.AddFramework("cf", "capped");
        allocator.AddFramework("zf", "z-other");

        var grants = Cycle(allocator);

        grants.Should().Equal(new Grant("cf", "a1", R(1, 1024)), new Grant("zf", "a1", R(3, 3072)));
    }

    [Fact]
    public void Ports_go_with_the_first_offer_of_a_split_agent()
    {
        var allocator = NewAllocator();
        allocator.AddAgent("a1", Resources.Parse("cpus:4;mem:4096;ports:[31000-31999]"));
        allocator.SetQuota("capped", RoleQuota.Parse("", limit: "cpus:1;mem:1024"));
        allocator.AddFramework("cf", "capped");
        allocator.AddFramework("zf", "z-other");

        var grants = Cycle(allocator);

        grants[0].Resources.Should().Be(Resources.Parse("cpus:1;mem:1024;ports:[31000-31999]"));
        grants[1].Resources.Should().Be(R(3, 3072));
        allocator.OfferClosed("cf", "a1", grants[0].Resources, null);
        allocator.AvailableOn("a1").Should().Be(Resources.Parse("cpus:1;mem:1024;ports:[31000-31999]"));
    }

    [Fact]
    public void A_scalar_the_limit_does_not_name_is_unlimited()
    {
        var allocator = NewAllocator();
        AddAgents(allocator, 2, Small);
        allocator.SetQuota("capped", RoleQuota.Parse("", limit: "cpus:4"));
        allocator.AddFramework("cf", "capped");

        var grants = Cycle(allocator);

        // The second agent has no cpus left for the role, but its memory is still offered.
        grants.Should().Equal(new Grant("cf", "agent-0000", Small), new Grant("cf", "agent-0001", R(0, 4096)));
    }

    [Fact]
    public void Ending_tasks_make_room_under_the_limit_again()
    {
        var allocator = NewAllocator();
        AddAgents(allocator, 2, Small);
        allocator.SetQuota("capped", RoleQuota.Parse("", limit: "cpus:4;mem:4096"));
        allocator.AddFramework("cf", "capped");
        var first = Cycle(allocator).Should().ContainSingle().Subject;
        allocator.OfferClosed("cf", first.AgentId, R(2, 2048), null); // a task of <2, 2048> runs
        Cycle(allocator).Should().ContainSingle().Which.Resources.Should().Be(R(2, 2048));

        allocator.Recover("cf", first.AgentId, R(2, 2048));
        allocator.OfferClosed("cf", first.AgentId, R(2, 2048), null);

        Held(allocator, "capped").IsEmpty.Should().BeTrue();
        AcceptEverythingUntilQuiet(allocator);
        Held(allocator, "capped").Should().Be(R(4, 4096));
    }

    [Fact]
    public void Used_resources_may_exceed_a_limit_but_nothing_more_is_offered()
    {
        var allocator = NewAllocator();
        AddAgents(allocator, 2, Small);
        allocator.SetQuota("capped", RoleQuota.Parse("", limit: "cpus:2;mem:2048"));
        allocator.AddFramework("cf", "capped");

        allocator.AddUsed("cf", "agent-0000", Small);

        Cycle(allocator).Should().BeEmpty();
        Held(allocator, "capped").Should().Be(Small);
    }

    // ---------------------------------------------------------------- configuration

    [Fact]
    public void Quotas_from_options_apply_and_are_reported_with_the_role()
    {
        var options = new AllocatorOptions();
        options.Quotas["q"] = RoleQuota.Parse("cpus:8", limit: "cpus:12");
        var allocator = NewAllocator(options);
        AddAgents(allocator, 4, Small);
        allocator.AddFramework("af", "a");
        allocator.AddFramework("qf", "q");

        Cycle(allocator).Select(g => g.FrameworkId).Should().Equal("qf", "qf", "af", "af");

        var role = allocator.Roles().Single(r => r.Role == "q");
        role.Quota.Should().Be(options.Quotas["q"]);
        allocator.QuotaOf("q").Should().Be(options.Quotas["q"]);
        allocator.Roles().Single(r => r.Role == "a").Quota.Should().BeNull();
    }

    [Fact]
    public void Quota_set_at_run_time_applies_from_the_next_cycle_and_can_be_removed()
    {
        var allocator = NewAllocator();
        AddAgents(allocator, 2, Small);
        allocator.AddFramework("cf", "capped");
        allocator.SetQuota("capped", RoleQuota.Parse("", limit: "cpus:4;mem:4096"));

        Cycle(allocator).Should().ContainSingle();
        Cycle(allocator).Should().BeEmpty();

        allocator.SetQuota("capped", null);

        allocator.QuotaOf("capped").Should().BeNull();
        Cycle(allocator).Should().ContainSingle().Which.AgentId.Should().Be("agent-0001");
    }

    [Fact]
    public void Invalid_quotas_are_refused_and_change_nothing()
    {
        var allocator = NewAllocator();
        allocator.AddFramework("f", "r");

        allocator.Invoking(a => a.SetQuota("r", RoleQuota.Parse("cpus:8", limit: "cpus:4"))).Should().Throw<ArgumentException>().WithMessage("*exceeds its limit*");
        allocator.Invoking(a => a.SetQuota("r", RoleQuota.Parse("ports:[1-2]"))).Should().Throw<ArgumentException>().WithMessage("*scalars*");
        allocator.Invoking(a => a.SetQuota("", RoleQuota.Parse("cpus:1"))).Should().Throw<ArgumentException>();

        allocator.QuotaOf("r").Should().BeNull();
        var options = new AllocatorOptions();
        options.Quotas["bad"] = RoleQuota.Parse("mem:10", limit: "mem:1");
        FluentActions.Invoking(() => NewAllocator(options)).Should().Throw<ArgumentException>();
    }

    [Fact]
    public void A_quota_survives_its_role_leaving_and_coming_back()
    {
        var allocator = NewAllocator();
        AddAgents(allocator, 4, Small);
        allocator.SetQuota("q", RoleQuota.Parse("cpus:8"));
        allocator.AddFramework("qf", "q");
        allocator.RemoveFramework("qf");
        allocator.AddFramework("af", "a");
        allocator.AddFramework("qf2", "q");

        Cycle(allocator).Select(g => g.FrameworkId).Should().Equal("qf2", "qf2", "af", "af");
    }

    // ---------------------------------------------------------------- scale

    [Fact]
    public void Two_hundred_roles_with_weights_guarantees_and_limits_are_shared_fairly()
    {
        var allocator = NewAllocator();
        const int roles = 200, agents = 1000;
        AddAgents(allocator, agents, Small);
        var weights = new Dictionary<string, double>();
        for (var r = 0; r < roles; r++)
        {
            var role = $"role{r:D3}";
            weights[role] = 1 + r % 4;
            allocator.SetWeight(role, weights[role]);
            // Every tenth role is guaranteed 12 cpus; every fifth (offset) is capped at 8.
            if (r % 10 == 0) allocator.SetQuota(role, RoleQuota.Parse("cpus:12;mem:12288"));
            if (r % 5 == 4) allocator.SetQuota(role, RoleQuota.Parse("", limit: "cpus:8;mem:8192"));
            allocator.AddFramework($"f{r:D3}", role);
        }

        AcceptEverythingUntilQuiet(allocator);

        var all = allocator.Roles().ToDictionary(r => r.Role);
        all.Values.Sum(r => r.Allocated.Cpus.Value).Should().Be(4 * agents);
        foreach (var (role, state) in all)
        {
            var r = int.Parse(role[4..]);
            if (r % 10 == 0) state.Allocated.Cpus.Value.Should().BeGreaterThanOrEqualTo(12);
            if (r % 5 == 4) state.Allocated.Cpus.Value.Should().BeLessThanOrEqualTo(8, role);
        }
        // Roles without a limit end within one agent's weighted share of each other.
        var free = all.Values.Where(r => r.Quota?.Limit is null).ToList();
        var agentShare = 4.0 / (4 * agents);
        foreach (var a in free)
            foreach (var b in free)
                (a.Share - b.Share).Should().BeLessThanOrEqualTo(agentShare / a.Weight + 1e-9, $"{a.Role} should not be far ahead of {b.Role}");
    }
}
