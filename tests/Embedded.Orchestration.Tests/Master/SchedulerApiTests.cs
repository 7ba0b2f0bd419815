using Embedded.Orchestration.Hosting;
using Embedded.Orchestration.Model;
using Microsoft.Extensions.Time.Testing;
using Xunit.Abstractions;
using static Embedded.Testing.TestTasks;

namespace Embedded.Orchestration.Tests.Master;

/// <summary>
/// The Mesos-style scheduler API against a real master and agents running real processes. The
/// fake clock drives every timeout; real waits only guard against hangs.
/// </summary>
public sealed class SchedulerApiTests(ITestOutputHelper output)
{
    private readonly FakeTimeProvider _time = new(DateTimeOffset.Parse("2030-01-01T00:00:00Z"));

    private Task<MiniCluster> Start(int agents = 1, Action<ClusterOptions>? configure = null) =>
        TestCluster.StartAsync(output, _time, agents, configure);

    [Fact]
    public async Task Subscribing_gives_a_subscribed_event_first_and_then_offers_of_every_agent()
    {
        await using var cluster = await Start(agents: 2);
        await using var session = await cluster.Client.SubscribeAsync(new FrameworkInfo("first"));
        var events = new EventStream(session);

        var subscribed = (await events.Next()).Should().BeOfType<SubscribedEvent>().Subject;
        subscribed.FrameworkId.Should().Be(session.FrameworkId).And.NotBeNullOrEmpty();
        subscribed.HeartbeatInterval.Should().Be(TimeSpan.FromSeconds(15));

        var offers = await events.NextOffers("agent-1", "agent-2");
        offers.Values.Should().OnlyContain(o => o.FrameworkId == session.FrameworkId);
        offers.Values.Should().OnlyContain(o => o.Resources.Equals(Resources.Parse(TestCluster.AgentResources)));
        offers.Values.Select(o => o.OfferId).Should().OnlyHaveUniqueItems();
        offers["agent-1"].Attributes.Should().ContainKeys("os", "arch");
    }

    [LinuxFact]
    public async Task An_accepted_offer_launches_a_task_that_reports_starting_running_and_finished_with_exit_code_zero()
    {
        await using var cluster = await Start();
        var (session, events) = await cluster.SubscribeAsync(new FrameworkInfo("jobs"));
        await using var _ = session;
        var offer = await events.NextOffer();

        await session.Launch(offer, Shell("ok", "echo hi; exit 0"));
        var updates = await events.UpdatesUntilTerminal("ok");

        updates.Select(u => u.State).Should().Equal(TaskState.Starting, TaskState.Running, TaskState.Finished);
        updates.Should().OnlyContain(u => u.AgentId == "agent-1" && u.Uuid != null);
        var finished = updates[^1];
        finished.ExitCode.Should().Be(0);
        finished.Source.Should().Be(StatusSource.Executor);
        finished.Output!.Stdout.Should().Be("hi\n");

        var state = await cluster.GetStateAsync();
        state.Tasks.Should().BeEmpty();
        state.CompletedTasks.Should().ContainSingle(t => t.TaskId == "ok").Which.State.Should().Be(TaskState.Finished);
    }

    [LinuxFact]
    public async Task A_task_that_exits_with_three_fails_with_exit_code_three()
    {
        await using var cluster = await Start();
        var (session, events) = await cluster.SubscribeAsync(new FrameworkInfo("jobs"));
        await using var _ = session;
        var offer = await events.NextOffer();

        await session.Launch(offer, Shell("bad", "exit 3"));
        var updates = await events.UpdatesUntilTerminal("bad");

        updates.Select(u => u.State).Should().Equal(TaskState.Starting, TaskState.Running, TaskState.Failed);
        updates[^1].ExitCode.Should().Be(3);
        updates[^1].Message.Should().Contain("3");
    }

