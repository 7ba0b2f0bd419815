using Embedded.Orchestration.Agent;
using Embedded.Orchestration.Model;
using Embedded.Orchestration.Scheduling;

namespace Embedded.Orchestration.Hosting;

/// <summary>One agent of a <see cref="MiniCluster"/>, for tests that break things on purpose.</summary>
public sealed class AgentHandle
{
    private readonly AgentPool _pool;

    private readonly IClusterClient _client;

    internal AgentHandle(AgentPool pool, IClusterClient client, string id)
    {
        _pool = pool;
        _client = client;
        Id = id;
    }

    public string Id { get; }
    public Resources Resources => Agent.Resources;
    public string WorkDirectory => Agent.WorkDirectory;

    private AgentActor Agent => _pool.Get(Id);

    /// <summary>Completes once the agent has handled everything queued for it before this call.</summary>
    internal async Task FlushAsync(CancellationToken cancellationToken = default)
    {
        var flush = new Flush();
        if (Agent.Post(flush)) await flush.Reply.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Cuts the agent off from the master: messages both ways are lost, tasks keep running.</summary>
    public void Partition() => Agent.Post(new SetPartitioned(true));

    /// <summary>Heals a <see cref="Partition"/>; the agent registers again if the master gave up on it.</summary>
    public void Heal() => Agent.Post(new SetPartitioned(false));

    /// <summary>The output of a task on this agent so far, or its last output if it ended; null if unknown.</summary>
    public async Task<TaskOutput?> ReadOutputAsync(string taskId, CancellationToken cancellationToken = default)
    {
        var read = new ReadOutput(null, taskId);
        if (!Agent.Post(read)) return null;
        return await read.Reply.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Shuts the agent down as an operator would: kills its tasks, reports them, leaves the cluster.</summary>
    public Task StopAsync(CancellationToken cancellationToken = default) => Agent.StopAgentAsync(cancellationToken);

    /// <summary>Stops the agent as a crash would: its tasks keep running, the master is not told, nothing is flushed.</summary>
    public Task CrashAsync() => Agent.CrashAsync();

    /// <summary>Starts the agent again on the same work directory; it recovers what it checkpointed and registers again.</summary>
    public Task RestartAsync(CancellationToken cancellationToken = default) => _pool.RestartAsync(Id, cancellationToken);
}
