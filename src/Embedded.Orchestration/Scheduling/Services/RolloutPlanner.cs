using System.Collections.Immutable;

namespace Embedded.Orchestration.Scheduling.Services;

/// <summary>One instance as the planner sees it.</summary>
/// <param name="Id">The instance's task id.</param>
/// <param name="Sequence">Launch order: higher is newer.</param>
/// <param name="OfTarget">Whether it runs the spec the service is rolling to (or runs, when no update is under way).</param>
/// <param name="Active">Launched and not ended, not being killed and not unreachable: it counts towards the instances.</param>
/// <param name="Healthy">RUNNING and its checks say healthy and ready.</param>
/// <param name="HealthyLongEnough">Healthy for the update's <see cref="UpdateStrategy.MinHealthyTime"/>.</param>
/// <param name="Killing">Being killed: it holds a stop-first update (no surge) back until it has ended.</param>
internal readonly record struct InstanceView(string Id, long Sequence, bool OfTarget, bool Active, bool Healthy, bool HealthyLongEnough, bool Killing = false);

/// <summary>What to do now: how many instances of the target spec to start, and which instances to kill.</summary>
internal sealed record RolloutPlan(int Start, ImmutableArray<string> Kill)
{
    public static readonly RolloutPlan Nothing = new(0, []);
}

/// <summary>
/// The one decision of the service scheduler that depends on health, as pure code: given the instances
/// and the count, what to start and what to kill. With no old-spec instance it keeps the count (starts
/// what is missing, kills the surplus: unhealthy first, then newest). While old-spec instances are left it
/// rolls: starts new-spec instances while the total stays within <see cref="UpdateStrategy.MaxSurge"/>, and kills
/// old ones only while the healthy count stays at least the count less <see cref="UpdateStrategy.MaxUnavailable"/>,
/// counting a new instance only once it has been healthy long enough. With a surge (start-first, as Swarm's and
/// Kubernetes's) an instance being killed no longer counts: a slow stop does not hold the next step back. With none
/// (stop-first) it counts until it has ended, so that the service never runs more than its count.
/// </summary>
internal static class RolloutPlanner
{
    public static RolloutPlan Plan(int instances, UpdateStrategy strategy, IReadOnlyList<InstanceView> views)
    {
        var target = views.Where(v => v.Active && v.OfTarget).ToList();
        var old = views.Where(v => v.Active && !v.OfTarget).ToList();
        var kill = ImmutableArray.CreateBuilder<string>();

        // Surplus of the target spec: unhealthy ones first, then the newest.
        if (target.Count > instances)
            kill.AddRange(target.OrderBy(v => v.Healthy).ThenByDescending(v => v.Sequence).Take(target.Count - instances).Select(v => v.Id));

        // Rolling while an old instance runs or is still being killed; a stop-first update (no surge) counts it until it has ended.
        if (!views.Any(v => !v.OfTarget && (v.Active || v.Killing)))
            return new RolloutPlan(Math.Max(0, instances - target.Count), kill.ToImmutable());

        var total = target.Count + old.Count + (strategy.MaxSurge == 0 ? views.Count(v => v.Killing) : 0);
        var start = Math.Max(0, Math.Min(instances - target.Count, instances + strategy.MaxSurge - total));

        // An old instance that is not healthy takes nothing from the healthy count: it goes at once.
        kill.AddRange(old.Where(v => !v.Healthy).Select(v => v.Id));
        var minimum = instances - strategy.MaxUnavailable;
        var counted = old.Count(v => v.Healthy) + target.Count(v => v.HealthyLongEnough && !kill.Contains(v.Id));
        var budget = counted - minimum;
        foreach (var v in old.Where(v => v.Healthy).OrderBy(v => v.Sequence))
        {
            if (budget <= 0) break;
            kill.Add(v.Id);
            budget--;
        }
        return new RolloutPlan(start, kill.ToImmutable());
    }
}