    [Fact]
    public async Task A_decline_with_refuse_seconds_hides_the_agent_from_the_framework_until_the_clock_passes_it()
    {
        await using var cluster = await Start();
        var (session, events) = await cluster.SubscribeAsync(new FrameworkInfo("picky"));
        await using var _ = session;
        var offer = await events.NextOffer();

        await session.DeclineAsync([offer.OfferId], new Filters(RefuseSeconds: 30));

        // The allocation timer ticks every second of fake time; for 29 s the agent stays filtered.
        await cluster.AdvanceAsync(_time, TimeSpan.FromSeconds(29), step: TimeSpan.FromSeconds(1));
        (await events.Drain()).OfType<OffersEvent>().Should().BeEmpty();
        (await cluster.GetStateAsync()).Offers.Should().BeEmpty();

        await cluster.AdvanceAsync(_time, TimeSpan.FromSeconds(2), step: TimeSpan.FromSeconds(1));
        var again = await events.NextOffer();
        again.AgentId.Should().Be("agent-1");
        again.OfferId.Should().NotBe(offer.OfferId);
    }

    [Fact]
    public async Task A_declined_agent_goes_to_another_framework_meanwhile()
    {
        await using var cluster = await Start();
        var (first, firstEvents) = await cluster.SubscribeAsync(new FrameworkInfo("first"));
        await using var _ = first;
        var offer = await firstEvents.NextOffer();
        var (second, secondEvents) = await cluster.SubscribeAsync(new FrameworkInfo("second"));
        await using var __ = second;

        await first.DeclineAsync([offer.OfferId], new Filters(RefuseSeconds: 60));
        await cluster.AdvanceAsync(_time, TimeSpan.FromSeconds(1));

        (await secondEvents.NextOffer()).AgentId.Should().Be("agent-1");
        (await firstEvents.Drain()).OfType<OffersEvent>().Should().BeEmpty();
    }

    [Fact]
    public async Task Suppress_stops_offers_and_revive_brings_them_back()
    {
        await using var cluster = await Start();
        var (session, events) = await cluster.SubscribeAsync(new FrameworkInfo("quiet"));
        await using var _ = session;
        var offer = await events.NextOffer();

        await session.SuppressAsync();
        await session.DeclineAsync([offer.OfferId], new Filters(RefuseSeconds: 0));
        await cluster.AdvanceAsync(_time, TimeSpan.FromSeconds(10), step: TimeSpan.FromSeconds(1));

        (await events.Drain()).OfType<OffersEvent>().Should().BeEmpty();
        var state = await cluster.GetStateAsync();
        state.Frameworks.Should().ContainSingle().Which.Suppressed.Should().BeTrue();
        state.Offers.Should().BeEmpty();

        await session.ReviveAsync();
        (await events.NextOffer()).AgentId.Should().Be("agent-1");
        (await cluster.GetStateAsync()).Frameworks.Single().Suppressed.Should().BeFalse();
    }

    [Fact]
    public async Task Revive_lifts_a_decline_filter_at_once()
    {
        await using var cluster = await Start();
        var (session, events) = await cluster.SubscribeAsync(new FrameworkInfo("impatient"));
        await using var _ = session;
        var offer = await events.NextOffer();

        await session.DeclineAsync([offer.OfferId], new Filters(RefuseSeconds: 3600));
        await cluster.AdvanceAsync(_time, TimeSpan.FromSeconds(5), step: TimeSpan.FromSeconds(1));
        (await events.Drain()).OfType<OffersEvent>().Should().BeEmpty();

        await session.ReviveAsync();
        (await events.NextOffer()).AgentId.Should().Be("agent-1");
    }

    [LinuxFact]
    public async Task Killing_a_running_task_reports_killing_then_killed()
    {
        await using var cluster = await Start();
        var (session, events) = await cluster.SubscribeAsync(new FrameworkInfo("killer"));
        await using var _ = session;
        await session.Launch(await events.NextOffer(), Shell("sleeper", "sleep 1000"));
        await events.NextUpdate("sleeper", TaskState.Running);

        await session.KillAsync("sleeper", TimeSpan.FromSeconds(10));

        var updates = await events.UpdatesUntilTerminal("sleeper");
        updates.Select(u => u.State).Should().Equal(TaskState.Killing, TaskState.Killed);
        updates[^1].Source.Should().Be(StatusSource.Executor);
        (await cluster.GetStateAsync()).Tasks.Should().BeEmpty();
    }

