using Embedded.Orchestration.Execution;
using Embedded.Orchestration.Model;
using Microsoft.Extensions.Logging.Abstractions;

namespace Embedded.Orchestration.Tests.Execution;

/// <summary>What a restarted agent finds of the process tasks its predecessor left behind.</summary>
public sealed class ProcessRecoveryTests : IDisposable
{
    private readonly string _sandbox = Path.Combine(Path.GetTempPath(), "embedded-recovery-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_sandbox)) Directory.Delete(_sandbox, recursive: true);
    }

    private TaskLaunch Launch(string command) =>
        new("agent-1", "fw", new TaskInfo("t-1", "t", "agent-1", Resources.Parse("cpus:1")) { Command = new CommandSpec(command) }, _sandbox);

    private static ProcessExecutor NewExecutor() => new(TimeProvider.System, NullLogger<ProcessExecutor>.Instance);

    [LinuxFact]
    public async Task A_process_left_running_is_killed_with_its_children_and_reported()
    {
        var launch = Launch("sleep 1000 & echo $! > child; wait");
        var running = await NewExecutor().LaunchAsync(launch, CancellationToken.None);
        var childFile = Path.Combine(_sandbox, "child");
        using (var guard = new CancellationTokenSource(TimeSpan.FromSeconds(30)))
            while (!File.Exists(childFile) || File.ReadAllText(childFile).Trim().Length == 0) await Task.Delay(10, guard.Token);
        var child = int.Parse(File.ReadAllText(childFile).Trim());

        // A new executor, as in a restarted agent, finds the task from its sandbox alone.
        var recovered = await NewExecutor().RecoverAsync(launch, reconnect: true, CancellationToken.None);

        recovered.Running.Should().BeNull();
        recovered.Exit!.State.Should().Be(TaskState.Failed);
        recovered.Exit.Reason.Should().Be(TaskReason.AgentRestarted);
        var exit = await running.Completion.WaitAsync(TimeSpan.FromSeconds(30));
        exit.ExitCode.Should().Be(128 + 9, "the whole group got SIGKILL");
        (await IsGoneAsync(child)).Should().BeTrue();
        await running.DisposeAsync();
    }

    [LinuxFact]
    public async Task A_process_that_ended_while_the_agent_was_away_is_reported_with_an_unknown_status()
    {
        var launch = Launch("exit 0");
        var running = await NewExecutor().LaunchAsync(launch, CancellationToken.None);
        await running.Completion.WaitAsync(TimeSpan.FromSeconds(30));
        await running.DisposeAsync();

        var recovered = await NewExecutor().RecoverAsync(launch, reconnect: true, CancellationToken.None);

        recovered.Exit!.Reason.Should().Be(TaskReason.ExecutorTerminated);
        recovered.Exit.Message.Should().Contain("ended while the agent was away");
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
