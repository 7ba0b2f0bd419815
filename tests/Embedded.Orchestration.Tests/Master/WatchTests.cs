using Embedded.Orchestration.Execution;
using Embedded.Orchestration.Model;
using Embedded.Orchestration.Scheduling;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Xunit.Abstractions;
using static Embedded.Testing.TestTasks;

namespace Embedded.Orchestration.Tests.Master;

/// <summary>Watching the cluster, as Mesos's operator API SUBSCRIBE: the state first, then each change in order.</summary>
public sealed class WatchTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Heartbeat = TimeSpan.FromSeconds(15);
    private readonly FakeTimeProvider _time = new(DateTimeOffset.Parse("2030-01-01T00:00:00Z"));

    [Fact]
    public async Task A_watcher_sees_the_state_then_frameworks_tasks_and_agents_change()
    {
        await using var cluster = await TestCluster.StartAsync(output, _time, agents: 2);
        cluster.ServiceProvider.GetRequiredService<DelegateRegistry>().Register("quick", static (_, _) => Task.FromResult(0));
        await using var watch = cluster.Client.WatchAsync().GetAsyncEnumerator();
        var first = await Next<ClusterSubscribed>(watch);
        first.State.Agents.Select(a => a.AgentId).Should().Equal("agent-1", "agent-2");

        var (session, events) = await cluster.SubscribeAsync(new FrameworkInfo("watched"));
        (await Next<FrameworkAdded>(watch)).Framework.Name.Should().Be("watched");
        var offer = await events.NextOffer(o => o.AgentId == "agent-1");
        await session.Launch(offer, Delegate("t", "quick"));
        await events.UpdatesUntilTerminal("t"); // Acknowledged as they come, so the agent sends the next.

        (await Next<TaskAdded>(watch)).Task.Should().Match<TaskSnapshot>(t => t.TaskId == "t" && t.AgentId == "agent-1" && t.State == TaskState.Staging);
        var states = new List<TaskState>();
        while (states.LastOrDefault() != TaskState.Finished) states.Add((await Next<TaskUpdated>(watch)).Status.State);
        states.Should().Equal(TaskState.Starting, TaskState.Running, TaskState.Finished);

        cluster.Agent("agent-2").Partition();
        await cluster.AdvanceAsync(_time, Heartbeat * 5, step: Heartbeat);
        (await Next<AgentUpdated>(watch)).Agent.Should().Match<AgentSnapshot>(a => a.AgentId == "agent-2" && !a.Reachable);
        cluster.Agent("agent-2").Heal();
        await cluster.AdvanceAsync(_time, Heartbeat, step: Heartbeat);
        (await Next<AgentUpdated>(watch)).Agent.Should().Match<AgentSnapshot>(a => a.AgentId == "agent-2" && a.Reachable);

        await session.TeardownAsync();
        (await Next<FrameworkRemoved>(watch)).FrameworkId.Should().Be(session.FrameworkId);
        await cluster.Agent("agent-1").StopAsync();
        (await Next<AgentRemoved>(watch)).AgentId.Should().Be("agent-1");
        await session.DisposeAsync();
    }

    [Fact]
    public async Task A_watcher_that_stops_reading_is_cut_off_and_the_master_goes_on()
    {
        await using var cluster = await TestCluster.StartAsync(output, _time, agents: 1, configure: o => o.Master.WatcherBufferEvents = 4);
        await using var stalled = cluster.Client.WatchAsync().GetAsyncEnumerator();
        (await stalled.MoveNextAsync().AsTask().WaitAsync(EventStream.DefaultGuard)).Should().BeTrue("the state comes first");

        // Frameworks come and go; the watcher reads nothing more.
        for (var i = 0; i < 10; i++)
        {
            var (session, _) = await cluster.SubscribeAsync(new FrameworkInfo($"f{i}"));
            await session.TeardownAsync();
            await session.DisposeAsync();
        }
        await cluster.SettleAsync();

        var drained = 0;
        var read = async () => { while (await stalled.MoveNextAsync()) drained++; };
        (await read.Should().ThrowAsync<InvalidOperationException>()).WithMessage("*fell behind*");
        drained.Should().Be(4, "what the buffer held is still read, then the stream ends");

        await using var fresh = cluster.Client.WatchAsync().GetAsyncEnumerator();
        (await Next<ClusterSubscribed>(fresh)).State.Agents.Should().ContainSingle();
    }

    private async Task<T> Next<T>(IAsyncEnumerator<ClusterEvent> watch) where T : ClusterEvent
    {
        using var guard = new CancellationTokenSource(EventStream.DefaultGuard);
        while (await watch.MoveNextAsync().AsTask().WaitAsync(guard.Token))
        {
            output.WriteLine($"watch: {watch.Current.GetType().Name}");
            if (watch.Current is T match) return match;
        }
        throw new InvalidOperationException($"the watch ended before a {typeof(T).Name}");
    }
}
