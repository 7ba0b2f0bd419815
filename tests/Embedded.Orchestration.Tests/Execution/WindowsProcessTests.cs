using System.Diagnostics;
using Embedded.Orchestration.Execution;
using Embedded.Watchdog;

namespace Embedded.Orchestration.Tests.Execution;

/// <summary>The parts of the Windows process handling that do not need Windows: the kill's status message and the start-time reading.</summary>
public sealed class WindowsProcessTests
{
    [Theory]
    [InlineData(3_000, "killed at once: Windows has no graceful stop for a process task, so the 3 s grace period was not honoured")]
    [InlineData(1_500, "killed at once: Windows has no graceful stop for a process task, so the 1.5 s grace period was not honoured")]
    [InlineData(250, "killed at once: Windows has no graceful stop for a process task, so the 250 ms grace period was not honoured")]
    [InlineData(-1, "killed at once: Windows has no graceful stop for a process task, so the unlimited grace period was not honoured")]
    public void An_immediate_kill_with_a_grace_period_says_the_grace_period_was_not_honoured(int graceMilliseconds, string expected) =>
        ProcessExecutor.KilledMessage(TimeSpan.FromMilliseconds(graceMilliseconds), graceHonoured: false).Should().Be(expected);

    [Fact]
    public void A_kill_without_a_grace_period_or_with_it_honoured_is_just_killed()
    {
        ProcessExecutor.KilledMessage(TimeSpan.Zero, graceHonoured: false).Should().Be("killed");
        ProcessExecutor.KilledMessage(TimeSpan.FromSeconds(3), graceHonoured: true).Should().Be("killed");
    }

    /// <summary>
    /// The agent writes pid files with this reading and the watchdog compares with it; it is .NET's
    /// Process.StartTime, which exists on Linux too, so its conversion and its "no such process" are checked here.
    /// </summary>
    [Fact]
    public void The_watchdogs_Windows_start_time_is_the_processes_start_in_utc_ticks_and_null_for_no_process()
    {
        using var self = Process.GetCurrentProcess();
        var table = new WindowsProcessTable();

        table.StartTimeOf(self.Id).Should().Be(self.StartTime.ToUniversalTime().Ticks);
        table.StartTimeOf(int.MaxValue).Should().BeNull();
    }
}
