using Embedded.Orchestration.Hosting;
using Embedded.Orchestration.Model;
using Embedded.Orchestration.Scheduling;
using Microsoft.Extensions.Time.Testing;
using Xunit.Abstractions;

namespace Embedded.Client.Tests;

/// <summary>
/// One test body, two transports: the built-in job scheduler end to end, with real processes, through an
/// <see cref="IJobClient"/> (and the <see cref="IClusterClient"/> beside it) that is either the in-process
/// cluster's or a remote one reached over the Mesos HTTP API.
/// </summary>
public abstract class JobScenarios(ITestOutputHelper output)
{
    protected static readonly TimeSpan Guard = TimeSpan.FromSeconds(30);

    protected ITestOutputHelper Output => output;

    /// <summary>The job and cluster clients under test, for the cluster behind <paramref name="server"/>.</summary>
    protected abstract Task<Connection> ConnectAsync(ClusterApiHost server);

    /// <summary>A cluster behind the HTTP API and the transport's clients for it; disposing it disconnects, then stops the cluster.</summary>
    protected async Task<ClusterUnderTest> StartAsync(int agents = 1, Action<ClusterOptions>? cluster = null, TimeProvider? time = null)
    {
        var server = await ClusterApiHost.StartAsync(output, agents: agents, cluster: cluster, time: time);
        try
        {
            return new ClusterUnderTest(server, await ConnectAsync(server));
        }
        catch
        {
            await server.DisposeAsync();
            throw;
        }
    }

    [Fact]
    public async Task A_shell_job_returns_its_output_and_exit_code()
    {
        await using var cluster = await StartAsync();
        var result = await cluster.Jobs.RunAsync(Job.Shell("echo hello; echo oops >&2")).WaitAsync(Guard);
        result.State.Should().Be(TaskState.Finished);
        result.Succeeded.Should().BeTrue();
        result.ExitCode.Should().Be(0);
        result.Stdout.Should().Be("hello\n");
        result.Stderr.Should().Be("oops\n");
        result.AgentId.Should().Be("agent-1");
        result.Attempts.Should().Be(1);
    }

    [Fact]
    public async Task A_failing_job_reports_its_exit_code_and_is_retried_as_asked()
    {
        await using var cluster = await StartAsync(agents: 3);
        var result = await cluster.Jobs.RunAsync(Job.Shell("echo attempt $EMBEDDED_TASK_ID; exit 3") with { Id = "flaky", Retries = 2 }).WaitAsync(Guard);
        result.State.Should().Be(TaskState.Failed);
        result.ExitCode.Should().Be(3);
        result.Attempts.Should().Be(3);
        result.TaskId.Should().Be("flaky.3");
        result.Stdout.Should().Be("attempt flaky.3\n");
    }

    [Fact]
    public async Task A_job_that_succeeds_on_retry_finishes()
    {
        await using var cluster = await StartAsync();
        var marker = Path.Combine(Path.GetTempPath(), "embedded-retry-" + Guid.NewGuid().ToString("N"));
        try
        {
            var result = await cluster.Jobs.RunAsync(Job.Shell($"if [ -e {marker} ]; then echo second; else touch {marker}; exit 1; fi") with { Retries = 1 }).WaitAsync(Guard);
            result.State.Should().Be(TaskState.Finished);
            result.Attempts.Should().Be(2);
            result.Stdout.Should().Be("second\n");
        }
        finally
        {
            File.Delete(marker);
        }
    }

    [Fact]
    public async Task Environment_and_working_directory_reach_the_task()
    {
        await using var cluster = await StartAsync();
        var job = Job.Shell("mkdir -p work && cd work && echo $GREETING from $(basename $(pwd))").WithEnvironment("GREETING", "hi");
        var result = await cluster.Jobs.RunAsync(job).WaitAsync(Guard);
        result.Stdout.Should().Be("hi from work\n");
    }

