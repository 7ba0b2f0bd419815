using Embedded.Orchestration.Model;

namespace Embedded.Orchestration.Execution;

/// <summary>
/// An executor that must prepare before its agent registers (probe its runtime, clean up what a
/// crashed predecessor left) and tidy up when the agent stops.
/// </summary>
public interface IExecutorLifecycle
{
    /// <summary>Runs once before the agent registers; what it returns joins the agent's attributes and default resources.</summary>
    ValueTask<ExecutorFacts> StartAsync(string agentId, CancellationToken cancellationToken);

    /// <summary>
    /// Runs once when the agent stops, after its tasks were killed, or, with
    /// <paramref name="leaveTasksRunning"/>, left running for a later agent to recover.
    /// </summary>
    ValueTask StopAsync(bool leaveTasksRunning, CancellationToken cancellationToken);
}

/// <summary>What an executor learned about its runtime: attributes such as os and arch, and resources it would offer.</summary>
public sealed record ExecutorFacts(IReadOnlyDictionary<string, string> Attributes, Resources? Resources = null);
