using Embedded.Orchestration.Agent;
using Embedded.Orchestration.Model;

namespace Embedded.Orchestration.Hosting;

/// <summary>One agent of a <see cref="MiniCluster"/>, for tests that break things on purpose.</summary>
public sealed class AgentHandle
{
    private readonly AgentActor _agent;

    internal AgentHandle(AgentActor agent) => _agent = agent;

    public string Id => _agent.Id;
    public Resources Resources => _agent.Resources;
    public string WorkDirectory => _agent.WorkDirectory;

    /// <summary>Cuts the agent off from the master: messages both ways are lost, tasks keep running.</summary>
    public void Partition() => _agent.Post(new SetPartitioned(true));

    /// <summary>Heals a <see cref="Partition"/>; the agent registers again if the master gave up on it.</summary>
    public void Heal() => _agent.Post(new SetPartitioned(false));

    /// <summary>The output of a task on this agent so far, or its last output if it ended; null if unknown.</summary>
    public async Task<TaskOutput?> ReadOutputAsync(string taskId, CancellationToken cancellationToken = default)
    {
        var read = new ReadOutput(taskId);
        if (!_agent.Post(read)) return null;
        return await read.Reply.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Shuts the agent down as an operator would: kills its tasks, reports them, leaves the cluster.</summary>
    public Task StopAsync(CancellationToken cancellationToken = default) => _agent.StopAgentAsync(cancellationToken);
}
