using System.Collections.Immutable;
using System.Runtime.CompilerServices;
using System.Threading.Channels;
using Embedded.Orchestration.Master;
using Embedded.Orchestration.Model;
using Embedded.Orchestration.Transport;

namespace Embedded.Orchestration.Scheduling;

/// <summary>
/// A subscribed framework's connection to the master: the Mesos scheduler API. Read
/// <see cref="Events"/> in order; each call completes once the master has taken it, or throws with
/// why it refused it. Disposing disconnects without tearing down, so the framework can fail over
/// within its failover timeout.
/// </summary>
public sealed class SchedulerSession : IAsyncDisposable
{
    private readonly Channel<SchedulerEvent> _events;
    private readonly ISchedulerLink _link;
    private int _disposed;

    internal SchedulerSession(MasterActor master, string frameworkId, Channel<SchedulerEvent> events, string connection, InProcessTransport transport)
        : this(frameworkId, events, new InProcessSchedulerLink(master, frameworkId, connection, transport))
    {
    }

    internal SchedulerSession(string frameworkId, Channel<SchedulerEvent> events, ISchedulerLink link)
    {
        FrameworkId = frameworkId;
        _events = events;
        _link = link;
    }

    public string FrameworkId { get; }

    /// <summary>The events, starting with <see cref="SubscribedEvent"/>; ends when the session closes. One reader at a time.</summary>
    public IAsyncEnumerable<SchedulerEvent> Events => ReadEventsAsync();

    internal ChannelReader<SchedulerEvent> EventReader => _events.Reader;

    public async IAsyncEnumerable<SchedulerEvent> ReadEventsAsync([EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        await foreach (var e in _events.Reader.ReadAllAsync(cancellationToken).ConfigureAwait(false)) yield return e;
    }

    public Task AcceptAsync(IEnumerable<string> offerIds, IEnumerable<OfferOperation> operations, Filters? filters = null, CancellationToken cancellationToken = default) =>
        Call(new Accept(FrameworkId, [.. offerIds], [.. operations], filters), cancellationToken);

    /// <summary>Accepts one offer to launch <paramref name="tasks"/> on its agent.</summary>
    public Task LaunchAsync(Offer offer, IEnumerable<TaskInfo> tasks, Filters? filters = null, CancellationToken cancellationToken = default) =>
        AcceptAsync([offer.OfferId], [new LaunchOperation(tasks.ToImmutableArray())], filters, cancellationToken);

    public Task DeclineAsync(IEnumerable<string> offerIds, Filters? filters = null, CancellationToken cancellationToken = default) =>
        Call(new Decline(FrameworkId, [.. offerIds], filters), cancellationToken);

    /// <summary>Asks for offers again and lifts every filter this framework set.</summary>
    public Task ReviveAsync(CancellationToken cancellationToken = default) => Call(new Revive(FrameworkId), cancellationToken);

    /// <summary>Asks for no more offers until <see cref="ReviveAsync"/>.</summary>
    public Task SuppressAsync(CancellationToken cancellationToken = default) => Call(new Suppress(FrameworkId), cancellationToken);

    /// <summary>Kills a task: SIGTERM, then SIGKILL after the grace period (the task's own, or the agent's default).</summary>
    public Task KillAsync(string taskId, TimeSpan? gracePeriod = null, CancellationToken cancellationToken = default) =>
        Call(new Kill(FrameworkId, taskId, gracePeriod), cancellationToken);

    /// <summary>Acknowledges an update from an agent; updates the master made up need none and are ignored here.</summary>
    public Task AcknowledgeAsync(StatusUpdate status, CancellationToken cancellationToken = default) =>
        status is { Uuid: { } uuid, AgentId: { } agentId }
            ? Call(new Acknowledge(FrameworkId, agentId, status.TaskId, uuid), cancellationToken)
            : Task.CompletedTask;

    /// <summary>Asks for the latest state of the named tasks, or of every task this framework has when none are named.</summary>
    public Task ReconcileAsync(IEnumerable<string>? taskIds = null, CancellationToken cancellationToken = default) =>
        Call(new Reconcile(FrameworkId, taskIds is null ? [] : [.. taskIds]), cancellationToken);

    public Task MessageAsync(string agentId, string taskId, ReadOnlyMemory<byte> data, CancellationToken cancellationToken = default) =>
        Call(new SendMessage(FrameworkId, agentId, taskId, data), cancellationToken);

    /// <summary>Ends the framework: its tasks are killed and its id cannot subscribe again.</summary>
    public Task TeardownAsync(CancellationToken cancellationToken = default) => Call(new Teardown(FrameworkId), cancellationToken);

    private Task Call(FrameworkCall call, CancellationToken cancellationToken)
    {
        if (Volatile.Read(ref _disposed) != 0) return Task.FromException(new ObjectDisposedException(nameof(SchedulerSession)));
        return _link.CallAsync(call, cancellationToken);
    }

    public ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            _link.Disconnect();
        }
        return ValueTask.CompletedTask;
    }
}
