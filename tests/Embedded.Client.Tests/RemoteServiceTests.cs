using Embedded.Orchestration.Model;
using Embedded.Orchestration.Scheduling.Services;
using Xunit.Abstractions;

namespace Embedded.Client.Tests;

/// <summary>The service scheduler of AddRemoteCluster: a service of processes kept over the Mesos HTTP API.</summary>
public sealed class RemoteServiceTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Guard = TimeSpan.FromSeconds(30);

    [LinuxFact]
    public async Task A_remote_service_is_kept_healthy_scaled_and_stopped()
    {
        await using var server = await ClusterApiHost.StartAsync(output);
        await using var remote = await RemoteHost.StartAsync(server.Address, output, o => o.Services.FrameworkName = "remote-services");
        await using (var web = await remote.Services.StartAsync(ServiceSpec.Shell("web", "exec sleep 1000") with { Instances = 2, Ports = 1 }).WaitAsync(Guard))
        {
            web.Endpoints.Should().HaveCount(2).And.OnlyContain(e => e.Port() >= 31000);
            await web.ScaleAsync(1);
            using var guard = new CancellationTokenSource(Guard);
            while (web.Instances.Length != 1) await Task.Delay(10, guard.Token);
            web.Instances.Single().State.Should().Be(TaskState.Running);
        }
        using var stopped = new CancellationTokenSource(Guard);
        while ((await server.Cluster.GetStateAsync()).Tasks.Length > 0) await Task.Delay(10, stopped.Token);
    }
}
