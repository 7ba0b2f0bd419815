using System.Net;
using System.Text.Json;
using Xunit.Abstractions;

namespace Embedded.Server.Tests;

/// <summary>GET /api/v1/agents/{agent}/frameworks/{framework}/tasks/{task}/output: what `embedded run` streams.</summary>
public sealed class TaskOutputTests(ITestOutputHelper output)
{
    [Fact]
    public async Task A_task_output_is_readable_after_it_ended_and_an_unknown_task_is_404()
    {
        await using var server = await ApiServer.StartAsync(output);
        await using var stream = await server.SubscribeAsync();
        var offer = (await stream.NextAsync("OFFERS")).GetProperty("offers").GetProperty("offers")[0];
        var offerId = offer.GetProperty("id").GetProperty("value").GetString()!;
        using (var accept = await server.PostAsync("/api/v1/scheduler", Calls.Launch(stream.FrameworkId, offerId, Calls.ShellTask("talk", "agent-1", "echo out; echo err >&2")), stream.StreamId))
            accept.StatusCode.Should().Be(HttpStatusCode.Accepted);
        await stream.NextUpdateAsync(server, "talk", "TASK_FINISHED");

        using var response = await server.Http.GetAsync($"/api/v1/agents/agent-1/frameworks/{stream.FrameworkId}/tasks/talk/output");
        response.StatusCode.Should().Be(HttpStatusCode.OK);
        response.Content.Headers.ContentType!.MediaType.Should().Be("application/json");
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        json.RootElement.GetProperty("stdout").GetString().Should().Be("out\n");
        json.RootElement.GetProperty("stderr").GetString().Should().Be("err\n");

        using var unknown = await server.Http.GetAsync($"/api/v1/agents/agent-1/frameworks/{stream.FrameworkId}/tasks/nope/output");
        unknown.StatusCode.Should().Be(HttpStatusCode.NotFound);
        using var noAgent = await server.Http.GetAsync($"/api/v1/agents/agent-9/frameworks/{stream.FrameworkId}/tasks/talk/output");
        noAgent.StatusCode.Should().Be(HttpStatusCode.NotFound);
    }
}
