using Embedded.Orchestration.Execution;
using Embedded.Orchestration.Model;

namespace Embedded.Orchestration.Agent.Health;

/// <summary>A command run inside the task by its executor (a container's exec); exit code 0 passes.</summary>
internal sealed class ContainerCommandProbe(ITaskCommandRunner runner, CommandSpec command) : IHealthProbe
{
    public string Description { get; } = $"command '{Abbreviation.Abbreviate(command.Value)}' in the container";

    public async ValueTask<ProbeResult> ProbeAsync(CancellationToken cancellationToken)
    {
        var exitCode = await runner.RunCommandAsync(command, cancellationToken).ConfigureAwait(false);
        return new ProbeResult(exitCode == 0, $"{Description} exited {exitCode}");
    }
}
