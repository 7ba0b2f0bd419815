using Embedded.Orchestration.Model;
using Xunit.Abstractions;

namespace Embedded.Server.Tests;

/// <summary>
/// A Mesos client nobody here wrote: the npm package mesos-framework 0.5.3 subscribes, launches a
/// command task on an offer and acknowledges its updates over our API, as it would against Mesos.
/// </summary>
public sealed class NodeSchedulerTests(ITestOutputHelper output)
{
    [NodeFact]
    public async Task The_npm_mesos_framework_scheduler_runs_a_command_task_to_FINISHED()
    {
        await using var server = await ApiServer.StartAsync(output);

        var (code, seen) = await NodeClient.RunSchedulerAsync(server.Address.ToString(), output);

        code.Should().Be(0, seen);
        seen.Should().Contain("STATUS TASK_RUNNING").And.Contain("STATUS TASK_FINISHED").And.Contain("DONE");
        var state = await server.Cluster.Client.GetStateAsync();
        state.Tasks.Concat(state.CompletedTasks).Should().ContainSingle(t => t.TaskId.StartsWith("node-mesos-framework.hello-1.", StringComparison.Ordinal))
            .Which.State.Should().Be(TaskState.Finished);
    }
}
