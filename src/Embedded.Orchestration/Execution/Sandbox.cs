using Embedded.Orchestration.Model;

namespace Embedded.Orchestration.Execution;

/// <summary>A task's sandbox directory and the output files every executor keeps there.</summary>
internal static class Sandbox
{
    public const string StdoutFileName = "stdout";
    public const string StderrFileName = "stderr";

    /// <summary>Creates the sandbox if missing and returns its full path.</summary>
    public static string Create(string sandboxDirectory)
    {
        try
        {
            var full = Path.GetFullPath(sandboxDirectory);
            Directory.CreateDirectory(full);
            return full;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            throw new TaskLaunchException(
                TaskReason.ContainerLaunchFailed, $"cannot create sandbox directory '{sandboxDirectory}': {ex.Message}", ex);
        }
    }

    /// <summary>
    /// Opens a new output file that readers can follow while the task writes it (unbuffered). An
    /// existing one is unlinked first, so that a writer still holding it (an agent that crashed)
    /// cannot interleave with the new one.
    /// </summary>
    public static FileStream OpenOutputFile(string sandbox, string name)
    {
        try
        {
            var path = Path.Combine(sandbox, name);
            File.Delete(path);
            return new FileStream(path, new FileStreamOptions
            {
                Mode = FileMode.Create,
                Access = FileAccess.Write,
                Share = FileShare.ReadWrite | FileShare.Delete,
                BufferSize = 0,
            });
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new TaskLaunchException(TaskReason.ContainerLaunchFailed, $"cannot create '{name}' in sandbox '{sandbox}': {ex.Message}", ex);
        }
    }
}
