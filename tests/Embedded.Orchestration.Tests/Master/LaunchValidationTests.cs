using System.Collections.Immutable;
using Embedded.Orchestration.Hosting;
using Embedded.Orchestration.Model;
using Embedded.Orchestration.Scheduling;
using Microsoft.Extensions.Time.Testing;
using Xunit.Abstractions;
using static Embedded.Testing.TestTasks;

namespace Embedded.Orchestration.Tests.Master;

/// <summary>
/// Every launch the master cannot honour becomes a status update with a state and a reason, as in
/// Mesos, never an exception that stops the master: after each, a valid launch still runs.
/// </summary>
public sealed class LaunchValidationTests(ITestOutputHelper output)
{
    private readonly FakeTimeProvider _time = new(DateTimeOffset.Parse("2030-01-01T00:00:00Z"));

    private Task<MiniCluster> Start(int agents = 1, Action<ClusterOptions>? configure = null) =>
        TestCluster.StartAsync(output, _time, agents, configure);

    [LinuxFact]
    public async Task An_unknown_offer_id_drops_the_task()
    {
        await using var cluster = await Start();
        var (session, events) = await cluster.SubscribeAsync(new FrameworkInfo("fw"));
        await using var _ = session;
        var offer = await events.NextOffer();

        await session.Accept(["no-such-offer"], Shell("t1", "exit 0"));

        var dropped = await events.NextUpdate("t1");
        dropped.State.Should().Be(TaskState.Dropped);
        dropped.Reason.Should().Be(TaskReason.InvalidOffers);
        dropped.Source.Should().Be(StatusSource.Master);
        dropped.Message.Should().Contain("no-such-offer");
        await StillServes(cluster, session, events, offer);
    }

    [LinuxFact]
    public async Task An_accept_without_offers_drops_its_tasks()
    {
        await using var cluster = await Start();
        var (session, events) = await cluster.SubscribeAsync(new FrameworkInfo("fw"));
        await using var _ = session;
        var offer = await events.NextOffer();

        await session.Accept([], Shell("t1", "exit 0"));

        var dropped = await events.NextUpdate("t1");
        dropped.State.Should().Be(TaskState.Dropped);
        dropped.Reason.Should().Be(TaskReason.InvalidOffers);
        await StillServes(cluster, session, events, offer);
    }

    [LinuxFact]
    public async Task An_offer_used_twice_drops_the_second_launch()
    {
        await using var cluster = await Start();
        var (session, events) = await cluster.SubscribeAsync(new FrameworkInfo("fw"));
        await using var _ = session;
        var offer = await events.NextOffer();

        await session.Launch(offer, Shell("first", "exit 0"));
        await session.Launch(offer, Shell("second", "exit 0"));

        var dropped = await events.NextUpdate("second");
        dropped.State.Should().Be(TaskState.Dropped);
        dropped.Reason.Should().Be(TaskReason.InvalidOffers);
        dropped.Message.Should().Contain(offer.OfferId);
        (await events.NextUpdate("first", TaskState.Finished)).ExitCode.Should().Be(0);
        await StillServes(cluster, session, events);
    }

    [LinuxFact]
    public async Task A_declined_offer_cannot_be_accepted()
    {
        await using var cluster = await Start();
        var (session, events) = await cluster.SubscribeAsync(new FrameworkInfo("fw"));
        await using var _ = session;
        var offer = await events.NextOffer();

        await session.DeclineAsync([offer.OfferId]);
        await session.Launch(offer, Shell("t1", "exit 0"));

        var dropped = await events.NextUpdate("t1");
        dropped.State.Should().Be(TaskState.Dropped);
        dropped.Reason.Should().Be(TaskReason.InvalidOffers);
        (await cluster.GetStateAsync()).Tasks.Should().BeEmpty();
        await StillServes(cluster, session, events);
    }

