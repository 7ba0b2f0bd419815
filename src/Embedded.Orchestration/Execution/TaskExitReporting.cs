namespace Embedded.Orchestration.Execution;

/// <summary>Where a running task's end is told: the agent, which then needs no watcher of its own per task.</summary>
internal interface ITaskExitSink
{
    void TaskExited(string frameworkId, string taskId, long run, TaskExit exit);
}

/// <summary>
/// A running task that tells its end to a sink, so that a host of a hundred thousand in-process tasks holds no
/// awaiting state machine per task; <see cref="IRunningTask.Completion"/> still works for any other reader.
/// </summary>
internal interface IReportsExit
{
    /// <summary>Tells <paramref name="sink"/> once, when the task ends, or at once if it already has.</summary>
    void ReportExitTo(ITaskExitSink sink, long run);
}
