using System.Collections.Immutable;

namespace Embedded.Orchestration.Model;

/// <summary>What a framework does with accepted offers.</summary>
public abstract record OfferOperation;

/// <summary>Launch tasks on the agent of the accepted offers.</summary>
public sealed record LaunchOperation(ImmutableArray<TaskInfo> Tasks) : OfferOperation
{
    public LaunchOperation(params TaskInfo[] tasks) : this(tasks.ToImmutableArray()) { }
}
