using System.Collections.Immutable;

namespace Embedded.Orchestration.Scheduling;

/// <summary>Where a job may run, judged against an agent's attributes and what already runs there.</summary>
[System.Text.Json.Serialization.JsonPolymorphic(TypeDiscriminatorPropertyName = "kind")]
[System.Text.Json.Serialization.JsonDerivedType(typeof(AttributeEquals), "equals")]
[System.Text.Json.Serialization.JsonDerivedType(typeof(AttributeNotEquals), "not-equals")]
[System.Text.Json.Serialization.JsonDerivedType(typeof(UniquePerAgent), "one-per-agent")]
[System.Text.Json.Serialization.JsonDerivedType(typeof(SpreadOver), "spread")]
public abstract record Constraint
{
    /// <summary>The agent's attribute <paramref name="name"/> must be <paramref name="value"/>.</summary>
    public static Constraint Equal(string name, string value) => new AttributeEquals(name, value);

    /// <summary>The agent's attribute <paramref name="name"/> must not be <paramref name="value"/> (a missing attribute passes).</summary>
    public static Constraint NotEqual(string name, string value) => new AttributeNotEquals(name, value);

    /// <summary>At most one running job of <paramref name="group"/> per agent.</summary>
    public static Constraint OnePerAgent(string group) => new UniquePerAgent(group);

    /// <summary>
    /// A service's instances spread evenly over the values of the agents' attribute <paramref name="attribute"/>
    /// (Marathon's GROUP_BY, Nomad's spread): an instance goes where its value has the fewest instances.
    /// Agents without the attribute count as one more value. For services only; a job with it is refused.
    /// </summary>
    public static Constraint Spread(string attribute) => new SpreadOver(attribute);

    internal abstract bool Allows(string agentId, ImmutableDictionary<string, string> attributes, Func<string, string, bool> groupRunsOn);

    /// <summary>The constraint as a person writes it, such as <c>rack=r1</c>.</summary>
    internal abstract string Describe();
}

public sealed record AttributeEquals(string Name, string Value) : Constraint
{
    internal override bool Allows(string agentId, ImmutableDictionary<string, string> attributes, Func<string, string, bool> groupRunsOn) =>
        attributes.TryGetValue(Name, out var v) && v == Value;

    internal override string Describe() => $"{Name}={Value}";
}

public sealed record AttributeNotEquals(string Name, string Value) : Constraint
{
    internal override bool Allows(string agentId, ImmutableDictionary<string, string> attributes, Func<string, string, bool> groupRunsOn) =>
        !attributes.TryGetValue(Name, out var v) || v != Value;

    internal override string Describe() => $"{Name}!={Value}";
}

public sealed record UniquePerAgent(string Group) : Constraint
{
    internal override bool Allows(string agentId, ImmutableDictionary<string, string> attributes, Func<string, string, bool> groupRunsOn) =>
        !groupRunsOn(Group, agentId);

    internal override string Describe() => $"one per agent of {Group}";
}

public sealed record SpreadOver(string Attribute) : Constraint
{
    // Every agent may run an instance; where it goes first is the service scheduler's choice among offers.
    internal override bool Allows(string agentId, ImmutableDictionary<string, string> attributes, Func<string, string, bool> groupRunsOn) => true;

    internal override string Describe() => $"spread over {Attribute}";
}
