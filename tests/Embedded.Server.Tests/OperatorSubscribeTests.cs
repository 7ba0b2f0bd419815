using System.Net;
using System.Text.Json;
using Xunit.Abstractions;

namespace Embedded.Server.Tests;

/// <summary>The operator API's SUBSCRIBE: the state first, then every change, as master.proto Events in RecordIO.</summary>
public sealed class OperatorSubscribeTests(ITestOutputHelper output)
{
    [Fact]
    public async Task An_operator_sees_the_state_then_a_framework_its_task_and_their_ends()
    {
        await using var server = await ApiServer.StartAsync(output);
        await using var ops = await MesosStream.OpenAsync(server.Address, """{"type":"SUBSCRIBE"}""", path: "/api/v1");
        ops.StatusCode.Should().Be(200);
        ops.Headers["Content-Type"].Should().Be("application/json");

        var subscribed = (await ops.NextAsync("SUBSCRIBED")).GetProperty("subscribed");
        subscribed.GetProperty("heartbeat_interval_seconds").GetDouble().Should().Be(15);
        subscribed.GetProperty("get_state").GetProperty("get_agents").GetProperty("agents")[0]
            .GetProperty("agent_info").GetProperty("id").GetProperty("value").GetString().Should().Be("agent-1");

        await using var framework = await server.SubscribeAsync("watched");
        var offer = (await framework.NextAsync("OFFERS")).GetProperty("offers").GetProperty("offers")[0];
        (await ops.NextAsync("FRAMEWORK_ADDED")).GetProperty("framework_added").GetProperty("framework").GetProperty("framework_info")
            .GetProperty("name").GetString().Should().Be("watched");

        using (var accept = await server.PostAsync("/api/v1/scheduler",
            Calls.Launch(framework.FrameworkId, offer.GetProperty("id").GetProperty("value").GetString()!, Calls.ShellTask("t", "agent-1", "true")), framework.StreamId))
            accept.StatusCode.Should().Be(HttpStatusCode.Accepted);
        await framework.NextUpdateAsync(server, "t", "TASK_FINISHED");

        var added = (await ops.NextAsync("TASK_ADDED")).GetProperty("task_added").GetProperty("task");
        added.GetProperty("task_id").GetProperty("value").GetString().Should().Be("t");
        added.GetProperty("framework_id").GetProperty("value").GetString().Should().Be(framework.FrameworkId);
        var states = new List<string>();
        while (states.LastOrDefault() != "TASK_FINISHED")
        {
            var updated = (await ops.NextAsync("TASK_UPDATED")).GetProperty("task_updated");
            updated.GetProperty("framework_id").GetProperty("value").GetString().Should().Be(framework.FrameworkId);
            updated.GetProperty("status").GetProperty("task_id").GetProperty("value").GetString().Should().Be("t");
            states.Add(updated.GetProperty("state").GetString()!);
        }
        states.Should().Equal("TASK_STARTING", "TASK_RUNNING", "TASK_FINISHED");

        using (var teardown = await server.PostAsync("/api/v1/scheduler", Calls.Of(framework.FrameworkId, "TEARDOWN"), framework.StreamId))
            teardown.StatusCode.Should().Be(HttpStatusCode.Accepted);
        var removed = (await ops.NextAsync("FRAMEWORK_REMOVED")).GetProperty("framework_removed").GetProperty("framework_info");
        removed.GetProperty("id").GetProperty("value").GetString().Should().Be(framework.FrameworkId);
        removed.GetProperty("name").GetString().Should().Be("watched");
    }

    [Fact]
    public async Task An_operator_sees_a_remote_agent_join_and_leave_and_a_framework_disconnect_and_fail_over()
    {
        await using var server = await ApiServer.StartAsync(output);
        await using var ops = await MesosStream.OpenAsync(server.Address, """{"type":"SUBSCRIBE"}""", path: "/api/v1");
        await ops.NextAsync("SUBSCRIBED");

        await using (await RemoteAgentHost.StartAsync(output, server.Address, "far-1", o => o.Agent.SetAttribute("site", "far")))
        {
            var added = (await ops.NextAsync("AGENT_ADDED")).GetProperty("agent_added").GetProperty("agent");
            added.GetProperty("agent_info").GetProperty("id").GetProperty("value").GetString().Should().Be("far-1");
            added.GetProperty("agent_info").GetProperty("attributes").EnumerateArray()
                .Single(a => a.GetProperty("name").GetString() == "site").GetProperty("text").GetProperty("value").GetString().Should().Be("far");
            added.GetProperty("active").GetBoolean().Should().BeTrue();
        }
        (await ops.NextAsync("AGENT_REMOVED")).GetProperty("agent_removed").GetProperty("agent_id").GetProperty("value").GetString()
            .Should().Be("far-1", "an agent that stops leaves the master");

        string frameworkId;
        await using (var first = await server.SubscribeAsync("patient", ""","failover_timeout":60"""))
        {
            await first.NextAsync("SUBSCRIBED");
            frameworkId = first.FrameworkId;
            (await ops.NextAsync("FRAMEWORK_ADDED")).GetProperty("framework_added").GetProperty("framework")
                .GetProperty("framework_info").GetProperty("id").GetProperty("value").GetString().Should().Be(frameworkId);
        }
        var disconnected = (await ops.NextAsync("FRAMEWORK_UPDATED")).GetProperty("framework_updated").GetProperty("framework");
        disconnected.GetProperty("framework_info").GetProperty("id").GetProperty("value").GetString().Should().Be(frameworkId);
        disconnected.GetProperty("connected").GetBoolean().Should().BeFalse("its stream closed; its failover timeout keeps it");

        await using var second = await server.SubscribeAsync("patient", $$$""","failover_timeout":60,"id":{"value":"{{{frameworkId}}}"}""");
        await second.NextAsync("SUBSCRIBED");
        var back = (await ops.NextAsync("FRAMEWORK_UPDATED")).GetProperty("framework_updated").GetProperty("framework");
        back.GetProperty("framework_info").GetProperty("id").GetProperty("value").GetString().Should().Be(frameworkId);
        back.GetProperty("connected").GetBoolean().Should().BeTrue("it failed over under its id");
    }
}
