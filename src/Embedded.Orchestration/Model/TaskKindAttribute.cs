using System.Collections.Immutable;

namespace Embedded.Orchestration.Model;

/// <summary>
/// An agent's task kinds as a Mesos TEXT attribute (<c>embedded_task_kinds: command,container</c>) in the served JSON.
/// Mesos's AgentInfo has no field for them, and an unknown field would break strict protobuf-JSON parsers; an attribute
/// is legal to every Mesos client (and usable in its constraints). The Embedded client takes it back out of the attributes.
/// </summary>
internal static class TaskKindAttribute
{
    public const string Name = "embedded_task_kinds";

    public static string Format(ImmutableArray<TaskKind> kinds) =>
        string.Join(',', kinds.Distinct().Order().Select(k => k.ToString().ToLowerInvariant()));

    /// <summary>
    /// The attributes without ours, and the kinds it names among <paramref name="usable"/> (those a client can place
    /// there); <paramref name="usable"/> itself when the master does not say (a Mesos master).
    /// </summary>
    public static (ImmutableDictionary<string, string> Attributes, ImmutableArray<TaskKind> Kinds) Split(ImmutableDictionary<string, string> attributes, ImmutableArray<TaskKind> usable)
    {
        if (!attributes.TryGetValue(Name, out var value)) return (attributes, usable);
        var said = value.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)
            .Select(k => Enum.TryParse<TaskKind>(k, ignoreCase: true, out var kind) ? kind : (TaskKind?)null)
            .OfType<TaskKind>()
            .ToHashSet();
        return (attributes.Remove(Name), [.. usable.Where(said.Contains)]);
    }
}
