using Embedded.Client;
using Embedded.Orchestration.Model;
using Embedded.Orchestration.Scheduling;
using Microsoft.Extensions.DependencyInjection;

namespace Embedded.Cli.Tests;

/// <summary>
/// Issue 12: a master and agents each in a process of its own (`embedded master`, `embedded agent`) on
/// loopback, and what happens when one of them is SIGKILLed or the link between them is cut.
/// </summary>
public sealed class MultiProcessTests
{
    private static readonly TimeSpan Guard = CliProcess.Guard;

    /// <summary>No credentials from the test's own environment.</summary>
    private static readonly Dictionary<string, string?> NoEnvironment = new()
    {
        ["EMBEDDED_PRINCIPAL"] = null, ["EMBEDDED_SECRET"] = null, ["EMBEDDED_TOKEN"] = null,
    };

    [Fact]
    public async Task Jobs_run_across_three_agent_processes_each_placed_by_its_rack_attribute()
    {
        await using var cluster = await ProcessCluster.StartAsync(agents: 3);

        var runs = await Task.WhenAll(Enumerable.Range(1, 3).Select(rack =>
            CliProcess.RunAsync("run", "--master", cluster.Url, "--constraint", $"rack=r{rack}", "--", "echo", $"hello from r{rack}")));

        for (var rack = 1; rack <= 3; rack++)
        {
            var (code, stdout, stderr) = runs[rack - 1];
            code.Should().Be(0, stdout + stderr);
            stdout.Should().Contain($": launching on agent agent-{rack} ").And.Contain("TASK_FINISHED").And.Contain($"hello from r{rack}");
        }
        (await cluster.Client.GetAgentsAsync()).Select(a => (a.AgentId, a.Attributes["rack"]))
            .Should().BeEquivalentTo([("agent-1", "r1"), ("agent-2", "r2"), ("agent-3", "r3")]);
    }

    [Fact]
    public async Task A_SIGKILLed_agent_s_task_is_unreachable_and_running_again_in_the_same_process_once_the_agent_restarts()
    {
        await using var cluster = await ProcessCluster.StartAsync(agents: 1);
        var (session, events, taskId, pids) = await SleeperOnAgent1Async(cluster, CheckpointingFramework("sigkill-agent"));

        await cluster.KillAgentAsync(0);
        var unreachable = await events.NextUpdate(taskId, TaskState.Unreachable);
        unreachable.AgentId.Should().Be("agent-1");
        (await cluster.Client.GetStateAsync()).Tasks.Single(t => t.TaskId == taskId).State.Should().Be(TaskState.Unreachable);
        ProcTable.InSandboxOf(taskId).Should().BeEquivalentTo(pids, "a checkpointed task outlives its agent for the recovery timeout");

        await cluster.RestartAgentAsync(0);
        var running = await events.NextUpdate(taskId, TaskState.Running);

        running.Reason.Should().Be(TaskReason.AgentReregistered, running.ToString());
        running.AgentId.Should().Be("agent-1");
        ProcTable.InSandboxOf(taskId).Should().BeEquivalentTo(pids, "the restarted agent recovers the task it had, not a new one");
        (await cluster.Client.GetStateAsync()).Tasks.Single(t => t.TaskId == taskId).State.Should().Be(TaskState.Running);
        await session.KillAsync(taskId);
        (await events.NextUpdate(taskId, TaskState.Killed)).AgentId.Should().Be("agent-1", "the reattached agent kills it");
    }

    [Fact]
    public async Task A_framework_that_is_not_partition_aware_is_told_LOST_for_a_SIGKILLed_agent_s_task_and_the_restarted_agent_kills_it()
    {
        await using var cluster = await ProcessCluster.StartAsync(agents: 1);
        var (session, events, taskId, pids) = await SleeperOnAgent1Async(cluster, CheckpointingFramework("classic") with { PartitionAware = false });

        await cluster.KillAgentAsync(0);
        var lost = await events.NextUpdate(taskId);

        lost.State.Should().Be(TaskState.Lost, lost.ToString());
        lost.Reason.Should().Be(TaskReason.AgentRemoved);
        lost.Source.Should().Be(StatusSource.Master);
        lost.AgentId.Should().Be("agent-1");
        var state = await cluster.Client.GetStateAsync();
        state.Tasks.Should().NotContain(t => t.TaskId == taskId);
        state.CompletedTasks.Single(t => t.TaskId == taskId).State.Should().Be(TaskState.Lost);
        ProcTable.InSandboxOf(taskId).Should().BeEquivalentTo(pids, "a checkpointed task outlives its agent for the recovery timeout");

        // The framework was told the task is gone for good: the restarted agent reports it, and the master has it killed.
        await cluster.RestartAgentAsync(0);
        await ProcessCluster.Until(() => Task.FromResult(ProcTable.InSandboxOf(taskId).Count == 0), $"the LOST {taskId} killed");
        await cluster.WaitForAgentsAsync();
        state = await cluster.Client.GetStateAsync();
        state.Agents.Single(a => a.AgentId == "agent-1").ActiveTasks.Should().Be(0);
        state.Tasks.Should().BeEmpty();
        state.CompletedTasks.Single(t => t.TaskId == taskId).State.Should().Be(TaskState.Lost);
        (await events.Drain()).OfType<UpdateEvent>().Select(u => u.Status.State).Should().NotContain(TaskState.Running, "a LOST task does not come back");
    }

