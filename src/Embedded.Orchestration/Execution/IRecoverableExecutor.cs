namespace Embedded.Orchestration.Execution;

/// <summary>An executor that can find its tasks again after its agent restarted with the same work directory.</summary>
public interface IRecoverableExecutor
{
    /// <summary>
    /// Finds the task <paramref name="launch"/> started. With <paramref name="reconnect"/> a task still
    /// running is returned to reattach to; otherwise it is killed. A task that ended while the agent was
    /// away comes back as its exit, with the real exit status where the executor can still tell.
    /// </summary>
    ValueTask<RecoveredRun> RecoverAsync(TaskLaunch launch, bool reconnect, CancellationToken cancellationToken);
}

/// <summary>What recovery found: a running task, or how the task ended.</summary>
public sealed record RecoveredRun(IRunningTask? Running, TaskExit? Exit);
