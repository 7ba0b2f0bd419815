using Docker.DotNet.Models;
using Embedded.Orchestration.Execution;
using Embedded.Orchestration.Model;

namespace Embedded.Orchestration.Docker;

/// <summary>What health checks need of a container: commands run inside it through the engine's exec API, and the host its ports are on.</summary>
internal sealed partial class DockerRunningTask : ITaskCommandRunner, ITaskHost
{
    /// <summary>Where its published ports are reached: the engine's host for a tcp:// engine, this machine otherwise.</summary>
    public string Host { get; init; } = "127.0.0.1";

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
