using Docker.DotNet.Models;
using Embedded.Orchestration.Docker.Tests.Support;
using Embedded.Orchestration.Execution;
using Embedded.Orchestration.Model;
using Microsoft.Extensions.Time.Testing;
using Xunit.Abstractions;
using ContainerSpec = Embedded.Orchestration.Model.ContainerSpec;
using TaskState = Embedded.Orchestration.Model.TaskState;
using Resources = Embedded.Orchestration.Model.Resources;

namespace Embedded.Orchestration.Docker.Tests;

/// <summary>The executor on its own, against the real engine, with a fake clock for grace periods.</summary>
public sealed class DockerExecutorTests(DockerFixture docker, ITestOutputHelper output) : DockerTest(docker, output), IClassFixture<DockerFixture>
{
    private readonly string _work = Directory.CreateTempSubdirectory("embedded-docker-exec-").FullName;

    protected override void CleanUp() => Directory.Delete(_work, recursive: true);

    private DockerExecutor NewExecutor(TimeProvider? time = null, Action<DockerOptions>? configure = null)
    {
        var options = new DockerOptions();
        configure?.Invoke(options);
        return new DockerExecutor(options, time ?? TimeProvider.System, Loggers);
    }

    private TaskLaunch Launch(string agent, string taskId, string script, Func<ContainerSpec, ContainerSpec>? change = null)
    {
        var spec = new ContainerSpec(DockerFixture.TestImage) { Command = ["sh", "-c", script] };
        var task = new TaskInfo(taskId, "test", agent, Resources.Parse("cpus:0.5;mem:64")) { Container = change is null ? spec : change(spec) };
        return new TaskLaunch(agent, "framework-1", task, Path.Combine(_work, taskId, "runs", "1"));
    }

