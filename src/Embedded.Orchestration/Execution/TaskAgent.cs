namespace Embedded.Orchestration.Execution;

/// <summary>
/// The agent a running task speaks to: its messages to its framework and its end. One object for all of an agent's
/// tasks, so that a host of a hundred thousand in-process tasks holds no closure or watcher per task.
/// </summary>
internal interface ITaskAgent
{
    void SendToFramework(string frameworkId, string taskId, ReadOnlyMemory<byte> data);

    void TaskExited(string frameworkId, string taskId, long run, TaskExit exit);

    /// <summary>The sandbox of a task's run, named again when asked for instead of kept by each task.</summary>
    string SandboxOf(string frameworkId, string taskId, long run);
}

/// <summary>A running task that tells its launch's <see cref="TaskLaunch.Agent"/> of its end itself; <see cref="IRunningTask.Completion"/> still works for any other reader.</summary>
internal interface IReportsExit
{
    /// <summary>From now on the task's end is told, once; at once if it has already ended.</summary>
    void StartReporting();
}