    [LinuxFact]
    public async Task A_task_that_ignores_sigterm_is_killed_only_after_the_grace_period()
    {
        await using var cluster = await Start();
        var (session, events) = await cluster.SubscribeAsync(new FrameworkInfo("killer"));
        await using var _ = session;
        await session.Launch(await events.NextOffer(), Shell("stubborn", "trap '' TERM; echo ready; sleep 1000"));
        await events.NextUpdate("stubborn", TaskState.Running);
        await WaitForOutput(cluster.Agent("agent-1"), "stubborn", "ready");

        await session.KillAsync("stubborn", TimeSpan.FromSeconds(10));
        await events.NextUpdate("stubborn", TaskState.Killing);

        // The SIGTERM went out and was ignored: until the grace period passes the task runs on.
        await cluster.AdvanceAsync(_time, TimeSpan.FromSeconds(9), step: TimeSpan.FromSeconds(1));
        (await events.Drain()).OfType<UpdateEvent>().Should().BeEmpty();
        (await cluster.GetStateAsync()).Tasks.Should().ContainSingle().Which.State.Should().Be(TaskState.Killing);

        _time.Advance(TimeSpan.FromSeconds(2));
        var killed = await events.NextUpdate("stubborn");
        killed.State.Should().Be(TaskState.Killed);
        killed.ExitCode.Should().Be(128 + 9, "SIGKILL ended it");
    }

    [LinuxFact]
    public async Task A_task_past_its_max_completion_time_fails_with_MaxCompletionTimeReached()
    {
        await using var cluster = await Start();
        var (session, events) = await cluster.SubscribeAsync(new FrameworkInfo("deadlines"));
        await using var _ = session;
        var task = Shell("slow", "sleep 1000") with { MaxCompletionTime = TimeSpan.FromSeconds(30) };
        await session.Launch(await events.NextOffer(), task);
        await events.NextUpdate("slow", TaskState.Running);

        await cluster.AdvanceAsync(_time, TimeSpan.FromSeconds(29));
        (await events.Drain()).OfType<UpdateEvent>().Should().BeEmpty();

        await cluster.AdvanceAsync(_time, TimeSpan.FromSeconds(1));
        var updates = await events.UpdatesUntilTerminal("slow");
        updates.Select(u => u.State).Should().Equal(TaskState.Killing, TaskState.Failed);
        updates[^1].Reason.Should().Be(TaskReason.MaxCompletionTimeReached);
    }

    [LinuxFact]
    public async Task Explicit_reconciliation_reports_a_running_task_from_the_master()
    {
        await using var cluster = await Start();
        var (session, events) = await cluster.SubscribeAsync(new FrameworkInfo("reconciler"));
        await using var _ = session;
        await session.Launch(await events.NextOffer(), Shell("runner", "sleep 1000"));
        await events.NextUpdate("runner", TaskState.Running);

        await session.ReconcileAsync(["runner"]);
        var status = await events.NextUpdate("runner");

        status.State.Should().Be(TaskState.Running);
        status.Source.Should().Be(StatusSource.Master);
        status.Reason.Should().Be(TaskReason.Reconciliation);
        status.AgentId.Should().Be("agent-1");
        status.Uuid.Should().BeNull("the master's own updates need no acknowledgement");
    }

    [LinuxFact]
    public async Task Explicit_reconciliation_reports_a_finished_task_and_an_unknown_one()
    {
        await using var cluster = await Start();
        var (session, events) = await cluster.SubscribeAsync(new FrameworkInfo("reconciler"));
        await using var _ = session;
        await session.Launch(await events.NextOffer(), Shell("done", "exit 0"));
        await events.NextUpdate("done", TaskState.Finished);

        await session.ReconcileAsync(["done", "never-launched"]);

        var done = await events.NextUpdate("done");
        done.State.Should().Be(TaskState.Finished);
        done.Reason.Should().Be(TaskReason.Reconciliation);
        done.ExitCode.Should().Be(0);
        var unknown = await events.NextUpdate("never-launched");
        unknown.State.Should().Be(TaskState.Unknown);
        unknown.Source.Should().Be(StatusSource.Master);
        unknown.Reason.Should().Be(TaskReason.Reconciliation);
    }

