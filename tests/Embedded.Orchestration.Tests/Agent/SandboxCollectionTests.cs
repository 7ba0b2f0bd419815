using Embedded.Orchestration.Agent;
using Embedded.Orchestration.Hosting;
using Embedded.Orchestration.Model;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Xunit.Abstractions;
using static Embedded.Testing.TestTasks;

namespace Embedded.Orchestration.Tests.Agent;

/// <summary>
/// Forgotten sandboxes are kept for reading, then removed with their empty parents after GcDelay, or
/// sooner when the disk runs short; a running task's sandbox and a known task's checkpoint stay.
/// </summary>
public sealed class SandboxCollectionTests(ITestOutputHelper output)
{
    private static readonly TimeSpan GcDelay = TimeSpan.FromMinutes(10);
    // Starts at the wall clock's now: an agent that starts again ages what it finds by the files' write times.
    private readonly FakeTimeProvider _time = new(DateTimeOffset.UtcNow);
    private double _diskUsage;

    private Task<MiniCluster> Start(Action<AgentOptions>? configure = null) =>
        TestCluster.StartAsync(output, _time, configure: o =>
        {
            var agent = o.AddAgent("agent-1", TestCluster.AgentResources);
            agent.GcDelay = GcDelay;
            agent.GcDiskHeadroom = 0; // Unless a test sets the usage, disk checks prune by GcDelay too.
            agent.DiskUsage = () => _diskUsage;
            configure?.Invoke(agent);
        });

    [LinuxFact]
    public async Task A_delegate_task_s_sandbox_is_made_where_the_layout_puts_it_once_asked_for_and_collected_like_any_other()
    {
        await using var cluster = await Start(a => a.DiskWatchInterval = TimeSpan.FromDays(1));
        var agent = cluster.Agent("agent-1");
        var registry = cluster.ServiceProvider.GetRequiredService<Embedded.Orchestration.Execution.DelegateRegistry>();
        string? seen = null;
        registry.Register("writes", async (ctx, ct) =>
        {
            seen = ctx.SandboxDirectory;
            await File.WriteAllTextAsync(Path.Combine(ctx.SandboxDirectory, "note"), "kept", ct);
            return 0;
        });
        registry.Register("idle", (_, _) => Task.FromResult(0));
        var (session, events) = await cluster.SubscribeAsync(new FrameworkInfo("gc"));
        await using var _ = session;

        await session.LaunchAsync(await events.NextOffer(), [Delegate("writes", "writes"), Delegate("idle", "idle")]);
        await events.NextUpdate("writes", TaskState.Finished);
        await events.NextUpdate("idle", TaskState.Finished);
        await cluster.SettleAsync();

        var tasks = Path.Combine(agent.WorkDirectory, "frameworks", session.FrameworkId, "tasks");
        var runs = Directory.EnumerateDirectories(Path.Combine(tasks, "writes", "runs")).ToList();
        runs.Should().ContainSingle().Which.Should().Be(seen, "the delegate was given the sandbox of its run under the agent's layout");
        File.ReadAllText(Path.Combine(seen!, "note")).Should().Be("kept");
        Directory.Exists(Path.Combine(tasks, "idle")).Should().BeFalse("a delegate that never asks has no sandbox");

        await cluster.AdvanceAsync(_time, GcDelay);
        Directory.Exists(Path.Combine(tasks, "writes")).Should().BeFalse("its sandbox is collected after GcDelay as a process task's is");
    }

