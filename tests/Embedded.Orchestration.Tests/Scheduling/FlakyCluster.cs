using System.Collections.Immutable;
using System.Threading.Channels;
using Embedded.Orchestration.Allocation;
using Embedded.Orchestration.Master;
using Embedded.Orchestration.Model;
using Embedded.Orchestration.Scheduling;

namespace Embedded.Orchestration.Tests.Scheduling;

/// <summary>A cluster whose master does not answer the first <c>failures</c> subscriptions.</summary>
internal sealed class FlakyCluster(int failures, bool refuse = false) : IClusterClient
{
    private readonly Channel<FrameworkInfo> _attempts = Channel.CreateUnbounded<FrameworkInfo>();
    private readonly List<Channel<SchedulerEvent>> _streams = [];
    private int _failures = failures;

    public ChannelReader<FrameworkInfo> Attempts => _attempts.Reader;

    /// <summary>The next <paramref name="count"/> subscriptions fail.</summary>
    public void FailNext(int count) => Volatile.Write(ref _failures, count);

    public SchedulerSession Session(string id)
    {
        var events = Channel.CreateUnbounded<SchedulerEvent>();
        lock (_streams) _streams.Add(events);
        return new SchedulerSession(id, events, new NoLink());
    }

    public void EndStreams()
    {
        lock (_streams) foreach (var s in _streams) s.Writer.TryComplete();
    }

    public Task<SchedulerSession> SubscribeAsync(FrameworkInfo framework, CancellationToken cancellationToken = default)
    {
        _attempts.Writer.TryWrite(framework);
        if (refuse) return Task.FromException<SchedulerSession>(new ArgumentException("framework fw-1 has role 'a' and cannot change it"));
        if (Interlocked.Decrement(ref _failures) >= 0)
            return Task.FromException<SchedulerSession>(new InvalidOperationException("no master answers at http://127.0.0.1:9/ (Connection refused)"));
        return Task.FromResult(Session(framework.FrameworkId ?? "fw-1"));
    }

    public Task<ClusterState> GetStateAsync(CancellationToken cancellationToken = default) => throw new NotSupportedException();
    public Task<ImmutableArray<AgentSnapshot>> GetAgentsAsync(CancellationToken cancellationToken = default) => throw new NotSupportedException();
    public void SetRoleWeight(string role, double weight) => throw new NotSupportedException();
    public Task SetRoleQuotaAsync(string role, RoleQuota? quota, CancellationToken cancellationToken = default) => throw new NotSupportedException();
    public IAsyncEnumerable<ClusterEvent> WatchAsync(CancellationToken cancellationToken = default) => throw new NotSupportedException();
    public Task<TaskOutput?> ReadOutputAsync(string agentId, string frameworkId, string taskId, CancellationToken cancellationToken = default) => throw new NotSupportedException();
    public Task<TaskKillResult> KillTaskAsync(string taskId, string? frameworkId = null, TimeSpan? gracePeriod = null, CancellationToken cancellationToken = default) =>
        throw new NotSupportedException();
}

internal sealed class NoLink : ISchedulerLink
{
    public Task CallAsync(FrameworkCall call, CancellationToken cancellationToken) => Task.CompletedTask;
    public void Disconnect() { }
}
