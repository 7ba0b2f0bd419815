using Embedded.Orchestration.Model;

namespace Embedded.Orchestration.Allocation;

/// <summary>What one framework holds on one agent: offers out and tasks running.</summary>
internal sealed class Holding
{
    public int Framework;
    public long[] Scalars = new long[4];
    public Resources NonScalar = Resources.Empty;
}

/// <summary>
/// One agent in the allocator: totals, allocation and free resources as dense vectors (ranges
/// and sets beside them), outstanding offers and filters as bits per framework index, and the
/// cached verdict "no framework can be offered here", valid while nothing it depends on changed.
/// </summary>
internal sealed class AllocatorAgent
{
    public AllocatorAgent(string id, Resources total, ResourceKinds kinds)
    {
        Id = id;
        TotalResources = total;
        Total = kinds.ToVector(total);
        TotalNonScalar = total.NonScalarPart();
        Allocated = new long[Total.Length];
        Available = (long[])Total.Clone();
        AvailableNonScalar = TotalNonScalar;
        _availableResources = total;
    }

    public string Id { get; }
    public Resources TotalResources { get; }
    public long[] Total;
    public Resources TotalNonScalar { get; }
    public long[] Allocated;

    /// <summary>Total minus allocated; negative entries mean over-committed.</summary>
    public long[] Available;

    /// <summary>
    /// Free ranges and sets. While nothing beyond the agent's own ranges and sets is allocated
    /// (the normal case) this alone is kept, and offers and declines just move whole sets in and
    /// out; once something foreign is allocated (<see cref="_overcommittedNonScalar"/>), the
    /// allocated part is kept instead and this is derived from it.
    /// </summary>
    public Resources AvailableNonScalar;

    private Resources? _overcommittedNonScalar;
    private Resources? _availableResources;

    public bool Active = true;
    public bool Removed;
    public readonly List<Holding> Holdings = [];

    /// <summary>Frameworks with an offer outstanding here: at most one each.</summary>
    public ulong[] Offered = [];

    public AgentFilters? Filters;

    /// <summary>The last declined offer, whose vector the next decline of the same object reuses.</summary>
    public Declined? LastDeclined;

    /// <summary>Bumped by every change that could let a framework be offered here again.</summary>
    public long Version;
    public long NoneVersion = -1, NoneEligibility = -1, NoneUntil;

    public bool Overcommitted => _overcommittedNonScalar is not null || Vec.AnyNegative(Available);

    public bool NothingFree => Vec.IsZero(Available) && AvailableNonScalar.IsEmpty;

    /// <summary>The free resources as a <see cref="Resources"/>, built once per change.</summary>
    public Resources AvailableResources(ResourceKinds kinds) =>
        Overcommitted ? Resources.Empty : _availableResources ??= kinds.ToResources(Available, AvailableNonScalar);

    public Holding? HoldingOf(int framework)
    {
        foreach (var h in Holdings)
            if (h.Framework == framework) return h;
        return null;
    }

    /// <summary>
    /// Allocates everything free, the usual offer, without building anything: the old free vector
    /// is returned as the delta, and <paramref name="spare"/> (any content) becomes the new one.
    /// </summary>
    public long[] TakeAll(long[] spare, out Resources nonScalar, out Resources resources, ResourceKinds kinds)
    {
        resources = AvailableResources(kinds);
        var delta = Available;
        nonScalar = AvailableNonScalar;
        Vec.Add(ref Allocated, delta);
        if (spare.Length != delta.Length) spare = new long[delta.Length]; else Array.Clear(spare);
        Available = spare;
        AvailableNonScalar = Resources.Empty;
        _availableResources = Resources.Empty;
        Version++;
        return delta;
    }

    /// <summary>Allocates a part: scalars and (possibly) ranges and sets, which may be more than the agent has.</summary>
    public void Take(long[] scalars, Resources nonScalar)
    {
        Vec.Add(ref Allocated, scalars);
        Vec.Subtract(ref Available, scalars);
        if (!nonScalar.IsEmpty)
        {
            if (_overcommittedNonScalar is not null) SetAllocatedNonScalar(_overcommittedNonScalar.Add(nonScalar));
            else if (AvailableNonScalar.Contains(nonScalar)) AvailableNonScalar = AvailableNonScalar.Subtract(nonScalar);
            else SetAllocatedNonScalar(TotalNonScalar.Subtract(AvailableNonScalar).Add(nonScalar));
        }
        _availableResources = null;
        Version++;
    }

    /// <summary>Releases resources that the caller checked were held; <paramref name="asResources"/> is the same, if the caller has it.</summary>
    public void Give(long[] scalars, Resources nonScalar, Resources? asResources)
    {
        var wasEmpty = NothingFree && !Overcommitted;
        Vec.Subtract(ref Allocated, scalars);
        Vec.Add(ref Available, scalars);
        if (!nonScalar.IsEmpty)
        {
            if (_overcommittedNonScalar is not null)
                SetAllocatedNonScalar(_overcommittedNonScalar.Equals(nonScalar) ? Resources.Empty : _overcommittedNonScalar.Subtract(nonScalar));
            else AvailableNonScalar = AvailableNonScalar.Add(nonScalar);
        }
        // The common decline: everything was offered and comes back; the declined object is the free set.
        _availableResources = wasEmpty && asResources is not null ? asResources : null;
        Version++;
        Filters?.Grew(Available, AvailableNonScalar);
    }

    private void SetAllocatedNonScalar(Resources allocated)
    {
        if (TotalNonScalar.Contains(allocated))
        {
            _overcommittedNonScalar = null;
            AvailableNonScalar = allocated.IsEmpty ? TotalNonScalar : TotalNonScalar.Subtract(allocated);
        }
        else
        {
            _overcommittedNonScalar = allocated;
            AvailableNonScalar = Resources.Empty;
        }
    }
}
