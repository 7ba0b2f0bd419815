using System.Net;
using System.Text.Json;
using Xunit.Abstractions;

namespace Embedded.Server.Tests;

public sealed class OperatorApiTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Operator_GET_calls_answer_in_master_proto_shape()
    {
        await using var server = await ApiServer.StartAsync(output);
        await using var stream = await server.SubscribeAsync("ops");
        var offer = (await stream.NextAsync("OFFERS")).GetProperty("offers").GetProperty("offers")[0];
        using (var accept = await server.PostAsync("/api/v1/scheduler", Calls.Launch(stream.FrameworkId, offer.GetProperty("id").GetProperty("value").GetString()!, Calls.ShellTask("web", "agent-1", "sleep 30")), stream.StreamId))
            accept.StatusCode.Should().Be(HttpStatusCode.Accepted);
        await stream.NextUpdateAsync(server, "web", "TASK_RUNNING");

        (await server.OperatorAsync("GET_HEALTH")).GetProperty("get_health").GetProperty("healthy").GetBoolean().Should().BeTrue();
        (await server.OperatorAsync("GET_VERSION")).GetProperty("get_version").GetProperty("version_info").GetProperty("version").GetString().Should().NotBeNullOrEmpty();

        var agents = (await server.OperatorAsync("GET_AGENTS")).GetProperty("get_agents").GetProperty("agents");
        var agent = agents.EnumerateArray().Should().ContainSingle().Subject;
        agent.GetProperty("agent_info").GetProperty("id").GetProperty("value").GetString().Should().Be("agent-1");
        agent.GetProperty("active").GetBoolean().Should().BeTrue();
        Scalar(agent.GetProperty("total_resources"), "cpus").Should().Be(4);
        Scalar(agent.GetProperty("allocated_resources"), "cpus").Should().Be(0.1);

        var frameworks = (await server.OperatorAsync("GET_FRAMEWORKS")).GetProperty("get_frameworks").GetProperty("frameworks");
        var framework = frameworks.EnumerateArray().Should().ContainSingle().Subject;
        framework.GetProperty("framework_info").GetProperty("id").GetProperty("value").GetString().Should().Be(stream.FrameworkId);
        framework.GetProperty("framework_info").GetProperty("name").GetString().Should().Be("ops");
        framework.GetProperty("connected").GetBoolean().Should().BeTrue();

        var tasks = (await server.OperatorAsync("GET_TASKS")).GetProperty("get_tasks").GetProperty("tasks");
        var task = tasks.EnumerateArray().Should().ContainSingle().Subject;
        task.GetProperty("task_id").GetProperty("value").GetString().Should().Be("web");
        task.GetProperty("agent_id").GetProperty("value").GetString().Should().Be("agent-1");
        task.GetProperty("framework_id").GetProperty("value").GetString().Should().Be(stream.FrameworkId);
        task.GetProperty("state").GetString().Should().Be("TASK_RUNNING");

        var roles = (await server.OperatorAsync("GET_ROLES")).GetProperty("get_roles").GetProperty("roles");
        var star = roles.EnumerateArray().Single(r => r.GetProperty("name").GetString() == "*");
        star.GetProperty("frameworks")[0].GetProperty("value").GetString().Should().Be(stream.FrameworkId);

        var state = (await server.OperatorAsync("GET_STATE")).GetProperty("get_state");
        state.GetProperty("get_tasks").GetProperty("tasks").GetArrayLength().Should().Be(1);
        state.GetProperty("get_frameworks").GetProperty("frameworks").GetArrayLength().Should().Be(1);
        state.GetProperty("get_agents").GetProperty("agents").GetArrayLength().Should().Be(1);
        state.GetProperty("get_executors").GetProperty("executors").GetArrayLength().Should().Be(0);

        foreach (var (body, code) in new[]
        {
            ("""{"type":"GET_NOTHING"}""", HttpStatusCode.BadRequest),
            ("""{}""", HttpStatusCode.BadRequest),
            ("""{"type":""", HttpStatusCode.BadRequest),
        })
        {
            using var response = await server.PostAsync("/api/v1", body);
            response.StatusCode.Should().Be(code, body);
        }
        using (var protobuf = await server.PostAsync("/api/v1", """{"type":"GET_HEALTH"}""", contentType: "application/x-protobuf"))
            protobuf.StatusCode.Should().Be(HttpStatusCode.UnsupportedMediaType);
        using (var get = await server.Http.GetAsync("/api/v1"))
            get.StatusCode.Should().Be(HttpStatusCode.MethodNotAllowed);
    }

    [Fact]
    public async Task Get_state_has_mesos_master_state_shape_and_health_answers_200()
    {
        await using var server = await ApiServer.StartAsync(output);
        await using var stream = await server.SubscribeAsync("stateful");
        await stream.NextAsync("OFFERS");

        foreach (var path in new[] { "/state", "/master/state", "/state.json" })
        {
            using var response = await server.Http.GetAsync(path);
            response.StatusCode.Should().Be(HttpStatusCode.OK, path);
            response.Content.Headers.ContentType!.ToString().Should().Be("application/json");
            using var doc = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
            var root = doc.RootElement;
            root.GetProperty("activated_slaves").GetInt32().Should().Be(1);
            var slave = root.GetProperty("slaves")[0];
            slave.GetProperty("id").GetString().Should().Be("agent-1");
            slave.GetProperty("resources").GetProperty("cpus").GetDouble().Should().Be(4);
            slave.GetProperty("resources").GetProperty("ports").GetString().Should().Be("[31000-31999]");
            var framework = root.GetProperty("frameworks")[0];
            framework.GetProperty("id").GetString().Should().Be(stream.FrameworkId);
            framework.GetProperty("name").GetString().Should().Be("stateful");
            framework.GetProperty("offers").GetArrayLength().Should().Be(1);
            framework.GetProperty("offers")[0].GetProperty("slave_id").GetString().Should().Be("agent-1");
        }
        using var health = await server.Http.GetAsync("/health");
        health.StatusCode.Should().Be(HttpStatusCode.OK);
    }

    private static double Scalar(JsonElement resources, string name) =>
        resources.EnumerateArray().Single(r => r.GetProperty("name").GetString() == name).GetProperty("scalar").GetProperty("value").GetDouble();
}
