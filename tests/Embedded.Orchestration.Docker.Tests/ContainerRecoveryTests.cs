using Docker.DotNet.Models;
using Embedded.Orchestration.Agent;
using Embedded.Orchestration.Docker.Tests.Support;
using Embedded.Orchestration.Model;
using Microsoft.Extensions.Time.Testing;
using Xunit.Abstractions;
using TaskState = Embedded.Orchestration.Model.TaskState;

namespace Embedded.Orchestration.Docker.Tests;

/// <summary>
/// An agent that crashes mid-task and restarts on the same work directory, and containers that end
/// behind its back: containers outlive the agent, so recovery finds them by their labels.
/// </summary>
public sealed class ContainerRecoveryTests(DockerFixture docker, ITestOutputHelper output) : RecoveryTest(docker, output), IClassFixture<DockerFixture>
{
    private readonly FakeTimeProvider _time = new(DateTimeOffset.UtcNow);

    [DockerFact]
    public async Task A_container_still_running_after_a_crash_is_reattached_and_its_real_end_reported()
    {
        var agent = NewAgent("reattach");
        await using var cluster = await StartAsync(agent, _time);
        var (session, events) = await cluster.SubscribeAsync(new FrameworkInfo("durable") { Checkpoint = true });
        await using var _ = session;
        await LaunchAsync(session, await events.NextOffer(), WaitingTask("exits", "echo after; exit 5"), WaitingTask("killed", "sleep 300"));
        await events.NextUpdate("exits", TaskState.Running);
        await events.NextUpdate("killed", TaskState.Running);
        await WaitForOutputAsync(cluster, agent, "exits", "started");
        var before = await ContainerOfAsync(agent, "exits");

        await cluster.Agent(agent).CrashAsync();
        (await Docker.ContainersOfAsync(agent)).Should().HaveCount(2).And.OnlyContain(c => c.State == "running", "a crash kills nothing");
        await cluster.Agent(agent).RestartAsync();
        (await ContainerOfAsync(agent, "exits")).ID.Should().Be(before.ID, "the agent follows the same container again");

        await SignalAsync("exits");
        var exited = await events.NextUpdate("exits");
        ShouldEnd(exited, TaskState.Failed, TaskReason.None, 5, "exited with code 5");
        exited.Output!.Stdout.Should().Be("started\nafter\n", "the engine replays the whole log to the reattached task");
        (await File.ReadAllTextAsync(SandboxFile(cluster, agent, "exits", "stdout"))).Should().Be("started\nafter\n");

        await session.KillAsync("killed", TimeSpan.Zero);
        (await events.NextUpdate("killed", TaskState.Killing)).Should().NotBeNull();
        var killed = await events.NextUpdate("killed");
        killed.State.Should().Be(TaskState.Killed, killed.ToString());

        await AssertEveryTaskEndedAsync(cluster, events, agent);
    }

    [DockerFact]
    public async Task A_reattached_container_keeps_only_the_rest_of_its_max_completion_time()
    {
        var agent = NewAgent("deadline");
        await using var cluster = await StartAsync(agent, _time);
        var (session, events) = await cluster.SubscribeAsync(new FrameworkInfo("durable") { Checkpoint = true });
        await using var _ = session;
        await LaunchAsync(session, await events.NextOffer(), Task("slow", "sleep 300") with { MaxCompletionTime = TimeSpan.FromMinutes(1), KillGracePeriod = TimeSpan.Zero });
        await events.NextUpdate("slow", TaskState.Running);
        _time.Advance(TimeSpan.FromSeconds(40));

        await cluster.Agent(agent).CrashAsync();
        await cluster.Agent(agent).RestartAsync();
        await cluster.SettleAsync();
        _time.Advance(TimeSpan.FromSeconds(19));
        await cluster.SettleAsync();
        (await cluster.GetStateAsync()).Tasks.Should().ContainSingle("40 s before the crash and 19 s after are still inside the minute");

        _time.Advance(TimeSpan.FromSeconds(1));
        var ended = await events.NextUpdate("slow");
        while (ended.State == TaskState.Killing) ended = await events.NextUpdate("slow");
        ended.State.Should().Be(TaskState.Failed);
        ended.Reason.Should().Be(TaskReason.MaxCompletionTimeReached);
        await AssertEveryTaskEndedAsync(cluster, events, agent);
    }

