namespace Embedded.Orchestration.Agent;

/// <summary>
/// Where an agent keeps what it keeps, as Mesos's agent lays out its work directory; the one type
/// that knows the paths:
/// <code>
/// frameworks/{framework}/tasks/{task}/runs/{run}    a run's sandbox: its stdout, stderr and executor files
/// …/runs/{run}/.embedded-pid                          a process task's "{pid} {start time}"
/// meta/agent-{agent}                                  an agent of this id registered from here
/// meta/owner, meta/lease-id                           the live process that owns the directory, and its owner lease
/// meta/tasks/{framework}/{task}/task.json             a checkpointed task
/// meta/tasks/{framework}/{task}/updates.log           its status updates and acknowledgements
/// </code>
/// The owner lease's watchdog compiles this file in too, so that it reads the same layout.
/// </summary>
internal sealed class WorkDirectoryLayout(string root)
{
    public string Root { get; } = Path.GetFullPath(root);

    /// <summary>Where every sandbox lives, below <c>frameworks/</c>.</summary>
    public string Sandboxes => Path.Combine(Root, "frameworks");

    public string Meta => Path.Combine(Root, "meta");

    /// <summary>Where checkpointed tasks live, below <c>meta/tasks/</c>.</summary>
    public string CheckpointedTasks => Path.Combine(Meta, "tasks");

    public string Sandbox(string frameworkId, string taskId, long run) =>
        Path.Combine(Sandboxes, frameworkId, "tasks", taskId, "runs", run.ToString(System.Globalization.CultureInfo.InvariantCulture));

    public string CheckpointedTask(string frameworkId, string taskId) => Path.Combine(CheckpointedTasks, frameworkId, taskId);

    public string CheckpointedTaskFile(string frameworkId, string taskId) => Path.Combine(CheckpointedTask(frameworkId, taskId), "task.json");

    public string RegisteredMarker(string agentId) => Path.Combine(Meta, "agent-" + agentId);

    public string Owner => Path.Combine(Meta, "owner");

    public string LeaseId => Path.Combine(Meta, "lease-id");

    /// <summary>The file in a process task's sandbox that names its process-group leader.</summary>
    public const string PidFileName = ".embedded-pid";

    /// <summary>The framework and task of a path at or below a sandbox of this layout, or null.</summary>
    public (string FrameworkId, string TaskId)? TaskOf(string path)
    {
        var parts = Path.GetRelativePath(Sandboxes, path).Split(Path.DirectorySeparatorChar);
        return parts.Length >= 5 && parts[1] == "tasks" && parts[3] == "runs" && parts[0] != ".." ? (parts[0], parts[2]) : null;
    }

    /// <summary>The task id of a sandbox path made by <see cref="Sandbox"/>.</summary>
    public static string TaskIdOfSandbox(string sandbox) => Path.GetFileName(Path.GetDirectoryName(Path.GetDirectoryName(sandbox))) ?? "";

    /// <summary>Every run directory that exists now.</summary>
    public IEnumerable<string> ExistingSandboxes() =>
        Subdirectories(Sandboxes)
            .SelectMany(framework => Subdirectories(Path.Combine(framework, "tasks")))
            .SelectMany(task => Subdirectories(Path.Combine(task, "runs")));

    private static IEnumerable<string> Subdirectories(string directory) =>
        Directory.Exists(directory) ? Directory.EnumerateDirectories(directory) : [];
}