    [Fact]
    public async Task A_SIGKILLed_master_restarted_on_its_work_directory_gets_its_agents_and_their_running_tasks_back_and_no_status_update_is_lost()
    {
        await using var cluster = await ProcessCluster.StartAsync(agents: 2);
        var go = Path.Combine(cluster.Root, "go");
        var session = await cluster.Client.SubscribeAsync(CheckpointingFramework("sigkill-master"));
        var frameworkId = session.FrameworkId;
        var events = new EventStream(session, guard: Guard);
        var offers = await events.NextOffers("agent-1", "agent-2");
        var taskId = await LaunchAsync(events, offers["agent-2"], $"while [ ! -e '{go}' ]; do sleep 0.05; done; echo finished");
        var sleeper = await LaunchAsync(events, offers["agent-1"], "exec sleep 600");
        var pids = await SleepingAsync(sleeper);

        await cluster.KillMasterAsync();
        (await events.EndsWithin()).Should().BeTrue("the master's end ends the framework's event stream");
        // The task ends while there is no master: its agent must keep the update until someone acknowledges it.
        await File.WriteAllTextAsync(go, "");
        await ProcessCluster.Until(() => Task.FromResult(ProcTable.InSandboxOf(taskId).Count == 0), $"{taskId} ended");
        await cluster.RestartMasterAsync();

        var failedOver = await cluster.Client.SubscribeAsync(CheckpointingFramework("sigkill-master") with { FrameworkId = frameworkId });
        failedOver.FrameworkId.Should().Be(frameworkId);
        var after = new EventStream(failedOver, guard: Guard);
        var finished = await after.NextUpdate(taskId, TaskState.Finished);
        await cluster.WaitForAgentsAsync();

        finished.AgentId.Should().Be("agent-2");
        finished.Uuid.Should().NotBeNull("an update from the agent is acknowledged (the stream acknowledged it)");
        after.Seen.OfType<UpdateEvent>().Where(u => u.Status.TaskId == taskId).Select(u => u.Status.State)
            .Should().NotContain([TaskState.Lost, TaskState.Gone, TaskState.Unreachable, TaskState.Unknown]);
        var state = await cluster.Client.GetStateAsync();
        state.Tasks.Should().NotContain(t => t.TaskId == taskId);
        state.CompletedTasks.Single(t => t.TaskId == taskId).State.Should().Be(TaskState.Finished);

        // The task that ran on through the master's absence is the same process, known to the new master, and still the agent's to kill.
        var running = state.Tasks.Should().ContainSingle(t => t.TaskId == sleeper).Subject;
        running.State.Should().Be(TaskState.Running);
        running.AgentId.Should().Be("agent-1");
        ProcTable.InSandboxOf(sleeper).Should().BeEquivalentTo(pids, "the master's restart leaves the agent's task alone");
        await failedOver.KillAsync(sleeper);
        var killed = await after.NextUpdate(sleeper, TaskState.Killed);
        killed.AgentId.Should().Be("agent-1");
        killed.Source.Should().Be(StatusSource.Executor, "the agent killed it and said so; the master made nothing up");
        after.Seen.OfType<UpdateEvent>().Where(u => u.Status.TaskId == sleeper).Select(u => u.Status.State)
            .Should().NotContain([TaskState.Lost, TaskState.Gone, TaskState.Unreachable, TaskState.Unknown]);
        await ProcessCluster.Until(() => Task.FromResult(ProcTable.InSandboxOf(sleeper).Count == 0), $"{sleeper}'s processes ended");
    }

