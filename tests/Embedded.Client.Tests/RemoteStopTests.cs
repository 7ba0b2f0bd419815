using Embedded.Orchestration.Model;
using Embedded.Orchestration.Scheduling;
using Xunit.Abstractions;

namespace Embedded.Client.Tests;

/// <summary>
/// A host with a remote job client stops with a job in flight: the client kills its jobs and tears its framework
/// down, as an in-process cluster's host would end them, rather than leave them running for the failover timeout.
/// </summary>
public sealed class RemoteStopTests(ITestOutputHelper output)
{
    [LinuxFact]
    public async Task Stopping_the_host_kills_its_running_jobs_tears_its_framework_down_and_returns_promptly()
    {
        await using var server = await ClusterApiHost.StartAsync(output, agents: 1, cluster: o => o.Jobs.Enabled = false);
        await using var remote = await RemoteHost.StartAsync(server.Address, output, o => o.Jobs.FrameworkName = "remote-stop");
        var frameworkId = remote.JobScheduler.FrameworkId!;
        var job = await remote.Jobs.SubmitAsync(Job.Shell("echo started; sleep 300", "cpus:0.1;mem:32"));
        var running = await job.WaitForStateAsync(TaskState.Running);

        // Far more than the stop needs: the old stop waited for this token to run out, then could not tear down.
        using var hostShutdown = new CancellationTokenSource(TimeSpan.FromMinutes(5));
        await remote.StopAsync(hostShutdown.Token).WaitAsync(EventStream.DefaultGuard);

        var result = await job.Completion.WaitAsync(EventStream.DefaultGuard);
        result.State.Should().Be(TaskState.Killed, result.Message);
        hostShutdown.IsCancellationRequested.Should().BeFalse();
        var state = await server.Cluster.GetStateAsync();
        state.Frameworks.Should().NotContain(f => f.FrameworkId == frameworkId, "the framework was torn down");
        state.Tasks.Should().NotContain(t => t.FrameworkId == frameworkId);
        state.CompletedTasks.Should().Contain(t => t.TaskId == running.TaskId && t.FrameworkId == frameworkId)
            .Which.State.Should().Be(TaskState.Killed);
    }
}
