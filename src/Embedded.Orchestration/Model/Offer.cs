using System.Collections.Immutable;

namespace Embedded.Orchestration.Model;

/// <summary>Resources of one agent offered to one framework until accepted, declined or rescinded.</summary>
public sealed record Offer(
    string OfferId,
    string FrameworkId,
    string AgentId,
    string Hostname,
    Resources Resources,
    ImmutableDictionary<string, string> Attributes)
{
    /// <summary>The kinds of task the agent has executors for; a task of another kind would end ERROR there.</summary>
    public ImmutableArray<TaskKind> TaskKinds { get; init; } = [];
}
