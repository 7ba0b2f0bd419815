using Microsoft.Extensions.DependencyInjection;
using Embedded.Orchestration.Model;
using Embedded.Orchestration.Scheduling;
using Xunit.Abstractions;

namespace Embedded.Client.Tests;

/// <summary>The remote IClusterClient's scheduler API: subscribe over HTTP, take an offer, launch, follow and acknowledge.</summary>
public sealed class RemoteClusterClientTests(ITestOutputHelper output)
{
    [Fact]
    public async Task A_framework_subscribes_over_HTTP_launches_on_an_offer_and_acknowledges_its_updates()
    {
        await using var server = await ClusterApiHost.StartAsync(output);
        await using var remote = await RemoteHost.StartAsync(server.Address, output, o => o.Jobs.Enabled = false);
        await using var session = await remote.Client.SubscribeAsync(new FrameworkInfo("low-level"));
        var events = new EventStream(session);

        var subscribed = await events.Next<SubscribedEvent>();
        subscribed.FrameworkId.Should().Be(session.FrameworkId);
        var offer = (await events.Next<OffersEvent>()).Offers.Should().ContainSingle().Subject;
        offer.AgentId.Should().Be("agent-1");
        offer.Resources.Scalar("cpus").Value.Should().Be(4);
        offer.Resources.Ports.Count.Should().Be(1000);
        offer.TaskKinds.Should().Contain(TaskKind.Command);

        await session.LaunchAsync(offer, [TestTasks.Shell("t1", "echo hi", offer.AgentId)]);
        var running = await events.Next<UpdateEvent>(u => u.Status.State == TaskState.Running);
        running.Status.Uuid.Should().NotBeNull("an agent's update must be acknowledged");
        var finished = await events.Next<UpdateEvent>(u => u.Status.State == TaskState.Finished);
        finished.Status.ExitCode.Should().Be(0);
        finished.Status.Output!.Stdout.Should().Be("hi\n");

        // Acknowledged (by the event stream): the agent forgets the update; the task is completed on the master.
        var state = await server.Cluster.GetStateAsync();
        state.CompletedTasks.Should().ContainSingle(t => t.TaskId == "t1").Which.State.Should().Be(TaskState.Finished);
        (await remote.Client.GetAgentsAsync()).Should().ContainSingle().Which.AgentId.Should().Be("agent-1");
        var remoteState = await remote.Client.GetStateAsync();
        remoteState.CompletedTasks.Should().ContainSingle(t => t.TaskId == "t1").Which.LastStatus!.State.Should().Be(TaskState.Finished);
        remoteState.Frameworks.Should().ContainSingle(f => f.FrameworkId == session.FrameworkId).Which.Connected.Should().BeTrue();
        remoteState.Agents.Should().ContainSingle().Which.Total.Should().Be(state.Agents.Single().Total);
        await session.TeardownAsync();
    }

    [Fact]
    public async Task A_refused_call_throws_with_the_masters_reason()
    {
        await using var server = await ClusterApiHost.StartAsync(output);
        await using var remote = await RemoteHost.StartAsync(server.Address, output, o => o.Jobs.Enabled = false);
        var refused = await FluentActions.Awaiting(() => remote.Client.SubscribeAsync(new FrameworkInfo("refused", Role: "no spaces")))
            .Should().ThrowAsync<Exception>();
        refused.Which.Message.Should().Contain("400").And.Contain("no spaces");
        FluentActions.Invoking(() => remote.Client.SetRoleWeight("a", 2)).Should().Throw<NotSupportedException>();
    }

    [Fact]
    public async Task A_delegate_named_over_HTTP_runs_in_the_masters_host_and_an_unknown_one_fails_saying_so()
    {
        await using var server = await ClusterApiHost.StartAsync(output);
        server.Cluster.ServiceProvider.GetRequiredService<Embedded.Orchestration.Execution.DelegateRegistry>()
            .Register("greet", static async (context, _) => { await context.Stdout.WriteAsync("hello"); return 0; });
        await using var remote = await RemoteHost.StartAsync(server.Address, output, o => o.Jobs.Enabled = false);
        await using var session = await remote.Client.SubscribeAsync(new FrameworkInfo("delegates"));
        var events = new EventStream(session);
        var offer = (await events.Next<OffersEvent>()).Offers.Single();

        await session.LaunchAsync(offer, [TestTasks.Delegate("d1", "greet", offer.AgentId), TestTasks.Delegate("d2", "nothing", offer.AgentId) with { Resources = Resources.Parse("cpus:0.1;mem:8") }]);

        var finished = await events.Next<UpdateEvent>(u => u.Status.TaskId == "d1" && u.Status.State.IsTerminal());
        finished.Status.State.Should().Be(TaskState.Finished);
        finished.Status.Output!.Stdout.Should().Be("hello");
        var unknown = await events.Next<UpdateEvent>(u => u.Status.TaskId == "d2" && u.Status.State.IsTerminal());
        unknown.Status.Message.Should().Contain("no delegate named 'nothing' is registered");
        (await server.Cluster.GetStateAsync()).CompletedTasks.Single(t => t.TaskId == "d1").Name.Should().Be("d1", "the label that named the delegate is not left among the task's labels");
    }
}

/// <summary>The remote IClusterClient's WatchAsync: the operator API's SUBSCRIBE read back into ClusterEvents.</summary>
public sealed class RemoteWatchTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Watching_over_HTTP_starts_with_the_state_then_tells_frameworks_and_tasks_as_they_change()
    {
        await using var server = await ClusterApiHost.StartAsync(output);
        await using var remote = await RemoteHost.StartAsync(server.Address, output, o => o.Jobs.Enabled = false);
        using var guard = new CancellationTokenSource(EventStream.DefaultGuard);
        await using var watch = remote.Client.WatchAsync(guard.Token).GetAsyncEnumerator(guard.Token);

        (await watch.MoveNextAsync()).Should().BeTrue();
        watch.Current.Should().BeOfType<ClusterSubscribed>().Which.State.Agents.Should().ContainSingle(a => a.AgentId == "agent-1");

        await using var session = await server.Cluster.Client.SubscribeAsync(new FrameworkInfo("watched"));
        var events = new EventStream(session);
        var offer = (await events.Next<OffersEvent>()).Offers[0];
        await session.LaunchAsync(offer, [TestTasks.Shell("w1", "true", offer.AgentId)]);

        // Unacknowledged, the agent holds its updates after the first one: that first one is what to wait for.
        var seen = new List<ClusterEvent>();
        while (!seen.OfType<TaskUpdated>().Any(t => t.Status.TaskId == "w1") && await watch.MoveNextAsync())
            seen.Add(watch.Current);
        seen.OfType<FrameworkAdded>().Should().Contain(f => f.Framework.Name == "watched" && f.Framework.FrameworkId == session.FrameworkId);
        seen.OfType<TaskAdded>().Should().Contain(t => t.Task.TaskId == "w1" && t.Task.FrameworkId == session.FrameworkId);
        seen.OfType<TaskUpdated>().Should().Contain(t => t.Status.TaskId == "w1" && t.Status.Uuid != null && t.FrameworkId == session.FrameworkId);
    }
}
