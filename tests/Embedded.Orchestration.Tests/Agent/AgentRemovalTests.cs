using Embedded.Orchestration.Hosting;
using Embedded.Orchestration.Model;
using Microsoft.Extensions.Time.Testing;
using Xunit.Abstractions;
using static Embedded.Orchestration.Tests.Master.SchedulerApiTests;
using static Embedded.Testing.TestTasks;

namespace Embedded.Orchestration.Tests.Agent;

/// <summary>An agent that stays unreachable past the re-registration timeout is removed; its tasks are GONE and it starts over.</summary>
public sealed class AgentRemovalTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Heartbeat = TimeSpan.FromSeconds(15);
    private readonly FakeTimeProvider _time = new(DateTimeOffset.Parse("2030-01-01T00:00:00Z"));

    [LinuxFact]
    public async Task Past_the_reregistration_timeout_tasks_are_gone_and_the_returning_agent_kills_them_and_registers_anew()
    {
        await using var cluster = await TestCluster.StartAsync(output, _time, agents: 1);
        var (session, events) = await cluster.SubscribeAsync(new FrameworkInfo("aware"));
        await using var _ = session;
        await session.LaunchAsync(await events.NextOffer(), [Shell("t", "echo $$; sleep 1000")]);
        await events.NextUpdate("t", TaskState.Running);
        var pid = int.Parse((await WaitForOutput(cluster.Agent("agent-1"), "t", "\n")).Trim());

        cluster.Agent("agent-1").Partition();
        await cluster.AdvanceAsync(_time, Heartbeat * 5, step: Heartbeat);
        (await events.NextUpdate("t")).State.Should().Be(TaskState.Unreachable);

        // Just short of the default 10 minutes the agent is still waited for.
        await cluster.AdvanceAsync(_time, TimeSpan.FromMinutes(10) - Heartbeat, step: Heartbeat);
        (await cluster.GetStateAsync()).Agents.Should().ContainSingle();

        await cluster.AdvanceAsync(_time, Heartbeat, step: Heartbeat);
        var gone = await events.NextUpdate("t");
        gone.State.Should().Be(TaskState.Gone);
        gone.Reason.Should().Be(TaskReason.AgentRemoved);
        (await cluster.GetStateAsync()).Agents.Should().BeEmpty();
        ProcessIsAlive(pid).Should().BeTrue("the agent has not heard of it yet");

        cluster.Agent("agent-1").Heal();
        await WaitUntil(() => !ProcessIsAlive(pid), $"process {pid} of the removed agent to be killed");
        await cluster.SettleAsync();
        var state = await cluster.GetStateAsync();
        state.Agents.Should().ContainSingle().Which.Should().Match<Embedded.Orchestration.Scheduling.AgentSnapshot>(a => a.Reachable && a.ActiveTasks == 0);
        state.Tasks.Should().BeEmpty();
        (await events.Drain()).OfType<UpdateEvent>().Should().BeEmpty("the framework was told GONE once; nothing else");
    }
}
