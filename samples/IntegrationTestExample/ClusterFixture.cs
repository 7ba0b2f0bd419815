using Embedded.Orchestration.Hosting;
using Xunit;

namespace Embedded.Samples.IntegrationTestExample;

/// <summary>One real cluster (master, two agents, job scheduler) shared by the tests of a class.</summary>
public sealed class ClusterFixture : IAsyncLifetime
{
    public MiniCluster Cluster { get; private set; } = null!;

    public async Task InitializeAsync() => Cluster = await MiniCluster.StartAsync(agents: 2);

    public async Task DisposeAsync() => await Cluster.DisposeAsync();
}