    [DockerFact]
    public async Task Containers_that_ended_while_the_agent_was_down_are_reported_with_their_real_exit_status()
    {
        var agent = NewAgent("ended");
        await using var cluster = await StartAsync(agent, _time);
        var (session, events) = await cluster.SubscribeAsync(new FrameworkInfo("durable") { Checkpoint = true });
        await using var _ = session;
        await LaunchAsync(session, await events.NextOffer(),
            WaitingTask("zero", "echo done"),
            WaitingTask("three", "echo failing >&2; exit 3"),
            WaitingTask("oom", "x=$(head -c 100000000 /dev/zero | tr '\\0' a); echo survived", "cpus:0.1;mem:16"));
        foreach (var task in new[] { "zero", "three", "oom" })
        {
            await events.NextUpdate(task, TaskState.Running);
            await WaitForOutputAsync(cluster, agent, task, "started");
        }

        await cluster.Agent(agent).CrashAsync();
        foreach (var task in new[] { "zero", "three", "oom" }) await SignalAsync(task);
        await EventuallyAsync(async () => (await Docker.ContainersOfAsync(agent)).All(c => c.State == "exited"), "every container exits while the agent is down");
        await cluster.Agent(agent).RestartAsync();

        var zero = await events.NextUpdate("zero");
        ShouldEnd(zero, TaskState.Finished, TaskReason.None, 0, "while the agent was away");
        zero.Output!.Stdout.Should().Be("started\ndone\n");
        var three = await events.NextUpdate("three");
        ShouldEnd(three, TaskState.Failed, TaskReason.None, 3, "exited with code 3 (while the agent was away)");
        three.Output!.Stderr.Should().Be("failing\n");
        var oom = await events.NextUpdate("oom");
        ShouldEnd(oom, TaskState.Failed, TaskReason.ContainerLimitationMemory, 137, "memory limit of 16 MB");

        (await Docker.ContainersOfAsync(agent)).Should().BeEmpty("recovery removes the containers of tasks that ended");
        await AssertEveryTaskEndedAsync(cluster, events, agent);
    }

    [DockerFact]
    public async Task With_cleanup_recovery_a_container_still_running_is_removed_and_its_task_fails_with_AgentRestarted()
    {
        var agent = NewAgent("cleanup");
        await using var cluster = await StartAsync(agent, _time, AgentRecovery.Cleanup);
        var (session, events) = await cluster.SubscribeAsync(new FrameworkInfo("durable") { Checkpoint = true });
        await using var _ = session;
        await LaunchAsync(session, await events.NextOffer(), WaitingTask("t", "exit 0"));
        await events.NextUpdate("t", TaskState.Running);
        await WaitForOutputAsync(cluster, agent, "t", "started");

        await cluster.Agent(agent).CrashAsync();
        await cluster.Agent(agent).RestartAsync();
        (await Docker.ContainersOfAsync(agent)).Should().BeEmpty("cleanup kills and removes what still runs");

        var ended = await events.NextUpdate("t");
        ShouldEnd(ended, TaskState.Failed, TaskReason.AgentRestarted, 137, "recovery 'cleanup'");
        ended.Output!.Stdout.Should().Be("started\n");
        await AssertEveryTaskEndedAsync(cluster, events, agent);
    }

    [DockerFact]
    public async Task A_container_removed_while_the_agent_was_down_fails_its_task_as_gone()
    {
        var agent = NewAgent("vanished");
        await using var cluster = await StartAsync(agent, _time);
        var (session, events) = await cluster.SubscribeAsync(new FrameworkInfo("durable") { Checkpoint = true });
        await using var _ = session;
        await LaunchAsync(session, await events.NextOffer(), WaitingTask("t", "exit 0"));
        await events.NextUpdate("t", TaskState.Running);

        await cluster.Agent(agent).CrashAsync();
        var container = await ContainerOfAsync(agent, "t");
        await Docker.Client.Containers.RemoveContainerAsync(container.ID, new ContainerRemoveParameters { Force = true });
        await cluster.Agent(agent).RestartAsync();

        ShouldEnd(await events.NextUpdate("t"), TaskState.Failed, TaskReason.ExecutorTerminated, null, "the container is gone");
        await AssertEveryTaskEndedAsync(cluster, events, agent);
    }

    [DockerFact]
    public async Task A_container_killed_behind_the_agents_back_fails_with_a_reason_and_the_agent_keeps_serving()
    {
        var agent = NewAgent("killed");
        await using var cluster = await StartAsync(agent, _time);
        var (session, events) = await cluster.SubscribeAsync(new FrameworkInfo("durable") { Checkpoint = true });
        await using var _ = session;
        await LaunchAsync(session, await events.NextOffer(), WaitingTask("victim", "exit 0"));
        await events.NextUpdate("victim", TaskState.Running);

        var container = await ContainerOfAsync(agent, "victim");
        await Docker.Client.Containers.KillContainerAsync(container.ID, new ContainerKillParameters { Signal = "KILL" });
        ShouldEnd(await events.NextUpdate("victim"), TaskState.Failed, TaskReason.ExecutorTerminated, 137, "killed (SIGKILL, exit code 137) outside Embedded");

        await LaunchAsync(session, await events.NextOffer(), Task("next", "echo still serving"));
        var next = await events.NextUpdate("next", TaskState.Finished);
        next.Output!.Stdout.Should().Be("still serving\n");
        await AssertEveryTaskEndedAsync(cluster, events, agent);
    }
}
