using System.Collections.Immutable;
using System.Runtime.CompilerServices;
using System.Threading.Channels;
using Embedded.Orchestration.Agent;
using Embedded.Orchestration.Allocation;
using Embedded.Orchestration.Master;
using Embedded.Orchestration.Model;
using Embedded.Orchestration.Transport;

namespace Embedded.Orchestration.Scheduling;

/// <summary>The cluster as a framework or an operator sees it: subscribe, read state, set role weights.</summary>
public interface IClusterClient
{
    /// <summary>Subscribes a framework; with <see cref="FrameworkInfo.FrameworkId"/> set, fails over to an existing one.</summary>
    Task<SchedulerSession> SubscribeAsync(FrameworkInfo framework, CancellationToken cancellationToken = default);

    /// <summary>A snapshot of agents, frameworks, tasks, offers, allocation by role and jobs waiting to be placed, like Mesos's /state.</summary>
    Task<ClusterState> GetStateAsync(CancellationToken cancellationToken = default);

    /// <summary>The registered agents (reachable or not) with their resources, use, attributes and the kinds of task they run, like Mesos's GET_AGENTS.</summary>
    Task<ImmutableArray<AgentSnapshot>> GetAgentsAsync(CancellationToken cancellationToken = default);

    /// <summary>Sets a role's weight in the fair sharing of resources.</summary>
    void SetRoleWeight(string role, double weight);

    /// <summary>
    /// Sets a role's quota: a guarantee the allocator satisfies before fair sharing, and an optional
    /// limit it never exceeds; null removes it. Throws <see cref="ArgumentException"/> for a bad quota.
    /// </summary>
    Task SetRoleQuotaAsync(string role, RoleQuota? quota, CancellationToken cancellationToken = default);

    /// <summary>
    /// The cluster's changes as they happen, like Mesos's operator API SUBSCRIBE: first a
    /// <see cref="ClusterSubscribed"/> with the whole state, then tasks, agents and frameworks as
    /// they are added, updated and removed. A reader that falls <see cref="MasterOptions.WatcherBufferEvents"/>
    /// behind is cut off: the enumeration throws <see cref="InvalidOperationException"/>. It ends when the master stops.
    /// </summary>
    IAsyncEnumerable<ClusterEvent> WatchAsync(CancellationToken cancellationToken = default);

    /// <summary>What a framework's task on an agent has written so far, or its last output once it ended; null if the agent does not know it.</summary>
    Task<TaskOutput?> ReadOutputAsync(string agentId, string frameworkId, string taskId, CancellationToken cancellationToken = default);

    /// <summary>
    /// Kills an active task as an operator, the way its framework would: the agent kills it (after
    /// <paramref name="gracePeriod"/>, or the task's own) and the framework gets TASK_KILLED saying an
    /// operator killed it. <paramref name="frameworkId"/> picks among frameworks that use the same task id.
    /// An unknown or ambiguous task changes nothing and says so in the result. Throws <see cref="ArgumentException"/> for bad input.
    /// </summary>
    Task<TaskKillResult> KillTaskAsync(string taskId, string? frameworkId = null, TimeSpan? gracePeriod = null, CancellationToken cancellationToken = default);
}

