using System.Collections.Immutable;
using System.Threading.Channels;
using Embedded.Orchestration.Hosting;
using Embedded.Orchestration.Model;
using Embedded.Orchestration.Scheduling;
using Microsoft.Extensions.Time.Testing;

namespace Embedded.Testing;

public static class ClusterTestExtensions
{
    /// <summary>
    /// Waits until the agents and then the master have handled everything queued for them, twice,
    /// so that a chain master → agent → master has run through. Events the cluster sends because of
    /// what happened before are in the sessions' streams when this returns.
    /// </summary>
    public static async Task SettleAsync(this MiniCluster cluster)
    {
        for (var round = 0; round < 2; round++)
        {
            // An actor handles its inbox in order: a flush is answered after what was queued before it.
            foreach (var agent in cluster.Agents)
                await agent.FlushAsync().WaitAsync(EventStream.DefaultGuard);
            await cluster.GetStateAsync().WaitAsync(EventStream.DefaultGuard);
        }
    }

    /// <summary>
    /// Moves the fake clock by <paramref name="by"/> in steps no longer than <paramref name="step"/>
    /// (5 s by default), settling after each, so that periodic timers (allocation, heartbeats, the
    /// master's agent check) run at each step as they would in real time. <paramref name="settle"/> replaces
    /// <see cref="SettleAsync"/> when more than master and agents must run through (a scheduler of the host).
    /// </summary>
    public static async Task AdvanceAsync(this MiniCluster cluster, FakeTimeProvider time, TimeSpan by, TimeSpan? step = null, Func<Task>? settle = null)
    {
        var max = step ?? TimeSpan.FromSeconds(5);
        settle ??= cluster.SettleAsync;
        await settle();
        while (by > TimeSpan.Zero)
        {
            var next = by < max ? by : max;
            time.Advance(next);
            by -= next;
            await settle();
        }
    }
}

/// <summary>Mini clusters for master and agent tests: a fake clock, logs to the test output, no job scheduler competing for offers.</summary>
public static class TestCluster
{
    public const string AgentResources = "cpus:4;mem:4096;disk:10240;ports:[31000-31999]";

    public static Task<MiniCluster> StartAsync(
        Xunit.Abstractions.ITestOutputHelper output, FakeTimeProvider time, int agents = 1, Action<ClusterOptions>? configure = null) =>
        MiniCluster.StartAsync(agents, o =>
        {
            o.Jobs.Enabled = false;
            configure?.Invoke(o);
        }, time: time, loggerFactory: TestOutputLoggerProvider.Factory(output));

    /// <summary>Subscribes a framework and reads its events; the first, <see cref="SubscribedEvent"/>, is checked and consumed.</summary>
    public static async Task<(SchedulerSession Session, EventStream Events)> SubscribeAsync(
        this MiniCluster cluster, FrameworkInfo info, bool autoAcknowledge = true, TimeSpan? guard = null)
    {
        var session = await cluster.Client.SubscribeAsync(info).WaitAsync(EventStream.DefaultGuard);
        var events = new EventStream(session, autoAcknowledge, guard);
        var first = await events.Next();
        first.Should().BeOfType<SubscribedEvent>().Which.FrameworkId.Should().Be(session.FrameworkId);
        return (session, events);
    }
}
