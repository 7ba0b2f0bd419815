using Embedded.Orchestration.Model;

namespace Embedded.Orchestration.Allocation;

// Quota, as Mesos has it since 1.9: a cycle first offers roles below their guarantee (lowest share
// first), then everyone. Each offer is capped so that (1) no role exceeds its limit and (2) the
// free resources left in the cluster still cover the unsatisfied guarantees of all roles
// (headroom): per scalar, a role may take what it lacks of its own guarantee plus only the surplus
// of free over headroom. When no role has a limit and every guarantee is met, the cycle takes the
// fast path and offers whole agents.
internal sealed partial class HierarchicalAllocator
{
    private readonly Dictionary<string, QuotaState> _quotas = new(StringComparer.Ordinal);
    private long[] _free = [], _headroom = [], _offer = [];
    private bool _anyHeadroom;
    private int _belowGuarantee;

    /// <summary>Sets (or with null, removes) a role's quota; it applies from the next cycle, to a role that exists now or later.</summary>
    public void SetQuota(string role, RoleQuota? quota)
    {
        ArgumentException.ThrowIfNullOrEmpty(role);
        QuotaState? state = null;
        if (quota is null)
        {
            _quotas.Remove(role);
            _options.Quotas.Remove(role);
        }
        else
        {
            quota.Validate();
            state = new QuotaState(role, quota, _kinds);
            _quotas[role] = state;
            _options.Quotas[role] = quota;
        }
        if (_roleStates.TryGetValue(role, out var roleState)) roleState.Quota = state;
        _eligibility++; // a raised limit may make a role offerable again
    }

    public RoleQuota? QuotaOf(string role) => _quotas.TryGetValue(role, out var q) ? q.Source : null;

    /// <summary>Headroom and free totals for this cycle; false when quota changes nothing and the fast path applies.</summary>
    private bool PrepareQuota()
    {
        _anyHeadroom = false;
        _belowGuarantee = 0;
        if (_quotas.Count == 0) return false;
        var kinds = _kinds.Count;
        if (_headroom.Length < kinds) (_headroom, _free, _offer) = (new long[kinds], new long[kinds], new long[kinds]);
        Array.Clear(_headroom);
        var anyLimit = false;
        foreach (var quota in _quotas.Values)
        {
            var role = _roleStates.GetValueOrDefault(quota.Role);
            var held = role?.Client.Allocation ?? [];
            quota.Below = false;
            foreach (var i in quota.GuaranteedKinds)
            {
                var lacking = quota.Guarantee[i] - Vec.At(held, i);
                if (lacking <= 0) continue;
                _headroom[i] += lacking;
                quota.Below = true;
                _anyHeadroom = true;
            }
            if (role is null) continue;
            if (quota.Below && role.EligibleFrameworks > 0) _belowGuarantee++;
            anyLimit |= quota.LimitedKinds.Length > 0;
        }
        if (!_anyHeadroom && !anyLimit) return false;
        if (_anyHeadroom)
        {
            Array.Clear(_free);
            foreach (var agent in _agentOrder)
            {
                if (agent.Removed || !agent.Active || agent.Overcommitted) continue;
                var available = agent.Available;
                for (var i = 0; i < available.Length && i < _free.Length; i++) _free[i] += available[i];
            }
        }
        return true;
    }

    private void AllocateWithQuota(AllocatorAgent agent, long now, List<Allocation> result)
    {
        var capped = false;
        var offers = 0;
        while (IsAllocatable(agent.Available, agent.AvailableNonScalar))
        {
            var framework = PickWithQuota(agent, now, ref capped);
            if (framework is null) break;
            var quota = framework.Role.Quota;
            var whole = true;
            for (var i = 0; i < _offer.Length; i++) whole &= _offer[i] == Vec.At(agent.Available, i);
            if (_anyHeadroom) CountAgainstHeadroom(quota, framework.Role.Client.Allocation);
            if (whole) OfferAll(framework, agent, result);
            else OfferPart(framework, agent, _offer, result);
            offers++;
            if (quota is not null && quota.Below && !quota.IsBelow(framework.Role.Client.Allocation))
            {
                quota.Below = false;
                _belowGuarantee--;
            }
            if (whole) break;
        }
        if (offers == 0 && !capped) RememberNone(agent);
    }

