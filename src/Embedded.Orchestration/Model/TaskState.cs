namespace Embedded.Orchestration.Model;

/// <summary>Task states as in Mesos.</summary>
[System.Text.Json.Serialization.JsonConverter(typeof(System.Text.Json.Serialization.JsonStringEnumConverter<TaskState>))]
public enum TaskState
{
    Staging,
    Starting,
    Running,
    Killing,
    Finished,
    Failed,
    Killed,
    Error,
    Lost,
    Dropped,
    Unreachable,
    Gone,
    GoneByOperator,
    Unknown,
}

public static class TaskStateExtensions
{
    /// <summary>States after which a task never runs again (Mesos's protobuf::isTerminalState).</summary>
    public static bool IsTerminal(this TaskState state) => state is
        TaskState.Finished or TaskState.Failed or TaskState.Killed or TaskState.Error
        or TaskState.Lost or TaskState.Dropped or TaskState.Gone or TaskState.GoneByOperator;
}
