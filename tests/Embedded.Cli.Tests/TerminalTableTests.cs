using System.Diagnostics;
using System.Reflection;

namespace Embedded.Cli.Tests;

/// <summary>On a terminal `embedded state` draws Spectre.Console tables; redirected it prints plain columns (RunAndStateTests).</summary>
public sealed class TerminalTableTests(DevCluster cluster) : IClassFixture<DevCluster>
{
    private static readonly string Dll = typeof(TerminalTableTests).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
        .Single(a => a.Key == "EmbeddedDll").Value!;

    [Fact]
    public async Task State_on_a_terminal_draws_tables()
    {
        // util-linux's script(1) gives the command a pseudo-terminal.
        var start = new ProcessStartInfo("script", ["-qec", $"{Processes.DotnetHost} {Dll} state --master {cluster.Url}", "/dev/null"])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.Environment["COLUMNS"] = "200";
        using var process = Process.Start(start)!;
        using var guard = new CancellationTokenSource(CliProcess.Guard);
        try
        {
            var stdout = process.StandardOutput.ReadToEndAsync(guard.Token);
            await process.WaitForExitAsync(guard.Token);
            var output = await stdout;

            process.ExitCode.Should().Be(0, output);
            output.Should().Contain("AGENTS").And.Contain("╭").And.Contain("│").And.Contain("agent-1").And.Contain("embedded-jobs");
        }
        finally
        {
            if (!process.HasExited) process.Kill(entireProcessTree: true);
        }
    }
}
