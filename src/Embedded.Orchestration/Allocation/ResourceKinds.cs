using Embedded.Orchestration.Model;

namespace Embedded.Orchestration.Allocation;

/// <summary>
/// Interns scalar resource names to dense indices, so the allocator keeps quantities in plain
/// <c>long[]</c> vectors (milli units, as <see cref="Scalar"/>) instead of sorted dictionaries.
/// Only the allocator's loop touches it: no locks.
/// </summary>
internal sealed class ResourceKinds
{
    private readonly Dictionary<string, int> _index = new(StringComparer.Ordinal);
    private readonly List<string> _names = [];

    public ResourceKinds()
    {
        // The common ones first, so their indices are small and stable.
        IndexOf(Resources.CpusName);
        IndexOf(Resources.MemName);
        IndexOf(Resources.DiskName);
        IndexOf(Resources.GpusName);
    }

    public const int Cpus = 0, Mem = 1;

    public int Count => _names.Count;
    public IReadOnlyList<string> Names => _names;

    public int IndexOf(string name)
    {
        if (_index.TryGetValue(name, out var i)) return i;
        i = _names.Count;
        _names.Add(name);
        _index.Add(name, i);
        return i;
    }

    public bool TryIndexOf(string name, out int index) => _index.TryGetValue(name, out index);

    /// <summary>The scalars of <paramref name="resources"/> as a new vector.</summary>
    public long[] ToVector(Resources resources)
    {
        var vector = new long[Math.Max(Count, 4)];
        AddTo(ref vector, resources, 1);
        return vector;
    }

    /// <summary>Adds (<paramref name="sign"/> 1) or subtracts (-1) the scalars of <paramref name="resources"/>, growing the vector for new names.</summary>
    public void AddTo(ref long[] vector, Resources resources, int sign)
    {
        foreach (var (name, value) in resources.Scalars)
        {
            var i = IndexOf(name);
            if (i >= vector.Length) Array.Resize(ref vector, Count);
            vector[i] += sign * value.Milli;
        }
    }

    /// <summary>The positive entries of <paramref name="vector"/> with the ranges and sets of <paramref name="nonScalar"/>.</summary>
    public Resources ToResources(ReadOnlySpan<long> vector, Resources nonScalar) => nonScalar.WithScalarsFrom(vector, _names);
}

/// <summary>Arithmetic on scalar vectors of possibly different lengths; a missing entry is zero.</summary>
internal static class Vec
{
    public static long At(long[] v, int i) => i < v.Length ? v[i] : 0;

    public static void Add(ref long[] target, long[] delta)
    {
        if (delta.Length > target.Length) Array.Resize(ref target, delta.Length);
        for (var i = 0; i < delta.Length; i++) target[i] += delta[i];
    }

    public static void Subtract(ref long[] target, long[] delta)
    {
        if (delta.Length > target.Length) Array.Resize(ref target, delta.Length);
        for (var i = 0; i < delta.Length; i++) target[i] -= delta[i];
    }

    /// <summary>Every entry of <paramref name="a"/> is at least that of <paramref name="b"/>.</summary>
    public static bool Contains(long[] a, long[] b)
    {
        var n = Math.Min(a.Length, b.Length);
        for (var i = 0; i < n; i++)
            if (a[i] < b[i]) return false;
        for (var i = n; i < b.Length; i++)
            if (b[i] > 0) return false;
        for (var i = n; i < a.Length; i++)
            if (a[i] < 0) return false;
        return true;
    }

    public static bool IsZero(long[] v)
    {
        foreach (var x in v)
            if (x != 0) return false;
        return true;
    }

    public static bool AnyNegative(long[] v)
    {
        foreach (var x in v)
            if (x < 0) return true;
        return false;
    }

    public static bool Equal(long[] a, long[] b) => Contains(a, b) && Contains(b, a);
}