    [LinuxFact]
    public async Task Implicit_reconciliation_reports_every_active_task()
    {
        await using var cluster = await Start();
        var (session, events) = await cluster.SubscribeAsync(new FrameworkInfo("reconciler"));
        await using var _ = session;
        await session.Launch(await events.NextOffer(), Shell("a", "sleep 1000"), Shell("b", "sleep 1000"), Shell("c", "exit 0"));
        await events.NextUpdate("a", TaskState.Running);
        await events.NextUpdate("b", TaskState.Running);
        await events.NextUpdate("c", TaskState.Finished);
        await cluster.SettleAsync();
        await events.Drain();

        await session.ReconcileAsync();
        await cluster.SettleAsync();

        var statuses = (await events.Drain()).OfType<UpdateEvent>().Select(u => u.Status).ToList();
        statuses.Should().OnlyContain(s => s.Source == StatusSource.Master && s.Reason == TaskReason.Reconciliation && s.State == TaskState.Running);
        statuses.Select(s => s.TaskId).Should().BeEquivalentTo(["a", "b"]);
    }

    [LinuxFact]
    public async Task An_update_is_sent_again_until_acknowledged_and_the_next_one_waits_for_the_acknowledgement()
    {
        await using var cluster = await Start();
        var (session, events) = await cluster.SubscribeAsync(new FrameworkInfo("forgetful"), autoAcknowledge: false);
        await using var _ = session;
        await session.Launch(await events.NextOffer(), Shell("t", "sleep 1000"));
        await session.AcknowledgeAsync(await events.NextUpdate("t", TaskState.Starting));
        var running = await events.NextUpdate("t", TaskState.Running);
        running.Uuid.Should().NotBeNull();

        // Not acknowledged: after the retry interval (10 s) the agent sends the very same update again.
        await cluster.AdvanceAsync(_time, TimeSpan.FromSeconds(10));
        (await events.NextUpdate("t")).Should().Be(running);

        // The kill's KILLING (and the KILLED after it) wait behind the unacknowledged RUNNING.
        await session.KillAsync("t");
        await cluster.SettleAsync();
        (await events.Drain()).OfType<UpdateEvent>().Should().BeEmpty();

        // The backoff doubles: 20 s for the next re-send, which is still RUNNING.
        await cluster.AdvanceAsync(_time, TimeSpan.FromSeconds(19));
        (await events.Drain()).OfType<UpdateEvent>().Should().BeEmpty();
        await cluster.AdvanceAsync(_time, TimeSpan.FromSeconds(1));
        (await events.NextUpdate("t")).Should().Be(running);

        await session.AcknowledgeAsync(running);
        var killing = await events.NextUpdate("t");
        killing.State.Should().Be(TaskState.Killing);

        await session.AcknowledgeAsync(killing);
        var killed = await events.NextUpdate("t");
        killed.State.Should().Be(TaskState.Killed);
        await session.AcknowledgeAsync(killed);

        // Everything acknowledged: nothing is sent again, however long we wait.
        await cluster.AdvanceAsync(_time, TimeSpan.FromMinutes(3), step: TimeSpan.FromSeconds(10));
        (await events.Drain()).OfType<UpdateEvent>().Should().BeEmpty();
    }

