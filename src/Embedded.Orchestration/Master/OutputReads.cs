using Embedded.Orchestration.Model;
using Embedded.Orchestration.Protocol;
using Embedded.Orchestration.Transport;

namespace Embedded.Orchestration.Master;

/// <summary>
/// The master's reads of task output from agents of other processes, each waiting for its agent's
/// answer. Owned by the master's loop; a read whose agent goes away is answered "unknown" rather than left waiting.
/// </summary>
internal sealed class OutputReads(InProcessTransport transport)
{
    private readonly Dictionary<long, (string AgentId, ReadAgentOutput Read)> _pending = [];
    private long _next;

    public void Ask(ReadAgentOutput read, AgentRecord? agent)
    {
        if (agent is not { Reachable: true, Address: { } address })
        {
            read.Reply.TrySetResult(null);
            return;
        }
        var id = ++_next;
        _pending[id] = (agent.Id, read);
        if (!transport.Send(address, new ReadTaskOutput(id, read.FrameworkId, read.TaskId)))
        {
            _pending.Remove(id);
            read.Reply.TrySetResult(null);
        }
    }

    public void Answer(TaskOutputRead answer)
    {
        // Only the agent asked may answer.
        if (_pending.TryGetValue(answer.RequestId, out var pending) && pending.AgentId == answer.AgentId)
        {
            _pending.Remove(answer.RequestId);
            pending.Read.Reply.TrySetResult(answer.Output);
        }
    }

    /// <summary>Answers every read of <paramref name="agentId"/> (of every agent when null) with "unknown".</summary>
    public void Abandon(string? agentId)
    {
        foreach (var (id, pending) in _pending.Where(p => agentId is null || p.Value.AgentId == agentId).ToList())
        {
            _pending.Remove(id);
            pending.Read.Reply.TrySetResult(null);
        }
    }
}
