namespace Embedded.Cli.Tests;

/// <summary>`embedded dev` itself: what it refuses, and that a SIGTERM leaves nothing behind.</summary>
public sealed class DevTests
{
    [Fact]
    public async Task Dev_refuses_a_non_loopback_listen_address_without_insecure()
    {
        var (code, stdout, stderr) = await CliProcess.RunAsync("dev", "--listen", $"http://0.0.0.0:{LoopbackPort.Free()}", "--agents", "2");

        code.Should().NotBe(0);
        stderr.Should().Contain("refusing to listen on").And.Contain("not a loopback address").And.Contain("--credentials").And.Contain("--insecure");
        stdout.Should().NotContain("Embedded cluster at");
    }

    [Fact]
    public async Task Dev_serves_a_non_loopback_address_with_credentials_and_every_call_must_authenticate()
    {
        var credentials = Path.Combine(Path.GetTempPath(), $"embedded-credentials-{Guid.NewGuid():N}");
        await File.WriteAllTextAsync(credentials, "ops s3cret\n");
        var port = LoopbackPort.Free();
        var dev = CliProcess.Start(["dev", "--listen", $"http://0.0.0.0:{port}", "--agents", "1", "--no-docker", "--credentials", credentials, "--operator", "ops"]);
        try
        {
            await dev.WaitForLineAsync(l => l.StartsWith("Embedded cluster at", StringComparison.Ordinal));
            using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };
            using (var anonymous = await http.GetAsync("/state"))
                anonymous.StatusCode.Should().Be(System.Net.HttpStatusCode.Unauthorized);
            using var request = new HttpRequestMessage(HttpMethod.Get, "/state");
            request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Basic", Convert.ToBase64String("ops:s3cret"u8.ToArray()));
            using var state = await http.SendAsync(request);
            state.StatusCode.Should().Be(System.Net.HttpStatusCode.OK);
            dev.Stderr.Should().NotContain("without authentication");
        }
        finally
        {
            await dev.DisposeAsync();
            File.Delete(credentials);
        }
    }

    [Fact]
    public async Task Watchdog_subcommand_runs_the_watchdog_which_wants_its_owner()
    {
        var (code, _, stderr) = await CliProcess.RunAsync("watchdog");

        code.Should().Be(2, "the watchdog's own usage error, not the command line parser's");
        stderr.Should().Contain("embedded-watchdog:").And.Contain("--owner");
    }

    [Fact]
    public async Task Dev_says_in_one_line_whether_it_uses_docker_and_run_image_runs_a_container_when_it_does()
    {
        var (dev, url) = await DevCluster.StartAsync();
        await using var _ = dev;
        var docker = dev.Stdout.Split('\n').Where(l => l.StartsWith("Docker: ", StringComparison.Ordinal)).Should().ContainSingle().Subject;

        if (docker.StartsWith("Docker: an engine answers", StringComparison.Ordinal))
        {
            // scripts/setup.sh imports this image from Debian's busybox-static: no registry needed.
            var (code, stdout, stderr) = await CliProcess.RunAsync("run", "--master", url, "--image", "embedded-test/busybox:latest", "--", "sh", "-c", "echo from-container; exit 4");
            code.Should().Be(4, $"{stdout}{stderr}");
            stdout.Should().Contain("launching on agent docker").And.Contain("from-container").And.Contain(": TASK_FAILED: exited with code 4");
        }
        else
        {
            docker.Should().StartWith("Docker: not used (").And.EndWith("); processes and in-process tasks only");
            var (code, _, _) = await CliProcess.RunAsync("run", "--master", url, "--", "true");
            code.Should().Be(0);
        }

        dev.Signal(15);
        (await dev.WaitForExitAsync()).Should().Be(0, dev.Output);
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
