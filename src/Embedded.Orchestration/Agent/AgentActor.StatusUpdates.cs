using System.Collections.Immutable;
using System.Runtime.InteropServices;
using Embedded.Orchestration.Actors;
using Embedded.Orchestration.Diagnostics;
using Embedded.Orchestration.Execution;
using Embedded.Orchestration.Master;
using Embedded.Orchestration.Model;
using Microsoft.Extensions.Logging;

namespace Embedded.Orchestration.Agent;

/// <summary>Each task's ordered stream of status updates: one in flight, re-sent with backoff until acknowledged.</summary>
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
        if (!_streams.TryGetValue(key, out var stream)) _streams[key] = stream = new UpdateStream();
        stream.Checkpointed |= _tasks.TryGetValue(key, out var run) && run.Checkpointed;
        if (stream.Checkpointed) Checkpoint(c => c.AppendUpdate(frameworkId, taskId, update));
        stream.Pending.Enqueue(update);
        if (stream.Pending.Count == 1) SendHead(key, stream, resetBackoff: true);
    }

    private void SendHead(AgentTaskKey key, UpdateStream stream, bool resetBackoff)
    {
        if (!stream.Pending.TryPeek(out var head)) return;
        if (resetBackoff) stream.Backoff = _options.StatusUpdateRetryInterval;
        if (_connected) ToMaster(new StatusUpdateFromAgent(Id, key.FrameworkId, head));
        stream.RetryTimer?.Dispose();
        stream.RetryTimer = _time.CreateTimer(_ => Post(new RetryUpdates(key, head.Uuid!.Value)), null, stream.Backoff, Timeout.InfiniteTimeSpan);
    }

    private void OnRetry(RetryUpdates m)
    {
        var key = m.Key;
        if (!_streams.TryGetValue(key, out var stream) || !stream.Pending.TryPeek(out var head) || head.Uuid != m.Uuid) return;
        Telemetry.StatusUpdateRetries.Add(1);
        var next = stream.Backoff * 2;
        stream.Backoff = next > _options.MaxStatusUpdateRetryInterval ? _options.MaxStatusUpdateRetryInterval : next;
        SendHead(key, stream, resetBackoff: false);
    }

    private void OnAcknowledge(AcknowledgeUpdate m)
    {
        var key = new AgentTaskKey(m.FrameworkId, m.TaskId);
        if (!_streams.TryGetValue(key, out var stream) || !stream.Pending.TryPeek(out var head) || head.Uuid != m.Uuid)
        {
            LogUnexpectedAck(m.TaskId, m.Uuid);
            return;
        }
        stream.Pending.Dequeue();
        if (stream.Checkpointed) Checkpoint(c => c.AppendAcknowledgement(m.FrameworkId, m.TaskId, m.Uuid));
        stream.RetryTimer?.Dispose();
        stream.RetryTimer = null;
        if (stream.Pending.Count > 0) SendHead(key, stream, resetBackoff: true);
        else
        {
            _streams.Remove(key);
            TryForget(key);
        }
    }

    /// <summary>A task is forgotten once it has ended and its last update was acknowledged.</summary>
    private void TryForget(AgentTaskKey key)
    {
        if (_tasks.TryGetValue(key, out var run) && run.State.IsTerminal() && !_streams.ContainsKey(key)) Forget(run);
    }

    /// <summary>The task is gone from the agent; its sandboxes stay for reading until the collector removes them.</summary>
    private void Forget(TaskRun run)
    {
        _tasks.Remove(run.Key);
        if (run.Checkpointed) Checkpoint(c => c.RemoveTask(run.FrameworkId, run.Info.TaskId));
        foreach (var earlier in run.EarlierSandboxes) _sandboxes.Schedule(run.Info.TaskId, earlier);
        _sandboxes.Schedule(run.Info.TaskId, run.Sandbox);
    }
}
