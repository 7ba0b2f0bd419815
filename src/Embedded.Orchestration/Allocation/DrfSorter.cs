using Embedded.Orchestration.Model;

namespace Embedded.Orchestration.Allocation;

/// <summary>The cluster's scalar total, shared by every sorter of one allocator; the version tells a sorter its shares are stale.</summary>
internal sealed class ClusterTotal
{
    public long[] Milli = new long[4];
    public long Version;
}

/// <summary>
/// Orders clients (roles, or the frameworks of one role) by weighted dominant share, lowest
/// first, name breaking ties, as Mesos's DRFSorter does. The order is a plain array kept sorted
/// incrementally: a change of one client's allocation moves that client alone (binary search and
/// one block move), so the allocator walks it without allocating. A change of the cluster total
/// re-sorts every client, lazily, at the next walk. It counts scalars only: they are what shares are made of.
/// </summary>
internal sealed class DrfSorter
{
    private readonly ResourceKinds _kinds;
    private readonly ClusterTotal _total;
    private readonly Dictionary<string, Client> _clients = new(StringComparer.Ordinal);
    private Client[] _order = new Client[8];
    private int _count;
    private long _sortedFor;

    public DrfSorter() : this(new ResourceKinds(), new ClusterTotal()) { }

    internal DrfSorter(ResourceKinds kinds, ClusterTotal total)
    {
        _kinds = kinds;
        _total = total;
        _sortedFor = total.Version;
    }

    /// <summary>Clients, active or not.</summary>
    public int Count => _clients.Count;

    public bool Contains(string name) => _clients.ContainsKey(name);

    public void Add(string name, double weight = 1) => Add(name, weight, -1);

    /// <summary>Adds a client, or returns the one of that name unchanged; <paramref name="index"/> is the caller's dense id for it.</summary>
    internal Client Add(string name, double weight, int index)
    {
        if (_clients.TryGetValue(name, out var existing)) return existing;
        var client = new Client(name, index) { Weight = weight };
        _clients.Add(name, client);
        Link(client);
        return client;
    }

    public void Remove(string name)
    {
        if (_clients.TryGetValue(name, out var client)) Remove(client);
    }

    internal void Remove(Client client)
    {
        if (!_clients.Remove(client.Name)) return;
        if (client.Active) Unlink(client);
    }

    /// <summary>
    /// An inactive client keeps its allocation but leaves the order, as Mesos's sorter deactivates
    /// suppressed frameworks: walks then cost only what can be offered.
    /// </summary>
    internal void SetActive(Client client, bool active)
    {
        if (client.Active == active || !_clients.ContainsKey(client.Name)) return;
        client.Active = active;
        if (active) Link(client); else Unlink(client);
    }

    private void Link(Client client)
    {
        client.Share = ShareOf(client);
        if (_count == _order.Length) Array.Resize(ref _order, _count * 2);
        var at = SearchInsert(client.Share, client.Name, 0, _count);
        Array.Copy(_order, at, _order, at + 1, _count - at);
        _order[at] = client;
        _count++;
    }

    private void Unlink(Client client)
    {
        var at = PositionOf(client);
        Array.Copy(_order, at + 1, _order, at, _count - at - 1);
        _order[--_count] = null!;
    }

    public void SetWeight(string name, double weight)
    {
        if (_clients.TryGetValue(name, out var client)) SetWeight(client, weight);
    }

    internal void SetWeight(Client client, double weight)
    {
        client.Weight = weight;
        Reposition(client);
    }

    public void SetTotal(Resources total)
    {
        _total.Milli = _kinds.ToVector(total);
        _total.Version++;
    }

    public void Allocated(string name, Resources resources)
    {
        if (resources.Scalars.IsEmpty || !_clients.TryGetValue(name, out var client)) return;
        Allocated(client, _kinds.ToVector(resources));
    }

    /// <summary>Releases resources; more than the client holds is a bookkeeping error, and changes nothing.</summary>
    public void Unallocated(string name, Resources resources)
    {
        if (resources.Scalars.IsEmpty || !_clients.TryGetValue(name, out var client)) return;
        Unallocated(client, _kinds.ToVector(resources));
    }

    internal void Allocated(Client client, long[] delta)
    {
        Vec.Add(ref client.Allocation, delta);
        Reposition(client);
    }

    internal void Unallocated(Client client, long[] delta)
    {
        if (!Vec.Contains(client.Allocation, delta))
            throw new InvalidOperationException($"cannot release {_kinds.ToResources(delta, Resources.Empty)} from {client.Name}: it holds {AllocationOf(client)}");
        Vec.Subtract(ref client.Allocation, delta);
        Reposition(client);
    }

