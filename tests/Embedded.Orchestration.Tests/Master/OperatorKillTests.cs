using Embedded.Orchestration.Execution;
using Embedded.Orchestration.Hosting;
using Embedded.Orchestration.Model;
using Embedded.Orchestration.Scheduling;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Xunit.Abstractions;
using static Embedded.Testing.TestTasks;

namespace Embedded.Orchestration.Tests.Master;

/// <summary>An operator's kill (<see cref="IClusterClient.KillTaskAsync"/>): found by task id, killed as its framework would, and nothing else changes.</summary>
public sealed class OperatorKillTests(ITestOutputHelper output)
{
    private readonly FakeTimeProvider _time = new(DateTimeOffset.Parse("2030-01-01T00:00:00Z"));

    private async Task<MiniCluster> Start()
    {
        var cluster = await TestCluster.StartAsync(output, _time, agents: 2);
        // Runs until killed: the kill cancels its token.
        cluster.ServiceProvider.GetRequiredService<DelegateRegistry>().Register("forever", async (_, ct) =>
        {
            await Task.Delay(Timeout.Infinite, ct);
            return 0;
        });
        return cluster;
    }

    [Fact]
    public async Task An_operator_kill_ends_the_task_with_killed_and_says_an_operator_killed_it()
    {
        await using var cluster = await Start();
        var (session, events) = await cluster.SubscribeAsync(new FrameworkInfo("victim"));
        await using var _ = session;
        await session.Launch(await events.NextOffer(), Delegate("t", "forever"));
        await events.NextUpdate("t", TaskState.Running);

        var result = await cluster.Client.KillTaskAsync("t", gracePeriod: TimeSpan.Zero);

        result.Outcome.Should().Be(TaskKillOutcome.Killing, result.Message);
        var updates = await events.UpdatesUntilTerminal("t");
        updates.Select(u => u.State).Should().Equal(TaskState.Killing, TaskState.Killed);
        updates[^1].Reason.Should().Be(TaskReason.KilledByUser);
        updates[^1].Message.Should().Contain("killed by an operator");
        (await cluster.GetStateAsync()).Tasks.Should().BeEmpty();
    }

    [Fact]
    public async Task An_unknown_task_is_not_found_and_nothing_changes()
    {
        await using var cluster = await Start();
        var (session, events) = await cluster.SubscribeAsync(new FrameworkInfo("bystander"));
        await using var _ = session;
        await session.Launch(await events.NextOffer(), Delegate("t", "forever"));
        await events.NextUpdate("t", TaskState.Running);

        var unknown = await cluster.Client.KillTaskAsync("no-such-task");
        var otherFramework = await cluster.Client.KillTaskAsync("t", frameworkId: "no-such-framework");
        await cluster.SettleAsync();

        unknown.Should().Be(new TaskKillResult(TaskKillOutcome.NotFound, "no active task no-such-task"));
        otherFramework.Outcome.Should().Be(TaskKillOutcome.NotFound);
        otherFramework.Message.Should().Contain("no-such-framework");
        (await events.Drain()).OfType<UpdateEvent>().Should().BeEmpty();
        (await cluster.GetStateAsync()).Tasks.Should().ContainSingle(t => t.TaskId == "t" && t.State == TaskState.Running);
    }

    [Fact]
    public async Task A_task_id_two_frameworks_use_is_ambiguous_until_a_framework_is_named()
    {
        await using var cluster = await Start();
        var (first, firstEvents) = await cluster.SubscribeAsync(new FrameworkInfo("first"));
        await using var _ = first;
        var (second, secondEvents) = await cluster.SubscribeAsync(new FrameworkInfo("second"));
        await using var __ = second;
        await first.Launch(await firstEvents.NextOffer(), Delegate("same", "forever"));
        await second.Launch(await secondEvents.NextOffer(), Delegate("same", "forever"));
        await firstEvents.NextUpdate("same", TaskState.Running);
        await secondEvents.NextUpdate("same", TaskState.Running);

        var ambiguous = await cluster.Client.KillTaskAsync("same");
        ambiguous.Outcome.Should().Be(TaskKillOutcome.Ambiguous);
        ambiguous.Message.Should().Contain(first.FrameworkId).And.Contain(second.FrameworkId);
        await cluster.SettleAsync();
        (await cluster.GetStateAsync()).Tasks.Should().HaveCount(2).And.OnlyContain(t => t.State == TaskState.Running);

        var named = await cluster.Client.KillTaskAsync("same", second.FrameworkId, TimeSpan.Zero);

        named.Outcome.Should().Be(TaskKillOutcome.Killing, named.Message);
        (await secondEvents.NextUpdate("same", TaskState.Killed)).Message.Should().Contain("operator");
        (await cluster.GetStateAsync()).Tasks.Should().ContainSingle(t => t.FrameworkId == first.FrameworkId && t.State == TaskState.Running);
        (await firstEvents.Drain()).OfType<UpdateEvent>().Should().BeEmpty();
    }

    [Fact]
    public async Task Bad_arguments_throw_and_reach_no_master()
    {
        await using var cluster = await Start();

        await cluster.Invoking(c => c.Client.KillTaskAsync(" ")).Should().ThrowAsync<ArgumentException>();
        await cluster.Invoking(c => c.Client.KillTaskAsync("t", gracePeriod: TimeSpan.FromSeconds(-1))).Should().ThrowAsync<ArgumentOutOfRangeException>();
    }
}
