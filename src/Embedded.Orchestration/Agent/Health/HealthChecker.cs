using Embedded.Orchestration.Model;

namespace Embedded.Orchestration.Agent.Health;

/// <summary>A change of a task's health: what the check says now and what it saw.</summary>
internal sealed record HealthVerdict(bool Healthy, string Message);

/// <summary>
/// Runs one check of one task on the agent's clock, with Mesos's semantics: the first probe
/// <see cref="HealthCheck.Delay"/> after the task runs, then one <see cref="HealthCheck.Interval"/>
/// after each result; a probe that outlasts <see cref="HealthCheck.Timeout"/> fails; failures inside
/// <see cref="HealthCheck.GracePeriod"/> (from the start) do not count until a probe has passed;
/// <see cref="HealthCheck.ConsecutiveFailures"/> failures in a row make the task unhealthy.
/// Each change of health, the first included, goes to <c>changed</c>. A liveness checker stops once
/// the task is unhealthy (it is being killed); a readiness checker goes on.
/// </summary>
internal sealed class HealthChecker : IDisposable
{
    private readonly HealthCheck _check;
    private readonly IHealthProbe _probe;
    private readonly TimeProvider _time;
    private readonly bool _stopWhenUnhealthy;
    private readonly Action<HealthVerdict> _changed;
    private readonly Lock _gate = new();
    private readonly CancellationTokenSource _disposed = new();
    private ITimer? _timer;
    private DateTimeOffset _started;
    private bool? _healthy;
    private bool _passedOnce, _stopped;
    private int _failures;

    public HealthChecker(HealthCheck check, IHealthProbe probe, TimeProvider time, bool stopWhenUnhealthy, Action<HealthVerdict> changed)
    {
        _check = check;
        _probe = probe;
        _time = time;
        _stopWhenUnhealthy = stopWhenUnhealthy;
        _changed = changed;
    }

    /// <summary>Failures in a row so far that counted.</summary>
    public int Failures
    {
        get { lock (_gate) return _failures; }
    }

    /// <summary>Starts the clock: the grace period from now, the first probe after the delay.</summary>
    public void Start()
    {
        lock (_gate)
        {
            if (_stopped || _timer is not null) return;
            _started = _time.GetUtcNow();
            // Armed once assigned: a timer due at once may fire before CreateTimer returns.
            _timer = _time.CreateTimer(_ => _ = CheckAsync(), null, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
            _timer.Change(_check.Delay, Timeout.InfiniteTimeSpan);
        }
    }

    private async Task CheckAsync()
    {
        var result = await ProbeOnceAsync().ConfigureAwait(false);
        HealthVerdict? change;
        lock (_gate)
        {
            if (_stopped) return;
            change = Evaluate(result);
            if (!(_stopWhenUnhealthy && _healthy == false)) _timer?.Change(_check.Interval, Timeout.InfiniteTimeSpan);
        }
        if (change is not null) _changed(change);
    }

    private async ValueTask<ProbeResult> ProbeOnceAsync()
    {
        using var deadline = new CancellationTokenSource(_check.Timeout, _time);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(deadline.Token, _disposed.Token);
        try
        {
            // The probe's token and the wait both end at the deadline, so a probe that ignores its token still fails in time.
            return await _probe.ProbeAsync(timeout.Token).AsTask().WaitAsync(_check.Timeout, _time, _disposed.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (e is TimeoutException || (e is OperationCanceledException && deadline.IsCancellationRequested))
        {
            // The wait may end before the deadline's own timer fires: the probe hears of it before its token is disposed.
            timeout.Cancel();
            return new ProbeResult(false, $"{_probe.Description} timed out after {_check.Timeout.TotalSeconds:0.###} s");
        }
        catch (OperationCanceledException) when (_disposed.IsCancellationRequested)
        {
            return new ProbeResult(false, $"{_probe.Description}: stopped");
        }
        catch (Exception e)
        {
            return new ProbeResult(false, $"{_probe.Description} failed: {e.Message}");
        }
    }

    private HealthVerdict? Evaluate(ProbeResult result)
    {
        if (result.Passed)
        {
            _passedOnce = true;
            _failures = 0;
            if (_healthy == true) return null;
            _healthy = true;
            return new HealthVerdict(true, result.Message);
        }
        if (!_passedOnce && _time.GetUtcNow() - _started < _check.GracePeriod) return null;
        _failures++;
        if (_failures < _check.ConsecutiveFailures || _healthy == false) return null;
        _healthy = false;
        return new HealthVerdict(false, result.Message);
    }

    public void Dispose()
    {
        ITimer? timer;
        lock (_gate)
        {
            if (_stopped) return;
            _stopped = true;
            timer = _timer;
        }
        timer?.Dispose();
        _disposed.Cancel(); // Stops a probe in flight too (a command is killed).
    }
}