    [Fact]
    public async Task A_cut_link_makes_the_agent_unreachable_and_once_healed_it_registers_again_with_its_task_running()
    {
        await using var cluster = await ProcessCluster.StartAsync(agents: 1, proxied: true);
        var (session, events, taskId, pids) = await SleeperOnAgent1Async(cluster, CheckpointingFramework("cut-link"));
        var agent = cluster.Agent(0);

        cluster.Proxy(0).Cut();
        await events.NextUpdate(taskId, TaskState.Unreachable);
        (await cluster.Client.GetAgentsAsync()).Single(a => a.AgentId == "agent-1").Reachable.Should().BeFalse();

        cluster.Proxy(0).Heal();
        var running = await events.NextUpdate(taskId, TaskState.Running);

        running.Reason.Should().Be(TaskReason.AgentReregistered, running.ToString());
        cluster.Agent(0).Should().BeSameAs(agent);
        Processes.Signal(agent.Pid, 0).Should().Be(0, "the agent process lived through the partition");
        cluster.Proxy(0).Accepted.Should().BeGreaterThan(1, "the agent connected again through the healed proxy");
        ProcTable.InSandboxOf(taskId).Should().BeEquivalentTo(pids);
        (await cluster.Client.GetStateAsync()).Tasks.Single(t => t.TaskId == taskId).State.Should().Be(TaskState.Running);
    }

    [Fact]
    public async Task An_agent_cut_off_past_the_reregistration_timeout_is_removed_its_task_is_gone_and_once_healed_it_kills_the_task_and_registers_anew()
    {
        await using var cluster = await ProcessCluster.StartAsync(agents: 1, proxied: true, masterArgs: ["--agent-reregistration-timeout", "1"]);
        var (session, events, taskId, pids) = await SleeperOnAgent1Async(cluster, CheckpointingFramework("removed"));
        var agent = cluster.Agent(0);

        cluster.Proxy(0).Cut();
        await events.NextUpdate(taskId, TaskState.Unreachable);
        var gone = await events.NextUpdate(taskId);

        gone.State.Should().Be(TaskState.Gone, gone.ToString());
        gone.Reason.Should().Be(TaskReason.AgentRemoved);
        gone.Source.Should().Be(StatusSource.Master);
        (await cluster.Client.GetAgentsAsync()).Should().NotContain(a => a.AgentId == "agent-1");
        ProcTable.InSandboxOf(taskId).Should().BeEquivalentTo(pids, "the agent has not heard of its removal yet");

        cluster.Proxy(0).Heal();
        await events.NextOffer(o => o.AgentId == "agent-1");
        await ProcessCluster.Until(() => Task.FromResult(ProcTable.InSandboxOf(taskId).Count == 0), $"the removed agent killed {taskId}");

        cluster.Agent(0).Should().BeSameAs(agent);
        Processes.Signal(agent.Pid, 0).Should().Be(0, "the agent process lived through the partition");
        var state = await cluster.Client.GetStateAsync();
        state.Agents.Should().ContainSingle(a => a.AgentId == "agent-1").Which.Should().Match<AgentSnapshot>(a => a.Reachable && a.ActiveTasks == 0);
        state.Tasks.Should().BeEmpty();
        state.CompletedTasks.Single(t => t.TaskId == taskId).State.Should().Be(TaskState.Gone);
        (await events.Drain()).OfType<UpdateEvent>().Should().NotContain(u => u.Status.TaskId == taskId, "the framework was told GONE once; nothing else");
    }

    [Fact]
    public async Task A_blackholed_link_makes_the_agent_unreachable_the_agent_s_keep_alive_ends_it_and_once_healed_the_agent_registers_again_with_its_task_running()
    {
        await using var cluster = await ProcessCluster.StartAsync(agents: 1, proxied: true);
        var (session, events, taskId, pids) = await SleeperOnAgent1Async(cluster, CheckpointingFramework("blackhole"));
        var agent = cluster.Agent(0);

        // No close reaches either end: the master can tell only by the heartbeats it misses, the agent by its keep-alive.
        cluster.Proxy(0).Blackhole();
        var unreachable = await events.NextUpdate(taskId, TaskState.Unreachable);
        unreachable.Message.Should().Contain("missed 6 heartbeats");
        (await cluster.Client.GetAgentsAsync()).Single(a => a.AgentId == "agent-1").Reachable.Should().BeFalse();
        await agent.WaitForLineAsync(l => l.Contains("The link to the master at ", StringComparison.Ordinal) && l.Contains(" broke (", StringComparison.Ordinal));
        ProcTable.InSandboxOf(taskId).Should().BeEquivalentTo(pids, "a partition does not stop the task");

        cluster.Proxy(0).Heal();
        var running = await events.NextUpdate(taskId, TaskState.Running);

        running.Reason.Should().Be(TaskReason.AgentReregistered, running.ToString());
        Processes.Signal(agent.Pid, 0).Should().Be(0, "the agent process lived through the partition");
        cluster.Proxy(0).Accepted.Should().BeGreaterThan(1, "the agent gave up the silent link and connected again");
        ProcTable.InSandboxOf(taskId).Should().BeEquivalentTo(pids);
        (await cluster.Client.GetStateAsync()).Tasks.Single(t => t.TaskId == taskId).State.Should().Be(TaskState.Running);
        await session.KillAsync(taskId);
        (await events.NextUpdate(taskId, TaskState.Killed)).Source.Should().Be(StatusSource.Executor, "the agent is reached over its new link");
    }