    [LinuxFact]
    public async Task Another_framework_offer_cannot_be_accepted()
    {
        await using var cluster = await Start();
        var (owner, ownerEvents) = await cluster.SubscribeAsync(new FrameworkInfo("owner"));
        await using var _ = owner;
        var offer = await ownerEvents.NextOffer();
        var (thief, thiefEvents) = await cluster.SubscribeAsync(new FrameworkInfo("thief"));
        await using var __ = thief;

        await thief.Launch(offer, Shell("stolen", "exit 0"));

        var dropped = await thiefEvents.NextUpdate("stolen");
        dropped.State.Should().Be(TaskState.Dropped);
        dropped.Reason.Should().Be(TaskReason.InvalidOffers);
        await StillServes(cluster, owner, ownerEvents, offer);
    }

    [LinuxFact]
    public async Task Resources_not_in_the_offer_make_the_task_an_error_while_the_rest_of_the_call_goes_on()
    {
        await using var cluster = await Start();
        var (session, events) = await cluster.SubscribeAsync(new FrameworkInfo("fw"));
        await using var _ = session;
        var offer = await events.NextOffer();

        await session.Launch(offer,
            Shell("too-big", "exit 0", resources: "cpus:100;mem:32"),
            Shell("gpu", "exit 0", resources: "cpus:0.1;gpus:1"),
            Shell("port", "exit 0", resources: "cpus:0.1;ports:[80-80]"),
            Shell("fits", "exit 0", resources: "cpus:4;mem:4096"),
            Shell("after-the-rest", "exit 0", resources: "cpus:0.1;mem:32"));

        foreach (var id in new[] { "too-big", "gpu", "port", "after-the-rest" })
        {
            var error = await events.NextUpdate(id);
            error.State.Should().Be(TaskState.Error, id);
            error.Reason.Should().Be(TaskReason.TaskInvalid);
            error.Source.Should().Be(StatusSource.Master);
            error.Message.Should().Contain("more than is left in the offers");
        }
        (await events.NextUpdate("fits", TaskState.Finished)).ExitCode.Should().Be(0);
        await StillServes(cluster, session, events);
    }

    [LinuxFact]
    public async Task A_task_id_twice_in_one_accept_is_an_error_for_the_second()
    {
        await using var cluster = await Start();
        var (session, events) = await cluster.SubscribeAsync(new FrameworkInfo("fw"));
        await using var _ = session;
        var offer = await events.NextOffer();

        await session.Launch(offer, Shell("twin", "exit 0"), Shell("twin", "exit 7"));

        var updates = await events.UpdatesUntilTerminal("twin");
        updates[0].State.Should().Be(TaskState.Error);
        updates[0].Reason.Should().Be(TaskReason.TaskInvalid);
        updates[0].Message.Should().Contain("already in use");
        var launched = await events.UpdatesUntilTerminal("twin");
        launched.Select(u => u.State).Should().Equal(TaskState.Starting, TaskState.Running, TaskState.Finished);
        launched[^1].ExitCode.Should().Be(0, "the first of the two ran");
        await StillServes(cluster, session, events);
    }

    [LinuxFact]
    public async Task A_task_id_of_a_running_task_is_an_error_and_the_running_task_is_untouched()
    {
        await using var cluster = await Start();
        var (session, events) = await cluster.SubscribeAsync(new FrameworkInfo("fw"));
        await using var _ = session;
        await session.Launch(await events.NextOffer(), Shell("busy", "sleep 1000", resources: "cpus:1;mem:64"));
        await events.NextUpdate("busy", TaskState.Running);
        await session.ReviveAsync();
        var offer = await events.NextOffer();

        await session.Launch(offer, Shell("busy", "exit 0"));

        var error = await events.NextUpdate("busy");
        error.State.Should().Be(TaskState.Error);
        error.Reason.Should().Be(TaskReason.TaskInvalid);
        error.Message.Should().Contain("already in use");
        await session.ReconcileAsync(["busy"]);
        (await events.NextUpdate("busy")).State.Should().Be(TaskState.Running);
        (await cluster.GetStateAsync()).Tasks.Should().ContainSingle().Which.Resources.Should().Be(Resources.Parse("cpus:1;mem:64"));
        await StillServes(cluster, session, events);
    }

