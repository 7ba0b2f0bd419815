using System.Collections.Immutable;
using System.Text.Json.Serialization;

namespace Embedded.Orchestration.Model;

/// <summary>What a framework does with accepted offers.</summary>
[JsonPolymorphic(TypeDiscriminatorPropertyName = "type")]
[JsonDerivedType(typeof(LaunchOperation), "launch")]
public abstract record OfferOperation;

/// <summary>Launch tasks on the agent of the accepted offers.</summary>
public sealed record LaunchOperation(ImmutableArray<TaskInfo> Tasks) : OfferOperation;
