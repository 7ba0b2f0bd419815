using System.Collections.Immutable;
using System.Globalization;
using System.Text;

namespace Embedded.Orchestration.Model;

/// <summary>
/// An immutable bag of resources: scalars (cpus, mem, disk, gpus), ranges (ports) and sets.
/// Text form, as Mesos writes it: <c>cpus:4;mem:8192;ports:[31000-32000];zones:{a,b}</c>.
/// </summary>
[System.Text.Json.Serialization.JsonConverter(typeof(ResourcesJsonConverter))]
public sealed class Resources : IEquatable<Resources>
{
    public const string CpusName = "cpus", MemName = "mem", DiskName = "disk", GpusName = "gpus", PortsName = "ports";

    public static readonly Resources Empty = new(
        ImmutableSortedDictionary<string, Scalar>.Empty.WithComparers(StringComparer.Ordinal),
        ImmutableSortedDictionary<string, RangeSet>.Empty.WithComparers(StringComparer.Ordinal),
        ImmutableSortedDictionary<string, ImmutableSortedSet<string>>.Empty.WithComparers(StringComparer.Ordinal));

    private Resources(
        ImmutableSortedDictionary<string, Scalar> scalars,
        ImmutableSortedDictionary<string, RangeSet> ranges,
        ImmutableSortedDictionary<string, ImmutableSortedSet<string>> sets)
    {
        Scalars = scalars;
        Ranges = ranges;
        Sets = sets;
    }

    public ImmutableSortedDictionary<string, Scalar> Scalars { get; }
    public ImmutableSortedDictionary<string, RangeSet> Ranges { get; }
    public ImmutableSortedDictionary<string, ImmutableSortedSet<string>> Sets { get; }

    public bool IsEmpty => Scalars.IsEmpty && Ranges.IsEmpty && Sets.IsEmpty;

    public Scalar Cpus => Scalar(CpusName);
    public Scalar Mem => Scalar(MemName);
    public Scalar Disk => Scalar(DiskName);
    public Scalar Gpus => Scalar(GpusName);
    public RangeSet Ports => RangesOf(PortsName);

    public Scalar Scalar(string name) => Scalars.GetValueOrDefault(name);
    public RangeSet RangesOf(string name) => Ranges.GetValueOrDefault(name) ?? RangeSet.Empty;
    public ImmutableSortedSet<string> Set(string name) => Sets.GetValueOrDefault(name) ?? ImmutableSortedSet<string>.Empty;

    public Resources WithScalar(string name, Scalar value)
    {
        ValidateName(name);
        if (value.Milli < 0) throw new ArgumentOutOfRangeException(nameof(value), $"{name} cannot be negative");
        return new(value.Milli == 0 ? Scalars.Remove(name) : Scalars.SetItem(name, value), Ranges, Sets);
    }

    public Resources WithRanges(string name, RangeSet value)
    {
        ValidateName(name);
        return new(Scalars, value.IsEmpty ? Ranges.Remove(name) : Ranges.SetItem(name, value), Sets);
    }

    public Resources WithSet(string name, IEnumerable<string> items)
    {
        ValidateName(name);
        var set = items.ToImmutableSortedSet(StringComparer.Ordinal);
        foreach (var item in set)
            if (item.Length == 0 || item.Trim().Length != item.Length || item.IndexOfAny([',', ';', '{', '}']) >= 0)
                throw new ArgumentException($"set '{name}' item '{item}' must be non-empty, without surrounding spaces, ',', ';', '{{' or '}}'", nameof(items));
        return new(Scalars, Ranges, set.IsEmpty ? Sets.Remove(name) : Sets.SetItem(name, set));
    }

    /// <summary>
    /// Only the scalars: sums across agents must count quantities, while ranges and sets name
    /// things (ports) that each agent has its own copy of.
    /// </summary>
    public Resources ScalarPart() => Ranges.IsEmpty && Sets.IsEmpty ? this : new(Scalars, Empty.Ranges, Empty.Sets);

