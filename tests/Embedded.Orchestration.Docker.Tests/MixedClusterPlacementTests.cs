using Embedded.Orchestration.Docker.Tests.Support;
using Embedded.Orchestration.Hosting;
using Embedded.Orchestration.Model;
using Embedded.Orchestration.Scheduling;
using Xunit.Abstractions;

namespace Embedded.Orchestration.Docker.Tests;

/// <summary>
/// A new user's first cluster: two plain agents and one Docker agent, container jobs through
/// <see cref="IJobClient.RunAsync"/> with no constraint of their own.
/// </summary>
public sealed class MixedClusterPlacementTests(DockerFixture docker, ITestOutputHelper output) : DockerTest(docker, output), IClassFixture<DockerFixture>
{
    [DockerFact]
    public async Task Six_container_jobs_on_a_mixed_cluster_all_run_on_the_docker_agent_and_finish()
    {
        var dockerAgent = NewAgent("mixed");
        await using var cluster = await MiniCluster.StartAsync(0, c =>
        {
            c.AddAgent("plain-1", "cpus:4;mem:4096");
            c.AddAgent("plain-2", "cpus:4;mem:4096");
            c.AddAgent(dockerAgent, "cpus:4;mem:4096").UseDocker();
        }, loggerFactory: Loggers);

        var results = await Task.WhenAll(Enumerable.Range(1, 6).Select(i =>
            cluster.Jobs.RunAsync(Job.Docker(DockerFixture.TestImage, ["sh", "-c", $"echo container {i}"], "cpus:0.5;mem:64")).WaitAsync(Guard)));

        results.Should().OnlyContain(r => r.State == TaskState.Finished && r.AgentId == dockerAgent);
        results.Select(r => r.Stdout).Should().BeEquivalentTo(Enumerable.Range(1, 6).Select(i => $"container {i}\n"));
        var shell = await cluster.Jobs.RunAsync(Job.Shell("echo plain")).WaitAsync(Guard);
        shell.AgentId.Should().StartWith("plain-", "a Docker-only agent has no process executor");
    }

    [DockerFact]
    public async Task A_container_for_another_os_than_the_engine_fails_at_once_saying_so()
    {
        var dockerAgent = NewAgent("os");
        await using var cluster = await MiniCluster.StartAsync(0, c => c.AddAgent(dockerAgent).UseDocker(), loggerFactory: Loggers);
        var windows = Job.Docker("mcr.microsoft.com/windows/nanoserver:ltsc2022") with
        {
            Container = new ContainerSpec("mcr.microsoft.com/windows/nanoserver:ltsc2022") { Os = "windows" },
        };

        var result = await cluster.Jobs.RunAsync(windows).WaitAsync(Guard);

        result.Reason.Should().Be(TaskReason.PlacementFailed);
        result.Placement!.Exclusions.Should().Equal(new PlacementExclusion(PlacementCause.Os, "windows", 1));
    }
}
