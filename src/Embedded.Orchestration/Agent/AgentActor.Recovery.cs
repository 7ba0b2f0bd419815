using System.Collections.Immutable;
using System.Runtime.InteropServices;
using Embedded.Orchestration.Protocol;
using Embedded.Orchestration.Actors;
using Embedded.Orchestration.Diagnostics;
using Embedded.Orchestration.Execution;
using Embedded.Orchestration.Model;
using Microsoft.Extensions.Logging;

namespace Embedded.Orchestration.Agent;

/// <summary>The checkpoint: written as the agent goes, read back when it starts again on the same work directory.</summary>
internal sealed partial class AgentActor
{
    /// <summary>
    /// A failed checkpoint write costs durability, not the task: it is logged and the agent goes on,
    /// as a full disk must not kill work that runs fine.
    /// </summary>
    private void Checkpoint(Action<AgentCheckpoint> write)
    {
        try
        {
            write(_checkpoint);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            LogCheckpointFailed(e);
        }
    }

    /// <summary>
    /// Reads the checkpoint a previous agent with this work directory left: its tasks come back with
    /// their unacknowledged updates, running ones reattached (or killed, per <see cref="AgentOptions.Recovery"/>),
    /// ended ones with how they ended. Returns what the loop must handle first.
    /// </summary>
    private async Task<List<AgentMessage>> RecoverAsync(CancellationToken cancellationToken)
    {
        var followUps = new List<AgentMessage>();
        _restarted = _checkpoint.WasRegistered(Id);
        foreach (var recovered in _checkpoint.Recover())
        {
            _restarted = true;
            var saved = recovered.Checkpoint;
            _runs = Math.Max(_runs, saved.Run);
            var executor = _executors.FirstOrDefault(e => e.Name == saved.Executor);
            var key = new AgentTaskKey(saved.FrameworkId, saved.Task.TaskId);
            var run = new TaskRun(saved.FrameworkId, saved.Task, saved.Run, executor ?? _executors[0]) { Checkpointed = true, RecoveredSandbox = saved.Sandbox };
            run.State = recovered.LatestUpdate?.State ?? TaskState.Staging;
            _tasks[key] = run;
            _updates.Restore(key, recovered.PendingUpdates);
            if (run.State.IsTerminal()) continue;

            var launch = new TaskLaunch(Id, saved.FrameworkId, saved.Task, saved.Sandbox) { Run = saved.Run, LeaseId = _lease?.Id };
            RecoveredRun found;
            try
            {
                found = executor is IRecoverableExecutor recoverable
                    ? await recoverable.RecoverAsync(launch, _options.Recovery == AgentRecovery.Reconnect, cancellationToken).ConfigureAwait(false)
                    : new RecoveredRun(null, new TaskExit(TaskState.Failed, TaskReason.AgentRestarted,
                        $"the agent restarted and its {saved.Executor} executor cannot recover tasks"));
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                found = new RecoveredRun(null, new TaskExit(TaskState.Failed, TaskReason.AgentRestarted, $"recovering the task failed: {e.Message}"));
            }
            LogRecovered(saved.Task.TaskId, run.State, found.Running is not null);
            if (found.Running is { } running)
            {
                run.Running = running;
                _ = WatchAsync(key, run.Run, running);
                // Checks start over, grace period included, as Mesos's do when an agent recovers a task.
                if (run.State == TaskState.Running) StartChecks(run);
                // The time it ran before the restart counts against its max completion time.
                if (saved.Task.MaxCompletionTime is { } max)
                {
                    var left = max - (_time.GetUtcNow() - (saved.StartedAt ?? _time.GetUtcNow()));
                    if (left > TimeSpan.Zero) ArmCompletionTimer(run, left);
                    else followUps.Add(new CompletionTimeReached(key, run.Run));
                }
            }
            else
                followUps.Add(new TaskExited(key, run.Run, found.Exit!));
        }
        return followUps;
    }
}
