namespace Embedded.Orchestration.Allocation;

/// <summary>A bit per framework index, in a <c>ulong[]</c> that grows on demand: the allocator's per-agent marks.</summary>
internal static class Bits
{
    public static bool Test(ulong[] bits, int i)
    {
        var w = i >> 6;
        return w < bits.Length && (bits[w] & (1UL << i)) != 0;
    }

    public static void Set(ref ulong[] bits, int i)
    {
        var w = i >> 6;
        if (w >= bits.Length) Array.Resize(ref bits, Math.Max(w + 1, bits.Length * 2));
        bits[w] |= 1UL << i;
    }

    public static void Clear(ulong[] bits, int i)
    {
        var w = i >> 6;
        if (w < bits.Length) bits[w] &= ~(1UL << i);
    }
}
