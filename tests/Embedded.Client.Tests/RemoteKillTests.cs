using Embedded.Orchestration.Model;
using Embedded.Orchestration.Scheduling;
using Xunit.Abstractions;

namespace Embedded.Client.Tests;

/// <summary>The remote IClusterClient's KillTaskAsync: the KILL_TASK operator call, its answers read back into a TaskKillResult.</summary>
public sealed class RemoteKillTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Killing_over_HTTP_ends_the_task_killed_and_unknown_or_ambiguous_ids_say_so()
    {
        await using var server = await ClusterApiHost.StartAsync(output, agents: 2, cluster: o => o.Jobs.Enabled = false);
        await using var remote = await RemoteHost.StartAsync(server.Address, output, o => o.Jobs.Enabled = false);
        var (first, firstEvents) = await LaunchAsync(remote.Client, "first", "same");
        await using var _ = first;
        var (second, secondEvents) = await LaunchAsync(remote.Client, "second", "same");
        await using var __ = second;

        var unknown = await remote.Client.KillTaskAsync("no-such-task");
        var ambiguous = await remote.Client.KillTaskAsync("same");
        var killing = await remote.Client.KillTaskAsync("same", second.FrameworkId, TimeSpan.Zero);

        unknown.Should().Be(new TaskKillResult(TaskKillOutcome.NotFound, "no active task no-such-task"));
        ambiguous.Outcome.Should().Be(TaskKillOutcome.Ambiguous);
        ambiguous.Message.Should().Contain(first.FrameworkId).And.Contain(second.FrameworkId);
        killing.Outcome.Should().Be(TaskKillOutcome.Killing, killing.Message);
        var killed = await secondEvents.Next<UpdateEvent>(u => u.Status.TaskId == "same" && u.Status.State == TaskState.Killed);
        killed.Status.Message.Should().Contain("killed by an operator");
        (await server.Cluster.GetStateAsync()).Tasks.Should().ContainSingle(t => t.FrameworkId == first.FrameworkId && t.State == TaskState.Running);
        await FluentActions.Awaiting(() => remote.Client.KillTaskAsync("")).Should().ThrowAsync<ArgumentException>();
    }

    /// <summary>A framework that runs one long sleep and wants nothing more, so the next framework gets offers.</summary>
    private static async Task<(SchedulerSession Session, EventStream Events)> LaunchAsync(IClusterClient client, string name, string taskId)
    {
        var session = await client.SubscribeAsync(new FrameworkInfo(name));
        var events = new EventStream(session);
        var offers = (await events.Next<OffersEvent>()).Offers;
        await session.LaunchAsync(offers[0], [TestTasks.Shell(taskId, "sleep 300", offers[0].AgentId)], new Filters(RefuseSeconds: 3600));
        if (offers.Length > 1) await session.DeclineAsync(offers.Skip(1).Select(o => o.OfferId), new Filters(RefuseSeconds: 3600));
        await events.Next<UpdateEvent>(u => u.Status.TaskId == taskId && u.Status.State == TaskState.Running);
        return (session, events);
    }
}
