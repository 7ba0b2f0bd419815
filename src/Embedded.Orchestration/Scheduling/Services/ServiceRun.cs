using System.Collections.Immutable;
using Embedded.Orchestration.Model;

namespace Embedded.Orchestration.Scheduling.Services;

/// <summary>
/// One deployed service as the service scheduler's loop keeps it: its spec versions, its instances and
/// their health, its restart backoff and the update under way, and the decisions that follow from
/// them. Owned by the loop; never touched from another thread.
/// </summary>
internal sealed class ServiceRun
{
    private readonly Dictionary<int, Revision> _revisions = [];
    private readonly Dictionary<string, Instance> _instances = new(StringComparer.Ordinal);
    private readonly Func<ServiceSpec, int, string?> _registerBody;
    private int _count;
    private int _failures;
    private DateTimeOffset _nextLaunch = DateTimeOffset.MinValue;
    private long _sequence;
    private int _lastVersion = 1;
    private Rollout? _rollout;

    public ServiceRun(ServiceSpec spec, ServiceHandle handle, Func<ServiceSpec, int, string?> registerBody)
    {
        Handle = handle;
        _registerBody = registerBody;
        Target = AddRevision(spec, 1);
        _count = spec.Instances;
    }

    public string Name => Handle.Name;
    public ServiceHandle Handle { get; }
    public Revision Target { get; private set; }

    /// <summary>The last version whose instances were all healthy: where a failed update reverts to.</summary>
    public Revision? Stable { get; private set; }

    /// <summary>How many instances the latest plan wants started.</summary>
    public int Wanted { get; private set; }

    /// <summary>Whether the service would launch on an offer now: it wants instances and does not back off.</summary>
    public bool WantsOffers(DateTimeOffset now) => Wanted > 0 && !Stopping && now >= _nextLaunch;

    public bool Stopping { get; private set; }
    public List<TaskCompletionSource> StopReplies { get; } = [];
    public bool IsDone => Stopping && _instances.Count == 0;
    public IEnumerable<Revision> Revisions => _revisions.Values;
    public ServiceSpec CurrentSpec => Target.Spec with { Instances = _count };

    public void Scale(int instances) => _count = instances;

    /// <summary>Starts rolling to <paramref name="spec"/>; an update under way ends as superseded.</summary>
    public void Update(ServiceSpec spec, TaskCompletionSource<ServiceUpdateResult> reply, DateTimeOffset now)
    {
        _rollout?.End(ServiceUpdateOutcome.Superseded, Target.Version, "another update came first");
        Target = AddRevision(spec, ++_lastVersion);
        _count = spec.Instances;
        _rollout = new Rollout(reply, now);
    }

    public void Stop(TaskCompletionSource reply)
    {
        Stopping = true;
        StopReplies.Add(reply);
        _rollout?.End(ServiceUpdateOutcome.Stopped, Target.Version, "the service was stopped");
        _rollout = null;
    }

    /// <summary>Takes an instance's status; false when it is not one of this service's.</summary>
    public bool OnStatus(StatusUpdate status, DateTimeOffset now, out Instance? instance)
    {
        if (!_instances.TryGetValue(status.TaskId, out instance)) return false;
        instance.State = status.State;
        instance.Healthy = status.Healthy ?? instance.Healthy;
        instance.Ready = status.Ready ?? instance.Ready;
        var healthy = instance.IsHealthy;
        if (healthy && instance.HealthySince is null) instance.HealthySince = now;
        else if (!healthy) instance.HealthySince = null;
        // UNKNOWN after a master failover: the master never heard of the task, so it is as good as lost.
        if (status.IsTerminal || status.State == TaskState.Unknown)
        {
            _instances.Remove(status.TaskId);
            if (!instance.Killing && !Stopping)
            {
                _failures++;
                _nextLaunch = now + Target.Spec.Restart.DelayAfter(_failures);
            }
        }
        return true;
    }

