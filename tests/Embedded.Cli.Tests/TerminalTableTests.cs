using System.Diagnostics;
using System.Reflection;

namespace Embedded.Cli.Tests;

/// <summary>
/// On a terminal `embedded state` draws Spectre.Console tables and `embedded run` a live status line; redirected
/// they print plain columns and plain lines (RunAndStateTests).
/// </summary>
public sealed class TerminalTableTests(DevCluster cluster) : IClassFixture<DevCluster>
{
    private static readonly string Dll = typeof(TerminalTableTests).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
        .Single(a => a.Key == "EmbeddedDll").Value!;

    [Fact]
    public async Task State_on_a_terminal_draws_tables()
    {
        var (exit, output) = await OnATerminalAsync($"state --master {cluster.Url}");

        exit.Should().Be(0, output);
        output.Should().Contain("AGENTS").And.Contain("╭").And.Contain("│").And.Contain("agent-1").And.Contain("embedded-jobs");
    }

    [Fact]
    public async Task Run_on_a_terminal_shows_the_task_s_state_live_under_its_lines_and_output()
    {
        var (exit, output) = await OnATerminalAsync($"run --master {cluster.Url} -- sh -c 'echo hello-from-a-terminal; exit 4'");

        exit.Should().Be(4, output);
        // The plain lines, as in a pipe, and the task's output among them.
        output.Should().Contain("needs cpus 0.1, mem 32 MB, no Docker\r\n", "a line is written whole, for the terminal to wrap")
            .And.Contain(": launching on agent").And.Contain(": TASK_RUNNING").And.Contain("hello-from-a-terminal")
            .And.Contain(": TASK_FAILED: exited with code 4");
        // The status line, drawn at each change: what the task does, where, and for how long.
        output.Should().MatchRegex(@"task run-[0-9a-f]{8}: waiting for an offer \S*for \d+s");
        output.Should().MatchRegex(@"task run-[0-9a-f]{8}: STAGING on agent agent-\d \S*for \d+s");
        output.Should().MatchRegex(@"task run-[0-9a-f]{8}: RUNNING on agent agent-\d \S*for \d+s");
        output.Should().Contain("\u001b[", "the status line is redrawn with ANSI escapes");
    }

    /// <summary>Runs the CLI with <paramref name="arguments"/> on a pseudo-terminal (util-linux's script(1)); its exit code and all it wrote.</summary>
    private static async Task<(int Exit, string Output)> OnATerminalAsync(string arguments)
    {
        var start = new ProcessStartInfo("script", ["-qec", $"{Processes.DotnetHost} {Dll} {arguments}", "/dev/null"])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.Environment["COLUMNS"] = "200";
        start.Environment["TERM"] = "xterm-256color";
        using var process = Process.Start(start)!;
        using var guard = new CancellationTokenSource(CliProcess.Guard);
        try
        {
            var stdout = process.StandardOutput.ReadToEndAsync(guard.Token);
            await process.WaitForExitAsync(guard.Token);
            return (process.ExitCode, await stdout);
        }
        finally
        {
            if (!process.HasExited) process.Kill(entireProcessTree: true);
        }
    }
}
