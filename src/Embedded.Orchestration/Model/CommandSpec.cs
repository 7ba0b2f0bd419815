using System.Collections.Immutable;

namespace Embedded.Orchestration.Model;

/// <summary>
/// What a process runs: a shell line (<c>/bin/sh -c</c>, Mesos's default) or, with
/// <see cref="Shell"/> false, <see cref="Value"/> as the program and <see cref="Arguments"/> as its argv.
/// </summary>
public sealed record CommandSpec(string Value)
{
    public bool Shell { get; init; } = true;
    public ImmutableArray<string> Arguments { get; init; } = [];
    public ImmutableDictionary<string, string> Environment { get; init; } = ImmutableDictionary<string, string>.Empty;
    public string? WorkingDirectory { get; init; }
}
