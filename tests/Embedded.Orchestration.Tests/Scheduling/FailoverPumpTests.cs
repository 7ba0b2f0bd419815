using Embedded.Orchestration.Model;
using Embedded.Orchestration.Scheduling;
using Microsoft.Extensions.Logging;
using Xunit.Abstractions;

namespace Embedded.Orchestration.Tests.Scheduling;

/// <summary>
/// A framework whose stream ended subscribes again under its id, with backoff while no master answers,
/// until one does, the host stops, or its failover timeout has passed. The clock is fake; the waits are the pump's own timers.
/// </summary>
public sealed class FailoverPumpTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Guard = TimeSpan.FromSeconds(30);
    private readonly WatchedTimeProvider _time = new();
    private readonly ILogger _logger = TestOutputLoggerProvider.Factory(output).CreateLogger("FailoverPump");

    [Fact]
    public async Task Retries_with_growing_capped_delays_until_the_master_answers_then_resubscribes_under_the_same_id()
    {
        var cluster = new FlakyCluster(failures: 7);
        var resubscribed = new TaskCompletionSource<SchedulerSession>(TaskCreationOptions.RunContinuationsAsynchronously);
        using var stopping = new CancellationTokenSource();
        var pump = Start(cluster, TimeSpan.FromHours(1), s => resubscribed.TrySetResult(s), stopping.Token);

        var delays = new List<TimeSpan>();
        (await NextAttempt(cluster)).FrameworkId.Should().Be("fw-1");
        for (var failed = 0; failed < 7; failed++)
        {
            var delay = await NextTimer();
            delays.Add(delay);
            _time.Advance(delay);
            (await NextAttempt(cluster)).Should().Match<FrameworkInfo>(f => f.FrameworkId == "fw-1" && f.Name == "jobs");
        }

        var session = await resubscribed.Task.WaitAsync(Guard);
        session.FrameworkId.Should().Be("fw-1");
        delays[0].Should().BeGreaterThan(FailoverPump.MinRetryDelay * 0.79).And.BeLessThanOrEqualTo(FailoverPump.MinRetryDelay);
        delays.Should().BeInAscendingOrder().And.OnlyContain(d => d <= FailoverPump.MaxRetryDelay);
        delays[^1].Should().BeGreaterThan(FailoverPump.MaxRetryDelay * 0.79, "the delays doubled up to the cap");

        await stopping.CancelAsync();
        cluster.EndStreams();
        await pump.WaitAsync(Guard);
    }

    [Fact]
    public async Task Gives_up_once_the_failover_timeout_has_passed_since_the_stream_ended()
    {
        var cluster = new FlakyCluster(failures: int.MaxValue);
        var failover = TimeSpan.FromSeconds(30);
        var start = _time.GetUtcNow();
        var pump = Start(cluster, failover, _ => throw new InvalidOperationException("no master answered"), CancellationToken.None);

        var attempts = 0;
        while (true)
        {
            await NextAttempt(cluster);
            attempts++;
            var timer = _time.Timers.ReadAsync().AsTask();
            if (await Task.WhenAny(pump, timer).WaitAsync(Guard) == pump) break;
            _time.Advance(await timer);
        }

        await pump;
        (_time.GetUtcNow() - start).Should().Be(failover, "the last delay is cut to what is left of the failover timeout");
        attempts.Should().BeGreaterThan(3);
    }

    [Fact]
    public async Task Stops_retrying_when_the_host_stops()
    {
        var cluster = new FlakyCluster(failures: int.MaxValue);
        using var stopping = new CancellationTokenSource();
        var pump = Start(cluster, TimeSpan.FromHours(1), _ => throw new InvalidOperationException("no master answered"), stopping.Token);
        await NextAttempt(cluster);
        await NextTimer();

        await stopping.CancelAsync();

        await pump.WaitAsync(Guard);
        cluster.Attempts.TryRead(out _).Should().BeFalse("no attempt follows the stop");
    }

    [Fact]
    public async Task A_master_that_refuses_the_framework_is_not_asked_again()
    {
        var cluster = new FlakyCluster(failures: int.MaxValue, refuse: true);
        var pump = Start(cluster, TimeSpan.FromHours(1), _ => throw new InvalidOperationException("the master refused"), CancellationToken.None);

        await NextAttempt(cluster);
        await pump.WaitAsync(Guard);
        cluster.Attempts.TryRead(out _).Should().BeFalse();
    }

    private Task Start(FlakyCluster cluster, TimeSpan failoverTimeout, Action<SchedulerSession> resubscribed, CancellationToken stopping)
    {
        var first = cluster.Session("fw-1");
        cluster.EndStreams(); // The master went away.
        return FailoverPump.RunAsync(cluster, first, new FrameworkInfo("jobs") { FailoverTimeout = failoverTimeout }, _ => { }, resubscribed,
            e => _logger.LogWarning(e, "stream failed"), _time, _logger, stopping);
    }

    private static Task<FrameworkInfo> NextAttempt(FlakyCluster cluster) => cluster.Attempts.ReadAsync().AsTask().WaitAsync(Guard);

    private Task<TimeSpan> NextTimer() => _time.Timers.ReadAsync().AsTask().WaitAsync(Guard);
}
