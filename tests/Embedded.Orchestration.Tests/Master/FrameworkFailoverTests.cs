using Embedded.Orchestration.Model;
using Microsoft.Extensions.Time.Testing;
using Xunit.Abstractions;
using static Embedded.Testing.TestTasks;

namespace Embedded.Orchestration.Tests.Master;

/// <summary>A framework that fails over receives what it missed while it was away, at once, in order, with the same ids.</summary>
public sealed class FrameworkFailoverTests(ITestOutputHelper output)
{
    private readonly FakeTimeProvider _time = new(DateTimeOffset.Parse("2030-01-01T00:00:00Z"));

    [LinuxFact]
    public async Task Updates_missed_while_disconnected_arrive_on_resubscription_without_waiting_for_a_retry()
    {
        await using var cluster = await TestCluster.StartAsync(output, _time);
        var info = new FrameworkInfo("resilient") { FailoverTimeout = TimeSpan.FromMinutes(5) };
        var (session, events) = await cluster.SubscribeAsync(info, autoAcknowledge: false);
        await session.LaunchAsync(await events.NextOffer(), [Shell("t", "exit 3")]);
        var starting = await events.NextUpdate("t", TaskState.Starting);

        await session.DisposeAsync();
        await cluster.SettleAsync();

        // No clock moves: the re-sends come because the framework is back, not because a retry timer fired.
        var (again, missed) = await cluster.SubscribeAsync(info with { FrameworkId = session.FrameworkId }, autoAcknowledge: false);
        await using var _ = again;
        var first = await missed.NextUpdate("t");
        first.Uuid.Should().Be(starting.Uuid);
        await again.AcknowledgeAsync(first);
        var running = await missed.NextUpdate("t");
        running.State.Should().Be(TaskState.Running);
        await again.AcknowledgeAsync(running);
        var failed = await missed.NextUpdate("t");
        failed.State.Should().Be(TaskState.Failed);
        failed.ExitCode.Should().Be(3);
        await again.AcknowledgeAsync(failed);
        await cluster.SettleAsync();
        (await missed.Drain()).OfType<UpdateEvent>().Should().BeEmpty("every update came once it was due, and once acknowledged never again");
    }
}
