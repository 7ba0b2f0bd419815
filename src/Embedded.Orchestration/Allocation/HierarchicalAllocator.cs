using Embedded.Orchestration.Model;

namespace Embedded.Orchestration.Allocation;

/// <summary>
/// Hierarchical Dominant Resource Fairness, after Mesos's HierarchicalAllocatorProcess: for each
/// agent, the role with the lowest weighted dominant share goes first, then the framework of that
/// role with the lowest share; it gets all of the agent's free resources as one offer. Pure logic
/// owned by the master's loop: no locks, no I/O, time from <see cref="TimeProvider"/>.
/// </summary>
internal sealed class HierarchicalAllocator
{
    private readonly AllocatorOptions _options;
    private readonly TimeProvider _time;
    private readonly Dictionary<string, AgentEntry> _agents = new(StringComparer.Ordinal);
    private readonly List<AgentEntry> _agentOrder = [];
    private readonly Dictionary<string, FrameworkEntry> _frameworks = new(StringComparer.Ordinal);
    private readonly DrfSorter _roles = new();
    private readonly Dictionary<string, DrfSorter> _frameworksByRole = new(StringComparer.Ordinal);
    private readonly Resources _minCpus, _minMem;
    private Resources _total = Resources.Empty;

    public HierarchicalAllocator(AllocatorOptions options, TimeProvider time)
    {
        _options = options;
        _time = time;
        _minCpus = Resources.Empty.WithScalar(Resources.CpusName, options.MinAllocatableCpus);
        _minMem = Resources.Empty.WithScalar(Resources.MemName, options.MinAllocatableMem);
    }

    /// <summary>The scalar resources of every agent, summed.</summary>
    public Resources Total => _total;
    public int AgentCount => _agents.Count;
    public int FrameworkCount => _frameworks.Count;

    public void AddAgent(string agentId, Resources total)
    {
        if (_agents.ContainsKey(agentId)) throw new InvalidOperationException($"agent {agentId} is already known");
        var agent = new AgentEntry(agentId, total);
        _agents.Add(agentId, agent);
        _agentOrder.Add(agent);
        SetTotal(_total.Add(total.ScalarPart()));
    }

    /// <summary>Forgets an agent; what frameworks held there is released from their shares.</summary>
    public void RemoveAgent(string agentId)
    {
        if (!_agents.Remove(agentId, out var agent)) return;
        _agentOrder.Remove(agent);
        foreach (var framework in _frameworks.Values)
        {
            framework.Offered.Remove(agentId);
            framework.Filters.Remove(agentId);
        }
        foreach (var (frameworkId, held) in agent.AllocatedByFramework)
            if (_frameworks.TryGetValue(frameworkId, out var framework))
                Unallocate(framework, agentId, held);
        SetTotal(_total.Subtract(agent.Total.ScalarPart()));
    }

    /// <summary>Unreachable agents keep their bookkeeping but are not offered.</summary>
    public void SetAgentActive(string agentId, bool active)
    {
        if (_agents.TryGetValue(agentId, out var agent)) agent.Active = active;
    }

    public void AddFramework(string frameworkId, string role)
    {
        if (_frameworks.ContainsKey(frameworkId)) throw new InvalidOperationException($"framework {frameworkId} is already known");
        _frameworks.Add(frameworkId, new FrameworkEntry(frameworkId, role));
        if (!_roles.Contains(role)) _roles.Add(role, _options.RoleWeights.GetValueOrDefault(role, 1));
        if (!_frameworksByRole.TryGetValue(role, out var sorter))
        {
            sorter = new DrfSorter();
            sorter.SetTotal(_total);
            _frameworksByRole.Add(role, sorter);
        }
        sorter.Add(frameworkId);
    }

    /// <summary>Forgets a framework and releases everything it held.</summary>
    public void RemoveFramework(string frameworkId)
    {
        if (!_frameworks.Remove(frameworkId, out var framework)) return;
        foreach (var (agentId, held) in framework.AllocatedByAgent.ToList())
            if (_agents.TryGetValue(agentId, out var agent))
            {
                agent.Allocated = agent.Allocated.Subtract(held);
                agent.AllocatedByFramework.Remove(frameworkId);
            }
        _roles.Unallocated(framework.Role, framework.AllocatedByAgent.Values.Aggregate(Resources.Empty, (a, b) => a.Add(b.ScalarPart())));
        var sorter = _frameworksByRole[framework.Role];
        sorter.Remove(frameworkId);
        if (sorter.Count == 0)
        {
            _frameworksByRole.Remove(framework.Role);
            _roles.Remove(framework.Role);
        }
    }

