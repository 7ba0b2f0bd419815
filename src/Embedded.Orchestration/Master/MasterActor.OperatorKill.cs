using Embedded.Orchestration.Protocol;
using Embedded.Orchestration.Scheduling;

namespace Embedded.Orchestration.Master;

/// <summary>An operator's kill: find the one active task with the id, and kill it as its framework would.</summary>
internal sealed partial class MasterActor
{
    private TaskKillResult OnOperatorKill(OperatorKill m)
    {
        List<TaskRecord> matches = m.FrameworkId is { } frameworkId
            ? (_tasks.TryGetActive(new TaskKey(frameworkId, m.TaskId), out var named) ? [named] : [])
            : _tasks.Active.Where(t => t.Info.TaskId == m.TaskId).ToList();
        if (matches.Count == 0)
            return new(TaskKillOutcome.NotFound, m.FrameworkId is null
                ? $"no active task {m.TaskId}"
                : $"no active task {m.TaskId} in framework {m.FrameworkId}");
        if (matches.Count > 1)
            return new(TaskKillOutcome.Ambiguous,
                $"task {m.TaskId} is active in frameworks {string.Join(", ", matches.Select(t => t.FrameworkId).Order(StringComparer.Ordinal))}: name one");
        var task = matches[0];
        if (_agents.GetValueOrDefault(task.AgentId) is not { Reachable: true } agent)
            return new(TaskKillOutcome.AgentUnreachable, $"task {m.TaskId} runs on agent {task.AgentId}, which is unreachable: try again once it is back");
        Send(agent, new KillTask(task.FrameworkId, m.TaskId, m.GracePeriod, ByOperator: true));
        LogOperatorKill(m.TaskId, task.FrameworkId, task.AgentId);
        return new(TaskKillOutcome.Killing, $"killing task {m.TaskId} of framework {task.FrameworkId} on agent {task.AgentId}");
    }
}