    /// <summary>Only the ranges and sets: what the allocator keeps beside its dense scalar vectors.</summary>
    internal Resources NonScalarPart() => Scalars.IsEmpty ? this : Ranges.IsEmpty && Sets.IsEmpty ? Empty : new(Empty.Scalars, Ranges, Sets);

    /// <summary>
    /// This instance's ranges and sets with the positive entries of a dense milli vector as its
    /// scalars: the allocator's conversion back at its boundary. The names come from parsed resources, so are valid.
    /// </summary>
    internal Resources WithScalarsFrom(ReadOnlySpan<long> milli, IReadOnlyList<string> names)
    {
        var scalars = ImmutableSortedDictionary.CreateBuilder<string, Scalar>(StringComparer.Ordinal);
        for (var i = 0; i < milli.Length; i++)
            if (milli[i] > 0) scalars.Add(names[i], new Scalar(milli[i]));
        return new(scalars.ToImmutable(), Ranges, Sets);
    }

    public static Resources Of(double cpus = 0, double mem = 0, double disk = 0, double gpus = 0) =>
        Empty.WithScalar(CpusName, cpus).WithScalar(MemName, mem).WithScalar(DiskName, disk).WithScalar(GpusName, gpus);

    public Resources Add(Resources other)
    {
        if (other.IsEmpty) return this;
        if (IsEmpty) return other;
        var scalars = Scalars.ToBuilder();
        foreach (var (name, value) in other.Scalars)
            scalars[name] = scalars.GetValueOrDefault(name) + value;
        var ranges = Ranges.ToBuilder();
        foreach (var (name, value) in other.Ranges)
            ranges[name] = (ranges.GetValueOrDefault(name) ?? RangeSet.Empty).Add(value);
        var sets = Sets.ToBuilder();
        foreach (var (name, value) in other.Sets)
            sets[name] = (sets.GetValueOrDefault(name) ?? ImmutableSortedSet<string>.Empty.WithComparer(StringComparer.Ordinal)).Union(value);
        return new(scalars.ToImmutable(), ranges.ToImmutable(), sets.ToImmutable());
    }

    /// <summary>True when every quantity, range and item of <paramref name="other"/> is here.</summary>
    public bool Contains(Resources other)
    {
        foreach (var (name, value) in other.Scalars)
            if (Scalar(name) < value) return false;
        foreach (var (name, value) in other.Ranges)
            if (!RangesOf(name).Contains(value)) return false;
        foreach (var (name, value) in other.Sets)
            if (!Set(name).IsSupersetOf(value)) return false;
        return true;
    }

    /// <summary>Removes <paramref name="other"/>, which must be contained: a bookkeeping error must not pass silently.</summary>
    public Resources Subtract(Resources other)
    {
        if (other.IsEmpty) return this;
        if (!Contains(other))
            throw new InvalidOperationException($"cannot subtract {other} from {this}: not contained");
        var scalars = Scalars.ToBuilder();
        foreach (var (name, value) in other.Scalars)
        {
            var left = scalars[name] - value;
            if (left.Milli == 0) scalars.Remove(name); else scalars[name] = left;
        }
        var ranges = Ranges.ToBuilder();
        foreach (var (name, value) in other.Ranges)
        {
            var left = ranges[name].Subtract(value);
            if (left.IsEmpty) ranges.Remove(name); else ranges[name] = left;
        }
        var sets = Sets.ToBuilder();
        foreach (var (name, value) in other.Sets)
        {
            var left = sets[name].Except(value);
            if (left.IsEmpty) sets.Remove(name); else sets[name] = left;
        }
        return new(scalars.ToImmutable(), ranges.ToImmutable(), sets.ToImmutable());
    }

    public static Resources operator +(Resources a, Resources b) => a.Add(b);
    public static Resources operator -(Resources a, Resources b) => a.Subtract(b);

