using System.Collections.Immutable;
using Embedded.Orchestration.Execution;
using Embedded.Orchestration.Model;
using Microsoft.Extensions.Time.Testing;

namespace Embedded.Orchestration.Tests.Execution;

/// <summary>The fake clock drives grace periods; real waits only guard against hangs.</summary>
public sealed class DelegateExecutorTests : IAsyncLifetime
{
    private static readonly TimeSpan HangGuard = TimeSpan.FromSeconds(30);

    private readonly string _root = Path.Combine(Path.GetTempPath(), "embedded-delegate-tests", Guid.NewGuid().ToString("N"));
    private readonly FakeTimeProvider _time = new();
    private readonly DelegateRegistry _registry = new();
    private readonly DelegateExecutor _executor;
    private readonly List<IRunningTask> _launched = [];

    public DelegateExecutorTests() => _executor = new DelegateExecutor(_registry, _time);

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
    public void Runs_tasks_that_name_a_delegate()
    {
        _executor.Name.Should().Be("delegate");
        _executor.Kind.Should().Be(TaskKind.Delegate);
        TaskNamed("body").Kind.Should().Be(TaskKind.Delegate);
        (TaskNamed(null) with { Command = new CommandSpec("true") }).Kind.Should().Be(TaskKind.Command);
    }

    [Fact]
    public async Task A_delegate_that_returns_zero_finishes_with_its_output_and_sees_its_context()
    {
        TaskContext? seen = null;
        _registry.Register("hello", async (context, _) =>
        {
            seen = context;
            await context.Stdout.WriteLineAsync("hello");
            await context.Stderr.WriteAsync("careful");
            return 0;
        });
        var task = TaskNamed("hello") with
        {
            Command = new CommandSpec("ignored") { Environment = ImmutableDictionary<string, string>.Empty.Add("MODE", "test") },
        };

        var exit = await (await LaunchAsync(task)).Completion.WaitAsync(HangGuard);

        exit.State.Should().Be(TaskState.Finished);
        exit.ExitCode.Should().Be(0);
        exit.Output.Should().Be(new TaskOutput("hello" + Environment.NewLine, "careful"));
        seen!.TaskId.Should().Be("task-1");
        seen.AgentId.Should().Be("agent-1");
        seen.Environment.Should().Equal(new Dictionary<string, string> { ["MODE"] = "test" });
        seen.SandboxDirectory.Should().Be(Path.GetFullPath(Sandbox));
        Directory.Exists(seen.SandboxDirectory).Should().BeTrue();
    }

    [Fact]
    public async Task Without_a_command_the_environment_is_empty()
    {
        IReadOnlyDictionary<string, string>? environment = null;
        _registry.Register("env", (context, _) =>
        {
            environment = context.Environment;
            return Task.FromResult(0);
        });

        await (await LaunchAsync(TaskNamed("env"))).Completion.WaitAsync(HangGuard);

        environment.Should().NotBeNull().And.BeEmpty();
    }

    [Fact]
    public async Task A_nonzero_exit_code_fails_the_task()
    {
        _registry.Register("fail", (_, _) => Task.FromResult(3));

        var exit = await (await LaunchAsync(TaskNamed("fail"))).Completion.WaitAsync(HangGuard);

        exit.State.Should().Be(TaskState.Failed);
        exit.ExitCode.Should().Be(3);
        exit.Message.Should().Be("exited with code 3");
    }

    [Fact]
    public async Task A_delegate_that_throws_fails_the_task_with_the_exception()
    {
        _registry.Register("throw", async (context, _) =>
        {
            await context.Stderr.WriteAsync("before");
            throw new InvalidOperationException("boom");
        });

        var exit = await (await LaunchAsync(TaskNamed("throw"))).Completion.WaitAsync(HangGuard);

        exit.State.Should().Be(TaskState.Failed);
        exit.ExitCode.Should().BeNull();
        exit.Message.Should().Be("System.InvalidOperationException: boom");
        exit.Output!.Stderr.Should().Be("before");
    }

    [Fact]
    public async Task A_delegate_that_throws_before_its_first_await_fails_the_task_too()
    {
        _registry.Register("sync-throw", (_, _) => throw new ArgumentException("bad"));

        var exit = await (await LaunchAsync(TaskNamed("sync-throw"))).Completion.WaitAsync(HangGuard);

        exit.State.Should().Be(TaskState.Failed);
        exit.Message.Should().Be("System.ArgumentException: bad");
    }

    [Fact]
    public async Task An_unknown_delegate_is_an_invalid_task()
    {
        var launch = () => LaunchAsync(TaskNamed("missing"));

        var failure = await launch.Should().ThrowAsync<TaskLaunchException>();

        failure.Which.Reason.Should().Be(TaskReason.TaskInvalid);
        failure.Which.Message.Should().Be("no delegate named 'missing' is registered");
    }

