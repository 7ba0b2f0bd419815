using Embedded.Orchestration.Scheduling.Services;
using Xunit.Abstractions;

namespace Embedded.Cli.Tests;

/// <summary>`embedded state` against an app that keeps services: they are listed with their health and instances.</summary>
public sealed class StateServicesTests(ITestOutputHelper output)
{
    [LinuxFact]
    public async Task State_lists_the_services_of_the_masters_host_with_their_healthy_instances()
    {
        await using var server = await ClusterApiHost.StartAsync(output);
        await using var web = await server.Cluster.Services.StartAsync(ServiceSpec.Shell("web", "exec sleep 1000") with { Instances = 2 }).WaitAsync(TimeSpan.FromSeconds(60));

        var (code, stdout, stderr) = await CliProcess.RunAsync("state", "--master", server.Address.ToString());

        code.Should().Be(0, stderr);
        stdout.Should().Contain("SERVICES");
        var row = stdout.Split('\n').Should().Contain(l => l.StartsWith("web ", StringComparison.Ordinal)).Subject;
        row.Should().Contain(" 2/2 ");
        foreach (var instance in web.Instances) row.Should().Contain($"{instance.InstanceId}@{instance.Host}:RUNNING");
    }

    [Fact]
    public async Task State_of_a_cluster_without_services_has_no_services_table()
    {
        await using var server = await ClusterApiHost.StartAsync(output);

        var (code, stdout, stderr) = await CliProcess.RunAsync("state", "--master", server.Address.ToString());

        code.Should().Be(0, stderr);
        stdout.Should().Contain("TASKS").And.NotContain("SERVICES");
    }
}
