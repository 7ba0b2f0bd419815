using Embedded.Orchestration.Execution;
using Embedded.Orchestration.Model;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace Embedded.Orchestration.Tests.Execution;

/// <summary>What a restarted agent finds of the process tasks its predecessor left behind.</summary>
public sealed class ProcessRecoveryTests : IDisposable
{
    private static readonly TimeSpan HangGuard = TimeSpan.FromSeconds(30);
    private readonly string _sandbox = Path.Combine(Path.GetTempPath(), "embedded-recovery-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_sandbox)) Directory.Delete(_sandbox, recursive: true);
    }

    private TaskLaunch Launch(string command) =>
        new("agent-1", "fw", new TaskInfo("t-1", "t", "agent-1", Resources.Parse("cpus:1")) { Command = new CommandSpec(command) }, _sandbox);

    private static ProcessExecutor NewExecutor() => new(TimeProvider.System, NullLogger<ProcessExecutor>.Instance);

    private async Task WaitForFileAsync(string name, string text)
    {
        using var guard = new CancellationTokenSource(HangGuard);
        while (!File.Exists(Path.Combine(_sandbox, name)) || !File.ReadAllText(Path.Combine(_sandbox, name)).Contains(text, StringComparison.Ordinal))
            await Task.Delay(10, guard.Token);
    }

    [LinuxFact]
    public async Task A_process_still_running_is_reattached_and_its_real_end_reported()
    {
        var launch = Launch("echo started; while [ ! -f go ]; do sleep 0.05; done; echo done; exit 4");
        var original = await NewExecutor().LaunchAsync(launch, CancellationToken.None);
        await WaitForFileAsync("stdout", "started");

        // A new executor, as in a restarted agent, finds the task from its sandbox alone.
        var recovered = await NewExecutor().RecoverAsync(launch, reconnect: true, CancellationToken.None);
        recovered.Exit.Should().BeNull();
        var running = recovered.Running!;
        (await running.ReadOutputAsync(CancellationToken.None)).Stdout.Should().Be("started\n");

        await File.WriteAllTextAsync(Path.Combine(_sandbox, "go"), "");
        var exit = await running.Completion.WaitAsync(HangGuard);
        exit.State.Should().Be(TaskState.Failed);
        exit.ExitCode.Should().Be(4, "the wrapper wrote the real exit status for whoever comes after");
        exit.Output!.Stdout.Should().Be("started\ndone\n");
        await running.DisposeAsync();
        await original.DisposeAsync();
    }

    [LinuxFact]
    public async Task A_reattached_process_is_killed_with_its_children_through_its_group()
    {
        var launch = Launch("sleep 1000 & echo $! > child; wait");
        var original = await NewExecutor().LaunchAsync(launch, CancellationToken.None);
        await WaitForFileAsync("child", "\n");
        var child = int.Parse(File.ReadAllText(Path.Combine(_sandbox, "child")).Trim());

        var running = (await new ProcessExecutor(new FakeTimeProvider(), NullLogger<ProcessExecutor>.Instance).RecoverAsync(launch, reconnect: true, CancellationToken.None)).Running!;
        await running.KillAsync(TimeSpan.Zero, CancellationToken.None);
        var exit = await running.Completion.WaitAsync(HangGuard);

        exit.State.Should().Be(TaskState.Killed);
        (await IsGoneAsync(child)).Should().BeTrue();
        await original.DisposeAsync();
    }

    [LinuxFact]
    public async Task Without_reconnect_a_process_left_running_is_killed_and_reported()
    {
        var launch = Launch("sleep 1000 & echo $! > child; wait");
        var original = await NewExecutor().LaunchAsync(launch, CancellationToken.None);
        await WaitForFileAsync("child", "\n");
        var child = int.Parse(File.ReadAllText(Path.Combine(_sandbox, "child")).Trim());

        var recovered = await NewExecutor().RecoverAsync(launch, reconnect: false, CancellationToken.None);

        recovered.Running.Should().BeNull();
        recovered.Exit!.State.Should().Be(TaskState.Failed);
        recovered.Exit.Reason.Should().Be(TaskReason.AgentRestarted);
        (await original.Completion.WaitAsync(HangGuard)).ExitCode.Should().Be(128 + 9, "the whole group got SIGKILL");
        (await IsGoneAsync(child)).Should().BeTrue();
        await original.DisposeAsync();
    }

    [LinuxFact]
    public async Task A_process_that_ended_while_the_agent_was_away_is_reported_with_its_real_exit_status()
    {
        var launch = Launch("echo bye; exit 3");
        var original = await NewExecutor().LaunchAsync(launch, CancellationToken.None);
        await original.Completion.WaitAsync(HangGuard);
        await original.DisposeAsync();

        var recovered = await NewExecutor().RecoverAsync(launch, reconnect: true, CancellationToken.None);

        recovered.Exit!.State.Should().Be(TaskState.Failed);
        recovered.Exit.ExitCode.Should().Be(3);
        recovered.Exit.Message.Should().Be("exited with code 3 (while the agent was away)");
        recovered.Exit.Output!.Stdout.Should().Be("bye\n");
    }

    [Fact]
    public async Task A_task_that_never_started_is_reported_as_such()
    {
        var recovered = await NewExecutor().RecoverAsync(Launch("true"), reconnect: false, CancellationToken.None);
        recovered.Exit!.Reason.Should().Be(TaskReason.ExecutorTerminated);
        recovered.Exit.Message.Should().Contain("no record");
    }

    /// <summary>Polls /proc until the process is gone; the bound only guards against a hang.</summary>
    private static async Task<bool> IsGoneAsync(int pid)
    {
        var stat = $"/proc/{pid}/stat";
        for (var i = 0; i < 3000; i++)
        {
            if (!File.Exists(stat)) return true;
            try
            {
                // A zombie nobody reaps here still has an entry; it no longer runs.
                if (File.ReadAllText(stat).Split(") ")[1].StartsWith('Z')) return true;
            }
            catch (IOException)
            {
                return true;
            }
            await Task.Delay(10);
        }
        return false;
    }
}
