using System.Collections.Concurrent;
using System.Collections.Immutable;
using Embedded.Orchestration.Actors;
using Embedded.Orchestration.Execution;
using Embedded.Orchestration.Model;
using Microsoft.Extensions.Logging;

namespace Embedded.Orchestration.Scheduling.Services;

/// <summary>
/// The built-in service scheduler: a framework of its own on the same API as the job scheduler. It keeps
/// each service's instances healthy on offers that fit, replaces those that end (with backoff) or become
/// unreachable, rolls updates out within the strategy, fails over with the master, and keeps the specs in
/// a work directory when it has one.
/// </summary>
internal sealed partial class ServiceScheduler : Actor<ServiceScheduler.Message>, IServiceClient
{
    private readonly ServiceSchedulerOptions _options;
    private readonly IClusterClient _cluster;
    private readonly DelegateRegistry _delegates;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly ServiceOutput _output;
    private readonly ServiceStore? _store;
    private readonly Dictionary<string, ServiceRun> _runs = new(StringComparer.Ordinal);
    private readonly Dictionary<string, ServiceRun> _byTask = new(StringComparer.Ordinal);
    private readonly Dictionary<(string Group, string AgentId), int> _groups = [];
    private readonly Dictionary<string, Offer> _agents = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, ServiceHandle> _handles = new(StringComparer.Ordinal);
    private readonly CancellationTokenSource _stopping = new();
    private volatile SchedulerSession? _session;
    private ITimer? _wake;
    private DateTimeOffset? _wakeAt;
    private static readonly TimeSpan RetryInterval = TimeSpan.FromSeconds(1);
    private static readonly Filters RetrySoon = new(RetryInterval.TotalSeconds);
    private DateTimeOffset? _retryAt;
    private bool _suppressed;
    private volatile bool _closing;
    private volatile bool _started;
    private readonly SemaphoreSlim _subscribing = new(1, 1);

    public ServiceScheduler(ServiceSchedulerOptions options, string? workDirectory, IClusterClient cluster, DelegateRegistry delegates, TimeProvider time,
        ILoggerFactory loggers) : base(loggers.CreateLogger<ServiceScheduler>())
    {
        _options = options;
        _cluster = cluster;
        _delegates = delegates;
        _time = time;
        _logger = Logger;
        _output = new ServiceOutput(cluster, loggers, time, options.OutputInterval);
        if (workDirectory is not null) _store = new ServiceStore(Path.Combine(workDirectory, "services.json"));
    }

    public string? FrameworkId => _session?.FrameworkId;

    private FrameworkInfo Info => new(_options.FrameworkName, _options.Role)
    {
        Checkpoint = _options.Checkpoint,
        FailoverTimeout = _options.FailoverTimeout,
        PartitionAware = true,
    };

