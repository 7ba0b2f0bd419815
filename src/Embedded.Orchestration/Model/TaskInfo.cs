using System.Collections.Immutable;

namespace Embedded.Orchestration.Model;

/// <summary>What a framework asks an agent to run: exactly one of a command, a container or a registered in-process delegate.</summary>
public sealed record TaskInfo(string TaskId, string Name, string AgentId, Resources Resources)
{
    public CommandSpec? Command { get; init; }

    public ContainerSpec? Container { get; init; }

    /// <summary>The name of a delegate registered with <see cref="Execution.DelegateRegistry"/>.</summary>
    public string? Delegate { get; init; }

    public ImmutableDictionary<string, string> Labels { get; init; } = ImmutableDictionary<string, string>.Empty;

    /// <summary>The agent kills the task and reports it FAILED with MaxCompletionTimeReached after this long.</summary>
    public TimeSpan? MaxCompletionTime { get; init; }

    /// <summary>How long a kill waits between SIGTERM and SIGKILL unless the kill call names its own.</summary>
    public TimeSpan? KillGracePeriod { get; init; }

    /// <summary>Liveness: the agent checks the task, reports <see cref="StatusUpdate.Healthy"/>, and kills it when the check keeps failing.</summary>
    public HealthCheck? HealthCheck { get; init; }

    /// <summary>Readiness: the agent checks whether the task takes traffic and reports <see cref="StatusUpdate.Ready"/>; it never kills.</summary>
    public HealthCheck? ReadinessCheck { get; init; }

    /// <summary>Which executor the task needs; null for a task with no body (which the master refuses).</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public TaskKind? Kind => Container is not null ? TaskKind.Container : Delegate is not null ? TaskKind.Delegate : Command is not null ? TaskKind.Command : null;
}
