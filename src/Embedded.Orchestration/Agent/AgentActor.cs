using System.Collections.Immutable;
using System.Runtime.InteropServices;
using Embedded.Orchestration.Actors;
using Embedded.Orchestration.Diagnostics;
using Embedded.Orchestration.Execution;
using Embedded.Orchestration.Master;
using Embedded.Orchestration.Model;
using Microsoft.Extensions.Logging;

namespace Embedded.Orchestration.Agent;

/// <summary>
/// Runs the tasks the master sends through its executors, and reports each task's status updates
/// in order, re-sending until they are acknowledged. Registers, heartbeats, and registers again
/// when the master has lost sight of it.
/// </summary>
internal sealed partial class AgentActor : Actor<AgentMessage>
{
    private readonly ILogger _logger;
    private readonly AgentOptions _options;
    private readonly MasterLink _master;
    private readonly TimeProvider _time;
    private readonly IReadOnlyList<ITaskExecutor> _executors;
    private Resources _resources = Resources.Empty;
    private ImmutableDictionary<string, string> _attributes = ImmutableDictionary<string, string>.Empty;
    private readonly string _workDirectory;
    private readonly AgentCheckpoint _checkpoint;
    private readonly Dictionary<AgentTaskKey, TaskRun> _tasks = [];
    private readonly Dictionary<AgentTaskKey, UpdateStream> _streams = [];
    private readonly TaskCompletionSource _registered = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly CancellationTokenSource _stopping = new();
    private ITimer? _heartbeat;
    private TaskCompletionSource? _shutdown;
    private bool _connected, _partitioned, _leaving, _restarted;
    private long _runs;

    public AgentActor(AgentOptions options, MasterLink master, IReadOnlyList<ITaskExecutor> executors, TimeProvider time, ILogger<AgentActor> logger)
        : base(logger)
    {
        _logger = logger;
        _options = options;
        _master = master;
        _time = time;
        _executors = executors;
        _workDirectory = options.WorkDirectory ?? Path.Combine(Path.GetTempPath(), "embedded", options.Name + "-" + Environment.ProcessId);
        _checkpoint = new AgentCheckpoint(_workDirectory);
    }

    public string Id => _options.Name;
    public Resources Resources => _resources;
    public string WorkDirectory => _workDirectory;

