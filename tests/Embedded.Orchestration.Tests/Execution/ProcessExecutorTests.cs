using System.Collections.Immutable;
using System.Runtime.Versioning;
using Embedded.Orchestration.Execution;
using Embedded.Orchestration.Model;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace Embedded.Orchestration.Tests.Execution;

/// <summary>
/// Runs real processes through /bin/sh. The fake clock drives grace periods; real waits only guard
/// against hangs (<see cref="HangGuard"/>) and never assert timing.
/// </summary>
public sealed class ProcessExecutorTests : IAsyncLifetime
{
    private static readonly TimeSpan HangGuard = TimeSpan.FromSeconds(30);

    private readonly string _root = Path.Combine(Path.GetTempPath(), "embedded-process-tests", Guid.NewGuid().ToString("N"));
    private readonly FakeTimeProvider _time = new();
    private readonly ProcessExecutor _executor;
    private readonly List<IRunningTask> _launched = [];

    public ProcessExecutorTests() => _executor = new ProcessExecutor(_time, NullLogger<ProcessExecutor>.Instance);

    private string Sandbox => Path.Combine(_root, "sandbox");

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        foreach (var running in _launched)
        {
            await running.DisposeAsync();
        }

        if (Directory.Exists(_root))
        {
            Directory.Delete(_root, recursive: true);
        }
    }

    [Fact]
    public void Runs_tasks_with_a_command_only()
    {
        _executor.Name.Should().Be("process");
        _executor.Kind.Should().Be(TaskKind.Command);
        TaskWith(new CommandSpec("true")).Kind.Should().Be(TaskKind.Command);
        (TaskWith(null) with { Delegate = "body" }).Kind.Should().Be(TaskKind.Delegate);
    }

    [LinuxFact]
    public async Task Captures_stdout_and_stderr_in_the_sandbox_and_finishes_on_exit_code_zero()
    {
        var running = await LaunchAsync(new CommandSpec("echo out-line; echo err-line >&2"));

        var exit = await running.Completion.WaitAsync(HangGuard);

        exit.State.Should().Be(TaskState.Finished);
        exit.Reason.Should().Be(TaskReason.None);
        exit.ExitCode.Should().Be(0);
        exit.Output.Should().Be(new TaskOutput("out-line\n", "err-line\n"));
        (await ReadSandboxFileAsync("stdout")).Should().Be("out-line\n");
        (await ReadSandboxFileAsync("stderr")).Should().Be("err-line\n");
        (await running.ReadOutputAsync(CancellationToken.None)).Should().Be(exit.Output);
    }

    [LinuxFact]
    public async Task Output_can_be_read_while_the_task_runs()
    {
        var running = await LaunchAsync(new CommandSpec("echo started; echo warming >&2; exec sleep 1000"));

        var output = await WaitForOutputAsync(running, o => o.Stdout.Contains("started") && o.Stderr.Contains("warming"));

        output.Should().Be(new TaskOutput("started\n", "warming\n"));
        (await ReadSandboxFileAsync("stdout")).Should().Be("started\n");
        running.Completion.IsCompleted.Should().BeFalse("the task sleeps until killed");

        await running.KillAsync(TimeSpan.Zero, CancellationToken.None);
        var exit = await running.Completion.WaitAsync(HangGuard);
        exit.State.Should().Be(TaskState.Killed);
        exit.Output!.Stdout.Should().Be("started\n");
    }

    [LinuxFact]
    public async Task A_nonzero_exit_code_fails_the_task()
    {
        var running = await LaunchAsync(new CommandSpec("echo about to fail >&2; exit 3"));

        var exit = await running.Completion.WaitAsync(HangGuard);

        exit.State.Should().Be(TaskState.Failed);
        exit.ExitCode.Should().Be(3);
        exit.Message.Should().Be("exited with code 3");
        exit.Output!.Stderr.Should().Be("about to fail\n");
    }

    [LinuxFact]
    public async Task A_process_that_a_signal_ends_fails_with_the_signal_named()
    {
        var running = await LaunchAsync(new CommandSpec("kill -KILL $$"));

        var exit = await running.Completion.WaitAsync(HangGuard);

        exit.State.Should().Be(TaskState.Failed);
        exit.ExitCode.Should().Be(128 + 9);
        exit.Message.Should().Contain("SIGKILL");
    }

    [LinuxFact]
    public async Task The_environment_is_the_agents_plus_the_tasks_plus_the_sandbox_variables()
    {
        var command = new CommandSpec("""printf '%s|%s|%s|%s' "$GREETING" "$EMBEDDED_TASK_ID" "$EMBEDDED_SANDBOX" "$PATH" """)
        {
            Environment = ImmutableDictionary<string, string>.Empty.Add("GREETING", "hello world"),
        };

        var exit = await (await LaunchAsync(command)).Completion.WaitAsync(HangGuard);

        exit.State.Should().Be(TaskState.Finished);
        exit.Output!.Stdout.Should().Be($"hello world|task-1|{Path.GetFullPath(Sandbox)}|{Environment.GetEnvironmentVariable("PATH")}");
    }

    [LinuxFact]
    public async Task The_working_directory_defaults_to_the_sandbox()
    {
        var exit = await (await LaunchAsync(new CommandSpec("pwd"))).Completion.WaitAsync(HangGuard);

        exit.Output!.Stdout.Should().Be(Path.GetFullPath(Sandbox) + "\n");
    }

    [LinuxFact]
    public async Task A_relative_working_directory_is_inside_the_sandbox_and_an_absolute_one_is_used_as_is()
    {
        Directory.CreateDirectory(Path.Combine(Sandbox, "sub"));
        var elsewhere = Directory.CreateDirectory(Path.Combine(_root, "elsewhere")).FullName;

        var relative = await (await LaunchAsync(new CommandSpec("pwd") { WorkingDirectory = "sub" })).Completion.WaitAsync(HangGuard);
        var absolute = await (await LaunchAsync(new CommandSpec("pwd") { WorkingDirectory = elsewhere })).Completion.WaitAsync(HangGuard);

        relative.Output!.Stdout.Should().Be(Path.Combine(Path.GetFullPath(Sandbox), "sub") + "\n");
        absolute.Output!.Stdout.Should().Be(elsewhere + "\n");
    }

    [LinuxFact]
    public async Task Without_a_shell_the_arguments_are_passed_as_argv_unchanged()
    {
        var command = new CommandSpec("printf") { Shell = false, Arguments = ["%s|", "a b", "$HOME", "c;d"] };

        var exit = await (await LaunchAsync(command)).Completion.WaitAsync(HangGuard);

        exit.State.Should().Be(TaskState.Finished);
        exit.Output!.Stdout.Should().Be("a b|$HOME|c;d|");
    }

    [LinuxFact]
    [UnsupportedOSPlatform("windows")]
    public async Task Without_a_shell_a_relative_program_path_is_resolved_in_the_working_directory()
    {
        Directory.CreateDirectory(Sandbox);
        var script = Path.Combine(Sandbox, "hello.sh");
        await File.WriteAllTextAsync(script, "#!/bin/sh\necho \"hello $1\"\n");
        File.SetUnixFileMode(script, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);

        var exit = await (await LaunchAsync(new CommandSpec("./hello.sh") { Shell = false, Arguments = ["there"] }))
            .Completion.WaitAsync(HangGuard);

        exit.Output!.Stdout.Should().Be("hello there\n");
    }

    [LinuxFact]
    public async Task A_missing_program_is_a_launch_failure()
    {
        var launch = () => LaunchAsync(new CommandSpec("no-such-program-embedded") { Shell = false });

        var failure = await launch.Should().ThrowAsync<TaskLaunchException>();

        failure.Which.Reason.Should().Be(TaskReason.ContainerLaunchFailed);
        failure.Which.Message.Should().Contain("no-such-program-embedded");
    }

    [LinuxFact]
    public async Task A_sandbox_that_cannot_be_created_is_a_launch_failure()
    {
        Directory.CreateDirectory(_root);
        var file = Path.Combine(_root, "a-file");
        await File.WriteAllTextAsync(file, "not a directory");

        var launch = () => LaunchAsync(new CommandSpec("true"), sandbox: Path.Combine(file, "sandbox"));

        var failure = await launch.Should().ThrowAsync<TaskLaunchException>();
        failure.Which.Reason.Should().Be(TaskReason.ContainerLaunchFailed);
        failure.Which.Message.Should().Contain("sandbox");
    }

    [LinuxFact]
    public async Task A_missing_working_directory_is_a_launch_failure()
    {
        var launch = () => LaunchAsync(new CommandSpec("true") { WorkingDirectory = "missing" });

        var failure = await launch.Should().ThrowAsync<TaskLaunchException>();
        failure.Which.Reason.Should().Be(TaskReason.ContainerLaunchFailed);
        failure.Which.Message.Should().Contain("missing");
    }

    [LinuxFact]
    public async Task The_task_leads_a_session_and_process_group_of_its_own()
    {
        // Fields 5 and 6 of /proc/<pid>/stat are the process group and the session. The task runs
        // under the executor's wrapper shell (its parent), which leads both.
        var exit = await (await LaunchAsync(new CommandSpec("echo $PPID; cut -d' ' -f5,6 /proc/$$/stat"))).Completion.WaitAsync(HangGuard);

        var lines = exit.Output!.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        var leader = lines[0];
        lines[1].Should().Be($"{leader} {leader}");
        leader.Should().NotBe(Environment.ProcessId.ToString());
    }

    [LinuxFact]
    public async Task Many_tasks_that_end_at_once_each_report_their_own_exit_status()
    {
        // Exits close together share SIGCHLDs (one signal can stand for several): every task must
        // still be reaped and keep its own code, and the wrapper must have recorded the same code.
        var launches = Enumerable.Range(0, 40).Select(i => LaunchAsync(new CommandSpec($"exit {i % 7}"), Path.Combine(_root, $"many-{i}")));
        var running = await Task.WhenAll(launches);

        var exits = await Task.WhenAll(running.Select(r => r.Completion)).WaitAsync(HangGuard);

        exits.Select(e => e.ExitCode).Should().Equal(Enumerable.Range(0, 40).Select(i => (int?)(i % 7)));
        for (var i = 0; i < 40; i++)
            (await File.ReadAllTextAsync(Path.Combine(_root, $"many-{i}", ".embedded-exit"))).Trim().Should().Be($"{i % 7}");
    }

    [LinuxFact]
    public async Task Kill_asks_with_SIGTERM_and_a_task_that_honours_it_is_killed_within_the_grace_period()
    {
        var running = await LaunchAsync(new CommandSpec("trap 'echo got-term; exit 0' TERM; echo ready; while :; do sleep 1; done"));
        await WaitForOutputAsync(running, o => o.Stdout.Contains("ready"));

        // The fake clock never moves: only the task's own exit can end this kill.
        await running.KillAsync(TimeSpan.FromMinutes(5), CancellationToken.None).AsTask().WaitAsync(HangGuard);
        var exit = await running.Completion.WaitAsync(HangGuard);

        exit.State.Should().Be(TaskState.Killed);
        exit.Reason.Should().Be(TaskReason.None);
        exit.Message.Should().Be("killed");
        exit.Output!.Stdout.Should().Be("ready\ngot-term\n");
    }

    [LinuxFact]
    public async Task Kill_forces_a_task_that_ignores_SIGTERM_after_the_grace_period_and_takes_its_children()
    {
        var running = await LaunchAsync(new CommandSpec("trap '' TERM; sleep 1000 & echo $! > child.pid; echo ready; wait"));
        await WaitForOutputAsync(running, o => o.Stdout.Contains("ready"));
        var child = int.Parse(await ReadSandboxFileAsync("child.pid"));
        IsGone(child).Should().BeFalse("the child sleeps until killed");

        var kill = running.KillAsync(TimeSpan.FromSeconds(10), CancellationToken.None).AsTask();

        // SIGTERM is ignored by both, so nothing can end until the grace period passes.
        kill.IsCompleted.Should().BeFalse();
        running.Completion.IsCompleted.Should().BeFalse();

        _time.Advance(TimeSpan.FromSeconds(10));
        await kill.WaitAsync(HangGuard);
        var exit = await running.Completion.WaitAsync(HangGuard);

        exit.State.Should().Be(TaskState.Killed);
        exit.ExitCode.Should().Be(128 + 9, "SIGKILL ended it");
        await WaitUntilAsync(() => IsGone(child));
    }

    [LinuxFact]
    public async Task Processes_a_task_leaves_behind_are_killed_when_it_exits()
    {
        // The orphan also holds the output pipes; completion must not wait for it.
        var running = await LaunchAsync(new CommandSpec("sleep 1000 & echo $! > child.pid; echo done"));

        var exit = await running.Completion.WaitAsync(HangGuard);

        exit.State.Should().Be(TaskState.Finished);
        exit.Output!.Stdout.Should().Be("done\n");
        var child = int.Parse(await ReadSandboxFileAsync("child.pid"));
        await WaitUntilAsync(() => IsGone(child));
    }

    [LinuxFact]
    public async Task Dispose_kills_a_running_task_and_its_children()
    {
        var running = await LaunchAsync(new CommandSpec("sleep 1000 & echo $! > child.pid; echo ready; wait"));
        await WaitForOutputAsync(running, o => o.Stdout.Contains("ready"));
        var child = int.Parse(await ReadSandboxFileAsync("child.pid"));

        await running.DisposeAsync().AsTask().WaitAsync(HangGuard);

        running.Completion.IsCompleted.Should().BeTrue();
        (await running.Completion).State.Should().Be(TaskState.Killed);
        await WaitUntilAsync(() => IsGone(child));
    }

    [LinuxFact]
    public async Task Kill_after_the_task_ended_changes_nothing()
    {
        var running = await LaunchAsync(new CommandSpec("exit 0"));
        var exit = await running.Completion.WaitAsync(HangGuard);

        await running.KillAsync(TimeSpan.FromSeconds(10), CancellationToken.None).AsTask().WaitAsync(HangGuard);

        exit.State.Should().Be(TaskState.Finished);
        (await running.Completion).Should().BeSameAs(exit);
    }

    [LinuxFact]
    public async Task The_output_tail_keeps_the_last_64_KiB_while_the_file_keeps_everything()
    {
        var running = await LaunchAsync(new CommandSpec("head -c 100000 /dev/zero | tr '\\0' x; echo; echo END"));

        var exit = await running.Completion.WaitAsync(HangGuard);

        exit.Output!.Stdout.Should().HaveLength(64 * 1024).And.EndWith("x\nEND\n");
        (await ReadSandboxFileAsync("stdout")).Should().HaveLength(100_000 + "\nEND\n".Length);
    }

    private async Task<IRunningTask> LaunchAsync(CommandSpec command, string? sandbox = null)
    {
        var running = await _executor.LaunchAsync(
            new TaskLaunch("agent-1", "framework-1", TaskWith(command), sandbox ?? Sandbox), CancellationToken.None);
        _launched.Add(running);
        return running;
    }

    private static TaskInfo TaskWith(CommandSpec? command) => new("task-1", "test", "agent-1", Resources.Empty) { Command = command };

    private async Task<string> ReadSandboxFileAsync(string name)
    {
        // The executor keeps the output files open for writing while the task runs.
        await using var stream = new FileStream(Path.Combine(Sandbox, name), FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        using var reader = new StreamReader(stream);
        return await reader.ReadToEndAsync();
    }

    private static async Task<TaskOutput> WaitForOutputAsync(IRunningTask running, Func<TaskOutput, bool> condition)
    {
        TaskOutput output = new("", "");
        await WaitUntilAsync(async () => condition(output = await running.ReadOutputAsync(CancellationToken.None)));
        return output;
    }

    private static Task WaitUntilAsync(Func<bool> condition) => WaitUntilAsync(() => Task.FromResult(condition()));

    /// <summary>Polls a condition on real processes, failing only if it stays false for the whole hang guard.</summary>
    private static async Task WaitUntilAsync(Func<Task<bool>> condition)
    {
        var deadline = DateTime.UtcNow + HangGuard;
        while (!await condition())
        {
            DateTime.UtcNow.Should().BeBefore(deadline, "the condition should hold well before the hang guard");
            await Task.Delay(20);
        }
    }

    /// <summary>
    /// Whether a process no longer runs: its /proc entry is gone, or it is a zombie that our
    /// sandbox's init (which may not reap orphans) has not collected.
    /// </summary>
    private static bool IsGone(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            var state = stat[stat.LastIndexOf(')') + 2];
            return state is 'Z' or 'X';
        }
        catch (IOException)
        {
            return true;
        }
    }
}
