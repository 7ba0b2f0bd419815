using System.Collections.Immutable;
using Embedded.Orchestration.Master;
using Embedded.Orchestration.Model;

namespace Embedded.Orchestration.Scheduling;

/// <summary>
/// What a job needs of an agent (an executor, an os, attributes, resources), and the one check of
/// an agent against it that both placing on an offer and explaining a wait use.
/// </summary>
internal sealed record PlacementNeeds(TaskKind Kind, string? Os, ImmutableArray<Constraint> Constraints, Resources Resources, int Ports)
{
    public static PlacementNeeds Of(Job job) => Of(job.Template, job.Constraints);

    public static PlacementNeeds Of(TaskTemplate task, ImmutableArray<Constraint> constraints) => new(
        task.Container is not null ? TaskKind.Container : task.Command is not null ? TaskKind.Command : TaskKind.Delegate,
        task.Container?.Os,
        constraints,
        task.Resources,
        task.PortCount);

    /// <summary>Whether the agent's executors, os and attributes allow the job, whatever it has free; null when they do.</summary>
    public (PlacementCause Cause, string Detail)? RuleOutByFacts(ImmutableArray<TaskKind> kinds, ImmutableDictionary<string, string> attributes)
    {
        if (!kinds.Contains(Kind)) return (PlacementCause.NoExecutor, Kind.ToString().ToLowerInvariant());
        if (Os is { } os && attributes.GetValueOrDefault("os") != os) return (PlacementCause.Os, os);
        foreach (var constraint in Constraints)
            if (constraint is not UniquePerAgent && !constraint.Allows("", attributes, static (_, _) => false)) return (PlacementCause.Constraint, constraint.Describe());
        return null;
    }

    /// <summary>The first cause that rules <paramref name="agent"/> out now, or null when it could run the job now.</summary>
    public (PlacementCause Cause, string Detail)? RuleOut(AgentSnapshot agent, Func<string, string, bool> groupRunsOn)
    {
        if (RuleOutFacts(agent) is { } facts) return facts;
        if (!agent.Reachable) return (PlacementCause.Unreachable, "");
        foreach (var constraint in Constraints)
            if (constraint is UniquePerAgent unique && !unique.Allows(agent.AgentId, agent.Attributes, groupRunsOn)) return (PlacementCause.OnePerAgent, unique.Group);
        if (Lacking(agent.Total, agent.Used) is { } exhausted) return (PlacementCause.Exhausted, exhausted);
        return null;
    }

    /// <summary>Whether <paramref name="agent"/> could ever run the job: its executors, os, attributes and total resources.</summary>
    public bool CouldEverRunOn(AgentSnapshot agent) => RuleOutFacts(agent) is null;

    private (PlacementCause, string)? RuleOutFacts(AgentSnapshot agent)
    {
        if (RuleOutByFacts(agent.TaskKinds, agent.Attributes) is { } ruled) return ruled;
        if (Lacking(agent.Total, Resources.Empty) is { } small) return (PlacementCause.TooSmall, small);
        return null;
    }

    /// <summary>The dimensions of which <paramref name="total"/> less <paramref name="used"/> holds less than the job asks, or null.</summary>
    private string? Lacking(Resources total, Resources used)
    {
        List<string>? lacking = null;
        foreach (var (name, need) in Resources.Scalars)
            if (total.Scalar(name) - used.Scalar(name) < need) (lacking ??= []).Add(name);
        if (Ports > 0 && total.Ports.Subtract(used.Ports).Count < (ulong)Ports) (lacking ??= []).Add(Resources.PortsName);
        return lacking is null ? null : string.Join(", ", lacking);
    }

    // Jobs of one shape share one explanation; constraints compare by value, not by array.
    public bool Equals(PlacementNeeds? other) =>
        other is not null && Kind == other.Kind && Os == other.Os && Ports == other.Ports && Resources.Equals(other.Resources)
        && Constraints.SequenceEqual(other.Constraints);

    public override int GetHashCode() => HashCode.Combine(Kind, Os, Ports, Resources, Constraints.Length);

    /// <summary>Explains, agent by agent, why the job does not run now.</summary>
    public PlacementReport Report(ImmutableArray<AgentSnapshot> agents, Func<string, string, bool> groupRunsOn, DateTimeOffset now)
    {
        var counts = new Dictionary<(PlacementCause, string), int>();
        foreach (var agent in agents)
            if (RuleOut(agent, groupRunsOn) is { } ruled) counts[ruled] = counts.GetValueOrDefault(ruled) + 1;
        return new PlacementReport(now, agents.Length,
            [.. counts.OrderBy(c => c.Key.Item1).ThenByDescending(c => c.Value).Select(c => new PlacementExclusion(c.Key.Item1, c.Key.Item2, c.Value))]);
    }
}
