using System.Collections.Immutable;
using Embedded.Orchestration.Hosting;
using Embedded.Orchestration.Model;
using Embedded.Orchestration.Scheduling;
using Microsoft.Extensions.Time.Testing;
using Xunit.Abstractions;
using static Embedded.Testing.TestTasks;

namespace Embedded.Orchestration.Tests.Master;

/// <summary>Huge, hostile or nonsensical input gets a clear error or status, and nothing else changes.</summary>
public sealed class HostileInputTests(ITestOutputHelper output)
{
    private readonly FakeTimeProvider _time = new(DateTimeOffset.Parse("2030-01-01T00:00:00Z"));

    private static TaskInfo BadTask(string what) => what switch
    {
        "a megabyte task id" => Shell(new string('x', 1_000_000), "true"),
        "ten thousand labels" => Shell("labels", "true") with { Labels = Enumerable.Range(0, 10_000).ToImmutableDictionary(i => $"k{i}", _ => "v") },
        "a megabyte label" => Shell("label", "true") with { Labels = ImmutableDictionary<string, string>.Empty.Add("k", new string('v', 1_000_000)) },
        "a control character in the id" => Shell("bad\u0000id", "true"),
        "a path in the id" => Shell("../../etc", "true"),
        "an absurd resource ask" => Shell("huge", "true", resources: "cpus:1000000000;mem:1"),
        _ => Shell("neg", "true") with { MaxCompletionTime = TimeSpan.FromSeconds(-1) },
    };

    [LinuxTheory]
    [InlineData("a megabyte task id")]
    [InlineData("ten thousand labels")]
    [InlineData("a megabyte label")]
    [InlineData("a control character in the id")]
    [InlineData("a path in the id")]
    [InlineData("an absurd resource ask")]
    [InlineData("a negative completion time")]
    public async Task A_hostile_task_is_refused_with_a_status_and_the_cluster_keeps_serving(string what)
    {
        var task = BadTask(what);
        await using var cluster = await TestCluster.StartAsync(output, _time);
        var (session, events) = await cluster.SubscribeAsync(new FrameworkInfo("hostile"));
        await using var _ = session;
        var before = await cluster.GetStateAsync();

        await session.LaunchAsync(await events.NextOffer(), [task], new Filters(0));
        var refused = await events.Next<UpdateEvent>();
        refused.Status.State.Should().Be(TaskState.Error, what);
        refused.Status.Reason.Should().Be(TaskReason.TaskInvalid);
        refused.Status.Message.Length.Should().BeLessThan(1_000, "an error message does not echo a megabyte back");

        var after = await cluster.GetStateAsync();
        after.Tasks.Should().BeEmpty();
        after.Agents.Should().BeEquivalentTo(before.Agents);
        await session.LaunchAsync(await events.NextOffer(), [Shell("fine", "exit 0")]);
        (await events.NextUpdate("fine", TaskState.Finished)).ExitCode.Should().Be(0);
    }

    [Fact]
    public async Task Nonsense_calls_get_clear_errors_and_change_nothing()
    {
        await using var cluster = await TestCluster.StartAsync(output, _time);
        var (session, events) = await cluster.SubscribeAsync(new FrameworkInfo("hostile"));
        await using var _ = session;
        var offer = await events.NextOffer();

        await FluentActions.Awaiting(() => session.KillAsync("t", TimeSpan.FromSeconds(-5))).Should().ThrowAsync<ArgumentException>().WithMessage("*negative*");
        await FluentActions.Awaiting(() => session.KillAsync("")).Should().ThrowAsync<ArgumentException>();
        await FluentActions.Awaiting(() => session.MessageAsync("no-such-agent", "t", new byte[10])).Should().ThrowAsync<InvalidOperationException>().WithMessage("*not reachable*");
        await FluentActions.Awaiting(() => cluster.Client.SubscribeAsync(new FrameworkInfo(new string('n', 100_000)))).Should().ThrowAsync<ArgumentException>();
        await FluentActions.Awaiting(() => cluster.Client.SubscribeAsync(new FrameworkInfo("x", Role: "../etc"))).Should().ThrowAsync<ArgumentException>();
        FluentActions.Invoking(() => cluster.Client.SetRoleWeight("r", double.NaN)).Should().Throw<ArgumentOutOfRangeException>();
        await session.DeclineAsync([offer.OfferId], new Filters(double.NaN));
        await session.ReconcileAsync(Enumerable.Range(0, 10_000).Select(i => $"ghost-{i}"));
        var unknown = 0;
        while (unknown < 10_000) if ((await events.Next<UpdateEvent>()).Status.State == TaskState.Unknown) unknown++;

        var state = await cluster.GetStateAsync();
        state.Frameworks.Should().ContainSingle();
        state.Tasks.Should().BeEmpty();
        await session.ReviveAsync();
        await session.LaunchAsync(await events.NextOffer(), [Shell("fine", "exit 0")]);
        (await events.NextUpdate("fine", TaskState.Finished)).ExitCode.Should().Be(0);
    }

    [Fact]
    public void Hostile_resource_text_is_refused_with_a_short_message()
    {
        foreach (var text in new[] { new string(';', 1_000_000), "cpus:" + new string('9', 100_000), string.Concat(Enumerable.Repeat("cpus:1;", 10_000)), "ports:[" + string.Join(",", Enumerable.Range(0, 5).Select(_ => "1-")) })
        {
            Resources.TryParse(text, out _, out var error).Should().Be(text.Trim(';').Length == 0, text[..Math.Min(20, text.Length)]);
            (error ?? "").Length.Should().BeLessThan(500);
        }
    }
}
