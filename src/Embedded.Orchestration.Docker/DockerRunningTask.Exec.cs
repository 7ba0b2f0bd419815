using Docker.DotNet.Models;
using Embedded.Orchestration.Execution;
using Embedded.Orchestration.Model;
using Microsoft.Extensions.Logging;

namespace Embedded.Orchestration.Docker;

/// <summary>What health checks need of a container: commands run inside it through the engine's exec API, and the host its ports are on.</summary>
internal sealed partial class DockerRunningTask : ITaskCommandRunner, ITaskHost
{
    /// <summary>Where its published ports are reached: the engine's host for a tcp:// engine, this machine otherwise.</summary>
    public string Host { get; init; } = "127.0.0.1";

    /// <summary>
    /// Runs <paramref name="command"/> in the container and returns its exit code. The engine cannot kill an
    /// exec, so a shell command first notes its pid in the container's /tmp (when it can write there): a
    /// cancelled run is killed through a second exec, so that checks that hang do not pile up in the container.
    /// </summary>
    public async ValueTask<int> RunCommandAsync(CommandSpec command, CancellationToken cancellationToken)
    {
        // One file per command, overwritten by each run: a check's runs follow one another, and nothing is left to tidy.
        var pidFile = $"/tmp/.embedded-check-{Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(command.Value)))[..16]}.pid";
        IList<string> argv = command.Shell
            ? ["/bin/sh", "-c", $"echo $$ > {pidFile} 2>/dev/null; exec /bin/sh -c \"$0\"", command.Value]
            : [command.Value, .. command.Arguments];
        var created = await _client.Exec.CreateContainerExecAsync(ContainerId, new ContainerExecCreateParameters
        {
            Cmd = argv,
            Env = [.. command.Environment.Select(e => $"{e.Key}={e.Value}")],
            WorkingDir = command.WorkingDirectory!, // Null: the container's own.
            AttachStdout = true,
            AttachStderr = true,
        }, cancellationToken).ConfigureAwait(false);
        try
        {
            // Attached, the stream ends when the command exits; what it writes is not kept.
            using (var stream = await _client.Exec.StartContainerExecAsync(created.ID, new ContainerExecStartParameters(), cancellationToken).ConfigureAwait(false))
                await stream.CopyOutputToAsync(Stream.Null, Stream.Null, Stream.Null, cancellationToken).ConfigureAwait(false);
            var inspected = await _client.Exec.InspectContainerExecAsync(created.ID, cancellationToken).ConfigureAwait(false);
            return inspected.ExitCode is { } code ? (int)code : throw new InvalidOperationException("the engine reports no exit code for the check's exec");
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested && command.Shell)
        {
            _ = KillExecAsync(pidFile);
            throw;
        }
    }

    // Its process group if it leads one, else the shell itself.
    private Task KillExecAsync(string pidFile) =>
        RunQuietlyAsync($"p=$(cat {pidFile} 2>/dev/null) && {{ kill -9 -$p 2>/dev/null || kill -9 $p; }}");

    private async Task RunQuietlyAsync(string script)
    {
        try
        {
            var created = await _client.Exec.CreateContainerExecAsync(ContainerId, new ContainerExecCreateParameters
            {
                Cmd = ["/bin/sh", "-c", script],
                AttachStdout = true,
                AttachStderr = true,
            }, _abort.Token).ConfigureAwait(false);
            using var stream = await _client.Exec.StartContainerExecAsync(created.ID, new ContainerExecStartParameters(), _abort.Token).ConfigureAwait(false);
            await stream.CopyOutputToAsync(Stream.Null, Stream.Null, Stream.Null, _abort.Token).ConfigureAwait(false);
        }
        catch (Exception e)
        {
            LogCheckCleanupFailed(_taskId, e.Message);
        }
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Task {TaskId}: tidying up after a health check in its container failed: {Reason}")]
    private partial void LogCheckCleanupFailed(string taskId, string reason);
}