    [LinuxFact]
    public async Task Sandboxes_of_forgotten_tasks_stay_readable_until_GcDelay_then_go_with_their_empty_parents()
    {
        // No disk check in the window, so what goes, goes by GcDelay alone.
        await using var cluster = await Start(a => a.DiskWatchInterval = TimeSpan.FromDays(1));
        var agent = cluster.Agent("agent-1");
        var (session, events) = await cluster.SubscribeAsync(new FrameworkInfo("gc") { Checkpoint = true });
        await using var _ = session;
        await session.LaunchAsync(await events.NextOffer(), [Shell("long", "sleep 1000"), .. Enumerable.Range(1, 3).Select(i => Shell($"short-{i}", $"echo out-{i}"))]);
        for (var i = 1; i <= 3; i++) (await events.NextUpdate($"short-{i}", TaskState.Finished)).Should().NotBeNull();
        await events.NextUpdate("long", TaskState.Running);
        await cluster.SettleAsync();
        var framework = Path.Combine(agent.WorkDirectory, "frameworks", session.FrameworkId);
        var checkpoint = Path.Combine(agent.WorkDirectory, "meta", "tasks", session.FrameworkId);

        for (var i = 1; i <= 3; i++)
        {
            Directory.EnumerateDirectories(Path.Combine(framework, "tasks", $"short-{i}", "runs")).Should().ContainSingle("a forgotten task's sandbox is kept for reading");
            (await agent.ReadOutputAsync($"short-{i}"))!.Stdout.Should().Be($"out-{i}\n", "the output of a forgotten task is read from its sandbox");
        }
        Directory.Exists(Path.Combine(checkpoint, "short-1")).Should().BeFalse("acknowledged tasks are forgotten");

        await cluster.AdvanceAsync(_time, GcDelay - TimeSpan.FromMinutes(1));
        Directory.Exists(Path.Combine(framework, "tasks", "short-1")).Should().BeTrue("GcDelay has not passed");

        await cluster.AdvanceAsync(_time, TimeSpan.FromMinutes(1));
        Directory.EnumerateDirectories(Path.Combine(framework, "tasks")).Select(Path.GetFileName).Should().Equal(["long"],
            "forgotten sandboxes go after GcDelay, with their runs and task directories; the running task's stays");
        Directory.EnumerateDirectories(Path.Combine(framework, "tasks", "long", "runs")).Should().ContainSingle();
        Directory.Exists(Path.Combine(checkpoint, "long")).Should().BeTrue("the checkpoint of a task the agent still knows stays");
        (await agent.ReadOutputAsync("short-1")).Should().BeNull("its sandbox is gone");

        await session.KillAsync("long");
        await events.NextUpdate("long", TaskState.Killed);
        await cluster.SettleAsync();
        Directory.Exists(Path.Combine(framework, "tasks", "long")).Should().BeTrue("a killed task's sandbox is kept for reading too");
        await cluster.AdvanceAsync(_time, GcDelay);
        Directory.Exists(framework).Should().BeFalse("the last sandbox takes the framework's emptied directories with it");
        Directory.Exists(Path.Combine(agent.WorkDirectory, "frameworks")).Should().BeTrue();
    }

    [LinuxFact]
    public async Task A_sandbox_whose_last_update_is_not_acknowledged_stays()
    {
        await using var cluster = await Start();
        var agent = cluster.Agent("agent-1");
        var (session, events) = await cluster.SubscribeAsync(new FrameworkInfo("gc"), autoAcknowledge: false);
        await using var _ = session;
        await session.LaunchAsync(await events.NextOffer(), [Shell("t", "echo hi")]);
        StatusUpdate finished;
        while (!(finished = await events.NextUpdate("t")).IsTerminal) await session.AcknowledgeAsync(finished);
        finished.State.Should().Be(TaskState.Finished);
        var sandbox = Path.Combine(agent.WorkDirectory, "frameworks", session.FrameworkId, "tasks", "t");

        await cluster.AdvanceAsync(_time, GcDelay * 2, step: TimeSpan.FromMinutes(1));
        Directory.Exists(sandbox).Should().BeTrue("the framework has not acknowledged how the task ended");

        await session.AcknowledgeAsync(finished);
        await cluster.SettleAsync();
        await cluster.AdvanceAsync(_time, GcDelay);
        Directory.Exists(sandbox).Should().BeFalse();
    }

    [LinuxTheory]
    [InlineData(0.85, 0.5)] // GcDelay × (1 − 0.1 − 0.85): half a minute.
    [InlineData(0.95, 0.0)] // Past the headroom: everything forgotten goes at the next check.
    public async Task A_disk_running_short_prunes_sooner_by_the_scaled_delay(double usage, double minutes)
    {
        _diskUsage = usage;
        await using var cluster = await Start(a => a.GcDiskHeadroom = 0.1);
        var agent = cluster.Agent("agent-1");
        var (session, events) = await cluster.SubscribeAsync(new FrameworkInfo("gc"));
        await using var _ = session;
        await session.LaunchAsync(await events.NextOffer(), [Shell("long", "sleep 1000"), Shell("short", "echo hi")]);
        await events.NextUpdate("short", TaskState.Finished);
        await events.NextUpdate("long", TaskState.Running);
        await cluster.SettleAsync();
        var tasks = Path.Combine(agent.WorkDirectory, "frameworks", session.FrameworkId, "tasks");
        Directory.Exists(Path.Combine(tasks, "short")).Should().BeTrue();

        // The first disk check comes one DiskWatchInterval (1 min) after the agent started, past the scaled
        // delay of {minutes} min and long before GcDelay (10 min).
        await cluster.AdvanceAsync(_time, TimeSpan.FromSeconds(55));
        Directory.Exists(Path.Combine(tasks, "short")).Should().BeTrue($"no disk check has run yet (scaled delay {minutes} min)");
        await cluster.AdvanceAsync(_time, TimeSpan.FromSeconds(5));

        Directory.EnumerateDirectories(tasks).Select(Path.GetFileName).Should().Equal(["long"],
            $"at {usage:P0} disk usage a sandbox forgotten a minute ago is old enough; the running task's stays");
    }