    /// <summary>Re-plans after anything changed: moves the update on, and returns the instances to kill now.</summary>
    public ImmutableArray<string> Evaluate(DateTimeOffset now)
    {
        if (Stopping)
        {
            Wanted = 0;
            // An unreachable instance may never answer a kill; if it comes back, the scheduler kills it as a task no service owns.
            foreach (var lost in _instances.Values.Where(i => i.State == TaskState.Unreachable).ToList()) _instances.Remove(lost.Id);
            return Kill(_instances.Values.Where(i => !i.Killing).Select(i => i.Id).ToList());
        }
        var restart = Target.Spec.Restart;
        if (_failures > 0 && _instances.Values.Any(i => i.HealthySince is { } since && now - since >= restart.ResetAfter)) _failures = 0;

        var strategy = Target.Spec.Update;
        var views = _instances.Values.Select(i => new InstanceView(i.Id, i.Sequence, i.Revision == Target, i.IsActive, i.IsHealthy,
            i.IsHealthy && i.HealthySince is { } since && now - since >= strategy.MinHealthyTime, i.Killing && !i.State.IsTerminal())).ToList();
        // An update is done once no old instance serves: one being killed takes no traffic and is not waited for (as in
        // Nomad and Swarm, whose deployments end while the old tasks stop), nor is an unreachable one.
        var oldLeft = _instances.Values.Any(i => i.Revision != Target && i.IsActive);
        var targetHealthy = views.Count(v => v.OfTarget && v.Active && v.Healthy);

        if (_rollout is { } rollout)
        {
            var counted = views.Count(v => v.OfTarget && v.HealthyLongEnough);
            if (counted > rollout.Counted)
            {
                rollout.Counted = counted;
                rollout.LastProgress = now;
            }
            if (!oldLeft && counted >= _count)
            {
                rollout.End(rollout.Reverting ? ServiceUpdateOutcome.Reverted : ServiceUpdateOutcome.Completed, Target.Version,
                    rollout.Reverting ? $"reverted to version {Target.Version}" : $"every instance runs version {Target.Version}");
                _rollout = null;
            }
            else if (now - rollout.LastProgress >= strategy.HealthyDeadline)
            {
                var failed = Target.Version;
                if (strategy.AutoRevert && Stable is { } stable && stable != Target && !rollout.Reverting)
                {
                    // Back to the healthy version itself: its instances that still run are kept, the new ones go.
                    Target = stable;
                    _count = stable.Spec.Instances;
                    _rollout = new Rollout(rollout.Reply, now) { Reverting = true };
                    return Evaluate(now);
                }
                rollout.End(ServiceUpdateOutcome.Failed, failed,
                    $"version {failed} made no progress within {strategy.HealthyDeadline}{(strategy.AutoRevert ? "; there is no healthy version to revert to" : "")}");
                _rollout = null;
            }
        }
        if (!oldLeft && targetHealthy >= _count && Stable != Target) Stable = Target;

        var plan = RolloutPlanner.Plan(_count, strategy, views);
        Wanted = plan.Start;
        Prune();
        return Kill(plan.Kill);
    }

    /// <summary>When the next decision is due without an event: the backoff's end, a minimum healthy time, a deadline or a backoff reset.</summary>
    public DateTimeOffset? NextWake(DateTimeOffset now)
    {
        DateTimeOffset? wake = null;
        void At(DateTimeOffset t)
        {
            if (t > now && (wake is null || t < wake)) wake = t;
        }
        if (Wanted > 0) At(_nextLaunch);
        var strategy = Target.Spec.Update;
        foreach (var i in _instances.Values)
            if (i.HealthySince is { } since)
            {
                if (_rollout is not null) At(since + strategy.MinHealthyTime);
                if (_failures > 0) At(since + Target.Spec.Restart.ResetAfter);
            }
        if (_rollout is { } rollout) At(rollout.LastProgress + strategy.HealthyDeadline);
        return wake;
    }

    /// <summary>
    /// Launches one instance of the target spec on <paramref name="offer"/> if one is wanted now and it
    /// fits there (executor, os, constraints, one per agent, spread, resources and ports); null otherwise.
    /// </summary>
    public TaskInfo? TryLaunch(Offer offer, ref Resources remaining, DateTimeOffset now, Func<string, string, bool> groupRunsOn,
        IReadOnlyCollection<Offer> knownAgents)
    {
        if (Wanted <= 0 || Stopping || now < _nextLaunch) return null;
        var target = Target;
        if (target.Needs.RuleOutByFacts(offer.TaskKinds, offer.Attributes) is not null) return null;
        foreach (var constraint in target.Spec.Constraints)
        {
            if (constraint is UniquePerAgent && !constraint.Allows(offer.AgentId, offer.Attributes, groupRunsOn)) return null;
            if (constraint is SpreadOver spread && !Spreads(spread.Attribute, offer.Attributes, knownAgents)) return null;
        }
        var id = $"{Name}.{target.Version}.{_sequence + 1}";
        if (target.Template.Fit(offer, ref remaining, id, target.DelegateName, out var hostPorts) is not { } task) return null;
        _sequence++;
        var spec = target.Spec;
        var ports = hostPorts.Select((p, i) => new ServicePort(spec.PortName(i), p)).ToImmutableArray();
        var instance = new Instance(id, _sequence, target, offer.AgentId, offer.Hostname, offer.Attributes, ports);
        _instances.Add(id, instance);
        Wanted--;
        return task with { HealthCheck = ByIndex(spec.HealthCheck, spec, hostPorts.Length), ReadinessCheck = ByIndex(spec.ReadinessCheck, spec, hostPorts.Length) };
    }

