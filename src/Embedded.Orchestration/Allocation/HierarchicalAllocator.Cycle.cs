using System.Runtime.InteropServices;
using Embedded.Orchestration.Model;

namespace Embedded.Orchestration.Allocation;

internal sealed partial class HierarchicalAllocator
{
    /// <summary>One allocation cycle over every agent; appends what to offer to <paramref name="result"/>.</summary>
    public void Allocate(List<Allocation> result)
    {
        var now = _time.GetUtcNow().UtcTicks;
        if (_removedAgents > 0)
        {
            _agentOrder.RemoveAll(static a => a.Removed);
            _removedAgents = 0;
        }
        var quota = PrepareQuota();
        foreach (var agent in CollectionsMarshal.AsSpan(_agentOrder))
        {
            if (!agent.Active || agent.Overcommitted || !IsAllocatable(agent.Available, agent.AvailableNonScalar)) continue;
            if (agent.NoneVersion == agent.Version && agent.NoneEligibility == _eligibility && now < agent.NoneUntil) continue;
            if (quota)
            {
                AllocateWithQuota(agent, now, result);
                continue;
            }
            var framework = FirstEligible(agent, now);
            if (framework is null) RememberNone(agent);
            else OfferAll(framework, agent, result);
        }
    }

    private FrameworkState? FirstEligible(AllocatorAgent agent, long now)
    {
        foreach (var role in _roles.Order())
            if (FirstEligibleIn(_roleIds[role.Index]!, agent, now) is { } framework) return framework;
        return null;
    }

    /// <summary>The role's poorest framework that may be offered this agent: the sorter holds only active, unsuppressed ones.</summary>
    private FrameworkState? FirstEligibleIn(RoleState role, AllocatorAgent agent, long now)
    {
        return role.Frameworks.Order().Length >= ManyFrameworks ? FirstEligibleByBits(role, agent, now) : WalkOrder(role, agent, now);
    }

    /// <summary>From this many frameworks in a role, candidates are found with word operations before any walk (tests set it to compare both paths).</summary>
    internal int ManyFrameworks { get; init; } = 64;

    /// <summary>
    /// A role with many frameworks, on an agent most of them refused (Mesos's DeclineOffers late
    /// rounds): candidates = active and not offered here and not surely refusing, 64 at a time.
    /// None: done, without a walk. A few: the one first in DRF order among them, checked exactly.
    /// Many: the ordinary walk.
    /// </summary>
    private FrameworkState? FirstEligibleByBits(RoleState role, AllocatorAgent agent, long now)
    {
        var filters = agent.Filters;
        filters?.Prepare(now, agent.Available, agent.AvailableNonScalar);
        var active = role.ActiveFrameworks;
        var offered = agent.Offered;
        var candidates = 0;
        for (var w = 0; w < active.Length; w++)
        {
            var word = active[w] & ~(w < offered.Length ? offered[w] : 0) & ~(filters?.RefusingWord(w) ?? 0);
            candidates += System.Numerics.BitOperations.PopCount(word);
        }
        if (candidates == 0) return null;
        if (candidates > FewCandidates) return WalkOrder(role, agent, now);
        FrameworkState? best = null;
        for (var w = 0; w < active.Length; w++)
        {
            var word = active[w] & ~(w < offered.Length ? offered[w] : 0) & ~(filters?.RefusingWord(w) ?? 0);
            while (word != 0)
            {
                var index = (w << 6) + System.Numerics.BitOperations.TrailingZeroCount(word);
                word &= word - 1;
                if (filters is not null && filters.Refuses(index, now, agent.Available, agent.AvailableNonScalar)) continue;
                var framework = _frameworkIds[index]!;
                if (best is null || DrfSorter.Precedes(framework.Client, best.Client)) best = framework;
            }
        }
        return best;
    }

    private const int FewCandidates = 16;

    private FrameworkState? WalkOrder(RoleState role, AllocatorAgent agent, long now)
    {
        var offered = agent.Offered;
        var filters = agent.Filters;
        foreach (var client in role.Frameworks.Order())
        {
            var index = client.Index;
            var word = index >> 6;
            if (word < offered.Length && (offered[word] & (1UL << index)) != 0) continue;
            if (filters is not null && filters.Refuses(index, now, agent.Available, agent.AvailableNonScalar)) continue;
            return _frameworkIds[index];
        }
        return null;
    }

    /// <summary>Nothing can be offered here until the agent, the set of eligible frameworks, or a filter's expiry changes.</summary>
    private void RememberNone(AllocatorAgent agent)
    {
        agent.NoneVersion = agent.Version;
        agent.NoneEligibility = _eligibility;
        agent.NoneUntil = agent.Filters?.EarliestExpiry ?? long.MaxValue;
    }

    private void OfferAll(FrameworkState framework, AllocatorAgent agent, List<Allocation> result)
    {
        var scalars = agent.TakeAll(_spare, out var nonScalar, out var resources, _kinds);
        Hold(framework, agent, scalars, nonScalar);
        _spare = scalars;
        Bits.Set(ref agent.Offered, framework.Index);
        result.Add(new Allocation(framework.Id, agent.Id, resources));
    }

    /// <summary>Offers part of the free scalars (quota capped it) and all free ranges and sets.</summary>
    private void OfferPart(FrameworkState framework, AllocatorAgent agent, long[] scalars, List<Allocation> result)
    {
        var nonScalar = agent.AvailableNonScalar;
        var resources = _kinds.ToResources(scalars, nonScalar);
        agent.Take(scalars, nonScalar);
        Hold(framework, agent, scalars, nonScalar);
        Bits.Set(ref agent.Offered, framework.Index);
        result.Add(new Allocation(framework.Id, agent.Id, resources));
    }

    /// <summary>Something free, with at least the minimum cpus or memory (Mesos's MIN_CPUS / MIN_MEM).</summary>
    private bool IsAllocatable(long[] scalars, Resources nonScalar)
    {
        if (nonScalar.IsEmpty && Vec.IsZero(scalars)) return false;
        return Vec.At(scalars, ResourceKinds.Cpus) >= _minCpus || Vec.At(scalars, ResourceKinds.Mem) >= _minMem;
    }
}
