using Embedded.Server.Tests;
using Xunit.Abstractions;

namespace Embedded.Cli.Tests;

/// <summary>
/// The npm package mesos-framework's scheduler (tests/Embedded.Server.Tests/node/scheduler.js, as
/// NodeSchedulerTests runs it against an in-test server) against the real `embedded dev` binary.
/// </summary>
public sealed class NodeSchedulerDevTests(ITestOutputHelper output)
{
    [NodeFact]
    public async Task The_npm_mesos_framework_scheduler_runs_a_command_task_to_FINISHED_on_embedded_dev()
    {
        var (dev, url) = await DevCluster.StartAsync("--no-docker");
        await using var _ = dev;

        var (code, seen) = await NodeClient.RunSchedulerAsync(url, output);

        code.Should().Be(0, seen);
        seen.Should().Contain("STATUS TASK_RUNNING").And.Contain("STATUS TASK_FINISHED").And.Contain("DONE");
        var (jobsCode, jobs, stderr) = await CliProcess.RunAsync("jobs", "--master", url);
        jobsCode.Should().Be(0, stderr);
        jobs.Split('\n').Should().ContainSingle(l => l.StartsWith("node-mesos-framework.hello-1.", StringComparison.Ordinal))
            .Which.Should().Contain("TASK_FINISHED");
    }
}
