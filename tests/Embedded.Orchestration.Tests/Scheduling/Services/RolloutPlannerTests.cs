using Embedded.Orchestration.Scheduling.Services;

namespace Embedded.Orchestration.Tests.Scheduling.Services;

/// <summary>
/// The decisions that depend on health, as pure code: what to start and kill for given instance states.
/// A simulated rollout checks the strategy's invariant at every step.
/// </summary>
public sealed class RolloutPlannerTests
{
    private static readonly UpdateStrategy Surge1 = new() { MaxSurge = 1, MaxUnavailable = 0 };

    private static InstanceView Old(string id, long seq, bool healthy = true) => new(id, seq, false, true, healthy, healthy);
    private static InstanceView New(string id, long seq, bool healthy = true, bool longEnough = true) => new(id, seq, true, true, healthy, healthy && longEnough);

    [Fact]
    public void Without_an_update_it_starts_what_is_missing_and_kills_the_surplus_unhealthy_first_then_newest()
    {
        RolloutPlanner.Plan(3, Surge1, [New("a", 1)]).Should().Be(new RolloutPlan(2, []));
        var plan = RolloutPlanner.Plan(2, Surge1, [New("a", 1), New("b", 2), New("c", 3), New("d", 4, healthy: false)]);
        plan.Start.Should().Be(0);
        plan.Kill.Should().Equal("d", "c");
    }

    [Fact]
    public void Unreachable_killing_or_ended_instances_take_no_place_so_they_are_replaced()
    {
        var gone = new InstanceView("a", 1, true, Active: false, Healthy: false, HealthyLongEnough: false);
        RolloutPlanner.Plan(2, Surge1, [gone, New("b", 2)]).Should().Be(new RolloutPlan(1, []));
    }

    [Fact]
    public void An_update_surges_first_and_kills_an_old_instance_only_once_a_new_one_has_been_healthy_long_enough()
    {
        var start = RolloutPlanner.Plan(3, Surge1, [Old("a", 1), Old("b", 2), Old("c", 3)]);
        start.Should().Be(new RolloutPlan(1, []), "one above the count, nothing killed while no new one counts");

        var young = RolloutPlanner.Plan(3, Surge1, [Old("a", 1), Old("b", 2), Old("c", 3), New("d", 4, longEnough: false)]);
        young.Should().Be(new RolloutPlan(0, []), "the new instance is healthy but not for the minimum time yet");

        var counted = RolloutPlanner.Plan(3, Surge1, [Old("a", 1), Old("b", 2), Old("c", 3), New("d", 4)]);
        counted.Start.Should().Be(0);
        counted.Kill.Should().Equal("a");
    }

    [Fact]
    public void With_max_unavailable_and_no_surge_it_kills_first_then_replaces()
    {
        var strategy = new UpdateStrategy { MaxSurge = 0, MaxUnavailable = 1 };
        var first = RolloutPlanner.Plan(2, strategy, [Old("a", 1), Old("b", 2)]);
        first.Start.Should().Be(0);
        first.Kill.Should().Equal("a");
        RolloutPlanner.Plan(2, strategy, [Old("b", 2)]).Should().Be(new RolloutPlan(1, []));
    }

    [Fact]
    public void With_a_surge_an_instance_being_killed_does_not_hold_the_next_start_back()
    {
        var killing = new InstanceView("a", 1, OfTarget: false, Active: false, Healthy: false, HealthyLongEnough: false, Killing: true);
        var plan = RolloutPlanner.Plan(3, Surge1, [killing, Old("b", 2), Old("c", 3), New("d", 4)]);
        plan.Start.Should().Be(1, "two old and one new is one below the count plus the surge; the stopping one takes no place");
        plan.Kill.Should().BeEmpty("three are healthy, no more than the count");
    }

    [Fact]
    public void Without_a_surge_the_last_old_instance_counts_until_it_has_ended()
    {
        var strategy = new UpdateStrategy { MaxSurge = 0, MaxUnavailable = 1 };
        var killing = new InstanceView("a", 1, OfTarget: false, Active: false, Healthy: true, HealthyLongEnough: true, Killing: true);
        RolloutPlanner.Plan(3, strategy, [killing, New("b", 2), New("c", 3)]).Should().Be(new RolloutPlan(0, []));
        RolloutPlanner.Plan(3, strategy, [New("b", 2), New("c", 3)]).Should().Be(new RolloutPlan(1, []));
    }

    [Fact]
    public void Unhealthy_old_instances_go_at_once_and_healthy_ones_stay_while_the_new_are_unhealthy()
    {
        var plan = RolloutPlanner.Plan(2, Surge1, [Old("a", 1, healthy: false), Old("b", 2), New("c", 3, healthy: false)]);
        plan.Kill.Should().Equal("a");
        plan.Start.Should().Be(0, "two old plus one new is the count plus the surge");
        RolloutPlanner.Plan(2, Surge1, [Old("b", 2), New("c", 3, healthy: false)]).Should().Be(new RolloutPlan(1, []));
    }

    [Theory]
    [InlineData(3, 1, 0)]
    [InlineData(3, 0, 1)]
    [InlineData(5, 2, 1)]
    [InlineData(4, 1, 2)]
    [InlineData(1, 1, 0)]
    public void A_simulated_rollout_ends_on_the_new_spec_and_never_goes_below_the_allowed_healthy_count_or_above_the_surge(int count, int surge, int unavailable)
    {
        var strategy = new UpdateStrategy { MaxSurge = surge, MaxUnavailable = unavailable };
        var instances = Enumerable.Range(1, count).Select(i => Old($"old-{i}", i)).ToList();
        long sequence = count;
        for (var step = 0; step < 100 && (instances.Any(i => !i.OfTarget) || instances.Count(i => i.Active) < count); step++)
        {
            // What was being killed has ended; what the plan kills now takes a step to end.
            instances.RemoveAll(i => i.Killing);
            var plan = RolloutPlanner.Plan(count, strategy, instances);
            instances = [.. instances.Select(i => plan.Kill.Contains(i.Id) ? i with { Active = false, Healthy = false, HealthyLongEnough = false, Killing = true } : i)];
            instances.Count(i => i.Healthy && i.Active).Should().BeGreaterThanOrEqualTo(count - unavailable, $"step {step}");
            // New instances start unhealthy, become healthy, then count: one stage per step.
            instances = [.. instances.Select(i => !i.Active ? i : i.OfTarget && !i.Healthy ? i with { Healthy = true } : i.OfTarget && i.Healthy ? i with { HealthyLongEnough = true } : i)];
            for (var n = 0; n < plan.Start; n++) instances.Add(New($"new-{++sequence}", sequence, healthy: false));
            instances.Count(i => surge == 0 || !i.Killing).Should().BeLessThanOrEqualTo(count + surge, $"step {step}: launched and not ended (with a surge: and not being killed)");
        }
        instances.RemoveAll(i => i.Killing);
        instances.Should().OnlyContain(i => i.OfTarget);
        instances.Should().HaveCount(count);
    }
}
