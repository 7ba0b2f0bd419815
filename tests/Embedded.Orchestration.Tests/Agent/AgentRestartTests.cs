using Embedded.Orchestration.Agent;
using Embedded.Orchestration.Execution;
using Embedded.Orchestration.Hosting;
using Embedded.Orchestration.Model;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Xunit.Abstractions;
using static Embedded.Orchestration.Tests.Master.SchedulerApiTests;
using static Embedded.Testing.TestTasks;

namespace Embedded.Orchestration.Tests.Agent;

/// <summary>
/// An agent that crashes and starts again on the same work directory: every task the framework
/// launched ends in a state the framework is told, no status update is lost, nothing is left running.
/// </summary>
public sealed class AgentRestartTests(ITestOutputHelper output)
{
    private readonly FakeTimeProvider _time = new(DateTimeOffset.Parse("2030-01-01T00:00:00Z"));

    private Task<MiniCluster> Start() => TestCluster.StartAsync(output, _time, agents: 1);

    [LinuxFact]
    public async Task A_process_task_left_running_by_a_crash_is_reattached_and_its_real_end_reported()
    {
        await using var cluster = await Start();
        var marker = Path.Combine(Path.GetTempPath(), "embedded-go-" + Guid.NewGuid().ToString("N"));
        var (session, events) = await cluster.SubscribeAsync(new FrameworkInfo("durable") { Checkpoint = true });
        await using var _ = session;
        await session.LaunchAsync(await events.NextOffer(), [Shell("t", $"echo $$; while [ ! -f {marker} ]; do sleep 0.05; done; echo done; exit 4")]);
        await events.NextUpdate("t", TaskState.Running);
        var pid = int.Parse((await WaitForOutput(cluster.Agent("agent-1"), "t", "\n")).Trim());

        await cluster.Agent("agent-1").CrashAsync();
        ProcessIsAlive(pid).Should().BeTrue("a crash kills nothing");
        await cluster.Agent("agent-1").RestartAsync();
        await cluster.SettleAsync();
        (await cluster.GetStateAsync()).Tasks.Should().ContainSingle().Which.State.Should().Be(TaskState.Running);
        ProcessIsAlive(pid).Should().BeTrue("the restarted agent reattached to it");

        await File.WriteAllTextAsync(marker, "");
        var ended = await events.NextUpdate("t");
        File.Delete(marker);
        ended.State.Should().Be(TaskState.Failed);
        ended.ExitCode.Should().Be(4);
        ended.Output!.Stdout.Should().Be($"{pid}\ndone\n");
        await cluster.SettleAsync();
        var state = await cluster.GetStateAsync();
        state.Tasks.Should().BeEmpty();
        state.Agents.Should().ContainSingle().Which.Reachable.Should().BeTrue();
    }

    [LinuxFact]
    public async Task With_cleanup_recovery_a_process_task_left_by_a_crash_is_killed_and_reported()
    {
        await using var cluster = await TestCluster.StartAsync(output, _time, agents: 1, configure: o => o.AddAgent("agent-1", TestCluster.AgentResources).Recovery = AgentRecovery.Cleanup);
        var (session, events) = await cluster.SubscribeAsync(new FrameworkInfo("durable") { Checkpoint = true });
        await using var _ = session;
        await session.LaunchAsync(await events.NextOffer(), [Shell("t", "echo $$; sleep 1000")]);
        await events.NextUpdate("t", TaskState.Running);
        var pid = int.Parse((await WaitForOutput(cluster.Agent("agent-1"), "t", "\n")).Trim());

        await cluster.Agent("agent-1").CrashAsync();
        await cluster.Agent("agent-1").RestartAsync();

        var ended = await events.NextUpdate("t");
        ended.State.Should().Be(TaskState.Failed);
        ended.Reason.Should().Be(TaskReason.AgentRestarted);
        await WaitUntil(() => !ProcessIsAlive(pid), $"process {pid} to be killed");
    }