    /// <summary>
    /// Lets executors probe their runtimes, works out resources and attributes, starts the loop and
    /// registers; completes when the master has admitted the agent.
    /// </summary>
    public async Task StartAgentAsync(CancellationToken cancellationToken)
    {
        // Recovery first, so that what executors clean up at start is only what no checkpoint claims.
        var recovered = await RecoverAsync(cancellationToken).ConfigureAwait(false);

        // Configured values win over what executors detect, which win over this machine's defaults.
        var attributes = ImmutableDictionary.CreateBuilder<string, string>(StringComparer.Ordinal);
        attributes["os"] = OperatingSystem.IsWindows() ? "windows" : "linux";
        attributes["arch"] = RuntimeInformation.OSArchitecture.ToString().ToLowerInvariant();
        Resources? detected = null;
        foreach (var executor in _executors.OfType<IExecutorLifecycle>())
        {
            var facts = await executor.StartAsync(Id, cancellationToken).ConfigureAwait(false);
            foreach (var (name, value) in facts.Attributes) attributes[name] = value;
            detected ??= facts.Resources;
        }
        foreach (var (name, value) in _options.Attributes) attributes[name] = value;
        _attributes = attributes.ToImmutable();
        _resources = _options.Resources is { } text ? Resources.Parse(text) : detected ?? DefaultResources();
        Start();
        foreach (var message in recovered) Post(message);
        Post(new ReregisterRequested("starting"));
        await _registered.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Kills every task (unless <see cref="AgentOptions.KillTasksOnShutdown"/> is off), reports how
    /// they ended, tells the master it leaves, lets executors tidy up, and stops.
    /// </summary>
    public async Task StopAgentAsync(CancellationToken cancellationToken)
    {
        var shutdown = new ShutdownAgent();
        try
        {
            if (Post(shutdown)) await shutdown.Reply.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // Out of time: stopping disposes what still runs, which kills it outright.
        }
        await _stopping.CancelAsync().ConfigureAwait(false);
        await StopAsync(CancellationToken.None).ConfigureAwait(false);
        foreach (var executor in _executors.OfType<IExecutorLifecycle>())
        {
            try
            {
                await executor.StopAsync(!_options.KillTasksOnShutdown, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                LogExecutorStopFailed(e);
            }
        }
    }

    /// <summary>Stops as a crash would: no task is killed, no update flushed, the master not told.</summary>
    public async Task CrashAsync()
    {
        _leaving = true;
        await _stopping.CancelAsync().ConfigureAwait(false);
        await StopAsync(CancellationToken.None).ConfigureAwait(false);
    }

    protected override async Task OnStoppedAsync(CancellationToken cancellationToken)
    {
        _heartbeat?.Dispose();
        foreach (var stream in _streams.Values) stream.RetryTimer?.Dispose();
        foreach (var run in _tasks.Values)
        {
            run.CompletionTimer?.Dispose();
            if (run.Running is { } running && !_leaving) await running.DisposeAsync().ConfigureAwait(false);
        }
        _registered.TrySetCanceled(cancellationToken);
    }

    private bool Send(AgentMessage message) => Post(new FromMaster(message));

    private void ToMaster(MasterMessage message)
    {
        if (!_partitioned) _master.Post(message);
    }

    protected override void Handle(AgentMessage message)
    {
        if (message is FromMaster { Message: var inner })
        {
            if (_partitioned) return; // Lost on the wire.
            message = inner;
        }
        switch (message)
        {
            case AgentRegistered m: OnRegistered(m); break;
            case ReregisterRequested m: OnReregisterRequested(m); break;
            case RegistrationRefused m: LogRegistrationRefused(m.Reason); _registered.TrySetException(new InvalidOperationException(m.Reason)); break;
            case RunTask m: OnRunTask(m); break;
            case KillTask m: OnKillTask(m); break;
            case AcknowledgeUpdate m: OnAcknowledge(m); break;
            case FrameworkMessage m: OnFrameworkMessage(m); break;
            case ShutdownFramework m: OnShutdownFramework(m); break;
            case FrameworkResubscribed m:
                foreach (var (key, stream) in _streams.Where(s => s.Key.FrameworkId == m.FrameworkId).ToList()) SendHead(key, stream, resetBackoff: true);
                break;
            case SendHeartbeat: if (_connected) ToMaster(new AgentHeartbeat(Id, Send)); break;
            case RegisterAnew m: OnRegisterAnew(m); break;
            case TaskLaunched m: OnTaskLaunched(m); break;
            case TaskExited m: OnTaskExited(m); break;
            case RetryUpdates m: OnRetry(m); break;
            case CompletionTimeReached m: OnCompletionTimeReached(m); break;
            case SetPartitioned m: OnSetPartitioned(m); break;
            case ReadOutput m: OnReadOutput(m); break;
            case ShutdownAgent m: OnShutdown(m); break;
            default: throw new InvalidOperationException($"the agent does not handle {message.GetType().Name}");
        }
    }

    // Registration and heartbeats.

    private void OnReregisterRequested(ReregisterRequested m)
    {
        // Ended tasks whose last update is not acknowledged yet count too: the master must not take them for gone.
        var tasks = _tasks.Values.Select(t => new ReportedTask(t.FrameworkId, t.Info, t.State)).ToImmutableArray();
        var reregister = m.Reason != "starting" || _restarted;
        _connected = false;
        ToMaster(new RegisterAgent(Id, _options.Hostname, _resources, _attributes, Send, tasks, reregister));
    }

    private void OnRegistered(AgentRegistered m)
    {
        _connected = true;
        _heartbeat?.Dispose();
        _heartbeat = _time.CreateTimer(_ => Post(SendHeartbeat.Instance), null, m.HeartbeatInterval, m.HeartbeatInterval);
        LogRegistered(Id);
        _checkpoint.MarkRegistered(Id);
        _registered.TrySetResult();
        // What was in flight while the master could not hear us goes again now.
        foreach (var (key, stream) in _streams) SendHead(key, stream, resetBackoff: true);
    }

    /// <summary>The master has given this agent and its tasks up: kill them without a word, forget them, start over.</summary>
    private void OnRegisterAnew(RegisterAnew m)
    {
        LogRegisterAnew(m.Reason);
        foreach (var (key, stream) in _streams.ToList())
        {
            stream.RetryTimer?.Dispose();
            _streams.Remove(key);
        }
        foreach (var run in _tasks.Values.ToList())
        {
            if (run.State.IsTerminal()) Forget(run);
            else StartKill(run, KillCause.GivenUp, TimeSpan.Zero);
        }
        _restarted = false;
        _connected = false;
        ToMaster(new RegisterAgent(Id, _options.Hostname, _resources, _attributes, Send, [], Reregister: false));
    }

    private void OnSetPartitioned(SetPartitioned m)
    {
        if (_partitioned == m.Partitioned) return;
        _partitioned = m.Partitioned;
        if (!_partitioned) ToMaster(new AgentHeartbeat(Id, Send));
    }

    // Tasks.

    private void OnRunTask(RunTask m)
    {
        var key = new AgentTaskKey(m.FrameworkId, m.Task.TaskId);
        // An ended task whose last update is not yet acknowledged may be launched again under its id:
        // the new run's updates queue behind the old ones.
        if (_tasks.TryGetValue(key, out var existing) && !existing.State.IsTerminal())
        {
            LogDuplicateLaunch(m.Task.TaskId);
            return;
        }
        var executor = _executors.FirstOrDefault(e => e.CanRun(m.Task));
        if (executor is null)
        {
            var kind = m.Task.Command is not null ? "command" : m.Task.Delegate is not null ? "delegate" : m.Task.Container is not null ? "container" : "this kind of";
            Report(m.FrameworkId, m.Task.TaskId, TaskState.Error, TaskReason.TaskInvalid,
                $"agent {Id} has no executor for {kind} tasks (it has: {string.Join(", ", _executors.Select(e => e.Name))})");
            return;
        }
        var runNumber = ++_runs;
        var sandbox = Path.Combine(_workDirectory, "frameworks", m.FrameworkId, "tasks", m.Task.TaskId, "runs", runNumber.ToString());
        var run = new TaskRun(m.FrameworkId, m.Task, runNumber, executor) { Checkpointed = m.Checkpoint, Sandbox = sandbox };
        // As in Mesos, the task is on disk before it launches, so a restart can never lose a running task.
        if (run.Checkpointed) Checkpoint(c => c.SaveTask(new CheckpointedTask(m.FrameworkId, m.Task, run.Run, executor.Name, sandbox)));
        _tasks[key] = run;
        run.State = TaskState.Starting;
        Report(run, TaskState.Starting, TaskReason.None, $"launching with the {executor.Name} executor");
        _ = LaunchAsync(run, new TaskLaunch(Id, m.FrameworkId, m.Task, sandbox));
    }

    private async Task LaunchAsync(TaskRun run, TaskLaunch launch)
    {
        using var activity = Telemetry.Source.StartActivity("launch task");
        activity?.SetTag("task.id", launch.Task.TaskId);
        activity?.SetTag("agent.id", Id);
        activity?.SetTag("executor", run.Executor.Name);
        try
        {
            var running = await run.Executor.LaunchAsync(launch, _stopping.Token).ConfigureAwait(false);
            if (!Post(new TaskLaunched(run.Key, run.Run, running, null))) await running.DisposeAsync().ConfigureAwait(false);
        }
        catch (Exception e)
        {
            activity?.SetStatus(System.Diagnostics.ActivityStatusCode.Error, e.Message);
            Post(new TaskLaunched(run.Key, run.Run, null, e));
        }
    }

    private TaskRun? Find(AgentTaskKey key, long run) =>
        _tasks.TryGetValue(key, out var task) && task.Run == run ? task : null;

    private void OnTaskLaunched(TaskLaunched m)
    {
        var run = Find(m.Key, m.Run);
        if (run is null)
        {
            if (m.Running is { } orphan) _ = orphan.DisposeAsync().AsTask();
            return;
        }
        if (m.Running is null)
        {
            var reason = m.Error is TaskLaunchException tle ? tle.Reason : TaskReason.ContainerLaunchFailed;
            var state = reason == TaskReason.TaskInvalid ? TaskState.Error : TaskState.Failed;
            Finish(run, state, reason, $"launch failed: {m.Error?.Message}", null);
            return;
        }
        run.Running = m.Running;
        _ = WatchAsync(run.Key, run.Run, m.Running);
        if (run.Kill != KillCause.None)
        {
            StartKill(run, run.Kill, run.KillGrace);
            return;
        }
        run.State = TaskState.Running;
        // The clock starts before anyone hears the task runs, so its deadline never trails what they saw.
        if (run.Info.MaxCompletionTime is { } max)
        {
            ArmCompletionTimer(run, max);
            if (run.Checkpointed)
                Checkpoint(c => c.SaveTask(new CheckpointedTask(run.FrameworkId, run.Info, run.Run, run.Executor.Name, run.Sandbox) { StartedAt = _time.GetUtcNow() }));
        }
        Report(run, TaskState.Running, TaskReason.None, "");
    }

    private void ArmCompletionTimer(TaskRun run, TimeSpan after) =>
        run.CompletionTimer = _time.CreateTimer(_ => Post(new CompletionTimeReached(run.Key, run.Run)), null, after, Timeout.InfiniteTimeSpan);

    private async Task WatchAsync(AgentTaskKey key, long run, IRunningTask running)
    {
        var exit = await running.Completion.ConfigureAwait(false);
        Post(new TaskExited(key, run, exit));
    }

    private void OnTaskExited(TaskExited m)
    {
        var run = Find(m.Key, m.Run);
        if (run is null || run.State.IsTerminal()) return;
        var exit = m.Exit;
        var (state, reason, message) = run.Kill switch
        {
            KillCause.MaxCompletionTime => (TaskState.Failed, TaskReason.MaxCompletionTimeReached,
                $"killed after its max completion time of {run.Info.MaxCompletionTime}"),
            KillCause.AgentShutdown => (TaskState.Killed, TaskReason.AgentRestarted, $"agent {Id} shut down"),
            KillCause.None => (exit.State, exit.Reason, exit.Message),
            _ => (TaskState.Killed, exit.State == TaskState.Killed ? exit.Reason : TaskReason.None,
                exit.State == TaskState.Killed ? exit.Message : $"killed; the task ended with: {exit.Message}"),
        };
        Finish(run, state, reason, message, exit);
    }

    private void Finish(TaskRun run, TaskState state, TaskReason reason, string message, TaskExit? exit)
    {
        run.State = state;
        run.CompletionTimer?.Dispose();
        run.Output = exit?.Output;
        if (run.Running is { } running) _ = running.DisposeAsync().AsTask();
        run.Running = null;
        if (run.Kill == KillCause.GivenUp)
            Forget(run);
        else
        {
            Report(run, state, reason, message, exit?.ExitCode, exit?.Output);
            TryForget(run.Key);
        }
        CompleteShutdownIfDone();
    }

    private void OnKillTask(KillTask m)
    {
        var key = new AgentTaskKey(m.FrameworkId, m.TaskId);
        if (!_tasks.TryGetValue(key, out var run))
        {
            if (!_streams.ContainsKey(key))
                Report(m.FrameworkId, m.TaskId, TaskState.Lost, TaskReason.TaskUnknown, $"agent {Id} does not know task {m.TaskId}");
            return;
        }
        if (run.State.IsTerminal()) return;
        StartKill(run, KillCause.Framework, m.GracePeriod);
    }

    private void StartKill(TaskRun run, KillCause cause, TimeSpan? grace)
    {
        // The first cause decides the reported state, except that a gone framework wants no report at all.
        if (run.Kill == KillCause.None || cause == KillCause.GivenUp) run.Kill = cause;
        run.KillGrace = grace;
        if (run.Running is null) return; // Killed as soon as the launch returns.
        if (run.State != TaskState.Killing && cause != KillCause.GivenUp)
        {
            run.State = TaskState.Killing;
            Report(run, TaskState.Killing, TaskReason.None, cause == KillCause.MaxCompletionTime ? "max completion time reached" : "");
        }
        var period = grace ?? run.Info.KillGracePeriod ?? _options.DefaultKillGracePeriod;
        _ = KillAsync(run.Running, period);
    }

    private async Task KillAsync(IRunningTask running, TimeSpan grace)
    {
        try
        {
            await running.KillAsync(grace, CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception e)
        {
            LogKillFailed(e);
        }
    }

    private void OnCompletionTimeReached(CompletionTimeReached m)
    {
        var run = Find(m.Key, m.Run);
        if (run is { Running: not null } && !run.State.IsTerminal()) StartKill(run, KillCause.MaxCompletionTime, null);
    }

    private void OnShutdownFramework(ShutdownFramework m)
    {
        foreach (var key in _streams.Keys.Where(k => k.FrameworkId == m.FrameworkId).ToList())
        {
            _streams[key].RetryTimer?.Dispose();
            _streams.Remove(key);
            Checkpoint(c => c.RemoveTask(key.FrameworkId, key.TaskId));
        }
        foreach (var run in _tasks.Values.Where(t => t.FrameworkId == m.FrameworkId).ToList())
        {
            if (run.State.IsTerminal()) Forget(run);
            else StartKill(run, KillCause.GivenUp, null);
        }
    }

    private void OnFrameworkMessage(FrameworkMessage m)
    {
        var key = new AgentTaskKey(m.FrameworkId, m.TaskId);
        if (_tasks.TryGetValue(key, out var run) && run.Running is IMessageReceiver receiver)
            receiver.Receive(m.Data);
        else
            LogMessageDropped(m.TaskId);
    }

    private void OnReadOutput(ReadOutput m)
    {
        var run = _tasks.Values.FirstOrDefault(t => t.Info.TaskId == m.TaskId);
        if (run?.Running is { } running)
            _ = ReadAsync(running, m.Reply);
        else
            m.Reply.TrySetResult(run?.Output);
    }

    private static async Task ReadAsync(IRunningTask running, TaskCompletionSource<TaskOutput?> reply)
    {
        try
        {
            reply.TrySetResult(await running.ReadOutputAsync(CancellationToken.None).ConfigureAwait(false));
        }
        catch (Exception e)
        {
            reply.TrySetException(e);
        }
    }

    private void OnShutdown(ShutdownAgent m)
    {
        if (!_options.KillTasksOnShutdown)
        {
            // Left for a later agent with the same work directory to recover; nothing is killed or disposed.
            _leaving = true;
            ToMaster(new AgentStopping(Id));
            m.Reply.TrySetResult();
            return;
        }
        _shutdown = m.Reply;
        foreach (var run in _tasks.Values.Where(t => !t.State.IsTerminal()).ToList())
            StartKill(run, KillCause.AgentShutdown, _options.ShutdownGracePeriod);
        CompleteShutdownIfDone();
    }

    /// <summary>Once every task has ended and its last update has gone out, the master is told the agent leaves.</summary>
    private void CompleteShutdownIfDone()
    {
        if (_shutdown is null || _tasks.Values.Any(t => !t.State.IsTerminal())) return;
        ToMaster(new AgentStopping(Id));
        _shutdown.TrySetResult();
    }

    // Status updates.

    private void Report(TaskRun run, TaskState state, TaskReason reason, string message, int? exitCode = null, TaskOutput? output = null) =>
        Report(run.FrameworkId, run.Info.TaskId, state, reason, message, exitCode, output);

    private void Report(string frameworkId, string taskId, TaskState state, TaskReason reason, string message, int? exitCode = null, TaskOutput? output = null)
    {
        var source = state is TaskState.Running or TaskState.Finished || exitCode is not null ? StatusSource.Executor : StatusSource.Agent;
        var update = new StatusUpdate(taskId, state, reason, source, message, _time.GetUtcNow())
        {
            AgentId = Id,
            Uuid = Guid.NewGuid(),
            ExitCode = exitCode,
            Output = output,
        };
        var key = new AgentTaskKey(frameworkId, taskId);
        if (!_streams.TryGetValue(key, out var stream)) _streams[key] = stream = new UpdateStream();
        stream.Checkpointed |= _tasks.TryGetValue(key, out var run) && run.Checkpointed;
        if (stream.Checkpointed) Checkpoint(c => c.AppendUpdate(frameworkId, taskId, update));
        stream.Pending.Enqueue(update);
        if (stream.Pending.Count == 1) SendHead(key, stream, resetBackoff: true);
    }

    private void SendHead(AgentTaskKey key, UpdateStream stream, bool resetBackoff)
    {
        if (!stream.Pending.TryPeek(out var head)) return;
        if (resetBackoff) stream.Backoff = _options.StatusUpdateRetryInterval;
        if (_connected) ToMaster(new StatusUpdateFromAgent(Id, key.FrameworkId, head));
        stream.RetryTimer?.Dispose();
        stream.RetryTimer = _time.CreateTimer(_ => Post(new RetryUpdates(key, head.Uuid!.Value)), null, stream.Backoff, Timeout.InfiniteTimeSpan);
    }

    private void OnRetry(RetryUpdates m)
    {
        var key = m.Key;
        if (!_streams.TryGetValue(key, out var stream) || !stream.Pending.TryPeek(out var head) || head.Uuid != m.Uuid) return;
        Telemetry.StatusUpdateRetries.Add(1);
        var next = stream.Backoff * 2;
        stream.Backoff = next > _options.MaxStatusUpdateRetryInterval ? _options.MaxStatusUpdateRetryInterval : next;
        SendHead(key, stream, resetBackoff: false);
    }

    private void OnAcknowledge(AcknowledgeUpdate m)
    {
        var key = new AgentTaskKey(m.FrameworkId, m.TaskId);
        if (!_streams.TryGetValue(key, out var stream) || !stream.Pending.TryPeek(out var head) || head.Uuid != m.Uuid)
        {
            LogUnexpectedAck(m.TaskId, m.Uuid);
            return;
        }
        stream.Pending.Dequeue();
        if (stream.Checkpointed) Checkpoint(c => c.AppendAcknowledgement(m.FrameworkId, m.TaskId, m.Uuid));
        stream.RetryTimer?.Dispose();
        stream.RetryTimer = null;
        if (stream.Pending.Count > 0) SendHead(key, stream, resetBackoff: true);
        else
        {
            _streams.Remove(key);
            TryForget(key);
        }
    }

    /// <summary>A task is forgotten once it has ended and its last update was acknowledged.</summary>
    private void TryForget(AgentTaskKey key)
    {
        if (_tasks.TryGetValue(key, out var run) && run.State.IsTerminal() && !_streams.ContainsKey(key)) Forget(run);
    }

    private void Forget(TaskRun run)
    {
        _tasks.Remove(run.Key);
        if (run.Checkpointed) Checkpoint(c => c.RemoveTask(run.FrameworkId, run.Info.TaskId));
    }

    /// <summary>
    /// A failed checkpoint write costs durability, not the task: it is logged and the agent goes on,
    /// as a full disk must not kill work that runs fine.
    /// </summary>
    private void Checkpoint(Action<AgentCheckpoint> write)
    {
        try
        {
            write(_checkpoint);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            LogCheckpointFailed(e);
        }
    }

    /// <summary>
    /// Reads the checkpoint a previous agent with this work directory left: its tasks come back with
    /// their unacknowledged updates, running ones reattached (or killed, per <see cref="AgentOptions.Recovery"/>),
    /// ended ones with how they ended. Returns what the loop must handle first.
    /// </summary>
    private async Task<List<AgentMessage>> RecoverAsync(CancellationToken cancellationToken)
    {
        var followUps = new List<AgentMessage>();
        _restarted = _checkpoint.WasRegistered(Id);
        foreach (var recovered in _checkpoint.Recover())
        {
            var saved = recovered.Checkpoint;
            _runs = Math.Max(_runs, saved.Run);
            var executor = _executors.FirstOrDefault(e => e.Name == saved.Executor);
            var key = new AgentTaskKey(saved.FrameworkId, saved.Task.TaskId);
            var run = new TaskRun(saved.FrameworkId, saved.Task, saved.Run, executor ?? _executors[0]) { Checkpointed = true, Sandbox = saved.Sandbox };
            run.State = recovered.LatestUpdate?.State ?? TaskState.Staging;
            _tasks[key] = run;
            if (recovered.PendingUpdates.Count > 0)
            {
                var stream = new UpdateStream { Checkpointed = true };
                foreach (var update in recovered.PendingUpdates) stream.Pending.Enqueue(update);
                _streams[key] = stream;
            }
            if (run.State.IsTerminal()) continue;

            var launch = new TaskLaunch(Id, saved.FrameworkId, saved.Task, saved.Sandbox);
            RecoveredRun found;
            try
            {
                found = executor is IRecoverableExecutor recoverable
                    ? await recoverable.RecoverAsync(launch, _options.Recovery == AgentRecovery.Reconnect, cancellationToken).ConfigureAwait(false)
                    : new RecoveredRun(null, new TaskExit(TaskState.Failed, TaskReason.AgentRestarted,
                        $"the agent restarted and its {saved.Executor} executor cannot recover tasks"));
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                found = new RecoveredRun(null, new TaskExit(TaskState.Failed, TaskReason.AgentRestarted, $"recovering the task failed: {e.Message}"));
            }
            LogRecovered(saved.Task.TaskId, run.State, found.Running is not null);
            if (found.Running is { } running)
            {
                run.Running = running;
                _ = WatchAsync(key, run.Run, running);
                // The time it ran before the restart counts against its max completion time.
                if (saved.Task.MaxCompletionTime is { } max)
                {
                    var left = max - (_time.GetUtcNow() - (saved.StartedAt ?? _time.GetUtcNow()));
                    if (left > TimeSpan.Zero) ArmCompletionTimer(run, left);
                    else followUps.Add(new CompletionTimeReached(key, run.Run));
                }
            }
            else
                followUps.Add(new TaskExited(key, run.Run, found.Exit!));
        }
        return followUps;
    }

    private static Resources DefaultResources()
    {
        var memMb = GC.GetGCMemoryInfo().TotalAvailableMemoryBytes / (1024 * 1024);
        return Resources.Empty
            .WithScalar(Resources.CpusName, Environment.ProcessorCount)
            .WithScalar(Resources.MemName, Math.Max(memMb, 1))
            .WithScalar(Resources.DiskName, 10 * 1024)
            .WithRanges(Resources.PortsName, RangeSet.Of(31000, 32000));
    }

    private sealed record FromMaster(AgentMessage Message) : AgentMessage;

    private sealed record ShutdownAgent : AgentMessage
    {
        public TaskCompletionSource Reply { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
