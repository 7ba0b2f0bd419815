namespace Embedded.Orchestration.Model;

/// <summary>
/// A task's state at one moment. Updates from agents carry <see cref="Uuid"/> and must be
/// acknowledged; ones the master makes up (reconciliation, validation) carry none.
/// </summary>
public sealed record StatusUpdate(
    string TaskId,
    TaskState State,
    TaskReason Reason,
    StatusSource Source,
    string Message,
    DateTimeOffset Timestamp)
{
    public string? AgentId { get; init; }
    public Guid? Uuid { get; init; }
    public int? ExitCode { get; init; }

    /// <summary>The tail of the task's output, on terminal statuses from executors that capture it.</summary>
    public TaskOutput? Output { get; init; }

    /// <summary>What the task's <see cref="TaskInfo.HealthCheck"/> says, on updates of a checked task once it has said anything; null otherwise.</summary>
    public bool? Healthy { get; init; }

    /// <summary>What the task's <see cref="TaskInfo.ReadinessCheck"/> says; null for a task without one, or before its first result.</summary>
    public bool? Ready { get; init; }

    public bool IsTerminal => State.IsTerminal();

    public override string ToString() =>
        $"{TaskId} {State}{(Reason != TaskReason.None ? $" ({Reason})" : "")}{(ExitCode is { } c ? $" exit {c}" : "")}{(Message.Length > 0 ? $": {Message}" : "")}";
}

/// <summary>What a task wrote: the tails of its stdout and stderr.</summary>
public sealed record TaskOutput(string Stdout, string Stderr);
