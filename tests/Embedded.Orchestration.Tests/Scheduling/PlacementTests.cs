using System.Collections.Concurrent;
using Embedded.Orchestration.Execution;
using Embedded.Orchestration.Hosting;
using Embedded.Orchestration.Model;
using Embedded.Orchestration.Scheduling;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;
using Xunit.Abstractions;

namespace Embedded.Orchestration.Tests.Scheduling;

/// <summary>
/// The job scheduler places a job only where an executor, the os and the constraints allow it,
/// fails at once what no agent could ever run, and says why a job waits.
/// </summary>
public sealed class PlacementTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Guard = TimeSpan.FromSeconds(30);
    private readonly ConcurrentQueue<string> _logs = new();

    /// <summary>
    /// plain: processes and delegates; delegates: delegates only; win: processes and delegates, os=windows;
    /// fake-linux / fake-windows: a fake container executor (it records launches and runs nothing) on each os.
    /// </summary>
    private Task<MiniCluster> StartMixed(FakeTimeProvider? time = null, Action<ClusterOptions>? configure = null) =>
        MiniCluster.StartAsync(configure: c =>
        {
            c.AddAgent("plain", "cpus:2;mem:1024").SetAttribute("rack", "r1");
            c.AddAgent("delegates", "cpus:2;mem:1024").UseDelegates();
            c.AddAgent("win", "cpus:2;mem:1024").SetAttribute("os", "windows").UseProcesses().UseDelegates();
            c.AddAgent("fake-linux", "cpus:2;mem:1024;ports:[32000-32009]").SetAttribute("os", "linux").Executors.Add(_ => new FakeContainerExecutor());
            c.AddAgent("fake-windows", "cpus:2;mem:1024").SetAttribute("os", "windows").Executors.Add(_ => new FakeContainerExecutor());
            configure?.Invoke(c);
        }, time: time, loggerFactory: LoggerFactory.Create(b => b.AddProvider(new TestOutputLoggerProvider(output)).AddProvider(new Capture(_logs))));

    [Fact]
    public async Task Jobs_land_only_on_agents_that_have_their_executor_and_os()
    {
        await using var cluster = await StartMixed();
        // An image's os is the job's to say (a container without one may run on any engine): these say linux.
        var linux = Enumerable.Range(0, 4).Select(i => Job.Docker("busybox", ["true"]) with { Id = $"linux-{i}", Container = new ContainerSpec("busybox") { Command = ["true"], Os = "linux" } });
        var windows = Enumerable.Range(0, 4).Select(i => Job.Docker("nanoserver", ["cmd"]) with { Id = $"windows-{i}", Container = new ContainerSpec("nanoserver") { Os = "windows" } });
        var commands = Enumerable.Range(0, 6).Select(i => Job.Shell("true") with { Id = $"command-{i}" });
        var delegates = Enumerable.Range(0, 6).Select(i => Job.Run((_, _) => Task.FromResult(0)) with { Id = $"delegate-{i}" });

        var results = await Task.WhenAll(linux.Concat(windows).Concat(commands).Concat(delegates).Select(j => cluster.Jobs.RunAsync(j).WaitAsync(Guard)));

        results.Should().OnlyContain(r => r.State == TaskState.Finished, "every job was placed on an agent that can run it");
        results.Where(r => r.JobId.StartsWith("linux-")).Should().OnlyContain(r => r.AgentId == "fake-linux");
        results.Where(r => r.JobId.StartsWith("windows-")).Should().OnlyContain(r => r.AgentId == "fake-windows");
        results.Where(r => r.JobId.StartsWith("command-")).Should().OnlyContain(r => r.AgentId == "plain" || r.AgentId == "win");
        results.Where(r => r.JobId.StartsWith("delegate-")).Select(r => r.AgentId).Should().NotContain(["fake-linux", "fake-windows"]);
    }

    [Theory]
    [InlineData("too-big", PlacementCause.TooSmall, "cpus")]
    [InlineData("nowhere", PlacementCause.Constraint, "rack=nowhere")]
    [InlineData("no-executor", PlacementCause.NoExecutor, "container")]
    [InlineData("os", PlacementCause.Constraint, "os=windows")]
    public async Task A_job_no_agent_could_ever_run_fails_at_once_naming_the_cause(string kind, PlacementCause cause, string detail)
    {
        await using var cluster = await MiniCluster.StartAsync(agents: 2, loggerFactory: TestOutputLoggerProvider.Factory(output));
        var job = kind switch
        {
            "too-big" => Job.Shell("true", "cpus:100;mem:32"),
            "nowhere" => Job.Shell("true").WithConstraint(Constraint.Equal("rack", "nowhere")),
            "no-executor" => Job.Docker("busybox"),
            _ => Job.Shell("true").WithConstraint(Constraint.Equal("os", "windows")),
        };

        var result = await cluster.Jobs.RunAsync(job).WaitAsync(Guard);

        result.State.Should().Be(TaskState.Error);
        result.Reason.Should().Be(TaskReason.PlacementFailed);
        result.Attempts.Should().Be(0);
        result.Placement.Should().NotBeNull();
        result.Placement!.CanEverFit.Should().BeFalse();
        result.Placement.AgentsEvaluated.Should().Be(2);
        var exclusion = result.Placement.Exclusions.Should().ContainSingle().Subject;
        exclusion.Should().Be(new PlacementExclusion(cause, detail, 2));
        result.Message.Should().Contain("no agent can ever run it").And.Contain("2 agents evaluated");
        (await cluster.GetStateAsync()).Tasks.Should().BeEmpty("nothing was launched");
    }

    [Fact]
    public async Task Each_cause_is_counted_per_agent_on_a_mixed_cluster()
    {
        await using var cluster = await StartMixed();
        var job = Job.Docker("nanoserver") with { Container = new ContainerSpec("nanoserver") { Os = "windows" }, Resources = Resources.Parse("cpus:8;mem:32") };

        var result = await cluster.Jobs.RunAsync(job).WaitAsync(Guard);

        result.Reason.Should().Be(TaskReason.PlacementFailed);
        result.Placement!.Exclusions.Should().BeEquivalentTo(
        [
            new PlacementExclusion(PlacementCause.NoExecutor, "container", 3),
            new PlacementExclusion(PlacementCause.Os, "windows", 1),
            new PlacementExclusion(PlacementCause.TooSmall, "cpus", 1),
        ]);
        result.Placement.Message.Should().Be("5 agents evaluated: no container executor on 3, os is not windows on 1, too small ever (cpus) on 1; none could ever run it");
    }

    [Fact]
    public async Task A_job_that_waits_for_resources_says_so_on_its_handle_in_the_state_and_once_in_the_log_then_runs()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UnixEpoch);
        await using var cluster = await MiniCluster.StartAsync(configure: c => c.AddAgent("only", "cpus:1;mem:1024"), time: time,
            loggerFactory: LoggerFactory.Create(b => b.AddProvider(new TestOutputLoggerProvider(output)).AddProvider(new Capture(_logs))));
        var release = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);
        var first = await cluster.Jobs.SubmitAsync(Job.Run((_, _) => release.Task, "cpus:1;mem:32") with { Id = "first" });
        await first.WaitForStateAsync(TaskState.Running);
        var second = await cluster.Jobs.SubmitAsync(Job.Run((_, _) => Task.FromResult(0), "cpus:1;mem:32") with { Id = "second" });

        for (var i = 0; i < 3; i++) await cluster.AdvanceAsync(time, TimeSpan.FromSeconds(1));
        await Eventually(() => second.Placement is not null);

        second.Placement!.CanEverFit.Should().BeTrue();
        second.Placement.Exclusions.Should().Equal(new PlacementExclusion(PlacementCause.Exhausted, "cpus", 1));
        second.Placement.Message.Should().Be("1 agent evaluated: cpus exhausted on 1");
        first.Placement.Should().BeNull("it was placed");
        var pending = (await cluster.GetStateAsync()).PendingJobs.Should().ContainSingle().Subject;
        pending.JobId.Should().Be("second");
        pending.Placement.Should().Be(second.Placement);
        _logs.Count(l => l.Contains("Job second waits to be placed: 1 agent evaluated: cpus exhausted on 1")).Should().Be(1, "the log says it once");

        release.SetResult(0);
        (await first.Completion.WaitAsync(Guard)).State.Should().Be(TaskState.Finished);
        await cluster.AdvanceAsync(time, TimeSpan.FromSeconds(6));
        var result = await second.Completion.WaitAsync(Guard);
        result.State.Should().Be(TaskState.Finished);
        second.Placement.Should().BeNull();
        (await cluster.GetStateAsync()).PendingJobs.Should().BeEmpty();
    }

    [Fact]
    public async Task A_job_with_a_placement_timeout_waits_for_an_agent_that_can_run_it_then_fails_naming_why()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UnixEpoch);
        await using var cluster = await MiniCluster.StartAsync(agents: 1, time: time, loggerFactory: TestOutputLoggerProvider.Factory(output));
        var handle = await cluster.Jobs.SubmitAsync(Job.Shell("true", "cpus:100;mem:32") with { PlacementTimeout = TimeSpan.FromSeconds(5) });

        await cluster.AdvanceAsync(time, TimeSpan.FromSeconds(2), step: TimeSpan.FromSeconds(1));
        await Eventually(() => handle.Placement is not null);
        handle.Completion.IsCompleted.Should().BeFalse("it may wait 5 s");
        handle.Placement!.Exclusions.Should().Equal(new PlacementExclusion(PlacementCause.TooSmall, "cpus", 1));

        await cluster.AdvanceAsync(time, TimeSpan.FromSeconds(4), step: TimeSpan.FromSeconds(1));
        var result = await handle.Completion.WaitAsync(Guard);
        result.State.Should().Be(TaskState.Error);
        result.Reason.Should().Be(TaskReason.PlacementFailed);
        result.Message.Should().Contain("placement timeout").And.Contain("too small ever (cpus) on 1");
    }

    [Fact]
    public async Task A_negative_placement_timeout_is_refused()
    {
        await using var cluster = await MiniCluster.StartAsync(agents: 1, loggerFactory: TestOutputLoggerProvider.Factory(output));
        await FluentActions.Awaiting(() => cluster.Jobs.SubmitAsync(Job.Shell("true") with { PlacementTimeout = TimeSpan.FromSeconds(-1) }))
            .Should().ThrowAsync<ArgumentException>().WithMessage("the placement timeout must not be negative*");
    }

    [Fact]
    public async Task A_low_level_framework_sees_what_each_agent_can_run_in_its_offers_and_in_the_state()
    {
        await using var cluster = await StartMixed(configure: c => c.Jobs.Enabled = false);
        var (session, events) = await cluster.SubscribeAsync(new FrameworkInfo("watcher"));
        await using var _ = session;
        var offers = new Dictionary<string, Offer>();
        while (offers.Count < 5)
            foreach (var offer in (await events.Next<OffersEvent>()).Offers) offers[offer.AgentId] = offer;

        offers["plain"].TaskKinds.Should().Equal(TaskKind.Command, TaskKind.Delegate);
        offers["delegates"].TaskKinds.Should().Equal(TaskKind.Delegate);
        offers["fake-windows"].TaskKinds.Should().Equal(TaskKind.Container);
        offers["fake-windows"].Attributes["os"].Should().Be("windows");
        var agents = await cluster.Client.GetAgentsAsync();
        agents.Single(a => a.AgentId == "win").TaskKinds.Should().Equal(TaskKind.Command, TaskKind.Delegate);
        (await cluster.GetStateAsync()).Agents.Single(a => a.AgentId == "fake-linux").TaskKinds.Should().Equal(TaskKind.Container);
    }

    [Fact]
    public async Task A_launch_that_still_reaches_an_agent_without_the_executor_ends_ERROR()
    {
        await using var cluster = await StartMixed(configure: c => c.Jobs.Enabled = false);
        var (session, events) = await cluster.SubscribeAsync(new FrameworkInfo("careless"));
        await using var _ = session;
        Offer? onDelegates = null;
        while (onDelegates is null) onDelegates = (await events.Next<OffersEvent>()).Offers.FirstOrDefault(o => o.AgentId == "delegates");

        await session.Launch(onDelegates, TestTasks.Shell("misplaced", "true", "delegates"));

        var status = (await events.Next<UpdateEvent>(u => u.Status.TaskId == "misplaced" && u.Status.IsTerminal)).Status;
        status.State.Should().Be(TaskState.Error);
        status.Message.Should().Be("agent delegates has no executor for command tasks (it has: delegate)");
    }


    /// <summary>Waits for the scheduler's loop to have handled what a timer set off; bounded, never a timing assertion.</summary>
    private static async Task Eventually(Func<bool> condition)
    {
        using var guard = new CancellationTokenSource(Guard);
        while (!condition()) await Task.Delay(5, guard.Token);
    }

    /// <summary>A fake container executor: claims container tasks, records nothing but finishes each at once.</summary>
    private sealed class FakeContainerExecutor : ITaskExecutor
    {
        public string Name => "fake-container";
        public TaskKind Kind => TaskKind.Container;

        public ValueTask<IRunningTask> LaunchAsync(TaskLaunch launch, CancellationToken cancellationToken) =>
            ValueTask.FromResult<IRunningTask>(new Finished());

        private sealed class Finished : IRunningTask
        {
            public Task<TaskExit> Completion { get; } = Task.FromResult(new TaskExit(TaskState.Finished, TaskReason.None, "fake", 0));
            public ValueTask KillAsync(TimeSpan gracePeriod, CancellationToken cancellationToken) => ValueTask.CompletedTask;
            public ValueTask<TaskOutput> ReadOutputAsync(CancellationToken cancellationToken) => ValueTask.FromResult(new TaskOutput("", ""));
            public ValueTask DisposeAsync() => ValueTask.CompletedTask;
        }
    }

    private sealed class Capture(ConcurrentQueue<string> lines) : ILoggerProvider
    {
        public ILogger CreateLogger(string categoryName) => new Logger(lines);
        public void Dispose() { }

        private sealed class Logger(ConcurrentQueue<string> lines) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;
            public bool IsEnabled(LogLevel logLevel) => true;
            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
                lines.Enqueue(formatter(state, exception));
        }
    }
}