    [Fact]
    public async Task A_job_that_runs_past_its_timeout_fails_with_the_reason()
    {
        // The agent enforces the timeout on the cluster's clock; a remote client's own clock does not take part.
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var cluster = await StartAsync(time: time);
        var handle = await cluster.Jobs.SubmitAsync(Job.Shell("sleep 1000") with { Timeout = TimeSpan.FromMinutes(1) });
        await handle.WaitForStateAsync(TaskState.Running);
        time.Advance(TimeSpan.FromMinutes(1));
        var result = await handle.Completion.WaitAsync(Guard);
        result.State.Should().Be(TaskState.Failed);
        result.Reason.Should().Be(TaskReason.MaxCompletionTimeReached);
    }

    [Fact]
    public async Task Cancelling_a_running_job_kills_it()
    {
        await using var cluster = await StartAsync();
        var handle = await cluster.Jobs.SubmitAsync(Job.Shell("echo started; sleep 1000"));
        await handle.WaitForStateAsync(TaskState.Running);
        await handle.CancelAsync();
        var result = await handle.Completion.WaitAsync(Guard);
        result.State.Should().Be(TaskState.Killed);
        result.Reason.Should().Be(TaskReason.KilledByUser);
        (await cluster.GetStateAsync()).Tasks.Should().BeEmpty();
    }

    [Fact]
    public async Task Cancelling_the_token_of_RunAsync_kills_the_job_and_throws()
    {
        await using var cluster = await StartAsync();
        using var cts = new CancellationTokenSource();
        var run = cluster.Jobs.RunAsync(Job.Shell("sleep 1000") with { Id = "cancel-me" }, cts.Token);
        await WaitUntil(async () => (await cluster.GetStateAsync()).Tasks.Any(t => t.State == TaskState.Running));
        await cts.CancelAsync();
        await FluentActions.Awaiting(() => run).Should().ThrowAsync<OperationCanceledException>();
        await WaitUntil(async () => (await cluster.GetStateAsync()).Tasks.Length == 0);
        (await cluster.GetStateAsync()).CompletedTasks.Should().ContainSingle(t => t.TaskId == "cancel-me.1").Which.State.Should().Be(TaskState.Killed);
    }

    [Fact]
    public async Task A_job_that_fits_nowhere_fails_placement()
    {
        await using var cluster = await StartAsync();
        var result = await cluster.Jobs.RunAsync(Job.Shell("true", "cpus:64;mem:32")).WaitAsync(Guard);
        result.State.Should().Be(TaskState.Error);
        result.Reason.Should().Be(TaskReason.PlacementFailed);
    }

    [Fact]
    public async Task A_job_that_fits_nowhere_and_may_wait_waits_and_can_be_cancelled_before_it_starts()
    {
        await using var cluster = await StartAsync();
        var handle = await cluster.Jobs.SubmitAsync(Job.Shell("true", "cpus:64;mem:32") with { PlacementTimeout = Timeout.InfiniteTimeSpan });
        (await cluster.GetStateAsync()).Tasks.Should().BeEmpty();
        await handle.CancelAsync();
        var result = await handle.Completion.WaitAsync(Guard);
        result.State.Should().Be(TaskState.Killed);
        result.Message.Should().Contain("before it started");
        result.Attempts.Should().Be(0);
    }

    [Fact]
    public async Task A_running_job_output_can_be_read_while_it_runs_and_after()
    {
        await using var cluster = await StartAsync();
        var handle = await cluster.Jobs.SubmitAsync(Job.Shell("echo first; echo oops >&2; sleep 1000"));
        (await handle.ReadOutputAsync()).Should().Be(new TaskOutput("", ""), "nothing has run yet");
        await handle.WaitForStateAsync(TaskState.Running);
        using (var guard = new CancellationTokenSource(Guard))
            while ((await handle.ReadOutputAsync(guard.Token)).Stdout != "first\n") await Task.Delay(10, guard.Token);
        (await handle.ReadOutputAsync()).Stderr.Should().Be("oops\n");
        await handle.CancelAsync();
        var result = await handle.Completion.WaitAsync(Guard);
        (await handle.ReadOutputAsync()).Should().Be(new TaskOutput(result.Stdout, result.Stderr));
        result.Stdout.Should().Be("first\n");
    }

