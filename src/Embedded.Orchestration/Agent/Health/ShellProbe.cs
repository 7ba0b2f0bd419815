using System.Collections.Immutable;
using System.ComponentModel;
using System.Diagnostics;
using Embedded.Orchestration.Model;

namespace Embedded.Orchestration.Agent.Health;

/// <summary>
/// A command run as a process beside the task: <c>/bin/sh -c</c> (cmd.exe on Windows) in the task's
/// sandbox with the task's environment, killed with its children when the check times out; exit code 0 passes.
/// </summary>
internal sealed class ShellProbe(CommandSpec command, string sandbox, ImmutableDictionary<string, string> environment) : IHealthProbe
{
    public string Description { get; } = $"command '{Abbreviation.Abbreviate(command.Value)}'";

    public async ValueTask<ProbeResult> ProbeAsync(CancellationToken cancellationToken)
    {
        var startInfo = new ProcessStartInfo
        {
            UseShellExecute = false,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = command.WorkingDirectory is { } dir ? Path.Combine(sandbox, dir) : sandbox,
        };
        foreach (var (name, value) in environment) startInfo.Environment[name] = value;
        foreach (var (name, value) in command.Environment) startInfo.Environment[name] = value;
        if (!command.Shell)
        {
            startInfo.FileName = command.Value;
            foreach (var argument in command.Arguments) startInfo.ArgumentList.Add(argument);
        }
        else if (OperatingSystem.IsWindows())
        {
            startInfo.FileName = Path.Combine(Environment.SystemDirectory, "cmd.exe");
            startInfo.ArgumentList.Add("/d");
            startInfo.ArgumentList.Add("/c");
            startInfo.ArgumentList.Add(command.Value);
        }
        else
        {
            startInfo.FileName = "/bin/sh";
            startInfo.ArgumentList.Add("-c");
            startInfo.ArgumentList.Add(command.Value);
        }

        using var process = new Process { StartInfo = startInfo };
        try
        {
            process.Start();
        }
        catch (Exception e) when (e is Win32Exception or InvalidOperationException or IOException)
        {
            return new ProbeResult(false, $"{Description} could not start: {e.Message}");
        }
        process.StandardInput.Close();
        // Drained so that a chatty command never blocks on a full pipe; what it says is not kept.
        var drain = Task.WhenAll(process.StandardOutput.BaseStream.CopyToAsync(Stream.Null, CancellationToken.None),
            process.StandardError.BaseStream.CopyToAsync(Stream.Null, CancellationToken.None));
        _ = drain.ContinueWith(t => _ = t.Exception, CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted, TaskScheduler.Default);
        try
        {
            await process.WaitForExitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            try
            {
                process.Kill(entireProcessTree: true);
            }
            catch (Exception e) when (e is InvalidOperationException or Win32Exception)
            {
                // Gone already.
            }
            throw;
        }
        return new ProbeResult(process.ExitCode == 0, $"{Description} exited {process.ExitCode}");
    }
}
