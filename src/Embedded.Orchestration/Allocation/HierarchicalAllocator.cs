using Embedded.Orchestration.Model;
using Embedded.Orchestration.Scheduling;

namespace Embedded.Orchestration.Allocation;

/// <summary>
/// Hierarchical Dominant Resource Fairness, after Mesos's HierarchicalAllocatorProcess: for each
/// agent, the role with the lowest weighted dominant share goes first, then the framework of that
/// role with the lowest share; it gets all of the agent's free resources as one offer. Roles below
/// their quota guarantee go before all others, and no role is offered past its quota limit (see
/// <see cref="RoleQuota"/>). Pure logic owned by the master's loop: no locks, no I/O, time from
/// <see cref="TimeProvider"/>.
/// </summary>
/// <remarks>
/// Built to run a cycle over tens of thousands of agents in milliseconds: resources are dense
/// vectors indexed by interned name (converted at this class's boundary), frameworks have dense
/// indices so outstanding offers and filters are bits per agent, the DRF order is kept sorted
/// incrementally, and an agent that no framework could take is skipped until something it
/// depends on changes (its free resources or offers, any framework becoming eligible, a filter expiring).
/// </remarks>
internal sealed partial class HierarchicalAllocator
{
    private readonly AllocatorOptions _options;
    private readonly TimeProvider _time;
    private readonly ResourceKinds _kinds = new();
    private readonly ClusterTotal _total = new();
    private readonly Dictionary<string, AllocatorAgent> _agents = new(StringComparer.Ordinal);
    private readonly List<AllocatorAgent> _agentOrder = [];
    private int _removedAgents;
    private readonly Dictionary<string, FrameworkState> _frameworks = new(StringComparer.Ordinal);
    private readonly DenseIds<FrameworkState> _frameworkIds = new();
    private readonly DrfSorter _roles;
    private readonly Dictionary<string, RoleState> _roleStates = new(StringComparer.Ordinal);
    private readonly DenseIds<RoleState> _roleIds = new();
    private readonly long _minCpus, _minMem;
    private long[] _spare = new long[4], _scratch = new long[4];
    private readonly Stack<Holding> _holdingPool = new(); // emptied holdings, reused by the next offer
    private Resources? _totalResources;
    private long _totalResourcesVersion = -1;

    /// <summary>Bumped whenever a framework may have become offerable anywhere; invalidates every agent's "none" verdict.</summary>
    private long _eligibility;

    public HierarchicalAllocator(AllocatorOptions options, TimeProvider time)
    {
        _options = options;
        _time = time;
        _roles = new DrfSorter(_kinds, _total);
        _minCpus = Scalar.FromDouble(options.MinAllocatableCpus).Milli;
        _minMem = Scalar.FromDouble(options.MinAllocatableMem).Milli;
        foreach (var (role, quota) in options.Quotas.ToList()) SetQuota(role, quota);
    }

    /// <summary>The scalar resources of every agent, summed.</summary>
    public Resources Total
    {
        get
        {
            if (_totalResourcesVersion != _total.Version || _totalResources is null)
            {
                _totalResources = _kinds.ToResources(_total.Milli, Resources.Empty);
                _totalResourcesVersion = _total.Version;
            }
            return _totalResources;
        }
    }

    public int AgentCount => _agents.Count;
    public int FrameworkCount => _frameworks.Count;

    public void AddAgent(string agentId, Resources total)
    {
        if (_agents.ContainsKey(agentId)) throw new InvalidOperationException($"agent {agentId} is already known");
        var agent = new AllocatorAgent(agentId, total, _kinds);
        _agents.Add(agentId, agent);
        _agentOrder.Add(agent);
        Vec.Add(ref _total.Milli, agent.Total);
        _total.Version++;
    }

    /// <summary>Forgets an agent; what frameworks held there is released from their shares.</summary>
    public void RemoveAgent(string agentId)
    {
        if (!_agents.Remove(agentId, out var agent)) return;
        agent.Removed = true;
        _removedAgents++;
        foreach (var holding in agent.Holdings)
            if (_frameworkIds[holding.Framework] is { } framework)
                Unshare(framework, holding.Scalars);
        Vec.Subtract(ref _total.Milli, agent.Total);
        _total.Version++;
    }

