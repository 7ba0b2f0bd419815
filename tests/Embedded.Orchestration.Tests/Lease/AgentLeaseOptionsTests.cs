using Embedded.Orchestration.Hosting;
using Microsoft.Extensions.Options;

namespace Embedded.Orchestration.Tests.Lease;

public sealed class AgentLeaseOptionsTests
{
    [Fact]
    public void The_recovery_timeout_defaults_to_Mesos_fifteen_minutes_and_the_lease_is_on()
    {
        var agent = new ClusterOptions().AddAgent("a");
        agent.RecoveryTimeout.Should().Be(TimeSpan.FromMinutes(15));
        agent.OwnerLease.Should().BeTrue();
    }

    [Fact]
    public async Task A_negative_recovery_timeout_is_refused_at_start_with_a_clear_error()
    {
        var start = () => MiniCluster.StartAsync(0, o => o.AddAgent("bad").RecoveryTimeout = TimeSpan.FromSeconds(-1));
        var error = await start.Should().ThrowAsync<OptionsValidationException>();
        error.Which.Message.Should().Contain("agent 'bad'").And.Contain("RecoveryTimeout must not be negative");
    }

    [LinuxFact]
    public async Task An_agent_keeps_a_lease_id_and_its_owner_in_a_work_directory_of_its_own_and_a_restart_keeps_the_id()
    {
        var work = Path.Combine(Path.GetTempPath(), "embedded-lease-" + Guid.NewGuid().ToString("N"));
        await using var cluster = await MiniCluster.StartAsync(0, o => o.AddAgent("agent-1").WorkDirectory = work);
        var agent = cluster.Agent("agent-1");
        var meta = Path.Combine(agent.WorkDirectory, "meta");
        var lease = File.ReadAllText(Path.Combine(meta, "lease-id"));
        File.ReadAllText(Path.Combine(meta, "owner")).Should().StartWith($"{Environment.ProcessId} ");

        await agent.CrashAsync();
        await agent.RestartAsync();
        File.ReadAllText(Path.Combine(meta, "lease-id")).Should().Be(lease);
        await cluster.DisposeAsync();
        Directory.Delete(work, recursive: true);
    }
}
