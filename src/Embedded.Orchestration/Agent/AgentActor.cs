using System.Collections.Immutable;
using System.Runtime.InteropServices;
using Embedded.Orchestration.Protocol;
using Embedded.Orchestration.Actors;
using Embedded.Orchestration.Diagnostics;
using Embedded.Orchestration.Execution;
using Embedded.Orchestration.Lease;
using Embedded.Orchestration.Model;
using Embedded.Orchestration.Transport;
using Microsoft.Extensions.Logging;

namespace Embedded.Orchestration.Agent;

/// <summary>
/// Runs the tasks the master sends through its executors, and reports each task's status updates
/// in order, re-sending until they are acknowledged. Registers, heartbeats, and registers again
/// when the master has lost sight of it.
/// </summary>
internal sealed partial class AgentActor : Actor<AgentMessage>, ITaskAgent
{
    private readonly ILogger _logger;
    private readonly AgentOptions _options;
    private readonly InProcessTransport _transport;
    private readonly TimeProvider _time;
    private readonly IReadOnlyList<ITaskExecutor> _executors;
    private Resources _resources = Resources.Empty;
    private ImmutableDictionary<string, string> _attributes = ImmutableDictionary<string, string>.Empty;
    private readonly string _workDirectory;
    private readonly WorkDirectoryLayout _layout;
    private readonly AgentCheckpoint _checkpoint;
    private readonly SandboxCollector _sandboxes;
    private readonly AgentLease? _lease;
    private readonly Dictionary<AgentTaskKey, TaskRun> _tasks = [];
    private readonly StatusUpdateManager _updates;
    private readonly TaskCompletionSource _registered = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly CancellationTokenSource _stopping = new();
    private ITimer? _heartbeat;
    private TaskCompletionSource? _shutdown;
    private ShutdownAgent? _shutdownRequest;
    private bool _connected, _partitioned, _leaving, _restarted;
    private long _runs;

    public AgentActor(AgentOptions options, InProcessTransport transport, IReadOnlyList<ITaskExecutor> executors, TimeProvider time, ILogger<AgentActor> logger,
        AgentLease? lease = null)
        : base(logger)
    {
        _lease = lease;
        _transport = transport;
        Address = AgentAddress.New(options.Name);
        _logger = logger;
        _options = options;
        _time = time;
        _executors = executors;
        TaskKinds = [.. executors.Select(e => e.Kind).Distinct().Order()];
        _workDirectory = options.WorkDirectory ?? Path.Combine(Path.GetTempPath(), "embedded", options.Name + "-" + Environment.ProcessId);
        _layout = new WorkDirectoryLayout(_workDirectory);
        _checkpoint = new AgentCheckpoint(_workDirectory);
        _updates = new StatusUpdateManager(time, options.StatusUpdateRetryInterval, options.MaxStatusUpdateRetryInterval,
            (key, update) =>
            {
                if (_connected) ToMaster(new StatusUpdateFromAgent(Id, key.FrameworkId, update));
            },
            Post, Checkpoint);
        _sandboxes = new SandboxCollector(_workDirectory, options, time, m => Post(m), logger);
    }

    public string Id => _options.Name;

    /// <summary>Where the master reaches this incarnation of the agent.</summary>
    public AgentAddress Address { get; }
    public Resources Resources => _resources;
    public string WorkDirectory => _workDirectory;

    /// <summary>The kinds of task this agent has an executor for, advertised to the master.</summary>
    public ImmutableArray<TaskKind> TaskKinds { get; }
    /// <summary>Whether it stopped as a crash would: what it left runs on, and stays in the owner lease's care.</summary>
    public bool Crashed { get; private set; }

