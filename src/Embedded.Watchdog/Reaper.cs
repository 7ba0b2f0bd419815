using Embedded.Orchestration.Agent;
using System.Globalization;

namespace Embedded.Watchdog;

/// <summary>
/// Removes what an agent started from a work directory, found the way the agent itself lays it out
/// (see AgentCheckpoint and ProcessExecutor in Embedded.Orchestration):
/// <code>
/// frameworks/{fw}/tasks/{task}/runs/{n}/.embedded-pid   "{pid} {start time}" of the task's process-group leader
/// meta/tasks/{fw}/{task}/task.json                      present while a task of a checkpointing framework is live
/// meta/owner                                            "{pid} {start time}" of the process whose agent holds the directory
/// </code>
/// and containers by the <c>embedded.lease</c> label that the agent puts on each of them.
/// </summary>
internal sealed class Reaper(OwnerIdentity owner, ProcessTable processes, Journal journal) : IReaper
{
    public const string LeaseLabel = "embedded.lease";
    public const string FrameworkLabel = "embedded.framework";
    public const string TaskLabel = "embedded.task";

    public async Task<bool> SweepAsync(WatchedDirectory directory, bool checkpointedToo, CancellationToken cancellationToken)
    {
        var left = SweepProcesses(directory, checkpointedToo);
        foreach (var endpoint in directory.Engines)
        {
            try
            {
                left |= await SweepContainersAsync(directory, endpoint, checkpointedToo, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (e is HttpRequestException or IOException or TaskCanceledException or System.Text.Json.JsonException)
            {
                journal.Write($"{directory.Path}: the engine at {endpoint} did not answer: {e.Message}");
            }
        }
        return left;
    }

    public bool IsTakenOver(WatchedDirectory directory)
    {
        try
        {
            var file = new WorkDirectoryLayout(directory.Path).Owner;
            return File.Exists(file)
                && OwnerIdentity.TryParse(File.ReadAllText(file), out var holder)
                && holder != owner
                && processes.IsAlive(holder);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    public void RemoveDirectory(WatchedDirectory directory)
    {
        // A task killed a moment ago may still be writing its last output; a retry gets what it left.
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                if (Directory.Exists(directory.Path)) Directory.Delete(directory.Path, recursive: true);
                journal.Write($"{directory.Path}: removed");
                return;
            }
            catch (IOException) when (attempt < 5)
            {
                Thread.Sleep(100 * attempt);
            }
        }
    }

    private bool IsCheckpointed(WatchedDirectory directory, string? framework, string? task) =>
        framework is { Length: > 0 } && task is { Length: > 0 }
        && IsSafeSegment(framework) && IsSafeSegment(task)
        && File.Exists(new WorkDirectoryLayout(directory.Path).CheckpointedTaskFile(framework, task));

    private static bool IsSafeSegment(string name) => name is not ("." or "..") && name.IndexOfAny(['/', '\\']) < 0;

    private bool SweepProcesses(WatchedDirectory directory, bool checkpointedToo)
    {
        var left = false;
        var layout = new WorkDirectoryLayout(directory.Path);
        if (Directory.Exists(layout.Sandboxes))
        {
            foreach (var pidFile in Directory.EnumerateFiles(layout.Sandboxes, WorkDirectoryLayout.PidFileName, SearchOption.AllDirectories))
            {
                if (layout.TaskOf(pidFile) is not var (framework, task)) continue;
                if (!TryReadPidFile(pidFile, out var leader) || !processes.IsAlive(leader)) continue;
                if (!checkpointedToo && IsCheckpointed(directory, framework, task))
                {
                    left = true;
                    continue;
                }
                processes.Kill(leader.Pid);
                journal.Write($"{directory.Path}: killed task {task} of {framework} (process group {leader.Pid})");
            }
        }

        // What no pid file names: a task that left its group, or one whose pid file a crash kept from being written.
        foreach (var (pid, framework, task) in processes.TasksUnder(directory.Path))
        {
            if (!checkpointedToo && IsCheckpointed(directory, framework, task))
            {
                left = true;
                continue;
            }
            processes.Kill(pid);
            journal.Write($"{directory.Path}: killed process {pid} of task {task} of {framework}");
        }
        return left;
    }

    private async Task<bool> SweepContainersAsync(WatchedDirectory directory, Uri endpoint, bool checkpointedToo, CancellationToken cancellationToken)
    {
        using var engine = new EngineClient(endpoint);
        var left = false;
        var removals = new List<Task>();
        foreach (var container in await engine.ListAsync(LeaseLabel, directory.LeaseId, cancellationToken).ConfigureAwait(false))
        {
            var framework = container.Labels.GetValueOrDefault(FrameworkLabel);
            var task = container.Labels.GetValueOrDefault(TaskLabel);
            if (!checkpointedToo && IsCheckpointed(directory, framework, task))
            {
                left = true;
                continue;
            }
            removals.Add(RemoveAsync(container, framework, task));
        }
        // In parallel: a forced removal waits for the engine to kill the container, and each one waits alone.
        await Task.WhenAll(removals).ConfigureAwait(false);
        return left;

        async Task RemoveAsync(EngineContainer container, string? framework, string? task)
        {
            await engine.RemoveAsync(container.Id, cancellationToken).ConfigureAwait(false);
            journal.Write($"{directory.Path}: removed container {container.Id[..Math.Min(12, container.Id.Length)]} of task {task} of {framework}");
        }
    }

    private static bool TryReadPidFile(string file, out OwnerIdentity process)
    {
        process = default;
        try
        {
            var parts = File.ReadAllText(file).Trim().Split(' ');
            if (parts.Length != 2
                || !int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var pid) || pid <= 1
                || !long.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var start) || start == 0) return false;
            process = new OwnerIdentity(pid, start);
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }
}
