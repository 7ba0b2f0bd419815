namespace Embedded.Orchestration.Agent;

/// <summary>
/// Where an agent keeps what it keeps, as Mesos's agent lays out its work directory; the one type
/// that knows the paths:
/// <code>
/// frameworks/{framework}/tasks/{task}/runs/{run}    a run's sandbox: its stdout, stderr and executor files
/// meta/agent-{agent}                                  an agent of this id registered from here
/// meta/tasks/{framework}/{task}/task.json             a checkpointed task
/// meta/tasks/{framework}/{task}/updates.log           its status updates and acknowledgements
/// </code>
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

    public string RegisteredMarker(string agentId) => Path.Combine(Meta, "agent-" + agentId);

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