    /// <summary>
    /// Lets executors probe their runtimes, works out resources and attributes, starts the loop and
    /// registers; completes when the master has admitted the agent.
    /// </summary>
    public async Task StartAgentAsync(CancellationToken cancellationToken)
    {
        AgentOptionsValidator.ThrowIfInvalid(_options);
        // The lease before anything starts: from here on, this process's death takes the agent's tasks along.
        try
        {
            _lease?.Acquire();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            LogLeaseFailed(e);
        }

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
        // What a predecessor left and no recovered task claims is garbage now; before the loop runs, as it owns the collector.
        _sandboxes.Start(_tasks.Values.Select(SandboxOf).Where(s => s.Length > 0));
        Start();
        _transport.AddAgent(Address, Send);
        foreach (var message in recovered) Post(message);
        Post(RegisterAtStart.Instance);
        await _registered.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Starts shutting down without waiting: kills every task (unless <see cref="AgentOptions.KillTasksOnShutdown"/>
    /// is off) with the <see cref="AgentOptions.ShutdownGracePeriod"/>, reports how they ended, then tells
    /// the master it leaves. Called as soon as the host starts stopping, so that callers waiting on the
    /// tasks hear how they ended before the host waits for them; idempotent.
    /// </summary>
    public Task BeginShutdown()
    {
        var shutdown = new ShutdownAgent();
        var current = Interlocked.CompareExchange(ref _shutdownRequest, shutdown, null);
        if (current is not null) return current.Reply.Task;
        if (!Post(shutdown)) shutdown.Reply.TrySetResult(); // Stopped already (a crash): nothing left to shut down.
        return shutdown.Reply.Task;
    }

    /// <summary>
    /// Shuts down (see <see cref="BeginShutdown"/>), then stops the loop and lets executors tidy up.
    /// A cancelled token cuts the wait short: what still runs is disposed, which kills it outright,
    /// and nothing is thrown.
    /// </summary>
    public async Task StopAgentAsync(CancellationToken cancellationToken)
    {
        try
        {
            await BeginShutdown().WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Out of time: stopping disposes what still runs, which kills it outright.
        }
        await _stopping.CancelAsync().ConfigureAwait(false);
        await StopAsync(cancellationToken).ConfigureAwait(false);
        foreach (var executor in _executors.OfType<IExecutorLifecycle>())
        {
            try
            {
                await executor.StopAsync(!_options.KillTasksOnShutdown, cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                // Out of time: what the executor did not tidy is left as a crash would leave it.
            }
            catch (Exception e)
            {
                LogExecutorStopFailed(e);
            }
        }
        // Its tasks are gone; nothing is left for a watchdog to do. A temporary directory is released by
        // the cluster once it has removed it.
        if (_options.KillTasksOnShutdown && !_options.TemporaryWorkDirectory && !Crashed) _lease?.Release();
    }

    /// <summary>Stops as a crash would: no task is killed, no update flushed, the master not told.</summary>
    public async Task CrashAsync()
    {
        Crashed = true;
        _leaving = true;
        await _stopping.CancelAsync().ConfigureAwait(false);
        await StopAsync(CancellationToken.None).ConfigureAwait(false);
    }

    protected override async Task OnStoppedAsync(CancellationToken cancellationToken)
    {
        _transport.RemoveAgent(Address);
        _heartbeat?.Dispose();
        _sandboxes.Dispose();
        _updates.Clear();
        foreach (var run in _tasks.Values)
        {
            run.CompletionTimer?.Dispose();
            StopChecks(run);
            if (run.Running is { } running && !_leaving) await running.DisposeAsync().ConfigureAwait(false);
        }
        _registered.TrySetCanceled(cancellationToken);
        _shutdownRequest?.Reply.TrySetResult();
    }

    private bool Send(AgentMessage message) => Post(new FromMaster(message));

    private void ToMaster(MasterMessage message)
    {
        if (!_partitioned) _transport.SendToMaster(message);
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
            case ReregisterRequested: Register(reregister: true); break;
            case RegisterAtStart: Register(reregister: _restarted); break;
            case RegistrationRefused m: LogRegistrationRefused(m.Reason); _registered.TrySetException(new InvalidOperationException(m.Reason)); break;
            case RunTask m: OnRunTask(m); break;
            case KillTask m: OnKillTask(m); break;
            case AcknowledgeUpdate m: OnAcknowledge(m); break;
            case FrameworkMessage m: OnFrameworkMessage(m); break;
            case ShutdownFramework m: OnShutdownFramework(m); break;
            case ReadTaskOutput m: OnReadTaskOutput(m); break;
            case FrameworkResubscribed m:
                _updates.Resend(m.FrameworkId);
                break;
            case SendHeartbeat: if (_connected) ToMaster(new AgentHeartbeat(Id, Address)); break;
            case RegisterAnew m: OnRegisterAnew(m); break;
            case TaskLaunched m: OnTaskLaunched(m); break;
            case TaskExited m: OnTaskExited(m); break;
            case RetryUpdates m: _updates.Retry(m); break;
            case CompletionTimeReached m: OnCompletionTimeReached(m); break;
            case HealthChanged m: OnHealthChanged(m); break;
            case SetPartitioned m: OnSetPartitioned(m); break;
            case ReadOutput m: OnReadOutput(m); break;
            case Flush m: m.Reply.TrySetResult(); break;
            case CollectSandboxes m: _sandboxes.Collect(m.CheckDisk); break;
            case TaskMessage m: ToMaster(new MessageFromTask(Id, m.FrameworkId, m.TaskId, m.Data)); break;
            case ShutdownAgent m: OnShutdown(m); break;
            default: throw new InvalidOperationException($"the agent does not handle {message.GetType().Name}");
        }
    }

    // Registration and heartbeats.

    private void Register(bool reregister)
    {
        // Ended tasks whose last update is not acknowledged yet count too: the master must not take them for gone.
        var tasks = _tasks.Values.Select(t => new ReportedTask(t.FrameworkId, t.Info, t.State)).ToImmutableArray();
        _connected = false;
        ToMaster(new RegisterAgent(Id, _options.Hostname, _resources, _attributes, TaskKinds, Address, tasks, reregister));
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
        _updates.ResendAll();
    }

    /// <summary>The master has given this agent and its tasks up: kill them without a word, forget them, start over.</summary>
    private void OnRegisterAnew(RegisterAnew m)
    {
        LogRegisterAnew(m.Reason);
        _updates.Clear();
        foreach (var run in _tasks.Values.ToList())
        {
            if (run.State.IsTerminal()) Forget(run);
            else StartKill(run, KillCause.GivenUp, TimeSpan.Zero);
        }
        _restarted = false;
        _connected = false;
        ToMaster(new RegisterAgent(Id, _options.Hostname, _resources, _attributes, TaskKinds, Address, [], Reregister: false));
    }

    private void OnSetPartitioned(SetPartitioned m)
    {
        if (_partitioned == m.Partitioned) return;
        _partitioned = m.Partitioned;
        if (!_partitioned) ToMaster(new AgentHeartbeat(Id, Address));
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
        // A leaving agent cannot wait for acknowledgements: the master hears every update still queued
        // behind an unacknowledged one (a KILLED behind its KILLING) before it hears the agent leave,
        // so that it does not take those tasks for GONE. Once the agent is removed, the master drops re-sends.
        if (_connected)
            foreach (var (key, update) in _updates.QueuedBehindHeads()) ToMaster(new StatusUpdateFromAgent(Id, key.FrameworkId, update));
        ToMaster(new AgentStopping(Id));
        _shutdown.TrySetResult();
    }

    private static Resources DefaultResources() =>
        AgentDefaults.Resources(Environment.ProcessorCount, GC.GetGCMemoryInfo().TotalAvailableMemoryBytes);

    private sealed record FromMaster(AgentMessage Message) : AgentMessage;

    private sealed record ShutdownAgent : AgentMessage
    {
        public TaskCompletionSource Reply { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
