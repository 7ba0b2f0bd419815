using System.Collections.Immutable;
using System.Diagnostics;
using Embedded.Orchestration.Protocol;
using Embedded.Orchestration.Scheduling;
using Embedded.Orchestration.Actors;
using Embedded.Orchestration.Allocation;
using Embedded.Orchestration.Diagnostics;
using Embedded.Orchestration.Model;
using Microsoft.Extensions.Logging;

namespace Embedded.Orchestration.Master;

/// <summary>The master's record of tasks: status updates from agents, statuses it makes up, and ending tasks.</summary>
internal sealed partial class MasterActor
{
    private void AddTask(TaskRecord task, AgentRecord agent, FrameworkRecord framework)
    {
        _tasks.Add(task);
        agent.Tasks.Add(task.Key);
        framework.Tasks.Add(task.Key);
        if (Watched) Publish(new TaskAdded(task.Snapshot()));
    }

    private void OnStatusUpdate(StatusUpdateFromAgent m)
    {
        Telemetry.StatusUpdates.Add(1);
        if (!_agents.TryGetValue(m.AgentId, out var agent) || !agent.Reachable)
            return; // The agent re-sends once it has registered again.
        var key = new TaskKey(m.FrameworkId, m.Status.TaskId);
        if (!_frameworks.TryGetValue(m.FrameworkId, out var framework))
        {
            // Nobody will acknowledge: tell the agent to stop running and retrying for this framework.
            Send(agent, new ShutdownFramework(m.FrameworkId));
            return;
        }
        if (_tasks.TryGetActive(key, out var task))
        {
            task.State = m.Status.State;
            task.LastStatus = m.Status;
            if (m.Status.State == TaskState.Running) task.Started(m.Status.Timestamp);
            if (Watched) Publish(new TaskUpdated(m.FrameworkId, m.Status));
            if (m.Status.IsTerminal) CompleteTask(task);
        }
        Send(framework, new UpdateEvent(m.Status));
    }

    /// <summary>What the task's framework is told for <paramref name="state"/> (LOST where it is not partition-aware); an unknown framework is taken as partition-aware.</summary>
    private TaskState StateFor(string frameworkId, TaskState state) => _frameworks.GetValueOrDefault(frameworkId)?.Info.Tell(state) ?? state;

    /// <summary>A status the master makes up (no uuid, nothing to acknowledge), sent to the task's framework.</summary>
    private void Notify(TaskRecord task, TaskState state, TaskReason reason, string message)
    {
        var status = MasterStatus(task.Info.TaskId, task.AgentId, state, reason, message);
        task.LastStatus = status;
        if (Watched) Publish(new TaskUpdated(task.FrameworkId, status));
        Send(_frameworks.GetValueOrDefault(task.FrameworkId), new UpdateEvent(status));
    }

    private StatusUpdate MasterStatus(string taskId, string? agentId, TaskState state, TaskReason reason, string message) =>
        new(taskId, state, reason, StatusSource.Master, message, _time.GetUtcNow()) { AgentId = agentId };

    /// <summary>Ends a task from the master's side and tells its framework.</summary>
    private void EndTask(TaskRecord task, TaskState state, TaskReason reason, string message)
    {
        task.State = state;
        Notify(task, state, reason, message);
        CompleteTask(task);
    }

    /// <summary>Moves an ended task out of the active set and gives its resources back.</summary>
    private void CompleteTask(TaskRecord task)
    {
        if (!_tasks.Complete(task)) return;
        _agents.GetValueOrDefault(task.AgentId)?.Tasks.Remove(task.Key);
        _frameworks.GetValueOrDefault(task.FrameworkId)?.Tasks.Remove(task.Key);
        _allocator.Recover(task.FrameworkId, task.AgentId, task.Info.Resources);
        RequestAllocation();
    }
}
