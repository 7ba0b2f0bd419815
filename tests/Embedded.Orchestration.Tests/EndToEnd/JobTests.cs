using Embedded.Orchestration.Hosting;
using Embedded.Orchestration.Model;
using Embedded.Orchestration.Scheduling;
using Embedded.Orchestration.Tests.Support;
using Xunit.Abstractions;

namespace Embedded.Orchestration.Tests.EndToEnd;

public sealed class JobTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Guard = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task A_shell_job_runs_to_completion_and_returns_its_output()
    {
        await using var cluster = await MiniCluster.StartAsync(loggerFactory: TestOutputLoggerProvider.Factory(output));
        var result = await cluster.Jobs.RunAsync(Job.Shell("echo hello; echo oops >&2")).WaitAsync(Guard);
        result.State.Should().Be(TaskState.Finished);
        result.ExitCode.Should().Be(0);
        result.Stdout.Should().Be("hello\n");
        result.Stderr.Should().Be("oops\n");
        result.AgentId.Should().StartWith("agent-");
    }
}
