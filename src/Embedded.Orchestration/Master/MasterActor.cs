using System.Collections.Immutable;
using System.Diagnostics;
using Embedded.Orchestration.Actors;
using Embedded.Orchestration.Agent;
using Embedded.Orchestration.Allocation;
using Embedded.Orchestration.Diagnostics;
using Embedded.Orchestration.Model;
using Microsoft.Extensions.Logging;

namespace Embedded.Orchestration.Master;

/// <summary>
/// The single owner of cluster state: admits agents, subscribes frameworks, turns allocations into
/// offers, validates launches, routes status updates and acknowledgements, and notices lost agents.
/// It never blocks: every handler is a quick change of its own state plus messages out.
/// </summary>
internal sealed partial class MasterActor : Actor<MasterMessage>
{
    private readonly ILogger _logger;
    private readonly MasterOptions _options;
    private readonly TimeProvider _time;
    private readonly HierarchicalAllocator _allocator;
    private readonly MasterRegistry _registry;
    private readonly string _masterId = Guid.NewGuid().ToString("N")[..8];
    private readonly Dictionary<string, AgentRecord> _agents = new(StringComparer.Ordinal);
    private readonly Dictionary<string, FrameworkRecord> _frameworks = new(StringComparer.Ordinal);
    private readonly HashSet<string> _removedFrameworks = new(StringComparer.Ordinal);
    private readonly HashSet<string> _removedAgents = new(StringComparer.Ordinal);
    private readonly Dictionary<TaskKey, TaskRecord> _tasks = [];
    private readonly Dictionary<TaskKey, TaskRecord> _completed = [];
    private readonly Queue<TaskKey> _completedOrder = new();
    private readonly Dictionary<string, Offer> _offers = new(StringComparer.Ordinal);
    private readonly Dictionary<string, TaskReason> _rescinded = new(StringComparer.Ordinal);
    private readonly Queue<string> _rescindedOrder = new();
    private readonly List<WaitForAgents> _agentWaiters = [];
    private readonly List<Allocation.Allocation> _allocations = [];
    private readonly List<ITimer> _timers = [];
    private long _offerSequence, _frameworkSequence;
    private bool _allocationPending;

    public MasterActor(MasterOptions options, TimeProvider time, ILogger<MasterActor> logger) : base(logger)
    {
        _logger = logger;
        _options = options;
        _time = time;
        _allocator = new HierarchicalAllocator(options.Allocator, time);
        _registry = new MasterRegistry(options.WorkDirectory, logger);
    }

    public TimeProvider Time => _time;

    /// <summary>Starts the loop and the periodic allocation, agent check and framework heartbeat.</summary>
    public void StartMaster()
    {
        Recover(_registry.Load());
        _registry.Start();
        Start();
        _timers.Add(Every(_options.Allocator.AllocationInterval, AllocateNow.Instance));
        _timers.Add(Every(_options.AgentHeartbeatInterval, CheckAgents.Instance));
        _timers.Add(Every(_options.FrameworkHeartbeatInterval, HeartbeatFrameworks.Instance));
    }