    [Fact]
    public async Task Watching_a_job_shows_every_status_in_order()
    {
        await using var cluster = await StartAsync();
        var handle = await cluster.Jobs.SubmitAsync(Job.Shell("exit 0"));
        var states = new List<TaskState>();
        using var guard = new CancellationTokenSource(Guard);
        await foreach (var update in handle.WatchAsync(guard.Token))
            states.Add(update.State);
        states.Should().Equal(TaskState.Starting, TaskState.Running, TaskState.Finished);
    }

    [Fact]
    public async Task Constraints_place_jobs_on_matching_agents_only()
    {
        await using var cluster = await StartAsync(cluster: c =>
        {
            c.AddAgent("a", "cpus:4;mem:1024").SetAttribute("zone", "east");
            c.AddAgent("b", "cpus:4;mem:1024").SetAttribute("zone", "west");
            c.AddAgent("c", "cpus:4;mem:1024").SetAttribute("zone", "west");
        });
        var east = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ =>
            cluster.Jobs.RunAsync(Job.Shell("true").WithConstraint(Constraint.Equal("zone", "east"))))).WaitAsync(Guard);
        east.Should().OnlyContain(r => r.AgentId == "a" && r.Succeeded);
        var notEast = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ =>
            cluster.Jobs.RunAsync(Job.Shell("true").WithConstraint(Constraint.NotEqual("zone", "east"))))).WaitAsync(Guard);
        notEast.Should().OnlyContain(r => (r.AgentId == "b" || r.AgentId == "c") && r.Succeeded);
    }

    [Fact]
    public async Task One_per_agent_spreads_a_group_over_distinct_agents()
    {
        await using var cluster = await StartAsync(agents: 3);
        var handles = new List<JobHandle>();
        for (var i = 0; i < 3; i++)
            handles.Add(await cluster.Jobs.SubmitAsync(Job.Shell("sleep 1000").WithConstraint(Constraint.OnePerAgent("web"))));
        await Task.WhenAll(handles.Select(h => h.WaitForStateAsync(TaskState.Running)));
        var state = await cluster.GetStateAsync();
        state.Tasks.Select(t => t.AgentId).Should().OnlyHaveUniqueItems().And.HaveCount(3);
        // A fourth one has nowhere to go until one of the three ends.
        var fourth = await cluster.Jobs.SubmitAsync(Job.Shell("true").WithConstraint(Constraint.OnePerAgent("web")));
        (await cluster.GetStateAsync()).Tasks.Should().HaveCount(3);
        await handles[0].CancelAsync();
        (await fourth.Completion.WaitAsync(Guard)).Succeeded.Should().BeTrue();
        foreach (var h in handles.Skip(1)) await h.CancelAsync();
    }

    [Fact]
    public async Task Ports_are_taken_from_the_offer_and_passed_to_the_task()
    {
        await using var cluster = await StartAsync();
        var result = await cluster.Jobs.RunAsync(Job.Shell("echo $PORT0 $PORT1") with { Ports = 2 }).WaitAsync(Guard);
        result.Stdout.Should().Be("31000 31001\n");
    }

    [Fact]
    public async Task Many_jobs_share_the_cluster_and_all_finish()
    {
        await using var cluster = await StartAsync(agents: 3);
        var results = await Task.WhenAll(Enumerable.Range(0, 30).Select(i =>
            cluster.Jobs.RunAsync(Job.Shell($"echo {i}", "cpus:1;mem:64")))).WaitAsync(TimeSpan.FromMinutes(2));
        results.Should().OnlyContain(r => r.Succeeded);
        results.Select(r => r.Stdout).Should().BeEquivalentTo(Enumerable.Range(0, 30).Select(i => $"{i}\n"));
        results.Select(r => r.AgentId).Distinct().Should().HaveCount(3, "the allocator spreads work over every agent");
    }

    [Theory]
    [InlineData("no body")]
    [InlineData("empty command")]
    [InlineData("no resources")]
    [InlineData("negative retries")]
    [InlineData("bad id")]
    [InlineData("zero timeout")]
    public async Task A_bad_job_is_refused_with_a_clear_error_and_the_scheduler_keeps_serving(string what)
    {
        await using var cluster = await StartAsync();
        var job = what switch
        {
            "no body" => new Job(),
            "empty command" => Job.Shell("  "),
            "no resources" => Job.Shell("true") with { Resources = Resources.Empty },
            "negative retries" => Job.Shell("true") with { Retries = -1 },
            "bad id" => Job.Shell("true") with { Id = "no/slashes" },
            _ => Job.Shell("true") with { Timeout = TimeSpan.Zero },
        };
        await FluentActions.Awaiting(() => cluster.Jobs.SubmitAsync(job)).Should().ThrowAsync<ArgumentException>();
        (await cluster.Jobs.RunAsync(Job.Shell("echo still here")).WaitAsync(Guard)).Stdout.Should().Be("still here\n");
    }

    [Fact]
    public async Task A_job_cannot_be_spread_which_is_for_the_instances_of_a_service()
    {
        await using var cluster = await StartAsync();
        await FluentActions.Awaiting(() => cluster.Jobs.SubmitAsync(Job.Shell("true").WithConstraint(Constraint.Spread("zone"))))
            .Should().ThrowAsync<ArgumentException>().WithMessage("a job cannot be spread (spread over zone): spreading applies to the instances of a service*");
    }

    [Fact]
    public async Task A_duplicate_job_id_is_refused_while_the_first_runs()
    {
        await using var cluster = await StartAsync();
        var first = await cluster.Jobs.SubmitAsync(Job.Shell("sleep 1000") with { Id = "same" });
        await FluentActions.Awaiting(() => cluster.Jobs.SubmitAsync(Job.Shell("true") with { Id = "same" }))
            .Should().ThrowAsync<ArgumentException>().WithMessage("*already queued or running*");
        await first.CancelAsync();
        (await first.Completion.WaitAsync(Guard)).State.Should().Be(TaskState.Killed);
    }

    private static async Task WaitUntil(Func<Task<bool>> condition)
    {
        using var guard = new CancellationTokenSource(Guard);
        while (!await condition()) await Task.Delay(10, guard.Token);
    }

    /// <summary>A transport's clients; <paramref name="Host"/>, when there is one, is what connects them and is disposed first.</summary>
    protected sealed record Connection(IJobClient Jobs, IClusterClient Cluster, IAsyncDisposable? Host = null);

    /// <summary>The cluster behind the HTTP API, seen through one transport.</summary>
    protected sealed class ClusterUnderTest(ClusterApiHost server, Connection connection) : IAsyncDisposable
    {
        public ClusterApiHost Server => server;
        public IJobClient Jobs => connection.Jobs;
        public IClusterClient Cluster => connection.Cluster;

        /// <summary>The cluster's state as this transport reads it.</summary>
        public Task<ClusterState> GetStateAsync(CancellationToken cancellationToken = default) => connection.Cluster.GetStateAsync(cancellationToken);

        public async ValueTask DisposeAsync()
        {
            try
            {
                if (connection.Host is not null) await connection.Host.DisposeAsync();
            }
            finally
            {
                await server.DisposeAsync();
            }
        }
    }
}

/// <summary>The scenarios against the in-process cluster's own job and cluster clients.</summary>
public sealed class InProcessJobTests(ITestOutputHelper output) : JobScenarios(output)
{
    protected override Task<Connection> ConnectAsync(ClusterApiHost server) => Task.FromResult(new Connection(server.Cluster.Jobs, server.Cluster.Client));
}

/// <summary>The scenarios against the job and cluster clients of AddRemoteCluster, over HTTP to the same kind of cluster.</summary>
public sealed class RemoteJobTests(ITestOutputHelper output) : JobScenarios(output)
{
    protected override async Task<Connection> ConnectAsync(ClusterApiHost server)
    {
        var remote = await RemoteHost.StartAsync(server.Address, Output, o => o.Jobs.FrameworkName = "remote-jobs");
        return new Connection(remote.Jobs, remote.Client, remote);
    }
}
