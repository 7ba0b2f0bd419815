using Embedded.Orchestration.Docker.Tests.Support;
using Xunit.Abstractions;

namespace Embedded.Orchestration.Docker.Tests;

/// <summary>
/// Issue 9: no container or process outlives its owner. A real console program (tests/Embedded.LeaseTestHost)
/// runs three containers and three process tasks in a MiniCluster and is killed; what it left is counted
/// through the engine's API and /proc. Real time throughout: the watchdog is another process, and its
/// recovery timeout is configured short rather than faked. Alone in the collection of tests that restart
/// dockerd, so that no engine restart and no other test's load comes in between.
/// </summary>
[Collection(DockerDaemonCollection.Name)]
public sealed class OwnerLeaseTests(DockerFixture docker, ITestOutputHelper output) : IClassFixture<DockerFixture>, IDisposable
{
    private const int SIGKILL = 9;
    private const int SIGTERM = 15;
    private const int SIGINT = 2;

    // A hang guard, not a timing assumption: the watchdog removes everything within a few seconds here.
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(30);

    private readonly string _scratch = Path.Combine(Path.GetTempPath(), "embedded-lease-tests", Guid.NewGuid().ToString("N"));

    private string Journal => Path.Combine(_scratch, "watchdog.log");

    [LeaseFact]
    public async Task A_killed_host_leaves_no_container_no_process_and_no_work_directory()
    {
        await using var host = await StartAsync();
        (await host.ContainersAsync()).Should().HaveCount(3);
        host.LiveTaskLeaders().Should().HaveCount(3);
        host.LiveWatchdogs().Should().ContainSingle("one watchdog serves every agent of the process");

        host.Signal(SIGKILL);
        var took = await host.WaitUntilNothingLeftAsync(Bound, workDirectoriesToo: true);
        output.WriteLine($"SIGKILL to nothing left (work directories included): {took.TotalMilliseconds:0} ms");
        output.WriteLine(ReadJournal());
    }

    [LeaseFact]
    public async Task What_agents_that_crashed_in_a_stopped_cluster_left_is_still_removed_when_the_host_dies()
    {
        await using var host = await StartAsync("--crash-and-stop");
        host.LiveTaskLeaders().Should().HaveCount(3, "a crashed agent's processes run on");

        host.Signal(SIGKILL);
        await host.WaitUntilNothingLeftAsync(Bound, workDirectoriesToo: true);
    }

    [LeaseTheory]
    [InlineData(SIGTERM)]
    [InlineData(SIGINT)]
    public async Task A_terminated_or_interrupted_host_stops_its_tasks_and_containers_before_it_exits(int signal)
    {
        await using var host = await StartAsync();

        host.Signal(signal);
        await host.WaitForExitAsync(Bound);

        // At exit already, not after the watchdog: the MiniCluster stopped them on SIGTERM.
        (await host.ContainersAsync()).Should().BeEmpty();
        host.LiveTaskProcesses().Should().BeEmpty();
        host.AnyWorkDirectoryLeft.Should().BeFalse();
        await host.WaitUntilNothingLeftAsync(Bound, workDirectoriesToo: true);
        ReadJournal().Should().NotContain("killed").And.NotContain("removed container", "the watchdog had nothing left to do");
    }

