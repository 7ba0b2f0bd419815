namespace Embedded.Orchestration.Scheduling;

/// <summary>How an operator's kill of a task (<see cref="IClusterClient.KillTaskAsync"/>) was answered.</summary>
public enum TaskKillOutcome
{
    /// <summary>The task's agent was told to kill it; its framework gets TASK_KILLED once it has ended.</summary>
    Killing,

    /// <summary>No active task has that id (in that framework, when one was named): nothing changed.</summary>
    NotFound,

    /// <summary>Active tasks of several frameworks have that id and none was named: nothing changed.</summary>
    Ambiguous,

    /// <summary>The task's agent is not reachable now, so it cannot be told: nothing changed; try again once it is back.</summary>
    AgentUnreachable,
}

/// <summary>The answer to an operator's kill: what happened, and a message that says it (which frameworks, for <see cref="TaskKillOutcome.Ambiguous"/>).</summary>
public sealed record TaskKillResult(TaskKillOutcome Outcome, string Message);
