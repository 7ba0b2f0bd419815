using Embedded.Orchestration.Model;

namespace Embedded.Server.Mesos;

/// <summary>
/// Our enums by the names mesos.proto (v1) gives them. Only names Mesos defines are sent: older
/// clients drop a stream on an enum name they do not know.
/// </summary>
internal static class MesosNames
{
    public static string State(TaskState state) => state switch
    {
        TaskState.Staging => "TASK_STAGING",
        TaskState.Starting => "TASK_STARTING",
        TaskState.Running => "TASK_RUNNING",
        TaskState.Killing => "TASK_KILLING",
        TaskState.Finished => "TASK_FINISHED",
        TaskState.Failed => "TASK_FAILED",
        TaskState.Killed => "TASK_KILLED",
        TaskState.Error => "TASK_ERROR",
        TaskState.Lost => "TASK_LOST",
        TaskState.Dropped => "TASK_DROPPED",
        TaskState.Unreachable => "TASK_UNREACHABLE",
        TaskState.Gone => "TASK_GONE",
        TaskState.GoneByOperator => "TASK_GONE_BY_OPERATOR",
        _ => "TASK_UNKNOWN",
    };

    public static string Source(StatusSource source) => source switch
    {
        StatusSource.Master => "SOURCE_MASTER",
        StatusSource.Agent => "SOURCE_AGENT",
        _ => "SOURCE_EXECUTOR",
    };

    /// <summary>
    /// Mesos's REASON_* name, or null to omit the field. Mesos defines no reason for a kill the
    /// framework asked for (KilledByUser), for a kill of an unhealthy task (TaskUnhealthy: Mesos's
    /// executors send TASK_KILLED with healthy false and no reason), for "no reason" (None), nor for PlacementFailed, which
    /// is a job result and never a task status; an image that cannot be pulled is a container that
    /// failed to launch, as Mesos's containerizers report it.
    /// </summary>
    public static string? Reason(TaskReason reason) => reason switch
    {
        TaskReason.CommandExecutorFailed => "REASON_COMMAND_EXECUTOR_FAILED",
        TaskReason.ContainerLaunchFailed => "REASON_CONTAINER_LAUNCH_FAILED",
        TaskReason.ImagePullFailed => "REASON_CONTAINER_LAUNCH_FAILED",
        TaskReason.ContainerLimitation => "REASON_CONTAINER_LIMITATION",
        TaskReason.ContainerLimitationMemory => "REASON_CONTAINER_LIMITATION_MEMORY",
        TaskReason.ExecutorTerminated => "REASON_EXECUTOR_TERMINATED",
        TaskReason.InvalidOffers => "REASON_INVALID_OFFERS",
        TaskReason.AgentRemoved => "REASON_AGENT_REMOVED",
        TaskReason.AgentUnknown => "REASON_AGENT_UNKNOWN",
        TaskReason.AgentReregistered => "REASON_AGENT_REREGISTERED",
        TaskReason.AgentRestarted => "REASON_AGENT_RESTARTED",
        TaskReason.AgentDisconnected => "REASON_AGENT_DISCONNECTED",
        TaskReason.FrameworkRemoved => "REASON_FRAMEWORK_REMOVED",
        TaskReason.MaxCompletionTimeReached => "REASON_MAX_COMPLETION_TIME_REACHED",
        TaskReason.Reconciliation => "REASON_RECONCILIATION",
        TaskReason.ResourcesUnknown => "REASON_RESOURCES_UNKNOWN",
        TaskReason.TaskInvalid => "REASON_TASK_INVALID",
        TaskReason.TaskKilledDuringLaunch => "REASON_TASK_KILLED_DURING_LAUNCH",
        TaskReason.TaskUnknown => "REASON_TASK_UNKNOWN",
        TaskReason.TaskUnauthorized => "REASON_TASK_UNAUTHORIZED",
        TaskReason.TaskHealthCheckStatusUpdated => "REASON_TASK_HEALTH_CHECK_STATUS_UPDATED",
        _ => null,
    };
}
