using Embedded.Orchestration.Hosting;
using Embedded.Orchestration.Model;
using Embedded.Orchestration.Scheduling;
using Microsoft.Extensions.Time.Testing;
using Xunit.Abstractions;
using static Embedded.Orchestration.Tests.Master.SchedulerApiTests;
using static Embedded.Testing.TestTasks;

namespace Embedded.Orchestration.Tests.Master;

/// <summary>A master that restarts with tasks running: it recovers its registry and rebuilds task state from the agents.</summary>
public sealed class MasterRestartTests(ITestOutputHelper output) : IDisposable
{
    private readonly FakeTimeProvider _time = new(DateTimeOffset.Parse("2030-01-01T00:00:00Z"));
    private readonly string _registry = Path.Combine(Path.GetTempPath(), "embedded-master-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_registry)) Directory.Delete(_registry, recursive: true);
    }

    [LinuxFact]
    public async Task Tasks_survive_a_master_restart_and_reconciliation_waits_for_agents_that_have_not_come_back()
    {
        await using var cluster = await TestCluster.StartAsync(output, _time, agents: 2, configure: o => o.Master.WorkDirectory = _registry);
        var framework = new FrameworkInfo("durable") { FailoverTimeout = TimeSpan.FromHours(1) };
        var (session, events) = await cluster.SubscribeAsync(framework);
        var offers = await events.NextOffers("agent-1", "agent-2");
        await session.LaunchAsync(offers["agent-1"], [Shell("t", "echo $$; sleep 1000")]);
        await events.NextUpdate("t", TaskState.Running);
        var pid = int.Parse((await WaitForOutput(cluster.Agent("agent-1"), "t", "\n")).Trim());
        cluster.Agent("agent-2").Partition();

        await cluster.RestartMasterAsync();

        (await events.EndsWithin()).Should().BeTrue("the old master's stream ends with it");
        ProcessIsAlive(pid).Should().BeTrue("a master restart kills nothing");
        var (again, newEvents) = await cluster.SubscribeAsync(framework with { FrameworkId = session.FrameworkId });
        await using var _ = again;
        again.FrameworkId.Should().Be(session.FrameworkId);
        await cluster.SettleAsync();

        var state = await cluster.GetStateAsync();
        state.Agents.Select(a => (a.AgentId, a.Reachable)).Should().BeEquivalentTo([("agent-1", true), ("agent-2", false)]);
        state.Tasks.Should().ContainSingle().Which.Should().Match<Embedded.Orchestration.Scheduling.TaskSnapshot>(t =>
            t.TaskId == "t" && t.AgentId == "agent-1" && t.State == TaskState.Running);

        // agent-2 has not come back: the master cannot yet say a task it does not know is unknown.
        await again.ReconcileAsync(["t", "nope"]);
        await cluster.SettleAsync();
        var answers = (await newEvents.Drain()).OfType<UpdateEvent>().Select(u => u.Status).ToList();
        answers.Should().ContainSingle().Which.Should().Match<StatusUpdate>(s => s.TaskId == "t" && s.State == TaskState.Running && s.Reason == TaskReason.Reconciliation);

        cluster.Agent("agent-2").Heal();
        await cluster.SettleAsync();
        (await cluster.GetStateAsync()).Agents.Should().OnlyContain(a => a.Reachable);
        await again.ReconcileAsync(["nope"]);
        (await newEvents.NextUpdate("nope")).State.Should().Be(TaskState.Unknown);

        await again.KillAsync("t");
        (await newEvents.NextUpdate("t", TaskState.Killed)).Source.Should().Be(StatusSource.Executor);
        await WaitUntil(() => !ProcessIsAlive(pid), $"process {pid} to be killed");
    }

