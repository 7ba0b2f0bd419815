using System.Diagnostics;
using System.Globalization;

namespace Embedded.Simulator;

/// <summary>Timings of repeated steps, and the formatting of what a scenario prints.</summary>
internal sealed class Samples
{
    private readonly List<double> _ms = [];

    public void Add(double ms) => _ms.Add(ms);
    public int Count => _ms.Count;
    public double Mean => _ms.Count == 0 ? 0 : _ms.Average();
    public double Max => _ms.Count == 0 ? 0 : _ms.Max();
    public double Sum => _ms.Sum();

    public double Percentile(double p)
    {
        if (_ms.Count == 0) return 0;
        var sorted = _ms.Order().ToList();
        return sorted[Math.Clamp((int)Math.Ceiling(p / 100 * sorted.Count) - 1, 0, sorted.Count - 1)];
    }

    public override string ToString() =>
        Format($"mean {Mean:F2} ms, p50 {Percentile(50):F2} ms, p99 {Percentile(99):F2} ms, max {Max:F2} ms over {Count}");

    public static string Format(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);
}

internal static class Measure
{
    public static double Ms(long startTimestamp) => Stopwatch.GetElapsedTime(startTimestamp).TotalMilliseconds;

    /// <summary>Bytes reachable after a full collection: what a structure keeps.</summary>
    public static long Retained()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        return GC.GetTotalMemory(forceFullCollection: true);
    }

    public static void Line(FormattableString s) => Console.WriteLine(s.ToString(CultureInfo.InvariantCulture));
}