    public Resources AllocationOf(string name) => _clients.TryGetValue(name, out var c) ? AllocationOf(c) : Resources.Empty;

    internal Resources AllocationOf(Client client) => _kinds.ToResources(client.Allocation, Resources.Empty);

    /// <summary>The client's weighted share against the current total, even before a new total has re-sorted.</summary>
    public double ShareOf(string name) => _clients.TryGetValue(name, out var c) ? ShareOf(c) : 0;

    public double WeightOf(string name) => _clients.TryGetValue(name, out var c) ? c.Weight : 1;

    /// <summary>Client names, lowest weighted share first. Do not change the sorter while enumerating.</summary>
    public IEnumerable<string> Sorted()
    {
        EnsureSorted();
        for (var i = 0; i < _count; i++) yield return _order[i].Name;
    }

    /// <summary>The clients, lowest weighted share first: valid until the sorter changes.</summary>
    internal ReadOnlySpan<Client> Order()
    {
        EnsureSorted();
        return _order.AsSpan(0, _count);
    }

    /// <summary>The largest fraction of any scalar in the cluster that the client holds, divided by its weight.</summary>
    internal double ShareOf(Client client)
    {
        var total = _total.Milli;
        var allocation = client.Allocation;
        var n = Math.Min(total.Length, allocation.Length);
        double share = 0;
        for (var i = 0; i < n; i++)
            if (total[i] > 0 && allocation[i] != 0)
                share = Math.Max(share, (double)allocation[i] / total[i]); // division, not a cached inverse: equal steps must tie exactly
        return client.Weight > 0 ? share / client.Weight : share;
    }

    private void EnsureSorted()
    {
        if (_sortedFor == _total.Version) return;
        for (var i = 0; i < _count; i++) _order[i].Share = ShareOf(_order[i]);
        Array.Sort(_order, 0, _count, ClientOrder.Instance);
        _sortedFor = _total.Version;
    }

    /// <summary>Moves one client to its place for its new share: the array stays sorted by stored share at all times.</summary>
    private void Reposition(Client client)
    {
        if (!client.Active) return;
        var from = PositionOf(client);
        client.Share = ShareOf(client);
        if (from + 1 < _count && Compare(client.Share, client.Name, _order[from + 1]) > 0)
        {
            var to = SearchInsert(client.Share, client.Name, from + 1, _count) - 1;
            Array.Copy(_order, from + 1, _order, from, to - from);
            _order[to] = client;
        }
        else if (from > 0 && Compare(client.Share, client.Name, _order[from - 1]) < 0)
        {
            var to = SearchInsert(client.Share, client.Name, 0, from);
            Array.Copy(_order, to, _order, to + 1, from - to);
            _order[to] = client;
        }
    }

    private int PositionOf(Client client)
    {
        int lo = 0, hi = _count - 1;
        while (lo <= hi)
        {
            var mid = (lo + hi) >>> 1;
            var c = Compare(client.Share, client.Name, _order[mid]);
            if (c == 0) return mid;
            if (c < 0) hi = mid - 1; else lo = mid + 1;
        }
        throw new InvalidOperationException($"sorter lost client {client.Name}");
    }

    /// <summary>The first index in [lo, hi) whose client comes after the key.</summary>
    private int SearchInsert(double share, string name, int lo, int hi)
    {
        while (lo < hi)
        {
            var mid = (lo + hi) >>> 1;
            if (Compare(share, name, _order[mid]) > 0) lo = mid + 1; else hi = mid;
        }
        return lo;
    }

    /// <summary>Whether <paramref name="a"/> comes before <paramref name="b"/> in the order: valid for active clients once <see cref="Order"/> was read.</summary>
    internal static bool Precedes(Client a, Client b) => Compare(a.Share, a.Name, b) < 0;

    private static int Compare(double share, string name, Client other)
    {
        var c = share.CompareTo(other.Share);
        return c != 0 ? c : string.CompareOrdinal(name, other.Name);
    }

    internal sealed class Client(string name, int index)
    {
        public string Name { get; } = name;

        /// <summary>The owner's dense id (framework or role index), so walks need no lookups.</summary>
        public int Index { get; } = index;

        public double Weight { get; set; } = 1;
        public bool Active { get; set; } = true;
        public double Share { get; set; }
        public long[] Allocation = new long[4];
    }

    private sealed class ClientOrder : IComparer<Client>
    {
        public static readonly ClientOrder Instance = new();

        public int Compare(Client? x, Client? y) =>
            ReferenceEquals(x, y) ? 0 : DrfSorter.Compare(x!.Share, x.Name, y!);
    }
}
