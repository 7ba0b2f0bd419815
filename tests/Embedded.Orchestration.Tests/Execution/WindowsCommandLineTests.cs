using System.Text;
using Embedded.Orchestration.Execution;
using Embedded.Orchestration.Model;

namespace Embedded.Orchestration.Tests.Execution;

/// <summary>
/// The cmd.exe line a Windows agent starts a task with. Real cmd.exe and a real program's argv parser
/// run only on Windows; here the line is read back with models of both (cmd's caret and quote pass,
/// the MSVCRT argv rules), so what is checked is that the two escapings compose, not cmd itself.
/// </summary>
public sealed class WindowsCommandLineTests
{
    private const string SandboxPath = @"C:\embedded\win1\frameworks\fw\tasks\t1\runs\0";
    private const string Redirections = $" <NUL >>\"{SandboxPath}\\stdout\" 2>>\"{SandboxPath}\\stderr\"";

    [Theory]
    [InlineData("abc", "abc")]
    [InlineData("", "\"\"")]
    [InlineData("a b", "\"a b\"")]
    [InlineData("tab\there", "\"tab\there\"")]
    [InlineData("say \"hi\"", "\"say \\\"hi\\\"\"")]
    [InlineData(@"C:\dir\file", @"C:\dir\file")]
    [InlineData(@"C:\my dir\", "\"C:\\my dir\\\\\"")]
    [InlineData(@"a\\b", @"a\\b")]
    [InlineData("a\\\"b", "\"a\\\\\\\"b\"")]
    public void Quotes_an_argument_by_the_MSVCRT_rules(string argument, string expected) =>
        WindowsCommandLine.QuoteArgument(argument).Should().Be(expected);

