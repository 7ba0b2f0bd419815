using Embedded.Orchestration.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Embedded.Orchestration.Tests.Hosting;

/// <summary>Bad settings fail when the cluster starts, each named with what is wrong, and nothing runs.</summary>
public sealed class OptionsValidationTests
{
    [Theory]
    [InlineData("heartbeat", "Master.AgentHeartbeatInterval must be positive (it is -00:00:01)")]
    [InlineData("missed", "Master.MaxMissedHeartbeats must be at least 1 (it is 0)")]
    [InlineData("allocation", "Master.Allocator.AllocationInterval must be positive (it is 00:00:00)")]
    [InlineData("weight", "the weight of role 'batch' must be a positive number (it is NaN)")]
    [InlineData("placement", "Jobs.PlacementCheckInterval must be positive (it is 00:00:00)")]
    [InlineData("retry", "agent 'a': MaxStatusUpdateRetryInterval (00:00:01) must not be shorter than StatusUpdateRetryInterval (00:00:10)")]
    [InlineData("grace", "agent 'a': ShutdownGracePeriod must not be negative (it is -00:00:01)")]
    [InlineData("resources", "agent 'a': resources 'cpus:lots':*")]
    [InlineData("name", "agent 'a b': a name must be 1 to 200 letters, digits, '.', '_' or '-'")]
    public async Task A_bad_setting_fails_the_start_naming_itself(string what, string message)
    {
        var start = () => MiniCluster.StartAsync(configure: c =>
        {
            var agent = c.AddAgent(what == "name" ? "a b" : "a", what == "resources" ? "cpus:lots" : null);
            switch (what)
            {
                case "heartbeat": c.Master.AgentHeartbeatInterval = TimeSpan.FromSeconds(-1); break;
                case "missed": c.Master.MaxMissedHeartbeats = 0; break;
                case "allocation": c.Master.Allocator.AllocationInterval = TimeSpan.Zero; break;
                case "weight": c.Master.Allocator.RoleWeights["batch"] = double.NaN; break;
                case "placement": c.Jobs.PlacementCheckInterval = TimeSpan.Zero; break;
                case "retry": agent.MaxStatusUpdateRetryInterval = TimeSpan.FromSeconds(1); break;
                case "grace": agent.ShutdownGracePeriod = TimeSpan.FromSeconds(-1); break;
            }
        });

        (await start.Should().ThrowAsync<OptionsValidationException>()).Which.Failures.Should().ContainMatch(message);
    }

    [Fact]
    public async Task Every_bad_setting_is_named_at_once()
    {
        var start = () => MiniCluster.StartAsync(configure: c =>
        {
            c.Master.MaxCompletedTasks = -1;
            c.Jobs.MaxRetries = -1;
            c.AddAgent("x");
            c.AddAgent("x");
        });

        (await start.Should().ThrowAsync<OptionsValidationException>()).Which.Failures.Should().BeEquivalentTo(
            "Master.MaxCompletedTasks must not be negative (it is -1)",
            "Jobs.MaxRetries must not be negative (it is -1)",
            "two agents are named 'x'");
    }

    [Fact]
    public async Task Under_the_generic_host_bad_settings_fail_the_host_start()
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Services.AddClusterOrchestration(c => c.Master.FrameworkHeartbeatInterval = TimeSpan.Zero);
        using var host = builder.Build();

        (await FluentActions.Awaiting(() => host.StartAsync()).Should().ThrowAsync<OptionsValidationException>())
            .Which.Failures.Should().Contain("Master.FrameworkHeartbeatInterval must be positive (it is 00:00:00)");
    }
}
