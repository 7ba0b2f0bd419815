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
}
