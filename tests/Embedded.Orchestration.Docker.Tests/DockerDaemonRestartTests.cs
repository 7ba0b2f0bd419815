using Embedded.Orchestration.Docker.Tests.Support;
using Embedded.Orchestration.Model;
using Xunit.Abstractions;
using TaskState = Embedded.Orchestration.Model.TaskState;

namespace Embedded.Orchestration.Docker.Tests;

/// <summary>
/// The Docker daemon restarts under a running agent. Real time: the executor waits for the engine on
/// its clock, and the engine takes real time to stop and start.
/// </summary>
[Collection(DockerDaemonCollection.Name)]
public sealed class DockerDaemonRestartTests(DockerFixture docker, ITestOutputHelper output) : RecoveryTest(docker, output), IClassFixture<DockerFixture>
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(90);

    [DockerRestartFact]
    public async Task A_daemon_restart_ends_running_tasks_with_a_clear_status_and_later_launches_work()
    {
        var agent = NewAgent("dockerd");
        await using var cluster = await StartAsync(agent, TimeProvider.System);
        var (session, events) = await cluster.SubscribeAsync(new FrameworkInfo("durable") { Checkpoint = true }, guard: Patience);
        await using var _ = session;

        // It exits at once on the SIGTERM that a stopping daemon sends (instead of after the daemon's 10 s stop timeout).
        await LaunchAsync(session, await events.NextOffer(), Task("running", "trap 'exit 143' TERM; echo started; sleep 300 & wait"));
        await events.NextUpdate("running", TaskState.Running);
        await WaitForOutputAsync(cluster, agent, "running", "started");

        try
        {
            await DockerDaemon.StopAsync();

            // While the engine is away a launch fails with a reason, and the agent keeps serving.
            await LaunchAsync(session, await events.NextOffer(), Task("meanwhile", "true"));
            var meanwhile = await EndOf(events, "meanwhile");
            meanwhile.State.Should().Be(TaskState.Failed, meanwhile.ToString());
            meanwhile.Reason.Should().Be(TaskReason.ContainerLaunchFailed);
            meanwhile.Message.Should().Contain("the Docker engine does not answer");
        }
        finally
        {
            await DockerDaemon.RestoreAsync();
        }

        var ended = await EndOf(events, "running");
        ended.State.Should().Be(TaskState.Failed, ended.ToString());
        ended.Reason.Should().Be(TaskReason.ExecutorTerminated);
        ended.Message.Should().Contain("while the Docker engine was unreachable");
        ended.Output!.Stdout.Should().Be("started\n");

        await LaunchAsync(session, await events.NextOffer(), Task("after", "echo engine is back"));
        var after = await EndOf(events, "after");
        after.State.Should().Be(TaskState.Finished, after.ToString());
        after.Output!.Stdout.Should().Be("engine is back\n");
        await AssertEveryTaskEndedAsync(cluster, events, agent);
    }

    [DockerRestartFact]
    public async Task A_container_that_survives_a_live_restore_daemon_restart_is_followed_on_to_its_real_end()
    {
        var agent = NewAgent("live");
        try
        {
            await DockerDaemon.RestartAsync(liveRestore: true);
            var logs = new LogCapture();
            Loggers.AddProvider(logs);
            await using var cluster = await StartAsync(agent, TimeProvider.System);
            var (session, events) = await cluster.SubscribeAsync(new FrameworkInfo("durable") { Checkpoint = true }, guard: Patience);
            await using var _ = session;
            await LaunchAsync(session, await events.NextOffer(), WaitingTask("survivor", "echo after >&2; echo after; exit 5"));
            await events.NextUpdate("survivor", TaskState.Running);
            await WaitForOutputAsync(cluster, agent, "survivor", "started");
            var before = await ContainerOfAsync(agent, "survivor");

            await DockerDaemon.RestartAsync(liveRestore: true);
            var after = await ContainerOfAsync(agent, "survivor");
            after.ID.Should().Be(before.ID);
            after.State.Should().Be("running", "live-restore keeps containers running while the daemon is away");

            // Ended only once the executor has seen it live through the outage; ended before, it would count as the engine's doing.
            await logs.WaitForAsync($"container {before.Names[0].TrimStart('/')} still runs", Patience);

            await SignalAsync("survivor");
            var ended = await EndOf(events, "survivor");
            ShouldEnd(ended, TaskState.Failed, TaskReason.None, 5, "exited with code 5");
            ended.Output!.Stdout.Should().Be("started\nafter\n", "the log followed again after the restart skips what was read before it");
            ended.Output.Stderr.Should().Be("after\n");
            (await File.ReadAllTextAsync(SandboxFile(cluster, agent, "survivor", "stdout"))).Should().Be("started\nafter\n");

            await LaunchAsync(session, await events.NextOffer(), Task("next", "echo engine is back"));
            (await EndOf(events, "next")).State.Should().Be(TaskState.Finished);
            await AssertEveryTaskEndedAsync(cluster, events, agent);
        }
        finally
        {
            await DockerDaemon.RestoreAsync();
        }
    }
}
