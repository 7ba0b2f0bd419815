using Embedded.Orchestration.Model;

namespace Embedded.Orchestration.Allocation;

/// <summary>What a framework declined on an agent, as a vector; filters of one decline share it.</summary>
internal sealed class Declined(Resources source, long[] scalars, Resources nonScalar)
{
    public Resources Source { get; } = source;
    public long[] Scalars { get; } = scalars;
    public Resources NonScalar { get; } = nonScalar;

    /// <summary>As in Mesos, a filter refuses only what it covers: more free resources are offered again.</summary>
    public bool Covers(long[] available, Resources availableNonScalar) =>
        Vec.Contains(Scalars, available)
        && (ReferenceEquals(NonScalar, availableNonScalar) || NonScalar.Contains(availableNonScalar));
}

/// <summary>
/// The offer filters (refuse_seconds) that frameworks set on one agent, sorted by framework
/// index. Two bitsets make the allocator's check a bit test in the common case: <c>Present</c>
/// marks frameworks with a filter here, <c>Refusing</c> those whose filter covers <c>Base</c>, an
/// earlier availability that still contains the current one (coverage is monotone: a filter that
/// covers more covers less). When the agent's free resources grow past the base, the base is
/// dropped and recomputed at the next check; past the earliest expiry, expired filters are purged.
/// </summary>
internal sealed class AgentFilters
{
    private int[] _framework = new int[4];
    private long[] _expires = new long[4];
    private Declined[] _declined = new Declined[4];
    private ulong[] _present = [];
    private ulong[] _refusing = [];
    private long[] _base = [];
    private Resources _baseNonScalar = Resources.Empty;
    private bool _baseValid;

    public int Count { get; private set; }

    /// <summary>Ticks of the first expiry; until then every filter here holds.</summary>
    public long EarliestExpiry { get; private set; } = long.MaxValue;

    public bool Has(int framework) => Bits.Test(_present, framework);

    public bool Refuses(int framework, long now, long[] available, Resources availableNonScalar)
    {
        if (!Bits.Test(_present, framework)) return false;
        if (now >= EarliestExpiry)
        {
            Purge(now);
            if (!Bits.Test(_present, framework)) return false;
        }
        if (!_baseValid) Rebase(available, availableNonScalar);
        if (Bits.Test(_refusing, framework)) return true;
        return _declined[Find(framework)].Covers(available, availableNonScalar);
    }

    /// <summary>Purges expired filters and rebuilds the base if needed, so <see cref="RefusingWord"/> is current.</summary>
    public void Prepare(long now, long[] available, Resources availableNonScalar)
    {
        if (now >= EarliestExpiry) Purge(now);
        if (!_baseValid) Rebase(available, availableNonScalar);
    }

    /// <summary>64 frameworks' "surely refuses" bits, after <see cref="Prepare"/>.</summary>
    public ulong RefusingWord(int word) => word < _refusing.Length ? _refusing[word] : 0;

    /// <summary>The agent's free resources grew: the base stays only if it still contains them.</summary>
    public void Grew(long[] available, Resources availableNonScalar)
    {
        if (_baseValid && !(Vec.Contains(_base, available)
            && (ReferenceEquals(_baseNonScalar, availableNonScalar) || _baseNonScalar.Contains(availableNonScalar))))
            _baseValid = false;
    }

    public void Set(int framework, long expires, Declined declined)
    {
        var at = Search(framework);
        if (at < 0)
        {
            at = ~at;
            if (Count == _framework.Length)
            {
                Array.Resize(ref _framework, Count * 2);
                Array.Resize(ref _expires, Count * 2);
                Array.Resize(ref _declined, Count * 2);
            }
            Array.Copy(_framework, at, _framework, at + 1, Count - at);
            Array.Copy(_expires, at, _expires, at + 1, Count - at);
            Array.Copy(_declined, at, _declined, at + 1, Count - at);
            Count++;
            _framework[at] = framework;
            Bits.Set(ref _present, framework);
        }
        _expires[at] = expires;
        _declined[at] = declined;
        EarliestExpiry = Math.Min(EarliestExpiry, expires);
        if (_baseValid && declined.Covers(_base, _baseNonScalar)) Bits.Set(ref _refusing, framework);
        else Bits.Clear(_refusing, framework);
    }

    public void Remove(int framework)
    {
        if (!Bits.Test(_present, framework)) return;
        RemoveAt(Find(framework));
    }

    private void RemoveAt(int at)
    {
        Bits.Clear(_present, _framework[at]);
        Bits.Clear(_refusing, _framework[at]);
        Count--;
        Array.Copy(_framework, at + 1, _framework, at, Count - at);
        Array.Copy(_expires, at + 1, _expires, at, Count - at);
        Array.Copy(_declined, at + 1, _declined, at, Count - at);
        _declined[Count] = null!;
    }

    private void Purge(long now)
    {
        var kept = 0;
        var earliest = long.MaxValue;
        for (var i = 0; i < Count; i++)
        {
            if (_expires[i] <= now)
            {
                Bits.Clear(_present, _framework[i]);
                Bits.Clear(_refusing, _framework[i]);
                continue;
            }
            _framework[kept] = _framework[i];
            _expires[kept] = _expires[i];
            _declined[kept] = _declined[i];
            earliest = Math.Min(earliest, _expires[i]);
            kept++;
        }
        Array.Clear(_declined, kept, Count - kept);
        Count = kept;
        EarliestExpiry = earliest;
    }

    private void Rebase(long[] available, Resources availableNonScalar)
    {
        if (_base.Length < available.Length) _base = new long[available.Length];
        Array.Clear(_base);
        available.CopyTo(_base, 0);
        _baseNonScalar = availableNonScalar;
        Array.Clear(_refusing);
        for (var i = 0; i < Count; i++)
            if (_declined[i].Covers(_base, _baseNonScalar)) Bits.Set(ref _refusing, _framework[i]);
        _baseValid = true;
    }

    private int Find(int framework) => Search(framework) is var at and >= 0 ? at : throw new InvalidOperationException("filter index out of step");

    private int Search(int framework) => Array.BinarySearch(_framework, 0, Count, framework);
}