    [Theory]
    [InlineData("")]
    [InlineData("plain")]
    [InlineData("two words")]
    [InlineData(@"C:\trailing\")]
    [InlineData(@"C:\trailing space\")]
    [InlineData("\\\\\"\\")]
    [InlineData("\"\"")]
    [InlineData("a\"b\\\"c")]
    public void A_quoted_argument_reads_back_as_itself(string argument) =>
        ParseMsvcrtArgv(WindowsCommandLine.QuoteArgument(argument)).Should().Equal(argument);

    [Fact]
    public void Escapes_every_cmd_metacharacter_with_a_caret() =>
        WindowsCommandLine.EscapeForCmd("a&b|c<d>e(f)g^h\"i%PATH%!x!").Should().Be("a^&b^|c^<d^>e^(f^)g^^h^\"i^%PATH^%^!x^!");

    [Fact]
    public void A_program_runs_under_cmd_with_its_output_appended_to_the_sandbox()
    {
        var command = new CommandSpec(@"C:\Program Files (x86)\tool.exe") { Shell = false, Arguments = ["a b", "x&y", "50%", "say \"hi\""] };

        var line = WindowsCommandLine.For(command, SandboxPath);

        line.Should().Be($"/d /s /c \"\"C:\\Program Files (x86)\\tool.exe\" ^\"a b^\" x^&y 50^% ^\"say \\^\"hi\\^\"^\"{Redirections}\"");
    }

    [Theory]
    [InlineData("a b", "x&y", "50%", "%PATH%")]
    [InlineData("", "\"quoted\"", @"C:\dir with space\", "a|b>c<d")]
    [InlineData("(paren)", "^caret", "!bang!", "back\\\\\"slash")]
    public void The_program_gets_exactly_its_arguments_after_cmd_and_the_MSVCRT_parse(params string[] arguments)
    {
        var command = new CommandSpec("tool.exe") { Shell = false, Arguments = [.. arguments] };

        var line = WindowsCommandLine.For(command, SandboxPath);

        var taskLine = StripCmdRedirections(line);
        ParseMsvcrtArgv(CmdCaretPass(taskLine)).Should().Equal(["tool.exe", .. arguments]);
    }

    [Fact]
    public void A_shell_command_runs_in_a_nested_cmd_that_gets_it_unchanged()
    {
        const string shell = "echo %PATH% & dir \"C:\\x y\" | findstr a > out.txt";

        var line = WindowsCommandLine.For(new CommandSpec(shell), SandboxPath);

        var taskLine = CmdCaretPass(StripCmdRedirections(line));
        taskLine.Should().Be($"cmd.exe /d /s /c \"{shell}\"");
    }

    [Theory]
    [InlineData("echo a\r\necho b", true)]
    [InlineData("tool\n.exe", false)]
    [InlineData("50%.exe", false)]
    [InlineData("\"tool\".exe", false)]
    public void Refuses_what_cmd_cannot_carry(string value, bool shell)
    {
        var act = () => WindowsCommandLine.For(new CommandSpec(value) { Shell = shell }, SandboxPath);

        act.Should().Throw<TaskLaunchException>().Which.Reason.Should().Be(TaskReason.ContainerLaunchFailed);
    }

    [Fact]
    public void Refuses_an_argument_with_a_line_break()
    {
        var act = () => WindowsCommandLine.For(new CommandSpec("tool.exe") { Shell = false, Arguments = ["one\ntwo"] }, SandboxPath);

        act.Should().Throw<TaskLaunchException>().WithMessage("*line break*");
    }

    [Fact]
    public void Refuses_a_sandbox_path_that_cmd_would_expand()
    {
        var act = () => WindowsCommandLine.For(new CommandSpec("dir"), @"C:\work\%USERNAME%\sandbox");

        act.Should().Throw<TaskLaunchException>().WithMessage("*sandbox path*");
    }

    // What /d /s /c "…" leaves once cmd has stripped the outer quotes, without our redirections.
    private static string StripCmdRedirections(string line)
    {
        line.Should().StartWith("/d /s /c \"").And.EndWith(Redirections + "\"");
        return line["/d /s /c \"".Length..^(Redirections.Length + 1)];
    }

    // A model of cmd's second parsing phase for a line with no variables to expand: outside quotes a
    // caret takes the next character literally; a quote toggles quoting and stays in the line.
    private static string CmdCaretPass(string line)
    {
        var result = new StringBuilder();
        var quoted = false;
        for (var i = 0; i < line.Length; i++)
        {
            var c = line[i];
            if (!quoted && c == '^' && i + 1 < line.Length)
            {
                result.Append(line[++i]);
                continue;
            }
            if (!quoted && c is '&' or '|' or '<' or '>' or '(' or ')' or '%' or '!')
                throw new InvalidOperationException($"cmd would read '{c}' at {i} as syntax: {line}");
            if (c == '"') quoted = !quoted;
            result.Append(c);
        }
        return result.ToString();
    }

    // CommandLineToArgvW / MSVCRT (2008 and later): 2n backslashes before a quote give n and the quote
    // toggles; 2n+1 give n and a literal quote; other backslashes are literal; "" inside quotes is a quote.
    private static List<string> ParseMsvcrtArgv(string line)
    {
        var args = new List<string>();
        var current = new StringBuilder();
        bool inQuotes = false, inArgument = false;
        for (var i = 0; i < line.Length; i++)
        {
            var c = line[i];
            if (c is ' ' or '\t' && !inQuotes)
            {
                if (inArgument) args.Add(current.ToString());
                current.Clear();
                inArgument = false;
                continue;
            }
            inArgument = true;
            if (c == '\\')
            {
                var n = 0;
                while (i < line.Length && line[i] == '\\') { n++; i++; }
                if (i < line.Length && line[i] == '"')
                {
                    current.Append('\\', n / 2);
                    if (n % 2 == 1) current.Append('"');
                    else i--;
                }
                else
                {
                    current.Append('\\', n);
                    i--;
                }
                continue;
            }
            if (c == '"')
            {
                if (inQuotes && i + 1 < line.Length && line[i + 1] == '"')
                {
                    current.Append('"');
                    i++;
                }
                else
                {
                    inQuotes = !inQuotes;
                }
                continue;
            }
            current.Append(c);
        }
        if (inArgument) args.Add(current.ToString());
        return args;
    }
}