    [Fact]
    public async Task An_agent_process_joins_embedded_dev_runs_the_job_its_attribute_attracts_and_leaves_when_stopped()
    {
        var root = Directory.CreateTempSubdirectory("embedded-mp-dev-").FullName;
        var (dev, url) = await DevCluster.StartAsync("--no-docker");
        CliProcess? agent = null;
        await using var services = new ServiceCollection().AddRemoteCluster(new Uri(url)).BuildServiceProvider();
        var client = services.GetRequiredService<IClusterClient>();
        try
        {
            agent = CliProcess.Start("agent", "--master", url, "--name", "far-1", "--resources", "cpus:1;mem:512", "--attributes", "site:far",
                "--work-dir", Path.Combine(root, "far-1"));
            await agent.WaitForLineAsync(l => l.StartsWith("Agent far-1 joined the master", StringComparison.Ordinal));

            var (code, stdout, stderr) = await CliProcess.RunAsync("run", "--master", url, "--constraint", "site=far", "--", "echo", "hello from far");

            code.Should().Be(0, stdout + stderr);
            stdout.Should().Contain(": launching on agent far-1 ").And.Contain("TASK_FINISHED").And.Contain("hello from far");
            var agents = await client.GetAgentsAsync();
            agents.Should().HaveCount(3, "dev's two agents and the remote one");
            agents.Should().ContainSingle(a => a.AgentId == "far-1").Which.Should().Match<AgentSnapshot>(a => a.Reachable && a.Attributes["site"] == "far");

            agent.Signal(15);
            (await agent.WaitForExitAsync()).Should().Be(0, agent.Output);
            agent.Stdout.Should().Contain("Agent far-1 stopped");
            await ProcessCluster.Until(async () => (await client.GetAgentsAsync()).All(a => a.AgentId != "far-1"), "far-1 gone from dev's master");
            (await client.GetAgentsAsync()).Should().HaveCount(2).And.OnlyContain(a => a.Reachable);
        }
        finally
        {
            if (agent is not null) await agent.DisposeAsync();
            await dev.DisposeAsync();
            Directory.Delete(root, recursive: true);
        }
    }

    [DockerFact]
    public async Task A_docker_agent_in_its_own_process_runs_a_container_job_and_leaves_no_container()
    {
        DockerEngine.Answers.Should().BeTrue($"CI=true needs a Docker engine: {DockerEngine.WhyNot}; run scripts/setup.sh");
        var cluster = await ProcessCluster.StartAsync(agents: 1, agentArgs: _ => ["--docker", DockerEngine.Endpoint.ToString()]);
        string lease;
        await using (cluster)
        {
            lease = (await File.ReadAllTextAsync(Path.Combine(cluster.AgentWorkDirectory(0), "meta", "lease-id"))).Trim();

            var (code, stdout, stderr) = await CliProcess.RunAsync(
                "run", "--master", cluster.Url, "--image", DockerEngine.TestImage, "--", "echo", "hello from a container");

            code.Should().Be(0, stdout + stderr);
            stdout.Should().Contain(": launching on agent agent-1 ").And.Contain("TASK_FINISHED").And.Contain("hello from a container");
        }

        var left = await Processes.RunAsync("docker", "ps", "--all", "--quiet", "--filter", "label=embedded.managed", "--filter", $"label=embedded.lease={lease}");
        left.Trim().Should().BeEmpty("no container of the agent may outlive the cluster");
    }