    public static TheoryData<string, TaskInfo, string> MalformedTasks() => new()
    {
        { "empty command", Shell("t", "   "), "command is empty" },
        { "no command or delegate", new TaskInfo("t", "t", "", Resources.Parse(SmallResources)), "no command, container or delegate" },
        { "command and delegate", Shell("t", "exit 0") with { Delegate = "d" }, "more than one of a command, a container and a delegate" },
        { "bad characters in the id", Shell("bad id/with*chars", "exit 0"), "must be at most 200 letters" },
        { "too long an id", Shell(new string('x', 201), "exit 0"), "must be at most 200 letters" },
        { "dot id", Shell("..", "exit 0"), "must be at most 200 letters" },
        { "no resources", new TaskInfo("t", "t", "", Resources.Empty) { Command = new CommandSpec("exit 0") }, "no resources" },
        { "non-positive max completion time", Shell("t", "exit 0") with { MaxCompletionTime = TimeSpan.Zero }, "max completion time" },
        { "negative kill grace period", Shell("t", "exit 0") with { KillGracePeriod = TimeSpan.FromSeconds(-1) }, "grace period" },
    };

    [LinuxTheory]
    [MemberData(nameof(MalformedTasks))]
    public async Task A_malformed_task_is_an_error_with_a_reason(string why, TaskInfo task, string message)
    {
        await using var cluster = await Start();
        var (session, events) = await cluster.SubscribeAsync(new FrameworkInfo("fw"));
        await using var _ = session;
        var offer = await events.NextOffer();

        await session.Launch(offer, task);

        var error = await events.NextUpdate(task.TaskId);
        error.State.Should().Be(TaskState.Error, why);
        error.Reason.Should().Be(TaskReason.TaskInvalid);
        error.Source.Should().Be(StatusSource.Master);
        error.Message.Should().Contain(message);
        await StillServes(cluster, session, events);
    }

    [LinuxFact]
    public async Task A_task_naming_another_agent_than_its_offer_is_an_error()
    {
        await using var cluster = await Start(agents: 2);
        var (session, events) = await cluster.SubscribeAsync(new FrameworkInfo("fw"));
        await using var _ = session;
        var offers = await events.NextOffers("agent-1", "agent-2");

        await session.Launch(offers["agent-1"], Shell("elsewhere", "exit 0", agentId: "agent-2"));

        var error = await events.NextUpdate("elsewhere");
        error.State.Should().Be(TaskState.Error);
        error.Reason.Should().Be(TaskReason.TaskInvalid);
        error.Message.Should().Contain("names agent agent-2").And.Contain("agent-1");
        await StillServes(cluster, session, events, offers["agent-2"]);
    }

    [LinuxFact]
    public async Task Offers_of_two_agents_in_one_accept_drop_the_tasks()
    {
        await using var cluster = await Start(agents: 2);
        var (session, events) = await cluster.SubscribeAsync(new FrameworkInfo("fw"));
        await using var _ = session;
        var offers = await events.NextOffers("agent-1", "agent-2");

        await session.Accept([offers["agent-1"].OfferId, offers["agent-2"].OfferId], Shell("split", "exit 0"));

        var dropped = await events.NextUpdate("split");
        dropped.State.Should().Be(TaskState.Dropped);
        dropped.Reason.Should().Be(TaskReason.InvalidOffers);
        dropped.Message.Should().Contain("same agent");
        var state = await cluster.GetStateAsync();
        state.Tasks.Should().BeEmpty();
        state.Offers.Should().BeEmpty("both offers were closed");
        await StillServes(cluster, session, events);
    }

    [LinuxFact]
    public async Task An_offer_rescinded_because_its_agent_became_unreachable_drops_the_task_with_AgentRemoved()
    {
        await using var cluster = await Start(agents: 2);
        var (session, events) = await cluster.SubscribeAsync(new FrameworkInfo("fw"));
        await using var _ = session;
        var offers = await events.NextOffers("agent-1", "agent-2");
        var offer = offers["agent-1"];

        cluster.Agent("agent-1").Partition();
        await cluster.AdvanceAsync(_time, TimeSpan.FromSeconds(15 * 5), step: TimeSpan.FromSeconds(15));
        (await events.Next<RescindEvent>()).OfferId.Should().Be(offer.OfferId);

        await session.Launch(offer, Shell("late", "exit 0"));

        var dropped = await events.NextUpdate("late");
        dropped.State.Should().Be(TaskState.Dropped);
        dropped.Reason.Should().Be(TaskReason.AgentRemoved);
        dropped.Message.Should().Contain("rescinded");
        await StillServes(cluster, session, events, offers["agent-2"]);
    }