    /// <summary>Unreachable agents keep their bookkeeping but are not offered.</summary>
    public void SetAgentActive(string agentId, bool active)
    {
        if (!_agents.TryGetValue(agentId, out var agent) || agent.Active == active) return;
        agent.Active = active;
        agent.Version++;
    }

    public void AddFramework(string frameworkId, string role)
    {
        if (_frameworks.ContainsKey(frameworkId)) throw new InvalidOperationException($"framework {frameworkId} is already known");
        var roleState = RoleOf(role);
        var index = _frameworkIds.Reserve();
        var framework = new FrameworkState(frameworkId, index, roleState, roleState.Frameworks.Add(frameworkId, 1, index));
        _frameworkIds.Put(index, framework);
        _frameworks.Add(frameworkId, framework);
        roleState.EligibleFrameworks++;
        Bits.Set(ref roleState.ActiveFrameworks, index);
        _roles.SetActive(roleState.Client, true);
        _eligibility++;
    }

    /// <summary>Forgets a framework and releases everything it held.</summary>
    public void RemoveFramework(string frameworkId)
    {
        if (!_frameworks.Remove(frameworkId, out var framework)) return;
        var index = framework.Index;
        foreach (var agent in _agentOrder)
        {
            if (agent.Removed) continue;
            if (agent.HoldingOf(index) is { } holding)
            {
                agent.Holdings.Remove(holding);
                agent.Give(holding.Scalars, holding.NonScalar, null);
            }
            Bits.Clear(agent.Offered, index);
            agent.Filters?.Remove(index);
            agent.Version++;
        }
        var role = framework.Role;
        _roles.Unallocated(role.Client, framework.Client.Allocation);
        role.Frameworks.Remove(framework.Client);
        if (framework.Eligible) role.EligibleFrameworks--;
        Bits.Clear(role.ActiveFrameworks, index);
        if (role.Frameworks.Count == 0)
        {
            _roles.Remove(role.Client);
            _roleStates.Remove(role.Name);
            _roleIds.Release(role.Index);
        }
        else _roles.SetActive(role.Client, role.EligibleFrameworks > 0);
        _frameworkIds.Release(index);
    }

    /// <summary>A disconnected framework keeps its tasks but gets no offers.</summary>
    public void SetFrameworkActive(string frameworkId, bool active)
    {
        if (_frameworks.TryGetValue(frameworkId, out var framework)) ChangeEligibility(framework, () => framework.Active = active);
    }

    public void Suppress(string frameworkId)
    {
        if (_frameworks.TryGetValue(frameworkId, out var framework)) ChangeEligibility(framework, () => framework.Suppressed = true);
    }

    /// <summary>Lifts suppression and every filter the framework has, as Mesos's revive does.</summary>
    public void Revive(string frameworkId)
    {
        if (!_frameworks.TryGetValue(frameworkId, out var framework)) return;
        ChangeEligibility(framework, () => framework.Suppressed = false);
        foreach (var agent in _agentOrder) agent.Filters?.Remove(framework.Index);
        _eligibility++;
    }

    public bool IsSuppressed(string frameworkId) => _frameworks.TryGetValue(frameworkId, out var f) && f.Suppressed;

    public void SetWeight(string role, double weight)
    {
        if (double.IsNaN(weight) || weight <= 0) throw new ArgumentOutOfRangeException(nameof(weight), "a role weight must be positive");
        _options.RoleWeights[role] = weight;
        if (_roleStates.TryGetValue(role, out var state)) _roles.SetWeight(state.Client, weight);
    }

    /// <summary>
    /// Resources on an agent that a framework already uses, such as tasks an agent reports when it
    /// registers again. They may add up to more than the agent has; it is then offered nothing
    /// until enough is recovered.
    /// </summary>
    public void AddUsed(string frameworkId, string agentId, Resources resources)
    {
        if (resources.IsEmpty || !_frameworks.TryGetValue(frameworkId, out var framework) || !_agents.TryGetValue(agentId, out var agent)) return;
        var scalars = FillScratch(resources); // added to what the agent, holding and sorter keep, never kept: one per task of a re-registering agent
        var nonScalar = resources.NonScalarPart();
        agent.Take(scalars, nonScalar);
        Hold(framework, agent, scalars, nonScalar);
    }