    /// <summary>Parses <c>cpus:4;mem:8192;ports:[31000-32000];zones:{a,b}</c>. Throws <see cref="FormatException"/> with the reason.</summary>
    public static Resources Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var result = Empty;
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var raw in text.Split(';'))
        {
            var part = raw.Trim();
            if (part.Length == 0) continue;
            var colon = part.IndexOf(':');
            if (colon < 0)
                throw new FormatException($"resource '{part.Abbreviate()}' must be name:value");
            if (colon == 0)
                throw new FormatException($"resource '{part.Abbreviate()}' has no name before ':'");
            var name = part[..colon].Trim();
            var value = part[(colon + 1)..].Trim();
            if (name.Contains('('))
                throw new FormatException($"resource '{name.Abbreviate()}': reservations such as cpus(role) are not supported");
            if (name.Length > MaxNameLength)
                throw new FormatException(TooLong(name));
            if (!IsValidName(name))
                throw new FormatException($"resource name '{name}' must be letters, digits, '_', '-' or '.'");
            if (!seen.Add(name))
                throw new FormatException($"resource '{name.Abbreviate()}' is given twice");
            if (value.StartsWith('['))
                result = result.WithRanges(name, RangeSet.Parse(value));
            else if (value.StartsWith('{'))
            {
                if (!value.EndsWith('}')) throw new FormatException($"set '{name}' must look like {{a,b}}");
                var items = value[1..^1].Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
                if (items.FirstOrDefault(i => i.IndexOfAny(['{', '}']) >= 0) is { } bad)
                    throw new FormatException($"set '{name}' item '{bad}' must not contain '{{' or '}}'");
                result = result.WithSet(name, items);
            }
            else
            {
                if (!double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var number))
                    throw new FormatException($"resource '{name.Abbreviate()}' has value '{value.Abbreviate()}', which is not a number, [ranges] or {{set}}");
                if (double.IsNaN(number) || double.IsInfinity(number) || number < 0 || number > Model.Scalar.MaxValue)
                    throw new FormatException($"resource '{name.Abbreviate()}' must be a number from 0 to {Model.Scalar.MaxValue}, not '{value.Abbreviate()}'");
                result = result.WithScalar(name, Model.Scalar.FromDouble(number));
            }
        }
        return result;
    }

    public static bool TryParse(string? text, out Resources resources, out string? error)
    {
        try
        {
            resources = Parse(text ?? throw new FormatException("resources text is missing"));
            error = null;
            return true;
        }
        catch (Exception e) when (e is FormatException or ArgumentException)
        {
            resources = Empty;
            error = e.Message;
            return false;
        }
    }

    private const int MaxNameLength = 64;

    private static bool IsValidName(string name) =>
        name.Length is > 0 and <= MaxNameLength && name.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '-' or '.');

    private static string TooLong(string name) =>
        $"resource name '{name[..20]}...' is too long: {name.Length} characters, at most {MaxNameLength}";

    private static void ValidateName(string name)
    {
        if (name.Length > MaxNameLength) throw new ArgumentException(TooLong(name), nameof(name));
        if (!IsValidName(name)) throw new ArgumentException($"resource name '{name}' must be letters, digits, '_', '-' or '.'", nameof(name));
    }

    public bool Equals(Resources? other) =>
        other is not null
        && Scalars.Count == other.Scalars.Count && Scalars.All(kv => other.Scalar(kv.Key) == kv.Value)
        && Ranges.Count == other.Ranges.Count && Ranges.All(kv => other.RangesOf(kv.Key).Equals(kv.Value))
        && Sets.Count == other.Sets.Count && Sets.All(kv => other.Set(kv.Key).SetEquals(kv.Value));

    public override bool Equals(object? obj) => Equals(obj as Resources);
    public override int GetHashCode() => HashCode.Combine(Scalars.Count, Ranges.Count, Sets.Count, Cpus, Mem);

    public override string ToString()
    {
        var sb = new StringBuilder();
        foreach (var (name, value) in Scalars) Append(sb, name, value.ToString());
        foreach (var (name, value) in Ranges) Append(sb, name, value.ToString());
        foreach (var (name, value) in Sets) Append(sb, name, "{" + string.Join(",", value) + "}");
        return sb.ToString();

        static void Append(StringBuilder sb, string name, string value)
        {
            if (sb.Length > 0) sb.Append(';');
            sb.Append(name).Append(':').Append(value);
        }
    }
}
