namespace Embedded.Orchestration.Scheduling.Services;

/// <summary>
/// How soon an instance that ended or turned unhealthy is replaced, as Marathon backs off: the first
/// replacement after <see cref="Delay"/>, each one after that <see cref="Factor"/> times later, at most
/// <see cref="MaxDelay"/>; back to the start once an instance has stayed healthy for <see cref="ResetAfter"/>.
/// </summary>
public sealed record RestartPolicy
{
    public TimeSpan Delay { get; init; } = TimeSpan.FromSeconds(1);
    public double Factor { get; init; } = 1.15;
    public TimeSpan MaxDelay { get; init; } = TimeSpan.FromMinutes(5);
    public TimeSpan ResetAfter { get; init; } = TimeSpan.FromMinutes(1);

    /// <summary>The wait before the replacement that follows the <paramref name="failures"/>-th failure in a row (1 or more).</summary>
    public TimeSpan DelayAfter(int failures)
    {
        if (failures <= 0) return TimeSpan.Zero;
        var seconds = Delay.TotalSeconds * Math.Pow(Factor, failures - 1);
        return double.IsFinite(seconds) && seconds < MaxDelay.TotalSeconds ? TimeSpan.FromSeconds(seconds) : MaxDelay;
    }
}
