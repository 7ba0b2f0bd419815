using Embedded.Orchestration.Model;
using Embedded.Orchestration.Scheduling;
using Xunit.Abstractions;

namespace Embedded.Client.Tests;

/// <summary>The remote GetStateAsync shows what the in-process one does: outstanding offers, roles, and the client's own waiting jobs.</summary>
public sealed class RemoteStateTests(ITestOutputHelper output)
{
    [LinuxFact]
    public async Task Outstanding_offers_and_role_allocations_read_over_HTTP_are_the_masters()
    {
        await using var server = await ClusterApiHost.StartAsync(output, agents: 2, cluster: o => o.Jobs.Enabled = false);
        await using var remote = await RemoteHost.StartAsync(server.Address, output, o => o.Jobs.Enabled = false);
        await using var session = await remote.Client.SubscribeAsync(new FrameworkInfo("holder", "analytics"));
        var events = new EventStream(session);
        var offers = await events.NextOffers("agent-1", "agent-2");
        // One offer used (and what is left of it refused for long), the other held: neither changes while the state is read.
        await session.LaunchAsync(offers["agent-1"], [TestTasks.Shell("t", "sleep 300", "agent-1")], new Filters(RefuseSeconds: 3600));
        await events.NextUpdate("t", TaskState.Running);

        var local = await server.Cluster.GetStateAsync();
        var state = await remote.Client.GetStateAsync();

        local.Offers.Should().ContainSingle().Which.OfferId.Should().Be(offers["agent-2"].OfferId);
        state.Offers.Select(o => (o.OfferId, o.FrameworkId, o.AgentId, o.Hostname, o.Resources))
            .Should().Equal(local.Offers.Select(o => (o.OfferId, o.FrameworkId, o.AgentId, o.Hostname, o.Resources)));
        state.Frameworks.Should().ContainSingle(f => f.FrameworkId == session.FrameworkId).Which.Offers.Should().Be(1);
        state.Roles.Select(r => (r.Role, r.Weight, r.Allocated, r.Frameworks))
            .Should().Equal(local.Roles.Select(r => (r.Role, r.Weight, r.Allocated, r.Frameworks)));
        state.Roles.Should().Contain(r => r.Role == "analytics" && r.Frameworks == 1);
        foreach (var (remoteRole, localRole) in state.Roles.Zip(local.Roles))
            remoteRole.Share.Should().BeApproximately(localRole.Share, 1e-9, $"role {localRole.Role}'s dominant share");
        local.Roles.Single(r => r.Role == "analytics").Share.Should().BeGreaterThan(0);
        await session.TeardownAsync();
    }

    [LinuxFact]
    public async Task The_jobs_waiting_to_be_placed_are_the_remote_job_schedulers()
    {
        await using var server = await ClusterApiHost.StartAsync(output, agents: 1, cluster: o => o.Jobs.Enabled = false);
        await using var remote = await RemoteHost.StartAsync(server.Address, output, o => o.Jobs.FrameworkName = "remote-pending");
        var waiting = await remote.Jobs.SubmitAsync(Job.Shell("true", "cpus:64;mem:32") with { PlacementTimeout = Timeout.InfiniteTimeSpan });

        var state = await remote.Client.GetStateAsync();

        state.PendingJobs.Should().ContainSingle().Which.JobId.Should().Be(waiting.JobId);
        (await server.Cluster.GetStateAsync()).PendingJobs.Should().BeEmpty("the master's host has no job scheduler; the job is the client's");
        await waiting.CancelAsync();
        (await waiting.Completion.WaitAsync(EventStream.DefaultGuard)).State.Should().Be(TaskState.Killed);
        (await remote.Client.GetStateAsync()).PendingJobs.Should().BeEmpty();
    }
}