    [LinuxFact]
    public async Task Duplicate_and_unexpected_acknowledgements_are_ignored()
    {
        await using var cluster = await Start();
        var (session, events) = await cluster.SubscribeAsync(new FrameworkInfo("eager"), autoAcknowledge: false);
        await using var _ = session;
        await session.Launch(await events.NextOffer(), Shell("t", "sleep 1000"));
        var starting = await events.NextUpdate("t", TaskState.Starting);
        await session.AcknowledgeAsync(starting);
        var running = await events.NextUpdate("t", TaskState.Running);
        await session.AcknowledgeAsync(running);
        await session.KillAsync("t");
        var killing = await events.NextUpdate("t", TaskState.Killing);

        // Acknowledging updates that are not in flight neither fails nor lets KILLING go.
        await session.AcknowledgeAsync(running);
        await session.AcknowledgeAsync(starting);
        await session.AcknowledgeAsync(killing with { Uuid = Guid.NewGuid() });
        await session.AcknowledgeAsync(killing with { TaskId = "no-such-task" });
        await session.AcknowledgeAsync(killing with { AgentId = "no-such-agent" });
        await cluster.SettleAsync();
        (await events.Drain()).OfType<UpdateEvent>().Should().BeEmpty();

        await cluster.AdvanceAsync(_time, TimeSpan.FromSeconds(10));
        (await events.NextUpdate("t")).Should().Be(killing, "KILLING is still the update in flight");

        await session.AcknowledgeAsync(killing);
        var killed = await events.NextUpdate("t");
        killed.State.Should().Be(TaskState.Killed);
        await session.AcknowledgeAsync(killed);
        await session.AcknowledgeAsync(killed);
        await cluster.AdvanceAsync(_time, TimeSpan.FromSeconds(30));
        (await events.Drain()).OfType<UpdateEvent>().Should().BeEmpty();
        (await cluster.GetStateAsync()).Frameworks.Should().ContainSingle();
    }

    [LinuxFact]
    public async Task Teardown_kills_the_framework_tasks_and_closes_its_stream()
    {
        await using var cluster = await Start();
        var (session, events) = await cluster.SubscribeAsync(new FrameworkInfo("short-lived"));
        await using var _ = session;
        await session.Launch(await events.NextOffer(), Shell("t", "echo $$; sleep 1000"));
        await events.NextUpdate("t", TaskState.Running);
        var pid = int.Parse((await WaitForOutput(cluster.Agent("agent-1"), "t", "\n")).Trim());
        ProcessIsAlive(pid).Should().BeTrue();

        await session.TeardownAsync();

        (await events.EndsWithin()).Should().BeTrue("teardown closes the framework's event stream");
        var state = await cluster.GetStateAsync();
        state.Frameworks.Should().BeEmpty();
        state.Tasks.Should().BeEmpty();
        state.Agents.Single().ActiveTasks.Should().Be(0);
        var ended = state.CompletedTasks.Should().ContainSingle(t => t.TaskId == "t").Subject;
        ended.State.Should().Be(TaskState.Killed);
        ended.LastStatus!.Reason.Should().Be(TaskReason.FrameworkRemoved);
        await WaitUntil(() => !ProcessIsAlive(pid), $"process {pid} of the torn-down framework to exit");
    }

    [LinuxFact]
    public async Task A_framework_that_fails_over_within_its_timeout_keeps_its_tasks_and_gets_their_updates()
    {
        await using var cluster = await Start();
        var info = new FrameworkInfo("resilient") { FailoverTimeout = TimeSpan.FromSeconds(60) };
        var (session, events) = await cluster.SubscribeAsync(info);
        await session.Launch(await events.NextOffer(), Shell("t", "sleep 1000"));
        await events.NextUpdate("t", TaskState.Running);

        await session.DisposeAsync();
        await cluster.SettleAsync();
        var disconnected = await cluster.GetStateAsync();
        disconnected.Frameworks.Should().ContainSingle().Which.Connected.Should().BeFalse();
        disconnected.Tasks.Should().ContainSingle().Which.State.Should().Be(TaskState.Running);

        await cluster.AdvanceAsync(_time, TimeSpan.FromSeconds(50));
        var (again, againEvents) = await cluster.SubscribeAsync(info with { FrameworkId = session.FrameworkId });
        await using var _ = again;
        again.FrameworkId.Should().Be(session.FrameworkId);
        (await cluster.GetStateAsync()).Frameworks.Single().Connected.Should().BeTrue();

        // Past the old deadline nothing happens: the failover timer belonged to the old connection.
        await cluster.AdvanceAsync(_time, TimeSpan.FromSeconds(20));
        (await cluster.GetStateAsync()).Tasks.Should().ContainSingle();

        await again.ReconcileAsync(["t"]);
        (await againEvents.NextUpdate("t")).State.Should().Be(TaskState.Running);
        await again.KillAsync("t");
        var updates = await againEvents.UpdatesUntilTerminal("t");
        updates.Select(u => u.State).Should().Equal(TaskState.Killing, TaskState.Killed);
    }

