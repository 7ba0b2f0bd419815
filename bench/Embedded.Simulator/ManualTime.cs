namespace Embedded.Simulator;

/// <summary>A clock the simulation moves by hand, so filters and intervals never depend on how fast the machine is.</summary>
internal sealed class ManualTime : TimeProvider
{
    private DateTimeOffset _now = new(2025, 1, 1, 0, 0, 0, TimeSpan.Zero);

    public override DateTimeOffset GetUtcNow() => _now;

    public void Advance(TimeSpan by) => _now += by;
}
