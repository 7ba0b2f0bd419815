using System.Collections.Concurrent;

namespace Embedded.Server.Scheduler;

/// <summary>
/// The agent each task was last named with in a framework's calls. A status the master makes up for
/// a task it does not know (a kill or reconcile of an unknown task) carries no agent; Mesos echoes the
/// call's agent_id there, and clients read status.agent_id, so the stream fills it in from here.
/// Bounded: past the limit it starts again, losing only echoes for old calls.
/// </summary>
internal sealed class TaskAgents(int limit)
{
    private readonly ConcurrentDictionary<string, string> _agents = new(StringComparer.Ordinal);

    public void Remember(IEnumerable<(string TaskId, string AgentId)> pairs)
    {
        foreach (var (task, agent) in pairs)
        {
            if (_agents.Count >= limit) _agents.Clear();
            _agents[task] = agent;
        }
    }

    public string? Find(string taskId) => _agents.GetValueOrDefault(taskId);
}
