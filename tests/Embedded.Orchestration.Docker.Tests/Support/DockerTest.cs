using Embedded.Orchestration.Hosting;
using Embedded.Orchestration.Model;
using Embedded.Orchestration.Scheduling;
using Microsoft.Extensions.Logging;
using Xunit.Abstractions;

namespace Embedded.Orchestration.Docker.Tests.Support;

/// <summary>
/// A test that runs containers: agents with names of its own (so that parallel test classes never
/// sweep each other's containers), and the check after it that none of their containers is left.
/// </summary>
public abstract class DockerTest(DockerFixture docker, ITestOutputHelper output) : IAsyncLifetime
{
    /// <summary>A hang guard, not a timing assumption: containers start in well under a second here.</summary>
    protected static readonly TimeSpan Guard = TimeSpan.FromSeconds(60);

    private readonly List<string> _agents = [];

    protected DockerFixture Docker => docker;
    protected ITestOutputHelper Output => output;
    protected ILoggerFactory Loggers { get; } = TestOutputLoggerProvider.Factory(output);

    protected string NewAgent(string hint)
    {
        var name = $"dt-{hint}-{Guid.NewGuid():N}"[..(hint.Length + 12)];
        _agents.Add(name);
        return name;
    }

    /// <summary>A cluster of one agent that runs containers (and nothing else) on the local engine.</summary>
    protected Task<MiniCluster> StartClusterAsync(string agent, Action<DockerOptions>? configure = null, TimeProvider? time = null, string? resources = null) =>
        MiniCluster.StartAsync(0, o => o.AddAgent(agent, resources).UseDocker(configure), time, Loggers);

    /// <summary>A job that runs <paramref name="script"/> with the test image's sh.</summary>
    protected static Job Sh(string script, string? resources = null) =>
        Job.Docker(DockerFixture.TestImage, ["sh", "-c", script], resources);

    protected static Task<StatusUpdate> WaitForStateAsync(JobHandle handle, TaskState state) => handle.WaitForStateAsync(state, Guard);

    /// <summary>
    /// Polls what Docker offers no notification for (a process inside a container reaching a point),
    /// until it holds or the guard runs out.
    /// </summary>
    protected static async Task EventuallyAsync(Func<Task<bool>> condition, string what)
    {
        using var guard = new CancellationTokenSource(Guard);
        while (!await condition())
        {
            if (guard.IsCancellationRequested) throw new TimeoutException($"timed out waiting until {what}");
            await Task.Delay(TimeSpan.FromMilliseconds(25), CancellationToken.None);
        }
    }

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        try
        {
            if (DockerEngine.Answers)
                foreach (var agent in _agents) await docker.AssertNoContainersAsync(agent);
        }
        finally
        {
            CleanUp();
        }
    }

    /// <summary>Removes what the test made on the host.</summary>
    protected virtual void CleanUp() { }
}
