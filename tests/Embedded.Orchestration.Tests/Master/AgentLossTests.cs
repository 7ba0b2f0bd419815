using Embedded.Orchestration.Hosting;
using Embedded.Orchestration.Model;
using Microsoft.Extensions.Time.Testing;
using Xunit.Abstractions;
using static Embedded.Orchestration.Tests.Master.SchedulerApiTests;
using static Embedded.Testing.TestTasks;

namespace Embedded.Orchestration.Tests.Master;

/// <summary>
/// Agents that the master stops hearing from (a partition: 5 missed heartbeats of 15 s) or that
/// leave. The fake clock moves in steps of the heartbeat interval so the master's periodic check
/// runs as it would; the tasks are real processes that keep running through a partition.
/// </summary>
public sealed class AgentLossTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Heartbeat = TimeSpan.FromSeconds(15);

    private readonly FakeTimeProvider _time = new(DateTimeOffset.Parse("2030-01-01T00:00:00Z"));

    private Task<MiniCluster> Start(int agents = 2) => TestCluster.StartAsync(output, _time, agents);

    [LinuxFact]
    public async Task A_partitioned_agent_becomes_unreachable_and_its_task_comes_back_running_when_it_heals()
    {
        await using var cluster = await Start();
        var (session, events) = await cluster.SubscribeAsync(new FrameworkInfo("aware"));
        await using var _ = session;
        var offers = await events.NextOffers("agent-1", "agent-2");
        await session.LaunchAsync(offers["agent-1"], [Shell("t", "echo $$; sleep 1000")], new Filters(0));
        await events.NextUpdate("t", TaskState.Running);
        var remainder = await events.NextOffer(o => o.AgentId == "agent-1");
        var pid = int.Parse((await WaitForOutput(cluster.Agent("agent-1"), "t", "\n")).Trim());

        cluster.Agent("agent-1").Partition();

        // Four missed heartbeats are not enough.
        await cluster.AdvanceAsync(_time, Heartbeat * 4, step: Heartbeat);
        (await events.Drain()).Should().NotContain(e => e is UpdateEvent || e is RescindEvent);
        (await cluster.GetStateAsync()).Agents.Should().OnlyContain(a => a.Reachable);

        // The fifth is.
        await cluster.AdvanceAsync(_time, Heartbeat, step: Heartbeat);
        var lost = await events.Drain();
        lost.OfType<RescindEvent>().Select(r => r.OfferId).Should().Equal(remainder.OfferId);
        var unreachable = lost.OfType<UpdateEvent>().Should().ContainSingle().Subject.Status;
        unreachable.TaskId.Should().Be("t");
        unreachable.State.Should().Be(TaskState.Unreachable);
        unreachable.Reason.Should().Be(TaskReason.AgentRemoved);
        unreachable.Source.Should().Be(StatusSource.Master);
        lost.OfType<FailureEvent>().Should().ContainSingle().Which.AgentId.Should().Be("agent-1", "frameworks hear that the agent is lost");

        var state = await cluster.GetStateAsync();
        state.Agents.Single(a => a.AgentId == "agent-1").Reachable.Should().BeFalse();
        state.Agents.Single(a => a.AgentId == "agent-2").Reachable.Should().BeTrue();
        state.Tasks.Should().ContainSingle().Which.State.Should().Be(TaskState.Unreachable);
        state.Offers.Should().NotContain(o => o.AgentId == "agent-1");
        ProcessIsAlive(pid).Should().BeTrue("a partition does not stop the task");

        cluster.Agent("agent-1").Heal();

        var back = await events.NextUpdate("t");
        back.State.Should().Be(TaskState.Running);
        back.Reason.Should().Be(TaskReason.AgentReregistered);
        await cluster.SettleAsync();
        state = await cluster.GetStateAsync();
        state.Agents.Should().OnlyContain(a => a.Reachable);
        state.Tasks.Should().ContainSingle().Which.State.Should().Be(TaskState.Running);
        ProcessIsAlive(pid).Should().BeTrue();

        // The agent runs it still: a kill goes through and the agent reports how it ended.
        await session.KillAsync("t");
        var updates = await events.UpdatesUntilTerminal("t");
        updates.Select(u => u.State).Should().Equal(TaskState.Killing, TaskState.Killed);
        updates[^1].Source.Should().Be(StatusSource.Executor);
        await WaitUntil(() => !ProcessIsAlive(pid), $"process {pid} to exit");
    }

    [LinuxFact]
    public async Task A_framework_that_is_not_partition_aware_is_told_LOST_and_the_task_is_killed_when_the_agent_returns()
    {
        await using var cluster = await Start();
        var (session, events) = await cluster.SubscribeAsync(new FrameworkInfo("classic") { PartitionAware = false });
        await using var _ = session;
        var offers = await events.NextOffers("agent-1", "agent-2");
        await session.Launch(offers["agent-1"], Shell("t", "echo $$; sleep 1000"));
        await events.NextUpdate("t", TaskState.Running);
        var pid = int.Parse((await WaitForOutput(cluster.Agent("agent-1"), "t", "\n")).Trim());

        cluster.Agent("agent-1").Partition();
        await cluster.AdvanceAsync(_time, Heartbeat * 5, step: Heartbeat);

        var lost = await events.NextUpdate("t");
        lost.State.Should().Be(TaskState.Lost);
        lost.Reason.Should().Be(TaskReason.AgentRemoved);
        lost.Source.Should().Be(StatusSource.Master);
        var state = await cluster.GetStateAsync();
        state.Tasks.Should().BeEmpty();
        state.CompletedTasks.Should().ContainSingle(t => t.TaskId == "t").Which.State.Should().Be(TaskState.Lost);

        // The framework was told the task is gone for good; when the agent comes back, the master has it killed.
        cluster.Agent("agent-1").Heal();
        await WaitUntil(() => !ProcessIsAlive(pid), $"process {pid} of the LOST task to be killed");
        await cluster.SettleAsync();
        state = await cluster.GetStateAsync();
        state.Agents.Should().OnlyContain(a => a.Reachable);
        state.Agents.Single(a => a.AgentId == "agent-1").ActiveTasks.Should().Be(0);
        state.Tasks.Should().BeEmpty();
    }

    [LinuxFact]
    public async Task An_update_lost_in_a_short_partition_is_sent_again_after_it_heals()
    {
        await using var cluster = await Start(agents: 1);
        var (session, events) = await cluster.SubscribeAsync(new FrameworkInfo("patient"));
        await using var _ = session;
        await session.Launch(await events.NextOffer(), Shell("t", "echo $$; sleep 1000"));
        await events.NextUpdate("t", TaskState.Running);
        var pid = int.Parse((await WaitForOutput(cluster.Agent("agent-1"), "t", "\n")).Trim());

        cluster.Agent("agent-1").Partition();
        await cluster.SettleAsync();
        System.Diagnostics.Process.GetProcessById(pid).Kill();
        await WaitUntil(() => !ProcessIsAlive(pid), $"process {pid} to die");
        await cluster.AdvanceAsync(_time, TimeSpan.FromSeconds(5));
        (await events.Drain()).OfType<UpdateEvent>().Should().BeEmpty("the agent's FAILED is lost in the partition");
        (await cluster.GetStateAsync()).Agents.Single().Reachable.Should().BeTrue("the partition is shorter than the master's patience");

        cluster.Agent("agent-1").Heal();
        await cluster.AdvanceAsync(_time, TimeSpan.FromSeconds(15));

        var failed = await events.NextUpdate("t");
        failed.State.Should().Be(TaskState.Failed);
        failed.ExitCode.Should().Be(128 + 9);
        (await cluster.GetStateAsync()).Tasks.Should().BeEmpty();
    }

    [LinuxFact]
    public async Task An_acknowledgement_lost_in_a_partition_is_given_again_to_the_re_sent_update_and_the_task_s_later_updates_follow()
    {
        await using var cluster = await Start(agents: 1);
        var (session, events) = await cluster.SubscribeAsync(new FrameworkInfo("patient"));
        await using var _ = session;
        await session.Launch(await events.NextOffer(), Shell("t", "sleep 1000"));
        await events.NextUpdate("t", TaskState.Starting);
        await WaitUntilAsync(async () => (await cluster.GetStateAsync()).Tasks.Any(t => t.State == TaskState.Running), "t RUNNING at the master");

        // The framework reads RUNNING and acknowledges it while the agent hears nothing.
        cluster.Agent("agent-1").Partition();
        var running = await events.NextUpdate("t", TaskState.Running);
        await cluster.SettleAsync();
        cluster.Agent("agent-1").Heal();

        // The agent sends RUNNING again; its KILLING and KILLED wait behind it until it is acknowledged once more.
        await cluster.AdvanceAsync(_time, TimeSpan.FromSeconds(15));
        await session.KillAsync("t");
        await cluster.AdvanceAsync(_time, TimeSpan.FromSeconds(15));

        (await events.NextUpdate("t", TaskState.Killed)).Source.Should().Be(StatusSource.Executor);
        events.Seen.OfType<UpdateEvent>().Count(u => u.Status.Uuid == running.Uuid).Should().BeGreaterThan(1, "the agent sent RUNNING again");
    }

    [LinuxFact]
    public async Task A_task_that_ends_while_its_agent_is_unreachable_is_reported_with_how_it_ended_when_the_agent_returns()
    {
        await using var cluster = await Start();
        var (session, events) = await cluster.SubscribeAsync(new FrameworkInfo("aware"));
        await using var _ = session;
        var offers = await events.NextOffers("agent-1", "agent-2");
        await session.Launch(offers["agent-1"], Shell("t", "echo $$; sleep 1000"));
        await events.NextUpdate("t", TaskState.Running);
        var pid = int.Parse((await WaitForOutput(cluster.Agent("agent-1"), "t", "\n")).Trim());

        cluster.Agent("agent-1").Partition();
        await cluster.AdvanceAsync(_time, Heartbeat * 5, step: Heartbeat);
        (await events.NextUpdate("t")).State.Should().Be(TaskState.Unreachable);

        // The task dies while nobody can hear of it; the agent keeps its FAILED until acknowledged.
        System.Diagnostics.Process.GetProcessById(pid).Kill();
        await WaitUntil(() => !ProcessIsAlive(pid), $"process {pid} to die");
        await cluster.SettleAsync();
        cluster.Agent("agent-1").Heal();

        // Not GONE: the agent knows how the task ended, and that is what the framework hears. (If the
        // agent re-registered before it saw the exit, the master first reports the task RUNNING again.)
        var updates = await events.UpdatesUntilTerminal("t");
        updates.Select(u => u.State).Should().BeSubsetOf([TaskState.Running, TaskState.Failed]);
        var ended = updates[^1];
        ended.State.Should().Be(TaskState.Failed);
        ended.ExitCode.Should().Be(128 + 9);
        ended.Source.Should().Be(StatusSource.Executor);
        await cluster.SettleAsync();
        (await events.Drain()).OfType<UpdateEvent>().Should().BeEmpty("a task ends once");
        var state = await cluster.GetStateAsync();
        state.Tasks.Should().BeEmpty();
        state.CompletedTasks.Should().ContainSingle(t => t.TaskId == "t").Which.State.Should().Be(TaskState.Failed);
    }

    [LinuxFact]
    public async Task An_agent_that_stops_ends_its_tasks_and_the_master_forgets_it()
    {
        await using var cluster = await Start();
        var (session, events) = await cluster.SubscribeAsync(new FrameworkInfo("aware"));
        await using var _ = session;
        var offers = await events.NextOffers("agent-1", "agent-2");
        await session.LaunchAsync(offers["agent-1"], [Shell("t", "echo $$; sleep 1000")], new Filters(0));
        await events.NextUpdate("t", TaskState.Running);
        var remainder = await events.NextOffer(o => o.AgentId == "agent-1");
        var pid = int.Parse((await WaitForOutput(cluster.Agent("agent-1"), "t", "\n")).Trim());

        await cluster.Agent("agent-1").StopAsync().WaitAsync(EventStream.DefaultGuard);

        await cluster.SettleAsync();
        var seen = await events.Drain();
        // The agent's KILLED reaches the master before the agent leaves, so the master never makes up a GONE.
        var ended = seen.OfType<UpdateEvent>().Select(u => u.Status).Should().ContainSingle(s => s.TaskId == "t" && s.IsTerminal).Subject;
        ended.State.Should().Be(TaskState.Killed);
        ended.Reason.Should().Be(TaskReason.AgentRestarted);
        seen.OfType<RescindEvent>().Select(r => r.OfferId).Should().Equal(remainder.OfferId);
        ProcessIsAlive(pid).Should().BeFalse();

        var state = await cluster.GetStateAsync();
        state.Agents.Select(a => a.AgentId).Should().Equal("agent-2");
        state.Tasks.Should().BeEmpty();
        state.Offers.Should().NotContain(o => o.AgentId == "agent-1");
        state.CompletedTasks.Should().ContainSingle(t => t.TaskId == "t").Which.State.Should().Be(TaskState.Killed);

        // The rest of the cluster goes on.
        var check = Shell("after", "exit 0");
        await session.Launch(offers["agent-2"], check);
        (await events.NextUpdate("after", TaskState.Finished)).ExitCode.Should().Be(0);
    }

    [LinuxFact]
    public async Task An_agent_that_stops_reports_KILLED_even_while_the_KILLING_before_it_waits_for_its_acknowledgement()
    {
        await using var cluster = await Start();
        var (session, events) = await cluster.SubscribeAsync(new FrameworkInfo("aware"), autoAcknowledge: false);
        await using var _ = session;
        await session.LaunchAsync(await events.NextOffer(o => o.AgentId == "agent-1"), [Shell("t", "sleep 1000", "agent-1")]);
        StatusUpdate update;
        while ((update = await events.NextUpdate("t")).State != TaskState.Running) await session.AcknowledgeAsync(update);
        await session.AcknowledgeAsync(update);

        // KILLING stays unacknowledged, so the agent's KILLED waits behind it while the agent leaves.
        await cluster.Agent("agent-1").StopAsync().WaitAsync(EventStream.DefaultGuard);

        (await events.NextUpdate("t")).State.Should().Be(TaskState.Killing);
        var ended = await events.NextUpdate("t");
        ended.State.Should().Be(TaskState.Killed, "the leaving agent handed the master its queued KILLED before it left");
        ended.Source.Should().NotBe(StatusSource.Master, "the agent reported it; the master made nothing up");
        await cluster.SettleAsync();
        (await cluster.GetStateAsync()).CompletedTasks.Should().ContainSingle(t => t.TaskId == "t").Which.State.Should().Be(TaskState.Killed);
    }
}