    [LinuxFact]
    public async Task A_framework_that_does_not_come_back_within_its_failover_timeout_is_removed_with_its_tasks()
    {
        await using var cluster = await Start();
        var info = new FrameworkInfo("gone") { FailoverTimeout = TimeSpan.FromSeconds(60) };
        var (session, events) = await cluster.SubscribeAsync(info);
        await session.Launch(await events.NextOffer(), Shell("t", "echo $$; sleep 1000"));
        await events.NextUpdate("t", TaskState.Running);
        var pid = int.Parse((await WaitForOutput(cluster.Agent("agent-1"), "t", "\n")).Trim());

        await session.DisposeAsync();
        await cluster.AdvanceAsync(_time, TimeSpan.FromSeconds(59));
        (await cluster.GetStateAsync()).Frameworks.Should().ContainSingle();
        ProcessIsAlive(pid).Should().BeTrue();

        await cluster.AdvanceAsync(_time, TimeSpan.FromSeconds(2));
        var state = await cluster.GetStateAsync();
        state.Frameworks.Should().BeEmpty();
        state.Tasks.Should().BeEmpty();
        state.CompletedTasks.Should().ContainSingle(t => t.TaskId == "t").Which.State.Should().Be(TaskState.Killed);
        await WaitUntil(() => !ProcessIsAlive(pid), $"process {pid} of the removed framework to exit");

        var resubscribe = () => cluster.Client.SubscribeAsync(info with { FrameworkId = session.FrameworkId });
        (await resubscribe.Should().ThrowAsync<InvalidOperationException>()).WithMessage($"*{session.FrameworkId}*");
    }

    [LinuxFact]
    public async Task Frameworks_in_different_roles_share_agents_by_weighted_dominant_share()
    {
        await using var cluster = await Start(agents: 2);
        var (analytics, analyticsEvents) = await cluster.SubscribeAsync(new FrameworkInfo("analytics", "analytics"));
        await using var _ = analytics;
        var offers = await analyticsEvents.NextOffers("agent-1", "agent-2");
        var (web, webEvents) = await cluster.SubscribeAsync(new FrameworkInfo("web", "web"));
        await using var __ = web;
        await cluster.SettleAsync();
        (await webEvents.Drain()).OfType<OffersEvent>().Should().BeEmpty("the first framework holds every agent");

        // analytics keeps 1 of 8 cpus and gives the rest back: web, at share 0, goes first. It then holds
        // half the cluster's disk, a larger share than analytics', so the other agent goes to analytics.
        await analytics.DeclineAsync([offers["agent-2"].OfferId], new Filters(0));
        await analytics.LaunchAsync(offers["agent-1"], [Shell("a", "sleep 1000", resources: "cpus:1;mem:128")], new Filters(0));
        var webOffer = await webEvents.NextOffer();
        var analyticsOffer = await analyticsEvents.NextOffer();
        analyticsOffer.AgentId.Should().NotBe(webOffer.AgentId);
        await cluster.SettleAsync();
        (await webEvents.Drain()).OfType<OffersEvent>().Should().BeEmpty();

        // With weight 10, web's share counts a tenth: it comes first for both agents.
        cluster.Client.SetRoleWeight("web", 10);
        await cluster.SettleAsync();
        await web.DeclineAsync([webOffer.OfferId], new Filters(0));
        await analytics.DeclineAsync([analyticsOffer.OfferId], new Filters(0));
        await cluster.AdvanceAsync(_time, TimeSpan.FromSeconds(1));
        var both = (await webEvents.Drain()).OfType<OffersEvent>().SelectMany(e => e.Offers).Select(o => o.AgentId);
        both.Should().BeEquivalentTo(["agent-1", "agent-2"]);
        (await analyticsEvents.Drain()).OfType<OffersEvent>().Should().BeEmpty();

        var roles = (await cluster.GetStateAsync()).Roles.ToDictionary(r => r.Role);
        roles["web"].Weight.Should().Be(10);
        roles["analytics"].Weight.Should().Be(1);
        roles["analytics"].Allocated.Should().Be(Resources.Parse("cpus:1;mem:128"));
        roles["web"].Frameworks.Should().Be(1);
    }

