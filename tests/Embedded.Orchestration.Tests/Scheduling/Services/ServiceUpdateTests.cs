using Embedded.Orchestration.Hosting;
using Embedded.Orchestration.Model;
using Embedded.Orchestration.Scheduling;
using Embedded.Orchestration.Scheduling.Services;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Xunit.Abstractions;
using static Embedded.Orchestration.Tests.Scheduling.Services.ServiceTesting;

namespace Embedded.Orchestration.Tests.Scheduling.Services;

/// <summary>
/// Rolling updates end to end on a fake clock. Every task change the master makes is watched, and at
/// every one the service has at least the count less MaxUnavailable RUNNING (healthy: no checks). At
/// every status from the agent it has at most the count plus MaxSurge launched and not being killed
/// (an instance being stopped does not hold a start-first update back), and without a surge (stop-first)
/// never more than the count launched and not ended. One agent, so that an old instance's TASK_KILLING
/// reaches the master before any status of the instance started in its place.
/// </summary>
public sealed class ServiceUpdateTests(ITestOutputHelper output)
{
    private readonly FakeTimeProvider _time = new(DateTimeOffset.Parse("2030-01-01T00:00:00Z"));

    [Theory]
    [InlineData(1, 0)]
    [InlineData(0, 1)]
    [InlineData(2, 1)]
    public async Task A_rolling_update_replaces_every_instance_within_the_strategy(int surge, int unavailable)
    {
        await using var cluster = await StartAsync(output, _time, agents: 1);
        var strategy = new UpdateStrategy { MaxSurge = surge, MaxUnavailable = unavailable, MinHealthyTime = TimeSpan.FromSeconds(10) };
        var v1 = ServiceSpec.Run("web", Forever()) with { Instances = 3, Update = strategy };
        await using var web = await cluster.Services.DeployAsync(v1);
        await cluster.HealthyAsync(web, _time);
        await using var watch = await TaskCountWatch.StartAsync(cluster);

        var update = web.UpdateAsync(v1.WithEnvironment("VERSION", "2"));
        await AdvanceUntil(cluster, () => update.IsCompleted);

        var result = await update;
        result.Should().Be(new ServiceUpdateResult(ServiceUpdateOutcome.Completed, 2, "every instance runs version 2"));
        web.Version.Should().Be(2);
        web.IsHealthy.Should().BeTrue();
        web.Instances.Should().HaveCount(3).And.OnlyContain(i => i.Version == 2 && i.Healthy);
        await watch.UntilAsync(w => w.Running == 3 && w.Present == 3);
        watch.MinRunning.Should().BeGreaterThanOrEqualTo(3 - unavailable, "never fewer healthy than the strategy allows");
        watch.MaxActive.Should().BeLessThanOrEqualTo(3 + surge, "never more than the surge above the count, but for those being killed");
        if (surge == 0) watch.MaxPresent.Should().BeLessThanOrEqualTo(3, "stop-first: a new instance starts once the old one has ended");
        watch.Launched.Should().Be(3, "each old instance was replaced once");
    }

    [Fact]
    public async Task An_update_that_never_gets_healthy_fails_at_its_deadline_and_reverts_to_the_last_healthy_spec()
    {
        await using var cluster = await StartAsync(output, _time);
        var strategy = new UpdateStrategy { MinHealthyTime = TimeSpan.FromSeconds(5), HealthyDeadline = TimeSpan.FromSeconds(30), AutoRevert = true };
        var v1 = ServiceSpec.Run("web", Forever()) with { Instances = 3, Update = strategy };
        await using var web = await cluster.Services.DeployAsync(v1);
        await cluster.HealthyAsync(web, _time);
        var originals = web.Instances.Select(i => i.InstanceId).ToList();
        await using var watch = await TaskCountWatch.StartAsync(cluster);

        var update = web.UpdateAsync(NeverReady(v1));
        await AdvanceUntil(cluster, () => update.IsCompleted);

        var result = await update;
        result.Outcome.Should().Be(ServiceUpdateOutcome.Reverted);
        result.Version.Should().Be(1);
        // The last version-2 instance may still be on its way out (a kill waits for the launch, on the fake clock).
        await AdvanceUntil(cluster, () => web.IsHealthy, seconds: 30);
        web.Version.Should().Be(1);
        web.Instances.Select(i => i.InstanceId).Should().Equal(originals, "the healthy instances were never killed");
        watch.MinRunning.Should().BeGreaterThanOrEqualTo(3);
        watch.MaxPresent.Should().BeLessThanOrEqualTo(4);
        _time.GetUtcNow().Should().BeOnOrAfter(DateTimeOffset.Parse("2030-01-01T00:00:30Z"));
    }

