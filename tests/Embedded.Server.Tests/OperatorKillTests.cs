using System.Net;
using System.Text.Json;
using Xunit.Abstractions;
using static Embedded.Server.Tests.SecuredServer;

namespace Embedded.Server.Tests;

/// <summary>KILL_TASK, Embedded's operator kill, over a real loopback Kestrel.</summary>
public sealed class OperatorKillTests(ITestOutputHelper output)
{
    private const string Scheduler = "/api/v1/scheduler";

    private static string KillTask(string taskId, string? frameworkId = null)
    {
        var framework = frameworkId is null ? "" : ",\"framework_id\":{\"value\":\"" + frameworkId + "\"}";
        return "{\"type\":\"KILL_TASK\",\"kill_task\":{\"task_id\":{\"value\":\"" + taskId + "\"}" + framework + ",\"grace_period_seconds\":0}}";
    }

    [Fact]
    public async Task Kill_task_is_answered_202_and_the_framework_sees_task_killed()
    {
        await using var server = await ApiServer.StartAsync(output);
        await using var stream = await server.SubscribeAsync("victim");
        await LaunchAsync(server, stream, "web");

        using (var kill = await server.PostAsync("/api/v1", KillTask("web")))
            kill.StatusCode.Should().Be(HttpStatusCode.Accepted, await kill.Content.ReadAsStringAsync());

        var killed = await stream.NextUpdateAsync(server, "web", "TASK_KILLED");
        killed.GetProperty("message").GetString().Should().Contain("killed by an operator");
        (await server.Cluster.Client.GetStateAsync()).Tasks.Should().BeEmpty();
    }

    [Fact]
    public async Task Kill_task_of_an_unknown_task_is_404_and_changes_nothing()
    {
        await using var server = await ApiServer.StartAsync(output);
        await using var stream = await server.SubscribeAsync("bystander");
        await LaunchAsync(server, stream, "web");

        using var unknown = await server.PostAsync("/api/v1", KillTask("no-such-task"));
        using var otherFramework = await server.PostAsync("/api/v1", KillTask("web", "no-such-framework"));

        unknown.StatusCode.Should().Be(HttpStatusCode.NotFound);
        (await unknown.Content.ReadAsStringAsync()).Should().Be("no active task no-such-task");
        otherFramework.StatusCode.Should().Be(HttpStatusCode.NotFound);
        (await server.Cluster.Client.GetStateAsync()).Tasks.Should().ContainSingle(t => t.TaskId == "web" && t.State == Orchestration.Model.TaskState.Running);
    }

    [Fact]
    public async Task Kill_task_of_an_id_two_frameworks_use_is_400_naming_both_until_one_is_given()
    {
        await using var server = await ApiServer.StartAsync(output, agents: 2);
        await using var first = await server.SubscribeAsync("first");
        await LaunchAsync(server, first, "same");
        await using var second = await server.SubscribeAsync("second");
        await LaunchAsync(server, second, "same");

        using (var ambiguous = await server.PostAsync("/api/v1", KillTask("same")))
        {
            ambiguous.StatusCode.Should().Be(HttpStatusCode.BadRequest);
            (await ambiguous.Content.ReadAsStringAsync()).Should().Contain(first.FrameworkId).And.Contain(second.FrameworkId);
        }
        (await server.Cluster.Client.GetStateAsync()).Tasks.Should().HaveCount(2);

        using (var named = await server.PostAsync("/api/v1", KillTask("same", second.FrameworkId)))
            named.StatusCode.Should().Be(HttpStatusCode.Accepted, await named.Content.ReadAsStringAsync());
        await second.NextUpdateAsync(server, "same", "TASK_KILLED");
        (await server.Cluster.Client.GetStateAsync()).Tasks.Should().ContainSingle(t => t.FrameworkId == first.FrameworkId);
    }

    [Fact]
    public async Task Kill_task_needs_an_operator_principal_when_authentication_is_on()
    {
        using var credentials = Credentials();
        await using var server = await StartAsync(output, credentials);
        await using var stream = await server.SubscribeAsync("owned", authorization: A);
        await LaunchAsync(server, stream, "web", A);

        using (var byOwner = await server.PostAsync("/api/v1", KillTask("web"), authorization: A))
            byOwner.StatusCode.Should().Be(HttpStatusCode.Forbidden, "KILL_TASK is an operator call, even for the task's own principal");
        using (var anonymous = await server.PostAsync("/api/v1", KillTask("web")))
            anonymous.StatusCode.Should().Be(HttpStatusCode.Unauthorized);
        (await server.Cluster.Client.GetStateAsync()).Tasks.Should().ContainSingle();

        using (var byOperator = await server.PostAsync("/api/v1", KillTask("web"), authorization: Ops))
            byOperator.StatusCode.Should().Be(HttpStatusCode.Accepted, await byOperator.Content.ReadAsStringAsync());
        await stream.NextUpdateAsync(server, "web", "TASK_KILLED");
    }

    [Theory]
    [InlineData("""{"type":"KILL_TASK"}""")]
    [InlineData("""{"type":"KILL_TASK","kill_task":{}}""")]
    [InlineData("""{"type":"KILL_TASK","kill_task":{"task_id":{"value":"t"},"grace_period_seconds":-1}}""")]
    [InlineData("""{"type":"KILL_TASK","kill_task":{"task_id":{"value":"t"},"grace_period_seconds":"soon"}}""")]
    public async Task A_malformed_kill_task_is_400(string body)
    {
        await using var server = await ApiServer.StartAsync(output);

        using var response = await server.PostAsync("/api/v1", body);

        response.StatusCode.Should().Be(HttpStatusCode.BadRequest, await response.Content.ReadAsStringAsync());
    }

    /// <summary>
    /// Launches a long sleep from the stream's first offer and waits until it runs. The framework wants
    /// nothing more (its other offers declined, what is left filtered for an hour), so the next framework gets offers.
    /// </summary>
    private static async Task LaunchAsync(ApiServer server, MesosStream stream, string taskId, string? authorization = null)
    {
        var offers = (await stream.NextAsync("OFFERS")).GetProperty("offers").GetProperty("offers").EnumerateArray().ToList();
        var offer = offers[0];
        var agent = offer.GetProperty("agent_id").GetProperty("value").GetString()!;
        var launch = Calls.Launch(stream.FrameworkId, Id(offer), Calls.ShellTask(taskId, agent, "sleep 300")).Replace("\"refuse_seconds\":0", "\"refuse_seconds\":3600", StringComparison.Ordinal);
        using (var accept = await server.PostAsync(Scheduler, launch, stream.StreamId, authorization: authorization))
            accept.StatusCode.Should().Be(HttpStatusCode.Accepted, await accept.Content.ReadAsStringAsync());
        foreach (var other in offers.Skip(1))
        {
            var decline = Calls.Of(stream.FrameworkId, "DECLINE", $$$"""{"offer_ids":[{"value":"{{{Id(other)}}}"}],"filters":{"refuse_seconds":3600}}""");
            using var declined = await server.PostAsync(Scheduler, decline, stream.StreamId, authorization: authorization);
            declined.StatusCode.Should().Be(HttpStatusCode.Accepted, await declined.Content.ReadAsStringAsync());
        }
        await stream.NextUpdateAsync(server, taskId, "TASK_RUNNING");
    }

    private static string Id(JsonElement offer) => offer.GetProperty("id").GetProperty("value").GetString()!;
}
