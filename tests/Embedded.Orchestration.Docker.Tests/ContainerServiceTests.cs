using System.Net.Http;
using ContainersListParameters = Docker.DotNet.Models.ContainersListParameters;
using ContainerRemoveParameters = Docker.DotNet.Models.ContainerRemoveParameters;
using Embedded.Orchestration.Docker.Tests.Support;
using Embedded.Orchestration.Model;
using Embedded.Orchestration.Scheduling.Services;
using Xunit.Abstractions;

namespace Embedded.Orchestration.Docker.Tests;

/// <summary>
/// A service of busybox httpd containers kept by the service scheduler: HTTP-checked on the host port of its
/// named mapping, reachable from the host once healthy, and replaced when its container is removed behind
/// the agent's back.
/// </summary>
public sealed class ContainerServiceTests(DockerFixture docker, ITestOutputHelper output) : DockerTest(docker, output), IClassFixture<DockerFixture>
{
    [DockerFact]
    public async Task An_http_checked_container_service_answers_on_its_endpoints_and_a_removed_container_is_replaced()
    {
        var agent = NewAgent("svc");
        await using var cluster = await StartClusterAsync(agent);
        var check = HealthCheck.Http("/index.html") with
        {
            PortName = "http",
            Delay = TimeSpan.Zero,
            Interval = TimeSpan.FromMilliseconds(200),
            ConsecutiveFailures = 1,
            GracePeriod = TimeSpan.FromSeconds(30), // Covers httpd's start.
        };
        var spec = new ServiceSpec
        {
            Name = "site",
            Instances = 2,
            Resources = Resources.Parse("cpus:0.2;mem:32"),
            Container = new ContainerSpec(DockerFixture.TestImage)
            {
                Command = ["sh", "-c", "mkdir -p /www && hostname > /www/index.html && exec httpd -f -p 8080 -h /www"],
                PortMappings = [new PortMapping(8080) { Name = "http" }],
            },
            HealthCheck = check,
            Restart = new RestartPolicy { Delay = TimeSpan.FromMilliseconds(100) },
            KillGracePeriod = TimeSpan.Zero,
        };
        await using var site = await cluster.Services.StartAsync(spec).WaitAsync(Guard);

        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        var hostnames = new List<string>();
        foreach (var endpoint in site.Endpoints)
            hostnames.Add((await http.GetStringAsync($"http://127.0.0.1:{endpoint.Port("http")}/index.html")).Trim());
        hostnames.Should().HaveCount(2).And.OnlyHaveUniqueItems("each endpoint reaches its own container");

        var victim = site.Endpoints[0].InstanceId;
        var containers = await Docker.Client.Containers.ListContainersAsync(new ContainersListParameters { All = true });
        var container = containers.Single(c => c.Labels.TryGetValue("embedded.task", out var task) && task == victim);
        await Docker.Client.Containers.RemoveContainerAsync(container.ID, new ContainerRemoveParameters { Force = true });

        await EventuallyAsync(() => Task.FromResult(site.IsHealthy && site.Endpoints.Length == 2 && site.Endpoints.All(e => e.InstanceId != victim)),
            "the removed instance is replaced by a healthy one");
        foreach (var endpoint in site.Endpoints)
            (await http.GetStringAsync($"http://127.0.0.1:{endpoint.Port("http")}/index.html")).Should().NotBeNullOrWhiteSpace();
    }
}
