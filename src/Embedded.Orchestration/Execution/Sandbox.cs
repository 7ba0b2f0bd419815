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

    /// <summary>The last <paramref name="capacity"/> characters of an output file, read while a task may still write it.</summary>
    public static string ReadTail(string sandbox, string name, int capacity = OutputTail.DefaultCapacity)
    {
        try
        {
            using var file = new FileStream(Path.Combine(sandbox, name), FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            // UTF-8 takes at most 4 bytes a character; a cut through the first one decodes as one replacement, dropped below.
            var bytes = (int)Math.Min(file.Length, 4L * capacity);
            file.Seek(-bytes, SeekOrigin.End);
            var buffer = new byte[bytes];
            file.ReadExactly(buffer);
            var text = System.Text.Encoding.UTF8.GetString(buffer);
            if (bytes < file.Length && text.Length > 0 && text[0] == '\uFFFD') text = text[1..];
            return text.Length <= capacity ? text : text[^capacity..];
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            return "";
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
