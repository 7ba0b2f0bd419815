using System.Collections.Immutable;
using Embedded.Orchestration.Actors;
using Embedded.Orchestration.Execution;
using Embedded.Orchestration.Master;
using Embedded.Orchestration.Model;
using Microsoft.Extensions.Logging;

namespace Embedded.Orchestration.Scheduling;

/// <summary>
/// The framework most users want instead of the raw API: queue jobs, place them on offers that fit
/// their resources and constraints, acknowledge every update, retry what failed, and hand each
/// caller the final result. Suppresses offers while nothing waits.
/// </summary>
internal sealed partial class JobScheduler : Actor<JobScheduler.Message>, IJobClient
{
    private readonly JobSchedulerOptions _options;
    private readonly IClusterClient _cluster;
    private readonly DelegateRegistry _delegates;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly LinkedList<JobState> _pending = new();
    private readonly List<JobState> _unchecked = [];
    private readonly Dictionary<string, JobState> _jobs = new(StringComparer.Ordinal);
    private readonly Dictionary<string, JobState> _byTask = new(StringComparer.Ordinal);
    private readonly Dictionary<(string Group, string AgentId), int> _groups = [];
    private readonly CancellationTokenSource _stopping = new();
    private readonly TaskCompletionSource _drained = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private bool _closing;
    private bool _ended; // The session ended for good: stopped, or the failover gave up.
    private volatile SchedulerSession? _session;
    private ITimer? _placementTimer;

    // The agents as last read from the master, to tell at once a job no agent could ever run.
    private ImmutableArray<AgentSnapshot> _agents;
    private bool _agentsRequested, _explainRequested;
    private bool _suppressed;
    private long _sequence;

    public JobScheduler(JobSchedulerOptions options, IClusterClient cluster, DelegateRegistry delegates, TimeProvider time, ILogger<JobScheduler> logger) : base(logger)
    {
        _time = time;
        _options = options;
        _cluster = cluster;
        _delegates = delegates;
        _logger = logger;
    }

    // A remote client's stop: how long it waits for its kills to be reported, and for the master to take the teardown.
    internal static readonly TimeSpan RemoteKillWait = TimeSpan.FromSeconds(10);
    internal static readonly TimeSpan TeardownTimeout = TimeSpan.FromSeconds(5);

    public string? FrameworkId => _session?.FrameworkId;

    public async Task StartSchedulerAsync(CancellationToken cancellationToken)
    {
        _session = await _cluster.SubscribeAsync(Info, cancellationToken).ConfigureAwait(false);
        Start();
        _ = PumpAsync(_session);
        _placementTimer = _time.CreateTimer(_ => Post(CheckPlacements.Instance), null, _options.PlacementCheckInterval, _options.PlacementCheckInterval);
    }

    private FrameworkInfo Info => new(_options.FrameworkName, _options.Role) { Checkpoint = _options.Checkpoint, FailoverTimeout = _options.FailoverTimeout };

    /// <summary>
    /// The host starts stopping: take no new jobs, end those that wait for an offer, retry nothing, so
    /// that every caller has its result once the agents have killed and reported what runs.
    /// </summary>
    public void BeginStopping()
    {
        if (_session is not null) Post(new StopTaking());
    }

