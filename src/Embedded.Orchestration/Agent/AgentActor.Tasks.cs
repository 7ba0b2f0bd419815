using System.Collections.Immutable;
using System.Runtime.InteropServices;
using Embedded.Orchestration.Protocol;
using Embedded.Orchestration.Actors;
using Embedded.Orchestration.Diagnostics;
using Embedded.Orchestration.Execution;
using Embedded.Orchestration.Model;
using Microsoft.Extensions.Logging;

namespace Embedded.Orchestration.Agent;

/// <summary>The agent's tasks: launch through an executor, watch, kill, time out, and end.</summary>
internal sealed partial class AgentActor
{
    private void OnRunTask(RunTask m)
    {
        var key = new AgentTaskKey(m.FrameworkId, m.Task.TaskId);
        // An ended task whose last update is not yet acknowledged may be launched again under its id:
        // the new run's updates queue behind the old ones.
        if (_tasks.TryGetValue(key, out var existing) && !existing.State.IsTerminal())
        {
            LogDuplicateLaunch(m.Task.TaskId);
            return;
        }
        if (_shutdown is not null)
        {
            // Launched as the agent shuts down: it would be killed at once, so it never starts.
            Report(m.FrameworkId, m.Task.TaskId, TaskState.Killed, TaskReason.AgentRestarted, $"agent {Id} is shutting down");
            return;
        }
        var executor = _executors.FirstOrDefault(e => e.Kind == m.Task.Kind);
        if (executor is null)
        {
            var kind = m.Task.Kind?.ToString().ToLowerInvariant() ?? "this kind of";
            Report(m.FrameworkId, m.Task.TaskId, TaskState.Error, TaskReason.TaskInvalid,
                $"agent {Id} has no executor for {kind} tasks (it has: {string.Join(", ", _executors.Select(e => e.Name))})");
            return;
        }
        var runNumber = ++_runs;
        var sandbox = _layout.Sandbox(m.FrameworkId, m.Task.TaskId, runNumber);
        var run = new TaskRun(m.FrameworkId, m.Task, runNumber, executor)
        {
            Checkpointed = m.Checkpoint,
            EarlierSandboxes = existing is null ? [] : [.. existing.EarlierSandboxes, SandboxOf(existing)],
        };
        // Made here, on the loop that also removes forgotten sandboxes and the parents they leave empty,
        // so that a removal never takes a parent from under a sandbox being made. An executor that
        // cannot make it reports why. A delegate task's is made only once it is used (its body asks for
        // it, or a command check runs in it): most never touch one, and its directories were most of
        // what launching one cost.
        if (m.Task.Kind != TaskKind.Delegate) MakeSandbox(sandbox);
        // As in Mesos, the task is on disk before it launches, so a restart can never lose a running task.
        if (run.Checkpointed) Checkpoint(c => c.SaveTask(new CheckpointedTask(m.FrameworkId, m.Task, run.Run, executor.Name, sandbox)));
        _tasks[key] = run;
        run.State = TaskState.Starting;
        Report(run, TaskState.Starting, TaskReason.None, $"launching with the {executor.Name} executor");
        _ = LaunchAsync(run, new TaskLaunch(Id, m.FrameworkId, m.Task, sandbox)
        {
            Run = runNumber,
            LeaseId = _lease?.Id,
            Checkpointed = run.Checkpointed,
            Agent = this,
        });
    }

    private async Task LaunchAsync(TaskRun run, TaskLaunch launch)
    {
        using var activity = Telemetry.Source.StartActivity("launch task");
        activity?.SetTag("task.id", launch.Task.TaskId);
        activity?.SetTag("agent.id", Id);
        activity?.SetTag("executor", run.Executor.Name);
        try
        {
            var running = await run.Executor.LaunchAsync(launch, _stopping.Token).ConfigureAwait(false);
            if (!Post(new TaskLaunched(run.Key, run.Run, running, null))) await running.DisposeAsync().ConfigureAwait(false);
        }
        catch (Exception e)
        {
            activity?.SetStatus(System.Diagnostics.ActivityStatusCode.Error, e.Message);
            Post(new TaskLaunched(run.Key, run.Run, null, e));
        }
    }

    private TaskRun? Find(AgentTaskKey key, long run) =>
        _tasks.TryGetValue(key, out var task) && task.Run == run ? task : null;

