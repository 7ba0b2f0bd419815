using Docker.DotNet.Models;
using Embedded.Orchestration.Execution;
using Embedded.Orchestration.Model;

namespace Embedded.Orchestration.Docker;

/// <summary>Commands run inside the container through the engine's exec API, for command health checks.</summary>
internal sealed partial class DockerRunningTask : ITaskCommandRunner
{
    public async ValueTask<int> RunCommandAsync(CommandSpec command, CancellationToken cancellationToken)
    {
        IList<string> argv = command.Shell ? ["/bin/sh", "-c", command.Value] : [command.Value, .. command.Arguments];
        var created = await _client.Exec.CreateContainerExecAsync(ContainerId, new ContainerExecCreateParameters
        {
            Cmd = argv,
            Env = [.. command.Environment.Select(e => $"{e.Key}={e.Value}")],
            WorkingDir = command.WorkingDirectory!, // Null: the container's own.
            AttachStdout = true,
            AttachStderr = true,
        }, cancellationToken).ConfigureAwait(false);
        // Attached, the stream ends when the command exits; what it writes is not kept.
        using (var stream = await _client.Exec.StartContainerExecAsync(created.ID, new ContainerExecStartParameters(), cancellationToken).ConfigureAwait(false))
            await stream.CopyOutputToAsync(Stream.Null, Stream.Null, Stream.Null, cancellationToken).ConfigureAwait(false);
        var inspected = await _client.Exec.InspectContainerExecAsync(created.ID, cancellationToken).ConfigureAwait(false);
        return inspected.ExitCode is { } code ? (int)code : throw new InvalidOperationException("the engine reports no exit code for the check's exec");
    }
}