    [Fact]
    public async Task An_agent_with_a_wrong_secret_is_refused_with_exit_2_and_never_listed()
    {
        var secrets = Directory.CreateTempSubdirectory("embedded-mp-secrets-").FullName;
        try
        {
            var credentials = Path.Combine(secrets, "credentials");
            await File.WriteAllTextAsync(credentials, "ops ops-s3cret\nagents agents-s3cret\n");
            var ops = Path.Combine(secrets, "ops.secret");
            await File.WriteAllTextAsync(ops, "ops-s3cret\n");
            var good = Path.Combine(secrets, "good.credential");
            await File.WriteAllTextAsync(good, "agents agents-s3cret\n");
            var wrong = Path.Combine(secrets, "wrong.credential");
            await File.WriteAllTextAsync(wrong, "agents guess\n");
            await using var cluster = await ProcessCluster.StartAsync(agents: 1,
                masterArgs: ["--credentials", credentials, "--operator", "ops", "--agent-principal", "agents"], agentArgs: _ => ["--credential", good]);

            var (code, stdout, stderr) = await CliProcess.RunAsync(NoEnvironment,
                "agent", "--master", cluster.Url, "--name", "intruder", "--work-dir", Path.Combine(cluster.Root, "intruder"), "--credential", wrong);
            var (stateCode, state, stateErrors) = await CliProcess.RunAsync(NoEnvironment,
                "state", "--master", cluster.Url, "--principal", "ops", "--secret-file", ops);

            code.Should().Be(2, stdout + stderr);
            stderr.Should().Contain("embedded agent: intruder did not join the master: the master at ").And.Contain("did not accept this agent's credentials (401)")
                .And.NotContain("   at ");
            stdout.Should().NotContain("joined the master");
            stateCode.Should().Be(0, stateErrors);
            state.Should().Contain("agent-1").And.NotContain("intruder");
        }
        finally
        {
            Directory.Delete(secrets, recursive: true);
        }
    }

    [Fact]
    public async Task A_second_agent_process_under_a_connected_name_exits_2_and_the_first_keeps_its_place()
    {
        await using var cluster = await ProcessCluster.StartAsync(agents: 1);

        var (code, stdout, stderr) = await CliProcess.RunAsync(
            "agent", "--master", cluster.Url, "--name", "agent-1", "--work-dir", Path.Combine(cluster.Root, "impostor"));

        code.Should().Be(2, stdout + stderr);
        stderr.Should().Contain("embedded agent: agent-1 did not join the master: an agent named 'agent-1' is connected already").And.NotContain("   at ");
        cluster.Agent(0).Stdout.Should().NotContain("stopped");
        (await cluster.Client.GetAgentsAsync()).Should().ContainSingle(a => a.AgentId == "agent-1" && a.Reachable);
    }

    [Fact]
    public async Task An_agent_whose_name_a_new_agent_took_while_it_was_cut_off_exits_2_once_healed_and_the_new_one_keeps_the_name()
    {
        await using var cluster = await ProcessCluster.StartAsync(agents: 1, proxied: true);
        var (session, events, taskId, _) = await SleeperOnAgent1Async(cluster, CheckpointingFramework("taken-over"));
        var original = cluster.Agent(0);

        cluster.Proxy(0).Cut();
        await events.NextUpdate(taskId, TaskState.Unreachable);
        var successor = cluster.StartOtherAgent("agent-1", Path.Combine(cluster.Root, "successor"), "--attributes", "rack:successor");
        await successor.WaitForLineAsync(l => l.StartsWith("Agent agent-1 joined the master", StringComparison.Ordinal));
        var gone = await events.NextUpdate(taskId);

        gone.State.Should().Be(TaskState.Gone, gone.ToString());
        gone.Reason.Should().Be(TaskReason.AgentRemoved);
        gone.Message.Should().Contain("a new agent registered under its name");
        cluster.Proxy(0).Heal();
        var code = await original.WaitForExitAsync();

        code.Should().Be(2, original.Output);
        original.Stderr.Should().Contain("embedded agent: agent-1 left the master, which refused it: a new agent registered under the name 'agent-1' while this one was unreachable")
            .And.NotContain("   at ");
        original.Stdout.Should().NotContain("Agent agent-1 stopped");
        cluster.Proxy(0).Accepted.Should().BeGreaterThan(1, "the original came back through the healed proxy before it was refused");
        ProcTable.InSandboxOf(taskId).Should().BeEmpty("the refused agent killed the task the master had given up");
        Processes.Signal(successor.Pid, 0).Should().Be(0, "the new agent is not disturbed");
        successor.Stdout.Should().NotContain("stopped");
        (await cluster.Client.GetAgentsAsync()).Should().ContainSingle(a => a.AgentId == "agent-1")
            .Which.Should().Match<AgentSnapshot>(a => a.Reachable && a.Attributes["rack"] == "successor");
    }

