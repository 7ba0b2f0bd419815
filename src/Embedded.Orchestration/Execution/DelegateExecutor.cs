using System.Collections.Immutable;
using Embedded.Orchestration.Model;

namespace Embedded.Orchestration.Execution;

/// <summary>
/// Runs in-process tasks: the <see cref="TaskDelegate"/> that a task names in
/// <see cref="TaskInfo.Delegate"/>, on the thread pool, with in-memory stdout and stderr. Meant for
/// tests and benchmarks, where starting a process per task would dominate.
/// </summary>
internal sealed class DelegateExecutor(DelegateRegistry registry, TimeProvider time) : ITaskExecutor
{
    public string Name => "delegate";

    public TaskKind Kind => TaskKind.Delegate;

    public ValueTask<IRunningTask> LaunchAsync(TaskLaunch launch, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(launch);
        cancellationToken.ThrowIfCancellationRequested();

        var task = launch.Task;
        var name = task.Delegate
            ?? throw new TaskLaunchException(TaskReason.TaskInvalid, $"task '{task.TaskId}' names no delegate to run");
        if (!registry.TryGet(name, out var body))
        {
            throw new TaskLaunchException(TaskReason.TaskInvalid, $"no delegate named '{name}' is registered");
        }

        var sandbox = Sandbox.Create(launch.SandboxDirectory);
        IReadOnlyDictionary<string, string> environment = task.Command?.Environment ?? ImmutableDictionary<string, string>.Empty;
        int[] ports = task.Resources.Ports.Ranges.Length == 0 ? [] : [.. task.Resources.Ports.Ranges.SelectMany(r => Enumerable.Range((int)r.Begin, (int)r.Count))];
        return ValueTask.FromResult<IRunningTask>(new RunningDelegate(body, task.TaskId, launch.AgentId, sandbox, environment, ports, launch.SendToFramework, time));
    }

    private sealed class RunningDelegate : IRunningTask, IMessageReceiver
    {
        private readonly System.Threading.Channels.Channel<ReadOnlyMemory<byte>> _messages =
            System.Threading.Channels.Channel.CreateUnbounded<ReadOnlyMemory<byte>>(new() { SingleReader = true });
        private readonly TimeProvider _time;
        private readonly OutputTail _stdout = new();
        private readonly OutputTail _stderr = new();

        // Not disposed: the delegate may hold its token after we stop caring (see KillAsync), and a
        // source without timers or linked tokens holds nothing that needs disposing.
        private readonly CancellationTokenSource _cancellation = new();
        private readonly TaskCompletionSource<TaskExit> _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly Task _run;
        private volatile bool _killRequested;

        public RunningDelegate(
            TaskDelegate body, string taskId, string agentId, string sandbox, IReadOnlyDictionary<string, string> environment,
            IReadOnlyList<int> ports, Action<ReadOnlyMemory<byte>> sendToFramework, TimeProvider time)
        {
            _time = time;
            var context = new TaskContext(taskId, agentId, sandbox, environment, _stdout.CreateWriter(), _stderr.CreateWriter())
            {
                Messages = _messages.Reader,
                SendToFramework = sendToFramework,
                Ports = ports,
            };
            _run = RunAsync(body, context);
        }

        public Task<TaskExit> Completion => _completion.Task;

        public void Receive(ReadOnlyMemory<byte> data) => _messages.Writer.TryWrite(data.ToArray());

        public ValueTask<TaskOutput> ReadOutputAsync(CancellationToken cancellationToken) => ValueTask.FromResult(Snapshot());

        public async ValueTask KillAsync(TimeSpan gracePeriod, CancellationToken cancellationToken)
        {
            if (_completion.Task.IsCompleted)
            {
                return;
            }

            _killRequested = true;

            // Don't await the cancellation callbacks: a delegate's callback that blocks must not block
            // the kill. Their exceptions belong to the delegate; observe them so they don't go unobserved.
            _ = _cancellation.CancelAsync().ContinueWith(
                static t => _ = t.Exception, CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted, TaskScheduler.Default);

            try
            {
                var wait = gracePeriod < TimeSpan.Zero && gracePeriod != Timeout.InfiniteTimeSpan ? TimeSpan.Zero : gracePeriod;
                await _run.WaitAsync(wait, _time, cancellationToken).ConfigureAwait(false);
            }
            catch (TimeoutException)
            {
                // .NET cannot abort a thread, so a delegate that ignores its token keeps running,
                // detached: we report the task killed so the agent can free its resources, and
                // whatever the delegate does from now on is ignored.
                _completion.TrySetResult(new TaskExit(
                    TaskState.Killed, TaskReason.None, "killed (the delegate did not stop within its grace period and was abandoned)", Output: Snapshot()));
            }
        }

        public ValueTask DisposeAsync() => KillAsync(TimeSpan.Zero, CancellationToken.None);

        private async Task RunAsync(TaskDelegate body, TaskContext context)
        {
            TaskExit exit;
            try
            {
                var code = await Task.Run(() => body(context, _cancellation.Token), CancellationToken.None).ConfigureAwait(false);
                exit = _killRequested ? Killed(code)
                    : code == 0 ? new TaskExit(TaskState.Finished, TaskReason.None, "exited with code 0", 0, Snapshot())
                    : new TaskExit(TaskState.Failed, TaskReason.None, $"exited with code {code}", code, Snapshot());
            }
            catch (Exception) when (_killRequested)
            {
                // Typically the OperationCanceledException of a delegate that honoured its token.
                exit = Killed(null);
            }
            catch (Exception ex)
            {
                exit = new TaskExit(TaskState.Failed, TaskReason.None, $"{ex.GetType().FullName}: {ex.Message}", Output: Snapshot());
            }

            _completion.TrySetResult(exit);
        }

        private TaskExit Killed(int? exitCode) => new(TaskState.Killed, TaskReason.None, "killed", exitCode, Snapshot());

        private TaskOutput Snapshot() => new(_stdout.ToString(), _stderr.ToString());
    }
}