    protected override async Task OnStoppedAsync(CancellationToken cancellationToken)
    {
        foreach (var timer in _timers) timer.Dispose();
        foreach (var framework in _frameworks.Values) framework.Events?.TryComplete();
        foreach (var waiter in _agentWaiters) waiter.Reply.TrySetCanceled(cancellationToken);
        await _registry.StopAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Takes back what a previous master admitted. Agents wait, inactive, to register again with the
    /// tasks they run (or are removed after the re-registration timeout); frameworks wait to
    /// subscribe again, for their failover timeout but at least as long as agents are waited for.
    /// </summary>
    private void Recover(RegistryState state)
    {
        var now = _time.GetUtcNow();
        foreach (var entry in state.Agents)
        {
            var agent = new AgentRecord(entry.Id!, entry.Hostname ?? entry.Id!, entry.Resources ?? Resources.Empty,
                entry.Attributes ?? ImmutableDictionary<string, string>.Empty, _ => false)
            {
                Reachable = false,
                Recovered = true,
                UnreachableSince = now,
                LastHeartbeat = now,
            };
            _agents.Add(agent.Id, agent);
            _allocator.AddAgent(agent.Id, agent.Total);
            _allocator.SetAgentActive(agent.Id, false);
        }
        foreach (var info in state.Frameworks)
        {
            var framework = new FrameworkRecord(info.FrameworkId!, info, null) { Disconnections = 1 };
            _frameworks.Add(framework.Id, framework);
            _allocator.AddFramework(framework.Id, info.Role);
            _allocator.SetFrameworkActive(framework.Id, false);
            var wait = info.FailoverTimeout > _options.AgentReregistrationTimeout ? info.FailoverTimeout : _options.AgentReregistrationTimeout;
            StartFailoverTimer(framework, wait);
        }
        _removedFrameworks.UnionWith(state.RemovedFrameworks);
        foreach (var (role, weight) in state.Weights) _allocator.SetWeight(role, weight);
        foreach (var (role, quota) in state.Quotas) _allocator.SetQuota(role, quota);
        if (state.Agents.Length + state.Frameworks.Length > 0) LogRecovered(state.Agents.Length, state.Frameworks.Length);
    }

    private ITimer Every(TimeSpan interval, MasterMessage message) =>
        _time.CreateTimer(_ => Post(message), null, interval, interval);

    protected override void Handle(MasterMessage message)
    {
        switch (message)
        {
            case AllocateNow: RunAllocation(); break;
            case RegisterAgent m: OnRegisterAgent(m); break;
            case AgentHeartbeat m: OnAgentHeartbeat(m); break;
            case StatusUpdateFromAgent m: OnStatusUpdate(m); break;
            case AgentStopping m: OnAgentStopping(m); break;
            case Subscribe m: OnSubscribe(m); break;
            case FrameworkCall m: OnFrameworkCall(m); break;
            case Disconnect m: OnDisconnect(m); break;
            case FailoverExpired m: OnFailoverExpired(m); break;
            case CheckAgents: OnCheckAgents(); break;
            case HeartbeatFrameworks: OnHeartbeatFrameworks(); break;
            case GetState m: m.Reply.TrySetResult(Snapshot()); break;
            case WaitForAgents m: OnWaitForAgents(m); break;
            case SetRoleWeight m:
                _allocator.SetWeight(m.Role, m.Weight);
                _registry.SetWeight(m.Role, m.Weight);
                RequestAllocation();
                break;
            case SetRoleQuota m: OnSetRoleQuota(m); break;
            default: throw new InvalidOperationException($"the master does not handle {message.GetType().Name}");
        }
    }

    private void OnSetRoleQuota(SetRoleQuota m)
    {
        try
        {
            _allocator.SetQuota(m.Role, m.Quota);
        }
        catch (ArgumentException e)
        {
            m.Reply.TrySetException(e); // bad input changes nothing
            return;
        }
        _registry.SetQuota(m.Role, m.Quota);
        m.Reply.TrySetResult();
        RequestAllocation();
    }

    /// <summary>Coalesces the allocations that many events in a row ask for into one cycle.</summary>
    private void RequestAllocation()
    {
        if (_allocationPending) return;
        _allocationPending = true;
        Post(AllocateNow.Instance);
    }

    private void RunAllocation()
    {
        _allocationPending = false;
        var started = Stopwatch.GetTimestamp();
        _allocations.Clear();
        _allocator.Allocate(_allocations);
        Telemetry.AllocationCycle.Record(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
        if (_allocations.Count == 0) return;

        var byFramework = new Dictionary<string, ImmutableArray<Offer>.Builder>(StringComparer.Ordinal);
        foreach (var allocation in _allocations)
        {
            var agent = _agents[allocation.AgentId];
            var framework = _frameworks[allocation.FrameworkId];
            var offer = new Offer($"{_masterId}-O{++_offerSequence}", framework.Id, agent.Id, agent.Hostname, allocation.Resources, agent.Attributes);
            _offers.Add(offer.OfferId, offer);
            agent.Offers.Add(offer.OfferId);
            framework.Offers.Add(offer.OfferId);
            if (!byFramework.TryGetValue(framework.Id, out var list)) byFramework[framework.Id] = list = ImmutableArray.CreateBuilder<Offer>();
            list.Add(offer);
        }
        foreach (var (frameworkId, offers) in byFramework)
        {
            Telemetry.OffersSent.Add(offers.Count);
            _frameworks[frameworkId].Send(new OffersEvent(offers.ToImmutable()));
        }
    }

    // Agents.

    private void OnRegisterAgent(RegisterAgent m)
    {
        if (!TaskValidation.IsValidId(m.AgentId))
        {
            m.Send(new RegistrationRefused($"agent id '{m.AgentId}' must be letters, digits, '.', '_' or '-'"));
            return;
        }
        if (m.Reregister && !_agents.ContainsKey(m.AgentId) && _removedAgents.Contains(m.AgentId))
        {
            m.Send(new RegisterAnew($"the master removed agent {m.AgentId} after it stayed away longer than {_options.AgentReregistrationTimeout}"));
            return;
        }
        _removedAgents.Remove(m.AgentId);
        if (_agents.TryGetValue(m.AgentId, out var existing))
        {
            if (!m.Reregister && existing.Reachable)
            {
                m.Send(new RegistrationRefused($"an agent named '{m.AgentId}' is already registered"));
                return;
            }
            if (!m.Reregister)
                RemoveAgent(existing, "a new agent registered under its name");
            else
            {
                Reregister(existing, m);
                return;
            }
        }
        var agent = new AgentRecord(m.AgentId, m.Hostname, m.Resources, m.Attributes, m.Send) { LastHeartbeat = _time.GetUtcNow() };
        _agents.Add(agent.Id, agent);
        _registry.AdmitAgent(agent.Id, agent.Hostname, agent.Total, agent.Attributes);
        _allocator.AddAgent(agent.Id, agent.Total);
        foreach (var reported in m.Tasks) AdoptReportedTask(agent, reported);
        LogAgentRegistered(agent.Id, agent.Total.ToString());
        agent.Send(new AgentRegistered(agent.Id, _options.AgentHeartbeatInterval));
        CompleteAgentWaiters();
        RequestAllocation();
    }

    /// <summary>An agent that was unreachable (or that the master lost track of) comes back with the tasks it runs.</summary>
    private void Reregister(AgentRecord agent, RegisterAgent m)
    {
        agent.Send = m.Send;
        agent.Reachable = true;
        agent.Recovered = false;
        agent.LastHeartbeat = _time.GetUtcNow();
        _allocator.SetAgentActive(agent.Id, true);
        var reported = m.Tasks.ToDictionary(t => new TaskKey(t.FrameworkId, t.Task.TaskId));
        foreach (var key in agent.Tasks.ToList())
        {
            var task = _tasks[key];
            if (reported.Remove(key, out var report))
            {
                // An ended task's own update (with its exit code) is on its way from the agent, which re-sends it now.
                if (task.State == report.State || report.State.IsTerminal()) continue;
                var told = task.State == TaskState.Unreachable;
                task.State = report.State;
                // Only what the master itself said must be corrected; the agent's own updates follow reliably.
                if (told) Notify(task, report.State, TaskReason.AgentReregistered, $"agent {agent.Id} registered again and reports the task {report.State}");
            }
            else
            {
                var framework = _frameworks.GetValueOrDefault(key.FrameworkId);
                var state = framework?.Info.PartitionAware == false ? TaskState.Lost : TaskState.Gone;
                EndTask(task, state, TaskReason.AgentReregistered, $"agent {agent.Id} registered again without this task");
            }
        }
        // Tasks the master had already given up on: LOST to frameworks that are not partition aware.
        foreach (var report in reported.Values) AdoptReportedTask(agent, report);
        LogAgentReregistered(agent.Id, m.Tasks.Length);
        agent.Send(new AgentRegistered(agent.Id, _options.AgentHeartbeatInterval));
        CompleteAgentWaiters();
        RequestAllocation();
    }

    /// <summary>A task an agent reports that the master has no active record of: keep it if its framework may, else kill it.</summary>
    private void AdoptReportedTask(AgentRecord agent, ReportedTask report)
    {
        var key = new TaskKey(report.FrameworkId, report.Task.TaskId);
        if (report.State.IsTerminal()) return;
        if (!_frameworks.TryGetValue(report.FrameworkId, out var framework) || _completed.ContainsKey(key) || _tasks.ContainsKey(key))
        {
            agent.Send(new KillTask(report.FrameworkId, report.Task.TaskId, TimeSpan.Zero));
            return;
        }
        var task = new TaskRecord(framework.Id, agent.Id, report.Task) { State = report.State };
        AddTask(task, agent, framework);
        _allocator.AddUsed(framework.Id, agent.Id, task.Info.Resources);
    }

    private void OnAgentHeartbeat(AgentHeartbeat m)
    {
        if (_agents.TryGetValue(m.AgentId, out var agent) && agent.Reachable)
            agent.LastHeartbeat = _time.GetUtcNow();
        else if (agent is not null)
            m.Send(new ReregisterRequested($"the master marked agent {m.AgentId} unreachable"));
        else if (_removedAgents.Contains(m.AgentId))
            m.Send(new RegisterAnew($"the master removed agent {m.AgentId} after it stayed away longer than {_options.AgentReregistrationTimeout}"));
    }

    private void OnCheckAgents()
    {
        var now = _time.GetUtcNow();
        var limit = _options.AgentHeartbeatInterval * _options.MaxMissedHeartbeats;
        foreach (var agent in _agents.Values.Where(a => a.Reachable && now - a.LastHeartbeat >= limit).ToList())
            MarkUnreachable(agent, $"agent {agent.Id} missed {_options.MaxMissedHeartbeats} heartbeats");
        foreach (var agent in _agents.Values.Where(a => !a.Reachable && now - a.UnreachableSince >= _options.AgentReregistrationTimeout).ToList())
        {
            RemoveAgent(agent, $"agent {agent.Id} did not register again within {_options.AgentReregistrationTimeout}");
            _removedAgents.Add(agent.Id);
        }
    }

    private void MarkUnreachable(AgentRecord agent, string why)
    {
        LogAgentUnreachable(agent.Id, why);
        agent.Reachable = false;
        agent.UnreachableSince = _time.GetUtcNow();
        _allocator.SetAgentActive(agent.Id, false);
        RescindOffersOn(agent, TaskReason.AgentRemoved);
        foreach (var key in agent.Tasks.ToList())
        {
            var task = _tasks[key];
            var partitionAware = _frameworks.GetValueOrDefault(key.FrameworkId)?.Info.PartitionAware ?? true;
            if (partitionAware)
            {
                task.State = TaskState.Unreachable;
                Notify(task, TaskState.Unreachable, TaskReason.AgentRemoved, why);
            }
            else
                EndTask(task, TaskState.Lost, TaskReason.AgentRemoved, why);
        }
    }

    private void OnAgentStopping(AgentStopping m)
    {
        if (_agents.TryGetValue(m.AgentId, out var agent)) RemoveAgent(agent, $"agent {m.AgentId} shut down");
    }

    private void RemoveAgent(AgentRecord agent, string why)
    {
        LogAgentRemoved(agent.Id, why);
        RescindOffersOn(agent, TaskReason.AgentRemoved);
        foreach (var key in agent.Tasks.ToList())
        {
            var task = _tasks[key];
            var partitionAware = _frameworks.GetValueOrDefault(key.FrameworkId)?.Info.PartitionAware ?? true;
            EndTask(task, partitionAware ? TaskState.Gone : TaskState.Lost, TaskReason.AgentRemoved, why);
        }
        _allocator.RemoveAgent(agent.Id);
        _agents.Remove(agent.Id);
        _registry.RemoveAgent(agent.Id);
    }

    private void RescindOffersOn(AgentRecord agent, TaskReason reason)
    {
        foreach (var offerId in agent.Offers.ToList()) RescindOffer(_offers[offerId], reason);
    }

    private void RescindOffer(Offer offer, TaskReason reason)
    {
        RemoveOffer(offer);
        RememberRescinded(offer.OfferId, reason);
        _allocator.OfferClosed(offer.FrameworkId, offer.AgentId, offer.Resources, null);
        _frameworks.GetValueOrDefault(offer.FrameworkId)?.Send(new RescindEvent(offer.OfferId));
    }

    private void RememberRescinded(string offerId, TaskReason reason)
    {
        _rescinded[offerId] = reason;
        _rescindedOrder.Enqueue(offerId);
        while (_rescindedOrder.Count > 10_000) _rescinded.Remove(_rescindedOrder.Dequeue());
    }

    private void RemoveOffer(Offer offer)
    {
        _offers.Remove(offer.OfferId);
        _agents.GetValueOrDefault(offer.AgentId)?.Offers.Remove(offer.OfferId);
        _frameworks.GetValueOrDefault(offer.FrameworkId)?.Offers.Remove(offer.OfferId);
    }

    private void OnWaitForAgents(WaitForAgents m)
    {
        _agentWaiters.Add(m);
        CompleteAgentWaiters();
    }

    private void CompleteAgentWaiters()
    {
        var reachable = _agents.Values.Count(a => a.Reachable);
        _agentWaiters.RemoveAll(w => w.Count <= reachable && w.Reply.TrySetResult() | true);
    }

    // Tasks.

    private void AddTask(TaskRecord task, AgentRecord agent, FrameworkRecord framework)
    {
        _tasks.Add(task.Key, task);
        agent.Tasks.Add(task.Key);
        framework.Tasks.Add(task.Key);
    }

    private void OnStatusUpdate(StatusUpdateFromAgent m)
    {
        Telemetry.StatusUpdates.Add(1);
        if (!_agents.TryGetValue(m.AgentId, out var agent) || !agent.Reachable)
            return; // The agent re-sends once it has registered again.
        var key = new TaskKey(m.FrameworkId, m.Status.TaskId);
        if (!_frameworks.TryGetValue(m.FrameworkId, out var framework))
        {
            // Nobody will acknowledge: tell the agent to stop running and retrying for this framework.
            agent.Send(new ShutdownFramework(m.FrameworkId));
            return;
        }
        if (_tasks.TryGetValue(key, out var task))
        {
            task.State = m.Status.State;
            task.LastStatus = m.Status;
            if (m.Status.IsTerminal) CompleteTask(task);
        }
        framework.Send(new UpdateEvent(m.Status));
    }

    /// <summary>A status the master makes up (no uuid, nothing to acknowledge), sent to the task's framework.</summary>
    private void Notify(TaskRecord task, TaskState state, TaskReason reason, string message)
    {
        var status = MasterStatus(task.Info.TaskId, task.AgentId, state, reason, message);
        task.LastStatus = status;
        _frameworks.GetValueOrDefault(task.FrameworkId)?.Send(new UpdateEvent(status));
    }

    private StatusUpdate MasterStatus(string taskId, string? agentId, TaskState state, TaskReason reason, string message) =>
        new(taskId, state, reason, StatusSource.Master, message, _time.GetUtcNow()) { AgentId = agentId };

    /// <summary>Ends a task from the master's side and tells its framework.</summary>
    private void EndTask(TaskRecord task, TaskState state, TaskReason reason, string message)
    {
        task.State = state;
        Notify(task, state, reason, message);
        CompleteTask(task);
    }

    /// <summary>Moves an ended task out of the active set and gives its resources back.</summary>
    private void CompleteTask(TaskRecord task)
    {
        if (!_tasks.Remove(task.Key)) return;
        _agents.GetValueOrDefault(task.AgentId)?.Tasks.Remove(task.Key);
        _frameworks.GetValueOrDefault(task.FrameworkId)?.Tasks.Remove(task.Key);
        _allocator.Recover(task.FrameworkId, task.AgentId, task.Info.Resources);
        _completed[task.Key] = task;
        _completedOrder.Enqueue(task.Key);
        while (_completedOrder.Count > _options.MaxCompletedTasks) _completed.Remove(_completedOrder.Dequeue());
        RequestAllocation();
    }

    private void OnHeartbeatFrameworks()
    {
        foreach (var framework in _frameworks.Values) framework.Send(new HeartbeatEvent());
    }

    private ClusterState Snapshot()
    {
        var used = new Dictionary<string, Resources>(StringComparer.Ordinal);
        foreach (var task in _tasks.Values)
            used[task.AgentId] = used.GetValueOrDefault(task.AgentId, Resources.Empty).Add(task.Info.Resources);
        return new ClusterState(
            _time.GetUtcNow(),
            [.. _agents.Values.OrderBy(a => a.Id, StringComparer.Ordinal).Select(a => new AgentSnapshot(
                a.Id, a.Hostname, a.Reachable, a.Total, used.GetValueOrDefault(a.Id, Resources.Empty), a.Attributes, a.Tasks.Count))],
            [.. _frameworks.Values.OrderBy(f => f.Id, StringComparer.Ordinal).Select(f => new FrameworkSnapshot(
                f.Id, f.Info.Name, f.Info.Role, f.Connected, _allocator.IsSuppressed(f.Id), f.Tasks.Count, f.Offers.Count))],
            [.. _tasks.Values.Select(t => t.Snapshot())],
            [.. _completedOrder.Where(_completed.ContainsKey).Select(k => _completed[k].Snapshot())],
            [.. _offers.Values],
            [.. _allocator.Roles()]);
    }
}