    /// <summary>
    /// Waits until every job has ended (the agents kill their tasks as the host stops, and each caller
    /// gets that KILLED result), then tears the framework down and stops. Tearing down first would make
    /// the agents kill the tasks without a word, and callers would never hear how their jobs ended.
    /// A cancelled token ends the wait; what is left ends KILLED here, and nothing is thrown.
    /// </summary>
    public async Task StopSchedulerAsync(CancellationToken cancellationToken, Task? agentsShutDown = null)
    {
        if (_session is null) return; // Never started.
        BeginStopping();
        try
        {
            // Jobs on an agent that crashed never end: once the agents have shut down, what they had to say has been said.
            var drained = agentsShutDown is null ? _drained.Task : await Task.WhenAny(_drained.Task, HeardOutAsync(agentsShutDown, cancellationToken)).ConfigureAwait(false);
            await drained.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Out of time: tear down anyway; the agents dispose what still runs.
        }
        await TearDownAndStopAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Stops a client of a cluster elsewhere, whose agents do not stop with it. A user expects stopping the host to end
    /// what it started, as in process, not to leave its tasks running on the cluster for the failover timeout. So it
    /// kills every job that runs, waits a little for the kills to be reported (callers get KILLED with their output),
    /// then tears the framework down on a fresh token, the host's having maybe run out; what was not reported ends KILLED here.
    /// </summary>
    public async Task StopRemoteSchedulerAsync(CancellationToken cancellationToken)
    {
        if (_session is null) return;
        BeginStopping();
        Post(new KillRunning());
        try
        {
            await _drained.Task.WaitAsync(RemoteKillWait, _time, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is TimeoutException or OperationCanceledException)
        {
            // Not all reported in time: the teardown kills what still runs.
        }
        using var teardown = new CancellationTokenSource(TeardownTimeout, _time);
        await TearDownAndStopAsync(teardown.Token).ConfigureAwait(false);
    }

    private async Task TearDownAndStopAsync(CancellationToken cancellationToken)
    {
        await _stopping.CancelAsync().ConfigureAwait(false);
        _placementTimer?.Dispose();
        if (_session is { } session)
        {
            try
            {
                await session.TeardownAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (InvalidOperationException)
            {
                // The master has stopped already; nothing runs for us any more.
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                // Out of time: the master forgets the framework when it stops.
            }
            await session.DisposeAsync().ConfigureAwait(false);
        }
        Post(new Stopped());
        await StopAsync(cancellationToken).ConfigureAwait(false);
    }

    public Task<JobHandle> SubmitAsync(Job job, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(job);
        var submit = new Submit(job);
        if (!Post(submit)) throw new InvalidOperationException("the job scheduler has stopped");
        return submit.Reply.Task.WaitAsync(cancellationToken);
    }

    /// <summary>
    /// Completes once the agents have shut down and what they reported on the way (their tasks'
    /// KILLED) has passed the master and this scheduler's loop: best effort, not a guarantee.
    /// </summary>
    private async Task HeardOutAsync(Task agentsShutDown, CancellationToken cancellationToken)
    {
        await agentsShutDown.WaitAsync(cancellationToken).ConfigureAwait(false);
        await _cluster.GetAgentsAsync(cancellationToken).ConfigureAwait(false);
        for (var round = 0; round < 2; round++) await GetPendingAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The jobs that wait to be placed, with why; empty when the scheduler does not run.</summary>
    public async Task<ImmutableArray<PendingJob>> GetPendingAsync(CancellationToken cancellationToken)
    {
        var request = new GetPending();
        if (_session is null || !Post(request)) return [];
        return await request.Reply.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    private Task CancelAsync(string jobId, CancellationToken cancellationToken)
    {
        var cancel = new Cancel(jobId);
        if (!Post(cancel)) return Task.CompletedTask;
        return cancel.Reply.Task.WaitAsync(cancellationToken);
    }

    /// <summary>Feeds the session's events to the loop; when the master goes away (a restart), fails over to the next under the same id.</summary>
    private async Task PumpAsync(SchedulerSession session)
    {
        await FailoverPump.RunAsync(_cluster, session, Info, e => Post(new EventArrived(e)), s => Post(new Resubscribed(s)), LogSessionFailed, _time, _logger, _stopping.Token).ConfigureAwait(false);
        Post(new Stopped());
    }

    protected override void Handle(Message message)
    {
        switch (message)
        {
            case Submit m: OnSubmit(m); break;
            case Cancel m: OnCancel(m); break;
            case EventArrived { Event: OffersEvent e }: OnOffers(e.Offers); break;
            case EventArrived { Event: UpdateEvent e }: OnUpdate(e.Status); break;
            case EventArrived { Event: ErrorEvent e }: LogMasterError(e.Message); break;
            case EventArrived: break;
            case StopTaking: OnStopTaking(); break;
            case KillRunning: OnKillRunning(); break;
            case Stopped: OnStopped(); break;
            case Resubscribed m: OnResubscribed(m.Session); break;
            case CheckPlacements: OnCheckPlacements(); break;
            case AgentsRead m: OnAgentsRead(m.Agents); break;
            case GetPending m: m.Reply.TrySetResult([.. _pending.Select(j => new PendingJob(j.Id, j.Job.Name, j.Since, j.Handle.Placement))]); break;
        }
    }

    private void OnSubmit(Submit m)
    {
        var job = m.Job;
        var id = job.Id ?? $"job-{++_sequence}";
        var error = Validate(job, id);
        if (error is not null)
        {
            m.Reply.TrySetException(new ArgumentException(error, nameof(job)));
            return;
        }
        if (_session is null)
        {
            m.Reply.TrySetException(new InvalidOperationException("the job scheduler has not started"));
            return;
        }
        if (_closing)
        {
            m.Reply.TrySetException(new InvalidOperationException("the job scheduler is stopping with its host"));
            return;
        }
        if (_ended)
        {
            m.Reply.TrySetException(new InvalidOperationException(
                "the job scheduler has no framework any more: its master did not take it back within its failover timeout; restart the host to subscribe anew"));
            return;
        }
        var handle = new JobHandle(id, CancelAsync, _cluster, _session.FrameworkId);
        var delegateName = job.Delegate;
        if (job.Body is { } body)
        {
            delegateName = $"job:{_session.FrameworkId}:{id}";
            _delegates.Register(delegateName, body);
        }
        var state = new JobState(id, job with { Id = id }, handle, delegateName, PlacementNeeds.Of(job));
        _jobs.Add(id, state);
        Enqueue(state);
        m.Reply.TrySetResult(handle);
        // Most jobs fit an agent the scheduler knows; only the others wait for a fresh look at the agents before they may fail.
        if (_agents.IsDefault || !_agents.Any(state.Needs.CouldEverRunOn))
        {
            _unchecked.Add(state);
            ReadAgents();
        }
        Revive();
    }

    private void Enqueue(JobState job)
    {
        job.Since = _time.GetUtcNow();
        job.Node = _pending.AddLast(job);
    }

    private void Dequeue(JobState job)
    {
        if (job.Node is null) return;
        _pending.Remove(job.Node);
        job.Node = null;
        job.Handle.SetPlacement(null);
    }

    private string? Validate(Job job, string id)
    {
        if (!TaskValidation.IsValidId(id)) return $"job id '{id}' must be at most {TaskValidation.MaxIdLength - 8} letters, digits, '.', '_' or '-'";
        if (id.Length > TaskValidation.MaxIdLength - 8) return $"job id '{id}' is too long";
        if (_jobs.ContainsKey(id)) return $"a job with id '{id}' is already queued or running";
        var bodies = (job.Command is null ? 0 : 1) + (job.Delegate is null ? 0 : 1) + (job.Body is null ? 0 : 1) + (job.Container is null ? 0 : 1);
        if (bodies != 1) return "a job needs exactly one of a command, a container, a delegate name or a body";
        if (job.Container is { } container && string.IsNullOrWhiteSpace(container.Image)) return "the job's container has no image";
        if (job.Command is { } c && string.IsNullOrWhiteSpace(c.Value)) return "the job's command is empty";
        if (job.Resources is null || job.Resources.IsEmpty) return "the job asks for no resources";
        if (job.Retries < 0 || job.Retries > _options.MaxRetries) return $"retries must be from 0 to {_options.MaxRetries}";
        if (job.Ports is < 0 or > 64) return "ports must be from 0 to 64";
        if (job.Timeout is { } t && t <= TimeSpan.Zero) return "the timeout must be positive";
        if (job.PlacementTimeout is { } p && p < TimeSpan.Zero && p != Timeout.InfiniteTimeSpan) return "the placement timeout must not be negative";
        if (job.Constraints.IsDefault) return "constraints must not be a default array";
        foreach (var constraint in job.Constraints)
            if (constraint is null) return "a constraint is null";
            else if (constraint is SpreadOver) return $"a job cannot be spread ({constraint.Describe()}): spreading applies to the instances of a service";
        return null;
    }

    private void OnCancel(Cancel m)
    {
        if (_jobs.TryGetValue(m.JobId, out var job))
        {
            job.Cancelled = true;
            if (job.TaskId is null)
            {
                Dequeue(job);
                Complete(job, new JobResult(job.Id, $"{job.Id}.{job.Attempt}", null, TaskState.Killed, TaskReason.KilledByUser,
                    "cancelled before it started", null, "", "", job.Attempt - 1));
            }
            else
                Observe(_session!.KillAsync(job.TaskId, job.Job.KillGracePeriod));
        }
        m.Reply.TrySetResult();
    }

    private void OnOffers(ImmutableArray<Offer> offers)
    {
        foreach (var offer in offers)
        {
            var remaining = offer.Resources;
            var launches = new List<TaskInfo>();
            for (var node = _pending.First; node is not null;)
            {
                var next = node.Next;
                var job = node.Value;
                if (TryPlace(job, offer, ref remaining) is { } task)
                {
                    Dequeue(job);
                    launches.Add(task);
                }
                node = next;
            }
            if (launches.Count > 0) Observe(_session!.LaunchAsync(offer, launches));
            else Observe(_session!.DeclineAsync([offer.OfferId]));
        }
        if (_pending.Count == 0 && !_suppressed)
        {
            _suppressed = true;
            Observe(_session!.SuppressAsync());
        }
    }

    private TaskInfo? TryPlace(JobState job, Offer offer, ref Resources remaining)
    {
        if (job.Needs.RuleOutByFacts(offer.TaskKinds, offer.Attributes) is not null) return null;
        foreach (var constraint in job.Job.Constraints)
            if (constraint is UniquePerAgent && !constraint.Allows(offer.AgentId, offer.Attributes, GroupRunsOn)) return null;
        var taskId = $"{job.Id}.{job.Attempt}";
        if (job.Template.Fit(offer, ref remaining, taskId, job.DelegateName) is not { } task) return null;
        job.TaskId = taskId;
        job.AgentId = offer.AgentId;
        _byTask[taskId] = job;
        foreach (var group in job.Groups) _groups[(group, offer.AgentId)] = _groups.GetValueOrDefault((group, offer.AgentId)) + 1;
        return task;
    }

    private void OnUpdate(StatusUpdate status)
    {
        if (status.Uuid is not null) Observe(_session!.AcknowledgeAsync(status));
        if (!_byTask.TryGetValue(status.TaskId, out var job)) return;
        job.Handle.Publish(status);
        // UNKNOWN after a master failover: the master never heard of the task, so it is as good as lost.
        if (!status.IsTerminal && status.State != TaskState.Unknown) return;

        _byTask.Remove(status.TaskId);
        foreach (var group in job.Groups)
        {
            var key = (group, job.AgentId!);
            if (--_groups[key] == 0) _groups.Remove(key);
        }
        var retryable = status.State is TaskState.Failed or TaskState.Lost or TaskState.Dropped or TaskState.Gone or TaskState.Unknown;
        if (retryable && !job.Cancelled && !_closing && job.Attempt <= job.Job.Retries)
        {
            LogRetry(job.Id, job.Attempt, status.ToString());
            job.Attempt++;
            job.TaskId = null;
            job.AgentId = null;
            Enqueue(job);
            Revive();
            return;
        }
        var state = job.Cancelled && status.State == TaskState.Killed ? TaskState.Killed : status.State;
        var reason = job.Cancelled && status.State == TaskState.Killed ? TaskReason.KilledByUser : status.Reason;
        Complete(job, new JobResult(job.Id, status.TaskId, status.AgentId ?? job.AgentId, state, reason, status.Message, status.ExitCode,
            status.Output?.Stdout ?? "", status.Output?.Stderr ?? "", job.Attempt));
    }

    private void Complete(JobState job, JobResult result)
    {
        _jobs.Remove(job.Id);
        if (job.Job.Body is not null && job.DelegateName is { } name) _delegates.Unregister(name);
        job.Handle.Complete(result);
        if (_closing && _jobs.Count == 0) _drained.TrySetResult();
    }

    private bool GroupRunsOn(string group, string agentId) => _groups.GetValueOrDefault((group, agentId)) > 0;

    /// <summary>Asks the master for its agents, one request at a time; the answer comes back as <see cref="AgentsRead"/>.</summary>
    private void ReadAgents()
    {
        if (_agentsRequested || _session is null) return;
        _agentsRequested = true;
        _ = ReadAgentsAsync();
    }

    private async Task ReadAgentsAsync()
    {
        ImmutableArray<AgentSnapshot> agents = default;
        try
        {
            agents = await _cluster.GetAgentsAsync(_stopping.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OperationCanceledException || !_stopping.IsCancellationRequested)
        {
            LogCallFailed(e);
        }
        catch (OperationCanceledException)
        {
            return;
        }
        Post(new AgentsRead(agents));
    }

    private void OnCheckPlacements()
    {
        if (_pending.Count == 0) return;
        _explainRequested = true;
        ReadAgents();
    }

    /// <summary>
    /// Fails the jobs no registered agent could ever run (unless they may wait), explains the ones
    /// that wait on their handles, logging each once, and ends those past their placement timeout.
    /// </summary>
    private void OnAgentsRead(ImmutableArray<AgentSnapshot> agents)
    {
        _agentsRequested = false;
        if (agents.IsDefault) return; // The next check asks again.
        _agents = agents;
        var now = _time.GetUtcNow();
        var reports = new Dictionary<PlacementNeeds, PlacementReport>();
        PlacementReport Explain(JobState job) =>
            reports.TryGetValue(job.Needs, out var report) ? report : reports[job.Needs] = job.Needs.Report(agents, GroupRunsOn, now);

        foreach (var job in _unchecked)
            if (job.Node is not null && job.Job.PlacementTimeout is null && !agents.Any(job.Needs.CouldEverRunOn))
                FailPlacement(job, Explain(job), "no agent can ever run it");
        _unchecked.Clear();
        if (!_explainRequested) return;
        _explainRequested = false;

        for (var node = _pending.First; node is not null;)
        {
            var job = node.Value;
            node = node.Next;
            var report = Explain(job);
            if (job.Job.PlacementTimeout is { } timeout)
            {
                if (timeout != Timeout.InfiniteTimeSpan && now - job.Since >= timeout)
                {
                    FailPlacement(job, report, $"not placed within its placement timeout of {timeout}");
                    continue;
                }
            }
            else if (!report.CanEverFit)
            {
                FailPlacement(job, report, "no agent can ever run it");
                continue;
            }
            job.Handle.SetPlacement(report);
            if (!job.Explained && report.AgentsThatFitNow == 0)
            {
                job.Explained = true;
                LogWaiting(job.Id, report.Message);
            }
        }
    }

    private void FailPlacement(JobState job, PlacementReport report, string why)
    {
        Dequeue(job);
        LogPlacementFailed(job.Id, why, report.Message);
        Complete(job, new JobResult(job.Id, $"{job.Id}.{job.Attempt}", null, TaskState.Error, TaskReason.PlacementFailed,
            $"job {job.Id} was not placed: {why} ({report.Message})", null, "", "", job.Attempt - 1) { Placement = report });
    }

    private void Revive()
    {
        _suppressed = false;
        Observe(_session!.ReviveAsync());
    }

    /// <summary>After a failover: ask where every running job stands, and offers again if jobs wait.</summary>
    private void OnResubscribed(SchedulerSession session)
    {
        _session = session;
        if (_byTask.Count > 0) Observe(session.ReconcileAsync(_byTask.Keys.ToList()));
        if (_pending.Count > 0) Revive();
    }

    private void OnStopTaking()
    {
        if (_closing) return;
        _closing = true;
        foreach (var job in _pending.ToList())
        {
            Dequeue(job);
            Complete(job, StoppedResult(job, "the cluster stopped before the job started"));
        }
        if (_jobs.Count == 0) _drained.TrySetResult();
    }

    private void OnKillRunning()
    {
        foreach (var job in _jobs.Values)
            if (job.TaskId is { } taskId) Observe(_session!.KillAsync(taskId, job.Job.KillGracePeriod));
    }

    /// <summary>What no status answered in time: the agents kill what still runs as they stop.</summary>
    private void OnStopped()
    {
        _ended = true;
        foreach (var job in _jobs.Values.ToList())
            Complete(job, StoppedResult(job, "the cluster stopped before the job's end was reported; the agents kill what still runs"));
        _pending.Clear();
        _unchecked.Clear();
        _byTask.Clear();
        _drained.TrySetResult();
    }

    private static JobResult StoppedResult(JobState job, string message) =>
        new(job.Id, job.TaskId ?? $"{job.Id}.{job.Attempt}", job.AgentId, TaskState.Killed, TaskReason.FrameworkRemoved, message, null, "", "",
            job.TaskId is null ? job.Attempt - 1 : job.Attempt);

    private void Observe(Task call) => SessionCalls.Observe(call, LogCallFailed);

    internal abstract record Message;
    private sealed record Submit(Job Job) : Message
    {
        public TaskCompletionSource<JobHandle> Reply { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
    private sealed record Cancel(string JobId) : Message
    {
        public TaskCompletionSource Reply { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
    private sealed record EventArrived(SchedulerEvent Event) : Message;
    private sealed record StopTaking : Message;
    private sealed record KillRunning : Message;
    private sealed record Stopped : Message;
    private sealed record Resubscribed(SchedulerSession Session) : Message;
    private sealed record AgentsRead(ImmutableArray<AgentSnapshot> Agents) : Message;
    private sealed record CheckPlacements : Message
    {
        public static readonly CheckPlacements Instance = new();
    }
    private sealed record GetPending : Message
    {
        public TaskCompletionSource<ImmutableArray<PendingJob>> Reply { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    private sealed class JobState(string id, Job job, JobHandle handle, string? delegateName, PlacementNeeds needs)
    {
        public PlacementNeeds Needs { get; } = needs;
        public TaskTemplate Template { get; } = job.Template;

        /// <summary>Its place in the queue while it waits to be placed; null otherwise.</summary>
        public LinkedListNode<JobState>? Node { get; set; }
        public DateTimeOffset Since { get; set; }

        /// <summary>Whether the log has said once why it waits.</summary>
        public bool Explained { get; set; }
        public string Id { get; } = id;
        public Job Job { get; } = job;
        public JobHandle Handle { get; } = handle;
        public string? DelegateName { get; } = delegateName;
        public int Attempt { get; set; } = 1;
        public string? TaskId { get; set; }
        public string? AgentId { get; set; }
        public bool Cancelled { get; set; }
        public IEnumerable<string> Groups => Job.Constraints.OfType<UniquePerAgent>().Select(u => u.Group);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Job {JobId} attempt {Attempt} ended {Status}; retrying")]
    private partial void LogRetry(string jobId, int attempt, string status);

    [LoggerMessage(Level = LogLevel.Information, Message = "Job {JobId} waits to be placed: {Reason}")]
    private partial void LogWaiting(string jobId, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Job {JobId} was not placed: {Why} ({Reason})")]
    private partial void LogPlacementFailed(string jobId, string why, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The master reported an error to the job scheduler: {Message}")]
    private partial void LogMasterError(string message);

    [LoggerMessage(Level = LogLevel.Warning, Message = "A call of the job scheduler failed")]
    private partial void LogCallFailed(Exception exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The job scheduler's event stream failed")]
    private partial void LogSessionFailed(Exception exception);
}
