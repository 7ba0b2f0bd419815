using Embedded.Orchestration.Agent.Health;

namespace Embedded.Orchestration.Tests.Agent;

/// <summary>A probe whose answers a test sets: pass or fail at once, or hang until the checker's timeout; it counts its calls.</summary>
internal sealed class FakeHealthProbe : IHealthProbe
{
    private int _calls;

    /// <summary>What the next probes answer; null hangs (until cancelled).</summary>
    public bool? Passes { get; set; } = true;

    public int Calls => Volatile.Read(ref _calls);

    public string Description => "fake probe";

    public ValueTask<ProbeResult> ProbeAsync(CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _calls);
        return Passes switch
        {
            true => ValueTask.FromResult(new ProbeResult(true, "fake probe: passed")),
            false => ValueTask.FromResult(new ProbeResult(false, "fake probe: 503")),
            null => new ValueTask<ProbeResult>(Task.Delay(Timeout.Infinite, cancellationToken).ContinueWith(_ => new ProbeResult(true, "late"), TaskScheduler.Default)),
        };
    }
}