    [DockerFact]
    public async Task A_container_that_ignores_SIGTERM_is_killed_once_the_grace_period_has_passed()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var agent = NewAgent("grace");
        var executor = NewExecutor(time);
        await executor.StartAsync(agent, CancellationToken.None);
        try
        {
            await using var running = await executor.LaunchAsync(Launch(agent, "stubborn", "trap '' TERM; echo ready; while true; do sleep 1; done"), CancellationToken.None);
            await EventuallyAsync(async () => (await running.ReadOutputAsync(CancellationToken.None)).Stdout == "ready\n", "the container ignores SIGTERM");

            // The grace clock is running once KillAsync returns; only the fake clock can end it.
            var kill = running.KillAsync(TimeSpan.FromMinutes(10), CancellationToken.None).AsTask();
            time.Advance(TimeSpan.FromMinutes(10));
            await kill.WaitAsync(Guard);

            var exit = await running.Completion.WaitAsync(Guard);
            exit.State.Should().Be(TaskState.Killed);
            exit.ExitCode.Should().Be(137, "SIGKILL ended it, after SIGTERM did not");
        }
        finally
        {
            await executor.StopAsync(leaveTasksRunning: false, CancellationToken.None);
        }
    }

    [DockerFact]
    public async Task A_container_that_handles_SIGTERM_ends_without_the_clock_moving()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var agent = NewAgent("polite");
        var executor = NewExecutor(time);
        await executor.StartAsync(agent, CancellationToken.None);
        try
        {
            await using var running = await executor.LaunchAsync(Launch(agent, "polite", "trap 'echo bye; exit 0' TERM; echo ready; while true; do sleep 1; done"), CancellationToken.None);
            await EventuallyAsync(async () => (await running.ReadOutputAsync(CancellationToken.None)).Stdout == "ready\n", "the trap is set");

            await running.KillAsync(TimeSpan.FromMinutes(10), CancellationToken.None).AsTask().WaitAsync(Guard);
            var exit = await running.Completion.WaitAsync(Guard);
            exit.State.Should().Be(TaskState.Killed);
            exit.ExitCode.Should().Be(0);
            exit.Output!.Stdout.Should().Be("ready\nbye\n");
        }
        finally
        {
            await executor.StopAsync(leaveTasksRunning: false, CancellationToken.None);
        }
    }

    [DockerFact]
    public async Task Disposing_a_running_task_removes_its_container()
    {
        var agent = NewAgent("dispose");
        var executor = NewExecutor();
        await executor.StartAsync(agent, CancellationToken.None);
        try
        {
            var running = await executor.LaunchAsync(Launch(agent, "sleeper", "sleep 300"), CancellationToken.None);
            (await Docker.ContainersOfAsync(agent)).Should().ContainSingle().Which.State.Should().Be("running");

            await running.DisposeAsync();
            (await Docker.ContainersOfAsync(agent)).Should().BeEmpty();
            (await running.Completion).State.Should().Be(TaskState.Killed);
        }
        finally
        {
            await executor.StopAsync(leaveTasksRunning: false, CancellationToken.None);
        }
    }

    [DockerFact]
    public async Task An_image_for_another_os_is_refused_before_anything_is_created()
    {
        var agent = NewAgent("os");
        var executor = NewExecutor();
        await executor.StartAsync(agent, CancellationToken.None);
        try
        {
            var launch = Launch(agent, "win", "echo", s => s with { Os = "windows" });
            var error = await FluentActions.Awaiting(() => executor.LaunchAsync(launch, CancellationToken.None).AsTask()).Should().ThrowAsync<TaskLaunchException>();
            error.Which.Reason.Should().Be(TaskReason.TaskInvalid);
            error.Which.Message.Should().Contain("needs a windows engine").And.Contain("runs linux containers");
        }
        finally
        {
            await executor.StopAsync(leaveTasksRunning: false, CancellationToken.None);
        }
    }

    [DockerFact]
    public async Task Containers_left_running_on_stop_are_swept_by_the_next_start_of_the_same_agent_only()
    {
        var agent = NewAgent("leave");
        var other = NewAgent("other");
        var first = NewExecutor();
        var neighbour = NewExecutor();
        await first.StartAsync(agent, CancellationToken.None);
        await neighbour.StartAsync(other, CancellationToken.None);
        try
        {
            await first.LaunchAsync(Launch(agent, "left", "sleep 300"), CancellationToken.None);
            var kept = await neighbour.LaunchAsync(Launch(other, "kept", "sleep 300"), CancellationToken.None);
            await first.StopAsync(leaveTasksRunning: true, CancellationToken.None);
            (await Docker.ContainersOfAsync(agent)).Should().ContainSingle().Which.State.Should().Be("running");

            var second = NewExecutor();
            await second.StartAsync(agent, CancellationToken.None);
            (await Docker.ContainersOfAsync(agent)).Should().BeEmpty("a restarted agent removes the containers it does not know");
            (await Docker.ContainersOfAsync(other)).Should().ContainSingle("another agent's containers are not ours to sweep");
            await second.StopAsync(leaveTasksRunning: false, CancellationToken.None);
            await kept.DisposeAsync();
        }
        finally
        {
            await neighbour.StopAsync(leaveTasksRunning: false, CancellationToken.None);
        }
    }

    [DockerFact]
    public async Task A_container_a_crashed_agent_left_is_removed_when_it_starts_again_and_another_clusters_agent_of_that_name_is_spared()
    {
        var agent = NewAgent("orphan");
        var work = Directory.CreateTempSubdirectory("embedded-orphan-");
        try
        {
            Task<Embedded.Orchestration.Hosting.MiniCluster> Start() => Embedded.Orchestration.Hosting.MiniCluster.StartAsync(0, o => o.AddAgent(agent).UseDocker().WorkDirectory = work.FullName, loggerFactory: Loggers);
            await (await Start()).DisposeAsync(); // The agent's work directory now holds its lease id.
            var lease = File.ReadAllText(new Embedded.Orchestration.Agent.WorkDirectoryLayout(work.FullName).LeaseId).Trim();

            // What a crashed agent leaves: a running container with its labels, which nothing follows; and one of
            // an agent of the same name in another cluster (another work directory, so another lease) on the same engine.
            async Task<string> Leave(string task, string leaseId)
            {
                var created = await Docker.Client.Containers.CreateContainerAsync(new CreateContainerParameters
                {
                    Image = DockerFixture.TestImage,
                    Cmd = ["sleep", "300"],
                    Name = $"embedded-{agent}-{task}-1",
                    Labels = new Dictionary<string, string> { ["embedded.managed"] = "true", ["embedded.agent"] = agent, ["embedded.task"] = task, ["embedded.lease"] = leaseId },
                });
                await Docker.Client.Containers.StartContainerAsync(created.ID, new ContainerStartParameters());
                return created.ID;
            }
            await Leave("crashed", lease);
            var other = await Leave("other", "another-clusters-lease");
            (await Docker.ContainersOfAsync(agent)).Should().HaveCount(2);

            await using (await Start())
                (await Docker.ContainersOfAsync(agent)).Select(c => c.ID).Should().Equal(other);
        }
        finally
        {
            // What the test left as another cluster's, even when it failed.
            foreach (var left in await Docker.ContainersOfAsync(agent))
                await Docker.Client.Containers.RemoveContainerAsync(left.ID, new ContainerRemoveParameters { Force = true });
            work.Delete(recursive: true);
        }
    }

    [DockerFact]
    public async Task Recovery_before_start_removes_a_container_that_was_created_but_never_started()
    {
        var agent = NewAgent("unstarted");
        var launch = Launch(agent, "t", "true");

        // What an agent that crashed between create and start leaves.
        var created = await Docker.Client.Containers.CreateContainerAsync(new CreateContainerParameters
        {
            Image = DockerFixture.TestImage,
            Cmd = ["true"],
            Name = ContainerRequestBuilder.Name(agent, "t", "1"),
            Labels = new Dictionary<string, string>
            {
                ["embedded.managed"] = "true", ["embedded.agent"] = agent, ["embedded.framework"] = "framework-1", ["embedded.task"] = "t", ["embedded.run"] = "1",
            },
        });

        var executor = NewExecutor();
        var found = await executor.RecoverAsync(launch, reconnect: true, CancellationToken.None);
        found.Running.Should().BeNull();
        found.Exit!.State.Should().Be(TaskState.Failed);
        found.Exit.Reason.Should().Be(TaskReason.ContainerLaunchFailed);
        found.Exit.Message.Should().Contain("before container").And.Contain("started");
        (await Docker.ContainersOfAsync(agent)).Should().NotContain(c => c.ID == created.ID);

        await executor.StartAsync(agent, CancellationToken.None);
        await executor.StopAsync(leaveTasksRunning: false, CancellationToken.None);
    }

    [DockerFact]
    public async Task Launching_before_start_is_refused()
    {
        var executor = NewExecutor();
        var error = await FluentActions.Awaiting(() => executor.LaunchAsync(Launch("nowhere", "early", "true"), CancellationToken.None).AsTask())
            .Should().ThrowAsync<TaskLaunchException>();
        error.Which.Message.Should().Contain("has not started");
    }

    [Fact]
    public async Task An_engine_that_does_not_answer_fails_the_start_naming_its_endpoint()
    {
        var socket = Path.Combine(_work, "no-engine.sock");
        var executor = NewExecutor(configure: o => o.Endpoint = new Uri("unix://" + socket));
        var error = await FluentActions.Awaiting(() => executor.StartAsync("lonely", CancellationToken.None).AsTask())
            .Should().ThrowAsync<InvalidOperationException>();
        error.Which.Message.Should().Contain("no Docker engine answers at unix://" + socket).And.Contain("agent lonely");
    }
}