    [Fact]
    public async Task Without_auto_revert_a_stuck_update_is_reported_failed_and_the_old_instances_keep_serving()
    {
        await using var cluster = await StartAsync(output, _time);
        var strategy = new UpdateStrategy { MinHealthyTime = TimeSpan.FromSeconds(5), HealthyDeadline = TimeSpan.FromSeconds(30) };
        var v1 = ServiceSpec.Run("web", Forever()) with { Instances = 2, Update = strategy };
        await using var web = await cluster.Services.DeployAsync(v1);
        await cluster.HealthyAsync(web, _time);

        var update = web.UpdateAsync(NeverReady(v1));
        await AdvanceUntil(cluster, () => update.IsCompleted);

        (await update).Outcome.Should().Be(ServiceUpdateOutcome.Failed);
        web.Version.Should().Be(2);
        web.Endpoints.Where(e => e.InstanceId.StartsWith("web.1.")).Should().HaveCount(2, "the never-ready version 2 never replaced them");
    }

    /// <summary>
    /// A version that runs but is never ready (its readiness command fails). Not one that exits at once: on the fake
    /// clock its RUNNING could count for MinHealthyTime before its exit, which ends on its own thread, is seen.
    /// </summary>
    private static ServiceSpec NeverReady(ServiceSpec spec) => spec with { Body = Forever(), ReadinessCheck = HealthCheck.Shell("exit 1") };

    private async Task AdvanceUntil(MiniCluster cluster, Func<bool> done, int seconds = 180)
    {
        for (var i = 0; i < seconds && !done(); i++)
        {
            await cluster.UntilAsync(() => true, "settling");
            _time.Advance(TimeSpan.FromSeconds(1));
        }
        await cluster.UntilAsync(done, "the update to end, or the service to be healthy");
    }

    /// <summary>Follows the master's task changes of the service framework and keeps the extremes.</summary>
    private sealed class TaskCountWatch : IAsyncDisposable
    {
        private readonly Dictionary<string, TaskState> _states = [];
        private readonly CancellationTokenSource _stop = new();
        private readonly Lock _gate = new();
        private readonly string _framework;
        private Task _reading = Task.CompletedTask;

        private TaskCountWatch(string framework) => _framework = framework;

        public int Running { get; private set; }
        public int Present { get; private set; }
        public int MinRunning { get; private set; } = int.MaxValue;
        public int MaxPresent { get; private set; }
        public int MaxActive { get; private set; }
        public int Launched { get; private set; }

        public static async Task<TaskCountWatch> StartAsync(MiniCluster cluster)
        {
            var framework = cluster.ServiceProvider.GetRequiredService<ServiceScheduler>().FrameworkId!;
            var watch = new TaskCountWatch(framework);
            var subscribed = new TaskCompletionSource();
            watch._reading = watch.ReadAsync(cluster, subscribed);
            await subscribed.Task.WaitAsync(EventStream.DefaultGuard);
            return watch;
        }

        public async Task UntilAsync(Func<TaskCountWatch, bool> condition)
        {
            using var guard = new CancellationTokenSource(EventStream.DefaultGuard);
            while (true)
            {
                lock (_gate)
                    if (condition(this)) return;
                await Task.Delay(5, guard.Token);
            }
        }

        private async Task ReadAsync(MiniCluster cluster, TaskCompletionSource subscribed)
        {
            try
            {
                await foreach (var e in cluster.Client.WatchAsync(_stop.Token))
                    lock (_gate)
                    {
                        switch (e)
                        {
                            case ClusterSubscribed s:
                                foreach (var t in s.State.Tasks.Where(t => t.FrameworkId == _framework)) _states[t.TaskId] = t.State;
                                Count(initial: true);
                                subscribed.TrySetResult();
                                continue;
                            case TaskAdded a when a.Task.FrameworkId == _framework:
                                _states[a.Task.TaskId] = a.Task.State;
                                Launched++;
                                break;
                            case TaskUpdated u when u.FrameworkId == _framework:
                                _states[u.Status.TaskId] = u.Status.State;
                                MaxActive = Math.Max(MaxActive, _states.Values.Count(s => !s.IsTerminal() && s is not TaskState.Unreachable and not TaskState.Killing));
                                break;
                            default:
                                continue;
                        }
                        Count(initial: false);
                    }
            }
            catch (OperationCanceledException)
            {
            }
        }

        private void Count(bool initial)
        {
            Running = _states.Values.Count(s => s == TaskState.Running);
            Present = _states.Values.Count(s => !s.IsTerminal() && s != TaskState.Unreachable);
            MinRunning = Math.Min(MinRunning, Running);
            MaxPresent = Math.Max(MaxPresent, Present);
            if (initial) Launched = 0;
        }

        public async ValueTask DisposeAsync()
        {
            await _stop.CancelAsync();
            await _reading;
        }
    }
}