    /// <summary>Starts the loop. The framework subscribes with the first deployment: a host without services has none.</summary>
    public void StartScheduler()
    {
        _wake = _time.CreateTimer(_ => Post(Wake.Instance), null, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        Start();
        _started = true;
    }

    private async Task EnsureSubscribedAsync(CancellationToken cancellationToken)
    {
        if (_session is not null) return;
        if (!_started || _stopping.IsCancellationRequested) throw new InvalidOperationException("the service scheduler is not running");
        await _subscribing.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_session is not null) return;
            var session = await _cluster.SubscribeAsync(Info, cancellationToken).ConfigureAwait(false);
            _session = session;
            _ = PumpAsync(session);
        }
        finally
        {
            _subscribing.Release();
        }
    }

    /// <summary>The specs kept in the work directory by an earlier run of this host; empty without one.</summary>
    public IReadOnlyList<ServiceSpec> LoadStored()
    {
        if (_store is null) return [];
        try
        {
            return _store.Load();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or System.Text.Json.JsonException)
        {
            LogStoreFailed(e);
            return [];
        }
    }

    /// <summary>The host starts stopping and its agents kill what runs: replace nothing from now on.</summary>
    public void BeginStopping() => _closing = true;

    /// <summary>Kills every instance (the master does, on teardown) and stops; the specs stay in the work directory.</summary>
    public async Task StopSchedulerAsync(CancellationToken cancellationToken)
    {
        if (!_started) return;
        await _stopping.CancelAsync().ConfigureAwait(false);
        _wake?.Dispose();
        await _output.DisposeAsync().ConfigureAwait(false);
        if (_session is { } session)
        {
            try
            {
                await session.TeardownAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (e is InvalidOperationException or OperationCanceledException or ObjectDisposedException)
            {
                // The master has stopped already, or out of time: the master forgets the framework when it stops.
            }
            await session.DisposeAsync().ConfigureAwait(false);
        }
        Post(new Stopped());
        await StopAsync(cancellationToken).ConfigureAwait(false);
    }

    public async Task<ServiceHandle> DeployAsync(ServiceSpec spec, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(spec);
        if (ServiceSpecValidation.Problem(spec) is { } problem) throw new ArgumentException(problem, nameof(spec));
        await EnsureSubscribedAsync(cancellationToken).ConfigureAwait(false);
        var deploy = new Deploy(spec);
        if (!Post(deploy)) throw new InvalidOperationException("the service scheduler has stopped");
        return await deploy.Reply.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    public ServiceHandle? Find(string name) => _handles.GetValueOrDefault(name);

    /// <summary>The deployed services as their handles show them now; no call into the loop.</summary>
    public ImmutableArray<ServiceSnapshot> Snapshot() =>
        [.. _handles.Values.OrderBy(h => h.Name, StringComparer.Ordinal).Select(h => new ServiceSnapshot(h.Name, h.Version, h.Spec.Instances, h.IsHealthy, h.Instances))];

    internal Task ScaleAsync(string name, int instances, CancellationToken cancellationToken)
    {
        if (instances is < 0 or > ServiceSpecValidation.MaxInstances)
            throw new ArgumentOutOfRangeException(nameof(instances), instances, $"instances must be from 0 to {ServiceSpecValidation.MaxInstances}");
        var scale = new Scale(name, instances);
        if (!Post(scale)) throw new InvalidOperationException("the service scheduler has stopped");
        return scale.Reply.Task.WaitAsync(cancellationToken);
    }

    internal Task<ServiceUpdateResult> UpdateAsync(string name, ServiceSpec spec, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(spec);
        if (spec.Name != name) throw new ArgumentException($"an update of service '{name}' cannot rename it to '{spec.Name}'", nameof(spec));
        if (ServiceSpecValidation.Problem(spec) is { } problem) throw new ArgumentException(problem, nameof(spec));
        var update = new Update(spec);
        if (!Post(update)) throw new InvalidOperationException("the service scheduler has stopped");
        return update.Reply.Task.WaitAsync(cancellationToken);
    }

    internal Task StopServiceAsync(string name, CancellationToken cancellationToken)
    {
        var stop = new StopService(name);
        if (!Post(stop)) throw new InvalidOperationException("the service scheduler has stopped");
        return stop.Reply.Task.WaitAsync(cancellationToken);
    }

    /// <summary>Feeds the session's events to the loop; when the master goes away (a restart), fails over to the next under the same id.</summary>
    private async Task PumpAsync(SchedulerSession session)
    {
        await FailoverPump.RunAsync(_cluster, session, Info, e => Post(new EventArrived(e)), s => Post(new Resubscribed(s)), LogSessionFailed, _time, _logger, _stopping.Token).ConfigureAwait(false);
    }

    protected override void Handle(Message message)
    {
        switch (message)
        {
            case Deploy m: OnDeploy(m); break;
            case Scale m: OnScale(m); break;
            case Update m: OnUpdate(m); break;
            case StopService m: OnStopService(m); break;
            case EventArrived { Event: OffersEvent e }: OnOffers(e.Offers); break;
            case EventArrived { Event: UpdateEvent e }: OnStatus(e.Status); break;
            case EventArrived { Event: ErrorEvent e }: LogMasterError(e.Message); break;
            case EventArrived: break;
            case Resubscribed m: OnResubscribed(m.Session); break;
            case Wake: OnWake(); break;
            case Flush m: m.Reply.TrySetResult(); break;
            case Stopped: OnStopped(); break;
        }
    }

    private void OnDeploy(Deploy m)
    {
        var spec = m.Spec;
        if (_closing)
        {
            m.Reply.TrySetException(new InvalidOperationException("the service scheduler is stopping with its host"));
            return;
        }
        if (_runs.ContainsKey(spec.Name))
        {
            m.Reply.TrySetException(new ArgumentException($"a service named '{spec.Name}' is deployed already; update it with its handle's UpdateAsync", "spec"));
            return;
        }
        var handle = new ServiceHandle(this, spec);
        var run = new ServiceRun(spec, handle, RegisterBody) { Released = r => ReleaseBody(r) };
        _runs.Add(spec.Name, run);
        _handles[spec.Name] = handle;
        LogDeployed(spec.Name, spec.Instances);
        Save();
        m.Reply.TrySetResult(handle);
        Evaluate(run);
        ScheduleWake();
    }

    private string? RegisterBody(ServiceSpec spec, int version)
    {
        if (spec.Body is not { } body) return null;
        var name = $"service:{_session!.FrameworkId}:{spec.Name}:{version}";
        _delegates.Register(name, body);
        return name;
    }

    private void ReleaseBody(ServiceRun.Revision revision)
    {
        if (revision.Spec.Body is not null && revision.DelegateName is { } name) _delegates.Unregister(name);
    }

    private void OnScale(Scale m)
    {
        if (!_runs.TryGetValue(m.Name, out var run) || run.Stopping)
        {
            m.Reply.TrySetException(new InvalidOperationException($"service {m.Name} is not deployed"));
            return;
        }
        LogScaled(m.Name, m.Instances);
        run.Scale(m.Instances);
        Save();
        Evaluate(run);
        ScheduleWake();
        m.Reply.TrySetResult(); // After the handle shows the new count, so a wait for health that follows waits for it.
    }

    private void OnUpdate(Update m)
    {
        if (!_runs.TryGetValue(m.Spec.Name, out var run) || run.Stopping)
        {
            m.Reply.TrySetException(new InvalidOperationException($"service {m.Spec.Name} is not deployed"));
            return;
        }
        run.Update(m.Spec, m.Reply, _time.GetUtcNow());
        LogUpdating(run.Name, run.Target.Version);
        Save();
        Evaluate(run);
        ScheduleWake();
    }

    private void OnStopService(StopService m)
    {
        if (!_runs.TryGetValue(m.Name, out var run))
        {
            m.Reply.TrySetResult();
            return;
        }
        run.Stop(m.Reply);
        LogStopping(run.Name);
        Evaluate(run);
    }

    private void OnOffers(ImmutableArray<Offer> offers)
    {
        var now = _time.GetUtcNow();
        foreach (var offer in offers) _agents[offer.AgentId] = offer;
        var agents = _agents.Values;
        foreach (var offer in offers)
        {
            var remaining = offer.Resources;
            var launches = new List<TaskInfo>();
            foreach (var run in _runs.Values)
                while (!_closing && run.TryLaunch(offer, ref remaining, now, GroupRunsOn, agents) is { } task)
                {
                    launches.Add(task);
                    _byTask[task.TaskId] = run;
                    foreach (var constraint in run.Target.Spec.Constraints.OfType<UniquePerAgent>())
                        _groups[(constraint.Group, offer.AgentId)] = _groups.GetValueOrDefault((constraint.Group, offer.AgentId)) + 1;
                    LogLaunching(run.Name, task.TaskId, offer.AgentId);
                }
            if (launches.Count > 0) Observe(_session!.LaunchAsync(offer, launches));
            else
            {
                // While instances wait to be placed (another agent may take them, or this one once it has room),
                // the declined agents are asked for again in a second: the wake revives, which lifts the filters.
                var waiting = _runs.Values.Any(r => r.WantsOffers(now));
                Observe(_session!.DeclineAsync([offer.OfferId], waiting ? RetrySoon : null));
                if (waiting) _retryAt ??= now + RetryInterval;
            }
        }
        foreach (var run in _runs.Values) Publish(run);
        SuppressOrRevive();
        ScheduleWake();
    }

    private void OnStatus(StatusUpdate status)
    {
        if (status.Uuid is not null) Observe(_session!.AcknowledgeAsync(status));
        var now = _time.GetUtcNow();
        if (!_byTask.TryGetValue(status.TaskId, out var run) || !run.OnStatus(status, now, out var instance) || instance is null)
        {
            // A task no service owns any more (an instance that came back after it was replaced and forgotten): it goes.
            if (status.State == TaskState.Running) Observe(_session!.KillAsync(status.TaskId));
            return;
        }
        run.Handle.Publish(new ServiceEvent(run.Name, status.TaskId, instance.Revision.Version, instance.IsHealthy, status));
        if (status.State == TaskState.Running && status.AgentId is { } agentId) _output.Follow(run.Name, status.TaskId, agentId, FrameworkId!);
        if (status.IsTerminal || status.State == TaskState.Unknown)
        {
            _byTask.Remove(status.TaskId);
            foreach (var constraint in instance.Revision.Spec.Constraints.OfType<UniquePerAgent>())
            {
                var key = (constraint.Group, instance.AgentId);
                if (_groups.TryGetValue(key, out var n) && n <= 1) _groups.Remove(key);
                else if (n > 1) _groups[key] = n - 1;
            }
            _output.Ended(run.Name, status);
            if (!instance.Killing && !run.Stopping) LogInstanceEnded(run.Name, status.ToString());
        }
        else if (status.State == TaskState.Unreachable) LogUnreachable(run.Name, status.TaskId);
        Evaluate(run);
        ScheduleWake();
    }

    /// <summary>A backoff, minimum healthy time or deadline has passed: re-plan, and lift the filters of offers declined while launches waited.</summary>
    private void OnWake()
    {
        _wakeAt = null;
        if (_retryAt <= _time.GetUtcNow()) _retryAt = null;
        EvaluateAll();
        var now = _time.GetUtcNow();
        if (_runs.Values.Any(r => r.WantsOffers(now)))
        {
            _suppressed = false;
            Observe(_session!.ReviveAsync());
        }
    }

    /// <summary>Completes once the loop has handled everything queued before it (for tests).</summary>
    internal Task FlushAsync()
    {
        var flush = new Flush();
        return Post(flush) ? flush.Reply.Task : Task.CompletedTask;
    }

    private void EvaluateAll()
    {
        foreach (var run in _runs.Values.ToList()) Evaluate(run);
        ScheduleWake();
    }

    /// <summary>Re-plans one service: kills what the plan says, ends it once stopped, publishes it, and asks for offers when it wants some.</summary>
    private void Evaluate(ServiceRun run)
    {
        var target = run.Target;
        var now = _time.GetUtcNow();
        if (now < _evaluatedAt) _evaluatedAt = now;
        foreach (var taskId in run.Evaluate(now))
            Observe(_session!.KillAsync(taskId, run.Target.Spec.KillGracePeriod));
        if (run.Target != target && !run.IsDone)
        {
            LogReverted(run.Name, run.Target.Version);
            Save(); // A rollback: the work directory keeps the version the service went back to.
        }
        if (run.IsDone)
        {
            _runs.Remove(run.Name);
            _handles.TryRemove(run.Name, out _);
            foreach (var revision in run.Revisions) ReleaseBody(revision);
            run.Handle.Publish(run.CurrentSpec, run.Target.Version, [], stopped: true);
            foreach (var reply in run.StopReplies) reply.TrySetResult();
            LogStopped(run.Name);
            Save();
            return;
        }
        Publish(run);
        SuppressOrRevive();
    }

    private void Publish(ServiceRun run) => run.Handle.Publish(run.CurrentSpec, run.Target.Version, run.Snapshot());

    /// <summary>Offers only while some service would launch now: one that backs off is woken (and revives) when its backoff ends.</summary>
    private void SuppressOrRevive()
    {
        var now = _time.GetUtcNow();
        var wanted = _runs.Values.Any(r => r.WantsOffers(now));
        if (wanted && _suppressed)
        {
            _suppressed = false;
            Observe(_session!.ReviveAsync());
        }
        else if (!wanted && !_suppressed)
        {
            _suppressed = true;
            Observe(_session!.SuppressAsync());
        }
    }

    /// <summary>Sets the one timer to the earliest moment a service must be looked at again without an event.</summary>
    private DateTimeOffset _evaluatedAt = DateTimeOffset.MaxValue;

    private void ScheduleWake()
    {
        var now = _time.GetUtcNow();
        // What is due is reckoned from the earliest moment decisions were made at since the last wake was set: a
        // moment that fell between that evaluation and now found nothing due yet, and must still wake the loop.
        var decided = _evaluatedAt < now ? _evaluatedAt : now;
        _evaluatedAt = DateTimeOffset.MaxValue;
        DateTimeOffset? next = _retryAt > decided ? _retryAt : null;
        foreach (var run in _runs.Values)
            if (run.NextWake(decided) is { } at && (next is null || at < next)) next = at;
        if (next == _wakeAt) return;
        _wakeAt = next;
        _wake?.Change(next is { } t ? (t > now ? t - now : TimeSpan.Zero) : Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
    }

    private bool GroupRunsOn(string group, string agentId) => _groups.GetValueOrDefault((group, agentId)) > 0;

    /// <summary>After a failover: ask where every instance stands, and for offers again.</summary>
    private void OnResubscribed(SchedulerSession session)
    {
        _session = session;
        LogResubscribed(session.FrameworkId);
        if (_byTask.Count > 0) Observe(session.ReconcileAsync(_byTask.Keys.ToList()));
        _suppressed = false;
        Observe(session.ReviveAsync());
    }

    private void OnStopped()
    {
        foreach (var run in _runs.Values)
        {
            foreach (var revision in run.Revisions) ReleaseBody(revision);
            run.Handle.Publish(run.CurrentSpec, run.Target.Version, [], stopped: true);
            foreach (var reply in run.StopReplies) reply.TrySetResult();
        }
        _runs.Clear();
        _handles.Clear();
        _byTask.Clear();
    }

    /// <summary>Keeps the specs of the deployed services (their current counts included); those with a body cannot be kept.</summary>
    private void Save()
    {
        if (_store is null) return;
        try
        {
            _store.Save([.. _runs.Values.Where(r => !r.Stopping && r.CurrentSpec.Body is null).Select(r => r.CurrentSpec)]);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            LogStoreFailed(e);
        }
    }

    private void Observe(Task call) => SessionCalls.Observe(call, LogCallFailed);

    internal abstract record Message;

    private sealed record Deploy(ServiceSpec Spec) : Message
    {
        public TaskCompletionSource<ServiceHandle> Reply { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
    private sealed record Scale(string Name, int Instances) : Message
    {
        public TaskCompletionSource Reply { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
    private sealed record Update(ServiceSpec Spec) : Message
    {
        public TaskCompletionSource<ServiceUpdateResult> Reply { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
    private sealed record StopService(string Name) : Message
    {
        public TaskCompletionSource Reply { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
    private sealed record EventArrived(SchedulerEvent Event) : Message;
    private sealed record Resubscribed(SchedulerSession Session) : Message;
    private sealed record Stopped : Message;
    private sealed record Flush : Message
    {
        public TaskCompletionSource Reply { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
    private sealed record Wake : Message
    {
        public static readonly Wake Instance = new();
    }
}
