using System.Collections.Immutable;

namespace Embedded.Orchestration.Scheduling;

/// <summary>
/// Why a job is not running yet, as Nomad reports placement failures: of the registered agents,
/// how many each cause rules out. Each agent counts once, under the first cause that rules it out.
/// </summary>
public sealed record PlacementReport(DateTimeOffset At, int AgentsEvaluated, ImmutableArray<PlacementExclusion> Exclusions)
{
    /// <summary>Agents that could run the job now; it waits for an offer of theirs.</summary>
    public int AgentsThatFitNow => AgentsEvaluated - Exclusions.Sum(e => e.Agents);

    /// <summary>Whether some registered agent could run the job once what it lacks now is free (or it is reachable again).</summary>
    public bool CanEverFit => Exclusions.Where(e => e.IsPermanent).Sum(e => e.Agents) < AgentsEvaluated;

    /// <summary>One line for a person, such as "3 agents evaluated: no container executor on 2, cpus exhausted on 1".</summary>
    public string Message
    {
        get
        {
            if (AgentsEvaluated == 0) return "no agent is registered";
            var text = $"{AgentsEvaluated} agent{(AgentsEvaluated == 1 ? "" : "s")} evaluated";
            if (!Exclusions.IsEmpty) text += ": " + string.Join(", ", Exclusions.Select(e => $"{e.Describe()} on {e.Agents}"));
            var fit = AgentsThatFitNow;
            if (fit > 0) text += $"; {fit} could run it now (waiting for an offer)";
            else if (!CanEverFit) text += "; none could ever run it";
            return text;
        }
    }

    public override string ToString() => Message;
}

/// <summary>How many agents one cause rules out; <see cref="Detail"/> says which kind, os, constraint or dimension.</summary>
public sealed record PlacementExclusion(PlacementCause Cause, string Detail, int Agents)
{
    /// <summary>Causes that no amount of waiting for free resources removes.</summary>
    public bool IsPermanent => Cause is PlacementCause.NoExecutor or PlacementCause.Os or PlacementCause.Constraint or PlacementCause.TooSmall;

    internal string Describe() => Cause switch
    {
        PlacementCause.NoExecutor => $"no {Detail} executor",
        PlacementCause.Os => $"os is not {Detail}",
        PlacementCause.Constraint => $"constraint {Detail} not met",
        PlacementCause.TooSmall => $"too small ever ({Detail})",
        PlacementCause.Unreachable => "unreachable",
        PlacementCause.OnePerAgent => $"already runs a job of group {Detail}",
        PlacementCause.Exhausted => $"{Detail} exhausted",
        _ => Detail,
    };
}

/// <summary>What rules an agent out for a job, in the order the job scheduler checks them.</summary>
public enum PlacementCause
{
    /// <summary>The agent has no executor for the job's kind of task (command, container, delegate).</summary>
    NoExecutor,

    /// <summary>The container needs another <c>os</c> than the agent's.</summary>
    Os,

    /// <summary>An attribute constraint of the job does not hold on the agent.</summary>
    Constraint,

    /// <summary>The agent's total resources are less than the job asks for: it could never run there.</summary>
    TooSmall,

    /// <summary>The master has lost sight of the agent; it may come back.</summary>
    Unreachable,

    /// <summary>The agent runs a job of the job's <see cref="Constraint.OnePerAgent"/> group already.</summary>
    OnePerAgent,

    /// <summary>The agent is big enough, but what it has free now is not.</summary>
    Exhausted,
}

/// <summary>A job the job scheduler holds until an agent can run it, with why it waits.</summary>
public sealed record PendingJob(string JobId, string Name, DateTimeOffset Since, PlacementReport? Placement);
