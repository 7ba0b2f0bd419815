using System.Collections.Immutable;
using System.Runtime.InteropServices;
using Embedded.Orchestration.Protocol;
using Embedded.Orchestration.Actors;
using Embedded.Orchestration.Diagnostics;
using Embedded.Orchestration.Execution;
using Embedded.Orchestration.Model;
using Microsoft.Extensions.Logging;

namespace Embedded.Orchestration.Agent;

/// <summary>The agent's reports of its tasks' states, through the <see cref="StatusUpdateManager"/>, and forgetting tasks once they are acknowledged.</summary>
internal sealed partial class AgentActor
{
    private void Report(TaskRun run, TaskState state, TaskReason reason, string message, int? exitCode = null, TaskOutput? output = null) =>
        Report(run.FrameworkId, run.Info.TaskId, state, reason, message, exitCode, output);

    private void Report(string frameworkId, string taskId, TaskState state, TaskReason reason, string message, int? exitCode = null, TaskOutput? output = null)
    {
        var source = state is TaskState.Running or TaskState.Finished || exitCode is not null ? StatusSource.Executor : StatusSource.Agent;
        var update = new StatusUpdate(taskId, state, reason, source, message, _time.GetUtcNow())
        {
            AgentId = Id,
            Uuid = Guid.NewGuid(),
            ExitCode = exitCode,
            Output = output,
        };
        var key = new AgentTaskKey(frameworkId, taskId);
        var known = _tasks.TryGetValue(key, out var run);
        if (known) update = update with { Healthy = run!.Healthy, Ready = run.Ready };
        _updates.Add(key, update, known && run!.Checkpointed);
    }

    private void OnAcknowledge(AcknowledgeUpdate m)
    {
        var key = new AgentTaskKey(m.FrameworkId, m.TaskId);
        if (!_updates.Acknowledge(key, m.Uuid, out var drained)) LogUnexpectedAck(m.TaskId, m.Uuid);
        else if (drained) TryForget(key);
    }

    /// <summary>A task is forgotten once it has ended and its last update was acknowledged.</summary>
    private void TryForget(AgentTaskKey key)
    {
        if (_tasks.TryGetValue(key, out var run) && run.State.IsTerminal() && !_updates.HasPending(key)) Forget(run);
    }

    /// <summary>The task is gone from the agent; its sandboxes stay for reading until the collector removes them.</summary>
    private void Forget(TaskRun run)
    {
        _tasks.Remove(run.Key);
        if (run.Checkpointed) Checkpoint(c => c.RemoveTask(run.FrameworkId, run.Info.TaskId));
        foreach (var earlier in run.EarlierSandboxes) _sandboxes.Schedule(run.Info.TaskId, earlier);
        _sandboxes.Schedule(run.Info.TaskId, SandboxOf(run));
    }
}
