using System.Collections.Immutable;

namespace Embedded.Orchestration.Model;

/// <summary>Resources of one agent offered to one framework until accepted, declined or rescinded.</summary>
public sealed record Offer(
    string OfferId,
    string FrameworkId,
    string AgentId,
    string Hostname,
    Resources Resources,
    ImmutableDictionary<string, string> Attributes);
