using System.Collections.Immutable;
using Embedded.Orchestration.Execution;
using Embedded.Orchestration.Hosting;
using Embedded.Orchestration.Model;
using Embedded.Orchestration.Scheduling;
using Microsoft.Extensions.DependencyInjection;
using Xunit.Abstractions;

namespace Embedded.Orchestration.Tests.Agent;

/// <summary>
/// Real probes against process tasks on the real clock: HTTP against busybox httpd, TCP connects
/// accepted and refused, commands in the sandbox with the task's environment. Short intervals; every
/// wait is for an event, under the event stream's guard.
/// </summary>
public sealed class RealHealthCheckTests(ITestOutputHelper output)
{
    private readonly int _port = LoopbackPort.Free();

    private static HealthCheck Fast(HealthCheck check, int failures = 1, double grace = 0) => check with
    {
        Delay = TimeSpan.Zero,
        Interval = TimeSpan.FromMilliseconds(100),
        Timeout = TimeSpan.FromSeconds(5),
        ConsecutiveFailures = failures,
        GracePeriod = TimeSpan.FromSeconds(grace),
    };

    private async Task<(MiniCluster Cluster, SchedulerSession Session, EventStream Events)> StartAsync()
    {
        var cluster = await MiniCluster.StartAsync(1, o =>
        {
            o.Jobs.Enabled = false;
            o.AddAgent("agent-1", $"cpus:4;mem:4096;ports:[{_port}-{_port}]");
        }, loggerFactory: TestOutputLoggerProvider.Factory(output));
        var (session, events) = await cluster.SubscribeAsync(new FrameworkInfo("health"));
        return (cluster, session, events);
    }

    private TaskInfo ProcessTask(string id, string command, HealthCheck? health = null, HealthCheck? readiness = null) =>
        new(id, id, "", Resources.Parse($"cpus:0.1;mem:32;ports:[{_port}-{_port}]"))
        {
            Command = new CommandSpec(command) { Environment = ImmutableDictionary<string, string>.Empty.Add("PORT0", $"{_port}").Add("GREETING", "hi") },
            HealthCheck = health,
            ReadinessCheck = readiness,
            KillGracePeriod = TimeSpan.Zero,
        };

    private const string Httpd = "mkdir -p www && echo ok > www/health && exec busybox httpd -f -p 127.0.0.1:$PORT0 -h www";

    private static async Task<StatusUpdate> NextCheck(EventStream events, string taskId, Func<StatusUpdate, bool> match) =>
        (await events.Next<UpdateEvent>(u => u.Status.TaskId == taskId && u.Status.Reason == TaskReason.TaskHealthCheckStatusUpdated && match(u.Status),
            $"health update of {taskId}")).Status;

    [LinuxFact]
    public async Task An_HTTP_check_against_busybox_httpd_passes_on_200_and_fails_on_404()
    {
        Executables.Find("busybox").Should().NotBeNull("busybox (the busybox-static package) serves HTTP here");
        var (cluster, session, events) = await StartAsync();
        await using var _ = cluster;
        await using var __ = session;
        // The server needs a moment to listen: the grace period covers it.
        await session.LaunchAsync(await events.NextOffer(), [ProcessTask("web", Httpd,
            health: Fast(HealthCheck.Http("/health"), grace: 30),
            readiness: Fast(HealthCheck.Http("/missing"), grace: 0))]);

        var healthy = await NextCheck(events, "web", s => s.Healthy == true);
        healthy.State.Should().Be(TaskState.Running);
        healthy.Message.Should().Be($"HTTP GET http://127.0.0.1:{_port}/health: 200");
        var notReady = await NextCheck(events, "web", s => s.Ready == false);
        notReady.Message.Should().Contain($"HTTP GET http://127.0.0.1:{_port}/missing");
        (await cluster.GetStateAsync()).Tasks.Should().Contain(t => t.TaskId == "web" && t.State == TaskState.Running);
    }

    [LinuxFact]
    public async Task A_TCP_check_passes_on_a_listening_port()
    {
        Executables.Find("busybox").Should().NotBeNull("busybox (the busybox-static package) serves HTTP here");
        var (cluster, session, events) = await StartAsync();
        await using var _ = cluster;
        await using var __ = session;
        await session.LaunchAsync(await events.NextOffer(), [ProcessTask("web", Httpd, readiness: Fast(HealthCheck.Tcp(), failures: 1000))]);

        (await NextCheck(events, "web", s => s.Ready == true)).Message.Should().Be($"TCP connect to 127.0.0.1:{_port} accepted");
    }

