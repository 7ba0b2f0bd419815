using Embedded.Orchestration.Model;
using Embedded.Orchestration.Scheduling;
using Xunit.Abstractions;

namespace Embedded.Client.Tests;

/// <summary>
/// One test body, two transports: the same jobs through an <see cref="IJobClient"/> that is either
/// the in-process cluster's or a remote one reached over the Mesos HTTP API.
/// </summary>
public abstract class JobScenarios(ITestOutputHelper output) : IAsyncLifetime
{
    private static readonly TimeSpan Guard = TimeSpan.FromSeconds(30);
    private ClusterApiHost? _server;

    protected ITestOutputHelper Output => output;

    protected IJobClient Jobs { get; private set; } = null!;

    /// <summary>The job client under test, for the cluster behind <paramref name="server"/>.</summary>
    protected abstract Task<IJobClient> ConnectAsync(ClusterApiHost server);

    protected virtual ValueTask DisconnectAsync() => ValueTask.CompletedTask;

    public async Task InitializeAsync()
    {
        _server = await ClusterApiHost.StartAsync(output);
        Jobs = await ConnectAsync(_server);
    }

    public async Task DisposeAsync()
    {
        try
        {
            await DisconnectAsync();
        }
        finally
        {
            if (_server is not null) await _server.DisposeAsync();
        }
    }

    [Fact]
    public async Task A_shell_job_returns_its_output_and_exit_code()
    {
        var result = await Jobs.RunAsync(Job.Shell("echo hello; echo oops >&2")).WaitAsync(Guard);
        result.State.Should().Be(TaskState.Finished);
        result.ExitCode.Should().Be(0);
        result.Stdout.Should().Be("hello\n");
        result.Stderr.Should().Be("oops\n");
        result.AgentId.Should().Be("agent-1");
    }

    [Fact]
    public async Task A_failing_job_is_retried_and_reports_its_exit_code()
    {
        var result = await Jobs.RunAsync(Job.Shell("echo attempt $EMBEDDED_TASK_ID; exit 3") with { Id = "flaky", Retries = 1 }).WaitAsync(Guard);
        result.State.Should().Be(TaskState.Failed);
        result.ExitCode.Should().Be(3);
        result.Attempts.Should().Be(2);
        result.Stdout.Should().Be("attempt flaky.2\n");
    }

    [Fact]
    public async Task A_job_that_fits_nowhere_fails_placement()
    {
        var result = await Jobs.RunAsync(Job.Shell("true", "cpus:64;mem:32")).WaitAsync(Guard);
        result.State.Should().Be(TaskState.Error);
        result.Reason.Should().Be(TaskReason.PlacementFailed);
    }

    [Fact]
    public async Task Cancelling_a_running_job_kills_it()
    {
        var handle = await Jobs.SubmitAsync(Job.Shell("echo started; sleep 1000"));
        await handle.WaitForStateAsync(TaskState.Running);
        await handle.CancelAsync();
        var result = await handle.Completion.WaitAsync(Guard);
        result.State.Should().Be(TaskState.Killed);
    }
}

/// <summary>The scenarios against the in-process cluster's own job client.</summary>
public sealed class InProcessJobTests(ITestOutputHelper output) : JobScenarios(output)
{
    protected override Task<IJobClient> ConnectAsync(ClusterApiHost server) => Task.FromResult(server.Cluster.Jobs);
}

/// <summary>The scenarios against the job client of AddRemoteCluster, over HTTP to the same kind of cluster.</summary>
public sealed class RemoteJobTests(ITestOutputHelper output) : JobScenarios(output)
{
    private RemoteHost? _remote;

    protected override async Task<IJobClient> ConnectAsync(ClusterApiHost server)
    {
        _remote = await RemoteHost.StartAsync(server.Address, Output, o => o.Jobs.FrameworkName = "remote-jobs");
        return _remote.Jobs;
    }

    protected override async ValueTask DisconnectAsync()
    {
        if (_remote is not null) await _remote.DisposeAsync();
    }
}
