using System.Diagnostics;
using Embedded.Orchestration.Lease;
using Microsoft.Extensions.Logging.Abstractions;

namespace Embedded.Orchestration.Tests.Lease;

/// <summary>The owner side of the pipe, with a stand-in watchdog (a shell that appends what it reads to a file).</summary>
public sealed class OwnerLeaseTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "embedded-owner-lease-" + Guid.NewGuid().ToString("N"));

    public OwnerLeaseTests() => Directory.CreateDirectory(_dir);

    private string Received => Path.Combine(_dir, "received");

    private OwnerLease NewLease() => new(() =>
    {
        var start = new ProcessStartInfo("/bin/sh") { RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in new[] { "-c", "echo $$ >> \"$0.pids\"; exec cat >> \"$0\"", Received }) start.ArgumentList.Add(a);
        return (start, null);
    });

    [LinuxFact]
    public async Task Commands_reach_the_watchdog_one_line_each_and_a_lost_watchdog_is_replaced_and_told_everything_still_watched()
    {
        var lease = NewLease();
        lease.Watch("/w/a", "lease-a", TimeSpan.FromSeconds(90), temporary: true, NullLogger.Instance);
        lease.WatchEngine("/w/a", new Uri("unix:///var/run/docker.sock"), NullLogger.Instance);
        lease.WatchEngine("/w/a", new Uri("unix:///var/run/docker.sock"), NullLogger.Instance);
        lease.Watch("/w/b", "lease-b", TimeSpan.Zero, temporary: false, NullLogger.Instance);
        lease.Release("/w/b", NullLogger.Instance);
        await EventuallyAsync(() => Lines().Length == 4);
        Lines().Should().Equal(
            "watch\t/w/a\tlease-a\t90\t1",
            "engine\t/w/a\tunix:///var/run/docker.sock",
            "watch\t/w/b\tlease-b\t0\t0",
            "release\t/w/b");

        // Killed by hand: the next command finds the pipe broken, starts another, and replays what is still watched.
        var first = int.Parse(File.ReadAllLines(Received + ".pids")[0]);
        Process.GetProcessById(first).Kill();
        await EventuallyAsync(() => !File.Exists($"/proc/{first}/stat") || File.ReadAllText($"/proc/{first}/stat").Contains(") Z"));
        File.Delete(Received);
        for (var i = 0; i < 3 && lease.Starts < 2; i++) lease.Watch("/w/c", "lease-c", TimeSpan.FromSeconds(1), temporary: true, NullLogger.Instance);
        lease.Starts.Should().Be(2);
        await EventuallyAsync(() => Lines().Contains("watch\t/w/c\tlease-c\t1\t1") && Lines().Contains("engine\t/w/a\tunix:///var/run/docker.sock"));
        Lines().Should().Contain("watch\t/w/a\tlease-a\t90\t1").And.NotContain(l => l.Contains("/w/b"));
    }

    private string[] Lines() => File.Exists(Received) ? File.ReadAllLines(Received).Distinct().ToArray() : [];

    private static async Task EventuallyAsync(Func<bool> condition)
    {
        using var guard = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        while (!condition()) await Task.Delay(10, guard.Token);
    }

    public void Dispose()
    {
        if (File.Exists(Received + ".pids"))
            foreach (var pid in File.ReadAllLines(Received + ".pids"))
                try { Process.GetProcessById(int.Parse(pid)).Kill(); } catch (ArgumentException) { } catch (InvalidOperationException) { }
        Directory.Delete(_dir, recursive: true);
    }
}