    private void OnTaskLaunched(TaskLaunched m)
    {
        var run = Find(m.Key, m.Run);
        if (run is null)
        {
            if (m.Running is { } orphan) _ = orphan.DisposeAsync().AsTask();
            return;
        }
        if (m.Running is null)
        {
            var reason = m.Error is TaskLaunchException tle ? tle.Reason : TaskReason.ContainerLaunchFailed;
            var state = reason == TaskReason.TaskInvalid ? TaskState.Error : TaskState.Failed;
            Finish(run, state, reason, $"launch failed: {m.Error?.Message}", null);
            return;
        }
        run.Running = m.Running;
        if (m.Running is IReportsExit reports) reports.StartReporting();
        else _ = WatchAsync(run.Key, run.Run, m.Running);
        if (run.Kill != KillCause.None)
        {
            StartKill(run, run.Kill, run.KillGrace);
            return;
        }
        run.State = TaskState.Running;
        // The clock starts before anyone hears the task runs, so its deadline never trails what they saw.
        if (run.Info.MaxCompletionTime is { } max)
        {
            ArmCompletionTimer(run, max);
            if (run.Checkpointed)
                Checkpoint(c => c.SaveTask(new CheckpointedTask(run.FrameworkId, run.Info, run.Run, run.Executor.Name, SandboxOf(run)) { StartedAt = _time.GetUtcNow() }));
        }
        Report(run, TaskState.Running, TaskReason.None, "");
        StartChecks(run);
    }

    private void ArmCompletionTimer(TaskRun run, TimeSpan after) =>
        run.CompletionTimer = _time.CreateTimer(_ => Post(new CompletionTimeReached(run.Key, run.Run)), null, after, Timeout.InfiniteTimeSpan);

    void ITaskAgent.SendToFramework(string frameworkId, string taskId, ReadOnlyMemory<byte> data) => Post(new TaskMessage(frameworkId, taskId, data.ToArray()));

    void ITaskAgent.TaskExited(string frameworkId, string taskId, long run, TaskExit exit) => Post(new TaskExited(new AgentTaskKey(frameworkId, taskId), run, exit));

    private async Task WatchAsync(AgentTaskKey key, long run, IRunningTask running)
    {
        var exit = await running.Completion.ConfigureAwait(false);
        Post(new TaskExited(key, run, exit));
    }

    private void OnTaskExited(TaskExited m)
    {
        var run = Find(m.Key, m.Run);
        if (run is null || run.State.IsTerminal()) return;
        var exit = m.Exit;
        var (state, reason, message) = run.Kill switch
        {
            KillCause.MaxCompletionTime => (TaskState.Failed, TaskReason.MaxCompletionTimeReached,
                $"killed after its max completion time of {run.Info.MaxCompletionTime}"),
            KillCause.AgentShutdown => (TaskState.Killed, TaskReason.AgentRestarted, $"agent {Id} shut down"),
            KillCause.Operator => (TaskState.Killed, TaskReason.KilledByUser, OperatorKilled(exit)),
            KillCause.Unhealthy => (TaskState.Killed, TaskReason.TaskUnhealthy, run.UnhealthyMessage ?? "killed: its health check failed"),
            KillCause.None => (exit.State, exit.Reason, exit.Message),
            _ => (TaskState.Killed, exit.State == TaskState.Killed ? exit.Reason : TaskReason.None,
                exit.State == TaskState.Killed ? exit.Message : $"killed; the task ended with: {exit.Message}"),
        };
        Finish(run, state, reason, message, exit);
    }

    private void Finish(TaskRun run, TaskState state, TaskReason reason, string message, TaskExit? exit)
    {
        run.State = state;
        run.CompletionTimer?.Dispose();
        StopChecks(run);
        run.Output = exit?.Output;
        if (run.Running is { } running) _ = running.DisposeAsync().AsTask();
        run.Running = null;
        if (run.Kill == KillCause.GivenUp)
            Forget(run);
        else
        {
            Report(run, state, reason, message, exit?.ExitCode, exit?.Output);
            TryForget(run.Key);
        }
        CompleteShutdownIfDone();
    }

    private static string OperatorKilled(TaskExit exit) =>
        exit.State == TaskState.Killed ? $"killed by an operator ({exit.Message})" : $"killed by an operator; the task ended with: {exit.Message}";

    private void OnKillTask(KillTask m)
    {
        var key = new AgentTaskKey(m.FrameworkId, m.TaskId);
        if (!_tasks.TryGetValue(key, out var run))
        {
            if (!_updates.HasPending(key))
                Report(m.FrameworkId, m.TaskId, TaskState.Lost, TaskReason.TaskUnknown, $"agent {Id} does not know task {m.TaskId}");
            return;
        }
        if (run.State.IsTerminal()) return;
        StartKill(run, m.ByOperator ? KillCause.Operator : KillCause.Framework, m.GracePeriod);
    }

