using System.Text;
using Embedded.Orchestration.Model;

namespace Embedded.Orchestration.Execution;

/// <summary>
/// The command line given to <c>cmd.exe</c> on Windows for a task: cmd, not the task's program, is
/// started, because only cmd can point the task's output at the sandbox files so that it keeps
/// writing there when the agent is gone (Process.Start can only redirect to pipes the agent holds).
/// Pure string work, so it is tested on Linux.
/// </summary>
/// <remarks>
/// Two parsers read what is built here. cmd reads the whole line first: it expands <c>%VAR%</c> and
/// treats <c>&amp; | &lt; &gt; ( ) ^ "</c> as syntax outside quotes. The program then splits what cmd
/// passes on into argv by the MSVCRT rules. So each argument is quoted by the MSVCRT rules and then
/// every cmd metacharacter in it, quotes included, is escaped with <c>^</c>: cmd never enters a quoted
/// section there, removes the carets and hands the program exactly the quoted argv (the program name
/// itself is in plain quotes, which is how cmd finds it). A shell command is
/// cmd syntax already; it runs in a nested <c>cmd.exe /d /s /c "…"</c> (escaped the same way for the
/// outer cmd), so that its own <c>&amp;</c> or <c>|</c> do not cut our redirections off and its
/// <c>%VAR%</c> is expanded once, by the inner cmd, as the user wrote it.
/// </remarks>
internal static class WindowsCommandLine
{
    /// <summary>
    /// The arguments for <c>cmd.exe</c>: <c>/d</c> skips AutoRun commands from the registry, <c>/s</c>
    /// makes cmd strip exactly the outer quotes, stdin is NUL and stdout/stderr are appended to the
    /// sandbox files. cmd exits with the task's exit code, since the task is its last command.
    /// </summary>
    public static string For(CommandSpec command, string sandbox)
    {
        ArgumentNullException.ThrowIfNull(command);
        if (sandbox.IndexOfAny(['"', '%']) >= 0)
            throw new TaskLaunchException(TaskReason.ContainerLaunchFailed, $"the sandbox path '{sandbox}' contains '\"' or '%', which cmd.exe cannot take in a redirection");

        string task;
        if (command.Shell)
        {
            RefuseLineBreaks(command.Value, "command");
            task = "cmd.exe /d /s /c " + EscapeForCmd($"\"{command.Value}\"");
        }
        else
        {
            if (string.IsNullOrWhiteSpace(command.Value))
                throw new TaskLaunchException(TaskReason.ContainerLaunchFailed, "the command names no program to run");
            if (command.Value.IndexOfAny(['"', '%', '\r', '\n']) >= 0)
                throw new TaskLaunchException(TaskReason.ContainerLaunchFailed, $"the program name '{command.Value}' contains '\"', '%' or a line break, which cmd.exe cannot start on Windows");
            foreach (var argument in command.Arguments) RefuseLineBreaks(argument, "argument");

            // The program in plain quotes (cmd finds it by them, through PATH and PATHEXT), its
            // arguments escaped: a path such as "C:\Program Files (x86)\…" needs no escapes inside quotes.
            task = string.Join(' ', command.Arguments.Select(a => EscapeForCmd(QuoteArgument(a))).Prepend($"\"{command.Value}\""));
        }

        // Windows separators whatever OS builds the line, so that what the tests see is what Windows gets.
        var stdout = InSandbox(sandbox, Sandbox.StdoutFileName);
        var stderr = InSandbox(sandbox, Sandbox.StderrFileName);
        return $"/d /s /c \"{task} <NUL >>\"{stdout}\" 2>>\"{stderr}\"\"";
    }

    /// <summary>
    /// One argument as CommandLineToArgvW and the MSVCRT read it back: quoted when empty or holding
    /// whitespace or a quote; inside quotes, a quote is preceded by a backslash, and backslashes that
    /// precede a quote (or the closing quote) are doubled. Other backslashes are literal.
    /// </summary>
    public static string QuoteArgument(string argument)
    {
        ArgumentNullException.ThrowIfNull(argument);
        if (argument.Length > 0 && argument.IndexOfAny([' ', '\t', '\n', '\v', '"']) < 0) return argument;

        var quoted = new StringBuilder(argument.Length + 2).Append('"');
        var backslashes = 0;
        foreach (var c in argument)
        {
            if (c == '\\')
            {
                backslashes++;
                continue;
            }
            if (c == '"')
            {
                quoted.Append('\\', 2 * backslashes + 1).Append('"');
            }
            else
            {
                quoted.Append('\\', backslashes).Append(c);
            }
            backslashes = 0;
        }
        return quoted.Append('\\', 2 * backslashes).Append('"').ToString();
    }

    /// <summary>
    /// Escapes every character cmd would read as syntax with <c>^</c>. <c>^%</c> keeps <c>%VAR%</c>
    /// from expanding, because on a command line (unlike in a batch file) cmd leaves an undefined
    /// <c>%VAR^%</c> as it is and removes the caret afterwards.
    /// </summary>
    public static string EscapeForCmd(string text)
    {
        var escaped = new StringBuilder(text.Length * 2);
        foreach (var c in text)
        {
            if (c is '(' or ')' or '%' or '!' or '^' or '"' or '<' or '>' or '&' or '|') escaped.Append('^');
            escaped.Append(c);
        }
        return escaped.ToString();
    }

    private static string InSandbox(string sandbox, string file) => sandbox.TrimEnd('\\', '/') + "\\" + file;

    // A line break ends cmd's command line: the rest would be dropped, or run as a command of its own.
    private static void RefuseLineBreaks(string text, string what)
    {
        if (text.AsSpan().IndexOfAny('\r', '\n') >= 0)
            throw new TaskLaunchException(TaskReason.ContainerLaunchFailed, $"the {what} contains a line break, which cmd.exe cannot pass on Windows");
    }
}
