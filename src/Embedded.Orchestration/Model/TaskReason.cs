namespace Embedded.Orchestration.Model;

/// <summary>Why a status was sent; the subset of Mesos's reasons that Embedded produces.</summary>
[System.Text.Json.Serialization.JsonConverter(typeof(System.Text.Json.Serialization.JsonStringEnumConverter<TaskReason>))]
public enum TaskReason
{
    None,
    CommandExecutorFailed,
    ContainerLaunchFailed,
    ContainerLimitation,
    ContainerLimitationMemory,
    ExecutorTerminated,
    InvalidOffers,
    AgentRemoved,
    AgentUnknown,
    AgentReregistered,
    AgentRestarted,
    AgentDisconnected,
    FrameworkRemoved,
    MaxCompletionTimeReached,
    Reconciliation,
    ResourcesUnknown,
    TaskInvalid,
    TaskKilledDuringLaunch,
    TaskUnknown,
    TaskUnauthorized,
    ImagePullFailed,
    KilledByUser,

    /// <summary>An update that only says the task's health (or readiness) changed (Mesos: REASON_TASK_HEALTH_CHECK_STATUS_UPDATED).</summary>
    TaskHealthCheckStatusUpdated,

    /// <summary>The agent killed the task because its health check kept failing (Mesos sends TASK_KILLED with healthy false and no reason).</summary>
    TaskUnhealthy,

    /// <summary>
    /// Embedded's own, for job results only (never a task status): no registered agent could ever
    /// run the job (executor, os, constraints or total resources rule every one out).
    /// </summary>
    PlacementFailed,
}
