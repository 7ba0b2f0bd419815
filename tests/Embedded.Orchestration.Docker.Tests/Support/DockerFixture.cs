using Docker.DotNet;
using Docker.DotNet.Models;

namespace Embedded.Orchestration.Docker.Tests.Support;

/// <summary>
/// The engine the tests run against, checked once per test class: under CI a missing engine fails
/// every test (rather than skipping it), and a missing test image says how to get it.
/// </summary>
public sealed class DockerFixture : IAsyncLifetime
{
    public const string TestImage = DockerEngine.TestImage;

    private DockerClient? _client;

    /// <summary>A client of the tests' own, to look behind the executor's back.</summary>
    public DockerClient Client => _client ?? throw new InvalidOperationException($"no Docker engine answers at {DockerEngine.Endpoint}");

    public async Task InitializeAsync()
    {
        if (!DockerEngine.Answers)
        {
            if (DockerEngine.IsCi)
                throw new InvalidOperationException($"CI=true but no Docker engine answers at {DockerEngine.Endpoint} ({DockerEngine.WhyNot}); run scripts/setup.sh");
            return; // Every test skips.
        }

        _client = new DockerClientBuilder().WithEndpoint(DockerEngine.Endpoint).Build();
        try
        {
            await _client.Images.InspectImageAsync(TestImage);
        }
        catch (DockerImageNotFoundException)
        {
            throw new InvalidOperationException($"the test image {TestImage} is not on the engine at {DockerEngine.Endpoint}; run scripts/setup.sh");
        }
    }

    public Task DisposeAsync()
    {
        _client?.Dispose();
        return Task.CompletedTask;
    }

    /// <summary>Every container, running or not, that carries the label of <paramref name="agent"/>.</summary>
    public async Task<IList<ContainerListResponse>> ContainersOfAsync(string agent) =>
        await Client.Containers.ListContainersAsync(new ContainersListParameters
        {
            All = true,
            Filters = new Dictionary<string, IDictionary<string, bool>>
            {
                ["label"] = new Dictionary<string, bool> { [$"embedded.agent={agent}"] = true },
            },
        });

    public async Task AssertNoContainersAsync(string agent)
    {
        var left = await ContainersOfAsync(agent);
        left.Select(c => $"{string.Join(",", c.Names)} ({c.State})").Should().BeEmpty($"no container of agent {agent} may outlive its task");
    }
}