    /// <summary>
    /// Closes the offer a framework had on an agent, giving back what it did not use; with
    /// <paramref name="filters"/> the allocator will not re-offer those resources to it for a while.
    /// </summary>
    public void OfferClosed(string frameworkId, string agentId, Resources unused, Filters? filters)
    {
        if (!_frameworks.TryGetValue(frameworkId, out var framework) || !_agents.TryGetValue(agentId, out var agent)) return;
        Bits.Clear(agent.Offered, framework.Index);
        agent.Version++;
        if (unused.IsEmpty) return;
        // Declines usually return the very object that was offered, which is the agent's cached
        // free set: its vectors are built once and shared by the release and every filter.
        var declined = agent.LastDeclined is { } last && ReferenceEquals(last.Source, unused)
            ? last
            : agent.LastDeclined = new Declined(unused, _kinds.ToVector(unused), unused.NonScalarPart());
        Release(framework, agent, unused, declined.Scalars, declined.NonScalar);
        if (filters is { RefuseSeconds: > 0 })
        {
            // Clamp absurd durations so the expiry stays a valid date.
            var seconds = Math.Min(filters.RefuseSeconds, TimeSpan.FromDays(3650).TotalSeconds);
            var expires = _time.GetUtcNow().UtcTicks + TimeSpan.FromSeconds(seconds).Ticks;
            (agent.Filters ??= new AgentFilters()).Set(framework.Index, expires, declined);
        }
    }

    /// <summary>Gives back resources a framework held, such as those of a task that ended.</summary>
    public void Recover(string frameworkId, string agentId, Resources resources)
    {
        if (resources.IsEmpty) return;
        if (_frameworks.TryGetValue(frameworkId, out var framework) && _agents.TryGetValue(agentId, out var agent))
            Release(framework, agent, resources, FillScratch(resources), resources.NonScalarPart());
    }

    public bool HasOutstandingOffer(string frameworkId, string agentId) =>
        _frameworks.TryGetValue(frameworkId, out var f) && _agents.TryGetValue(agentId, out var a) && Bits.Test(a.Offered, f.Index);

    public Resources AvailableOn(string agentId) =>
        _agents.TryGetValue(agentId, out var a) ? a.AvailableResources(_kinds) : Resources.Empty;

    /// <summary>Per role: what it holds, its weight and its weighted dominant share; lowest share first.</summary>
    public IReadOnlyList<RoleAllocation> Roles()
    {
        var roles = new List<RoleAllocation>(_roleStates.Count);
        foreach (var role in _roleStates.Values)
            roles.Add(new RoleAllocation(role.Name, role.Client.Weight, _roles.ShareOf(role.Client), _roles.AllocationOf(role.Client),
                role.Frameworks.Count, role.Quota?.Source));
        roles.Sort(static (a, b) => a.Share != b.Share ? a.Share.CompareTo(b.Share) : string.CompareOrdinal(a.Role, b.Role));
        return roles;
    }

    private RoleState RoleOf(string role)
    {
        if (_roleStates.TryGetValue(role, out var state)) return state;
        var index = _roleIds.Reserve();
        var client = _roles.Add(role, _options.RoleWeights.GetValueOrDefault(role, 1), index);
        state = new RoleState(role, index, client, new DrfSorter(_kinds, _total)) { Quota = _quotas.GetValueOrDefault(role) };
        _roles.SetActive(client, false); // until it has a framework that can be offered
        _roleIds.Put(index, state);
        _roleStates.Add(role, state);
        return state;
    }

    private void ChangeEligibility(FrameworkState framework, Action change)
    {
        var was = framework.Eligible;
        change();
        if (framework.Eligible == was) return;
        var role = framework.Role;
        role.Frameworks.SetActive(framework.Client, framework.Eligible);
        role.EligibleFrameworks += framework.Eligible ? 1 : -1;
        if (framework.Eligible) Bits.Set(ref role.ActiveFrameworks, framework.Index);
        else Bits.Clear(role.ActiveFrameworks, framework.Index);
        _roles.SetActive(role.Client, role.EligibleFrameworks > 0);
        if (framework.Eligible) _eligibility++;
    }

