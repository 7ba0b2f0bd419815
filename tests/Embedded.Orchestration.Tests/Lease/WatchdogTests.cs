using Embedded.Watchdog;
using Microsoft.Extensions.Time.Testing;

namespace Embedded.Orchestration.Tests.Lease;

/// <summary>The watchdog's decisions after its owner's EOF, on a fake clock, with the sweeps recorded instead of done.</summary>
public sealed class WatchdogTests
{
    private readonly FakeTimeProvider _time = new();
    private readonly FakeReaper _reaper = new();

    [Fact]
    public async Task After_EOF_tasks_of_non_checkpointing_frameworks_go_at_once_and_temporary_directories_after_the_second_sweep()
    {
        var run = Run("watch\t/w/a\tlease-a\t900\t1", "watch\t/w/b\tlease-b\t900\t0");
        await DriveAsync(run, TimeSpan.FromSeconds(1));

        _reaper.Sweeps.Should().Equal(("/w/a", false), ("/w/b", false), ("/w/a", false), ("/w/b", false));
        _reaper.Removed.Should().Equal("/w/a");
        _time.GetUtcNow().Should().BeOnOrBefore(Start + Embedded.Watchdog.Watchdog.SettleDelay + TimeSpan.FromSeconds(1), "nothing made it wait for a recovery timeout");
    }

    [Fact]
    public async Task Checkpointed_tasks_wait_the_recovery_timeout_and_then_go_with_the_directory()
    {
        _reaper.Checkpointed.Add("/w/a");
        var run = Run("watch\t/w/a\tlease-a\t60\t1");
        await DriveAsync(run, TimeSpan.FromSeconds(1));

        _reaper.Sweeps.Should().Equal(("/w/a", false), ("/w/a", false), ("/w/a", true));
        _reaper.Removed.Should().Equal("/w/a");
        _reaper.SweptAllAt.Should().BeOnOrAfter(Start + TimeSpan.FromSeconds(60));
    }

    [Fact]
    public async Task An_agent_that_takes_the_directory_over_in_time_keeps_its_tasks()
    {
        _reaper.Checkpointed.Add("/w/a");
        var run = Run("watch\t/w/a\tlease-a\t60\t1");
        _reaper.TakenOverAfter = Start + TimeSpan.FromSeconds(10);
        await DriveAsync(run, TimeSpan.FromSeconds(1));

        _reaper.Sweeps.Should().NotContain(("/w/a", true));
        _reaper.Removed.Should().BeEmpty();
        _time.GetUtcNow().Should().BeBefore(Start + TimeSpan.FromSeconds(60), "it left once the directory was taken over");
    }

    [Fact]
    public async Task A_released_directory_is_left_alone_and_a_watchdog_with_nothing_to_do_exits_at_EOF()
    {
        var run = Run("watch\t/w/a\tlease-a\t60\t1", "release\t/w/a", "not a command");
        await run.WaitAsync(TimeSpan.FromSeconds(10));

        _reaper.Sweeps.Should().BeEmpty();
        _reaper.Removed.Should().BeEmpty();
    }

    [Fact]
    public async Task Engines_join_the_directory_they_were_named_for_and_survive_a_second_watch()
    {
        var watchdog = new Embedded.Watchdog.Watchdog(new OwnerIdentity(1, 1), _reaper, new LiveOwner(), _time, Journal.None);
        watchdog.Apply("watch\t/w/a\tlease-a\t60\t0");
        watchdog.Apply("engine\t/w/a\tunix:///var/run/docker.sock");
        watchdog.Apply("engine\t/w/unknown\tunix:///var/run/docker.sock");
        watchdog.Apply("watch\t/w/a\tlease-a\t30\t0");

        var watched = watchdog.Watched.Should().ContainSingle().Subject;
        watched.RecoveryTimeout.Should().Be(TimeSpan.FromSeconds(30));
        watched.Engines.Should().Equal(new Uri("unix:///var/run/docker.sock"));
        await Task.CompletedTask;
    }

    private DateTimeOffset Start { get; set; }

    private Task Run(params string[] lines)
    {
        Start = _time.GetUtcNow();
        var watchdog = new Embedded.Watchdog.Watchdog(new OwnerIdentity(1, 1), _reaper, new LiveOwner(), _time, Journal.None);
        _reaper.Time = _time;
        return watchdog.RunAsync(new StringReader(string.Join('\n', lines)), CancellationToken.None);
    }

    /// <summary>Advances the fake clock a step at a time until the watchdog is done (a hang guard, not a timing assumption).</summary>
    private async Task DriveAsync(Task run, TimeSpan step)
    {
        for (var i = 0; i < 1000 && !run.IsCompleted; i++)
        {
            await Task.Delay(5);
            if (!run.IsCompleted) _time.Advance(step);
        }
        await run.WaitAsync(TimeSpan.FromSeconds(10));
    }

    private sealed class LiveOwner : ProcessTable
    {
        public override long? StartTimeOf(int pid) => 1;
        public override void Kill(int pid) => throw new InvalidOperationException("the watchdog itself kills nothing; its reaper does");
        public override IEnumerable<(int Pid, string? Framework, string? Task)> TasksUnder(string workDirectory) => [];
    }

    private sealed class FakeReaper : IReaper
    {
        public TimeProvider Time { get; set; } = TimeProvider.System;
        public HashSet<string> Checkpointed { get; } = [];
        public List<(string, bool)> Sweeps { get; } = [];
        public List<string> Removed { get; } = [];
        public DateTimeOffset? TakenOverAfter { get; set; }
        public DateTimeOffset SweptAllAt { get; private set; }

        public Task<bool> SweepAsync(WatchedDirectory directory, bool checkpointedToo, CancellationToken cancellationToken)
        {
            Sweeps.Add((directory.Path, checkpointedToo));
            if (checkpointedToo) SweptAllAt = Time.GetUtcNow();
            return Task.FromResult(!checkpointedToo && Checkpointed.Contains(directory.Path));
        }

        public bool IsTakenOver(WatchedDirectory directory) => TakenOverAfter is { } at && Time.GetUtcNow() >= at;

        public void RemoveDirectory(WatchedDirectory directory) => Removed.Add(directory.Path);
    }
}