    private void StartKill(TaskRun run, KillCause cause, TimeSpan? grace)
    {
        // The first cause decides the reported state, except that a gone framework wants no report at all.
        if (run.Kill == KillCause.None || cause == KillCause.GivenUp) run.Kill = cause;
        run.KillGrace = grace;
        StopChecks(run);
        if (run.Running is null) return; // Killed as soon as the launch returns.
        if (run.State != TaskState.Killing && cause != KillCause.GivenUp)
        {
            run.State = TaskState.Killing;
            Report(run, TaskState.Killing, cause == KillCause.Unhealthy ? TaskReason.TaskUnhealthy : TaskReason.None, cause switch
            {
                KillCause.MaxCompletionTime => "max completion time reached",
                KillCause.Operator => "killed by an operator",
                KillCause.Unhealthy => run.UnhealthyMessage ?? "",
                _ => "",
            });
        }
        var period = grace ?? run.Info.KillGracePeriod ?? _options.DefaultKillGracePeriod;
        _ = KillAsync(run.Running, period);
    }

    private async Task KillAsync(IRunningTask running, TimeSpan grace)
    {
        try
        {
            await running.KillAsync(grace, CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception e)
        {
            LogKillFailed(e);
        }
    }

    private void OnCompletionTimeReached(CompletionTimeReached m)
    {
        var run = Find(m.Key, m.Run);
        if (run is { Running: not null } && !run.State.IsTerminal()) StartKill(run, KillCause.MaxCompletionTime, null);
    }

    private void OnShutdownFramework(ShutdownFramework m)
    {
        foreach (var key in _updates.DropFramework(m.FrameworkId)) Checkpoint(c => c.RemoveTask(key.FrameworkId, key.TaskId));
        foreach (var run in _tasks.Values.Where(t => t.FrameworkId == m.FrameworkId).ToList())
        {
            if (run.State.IsTerminal()) Forget(run);
            else StartKill(run, KillCause.GivenUp, null);
        }
    }

    private void OnFrameworkMessage(FrameworkMessage m)
    {
        var key = new AgentTaskKey(m.FrameworkId, m.TaskId);
        if (_tasks.TryGetValue(key, out var run) && run.Running is IMessageReceiver receiver)
            receiver.Receive(m.Data);
        else
            LogMessageDropped(m.TaskId);
    }

    /// <summary>The master asks for a task's output on behalf of a client of another process.</summary>
    private void OnReadTaskOutput(ReadTaskOutput m)
    {
        var read = new ReadOutput(m.FrameworkId, m.TaskId);
        OnReadOutput(read);
        _ = read.Reply.Task.ContinueWith(
            t => ToMaster(new TaskOutputRead(Id, m.RequestId, t.IsCompletedSuccessfully ? t.Result : null)),
            CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
    }

    private void OnReadOutput(ReadOutput m)
    {
        var run = m.FrameworkId is { } frameworkId
            ? _tasks.GetValueOrDefault(new AgentTaskKey(frameworkId, m.TaskId))
            : _tasks.Values.FirstOrDefault(t => t.Info.TaskId == m.TaskId);
        if (run?.Running is { } running)
            _ = ReadAsync(running, m.Reply);
        else if (run is not null)
            m.Reply.TrySetResult(run.Output);
        else
            m.Reply.TrySetResult(_sandboxes.Find(m.TaskId) is { } sandbox ? ReadSandboxOutput(sandbox) : null);
    }

    /// <summary>A forgotten task's output from the files its executor left in the sandbox; null if it left none (delegates keep theirs in memory).</summary>
    private static TaskOutput? ReadSandboxOutput(string sandbox) =>
        File.Exists(Path.Combine(sandbox, Sandbox.StdoutFileName)) || File.Exists(Path.Combine(sandbox, Sandbox.StderrFileName))
            ? new TaskOutput(Sandbox.ReadTail(sandbox, Sandbox.StdoutFileName), Sandbox.ReadTail(sandbox, Sandbox.StderrFileName))
            : null;

    private static async Task ReadAsync(IRunningTask running, TaskCompletionSource<TaskOutput?> reply)
    {
        try
        {
            reply.TrySetResult(await running.ReadOutputAsync(CancellationToken.None).ConfigureAwait(false));
        }
        catch (Exception e)
        {
            reply.TrySetException(e);
        }
    }

    private string SandboxOf(TaskRun run) => run.RecoveredSandbox ?? _layout.Sandbox(run.FrameworkId, run.Info.TaskId, run.Run);

    /// <summary>A running delegate's sandbox, asked for from its own thread: the layout is immutable.</summary>
    string ITaskAgent.SandboxOf(string frameworkId, string taskId, long run) => _layout.Sandbox(frameworkId, taskId, run);

    private static void MakeSandbox(string sandbox)
    {
        try
        {
            Directory.CreateDirectory(sandbox);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
        }
    }
}
