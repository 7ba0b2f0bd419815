using Embedded.Orchestration.Hosting;
using Embedded.Orchestration.Model;
using Embedded.Orchestration.Scheduling;
using Microsoft.Extensions.Time.Testing;
using Xunit.Abstractions;
using static Embedded.Testing.TestTasks;

namespace Embedded.Orchestration.Tests.Agent;

/// <summary>
/// The agent's side of health checks on a fake clock with a fake probe: each change of health is a
/// RUNNING update (TaskHealthCheckStatusUpdated) through the master; a failing liveness check kills the
/// task (KILLED, TaskUnhealthy); a failing readiness check never does; later updates carry the last word.
/// </summary>
public sealed class AgentHealthCheckTests(ITestOutputHelper output)
{
    private readonly FakeTimeProvider _time = new(DateTimeOffset.Parse("2030-01-01T00:00:00Z"));
    private readonly FakeHealthProbe _liveness = new();
    private readonly FakeHealthProbe _readiness = new();

    private static readonly HealthCheck Check = HealthCheck.Tcp() with
    {
        Delay = TimeSpan.FromSeconds(1),
        Interval = TimeSpan.FromSeconds(1),
        GracePeriod = TimeSpan.Zero,
        ConsecutiveFailures = 2,
    };

    private Task<MiniCluster> Start() =>
        TestCluster.StartAsync(output, _time, configure: o =>
        {
            var agent = o.AddAgent("agent-1", TestCluster.AgentResources);
            agent.HealthProbes = (check, target) => ReferenceEquals(check, target.Task.ReadinessCheck) ? _readiness : _liveness;
        });

    private static TaskInfo Checked(string id, HealthCheck? health = null, HealthCheck? readiness = null) =>
        Shell(id, "sleep 1000", resources: "cpus:0.1;mem:32;ports:[31005-31005]") with { HealthCheck = health, ReadinessCheck = readiness, KillGracePeriod = TimeSpan.Zero };

    private static Task<StatusUpdate> NextHealthUpdate(EventStream events, string taskId) =>
        events.Next<UpdateEvent>(u => u.Status.TaskId == taskId && u.Status.Reason == TaskReason.TaskHealthCheckStatusUpdated, $"health update of {taskId}")
            .ContinueWith(t => t.Result.Status, TaskScheduler.Default);

    [LinuxFact]
    public async Task A_failing_liveness_check_reports_unhealthy_then_the_task_ends_KILLED_TaskUnhealthy()
    {
        await using var cluster = await Start();
        var (session, events) = await cluster.SubscribeAsync(new FrameworkInfo("health"));
        await using var _ = session;
        await session.LaunchAsync(await events.NextOffer(), [Checked("web", health: Check)]);
        (await events.NextUpdate("web", TaskState.Running)).Healthy.Should().BeNull("nothing was checked yet");

        await cluster.AdvanceAsync(_time, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1));
        var healthy = await NextHealthUpdate(events, "web");
        healthy.State.Should().Be(TaskState.Running);
        healthy.Healthy.Should().BeTrue();
        healthy.Message.Should().Be("fake probe: passed");

        _liveness.Passes = false;
        await cluster.AdvanceAsync(_time, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1));
        (await cluster.GetStateAsync()).Tasks.Should().Contain(t => t.TaskId == "web" && t.State == TaskState.Running, "one failure of two");
        await cluster.AdvanceAsync(_time, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1));
        var unhealthy = await NextHealthUpdate(events, "web");
        unhealthy.State.Should().Be(TaskState.Running);
        unhealthy.Healthy.Should().BeFalse();
        unhealthy.Message.Should().Be("fake probe: 503");

        var killed = await events.NextUpdate("web", TaskState.Killed);
        killed.Reason.Should().Be(TaskReason.TaskUnhealthy);
        killed.Healthy.Should().BeFalse();
        killed.Message.Should().Contain("health check failed 2 times in a row").And.Contain("fake probe: 503");
        var calls = _liveness.Calls;
        await cluster.AdvanceAsync(_time, TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(1));
        _liveness.Calls.Should().Be(calls, "the checker stops with the task");
    }

    [LinuxFact]
    public async Task A_failing_readiness_check_is_reported_in_Ready_and_never_kills()
    {
        await using var cluster = await Start();
        var (session, events) = await cluster.SubscribeAsync(new FrameworkInfo("health"));
        await using var _ = session;
        _readiness.Passes = false;
        await session.LaunchAsync(await events.NextOffer(), [Checked("web", health: Check, readiness: Check with { })]);
        await events.NextUpdate("web", TaskState.Running);

        await cluster.AdvanceAsync(_time, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1));
        var healthy = await NextHealthUpdate(events, "web");
        healthy.Healthy.Should().BeTrue();
        healthy.Ready.Should().BeNull("one readiness failure of two says nothing yet");
        await cluster.AdvanceAsync(_time, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1));
        var notReady = await NextHealthUpdate(events, "web");
        notReady.Ready.Should().BeFalse();
        notReady.Healthy.Should().BeTrue("each update carries the latest word of both checks");

        await cluster.AdvanceAsync(_time, TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(1));
        (await cluster.GetStateAsync()).Tasks.Should().Contain(t => t.TaskId == "web" && t.State == TaskState.Running, "readiness never kills");
        _readiness.Passes = true;
        await cluster.AdvanceAsync(_time, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1));
        (await NextHealthUpdate(events, "web")).Ready.Should().BeTrue();

        await session.KillAsync("web");
        var killed = await events.NextUpdate("web", TaskState.Killed);
        killed.Reason.Should().NotBe(TaskReason.TaskUnhealthy);
        killed.Healthy.Should().BeTrue("later updates of a checked task carry its latest health");
        killed.Ready.Should().BeTrue();
    }

    [LinuxFact]
    public async Task A_task_reattached_by_a_restarted_agent_is_checked_again()
    {
        await using var cluster = await Start();
        var (session, events) = await cluster.SubscribeAsync(new FrameworkInfo("durable") { Checkpoint = true });
        await using var _ = session;
        await session.LaunchAsync(await events.NextOffer(), [Checked("web", health: Check)]);
        await events.NextUpdate("web", TaskState.Running);
        await cluster.AdvanceAsync(_time, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1));
        (await NextHealthUpdate(events, "web")).Healthy.Should().BeTrue();

        await cluster.Agent("agent-1").CrashAsync();
        var calls = _liveness.Calls;
        await cluster.Agent("agent-1").RestartAsync();
        await cluster.AdvanceAsync(_time, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1));
        _liveness.Calls.Should().BeGreaterThan(calls, "the restarted agent checks what it reattached");
        (await NextHealthUpdate(events, "web")).Healthy.Should().BeTrue("its checks start over: the first result is reported again");

        _liveness.Passes = false;
        await cluster.AdvanceAsync(_time, TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(1));
        (await events.NextUpdate("web", TaskState.Killed)).Reason.Should().Be(TaskReason.TaskUnhealthy);
    }
}
