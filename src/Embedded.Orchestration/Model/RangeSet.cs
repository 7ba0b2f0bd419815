using System.Collections.Immutable;
using System.Globalization;

namespace Embedded.Orchestration.Model;

/// <summary>An immutable set of disjoint, sorted, coalesced ranges.</summary>
public sealed class RangeSet : IEquatable<RangeSet>
{
    public static readonly RangeSet Empty = new(ImmutableArray<ValueRange>.Empty);

    private RangeSet(ImmutableArray<ValueRange> ranges) => Ranges = ranges;

    public ImmutableArray<ValueRange> Ranges { get; }
    public bool IsEmpty => Ranges.IsEmpty;
    public ulong Count => Ranges.Aggregate(0UL, (sum, r) => sum + r.Count);

    public static RangeSet Of(params IEnumerable<ValueRange> ranges)
    {
        var list = new List<ValueRange>();
        foreach (var r in ranges)
        {
            if (r.End < r.Begin) throw new ArgumentException($"range {r.Begin}-{r.End} ends before it begins");
            list.Add(r);
        }
        return Normalize(list);
    }

    public static RangeSet Of(ulong begin, ulong end) => Of(new ValueRange(begin, end));

    private static RangeSet Normalize(List<ValueRange> list)
    {
        if (list.Count == 0) return Empty;
        list.Sort((a, b) => a.Begin.CompareTo(b.Begin));
        var result = ImmutableArray.CreateBuilder<ValueRange>();
        var current = list[0];
        for (var i = 1; i < list.Count; i++)
        {
            var next = list[i];
            if (current.End == ulong.MaxValue || next.Begin <= current.End + 1)
                current = current with { End = Math.Max(current.End, next.End) };
            else
            {
                result.Add(current);
                current = next;
            }
        }
        result.Add(current);
        return new RangeSet(result.ToImmutable());
    }

    public RangeSet Add(RangeSet other) =>
        other.IsEmpty ? this : IsEmpty ? other : Normalize([.. Ranges, .. other.Ranges]);

    public bool Contains(RangeSet other)
    {
        var i = 0;
        foreach (var r in other.Ranges)
        {
            while (i < Ranges.Length && Ranges[i].End < r.Begin) i++;
            if (i == Ranges.Length || Ranges[i].Begin > r.Begin || Ranges[i].End < r.End) return false;
        }
        return true;
    }

    public bool Contains(ulong value) => Contains(Of(value, value));

    /// <summary>Removes the values of <paramref name="other"/>; values not present are ignored.</summary>
    public RangeSet Subtract(RangeSet other)
    {
        if (other.IsEmpty || IsEmpty) return this;
        var result = new List<ValueRange>();
        foreach (var r in Ranges)
        {
            var begin = r.Begin;
            var done = false;
            foreach (var cut in other.Ranges)
            {
                if (cut.End < begin || cut.Begin > r.End) continue;
                if (cut.Begin > begin) result.Add(new ValueRange(begin, cut.Begin - 1));
                if (cut.End >= r.End) { done = true; break; }
                begin = cut.End + 1;
            }
            if (!done) result.Add(new ValueRange(begin, r.End));
        }
        return Normalize(result);
    }

    /// <summary>Parses <c>[31000-32000,33000-33010]</c>.</summary>
    public static RangeSet Parse(string text)
    {
        var t = text.Trim();
        if (t.Length < 2 || t[0] != '[' || t[^1] != ']')
            throw new FormatException($"ranges must look like [31000-32000], not '{text.Abbreviate()}'");
        var body = t[1..^1].Trim();
        if (body.Length == 0) return Empty;
        var list = new List<ValueRange>();
        foreach (var part in body.Split(','))
        {
            var bounds = part.Split('-');
            if (bounds.Length != 2
                || !ulong.TryParse(bounds[0].Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var b)
                || !ulong.TryParse(bounds[1].Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var e))
                throw new FormatException($"range '{part.Trim().Abbreviate()}' must be two whole numbers joined by '-'");
            if (e < b) throw new FormatException($"range '{part.Trim().Abbreviate()}' ends before it begins");
            list.Add(new ValueRange(b, e));
        }
        return Normalize(list);
    }

    public bool Equals(RangeSet? other) => other is not null && Ranges.SequenceEqual(other.Ranges);
    public override bool Equals(object? obj) => Equals(obj as RangeSet);
    public override int GetHashCode() => Ranges.Aggregate(17, (h, r) => HashCode.Combine(h, r));
    public override string ToString() => "[" + string.Join(",", Ranges) + "]";
}
