using Embedded.Orchestration.Model;

namespace Embedded.Orchestration.Execution;

/// <summary>A running task that can run a command inside itself (a container, through the engine's exec), for command health checks.</summary>
internal interface ITaskCommandRunner
{
    /// <summary>Runs <paramref name="command"/> in the task and returns its exit code; cancelling abandons it.</summary>
    ValueTask<int> RunCommandAsync(CommandSpec command, CancellationToken cancellationToken);
}