    [LinuxFact]
    public async Task An_offer_rescinded_because_its_agent_left_drops_the_task_with_AgentRemoved()
    {
        await using var cluster = await Start(agents: 2);
        var (session, events) = await cluster.SubscribeAsync(new FrameworkInfo("fw"));
        await using var _ = session;
        var offers = await events.NextOffers("agent-1", "agent-2");

        await cluster.Agent("agent-1").StopAsync().WaitAsync(EventStream.DefaultGuard);
        (await events.Next<RescindEvent>()).OfferId.Should().Be(offers["agent-1"].OfferId);

        await session.Launch(offers["agent-1"], Shell("late", "exit 0"));

        var dropped = await events.NextUpdate("late");
        dropped.State.Should().Be(TaskState.Dropped);
        dropped.Reason.Should().Be(TaskReason.AgentRemoved);
        await StillServes(cluster, session, events, offers["agent-2"]);
    }

    [LinuxFact]
    public async Task A_framework_that_is_not_partition_aware_is_told_LOST_instead_of_DROPPED()
    {
        await using var cluster = await Start(agents: 2);
        var (session, events) = await cluster.SubscribeAsync(new FrameworkInfo("old-school") { PartitionAware = false });
        await using var _ = session;
        var offers = await events.NextOffers("agent-1", "agent-2");

        await session.Accept(["no-such-offer"], Shell("unknown-offer", "exit 0"));
        var lost = await events.NextUpdate("unknown-offer");
        lost.State.Should().Be(TaskState.Lost);
        lost.Reason.Should().Be(TaskReason.InvalidOffers);

        await cluster.Agent("agent-1").StopAsync().WaitAsync(EventStream.DefaultGuard);
        await events.Next<RescindEvent>();
        await session.Launch(offers["agent-1"], Shell("rescinded-offer", "exit 0"));
        var lostToo = await events.NextUpdate("rescinded-offer");
        lostToo.State.Should().Be(TaskState.Lost);
        lostToo.Reason.Should().Be(TaskReason.AgentRemoved);

        await StillServes(cluster, session, events, offers["agent-2"]);
    }

    [LinuxFact]
    public async Task A_delegate_task_on_an_agent_that_only_runs_processes_is_an_error_from_the_agent()
    {
        await using var cluster = await Start(configure: o => o.AddAgent("agent-1", TestCluster.AgentResources).UseProcesses());
        var (session, events) = await cluster.SubscribeAsync(new FrameworkInfo("fw"));
        await using var _ = session;
        var offer = await events.NextOffer();

        await session.Launch(offer, Delegate("in-process", "some-delegate"));

        var error = await events.NextUpdate("in-process");
        error.State.Should().Be(TaskState.Error);
        error.Reason.Should().Be(TaskReason.TaskInvalid);
        error.Source.Should().Be(StatusSource.Agent);
        error.Message.Should().Contain("no executor for delegate tasks").And.Contain("process");
        var state = await cluster.GetStateAsync();
        state.Tasks.Should().BeEmpty();
        state.CompletedTasks.Should().ContainSingle().Which.State.Should().Be(TaskState.Error);
        await StillServes(cluster, session, events);
    }