    [LeaseFact]
    public async Task Checkpointed_tasks_of_a_killed_host_are_reattached_by_a_host_that_comes_back_within_the_recovery_timeout()
    {
        var work = Path.Combine(_scratch, "work");
        await using var first = await StartAsync("--work", work, "--checkpoint", "--recovery-timeout", "20");
        var containers = (await first.ContainersAsync()).Select(c => c.ID).ToList();
        var processes = first.LiveTaskProcesses();
        containers.Should().HaveCount(3);
        first.LiveTaskLeaders().Should().HaveCount(3);

        first.Signal(SIGKILL);
        await first.WaitForExitAsync(Bound);
        await using var second = await StartAsync("--work", work, "--recover", "--recovery-timeout", "20");
        second.Info.Running.Should().Be(6, "both agents reattached to all six tasks");

        // The first host's watchdog leaves once it sees the work directories taken over, well before the timeout.
        await EventuallyAsync(() => first.LiveWatchdogs().Count == 0, "the first host's watchdog has exited");
        ReadJournal().Should().Contain("took it over").And.NotContain("no agent came back");
        first.LiveTaskProcesses().Should().BeEquivalentTo(processes, "nothing was killed");
        (await first.ContainersAsync()).Where(c => c.State == "running").Select(c => c.ID).Should().BeEquivalentTo(containers);

        // The second host owns them now: stopping it stops them.
        second.Signal(SIGTERM);
        await second.WaitForExitAsync(Bound);
        (await first.ContainersAsync()).Should().BeEmpty();
        first.LiveTaskProcesses().Should().BeEmpty();
        await second.WaitUntilNothingLeftAsync(Bound, workDirectoriesToo: false);
    }

    [LeaseFact]
    public async Task Checkpointed_tasks_of_a_killed_host_are_removed_once_the_recovery_timeout_passes_without_a_new_agent()
    {
        await using var host = await StartAsync("--work", Path.Combine(_scratch, "work"), "--checkpoint", "--recovery-timeout", "3");

        host.Signal(SIGKILL);
        await host.WaitUntilNothingLeftAsync(Bound, workDirectoriesToo: false);

        // They were kept until the timeout passed: every removal comes after the watchdog gave up waiting.
        var journal = ReadJournal();
        output.WriteLine(journal);
        var gaveUp = journal.IndexOf("no agent came back within 00:00:03", StringComparison.Ordinal);
        gaveUp.Should().BeGreaterThan(0);
        journal.IndexOf("removed container", StringComparison.Ordinal).Should().BeGreaterThan(gaveUp);
        journal.IndexOf("killed task", StringComparison.Ordinal).Should().BeGreaterThan(gaveUp);
        host.AnyWorkDirectoryLeft.Should().BeTrue("a work directory the user named is theirs to keep");
    }

    private Task<LeaseHost> StartAsync(params string[] args)
    {
        Directory.CreateDirectory(_scratch);
        return LeaseHost.StartAsync(docker, Journal, args);
    }

    private string ReadJournal() => File.Exists(Journal) ? File.ReadAllText(Journal) : "";

    private static async Task EventuallyAsync(Func<bool> condition, string what)
    {
        using var guard = new CancellationTokenSource(Bound);
        while (!condition())
        {
            if (guard.IsCancellationRequested) throw new TimeoutException($"timed out waiting until {what}");
            await Task.Delay(TimeSpan.FromMilliseconds(50), CancellationToken.None);
        }
    }

    public void Dispose()
    {
        output.WriteLine("watchdog journal:\n" + ReadJournal());
        try
        {
            if (Directory.Exists(_scratch)) Directory.Delete(_scratch, recursive: true);
        }
        catch (IOException)
        {
            // A task killed a moment ago may still hold a file; the temp cleaner gets the rest.
        }
    }
}

/// <summary>A Docker test that also needs Linux: signals and /proc.</summary>
public sealed class LeaseFactAttribute : FactAttribute
{
    public LeaseFactAttribute() => Skip = WhySkip();

    /// <summary>Null when the test runs: on Linux with an engine, or under CI=true, where a missing engine fails it.</summary>
    internal static string? WhySkip() =>
        !OperatingSystem.IsLinux() ? "the owner-lease tests signal processes and read /proc; Windows is covered on paper only"
        : DockerEngine.WhySkip;
}

/// <summary>The theory form of <see cref="LeaseFactAttribute"/>.</summary>
public sealed class LeaseTheoryAttribute : TheoryAttribute
{
    public LeaseTheoryAttribute() => Skip = LeaseFactAttribute.WhySkip();
}
