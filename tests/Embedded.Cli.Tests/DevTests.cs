namespace Embedded.Cli.Tests;

/// <summary>`embedded dev` itself: what it refuses, and that a SIGTERM leaves nothing behind.</summary>
public sealed class DevTests
{
    [Fact]
    public async Task Dev_refuses_a_non_loopback_listen_address_without_insecure()
    {
        var (code, stdout, stderr) = await CliProcess.RunAsync("dev", "--listen", $"http://0.0.0.0:{LoopbackPort.Free()}", "--agents", "2");

        code.Should().NotBe(0);
        stderr.Should().Contain("refusing to listen on").And.Contain("not a loopback address").And.Contain("--insecure");
        stdout.Should().NotContain("Embedded cluster at");
    }

    [Fact]
    public async Task Watchdog_subcommand_runs_the_watchdog_which_wants_its_owner()
    {
        var (code, _, stderr) = await CliProcess.RunAsync("watchdog");

        code.Should().Be(2, "the watchdog's own usage error, not the command line parser's");
        stderr.Should().Contain("embedded-watchdog:").And.Contain("--owner");
    }

    [Fact]
    public async Task Help_is_there_for_every_command()
    {
        foreach (var command in new[] { "dev", "run", "state", "jobs", "kill" })
        {
            var (code, stdout, _) = await CliProcess.RunAsync(command, "--help");
            code.Should().Be(0);
            stdout.Should().Contain("Usage:").And.Contain($"embedded {command}");
        }
    }

    [Fact]
    public async Task Sigterm_stops_dev_with_exit_0_and_kills_a_running_task()
    {
        var (dev, url) = await DevCluster.StartAsync("--no-docker");
        await using var _ = dev;
        await using var run = CliProcess.Start("run", "--master", url, "--", "sleep", "600");
        var running = await run.WaitForLineAsync(l => l.Contains(": TASK_RUNNING", StringComparison.Ordinal));
        var taskId = running.Split(' ', ':').First(w => w.StartsWith("run-", StringComparison.Ordinal));
        ProcTable.InSandboxOf(taskId).Select(ProcTable.CommandLine).Should().Contain(c => c.EndsWith("sleep 600", StringComparison.Ordinal));

        dev.Signal(15);

        (await dev.WaitForExitAsync()).Should().Be(0, dev.Output);
        dev.Stdout.Should().Contain("Embedded cluster stopped");
        ProcTable.InSandboxOf(taskId).Should().BeEmpty("the agents kill their tasks before the process exits");
        (await run.WaitForExitAsync()).Should().Be(1, "its task was killed, or its master went away");
        run.Stderr.Should().NotContain("Unhandled exception");
    }
}
