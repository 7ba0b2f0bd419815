using Embedded.Orchestration.Docker.Tests.Support;
using Embedded.Orchestration.Hosting;
using Embedded.Orchestration.Model;
using Embedded.Orchestration.Scheduling;
using Xunit.Abstractions;

namespace Embedded.Orchestration.Docker.Tests;

/// <summary>
/// Health checks of containers: HTTP against busybox httpd on the mapped host port (by its mapping's
/// name), and commands run inside the container through the engine's exec API. Short intervals on the
/// real clock; every wait is for an event under a guard.
/// </summary>
public sealed class ContainerHealthCheckTests(DockerFixture docker, ITestOutputHelper output) : DockerTest(docker, output), IClassFixture<DockerFixture>
{
    private static HealthCheck Fast(HealthCheck check, double grace = 30) => check with
    {
        Delay = TimeSpan.Zero,
        Interval = TimeSpan.FromMilliseconds(200),
        Timeout = TimeSpan.FromSeconds(10),
        ConsecutiveFailures = 1,
        GracePeriod = TimeSpan.FromSeconds(grace), // Covers httpd's start.
    };

    private static TaskInfo Container(string id, string script, int hostPort, HealthCheck? health = null, HealthCheck? readiness = null) =>
        new(id, id, "", Resources.Parse($"cpus:0.5;mem:64;ports:[{hostPort}-{hostPort}]"))
        {
            Container = new ContainerSpec(DockerFixture.TestImage)
            {
                Command = ["sh", "-c", script],
                Environment = System.Collections.Immutable.ImmutableDictionary<string, string>.Empty.Add("GREETING", "hi"),
                PortMappings = [new PortMapping(8080, hostPort) { Name = "web" }],
            },
            HealthCheck = health,
            ReadinessCheck = readiness,
            KillGracePeriod = TimeSpan.Zero,
        };

    private static async Task<StatusUpdate> NextCheck(EventStream events, string taskId, Func<StatusUpdate, bool> match) =>
        (await events.Next<UpdateEvent>(u => u.Status.TaskId == taskId && u.Status.Reason == TaskReason.TaskHealthCheckStatusUpdated && match(u.Status),
            $"health update of {taskId}")).Status;

    private async Task<(MiniCluster, SchedulerSession, EventStream, int)> StartAsync(string hint)
    {
        var port = LoopbackPort.Free();
        var agent = NewAgent(hint);
        var cluster = await MiniCluster.StartAsync(0, o =>
        {
            o.Jobs.Enabled = false;
            o.AddAgent(agent, $"cpus:2;mem:1024;disk:1024;ports:[{port}-{port}]").UseDocker();
        }, loggerFactory: Loggers);
        var (session, events) = await cluster.SubscribeAsync(new FrameworkInfo("health"), guard: Guard);
        return (cluster, session, events, port);
    }

    [DockerFact]
    public async Task An_HTTP_check_reaches_busybox_httpd_on_the_mapped_host_port_and_a_404_kills_it()
    {
        var (cluster, session, events, port) = await StartAsync("hhttp");
        await using var _ = cluster;
        await using var __ = session;
        await session.LaunchAsync(await events.NextOffer(), [Container("web",
            "mkdir -p /www && echo ok > /www/health && exec httpd -f -p 8080 -h /www", port,
            health: Fast(HealthCheck.Http("/health") with { PortName = "web" }),
            readiness: Fast(HealthCheck.Http("/health")))]);

        (await NextCheck(events, "web", s => s.Healthy == true)).Message.Should().Be($"HTTP GET http://127.0.0.1:{port}/health: 200");
        (await NextCheck(events, "web", s => s.Ready == true)).Message.Should().Be($"HTTP GET http://127.0.0.1:{port}/health: 200", "readiness by port index reaches the same port");
        await session.KillAsync("web");
        (await events.NextUpdate("web", TaskState.Killed)).Healthy.Should().BeTrue();

        // A path it does not serve: 404, unhealthy, killed.
        await session.ReviveAsync();
        await session.LaunchAsync(await events.NextOffer(), [Container("web-404",
            "mkdir -p /www && exec httpd -f -p 8080 -h /www", port, health: Fast(HealthCheck.Http("/health"), grace: 0) with { ConsecutiveFailures = 3 })]);
        var killed = await events.NextUpdate("web-404", TaskState.Killed);
        killed.Reason.Should().Be(TaskReason.TaskUnhealthy);
        killed.Healthy.Should().BeFalse();
        killed.Message.Should().Contain("health check failed 3 times in a row");
    }

    [DockerFact]
    public async Task A_command_check_runs_inside_the_container_through_exec()
    {
        var (cluster, session, events, port) = await StartAsync("hcmd");
        await using var _ = cluster;
        await using var __ = session;
        await session.LaunchAsync(await events.NextOffer(), [Container("cmd", "touch /tmp/inside && exec sleep 1000", port,
            health: Fast(HealthCheck.Shell("test -f /tmp/inside && test \"$GREETING\" = hi")),
            readiness: Fast(HealthCheck.Shell("exit 4"), grace: 0))]);

        (await NextCheck(events, "cmd", s => s.Healthy == true)).Message.Should().EndWith(" exited 0");
        (await NextCheck(events, "cmd", s => s.Ready == false)).Message.Should().Be("command 'exit 4' in the container exited 4");
        await session.KillAsync("cmd");
        await events.NextUpdate("cmd", TaskState.Killed);
    }

    [DockerFact]
    public async Task A_command_check_that_times_out_is_killed_inside_the_container()
    {
        var (cluster, session, events, port) = await StartAsync("hslow");
        await using var _ = cluster;
        await using var __ = session;
        // Readiness hangs and times out at 0.3 s, then waits 5 s; liveness, from 1 s on, passes only once no hung check is left.
        await session.LaunchAsync(await events.NextOffer(), [Container("slow", "exec sleep 1000", port,
            health: Fast(HealthCheck.Shell("! ps | grep -q '[s]leep 777'")) with { Delay = TimeSpan.FromSeconds(1), ConsecutiveFailures = 1000 },
            readiness: Fast(HealthCheck.Shell("sleep 777"), grace: 0) with { Timeout = TimeSpan.FromMilliseconds(300), Interval = TimeSpan.FromSeconds(5) })]);

        (await NextCheck(events, "slow", s => s.Ready == false)).Message.Should().Be("command 'sleep 777' in the container timed out after 0.3 s");
        (await NextCheck(events, "slow", s => s.Healthy == true)).Message.Should().EndWith(" exited 0", "the check that timed out was killed");
        await session.KillAsync("slow");
        await events.NextUpdate("slow", TaskState.Killed);
    }
}