    /// <summary>A disconnected framework keeps its tasks but gets no offers.</summary>
    public void SetFrameworkActive(string frameworkId, bool active)
    {
        if (_frameworks.TryGetValue(frameworkId, out var framework)) framework.Active = active;
    }

    public void Suppress(string frameworkId)
    {
        if (_frameworks.TryGetValue(frameworkId, out var framework)) framework.Suppressed = true;
    }

    /// <summary>Lifts suppression and every filter the framework has, as Mesos's revive does.</summary>
    public void Revive(string frameworkId)
    {
        if (!_frameworks.TryGetValue(frameworkId, out var framework)) return;
        framework.Suppressed = false;
        framework.Filters.Clear();
    }

    public bool IsSuppressed(string frameworkId) => _frameworks.TryGetValue(frameworkId, out var f) && f.Suppressed;

    public void SetWeight(string role, double weight)
    {
        if (double.IsNaN(weight) || weight <= 0) throw new ArgumentOutOfRangeException(nameof(weight), "a role weight must be positive");
        _options.RoleWeights[role] = weight;
        _roles.SetWeight(role, weight);
    }

    /// <summary>
    /// Resources on an agent that a framework already uses, such as tasks an agent reports when it
    /// registers again. They may add up to more than the agent has; it is then offered nothing
    /// until enough is recovered.
    /// </summary>
    public void AddUsed(string frameworkId, string agentId, Resources resources)
    {
        if (_frameworks.TryGetValue(frameworkId, out var framework) && _agents.TryGetValue(agentId, out var agent))
            Allocate(framework, agent, resources);
    }

    /// <summary>
    /// Closes the offer a framework had on an agent, giving back what it did not use; with
    /// <paramref name="filters"/> the allocator will not re-offer those resources to it for a while.
    /// </summary>
    public void OfferClosed(string frameworkId, string agentId, Resources unused, Filters? filters)
    {
        if (!_frameworks.TryGetValue(frameworkId, out var framework)) return;
        framework.Offered.Remove(agentId);
        Recover(frameworkId, agentId, unused);
        if (filters is { RefuseSeconds: > 0 } && !unused.IsEmpty)
        {
            // Clamp absurd durations so the expiry stays a valid date.
            var seconds = Math.Min(filters.RefuseSeconds, TimeSpan.FromDays(3650).TotalSeconds);
            framework.Filters[agentId] = new Filter(_time.GetUtcNow() + TimeSpan.FromSeconds(seconds), unused);
        }
    }

    /// <summary>Gives back resources a framework held, such as those of a task that ended.</summary>
    public void Recover(string frameworkId, string agentId, Resources resources)
    {
        if (resources.IsEmpty) return;
        if (_frameworks.TryGetValue(frameworkId, out var framework) && _agents.ContainsKey(agentId))
            Unallocate(framework, agentId, resources);
    }

    public bool HasOutstandingOffer(string frameworkId, string agentId) =>
        _frameworks.TryGetValue(frameworkId, out var f) && f.Offered.Contains(agentId);

    /// <summary>One allocation cycle over every agent; appends what to offer to <paramref name="result"/>.</summary>
    public void Allocate(List<Allocation> result)
    {
        var now = _time.GetUtcNow();
        foreach (var agent in _agentOrder)
        {
            if (!agent.Active || !agent.Total.Contains(agent.Allocated)) continue; // over-committed: nothing to offer
            var available = agent.Total.Subtract(agent.Allocated);
            if (!IsAllocatable(available)) continue;
            var chosen = PickFramework(agent.Id, available, now);
            if (chosen is null) continue;
            Allocate(chosen, agent, available);
            chosen.Offered.Add(agent.Id);
            result.Add(new Allocation(chosen.Id, agent.Id, available));
        }
    }

    public Resources AvailableOn(string agentId) =>
        _agents.TryGetValue(agentId, out var a) && a.Total.Contains(a.Allocated) ? a.Total.Subtract(a.Allocated) : Resources.Empty;

