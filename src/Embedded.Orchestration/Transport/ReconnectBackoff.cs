namespace Embedded.Orchestration.Transport;

/// <summary>
/// Delays between attempts to reach a master: doubling from the minimum to the maximum, each with up to
/// a fifth taken off at random, so that agents cut off together do not all knock again at once.
/// </summary>
internal sealed class ReconnectBackoff(TimeSpan min, TimeSpan max, Random? random = null)
{
    private readonly Random _random = random ?? Random.Shared;
    private TimeSpan _next;

    private TimeSpan Upcoming => _next == TimeSpan.Zero ? min : _next;

    public TimeSpan Next()
    {
        var delay = Upcoming;
        _next = TimeSpan.FromTicks(Math.Min(max.Ticks, delay.Ticks * 2));
        return delay - TimeSpan.FromTicks((long)(delay.Ticks * 0.2 * _random.NextDouble()));
    }

    public void Reset() => _next = TimeSpan.Zero;
}