    [LinuxFact]
    public async Task A_task_that_ended_with_its_update_unacknowledged_is_among_the_completed_tasks_of_a_restarted_master()
    {
        await using var cluster = await TestCluster.StartAsync(output, _time, agents: 1, configure: o => o.Master.WorkDirectory = _registry);
        var framework = new FrameworkInfo("durable") { FailoverTimeout = TimeSpan.FromHours(1) };
        var (session, events) = await cluster.SubscribeAsync(framework);
        events.AutoAcknowledge = false;
        await session.LaunchAsync(await events.NextOffer(), [Shell("t", "true")]);
        // Every update acknowledged but the last.
        StatusUpdate finished;
        while (!(finished = await events.NextUpdate("t")).IsTerminal) await session.AcknowledgeAsync(finished);
        finished.State.Should().Be(TaskState.Finished);

        await cluster.RestartMasterAsync();
        var (again, newEvents) = await cluster.SubscribeAsync(framework with { FrameworkId = session.FrameworkId });
        await using var _ = again;
        await cluster.SettleAsync();

        var state = await cluster.GetStateAsync();
        state.Tasks.Should().BeEmpty();
        state.CompletedTasks.Should().ContainSingle().Which.Should().Match<Embedded.Orchestration.Scheduling.TaskSnapshot>(t =>
            t.TaskId == "t" && t.AgentId == "agent-1" && t.State == TaskState.Finished, "the agent reported it, ended, when it registered again");
        await again.AcknowledgeAsync(finished);
    }

    [LinuxFact]
    public async Task The_job_scheduler_fails_over_to_a_restarted_master_and_its_running_job_finishes()
    {
        await using var cluster = await MiniCluster.StartAsync(1, o => o.Master.WorkDirectory = _registry,
            loggerFactory: TestOutputLoggerProvider.Factory(output));
        var marker = Path.Combine(_registry, "go");
        var handle = await cluster.Jobs.SubmitAsync(Job.Shell($"echo started; while [ ! -f {marker} ]; do sleep 0.05; done; echo done"));
        await foreach (var update in handle.WatchAsync().WithCancellation(new CancellationTokenSource(EventStream.DefaultGuard).Token))
            if (update.State == TaskState.Running) break;

        await cluster.RestartMasterAsync();
        await File.WriteAllTextAsync(marker, "");

        var result = await handle.Completion.WaitAsync(EventStream.DefaultGuard);
        result.State.Should().Be(TaskState.Finished, result.ToString());
        result.Stdout.Should().Be("started\ndone\n");
        result.Attempts.Should().Be(1, "the task ran through the restart");
        (await cluster.Jobs.RunAsync(Job.Shell("echo after")).WaitAsync(EventStream.DefaultGuard)).Stdout.Should().Be("after\n");
    }

    [Fact]
    public async Task Quota_set_at_run_time_survives_a_master_restart()
    {
        await using var cluster = await TestCluster.StartAsync(output, _time, agents: 2, configure: o => o.Master.WorkDirectory = _registry);
        await cluster.Client.SetRoleQuotaAsync("capped", Embedded.Orchestration.Allocation.RoleQuota.Parse("cpus:1", limit: "cpus:2"));
        await cluster.RestartMasterAsync();
        await cluster.SettleAsync();

        var (session, events) = await cluster.SubscribeAsync(new FrameworkInfo("frugal", Role: "capped"));
        await using var _ = session;
        var offers = (await events.Next<OffersEvent>()).Offers.ToList();
        await cluster.SettleAsync();
        offers.AddRange((await events.Drain()).OfType<OffersEvent>().SelectMany(o => o.Offers));
        offers.Sum(o => o.Resources.Cpus.Value).Should().Be(2, "the restarted master still caps the role");
    }

    [Fact]
    public async Task A_master_without_a_work_directory_forgets_and_agents_register_again_as_new()
    {
        await using var cluster = await TestCluster.StartAsync(output, _time, agents: 1);
        await cluster.RestartMasterAsync();
        await cluster.SettleAsync();
        var state = await cluster.GetStateAsync();
        state.Agents.Should().ContainSingle().Which.Reachable.Should().BeTrue();
        state.Frameworks.Should().BeEmpty();
    }
}
