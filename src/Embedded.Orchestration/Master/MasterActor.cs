using System.Collections.Immutable;
using System.Diagnostics;
using Embedded.Orchestration.Protocol;
using Embedded.Orchestration.Actors;
using Embedded.Orchestration.Allocation;
using Embedded.Orchestration.Diagnostics;
using Embedded.Orchestration.Model;
using Embedded.Orchestration.Scheduling;
using Embedded.Orchestration.Transport;
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
    private readonly InProcessTransport _transport;
    private readonly string _masterId = Guid.NewGuid().ToString("N")[..8];
    private readonly Dictionary<string, AgentRecord> _agents = new(StringComparer.Ordinal);
    private readonly Dictionary<string, FrameworkRecord> _frameworks = new(StringComparer.Ordinal);
    private readonly HashSet<string> _removedFrameworks = new(StringComparer.Ordinal);
    private readonly HashSet<string> _removedAgents = new(StringComparer.Ordinal);
    private readonly TaskBook _tasks;
    private readonly OfferBook _offers;
    private readonly List<WaitForAgents> _agentWaiters = [];
    private readonly OutputReads _outputReads;
    private readonly HashSet<string> _watchers = new(StringComparer.Ordinal);
    private readonly List<Allocation.Allocation> _allocations = [];
    private readonly List<ITimer> _timers = [];
    private long _frameworkSequence;
    private bool _allocationPending;

    public MasterActor(MasterOptions options, InProcessTransport transport, TimeProvider time, ILogger<MasterActor> logger) : base(logger)
    {
        _transport = transport;
        _tasks = new TaskBook(options.MaxCompletedTasks);
        _offers = new OfferBook(_masterId);
        _outputReads = new OutputReads(transport);
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
        foreach (var framework in _frameworks.Values)
            if (framework.Connection is { } connection) _transport.Close(connection);
        foreach (var watcher in _watchers) _transport.Close(watcher);
        foreach (var waiter in _agentWaiters) waiter.Reply.TrySetCanceled(cancellationToken);
        _outputReads.Abandon(null);
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
                entry.Attributes ?? ImmutableDictionary<string, string>.Empty, null)
            {
                TaskKinds = entry.TaskKinds ?? [TaskKind.Command, TaskKind.Container, TaskKind.Delegate],
                Reachable = false,
                Recovered = true,
                UnreachableSince = now,
                LastHeartbeat = now,
            };
            _agents.Add(agent.Id, agent);
            _recoveredAgents++;
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

    private void Send(AgentRecord agent, AgentMessage message)
    {
        if (agent.Address is { } address) _transport.Send(address, message);
    }

    private void Send(FrameworkRecord? framework, SchedulerEvent e)
    {
        if (framework?.Connection is { } connection) _transport.Send(connection, e);
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
            case AgentDisconnected m: OnAgentDisconnected(m); break;
            case ReadAgentOutput m: _outputReads.Ask(m, _agents.GetValueOrDefault(m.AgentId)); break;
            case TaskOutputRead m: _outputReads.Answer(m); break;
            case MessageFromTask m:
                if (_agents.TryGetValue(m.AgentId, out var from) && from.Reachable)
                    Send(_frameworks.GetValueOrDefault(m.FrameworkId), new MessageEvent(m.AgentId, m.TaskId, m.Data));
                break;
            case Subscribe m: OnSubscribe(m); break;
            case FrameworkCall m: OnFrameworkCall(m); break;
            case Disconnect m: OnDisconnect(m); break;
            case FailoverExpired m: OnFailoverExpired(m); break;
            case CheckAgents: OnCheckAgents(); break;
            case HeartbeatFrameworks: OnHeartbeatFrameworks(); break;
            case GetState m: m.Reply.TrySetResult(Snapshot()); break;
            case GetAgents m: m.Reply.TrySetResult(AgentSnapshots()); break;
            case WatchCluster m: OnWatch(m); break;
            case UnwatchCluster m: OnUnwatch(m); break;
            case WaitForAgents m: OnWaitForAgents(m); break;
            case SetRoleWeight m:
                _allocator.SetWeight(m.Role, m.Weight);
                _registry.SetWeight(m.Role, m.Weight);
                RequestAllocation();
                break;
            case SetRoleQuota m: OnSetRoleQuota(m); break;
            case OperatorKill m: m.Reply.TrySetResult(OnOperatorKill(m)); break;
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
            var offer = new Offer(_offers.NextId(), framework.Id, agent.Id, agent.Hostname, allocation.Resources, agent.Attributes) { TaskKinds = agent.TaskKinds };
            _offers.Add(offer);
            agent.Offers.Add(offer.OfferId);
            framework.Offers.Add(offer.OfferId);
            if (!byFramework.TryGetValue(framework.Id, out var list)) byFramework[framework.Id] = list = ImmutableArray.CreateBuilder<Offer>();
            list.Add(offer);
        }
        foreach (var (frameworkId, offers) in byFramework)
        {
            Telemetry.OffersSent.Add(offers.Count);
            Send(_frameworks[frameworkId], new OffersEvent(offers.ToImmutable()));
        }
    }

    private void OnHeartbeatFrameworks()
    {
        foreach (var framework in _frameworks.Values) Send(framework, new HeartbeatEvent());
    }

    /// <summary>Every agent, with what its tasks use summed in one pass over the active tasks (<paramref name="tasks"/> collects their snapshots on the way).</summary>
    private ImmutableArray<AgentSnapshot> AgentSnapshots(ImmutableArray<TaskSnapshot>.Builder? tasks = null)
    {
        var usage = new AgentUsage();
        foreach (var task in _tasks.Active)
        {
            usage.Add(task.AgentId, task.Info.Resources);
            tasks?.Add(task.Snapshot());
        }
        return [.. _agents.Values.OrderBy(a => a.Id, StringComparer.Ordinal).Select(a => Snapshot(a, usage.Of(a.Id)))];
    }

    private AgentSnapshot Snapshot(AgentRecord a)
    {
        var used = Resources.Empty;
        foreach (var key in a.Tasks) used = used.Add(_tasks[key].Info.Resources);
        return Snapshot(a, used);
    }

    private static AgentSnapshot Snapshot(AgentRecord a, Resources used) =>
        new(a.Id, a.Hostname, a.Reachable, a.Total, used, a.Attributes, a.Tasks.Count) { TaskKinds = a.TaskKinds };

    private FrameworkSnapshot Snapshot(FrameworkRecord f) =>
        new(f.Id, f.Info.Name, f.Info.Role, f.Connected, _allocator.IsSuppressed(f.Id), f.Tasks.Count, f.Offers.Count);

    private ClusterState Snapshot()
    {
        var tasks = ImmutableArray.CreateBuilder<TaskSnapshot>(_tasks.ActiveCount);
        var agents = AgentSnapshots(tasks);
        return new(
            _time.GetUtcNow(),
            agents,
            [.. _frameworks.Values.OrderBy(f => f.Id, StringComparer.Ordinal).Select(Snapshot)],
            tasks.MoveToImmutable(),
            [.. _tasks.Completed.Select(t => t.Snapshot())],
            [.. _offers.All],
            [.. _allocator.Roles()]);
    }
}
