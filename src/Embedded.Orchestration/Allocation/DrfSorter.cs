using Embedded.Orchestration.Model;

namespace Embedded.Orchestration.Allocation;

/// <summary>
/// Orders clients (roles, or the frameworks of one role) by weighted dominant share, lowest
/// first, as Mesos's DRFSorter does. Only the client whose allocation changed is re-sorted; a
/// change of the cluster total re-sorts all, lazily. It counts scalars only: they are what shares are made of.
/// </summary>
internal sealed class DrfSorter
{
    private readonly Dictionary<string, Client> _clients = new(StringComparer.Ordinal);
    private readonly SortedSet<Client> _sorted = new(ClientOrder.Instance);
    private Resources _total = Resources.Empty;
    private bool _dirty;

    public int Count => _clients.Count;

    public bool Contains(string name) => _clients.ContainsKey(name);

    public void Add(string name, double weight = 1)
    {
        if (_clients.ContainsKey(name)) return;
        var client = new Client(name) { Weight = weight };
        client.Share = ShareOf(client);
        _clients.Add(name, client);
        _sorted.Add(client);
    }

    public void Remove(string name)
    {
        if (_clients.Remove(name, out var client)) _sorted.Remove(client);
    }

    public void SetWeight(string name, double weight)
    {
        if (!_clients.TryGetValue(name, out var client)) return;
        Update(client, c => c.Weight = weight);
    }

    public void SetTotal(Resources total)
    {
        _total = total.ScalarPart();
        _dirty = true;
    }

    public void Allocated(string name, Resources resources)
    {
        if (resources.IsEmpty || !_clients.TryGetValue(name, out var client)) return;
        Update(client, c => c.Allocation = c.Allocation.Add(resources.ScalarPart()));
    }

    public void Unallocated(string name, Resources resources)
    {
        if (resources.IsEmpty || !_clients.TryGetValue(name, out var client)) return;
        Update(client, c => c.Allocation = c.Allocation.Subtract(resources.ScalarPart()));
    }

    public Resources AllocationOf(string name) => _clients.TryGetValue(name, out var c) ? c.Allocation : Resources.Empty;

    /// <summary>The client's weighted share against the current total, even before a new total has re-sorted.</summary>
    public double ShareOf(string name) => _clients.TryGetValue(name, out var c) ? ShareOf(c) : 0;

    public double WeightOf(string name) => _clients.TryGetValue(name, out var c) ? c.Weight : 1;

    /// <summary>Client names, lowest weighted share first. Do not change the sorter while enumerating.</summary>
    public IEnumerable<string> Sorted()
    {
        if (_dirty) Rebuild();
        foreach (var client in _sorted) yield return client.Name;
    }

    private void Update(Client client, Action<Client> change)
    {
        _sorted.Remove(client);
        change(client);
        client.Share = ShareOf(client);
        _sorted.Add(client);
    }

    private void Rebuild()
    {
        _sorted.Clear();
        foreach (var client in _clients.Values)
        {
            client.Share = ShareOf(client);
            _sorted.Add(client);
        }
        _dirty = false;
    }

    /// <summary>The largest fraction of any scalar in the cluster that the client holds, divided by its weight.</summary>
    private double ShareOf(Client client)
    {
        double share = 0;
        foreach (var (name, allocated) in client.Allocation.Scalars)
        {
            var total = _total.Scalar(name);
            if (total.Milli > 0) share = Math.Max(share, (double)allocated.Milli / total.Milli);
        }
        return client.Weight > 0 ? share / client.Weight : share;
    }

    private sealed class Client(string name)
    {
        public string Name { get; } = name;
        public double Weight { get; set; } = 1;
        public double Share { get; set; }
        public Resources Allocation { get; set; } = Resources.Empty;
    }

    private sealed class ClientOrder : IComparer<Client>
    {
        public static readonly ClientOrder Instance = new();

        public int Compare(Client? x, Client? y)
        {
            if (ReferenceEquals(x, y)) return 0;
            var c = x!.Share.CompareTo(y!.Share);
            return c != 0 ? c : string.CompareOrdinal(x.Name, y.Name);
        }
    }
}
