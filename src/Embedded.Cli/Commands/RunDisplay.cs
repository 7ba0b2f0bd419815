namespace Embedded.Cli.Commands;

/// <summary>
/// Where `embedded run` prints its lines and its task's output, and how it shows what the task is doing now.
/// This one, for a pipe, a file or a test, prints the plain lines only; <see cref="LiveRunDisplay"/> adds a live
/// status line on a terminal.
/// </summary>
internal class RunDisplay(TextWriter output, TextWriter error)
{
    /// <summary>The command's lines and the task's stdout.</summary>
    public TextWriter Out { get; } = output;

    /// <summary>The command's complaints and the task's stderr.</summary>
    public TextWriter Error { get; } = error;

    /// <summary>What the task does now ("waiting for an offer …", "RUNNING on agent a1"), shown with how long it has.</summary>
    public virtual void Show(string doing)
    {
    }

    /// <summary>The task has ended: nothing more to show live.</summary>
    public virtual void Clear()
    {
    }
}
