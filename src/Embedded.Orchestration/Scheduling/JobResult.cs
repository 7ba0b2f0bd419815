using Embedded.Orchestration.Model;

namespace Embedded.Orchestration.Scheduling;

/// <summary>How a job ended: the final status of its last attempt, with what it wrote.</summary>
public sealed record JobResult(
    string JobId,
    string TaskId,
    string? AgentId,
    TaskState State,
    TaskReason Reason,
    string Message,
    int? ExitCode,
    string Stdout,
    string Stderr,
    int Attempts)
{
    public bool Succeeded => State == TaskState.Finished;

    /// <summary>Why the job was never placed, when it ended with <see cref="TaskReason.PlacementFailed"/>.</summary>
    public PlacementReport? Placement { get; init; }

    public override string ToString() =>
        $"{JobId}: {State}{(Reason != TaskReason.None ? $" ({Reason})" : "")}{(ExitCode is { } c ? $", exit {c}" : "")} on {AgentId ?? "no agent"} after {Attempts} attempt(s){(Message.Length > 0 ? $": {Message}" : "")}";
}
