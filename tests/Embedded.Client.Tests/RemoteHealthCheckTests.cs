using Embedded.Orchestration.Model;
using Embedded.Orchestration.Scheduling;
using Xunit.Abstractions;

namespace Embedded.Client.Tests;

/// <summary>A remote framework's health checks go over Mesos's JSON (health_check) and come back in its statuses (healthy).</summary>
public sealed class RemoteHealthCheckTests(ITestOutputHelper output)
{
    private static HealthCheck Fast(HealthCheck check) => check with
    {
        Delay = TimeSpan.Zero,
        Interval = TimeSpan.FromMilliseconds(100),
        ConsecutiveFailures = 2,
        GracePeriod = TimeSpan.Zero,
    };

    [LinuxFact]
    public async Task A_remote_task_is_checked_reported_healthy_then_killed_when_its_check_fails()
    {
        await using var server = await ClusterApiHost.StartAsync(output);
        await using var remote = await RemoteHost.StartAsync(server.Address, output, o => o.Jobs.Enabled = false);
        await using var session = await remote.Client.SubscribeAsync(new FrameworkInfo("remote-health"));
        var events = new EventStream(session);
        var offer = (await events.Next<OffersEvent>()).Offers[0];

        await session.LaunchAsync(offer, [TestTasks.Shell("h1", "touch up && exec sleep 1000", offer.AgentId) with
        {
            HealthCheck = Fast(HealthCheck.Shell("test -f up && rm up")),
            KillGracePeriod = TimeSpan.Zero,
        }]);

        var healthy = await events.Next<UpdateEvent>(u => u.Status.TaskId == "h1" && u.Status.Healthy == true);
        healthy.Status.State.Should().Be(TaskState.Running);
        healthy.Status.Reason.Should().Be(TaskReason.TaskHealthCheckStatusUpdated);
        healthy.Status.Message.Should().Be("command 'test -f up && rm up' exited 0");
        var unhealthy = await events.Next<UpdateEvent>(u => u.Status.TaskId == "h1" && u.Status.Healthy == false);
        unhealthy.Status.Message.Should().Be("command 'test -f up && rm up' exited 1");
        var killed = await events.Next<UpdateEvent>(u => u.Status.TaskId == "h1" && u.Status.State == TaskState.Killed);
        killed.Status.Healthy.Should().BeFalse();
        killed.Status.Message.Should().Contain("health check failed 2 times in a row");
        // Mesos has no reason for it (its executors send TASK_KILLED with healthy false and none); in-process it is TaskUnhealthy.
        (await server.Cluster.GetStateAsync()).CompletedTasks.Should().ContainSingle(t => t.TaskId == "h1")
            .Which.LastStatus!.Reason.Should().Be(TaskReason.TaskUnhealthy);
    }

    [Fact]
    public async Task A_readiness_check_is_not_carried_by_Mesos_JSON()
    {
        await using var server = await ClusterApiHost.StartAsync(output);
        await using var remote = await RemoteHost.StartAsync(server.Address, output, o => o.Jobs.Enabled = false);
        await using var session = await remote.Client.SubscribeAsync(new FrameworkInfo("remote-ready"));
        var task = TestTasks.Shell("r1", "sleep 1", "agent-1") with { ReadinessCheck = HealthCheck.Shell("true") };
        await FluentActions.Awaiting(() => session.AcceptAsync(["any"], [new LaunchOperation([task])]))
            .Should().ThrowAsync<NotSupportedException>().WithMessage("*readiness check*");
    }
}
