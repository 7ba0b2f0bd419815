using Embedded.Orchestration.Model;
using Embedded.Orchestration.Scheduling;
using Xunit.Abstractions;

namespace Embedded.Client.Tests;

/// <summary>
/// The master says which kinds of task each agent runs (an <c>embedded_task_kinds</c> attribute, legal to any Mesos client);
/// the remote client reads them back, among the kinds it can place (its options), and leaves the attribute out of the agent's own.
/// </summary>
public sealed class RemoteTaskKindsTests(ITestOutputHelper output)
{
    private const string Small = "cpus:1;mem:256;disk:1024;ports:[31000-31009]";

    [LinuxFact]
    public async Task Agents_and_offers_carry_the_kinds_their_executors_run_and_a_job_no_agent_can_run_fails_at_once()
    {
        await using var server = await ClusterApiHost.StartAsync(output, cluster: o =>
        {
            o.Jobs.Enabled = false;
            o.AddAgent("procs", Small).UseProcesses();
            o.AddAgent("both", Small);
            o.AddAgent("delegates", Small).UseDelegates();
        });
        await using var remote = await RemoteHost.StartAsync(server.Address, output, o => o.Jobs.FrameworkName = "remote-kinds");
        await using var withDelegates = await RemoteHost.StartAsync(server.Address, output, o =>
        {
            o.Jobs.Enabled = false;
            o.TaskKinds.Add(TaskKind.Delegate);
        });

        var local = (await server.Cluster.Client.GetAgentsAsync()).ToDictionary(a => a.AgentId);
        local["both"].TaskKinds.Should().Equal(TaskKind.Command, TaskKind.Delegate);
        var agents = (await remote.Client.GetAgentsAsync()).ToDictionary(a => a.AgentId);
        agents["procs"].TaskKinds.Should().Equal(TaskKind.Command);
        agents["both"].TaskKinds.Should().Equal([TaskKind.Command], "a delegate runs only in the process that registered it");
        agents["delegates"].TaskKinds.Should().BeEmpty();
        foreach (var (id, agent) in agents) agent.Attributes.Should().Equal(local[id].Attributes, $"agent {id}'s attributes are its own");
        var all = (await withDelegates.Client.GetStateAsync()).Agents.ToDictionary(a => a.AgentId);
        all["both"].TaskKinds.Should().Equal(TaskKind.Command, TaskKind.Delegate);
        all["delegates"].TaskKinds.Should().Equal(TaskKind.Delegate);

        await using var session = await withDelegates.Client.SubscribeAsync(new FrameworkInfo("kinds"));
        var offers = await new EventStream(session).NextOffers("procs", "both", "delegates");
        foreach (var (id, offer) in offers)
        {
            offer.TaskKinds.Should().Equal(all[id].TaskKinds, $"the offer of agent {id}");
            offer.Attributes.Should().Equal(local[id].Attributes);
        }
        await session.TeardownAsync();

        var container = await (await remote.Jobs.SubmitAsync(Job.Docker("alpine:3.20", ["true"], "cpus:0.1;mem:32"))).Completion.WaitAsync(EventStream.DefaultGuard);
        container.Should().Match<JobResult>(r => r.State == TaskState.Error && r.Reason == TaskReason.PlacementFailed, container.Message);
        var command = await (await remote.Jobs.SubmitAsync(Job.Shell("true", "cpus:0.1;mem:32"))).Completion.WaitAsync(EventStream.DefaultGuard);
        command.State.Should().Be(TaskState.Finished, command.Message);
        command.AgentId.Should().BeOneOf("procs", "both");
    }
}
