using System.Runtime.CompilerServices;
using System.Threading.Channels;
using Embedded.Orchestration.Model;

namespace Embedded.Orchestration.Scheduling;

/// <summary>A submitted job: its result when it ends, its status changes as they happen, and a way to cancel it.</summary>
public sealed class JobHandle
{
    private readonly Channel<StatusUpdate> _updates = Channel.CreateUnbounded<StatusUpdate>(new UnboundedChannelOptions { SingleWriter = true });
    private readonly TaskCompletionSource<JobResult> _result = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Func<string, CancellationToken, Task> _cancel;
    private readonly IClusterClient _cluster;
    private readonly string _frameworkId;
    private volatile StatusUpdate? _latest;
    private volatile PlacementReport? _placement;

    internal JobHandle(string jobId, Func<string, CancellationToken, Task> cancel, IClusterClient cluster, string frameworkId)
    {
        _frameworkId = frameworkId;
        JobId = jobId;
        _cancel = cancel;
        _cluster = cluster;
    }

    public string JobId { get; }

    /// <summary>The job's result. When the cluster stops first, its task is killed and the result is KILLED; it never throws.</summary>
    public Task<JobResult> Completion => _result.Task;

    /// <summary>
    /// While the job waits to be placed: why it does not run yet, agent by agent (refreshed every
    /// <see cref="JobSchedulerOptions.PlacementCheckInterval"/>); null once it is placed, or before the first check.
    /// </summary>
    public PlacementReport? Placement => _placement;

    /// <summary>Every status of every attempt, in order, ending after the final one. One reader at a time.</summary>
    public async IAsyncEnumerable<StatusUpdate> WatchAsync([EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        await foreach (var update in _updates.Reader.ReadAllAsync(cancellationToken).ConfigureAwait(false)) yield return update;
    }

    /// <summary>Kills the job (or drops it if it has not started); its result is then KILLED.</summary>
    public Task CancelAsync(CancellationToken cancellationToken = default) => _cancel(JobId, cancellationToken);

    /// <summary>What the job's current attempt has written so far (its final output once it ended); empty before it starts.</summary>
    public async Task<TaskOutput> ReadOutputAsync(CancellationToken cancellationToken = default)
    {
        if (_result.Task.IsCompletedSuccessfully && _result.Task.Result is var done) return new TaskOutput(done.Stdout, done.Stderr);
        if (_latest is not { AgentId: { } agentId } latest) return new TaskOutput("", "");
        return await _cluster.ReadOutputAsync(agentId, _frameworkId, latest.TaskId, cancellationToken).ConfigureAwait(false) ?? new TaskOutput("", "");
    }

    internal void SetPlacement(PlacementReport? report) => _placement = report;

    internal void Publish(StatusUpdate update)
    {
        _latest = update;
        _updates.Writer.TryWrite(update);
    }

    internal void Complete(JobResult result)
    {
        _updates.Writer.TryComplete();
        _result.TrySetResult(result);
    }
}