    [Fact]
    public async Task Calls_of_a_torn_down_framework_throw_and_its_id_cannot_subscribe_again()
    {
        await using var cluster = await Start();
        var (session, events) = await cluster.SubscribeAsync(new FrameworkInfo("fw"));
        await using var _ = session;
        var offer = await events.NextOffer();
        await session.TeardownAsync();

        var calls = new Dictionary<string, Func<Task>>
        {
            ["accept"] = () => session.Launch(offer, Shell("t", "exit 0")),
            ["decline"] = () => session.DeclineAsync([offer.OfferId]),
            ["revive"] = () => session.ReviveAsync(),
            ["suppress"] = () => session.SuppressAsync(),
            ["kill"] = () => session.KillAsync("t"),
            ["reconcile"] = () => session.ReconcileAsync(),
            ["message"] = () => session.MessageAsync("agent-1", "t", new byte[] { 1 }),
            ["teardown"] = () => session.TeardownAsync(),
            ["acknowledge"] = () => session.AcknowledgeAsync(new StatusUpdate("t", TaskState.Running, TaskReason.None, StatusSource.Agent, "", _time.GetUtcNow())
                { AgentId = "agent-1", Uuid = Guid.NewGuid() }),
        };
        foreach (var (name, call) in calls)
            (await call.Should().ThrowAsync<InvalidOperationException>(name)).WithMessage($"*{session.FrameworkId}*torn down*");

        var resubscribe = () => cluster.Client.SubscribeAsync(new FrameworkInfo("fw") { FrameworkId = session.FrameworkId });
        (await resubscribe.Should().ThrowAsync<InvalidOperationException>()).WithMessage("*torn down*");

        // The master goes on: a new framework gets the agent.
        var (fresh, freshEvents) = await cluster.SubscribeAsync(new FrameworkInfo("fw"));
        await using var __ = fresh;
        fresh.FrameworkId.Should().NotBe(session.FrameworkId);
        (await freshEvents.NextOffer()).AgentId.Should().Be("agent-1");
    }

    [Theory]
    [InlineData("", "*", "name")]
    [InlineData("   ", "*", "name")]
    [InlineData("fw", "", "role")]
    [InlineData("fw", "has space", "role")]
    [InlineData("fw", ".hidden", "role")]
    [InlineData("fw", "-dash", "role")]
    [InlineData("fw", "/slash", "role")]
    [InlineData("fw", "semi;colon", "role")]
    public async Task Subscribing_with_a_bad_name_or_role_throws_ArgumentException(string name, string role, string mentions)
    {
        await using var cluster = await Start();

        var subscribe = () => cluster.Client.SubscribeAsync(new FrameworkInfo(name, role));

        (await subscribe.Should().ThrowAsync<ArgumentException>()).WithMessage($"*{mentions}*");
        var state = await cluster.GetStateAsync();
        state.Frameworks.Should().BeEmpty();
        state.Roles.Should().BeEmpty();
    }

    [Fact]
    public async Task Subscribing_with_a_bad_framework_id_or_failover_timeout_throws_ArgumentException()
    {
        await using var cluster = await Start();

        var badId = () => cluster.Client.SubscribeAsync(new FrameworkInfo("fw") { FrameworkId = "not a valid id" });
        var badTimeout = () => cluster.Client.SubscribeAsync(new FrameworkInfo("fw") { FailoverTimeout = TimeSpan.FromSeconds(-1) });

        await badId.Should().ThrowAsync<ArgumentException>();
        await badTimeout.Should().ThrowAsync<ArgumentException>();
        (await cluster.GetStateAsync()).Frameworks.Should().BeEmpty();
    }

    /// <summary>
    /// The master still serves: state answers and a valid launch runs to FINISHED, on
    /// <paramref name="offer"/> if the framework still holds it, else on the offer a revive brings.
    /// </summary>
    private async Task StillServes(MiniCluster cluster, SchedulerSession session, EventStream events, Offer? offer = null)
    {
        (await cluster.GetStateAsync().WaitAsync(EventStream.DefaultGuard)).Agents.Should().NotBeEmpty();
        if (offer is null)
        {
            await session.ReviveAsync();
            offer = await events.NextOffer();
        }
        var check = "still-serves-" + Guid.NewGuid().ToString("N")[..8];
        await session.Launch(offer, Shell(check, "exit 0", agentId: offer.AgentId));
        var updates = await events.UpdatesUntilTerminal(check);
        updates.Select(u => u.State).Should().Equal(TaskState.Starting, TaskState.Running, TaskState.Finished);
    }
}
