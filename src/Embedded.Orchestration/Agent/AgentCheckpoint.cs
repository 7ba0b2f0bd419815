using System.Text;
using System.Text.Json;
using Embedded.Orchestration.Model;

namespace Embedded.Orchestration.Agent;

/// <summary>
/// What an agent writes to its work directory so that a restarted agent can recover its tasks and
/// their unacknowledged status updates, as Mesos's agent checkpoints under <c>meta/</c>:
/// <code>
/// meta/tasks/{framework}/{task}/task.json     the task, its run and how to find it again (pid, container id)
/// meta/tasks/{framework}/{task}/updates.log   every status update ("U {json}") and acknowledgement ("A {uuid}")
/// </code>
/// Each write is flushed to disk before the agent acts on it, so nothing acknowledged is lost or sent twice after a crash.
/// The files are small and written on the agent's loop; that blocking I/O is the price of durability.
/// </summary>
internal sealed class AgentCheckpoint(string workDirectory)
{
    private readonly WorkDirectoryLayout _layout = new(workDirectory);
    private string TasksRoot => _layout.CheckpointedTasks;

    /// <summary>Remembers that an agent of this id registered from this work directory, so that a restart registers again as it.</summary>
    public void MarkRegistered(string agentId)
    {
        var file = MarkerFile(agentId);
        if (File.Exists(file)) return;
        Directory.CreateDirectory(Path.GetDirectoryName(file)!);
        // Not flushed: if a crash loses it, recovered tasks still mark the agent as restarted.
        File.WriteAllText(file, agentId);
    }

    public bool WasRegistered(string agentId) => File.Exists(MarkerFile(agentId));

    private string MarkerFile(string agentId) => _layout.RegisteredMarker(agentId);

    public void SaveTask(CheckpointedTask task)
    {
        var dir = TaskDirectory(task.FrameworkId, task.Task.TaskId);
        Directory.CreateDirectory(dir);
        // Registry passwords stay in memory: recovery reattaches to what was pulled and never pulls again.
        if (task.Task.Container is { Credentials: not null } container)
            task = task with { Task = task.Task with { Container = container with { Credentials = null } } };
        var json = JsonSerializer.SerializeToUtf8Bytes(task, CheckpointJsonContext.Default.CheckpointedTask);
        WriteAtomically(_layout.CheckpointedTaskFile(task.FrameworkId, task.Task.TaskId), json);
    }

    public void AppendUpdate(string frameworkId, string taskId, StatusUpdate update) =>
        Append(frameworkId, taskId, "U " + JsonSerializer.Serialize(update, ProtocolJsonContext.Default.StatusUpdate));

    public void AppendAcknowledgement(string frameworkId, string taskId, Guid uuid) =>
        Append(frameworkId, taskId, "A " + uuid.ToString("N"));

    /// <summary>Forgets a task whose last update was acknowledged.</summary>
    public void RemoveTask(string frameworkId, string taskId)
    {
        var dir = TaskDirectory(frameworkId, taskId);
        if (Directory.Exists(dir)) Directory.Delete(dir, recursive: true);
        var frameworkDir = Path.GetDirectoryName(dir)!;
        if (Directory.Exists(frameworkDir) && !Directory.EnumerateFileSystemEntries(frameworkDir).Any()) Directory.Delete(frameworkDir);
    }

    /// <summary>Reads back every checkpointed task with the updates not yet acknowledged, in order.</summary>
    public IReadOnlyList<RecoveredTask> Recover()
    {
        var result = new List<RecoveredTask>();
        if (!Directory.Exists(TasksRoot)) return result;
        foreach (var frameworkDir in Directory.EnumerateDirectories(TasksRoot))
            foreach (var taskDir in Directory.EnumerateDirectories(frameworkDir))
            {
                var file = Path.Combine(taskDir, "task.json");
                if (!File.Exists(file)) continue; // Crashed before the task was checkpointed: it never launched.
                var task = JsonSerializer.Deserialize(File.ReadAllBytes(file), CheckpointJsonContext.Default.CheckpointedTask)
                    ?? throw new InvalidDataException($"{file} is empty");
                var (pending, latest) = ReadUpdates(Path.Combine(taskDir, "updates.log"));
                result.Add(new RecoveredTask(task, pending, latest));
            }
        return result;
    }

    private static (List<StatusUpdate> Pending, StatusUpdate? Latest) ReadUpdates(string path)
    {
        var pending = new List<StatusUpdate>();
        StatusUpdate? latest = null;
        if (!File.Exists(path)) return (pending, latest);
        foreach (var line in File.ReadLines(path))
        {
            // A line torn by a crash mid-write is the last one; it was never acted on, so it is dropped.
            if (line.StartsWith("U ", StringComparison.Ordinal))
            {
                StatusUpdate? update;
                try
                {
                    update = JsonSerializer.Deserialize(line.AsSpan(2), ProtocolJsonContext.Default.StatusUpdate);
                }
                catch (JsonException)
                {
                    continue;
                }
                if (update is null) continue;
                pending.Add(update);
                latest = update;
            }
            else if (line.StartsWith("A ", StringComparison.Ordinal) && Guid.TryParse(line.AsSpan(2), out var uuid))
            {
                var index = pending.FindIndex(u => u.Uuid == uuid);
                if (index >= 0) pending.RemoveAt(index);
            }
        }
        return (pending, latest);
    }

    private void Append(string frameworkId, string taskId, string line)
    {
        var dir = TaskDirectory(frameworkId, taskId);
        Directory.CreateDirectory(dir);
        using var stream = new FileStream(Path.Combine(dir, "updates.log"), FileMode.Append, FileAccess.Write, FileShare.Read);
        stream.Write(Encoding.UTF8.GetBytes(line + "\n"));
        stream.Flush(flushToDisk: true);
    }

    private static void WriteAtomically(string path, byte[] content)
    {
        var temp = path + ".tmp";
        using (var stream = new FileStream(temp, FileMode.Create, FileAccess.Write, FileShare.None))
        {
            stream.Write(content);
            stream.Flush(flushToDisk: true);
        }
        File.Move(temp, path, overwrite: true);
    }

    private string TaskDirectory(string frameworkId, string taskId) => _layout.CheckpointedTask(frameworkId, taskId);
}

/// <summary>A task as checkpointed: enough to find it again and to tell its framework about it.</summary>
internal sealed record CheckpointedTask(string FrameworkId, TaskInfo Task, long Run, string Executor, string Sandbox)
{
    /// <summary>When the task started running, so a recovered task keeps the rest of its max completion time, not all of it.</summary>
    public DateTimeOffset? StartedAt { get; init; }
}

/// <summary>A checkpointed task read back after a restart.</summary>
internal sealed record RecoveredTask(CheckpointedTask Checkpoint, IReadOnlyList<StatusUpdate> PendingUpdates, StatusUpdate? LatestUpdate);

[System.Text.Json.Serialization.JsonSourceGenerationOptions(JsonSerializerDefaults.Web, UseStringEnumConverter = true)]
[System.Text.Json.Serialization.JsonSerializable(typeof(CheckpointedTask))]
internal sealed partial class CheckpointJsonContext : System.Text.Json.Serialization.JsonSerializerContext;