    [Fact]
    public async Task Output_can_be_read_while_the_delegate_runs()
    {
        _registry.Register("chatty", async (context, cancellationToken) =>
        {
            await context.Stdout.WriteAsync("started");
            await Task.Delay(Timeout.Infinite, cancellationToken);
            return 0;
        });
        var running = await LaunchAsync(TaskNamed("chatty"));

        var deadline = DateTime.UtcNow + HangGuard;
        while ((await running.ReadOutputAsync(CancellationToken.None)).Stdout != "started")
        {
            DateTime.UtcNow.Should().BeBefore(deadline);
            await Task.Delay(10);
        }

        running.Completion.IsCompleted.Should().BeFalse();
    }

    [Fact]
    public async Task Kill_cancels_the_token_and_a_cooperative_delegate_is_killed_without_waiting_for_the_grace_period()
    {
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _registry.Register("cooperative", async (_, cancellationToken) =>
        {
            started.SetResult();
            await Task.Delay(Timeout.Infinite, cancellationToken);
            return 0;
        });
        var running = await LaunchAsync(TaskNamed("cooperative"));
        await started.Task.WaitAsync(HangGuard);

        // The fake clock never moves: only the delegate's own ending can end this kill.
        await running.KillAsync(TimeSpan.FromMinutes(5), CancellationToken.None).AsTask().WaitAsync(HangGuard);
        var exit = await running.Completion.WaitAsync(HangGuard);

        exit.State.Should().Be(TaskState.Killed);
        exit.Reason.Should().Be(TaskReason.None);
        exit.Message.Should().Be("killed");
    }

    [Fact]
    public async Task A_delegate_that_returns_normally_after_a_kill_is_reported_killed()
    {
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _registry.Register("graceful", async (_, cancellationToken) =>
        {
            started.SetResult();
            try
            {
                await Task.Delay(Timeout.Infinite, cancellationToken);
            }
            catch (OperationCanceledException)
            {
                return 0;
            }

            return 1;
        });
        var running = await LaunchAsync(TaskNamed("graceful"));
        await started.Task.WaitAsync(HangGuard);

        await running.KillAsync(TimeSpan.FromMinutes(5), CancellationToken.None).AsTask().WaitAsync(HangGuard);
        var exit = await running.Completion.WaitAsync(HangGuard);

        exit.State.Should().Be(TaskState.Killed);
        exit.ExitCode.Should().Be(0);
    }

    [Fact]
    public async Task A_delegate_that_ignores_its_token_is_abandoned_and_reported_killed_after_the_grace_period()
    {
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var release = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);
        _registry.Register("stubborn", async (context, _) =>
        {
            await context.Stdout.WriteAsync("working");
            started.SetResult();
            return await release.Task;
        });
        var running = await LaunchAsync(TaskNamed("stubborn"));
        await started.Task.WaitAsync(HangGuard);

        var kill = running.KillAsync(TimeSpan.FromSeconds(10), CancellationToken.None).AsTask();
        kill.IsCompleted.Should().BeFalse("the grace period has not passed on the fake clock");
        running.Completion.IsCompleted.Should().BeFalse();

        _time.Advance(TimeSpan.FromSeconds(10));
        await kill.WaitAsync(HangGuard);
        var exit = await running.Completion.WaitAsync(HangGuard);

        exit.State.Should().Be(TaskState.Killed);
        exit.ExitCode.Should().BeNull();
        exit.Output!.Stdout.Should().Be("working");

        // Whatever the abandoned delegate does later does not change how the task ended.
        release.SetResult(0);
        (await running.Completion).Should().BeSameAs(exit);
    }

    [Fact]
    public async Task The_output_tail_keeps_the_last_64_KiB()
    {
        _registry.Register("loud", async (context, _) =>
        {
            await context.Stdout.WriteAsync(new string('a', 100_000));
            await context.Stdout.WriteAsync("END");
            return 0;
        });

        var exit = await (await LaunchAsync(TaskNamed("loud"))).Completion.WaitAsync(HangGuard);

        exit.Output!.Stdout.Should().HaveLength(64 * 1024).And.EndWith("aEND").And.StartWith("a");
    }

    [Fact]
    public async Task Concurrent_writers_lose_no_lines()
    {
        const int Writers = 8, LinesEach = 500;
        _registry.Register("parallel", async (context, _) =>
        {
            await Task.WhenAll(Enumerable.Range(0, Writers).Select(w => Task.Run(() =>
            {
                for (var i = 0; i < LinesEach; i++)
                {
                    context.Stdout.WriteLine($"w{w}");
                }
            })));
            return 0;
        });

        var exit = await (await LaunchAsync(TaskNamed("parallel"))).Completion.WaitAsync(HangGuard);

        var lines = exit.Output!.Stdout.Split(Environment.NewLine, StringSplitOptions.RemoveEmptyEntries);
        lines.Should().HaveCount(Writers * LinesEach);
        lines.GroupBy(l => l).Should().HaveCount(Writers).And.OnlyContain(g => g.Count() == LinesEach);
    }

    private async Task<IRunningTask> LaunchAsync(TaskInfo task)
    {
        var running = await _executor.LaunchAsync(new TaskLaunch("agent-1", "framework-1", task, Sandbox), CancellationToken.None);
        _launched.Add(running);
        return running;
    }

    private static TaskInfo TaskNamed(string? name) => new("task-1", "test", "agent-1", Resources.Empty) { Delegate = name };
}