    /// <summary>Stage one: roles below their guarantee, for what gets them closer to it. Stage two: every role.</summary>
    private FrameworkState? PickWithQuota(AllocatorAgent agent, long now, ref bool capped)
    {
        if (_belowGuarantee > 0)
            foreach (var client in _roles.Order())
            {
                var role = _roleIds[client.Index]!;
                if (role.Quota is not { Below: true }) continue;
                if (!CapOffer(role, agent, progressNeeded: true)) { capped = true; continue; }
                if (FirstEligibleIn(role, agent, now) is { } framework) return framework;
            }
        foreach (var client in _roles.Order())
        {
            var role = _roleIds[client.Index]!;
            if (!CapOffer(role, agent, progressNeeded: false)) { capped = true; continue; }
            if (FirstEligibleIn(role, agent, now) is { } framework) return framework;
        }
        return null;
    }

    /// <summary>Fills <see cref="_offer"/> with what the role may take of the agent's free scalars; false if that is not worth an offer.</summary>
    private bool CapOffer(RoleState role, AllocatorAgent agent, bool progressNeeded)
    {
        var quota = role.Quota;
        var held = role.Client.Allocation;
        var available = agent.Available;
        var progress = false;
        for (var i = 0; i < _offer.Length; i++)
        {
            var take = Math.Max(0, Vec.At(available, i));
            long lacking = 0;
            if (take > 0 && quota is not null)
            {
                lacking = Math.Max(0, quota.GuaranteeAt(i) - Vec.At(held, i));
                if (quota.LimitAt(i) is var limit and >= 0) take = Math.Min(take, Math.Max(0, limit - Vec.At(held, i)));
            }
            if (take > 0 && _anyHeadroom && _headroom[i] > 0)
                take = Math.Min(take, lacking + Math.Max(0, _free[i] - _headroom[i]));
            _offer[i] = take;
            progress |= take > 0 && lacking > 0;
        }
        return (progress || !progressNeeded) && IsAllocatable(_offer, agent.AvailableNonScalar);
    }

    /// <summary>Before <see cref="_offer"/> goes to a role: it leaves the free pool, and what it lacked of its guarantee leaves the headroom.</summary>
    private void CountAgainstHeadroom(QuotaState? quota, long[] held)
    {
        for (var i = 0; i < _offer.Length; i++)
        {
            var take = _offer[i];
            if (take == 0) continue;
            _free[i] -= take;
            if (quota is null) continue;
            var lacking = Math.Max(0, quota.GuaranteeAt(i) - Vec.At(held, i));
            _headroom[i] -= Math.Min(take, lacking);
        }
    }

    /// <summary>A role's quota as dense vectors.</summary>
    private sealed class QuotaState
    {
        public QuotaState(string role, RoleQuota source, ResourceKinds kinds)
        {
            Role = role;
            Source = source;
            GuaranteedKinds = [.. source.Guarantee.Scalars.Where(kv => kv.Value.Milli > 0).Select(kv => kinds.IndexOf(kv.Key))];
            LimitedKinds = source.Limit is null ? [] : [.. source.Limit.Scalars.Keys.Select(kinds.IndexOf)];
            Guarantee = new long[kinds.Count];
            Limit = new long[kinds.Count];
            Array.Fill(Limit, -1);
            foreach (var (name, value) in source.Guarantee.Scalars) Guarantee[kinds.IndexOf(name)] = value.Milli;
            if (source.Limit is not null)
                foreach (var (name, value) in source.Limit.Scalars) Limit[kinds.IndexOf(name)] = value.Milli;
        }

        public string Role { get; }
        public RoleQuota Source { get; }
        public int[] GuaranteedKinds { get; }
        public int[] LimitedKinds { get; }
        public long[] Guarantee { get; }

        /// <summary>Milli per kind; -1 is no limit.</summary>
        public long[] Limit { get; }

        /// <summary>Below its guarantee as of the cycle's start or its last offer.</summary>
        public bool Below { get; set; }

        public long GuaranteeAt(int i) => i < Guarantee.Length ? Guarantee[i] : 0;
        public long LimitAt(int i) => i < Limit.Length ? Limit[i] : -1;

        public bool IsBelow(long[] held)
        {
            foreach (var i in GuaranteedKinds)
                if (Vec.At(held, i) < Guarantee[i]) return true;
            return false;
        }
    }
}
