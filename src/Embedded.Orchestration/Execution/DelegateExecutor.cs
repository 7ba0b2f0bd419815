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

        IReadOnlyDictionary<string, string> environment = task.Command?.Environment ?? ImmutableDictionary<string, string>.Empty;
        int[] ports = task.Resources.Ports.Ranges.Length == 0 ? [] : [.. task.Resources.Ports.Ranges.SelectMany(r => Enumerable.Range((int)r.Begin, (int)r.Count))];
        return ValueTask.FromResult<IRunningTask>(new RunningDelegate(body, launch, environment, ports, time));
    }

    /// <summary>
    /// One running delegate. Kept small, since a host may hold a hundred thousand: it is its own thread-pool work
    /// item, and its output buffers and message channel are made only once it writes or gets a message.
    /// </summary>
    private sealed class RunningDelegate : IRunningTask, IMessageReceiver, ITaskLink, IThreadPoolWorkItem, IReportsExit
    {
        private readonly TimeProvider _time;
        private OutputTail? _stdout;
        private OutputTail? _stderr;
        // The body until it starts, then the task it returned (one field: both are never needed at once).
        private object _body;
        private readonly TaskContext _context;
        private readonly ITaskAgent? _agent;
        // The launch's own sender without an agent; with one, made at the task's first message.
        private Action<ReadOnlyMemory<byte>>? _send;
        private readonly long _run;
        private readonly string _frameworkId;
        private System.Threading.Channels.Channel<ReadOnlyMemory<byte>>? _messages;
        // Only without an agent to name it again (an executor used on its own): a path is about 200 bytes a task.
        private readonly string? _sandbox;
        private volatile bool _sandboxMade;

        // Not disposed: the delegate may hold its token after we stop caring (see KillAsync), and a
        // source without timers or linked tokens holds nothing that needs disposing.
        private readonly CancellationTokenSource _cancellation = new();
        private volatile bool _killRequested;

        // How it ended (the first ending wins), and who hears of it: the agent told once, a completion made only when read.
        private TaskExit? _exit;
        private TaskCompletionSource<TaskExit>? _completion;
        private int _reporting;
        private int _reported;

        public RunningDelegate(
            TaskDelegate body, TaskLaunch launch, IReadOnlyDictionary<string, string> environment, IReadOnlyList<int> ports, TimeProvider time)
        {
            _time = time;
            _body = body;
            _frameworkId = launch.FrameworkId;
            // The agent when it gave itself; else whatever the launch carries.
            _agent = launch.Agent;
            _run = launch.Run;
            if (_agent is null)
            {
                _send = launch.SendToFramework;
                _sandbox = Path.GetFullPath(launch.SandboxDirectory);
            }
            _context = new TaskContext(launch.Task.TaskId, launch.AgentId, environment, this) { Ports = ports };
            // On the thread pool, never on the agent's thread that launched it.
            ThreadPool.UnsafeQueueUserWorkItem(this, preferLocal: false);
        }

        public Task<TaskExit> Completion
        {
            get
            {
                var completion = LazyInitializer.EnsureInitialized(ref _completion, static () => new TaskCompletionSource<TaskExit>(TaskCreationOptions.RunContinuationsAsynchronously));
                if (Volatile.Read(ref _exit) is { } exit) completion.TrySetResult(exit);
                return completion.Task;
            }
        }

        public void StartReporting()
        {
            // A full fence, as Complete's exchange is: each then sees the other's write, or the other sees its own.
            // (A volatile write may pass the read after it, and then neither would report.)
            Interlocked.Exchange(ref _reporting, 1);
            if (Volatile.Read(ref _exit) is not null) Report();
        }

        private void Complete(TaskExit exit)
        {
            if (Interlocked.CompareExchange(ref _exit, exit, null) is not null) return;
            Volatile.Read(ref _completion)?.TrySetResult(exit);
            if (Volatile.Read(ref _reporting) == 1) Report();
        }

        // Complete and StartReporting may both see the other's write: the agent hears of the end once.
        private void Report()
        {
            if (Interlocked.Exchange(ref _reported, 1) == 0) _agent?.TaskExited(_frameworkId, _context.TaskId, _run, _exit!);
        }

        System.Threading.Channels.ChannelReader<ReadOnlyMemory<byte>> ITaskLink.Messages => Messages().Reader;

        Action<ReadOnlyMemory<byte>> ITaskLink.Send => _send ??= data => _agent!.SendToFramework(_frameworkId, _context.TaskId, data);

        public void Receive(ReadOnlyMemory<byte> data) => Messages().Writer.TryWrite(data.ToArray());

        string ITaskLink.Sandbox()
        {
            var sandbox = _sandbox ?? _agent!.SandboxOf(_frameworkId, _context.TaskId, _run);
            if (_sandboxMade) return sandbox;
            // Off the agent's loop, which may meanwhile remove a parent that another task's end left empty: try again then.
            for (var attempt = 1; ; attempt++)
            {
                try
                {
                    Sandbox.Create(sandbox);
                    _sandboxMade = true;
                    return sandbox;
                }
                catch (TaskLaunchException) when (attempt < 3)
                {
                }
            }
        }

        private System.Threading.Channels.Channel<ReadOnlyMemory<byte>> Messages() =>
            LazyInitializer.EnsureInitialized(ref _messages, static () => System.Threading.Channels.Channel.CreateUnbounded<ReadOnlyMemory<byte>>(new() { SingleReader = true }));

        void IThreadPoolWorkItem.Execute()
        {
            Task<int> running;
            try
            {
                running = ((TaskDelegate)_body)(_context, _cancellation.Token);
            }
            catch (Exception ex)
            {
                Complete(Ended(ex));
                return;
            }
            _body = running;
            // A continuation rather than an async method: its state machine would be another 112 bytes a running task.
            if (running.IsCompleted) BodyEnded();
            else running.ConfigureAwait(false).GetAwaiter().UnsafeOnCompleted(BodyEnded);
        }

        private void BodyEnded()
        {
            var running = (Task<int>)_body;
            if (!running.IsCompletedSuccessfully)
            {
                Complete(Ended(running.Exception?.InnerException ?? new TaskCanceledException(running))); // as `await` would have thrown
                return;
            }
            var code = running.Result;
            Complete(_killRequested ? Killed(code)
                : code == 0 ? new TaskExit(TaskState.Finished, TaskReason.None, "exited with code 0", 0, Snapshot())
                : new TaskExit(TaskState.Failed, TaskReason.None, $"exited with code {code}", code, Snapshot()));
        }

        // Typically the OperationCanceledException of a delegate that honoured its token, when it was killed.
        private TaskExit Ended(Exception ex) => _killRequested
            ? Killed(null)
            : new TaskExit(TaskState.Failed, TaskReason.None, $"{ex.GetType().FullName}: {ex.Message}", Output: Snapshot());

        public ValueTask<TaskOutput> ReadOutputAsync(CancellationToken cancellationToken) => ValueTask.FromResult(Snapshot());

        public async ValueTask KillAsync(TimeSpan gracePeriod, CancellationToken cancellationToken)
        {
            if (Volatile.Read(ref _exit) is not null)
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
                // The run's end is the completion's (BodyEnded sets it last), so waiting for it waits for the body.
                await Completion.WaitAsync(wait, _time, cancellationToken).ConfigureAwait(false);
            }
            catch (TimeoutException)
            {
                // .NET cannot abort a thread, so a delegate that ignores its token keeps running,
                // detached: we report the task killed so the agent can free its resources, and
                // whatever the delegate does from now on is ignored.
                Complete(new TaskExit(
                    TaskState.Killed, TaskReason.None, "killed (the delegate did not stop within its grace period and was abandoned)", Output: Snapshot()));
            }
        }

        public ValueTask DisposeAsync() => KillAsync(TimeSpan.Zero, CancellationToken.None);

        private TaskExit Killed(int? exitCode) => new(TaskState.Killed, TaskReason.None, "killed", exitCode, Snapshot());

        TextWriter ITaskLink.Output(bool error) =>
            error ? LazyInitializer.EnsureInitialized(ref _stderr, static () => new OutputTail()) : LazyInitializer.EnsureInitialized(ref _stdout, static () => new OutputTail());

        private TaskOutput Snapshot() => new(Volatile.Read(ref _stdout)?.ToString() ?? "", Volatile.Read(ref _stderr)?.ToString() ?? "");
    }
}