    [Fact]
    public async Task An_agent_whose_name_was_taken_twice_over_while_it_was_cut_off_still_exits_2_once_healed()
    {
        await using var cluster = await ProcessCluster.StartAsync(agents: 1, proxied: true);
        var original = cluster.Agent(0);
        cluster.Proxy(0).Cut();
        await UnreachableAsync(cluster, "agent-1");

        // A second agent takes the name and dies in turn; a third takes it from the second.
        var second = cluster.StartOtherAgent("agent-1", Path.Combine(cluster.Root, "second"), "--attributes", "rack:second");
        await second.WaitForLineAsync(l => l.StartsWith("Agent agent-1 joined the master", StringComparison.Ordinal));
        second.Signal(9);
        await second.WaitForExitAsync();
        await UnreachableAsync(cluster, "agent-1");
        var third = cluster.StartOtherAgent("agent-1", Path.Combine(cluster.Root, "third"), "--attributes", "rack:third");
        await third.WaitForLineAsync(l => l.StartsWith("Agent agent-1 joined the master", StringComparison.Ordinal));
        cluster.Proxy(0).Heal();

        (await original.WaitForExitAsync()).Should().Be(2, original.Output);
        original.Stderr.Should().Contain("a new agent registered under the name 'agent-1' while this one was unreachable");
        (await cluster.Client.GetAgentsAsync()).Should().ContainSingle(a => a.AgentId == "agent-1")
            .Which.Should().Match<AgentSnapshot>(a => a.Reachable && a.Attributes["rack"] == "third");
    }

    private static Task UnreachableAsync(ProcessCluster cluster, string agentId) => ProcessCluster.Until(
        async () => (await cluster.Client.GetAgentsAsync()).Any(a => a.AgentId == agentId && !a.Reachable), $"{agentId} unreachable");

    /// <summary>A partition-aware framework whose tasks agents checkpoint, and that may fail over for 10 minutes.</summary>
    private static FrameworkInfo CheckpointingFramework(string name) =>
        new(name) { Checkpoint = true, PartitionAware = true, FailoverTimeout = TimeSpan.FromMinutes(10) };

    /// <summary>
    /// The processes of <paramref name="taskId"/> (its wrapper and the task) once its `sleep` runs: RUNNING
    /// comes when the wrapper has started, a moment before it has started the task.
    /// </summary>
    /// <summary>A framework of <paramref name="info"/> with one `exec sleep 600` task running on agent-1: its session and events, the task and its processes.</summary>
    private static async Task<(SchedulerSession Session, EventStream Events, string TaskId, IReadOnlyList<int> Pids)> SleeperOnAgent1Async(ProcessCluster cluster, FrameworkInfo info)
    {
        var session = await cluster.Client.SubscribeAsync(info);
        var events = new EventStream(session, guard: Guard);
        var taskId = await LaunchAsync(events, "agent-1", "exec sleep 600");
        return (session, events, taskId, await SleepingAsync(taskId));
    }

    private static async Task<IReadOnlyList<int>> SleepingAsync(string taskId)
    {
        await ProcessCluster.Until(() => Task.FromResult(ProcTable.InSandboxOf(taskId).Any(p => ProcTable.CommandLine(p).StartsWith("sleep ", StringComparison.Ordinal))),
            $"the sleep of {taskId} started");
        return ProcTable.InSandboxOf(taskId);
    }

    /// <summary>Launches a shell task on <paramref name="agentId"/>'s offer and waits until it runs; its id.</summary>
    private static async Task<string> LaunchAsync(EventStream events, string agentId, string command) =>
        await LaunchAsync(events, await events.NextOffer(o => o.AgentId == agentId), command);

    /// <summary>Launches a shell task on <paramref name="offer"/> and waits until it runs; its id.</summary>
    private static async Task<string> LaunchAsync(EventStream events, Offer offer, string command)
    {
        var agentId = offer.AgentId;
        var taskId = $"task-{Guid.NewGuid().ToString("N")[..8]}";
        await events.Session.Launch(offer, TestTasks.Shell(taskId, command, agentId));
        await events.NextUpdate(taskId, TaskState.Running);
        return taskId;
    }
}
