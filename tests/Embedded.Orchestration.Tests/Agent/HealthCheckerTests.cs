using System.Threading.Channels;
using Embedded.Orchestration.Agent.Health;
using Embedded.Orchestration.Model;
using Microsoft.Extensions.Time.Testing;

namespace Embedded.Orchestration.Tests.Agent;

/// <summary>The checker's timing on a fake clock with a fake probe: Mesos's delay, interval, timeout, grace period and consecutive failures.</summary>
public sealed class HealthCheckerTests : IDisposable
{
    private static readonly TimeSpan Guard = TimeSpan.FromSeconds(10);
    private readonly FakeTimeProvider _time = new(DateTimeOffset.Parse("2030-01-01T00:00:00Z"));
    private readonly FakeHealthProbe _probe = new();
    private readonly Channel<HealthVerdict> _verdicts = Channel.CreateUnbounded<HealthVerdict>();
    private HealthChecker? _checker;

    private HealthChecker Start(HealthCheck check, bool liveness = true)
    {
        _checker = new HealthChecker(check, _probe, _time, stopWhenUnhealthy: liveness, v => _verdicts.Writer.TryWrite(v));
        _checker.Start();
        return _checker;
    }

    private static HealthCheck Check(double delay = 15, double interval = 10, double timeout = 20, int failures = 3, double grace = 0) => HealthCheck.Tcp() with
    {
        Delay = TimeSpan.FromSeconds(delay),
        Interval = TimeSpan.FromSeconds(interval),
        Timeout = TimeSpan.FromSeconds(timeout),
        ConsecutiveFailures = failures,
        GracePeriod = TimeSpan.FromSeconds(grace),
    };

    private void Advance(double seconds) => _time.Advance(TimeSpan.FromSeconds(seconds));

    private Task<HealthVerdict> NextVerdict() => _verdicts.Reader.ReadAsync().AsTask().WaitAsync(Guard);

    private bool NoVerdict() => !_verdicts.Reader.TryPeek(out _);

    public void Dispose() => _checker?.Dispose();

    [Fact]
    public void The_first_probe_comes_after_the_delay_then_one_every_interval()
    {
        Start(Check(delay: 15, interval: 10));
        Advance(14.999);
        _probe.Calls.Should().Be(0, "the delay has not passed");
        Advance(0.001);
        _probe.Calls.Should().Be(1);
        Advance(9.999);
        _probe.Calls.Should().Be(1);
        Advance(0.001);
        _probe.Calls.Should().Be(2);
        for (var i = 0; i < 3; i++) Advance(10); // A fake clock fires a timer once per move.
        _probe.Calls.Should().Be(5);
    }

    [Fact]
    public async Task The_first_result_and_each_change_are_reported_not_repeats()
    {
        Start(Check(delay: 1, interval: 1, failures: 1), liveness: false);
        Advance(1);
        (await NextVerdict()).Should().Be(new HealthVerdict(true, "fake probe: passed"));
        Advance(1);
        Advance(1);
        _probe.Calls.Should().Be(3);
        NoVerdict().Should().BeTrue("passing again changes nothing");

        _probe.Passes = false;
        Advance(1);
        (await NextVerdict()).Should().Be(new HealthVerdict(false, "fake probe: 503"));
        Advance(1);
        NoVerdict().Should().BeTrue();
        _probe.Passes = true;
        Advance(1);
        (await NextVerdict()).Healthy.Should().BeTrue();
    }

    [Fact]
    public async Task It_takes_consecutive_failures_in_a_row_and_a_pass_starts_the_count_again()
    {
        _probe.Passes = false;
        var checker = Start(Check(delay: 0, interval: 10, failures: 3), liveness: false);
        Advance(10);
        checker.Failures.Should().Be(2);
        NoVerdict().Should().BeTrue("two failures of three");
        _probe.Passes = true;
        Advance(10);
        (await NextVerdict()).Healthy.Should().BeTrue();
        checker.Failures.Should().Be(0);
        _probe.Passes = false;
        Advance(10);
        Advance(10);
        NoVerdict().Should().BeTrue();
        Advance(10);
        (await NextVerdict()).Should().Be(new HealthVerdict(false, "fake probe: 503"));
    }

    [Fact]
    public async Task Failures_inside_the_grace_period_do_not_count_until_a_probe_passed()
    {
        _probe.Passes = false;
        var checker = Start(Check(delay: 0, interval: 10, failures: 1, grace: 30));
        Advance(10);
        Advance(10);
        _probe.Calls.Should().Be(3);
        checker.Failures.Should().Be(0, "inside the grace period");
        NoVerdict().Should().BeTrue();
        Advance(10); // 30 s: the grace period is over.
        (await NextVerdict()).Healthy.Should().BeFalse();
    }

    [Fact]
    public async Task Once_a_probe_passed_failures_count_inside_the_grace_period()
    {
        Start(Check(delay: 0, interval: 1, failures: 1, grace: 60));
        (await NextVerdict()).Healthy.Should().BeTrue();
        _probe.Passes = false;
        Advance(1);
        (await NextVerdict()).Healthy.Should().BeFalse("a pass ends the grace period");
    }

    [Fact]
    public async Task A_probe_that_outlasts_the_timeout_fails()
    {
        var checker = Start(Check(delay: 1, interval: 10, timeout: 5, failures: 1));
        _probe.Passes = null;
        Advance(1);
        _probe.Calls.Should().Be(1);
        Advance(4.999);
        NoVerdict().Should().BeTrue("the timeout has not passed");
        Advance(0.001);
        var verdict = await NextVerdict();
        verdict.Healthy.Should().BeFalse();
        verdict.Message.Should().Be("fake probe timed out after 5 s");
        checker.Failures.Should().Be(1);
    }

    [Fact]
    public async Task The_next_probe_comes_an_interval_after_a_slow_one_ends()
    {
        _probe.Passes = null;
        var checker = Start(Check(delay: 0, interval: 10, timeout: 5, failures: 3), liveness: false);
        Advance(5); // Times out: the next one is due 10 s from now.
        SpinWait.SpinUntil(() => checker.Failures == 1, Guard).Should().BeTrue("the probe timed out");
        _probe.Passes = true;
        Advance(9.999);
        _probe.Calls.Should().Be(1);
        Advance(0.001);
        _probe.Calls.Should().Be(2);
        (await NextVerdict()).Healthy.Should().BeTrue();
    }

    [Fact]
    public async Task Liveness_stops_once_unhealthy_and_readiness_goes_on()
    {
        _probe.Passes = false;
        Start(Check(delay: 0, interval: 1, failures: 1), liveness: true);
        (await NextVerdict()).Healthy.Should().BeFalse();
        for (var i = 0; i < 10; i++) Advance(1);
        _probe.Calls.Should().Be(1, "an unhealthy task is being killed: no more probes");

        var readiness = new FakeHealthProbe { Passes = false };
        using var ready = new HealthChecker(Check(delay: 0, interval: 1, failures: 1), readiness, _time, stopWhenUnhealthy: false, _ => { });
        ready.Start();
        for (var i = 0; i < 10; i++) Advance(1);
        readiness.Calls.Should().Be(11, "readiness never stops for failures");
    }

    [Fact]
    public void Disposing_stops_the_probes()
    {
        var checker = Start(Check(delay: 0, interval: 1));
        Advance(1);
        checker.Dispose();
        for (var i = 0; i < 10; i++) Advance(1);
        _probe.Calls.Should().Be(2);
    }
}