    /// <summary>
    /// A check that names a port the agent cannot resolve (the agent knows only container port
    /// mappings' names) as the index of that port among the task's host ports.
    /// </summary>
    private static Model.HealthCheck? ByIndex(Model.HealthCheck? check, ServiceSpec spec, int ports)
    {
        if (check?.PortName is not { } name || spec.Container?.PortMappings.Any(m => m.Name == name) == true) return check;
        for (var i = 0; i < ports; i++)
            if (spec.PortName(i) == name) return check with { PortName = null, PortIndex = i };
        return check;
    }

    /// <summary>
    /// Whether an instance on an agent with <paramref name="attributes"/> keeps the spread even: its value has no more
    /// instances than the emptiest value among the agents (as last offered) that could run the service at all.
    /// </summary>
    private bool Spreads(string attribute, ImmutableDictionary<string, string> attributes, IReadOnlyCollection<Offer> knownAgents)
    {
        var counts = knownAgents.Where(a => Target.Needs.RuleOutByFacts(a.TaskKinds, a.Attributes) is null)
            .Select(a => a.Attributes.GetValueOrDefault(attribute) ?? "").Distinct().ToDictionary(v => v, _ => 0);
        foreach (var i in _instances.Values.Where(i => i.IsActive && i.Revision == Target))
        {
            var value = i.Attributes.GetValueOrDefault(attribute) ?? "";
            counts[value] = counts.GetValueOrDefault(value) + 1;
        }
        var mine = attributes.GetValueOrDefault(attribute) ?? "";
        return counts.GetValueOrDefault(mine) <= counts.Values.DefaultIfEmpty(0).Min();
    }

    /// <summary>The instances as the handle shows them.</summary>
    public ImmutableArray<ServiceInstance> Snapshot() =>
        [.. _instances.Values.OrderBy(i => i.Sequence).Select(i => new ServiceInstance(i.Id, i.Revision.Version, i.AgentId, i.Host, i.State, i.IsHealthy && !i.Killing, i.Ports))];

    private ImmutableArray<string> Kill(IReadOnlyCollection<string> ids)
    {
        foreach (var id in ids) _instances[id].Killing = true;
        return [.. ids];
    }

    private Revision AddRevision(ServiceSpec spec, int version)
    {
        var template = new TaskTemplate(spec.Name, spec.Command, spec.Container, spec.Resources, spec.Ports, spec.Environment, spec.Labels, null, spec.KillGracePeriod);
        var revision = new Revision(version, spec, template, PlacementNeeds.Of(template, spec.Constraints), _registerBody(spec, version) ?? spec.Delegate);
        _revisions[version] = revision;
        return revision;
    }

    /// <summary>Forgets versions nothing runs and nothing may go back to, and the bodies they registered.</summary>
    private void Prune()
    {
        foreach (var revision in _revisions.Values.ToList())
            if (revision != Target && revision != Stable && !_instances.Values.Any(i => i.Revision == revision))
            {
                _revisions.Remove(revision.Version);
                Released?.Invoke(revision);
            }
    }

    /// <summary>Told of each version that is forgotten, to unregister its body.</summary>
    public Action<Revision>? Released { get; set; }

    internal sealed record Revision(int Version, ServiceSpec Spec, TaskTemplate Template, PlacementNeeds Needs, string? DelegateName);

    internal sealed class Instance(string id, long sequence, Revision revision, string agentId, string host, ImmutableDictionary<string, string> attributes, ImmutableArray<ServicePort> ports)
    {
        public string Id { get; } = id;
        public long Sequence { get; } = sequence;
        public Revision Revision { get; } = revision;
        public string AgentId { get; } = agentId;
        public string Host { get; } = host;
        public ImmutableDictionary<string, string> Attributes { get; } = attributes;
        public ImmutableArray<ServicePort> Ports { get; } = ports;
        public TaskState State { get; set; } = TaskState.Staging;
        public bool? Healthy { get; set; }
        public bool? Ready { get; set; }
        public DateTimeOffset? HealthySince { get; set; }

        /// <summary>The scheduler asked for it to be killed: its end is no failure.</summary>
        public bool Killing { get; set; }

        public bool IsActive => !Killing && State != TaskState.Unreachable && !State.IsTerminal();

        public bool IsHealthy => State == TaskState.Running
            && (Revision.Spec.HealthCheck is null || Healthy == true)
            && (Revision.Spec.ReadinessCheck is null || Ready == true);
    }

    private sealed class Rollout(TaskCompletionSource<ServiceUpdateResult> reply, DateTimeOffset now)
    {
        public TaskCompletionSource<ServiceUpdateResult> Reply { get; } = reply;
        public DateTimeOffset LastProgress { get; set; } = now;
        public int Counted { get; set; }
        public bool Reverting { get; init; }

        public void End(ServiceUpdateOutcome outcome, int version, string message) => Reply.TrySetResult(new ServiceUpdateResult(outcome, version, message));
    }
}