    /// <summary>Per role: what it holds, its weight and its weighted dominant share.</summary>
    public IReadOnlyList<RoleAllocation> Roles() =>
        _roles.Sorted().Select(r => new RoleAllocation(r, _roles.WeightOf(r), _roles.ShareOf(r), _roles.AllocationOf(r),
            _frameworksByRole[r].Count)).ToList();

    private FrameworkEntry? PickFramework(string agentId, Resources available, DateTimeOffset now)
    {
        foreach (var role in _roles.Sorted())
            foreach (var frameworkId in _frameworksByRole[role].Sorted())
            {
                var framework = _frameworks[frameworkId];
                if (!framework.Active || framework.Suppressed) continue;
                if (framework.Offered.Contains(agentId) || IsFiltered(framework, agentId, available, now)) continue;
                return framework;
            }
        return null;
    }

    private static bool IsFiltered(FrameworkEntry framework, string agentId, Resources available, DateTimeOffset now)
    {
        if (!framework.Filters.TryGetValue(agentId, out var filter)) return false;
        if (filter.Expires <= now)
        {
            framework.Filters.Remove(agentId);
            return false;
        }
        // As in Mesos: a filter refuses only what it covers; more free resources are offered again.
        return filter.Resources.Contains(available);
    }

    private bool IsAllocatable(Resources available) =>
        !available.IsEmpty && (available.Contains(_minCpus) || available.Contains(_minMem));

    private void Allocate(FrameworkEntry framework, AgentEntry agent, Resources resources)
    {
        agent.Allocated = agent.Allocated.Add(resources);
        agent.AllocatedByFramework[framework.Id] = agent.AllocatedByFramework.GetValueOrDefault(framework.Id, Resources.Empty).Add(resources);
        framework.AllocatedByAgent[agent.Id] = framework.AllocatedByAgent.GetValueOrDefault(agent.Id, Resources.Empty).Add(resources);
        _roles.Allocated(framework.Role, resources);
        _frameworksByRole[framework.Role].Allocated(framework.Id, resources);
    }

    private void Unallocate(FrameworkEntry framework, string agentId, Resources resources)
    {
        if (_agents.TryGetValue(agentId, out var agent))
        {
            agent.Allocated = agent.Allocated.Subtract(resources);
            var left = agent.AllocatedByFramework[framework.Id].Subtract(resources);
            if (left.IsEmpty) agent.AllocatedByFramework.Remove(framework.Id); else agent.AllocatedByFramework[framework.Id] = left;
        }
        var held = framework.AllocatedByAgent[agentId].Subtract(resources);
        if (held.IsEmpty) framework.AllocatedByAgent.Remove(agentId); else framework.AllocatedByAgent[agentId] = held;
        _roles.Unallocated(framework.Role, resources);
        _frameworksByRole[framework.Role].Unallocated(framework.Id, resources);
    }

    private void SetTotal(Resources total)
    {
        _total = total;
        _roles.SetTotal(total);
        foreach (var sorter in _frameworksByRole.Values) sorter.SetTotal(total);
    }

    private sealed record Filter(DateTimeOffset Expires, Resources Resources);

    private sealed class AgentEntry(string id, Resources total)
    {
        public string Id { get; } = id;
        public Resources Total { get; } = total;
        public Resources Allocated { get; set; } = Resources.Empty;
        public bool Active { get; set; } = true;
        public Dictionary<string, Resources> AllocatedByFramework { get; } = new(StringComparer.Ordinal);
    }

    private sealed class FrameworkEntry(string id, string role)
    {
        public string Id { get; } = id;
        public string Role { get; } = role;
        public bool Active { get; set; } = true;
        public bool Suppressed { get; set; }
        public Dictionary<string, Resources> AllocatedByAgent { get; } = new(StringComparer.Ordinal);

        /// <summary>Agents where this framework holds an offer not yet answered: at most one each.</summary>
        public HashSet<string> Offered { get; } = new(StringComparer.Ordinal);

        public Dictionary<string, Filter> Filters { get; } = new(StringComparer.Ordinal);
    }
}

/// <summary>A role's place in the allocation: what it holds and its weighted dominant share.</summary>
public sealed record RoleAllocation(string Role, double Weight, double Share, Resources Allocated, int Frameworks);