    [LinuxFact]
    public async Task Unacknowledged_updates_survive_a_crash_and_come_in_order_with_their_ids()
    {
        await using var cluster = await Start();
        var (session, events) = await cluster.SubscribeAsync(new FrameworkInfo("durable") { Checkpoint = true }, autoAcknowledge: false);
        await using var _ = session;
        await session.LaunchAsync(await events.NextOffer(), [Shell("t", "echo started; sleep 1000")]);
        var starting = await events.NextUpdate("t", TaskState.Starting);
        await WaitForOutput(cluster.Agent("agent-1"), "t", "started");
        await cluster.SettleAsync(); // RUNNING is now checkpointed, queued behind the unacknowledged STARTING.

        await cluster.Agent("agent-1").CrashAsync();
        await cluster.Agent("agent-1").RestartAsync();

        var again = await events.NextUpdate("t");
        again.Uuid.Should().Be(starting.Uuid, "the same update is sent again, not a new one");
        again.State.Should().Be(TaskState.Starting);
        await session.AcknowledgeAsync(again);
        var running = await events.NextUpdate("t");
        running.State.Should().Be(TaskState.Running);
        await session.AcknowledgeAsync(running);
        // The task ran on through the crash; the restarted agent reattached to it.
        await session.KillAsync("t");
        var killing = await events.NextUpdate("t");
        killing.State.Should().Be(TaskState.Killing);
        await session.AcknowledgeAsync(killing);
        var ended = await events.NextUpdate("t");
        ended.State.Should().Be(TaskState.Killed);
        await session.AcknowledgeAsync(ended);
        await cluster.SettleAsync();
        Directory.EnumerateFiles(cluster.Agent("agent-1").WorkDirectory, "updates.log", SearchOption.AllDirectories)
            .Should().BeEmpty("an acknowledged terminal update ends the task's checkpoint");
    }

    [Fact]
    public async Task An_in_process_task_cannot_outlive_a_crash_and_is_reported_failed()
    {
        await using var cluster = await Start();
        var release = new TaskCompletionSource();
        cluster.ServiceProvider.GetRequiredService<DelegateRegistry>().Register("wait", async (_, ct) =>
        {
            await release.Task.WaitAsync(ct);
            return 0;
        });
        var (session, events) = await cluster.SubscribeAsync(new FrameworkInfo("durable") { Checkpoint = true });
        await using var _ = session;
        await session.LaunchAsync(await events.NextOffer(), [Delegate("d", "wait")]);
        await events.NextUpdate("d", TaskState.Running);

        await cluster.Agent("agent-1").CrashAsync();
        await cluster.Agent("agent-1").RestartAsync();

        var ended = await events.NextUpdate("d");
        ended.State.Should().Be(TaskState.Failed);
        ended.Reason.Should().Be(TaskReason.AgentRestarted);
        release.SetResult();
    }

    [LinuxFact]
    public async Task Tasks_of_a_framework_that_does_not_checkpoint_are_gone_after_a_restart_and_killed()
    {
        await using var cluster = await Start();
        var (session, events) = await cluster.SubscribeAsync(new FrameworkInfo("ephemeral"));
        await using var _ = session;
        await session.LaunchAsync(await events.NextOffer(), [Shell("t", "echo $$; sleep 1000")]);
        await events.NextUpdate("t", TaskState.Running);
        var pid = int.Parse((await WaitForOutput(cluster.Agent("agent-1"), "t", "\n")).Trim());

        await cluster.Agent("agent-1").CrashAsync();
        await cluster.Agent("agent-1").RestartAsync();

        var gone = await events.NextUpdate("t");
        gone.State.Should().Be(TaskState.Gone);
        gone.Source.Should().Be(StatusSource.Master);
        await WaitUntil(() => !ProcessIsAlive(pid), $"orphan process {pid} to be killed");
    }
}