internal sealed class ClusterClient(MasterLink link, InProcessTransport transport, Func<string, AgentActor?> findAgent, Func<JobScheduler?> jobs, int watcherBuffer,
    Func<Services.ServiceScheduler?>? services = null)
    : IClusterClient
{
    /// <summary>What carries this cluster's messages; agents of other processes join the master through it.</summary>
    public InProcessTransport Transport => transport;

    public async IAsyncEnumerable<ClusterEvent> WatchAsync([EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var events = Channel.CreateBounded<ClusterEvent>(new BoundedChannelOptions(watcherBuffer) { SingleReader = true, FullMode = BoundedChannelFullMode.Wait });
        var connection = transport.Watch(events.Writer);
        try
        {
            if (!link.Post(new WatchCluster(connection))) throw new InvalidOperationException("the master has stopped");
            await foreach (var e in events.Reader.ReadAllAsync(cancellationToken).ConfigureAwait(false)) yield return e;
        }
        finally
        {
            link.Post(new UnwatchCluster(connection));
            transport.Close(connection);
        }
    }

    public async Task<TaskOutput?> ReadOutputAsync(string agentId, string frameworkId, string taskId, CancellationToken cancellationToken = default)
    {
        var read = new ReadOutput(frameworkId, taskId);
        if (findAgent(agentId) is { } agent)
            return agent.Post(read) ? await read.Reply.Task.WaitAsync(cancellationToken).ConfigureAwait(false) : null;
        // An agent of another process: the master asks it over its link.
        var remote = new ReadAgentOutput(agentId, frameworkId, taskId);
        return link.Post(remote) ? await remote.Reply.Task.WaitAsync(cancellationToken).ConfigureAwait(false) : null;
    }

    public async Task<SchedulerSession> SubscribeAsync(FrameworkInfo framework, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(framework);
        var events = Channel.CreateUnbounded<SchedulerEvent>(new UnboundedChannelOptions { SingleReader = true });
        var subscribe = new Subscribe(framework, transport.Connect(events.Writer));
        try
        {
            var master = link.Current;
            if (!master.Post(subscribe))
            {
                // A master that is being replaced: subscribe to the one that follows it.
                await link.WhenReplacedAsync(master, cancellationToken).ConfigureAwait(false);
                master = link.Current;
                if (!master.Post(subscribe)) throw new InvalidOperationException("the master has stopped");
            }
            var id = await subscribe.Reply.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
            return new SchedulerSession(master, id, events, subscribe.Connection, transport);
        }
        catch
        {
            transport.Close(subscribe.Connection);
            throw;
        }
    }

    public async Task<ClusterState> GetStateAsync(CancellationToken cancellationToken = default)
    {
        var request = new GetState();
        if (!link.Post(request)) throw new InvalidOperationException("the master has stopped");
        var state = await request.Reply.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
        // Waiting jobs and services are the schedulers', not the master's: the master only knows what was launched.
        if (jobs() is { } scheduler) state = state with { PendingJobs = await scheduler.GetPendingAsync(cancellationToken).ConfigureAwait(false) };
        if (services?.Invoke() is { } keeper) state = state with { Services = keeper.Snapshot() };
        return state;
    }

    public Task<ImmutableArray<AgentSnapshot>> GetAgentsAsync(CancellationToken cancellationToken = default)
    {
        var request = new GetAgents();
        if (!link.Post(request)) throw new InvalidOperationException("the master has stopped");
        return request.Reply.Task.WaitAsync(cancellationToken);
    }

    public Task SetRoleQuotaAsync(string role, RoleQuota? quota, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(role);
        var request = new SetRoleQuota(role, quota);
        if (!link.Post(request)) throw new InvalidOperationException("the master has stopped");
        return request.Reply.Task.WaitAsync(cancellationToken);
    }

    public Task<TaskKillResult> KillTaskAsync(string taskId, string? frameworkId = null, TimeSpan? gracePeriod = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(taskId);
        if (gracePeriod is { } grace && grace < TimeSpan.Zero)
            throw new ArgumentOutOfRangeException(nameof(gracePeriod), grace, "a kill grace period cannot be negative");
        var request = new OperatorKill(taskId, string.IsNullOrEmpty(frameworkId) ? null : frameworkId, gracePeriod);
        if (!link.Post(request)) throw new InvalidOperationException("the master has stopped");
        return request.Reply.Task.WaitAsync(cancellationToken);
    }

    public void SetRoleWeight(string role, double weight)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(role);
        if (double.IsNaN(weight) || double.IsInfinity(weight) || weight <= 0)
            throw new ArgumentOutOfRangeException(nameof(weight), weight, "a role weight must be a positive number");
        link.Post(new SetRoleWeight(role, weight));
    }
}
