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

    [LinuxFact]
    public async Task The_services_of_the_masters_host_are_in_the_operator_api_and_in_the_remote_state()
    {
        await using var server = await ClusterApiHost.StartAsync(output);
        await using var web = await server.Cluster.Services.StartAsync(ServiceSpec.Shell("web", "exec sleep 1000") with { Instances = 2, Ports = 1, PortNames = ["http"] }).WaitAsync(Guard);
        await using var remote = await RemoteHost.StartAsync(server.Address, output);

        var state = await remote.Client.GetStateAsync();

        var service = state.Services.Should().ContainSingle().Subject;
        service.Should().BeEquivalentTo(new { Name = "web", Version = 1, Instances = 2, Healthy = true });
        service.Launched.Should().BeEquivalentTo(web.Instances, "each instance as the host's handle shows it: task, agent, host, state, health and named ports");
        service.Launched.Should().OnlyContain(i => i.State == TaskState.Running && i.Ports.Single().Name == "http");

        using var http = new HttpClient { BaseAddress = server.Address };
        using var answer = await http.PostAsync("api/v1", new StringContent("""{"type":"GET_SERVICES"}""", System.Text.Encoding.UTF8, "application/json"));
        answer.EnsureSuccessStatusCode();
        using var json = System.Text.Json.JsonDocument.Parse(await answer.Content.ReadAsStringAsync());
        var first = json.RootElement.GetProperty("get_services").GetProperty("services")[0].GetProperty("launched")[0];
        first.GetProperty("state").GetString().Should().Be("TASK_RUNNING");
        first.GetProperty("task_id").GetProperty("value").GetString().Should().Be(web.Instances[0].InstanceId);
        first.GetProperty("ports")[0].GetProperty("host_port").GetInt32().Should().Be(web.Instances[0].Ports[0].HostPort);
    }
}