    [LinuxFact]
    public async Task With_room_on_the_disk_the_disk_check_keeps_what_is_younger_than_GcDelay()
    {
        _diskUsage = 0.5; // GcDelay × (1 − 0.1 − 0.5): four minutes.
        await using var cluster = await Start(a => a.GcDiskHeadroom = 0.1);
        var agent = cluster.Agent("agent-1");
        var (session, events) = await cluster.SubscribeAsync(new FrameworkInfo("gc"));
        await using var _ = session;
        await session.LaunchAsync(await events.NextOffer(), [Shell("short", "echo hi")]);
        await events.NextUpdate("short", TaskState.Finished);
        await cluster.SettleAsync();
        var sandbox = Path.Combine(agent.WorkDirectory, "frameworks", session.FrameworkId, "tasks", "short");

        await cluster.AdvanceAsync(_time, TimeSpan.FromMinutes(3), step: TimeSpan.FromSeconds(30));
        Directory.Exists(sandbox).Should().BeTrue("three minutes is younger than the scaled four");
        await cluster.AdvanceAsync(_time, TimeSpan.FromMinutes(2), step: TimeSpan.FromSeconds(30));
        Directory.Exists(sandbox).Should().BeFalse("five minutes is older");
    }

    [LinuxFact]
    public async Task Sandboxes_a_crashed_agent_left_are_collected_by_the_agent_that_follows()
    {
        await using var cluster = await Start();
        var agent = cluster.Agent("agent-1");
        var (session, events) = await cluster.SubscribeAsync(new FrameworkInfo("gc") { Checkpoint = true });
        await using var _ = session;
        await session.LaunchAsync(await events.NextOffer(), [Shell("short", "echo hi")]);
        await events.NextUpdate("short", TaskState.Finished);
        await cluster.SettleAsync();
        var sandbox = Path.Combine(agent.WorkDirectory, "frameworks", session.FrameworkId, "tasks", "short");

        await agent.CrashAsync();
        await agent.RestartAsync();
        await cluster.SettleAsync();
        Directory.Exists(sandbox).Should().BeTrue("it was forgotten a moment ago");
        await cluster.AdvanceAsync(_time, GcDelay, step: TimeSpan.FromMinutes(1));
        Directory.Exists(sandbox).Should().BeFalse("the new agent found it unclaimed and scheduled it");
    }

    [Theory]
    [InlineData("GcDelay", "*GcDelay must not be negative*")]
    [InlineData("DiskWatchInterval", "*DiskWatchInterval must be positive*")]
    [InlineData("GcDiskHeadroom", "*GcDiskHeadroom must be from 0 to 1*")]
    public async Task Bad_collection_settings_are_refused_when_the_agent_starts(string setting, string message)
    {
        var start = () => Start(a =>
        {
            switch (setting)
            {
                case "GcDelay": a.GcDelay = TimeSpan.FromSeconds(-1); break;
                case "DiskWatchInterval": a.DiskWatchInterval = TimeSpan.Zero; break;
                case "GcDiskHeadroom": a.GcDiskHeadroom = 1.5; break;
            }
        });
        (await start.Should().ThrowAsync<OptionsValidationException>()).WithMessage(message).And.Message.Should().Contain("agent 'agent-1'");
    }

    [LinuxFact]
    public void The_real_disk_usage_is_read_for_a_directory_that_is_no_mount_point_and_even_for_one_not_made_yet()
    {
        var usage = SandboxCollector.DiskUsageOf(Path.Combine(Path.GetTempPath(), "embedded-not-made-" + Guid.NewGuid().ToString("N"), "frameworks"));
        usage.Should().BeInRange(0, 1);
        usage.Should().BeGreaterThan(0, "the disk that holds the temp directory holds something");
    }

    [Fact]
    public void The_defaults_are_Mesos_s()
    {
        var options = new AgentOptions();
        options.GcDelay.Should().Be(TimeSpan.FromDays(7));
        options.DiskWatchInterval.Should().Be(TimeSpan.FromMinutes(1));
        options.GcDiskHeadroom.Should().Be(0.1);
    }
}
