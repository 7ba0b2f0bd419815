using System.Threading.Channels;
using Microsoft.Extensions.Time.Testing;

namespace Embedded.Testing;

/// <summary>
/// A fake clock that says each time code starts waiting on it (a timer is created, a <c>Task.Delay</c> begins), so
/// that a test advances it only once the wait is set: advancing earlier would pass by a timer not yet there.
/// </summary>
public sealed class WatchedTimeProvider(FakeTimeProvider clock) : TimeProvider
{
    private readonly Channel<TimeSpan> _timers = Channel.CreateUnbounded<TimeSpan>();

    public WatchedTimeProvider() : this(new FakeTimeProvider(DateTimeOffset.Parse("2030-01-01T00:00:00Z", global::System.Globalization.CultureInfo.InvariantCulture)))
    {
    }

    public FakeTimeProvider Clock => clock;

    /// <summary>The due time of each timer created, in order, written once the timer exists.</summary>
    public ChannelReader<TimeSpan> Timers => _timers.Reader;

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        var timer = clock.CreateTimer(callback, state, dueTime, period);
        _timers.Writer.TryWrite(dueTime);
        return timer;
    }

    public override DateTimeOffset GetUtcNow() => clock.GetUtcNow();
    public override long GetTimestamp() => clock.GetTimestamp();
    public override long TimestampFrequency => clock.TimestampFrequency;
    public override TimeZoneInfo LocalTimeZone => clock.LocalTimeZone;

    public void Advance(TimeSpan by) => clock.Advance(by);
}