    [LinuxFact]
    public async Task The_state_shows_agents_frameworks_tasks_offers_and_roles()
    {
        await using var cluster = await Start(configure: o =>
        {
            o.AddAgent("agent-1", TestCluster.AgentResources);
            o.AddAgent("agent-2", TestCluster.AgentResources).SetAttribute("zone", "b");
        });
        var (session, events) = await cluster.SubscribeAsync(new FrameworkInfo("observed", "ops"));
        await using var _ = session;
        var offers = await events.NextOffers("agent-1", "agent-2");
        await session.Launch(offers["agent-1"], Shell("t", "sleep 1000", resources: "cpus:1;mem:256"));
        var running = await events.NextUpdate("t", TaskState.Running);
        await cluster.SettleAsync();

        var state = await cluster.GetStateAsync();

        state.Timestamp.Should().Be(_time.GetUtcNow());
        state.Agents.Select(a => a.AgentId).Should().Equal("agent-1", "agent-2");
        var agent1 = state.Agents[0];
        agent1.Reachable.Should().BeTrue();
        agent1.Total.Should().Be(Resources.Parse(TestCluster.AgentResources));
        agent1.Used.Should().Be(Resources.Parse("cpus:1;mem:256"));
        agent1.ActiveTasks.Should().Be(1);
        state.Agents[1].Attributes.Should().Contain("zone", "b");

        var framework = state.Frameworks.Should().ContainSingle().Subject;
        framework.Should().BeEquivalentTo(new { FrameworkId = session.FrameworkId, Name = "observed", Role = "ops", Connected = true, Suppressed = false, ActiveTasks = 1 });

        var task = state.Tasks.Should().ContainSingle().Subject;
        task.Should().BeEquivalentTo(new { TaskId = "t", FrameworkId = session.FrameworkId, AgentId = "agent-1", State = TaskState.Running });
        task.LastStatus!.State.Should().Be(TaskState.Running);
        task.StartedAt.Should().Be(running.Timestamp, "a task started when its first TASK_RUNNING says");

        // agent-2's offer is still out; agent-1's remainder is filtered for the default 5 s after the launch.
        state.Offers.Should().ContainSingle().Which.Should().Be(offers["agent-2"]);
        framework.Offers.Should().Be(1);

        var role = state.Roles.Should().ContainSingle().Subject;
        role.Role.Should().Be("ops");
        role.Frameworks.Should().Be(1);
        role.Share.Should().BeGreaterThan(0);
    }

    internal static async Task<string> WaitForOutput(AgentHandle agent, string taskId, string text)
    {
        var output = "";
        await WaitUntilAsync(async () =>
        {
            output = (await agent.ReadOutputAsync(taskId))?.Stdout ?? "";
            return output.Contains(text, StringComparison.Ordinal);
        }, $"task {taskId} to print '{text.Trim()}'");
        return output;
    }

    internal static Task WaitUntil(Func<bool> condition, string what) => WaitUntilAsync(() => Task.FromResult(condition()), what);

    /// <summary>Polls a real process's condition (not the clock's): it only guards against a hang.</summary>
    internal static async Task WaitUntilAsync(Func<Task<bool>> condition, string what)
    {
        var deadline = DateTime.UtcNow + EventStream.DefaultGuard;
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"gave up waiting for {what}");
            await Task.Delay(10);
        }
    }

    internal static bool ProcessIsAlive(int pid)
    {
        try
        {
            // A zombie still has a /proc entry: count it as gone.
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            return stat[(stat.LastIndexOf(')') + 2)] != 'Z';
        }
        catch (IOException)
        {
            return false;
        }
    }
}