    /// <summary>Counts resources as the framework's, on the agent (already taken there) and in both sorters.</summary>
    private void Hold(FrameworkState framework, AllocatorAgent agent, long[] scalars, Resources nonScalar)
    {
        var holding = agent.HoldingOf(framework.Index);
        if (holding is null)
        {
            holding = _holdingPool.TryPop(out var reused) ? reused : new Holding();
            holding.Framework = framework.Index;
            agent.Holdings.Add(holding);
        }
        Vec.Add(ref holding.Scalars, scalars);
        if (!nonScalar.IsEmpty) holding.NonScalar = holding.NonScalar.Add(nonScalar);
        framework.Role.Frameworks.Allocated(framework.Client, scalars);
        _roles.Allocated(framework.Role.Client, scalars);
    }

    /// <summary>Gives back what the framework holds on the agent; more than it holds is a bookkeeping error, and changes nothing.</summary>
    private void Release(FrameworkState framework, AllocatorAgent agent, Resources resources, long[] scalars, Resources nonScalar)
    {
        var holding = agent.HoldingOf(framework.Index);
        if (holding is null || !Vec.Contains(holding.Scalars, scalars) || !holding.NonScalar.Contains(nonScalar))
            throw new InvalidOperationException($"cannot release {resources} of {framework.Id} on {agent.Id}: it holds {(holding is null ? "nothing" : _kinds.ToResources(holding.Scalars, holding.NonScalar))}");
        Vec.Subtract(ref holding.Scalars, scalars);
        if (!nonScalar.IsEmpty) holding.NonScalar = holding.NonScalar.Equals(nonScalar) ? Resources.Empty : holding.NonScalar.Subtract(nonScalar);
        if (holding.NonScalar.IsEmpty && Vec.IsZero(holding.Scalars))
        {
            agent.Holdings.Remove(holding);
            _holdingPool.Push(holding);
        }
        agent.Give(scalars, nonScalar, resources);
        Unshare(framework, scalars);
    }

    private void Unshare(FrameworkState framework, long[] scalars)
    {
        framework.Role.Frameworks.Unallocated(framework.Client, scalars);
        _roles.Unallocated(framework.Role.Client, scalars);
    }

    /// <summary>The scalars of <paramref name="resources"/> in a reused vector: valid until the next call.</summary>
    private long[] FillScratch(Resources resources)
    {
        if (_scratch.Length < _kinds.Count) _scratch = new long[_kinds.Count];
        Array.Clear(_scratch);
        _kinds.AddTo(ref _scratch, resources, 1);
        return _scratch;
    }

    private sealed class FrameworkState(string id, int index, RoleState role, DrfSorter.Client client)
    {
        public string Id { get; } = id;
        public int Index { get; } = index;
        public RoleState Role { get; } = role;
        public DrfSorter.Client Client { get; } = client;
        public bool Active { get; set; } = true;
        public bool Suppressed { get; set; }
        public bool Eligible => Active && !Suppressed;
    }

    private sealed class RoleState(string name, int index, DrfSorter.Client client, DrfSorter frameworks)
    {
        public string Name { get; } = name;
        public int Index { get; } = index;
        public DrfSorter.Client Client { get; } = client;
        public DrfSorter Frameworks { get; } = frameworks;
        public int EligibleFrameworks { get; set; }

        /// <summary>A bit per framework index: the role's active, unsuppressed frameworks.</summary>
        public ulong[] ActiveFrameworks = [];
        public QuotaState? Quota { get; set; }
    }
}

/// <summary>Dense, reused integer ids: the lowest free one first, so bitsets stay short.</summary>
internal sealed class DenseIds<T> where T : class
{
    private T?[] _items = new T?[16];
    private readonly SortedSet<int> _free = [];
    private int _next;

    public T? this[int index] => index < _items.Length ? _items[index] : null;

    public int Reserve()
    {
        if (_free.Count > 0)
        {
            var id = _free.Min;
            _free.Remove(id);
            return id;
        }
        return _next++;
    }

    public void Put(int index, T item)
    {
        if (index >= _items.Length) Array.Resize(ref _items, Math.Max(index + 1, _items.Length * 2));
        _items[index] = item;
    }

    public void Release(int index)
    {
        _items[index] = null;
        _free.Add(index);
    }
}
