using Embedded.Orchestration.Model;
using Embedded.Orchestration.Scheduling;
using Xunit.Abstractions;

namespace Embedded.Server.Tests;

/// <summary>Agents of another host joining a master over the network link (GET /api/v1/agents/connect), on a real loopback Kestrel.</summary>
public sealed class RemoteAgentTests(ITestOutputHelper output)
{
    [Fact]
    public async Task A_remote_agent_joins_the_master_and_runs_the_jobs_its_attributes_attract()
    {
        await using var master = await ClusterApiHost.StartAsync(output);
        await using var agent = await RemoteAgentHost.StartAsync(output, master.Address, "far-1", o => o.Agent.SetAttribute("site", "far"));

        var agents = await master.Cluster.Client.GetAgentsAsync();
        agents.Select(a => a.AgentId).Should().BeEquivalentTo(["agent-1", "far-1"]);
        agents.Single(a => a.AgentId == "far-1").Attributes.Should().Contain("site", "far");

        var result = await master.Cluster.Jobs.RunAsync(Job.Shell("echo from far away").WithConstraint(Constraint.Equal("site", "far")));
        result.State.Should().Be(TaskState.Finished, result.ToString());
        result.AgentId.Should().Be("far-1");
        result.Stdout.Should().Be("from far away\n");
    }

    [Fact]
    public async Task A_running_remote_task_output_is_read_over_the_link()
    {
        await using var master = await ClusterApiHost.StartAsync(output);
        await using var agent = await RemoteAgentHost.StartAsync(output, master.Address, "far-1", o => o.Agent.SetAttribute("site", "far"));
        var job = await master.Cluster.Jobs.SubmitAsync(Job.Shell("echo started; exec sleep 600").WithConstraint(Constraint.Equal("site", "far")));
        var running = await job.WaitForStateAsync(TaskState.Running);

        // The shell writes after it is RUNNING: read until it has (within the hang guard).
        var written = await job.ReadOutputAsync();
        for (var guard = DateTime.UtcNow + EventStream.DefaultGuard; written.Stdout.Length == 0 && DateTime.UtcNow < guard; written = await job.ReadOutputAsync())
            await Task.Delay(20);
        written.Stdout.Should().Be("started\n");
        (await master.Cluster.Client.ReadOutputAsync("far-1", "no-such-framework", running.TaskId)).Should().BeNull();
        await job.CancelAsync();
    }

    [Fact]
    public async Task A_cut_link_heals_the_agent_registers_again_and_its_running_task_is_kept()
    {
        await using var master = await ClusterApiHost.StartAsync(output);
        await using var agent = await RemoteAgentHost.StartAsync(output, master.Address, "far-1", o => o.Agent.SetAttribute("site", "far"));
        var job = await master.Cluster.Jobs.SubmitAsync(Job.Shell("sleep 600").WithConstraint(Constraint.Equal("site", "far")));
        var running = await job.WaitForStateAsync(TaskState.Running);

        using var guard = new CancellationTokenSource(EventStream.DefaultGuard);
        var events = master.Cluster.Client.WatchAsync(guard.Token).GetAsyncEnumerator(guard.Token);
        (await events.MoveNextAsync()).Should().BeTrue(); // The snapshot first.
        agent.CutLink();
        var reregistered = false;
        while (!reregistered && await events.MoveNextAsync())
            reregistered = events.Current is AgentUpdated { Agent: { AgentId: "far-1", Reachable: true } };
        await events.DisposeAsync();
        reregistered.Should().BeTrue();

        var task = (await master.Cluster.GetStateAsync()).Tasks.Single(t => t.TaskId == running.TaskId);
        task.State.Should().Be(TaskState.Running, "a partition that heals before the agent is unreachable leaves its tasks alone");
        await job.CancelAsync();
        (await job.Completion).State.Should().Be(TaskState.Killed);
    }

    [Fact]
    public async Task A_second_agent_under_a_connected_name_is_refused_and_the_first_keeps_serving()
    {
        await using var master = await ClusterApiHost.StartAsync(output);
        await using var first = await RemoteAgentHost.StartAsync(output, master.Address, "far-1");

        var second = () => RemoteAgentHost.StartAsync(output, master.Address, "far-1");
        (await second.Should().ThrowAsync<InvalidOperationException>()).Which.Message.Should().Contain("an agent named 'far-1' is connected already");

        var result = await master.Cluster.Jobs.RunAsync(Job.Shell("true"));
        result.State.Should().Be(TaskState.Finished, result.ToString());
        (await master.Cluster.Client.GetAgentsAsync()).Should().Contain(a => a.AgentId == "far-1" && a.Reachable);
    }

    [Fact]
    public async Task A_master_that_does_not_accept_agents_serves_no_agent_link_and_an_agent_that_tries_is_told_so()
    {
        await using var master = await ClusterApiHost.StartAsync(output, api => api.AcceptAgents = false);

        var join = () => RemoteAgentHost.StartAsync(output, master.Address, "far-1");

        (await join.Should().ThrowAsync<InvalidOperationException>()).Which.Message.Should().Contain("serves no agent link at /api/v1/agents/connect (404)");
        (await master.Cluster.Client.GetAgentsAsync()).Select(a => a.AgentId).Should().Equal("agent-1");
        (await master.Cluster.Jobs.RunAsync(Job.Shell("true"))).State.Should().Be(TaskState.Finished, "the rest of the API serves as before");
    }

    [Fact]
    public async Task A_remote_agent_under_the_name_of_an_agent_of_the_masters_process_is_refused()
    {
        await using var master = await ClusterApiHost.StartAsync(output);

        var join = () => RemoteAgentHost.StartAsync(output, master.Address, "agent-1", o => o.Agent.SetAttribute("site", "far"));

        (await join.Should().ThrowAsync<InvalidOperationException>()).Which.Message.Should().Contain("runs in the master's own process");
        var agent = (await master.Cluster.Client.GetAgentsAsync()).Single();
        agent.Reachable.Should().BeTrue();
        agent.Attributes.Should().NotContainKey("site");
        (await master.Cluster.Jobs.RunAsync(Job.Shell("true"))).State.Should().Be(TaskState.Finished);
    }

    [Fact]
    public async Task An_agent_that_stops_leaves_the_master_and_its_tasks_are_killed()
    {
        await using var master = await ClusterApiHost.StartAsync(output);
        var agent = await RemoteAgentHost.StartAsync(output, master.Address, "far-1", o => o.Agent.SetAttribute("site", "far"));
        var job = await master.Cluster.Jobs.SubmitAsync(Job.Shell("sleep 600").WithConstraint(Constraint.Equal("site", "far")));
        await job.WaitForStateAsync(TaskState.Running);

        // Guarded, so that a stop that hangs fails here by name instead of stalling the run until its hang timeout.
        await FluentActions.Awaiting(() => agent.DisposeAsync().AsTask()).Should().CompleteWithinAsync(EventStream.DefaultGuard, "the agent kills its task, reports it and leaves");
        (await job.Completion.WaitAsync(EventStream.DefaultGuard)).State.Should().Be(TaskState.Killed);
        (await master.Cluster.Client.GetAgentsAsync()).Should().NotContain(a => a.AgentId == "far-1");
    }
}