    [LinuxFact]
    public async Task A_refused_TCP_liveness_check_kills_the_task_as_unhealthy()
    {
        var (cluster, session, events) = await StartAsync();
        await using var _ = cluster;
        await using var __ = session;
        await session.LaunchAsync(await events.NextOffer(), [ProcessTask("idle", "exec sleep 1000", health: Fast(HealthCheck.Tcp(), failures: 2))]);

        var unhealthy = await NextCheck(events, "idle", s => s.Healthy == false);
        unhealthy.Message.Should().Be($"TCP connect to 127.0.0.1:{_port} refused");
        var killed = await events.NextUpdate("idle", TaskState.Killed);
        killed.Reason.Should().Be(TaskReason.TaskUnhealthy);
        killed.Healthy.Should().BeFalse();
        killed.Message.Should().Be($"killed as unhealthy: its health check failed 2 times in a row; last: TCP connect to 127.0.0.1:{_port} refused");
    }

    [LinuxFact]
    public async Task Command_checks_run_in_the_sandbox_with_the_task_environment()
    {
        var (cluster, session, events) = await StartAsync();
        await using var _ = cluster;
        await using var __ = session;
        await session.LaunchAsync(await events.NextOffer(), [ProcessTask("cmd", "touch marker && exec sleep 1000",
            health: Fast(HealthCheck.Shell("test \"$GREETING\" = hi && test -f marker && test \"$EMBEDDED_TASK_ID\" = cmd"), grace: 30),
            readiness: Fast(HealthCheck.Shell("exit 3")))]);

        (await NextCheck(events, "cmd", s => s.Healthy == true)).Message.Should().StartWith("command 'test \"$GREETING\" = hi").And.EndWith(" exited 0");
        (await NextCheck(events, "cmd", s => s.Ready == false)).Message.Should().Be("command 'exit 3' exited 3");
    }

    [LinuxFact]
    public async Task A_command_that_outlasts_the_timeout_fails_and_is_killed()
    {
        var (cluster, session, events) = await StartAsync();
        await using var _ = cluster;
        await using var __ = session;
        await session.LaunchAsync(await events.NextOffer(), [ProcessTask("slow", "exec sleep 1000",
            readiness: Fast(HealthCheck.Shell("echo $$ >> probe.pids; exec sleep 1000")) with { Timeout = TimeSpan.FromMilliseconds(300) })]);

        (await NextCheck(events, "slow", s => s.Ready == false)).Message.Should().Be("command 'echo $$ >> probe.pids; exec sleep 1000' timed out after 0.3 s");
        var sandbox = Directory.EnumerateFiles(cluster.Agent("agent-1").WorkDirectory, "probe.pids", SearchOption.AllDirectories).Single();
        // The first probe's: later ones may still run.
        var pid = int.Parse(File.ReadLines(sandbox).First(), System.Globalization.CultureInfo.InvariantCulture);
        // Killed when it timed out: gone soon after (polled under a guard, as nothing tells of another process's end).
        var guard = System.Diagnostics.Stopwatch.StartNew();
        while (Directory.Exists($"/proc/{pid}") && guard.Elapsed < EventStream.DefaultGuard) await Task.Delay(20);
        Directory.Exists($"/proc/{pid}").Should().BeFalse("a check that times out is killed");
    }

    [LinuxFact]
    public async Task A_command_check_of_a_delegate_task_runs_as_a_process_in_its_sandbox()
    {
        var (cluster, session, events) = await StartAsync();
        await using var _ = cluster;
        await using var __ = session;
        cluster.ServiceProvider.GetRequiredService<DelegateRegistry>().Register("serve", async (ctx, ct) =>
        {
            await Task.Delay(Timeout.Infinite, ct);
            return 0;
        });
        var task = new TaskInfo("d", "d", "", Resources.Parse("cpus:0.1;mem:32"))
        {
            Delegate = "serve",
            HealthCheck = Fast(HealthCheck.Shell("test \"$EMBEDDED_SANDBOX\" = \"$(pwd)\" && test \"$EMBEDDED_TASK_ID\" = d")),
        };
        await session.LaunchAsync(await events.NextOffer(), [task]);

        (await NextCheck(events, "d", s => s.Healthy != null)).Healthy.Should().BeTrue("the command runs in the sandbox, with its variables");
        await session.KillAsync("d");
        (await events.NextUpdate("d", TaskState.Killed)).Healthy.Should().BeTrue();
    }
}
