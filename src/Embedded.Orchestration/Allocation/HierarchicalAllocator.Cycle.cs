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
