using Embedded.Orchestration.Hosting;
using Embedded.Orchestration.Model;
using Embedded.Orchestration.Scheduling;
using Xunit.Abstractions;

namespace Embedded.Orchestration.Tests.EndToEnd;

/// <summary>
/// The built-in job scheduler end to end with in-process delegates. The jobs that mean the same over HTTP run over
/// both transports, in process and through the remote client, in Embedded.Client.Tests' JobScenarios.
/// </summary>
public sealed class JobTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Guard = TimeSpan.FromSeconds(30);

    // In process only: a delegate's body is a lambda in this process, which the Mesos JSON cannot carry to a remote client's cluster.
    [Fact]
    public async Task A_delegate_job_runs_in_process()
    {
        await using var cluster = await MiniCluster.StartAsync(1, loggerFactory: TestOutputLoggerProvider.Factory(output));
        var ran = 0;
        var result = await cluster.Jobs.RunAsync(Job.Run(async (ctx, ct) =>
        {
            Interlocked.Increment(ref ran);
            await ctx.Stdout.WriteAsync($"task {ctx.TaskId} on {ctx.AgentId}");
            return 0;
        }) with { Id = "inproc" }).WaitAsync(Guard);
        result.State.Should().Be(TaskState.Finished);
        result.Stdout.Should().Be("task inproc.1 on agent-1");
        ran.Should().Be(1);
    }
}
