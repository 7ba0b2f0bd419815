using System.Net;
using System.Text.Json;
using Xunit.Abstractions;

namespace Embedded.Server.Tests;

public sealed class SchedulerApiTests(ITestOutputHelper output)
{
    private const string Api = "/api/v1/scheduler";

    [Fact]
    public async Task Subscribe_streams_SUBSCRIBED_then_OFFERS_in_mesos_shape_one_record_per_chunk()
    {
        await using var server = await ApiServer.StartAsync(output);
        await using var stream = await server.SubscribeAsync();

        stream.StatusCode.Should().Be(200);
        stream.Headers["Content-Type"].Should().Be("application/json");
        stream.Headers["Transfer-Encoding"].Should().Be("chunked");
        stream.StreamId.Should().NotBeNullOrEmpty();

        var subscribed = (await stream.NextAsync("SUBSCRIBED")).GetProperty("subscribed");
        var frameworkId = subscribed.GetProperty("framework_id").GetProperty("value").GetString();
        frameworkId.Should().NotBeNullOrEmpty();
        subscribed.GetProperty("heartbeat_interval_seconds").GetDouble().Should().Be(15);
        subscribed.GetProperty("master_info").GetProperty("address").GetProperty("ip").GetString().Should().Be("127.0.0.1");
        subscribed.GetProperty("master_info").GetProperty("ip").GetUInt32().Should().Be(16777343u, "Mesos packs 127.0.0.1 as a little-endian uint32");

        var offers = (await stream.NextAsync("OFFERS")).GetProperty("offers").GetProperty("offers");
        var offer = offers.EnumerateArray().Should().ContainSingle().Subject;
        offer.GetProperty("id").GetProperty("value").GetString().Should().NotBeNullOrEmpty();
        offer.GetProperty("framework_id").GetProperty("value").GetString().Should().Be(frameworkId);
        offer.GetProperty("agent_id").GetProperty("value").GetString().Should().Be("agent-1");
        offer.GetProperty("hostname").GetString().Should().NotBeNullOrEmpty();
        var address = offer.GetProperty("url").GetProperty("address");
        address.GetProperty("ip").GetString().Should().Be("127.0.0.1");
        address.GetProperty("port").GetInt32().Should().Be(server.Address.Port);

        var resources = offer.GetProperty("resources").EnumerateArray().ToDictionary(r => r.GetProperty("name").GetString()!);
        resources["cpus"].GetProperty("type").GetString().Should().Be("SCALAR");
        resources["cpus"].GetProperty("scalar").GetProperty("value").GetDouble().Should().Be(4);
        resources["mem"].GetProperty("scalar").GetProperty("value").GetDouble().Should().Be(4096);
        resources["ports"].GetProperty("type").GetString().Should().Be("RANGES");
        var range = resources["ports"].GetProperty("ranges").GetProperty("range").EnumerateArray().Single();
        (range.GetProperty("begin").GetUInt64(), range.GetProperty("end").GetUInt64()).Should().Be((31000UL, 31999UL));
    }

    [Fact]
    public async Task Accept_launch_of_a_shell_command_streams_RUNNING_then_FINISHED_with_agent_id_and_uuid()
    {
        await using var server = await ApiServer.StartAsync(output);
        await using var stream = await server.SubscribeAsync();
        var offer = (await stream.NextAsync("OFFERS")).GetProperty("offers").GetProperty("offers")[0];

        using (var accept = await server.PostAsync(Api, Calls.Launch(stream.FrameworkId, Id(offer), Calls.ShellTask("hello", "agent-1", "echo hi")), stream.StreamId))
            accept.StatusCode.Should().Be(HttpStatusCode.Accepted, await accept.Content.ReadAsStringAsync());

        var running = await stream.NextUpdateAsync(server, "hello", "TASK_RUNNING");
        running.GetProperty("agent_id").GetProperty("value").GetString().Should().Be("agent-1");
        running.GetProperty("source").GetString().Should().Be("SOURCE_EXECUTOR");
        Convert.FromBase64String(running.GetProperty("uuid").GetString()!).Should().HaveCount(16);
        running.GetProperty("timestamp").GetDouble().Should().BeGreaterThan(1.6e9, "timestamps are seconds since the epoch");

        var finished = await stream.NextUpdateAsync(server, "hello", "TASK_FINISHED");
        finished.GetProperty("agent_id").GetProperty("value").GetString().Should().Be("agent-1");
        finished.GetProperty("uuid").GetString().Should().NotBe(running.GetProperty("uuid").GetString());
    }

    [Fact]
    public async Task Accept_launch_of_an_argv_command_runs_it_without_a_shell()
    {
        await using var server = await ApiServer.StartAsync(output);
        await using var stream = await server.SubscribeAsync();
        var offer = (await stream.NextAsync("OFFERS")).GetProperty("offers").GetProperty("offers")[0];
        var task = """{"name":"argv","task_id":{"value":"argv"},"agent_id":{"value":"agent-1"},"resources":[{"name":"cpus","type":"SCALAR","scalar":{"value":0.1}}],"command":{"shell":false,"value":"/bin/sh","arguments":["sh","-c","exit 3"]}}""";

        using (var accept = await server.PostAsync(Api, Calls.Launch(stream.FrameworkId, Id(offer), task), stream.StreamId))
            accept.StatusCode.Should().Be(HttpStatusCode.Accepted);

        await stream.NextUpdateAsync(server, "argv", "TASK_FAILED");
    }

    [Fact]
    public async Task Decline_revive_suppress_kill_reconcile_message_and_teardown_answer_202()
    {
        await using var server = await ApiServer.StartAsync(output);
        await using var stream = await server.SubscribeAsync("calls", ""","capabilities":[{"type":"PARTITION_AWARE"}]""");
        var offer = (await stream.NextAsync("OFFERS")).GetProperty("offers").GetProperty("offers")[0];
        var fw = stream.FrameworkId;

        await Expect202(Calls.Of(fw, "DECLINE", $$$$"""{"offer_ids":[{"value":"{{{{Id(offer)}}}}"}],"filters":{"refuse_seconds":0}}"""));
        await Expect202(Calls.Of(fw, "REVIVE"));
        offer = (await stream.NextAsync("OFFERS")).GetProperty("offers").GetProperty("offers")[0];
        await Expect202(Calls.Launch(fw, Id(offer), Calls.ShellTask("sleeper", "agent-1", "sleep 30")));
        await stream.NextUpdateAsync(server, "sleeper", "TASK_RUNNING");
        await Expect202(Calls.Of(fw, "SUPPRESS"));

        await Expect202(Calls.Of(fw, "RECONCILE", """{"tasks":[{"task_id":{"value":"sleeper"}},{"task_id":{"value":"never-launched"},"agent_id":{"value":"agent-1"}}]}"""));
        var reconciled = await stream.NextAsync("UPDATE", e => Status(e).GetProperty("task_id").GetProperty("value").GetString() == "never-launched");
        Status(reconciled).GetProperty("state").GetString().Should().Be("TASK_UNKNOWN");
        Status(reconciled).GetProperty("reason").GetString().Should().Be("REASON_RECONCILIATION");
        Status(reconciled).GetProperty("source").GetString().Should().Be("SOURCE_MASTER");
        Status(reconciled).GetProperty("agent_id").GetProperty("value").GetString().Should().Be("agent-1", "Mesos echoes the agent the reconcile named");
        await Expect202(Calls.Of(fw, "RECONCILE", "{}"));
        await Expect202(Calls.Of(fw, "RECONCILE"));

        await Expect202(Calls.Of(fw, "MESSAGE", """{"agent_id":{"value":"agent-1"},"executor_id":{"value":"sleeper"},"data":"aGk="}"""));

        await Expect202(Calls.Of(fw, "KILL", """{"task_id":{"value":"sleeper"},"agent_id":{"value":"agent-1"},"kill_policy":{"grace_period":{"nanoseconds":100000000}}}"""));
        await stream.NextUpdateAsync(server, "sleeper", "TASK_KILLED");

        await Expect202(Calls.Of(fw, "TEARDOWN"));
        (await stream.ReadRecordAsync()).Should().BeNull("a torn-down framework's stream ends");
        using var after = await server.PostAsync(Api, Calls.Of(fw, "REVIVE"), stream.StreamId);
        after.StatusCode.Should().Be(HttpStatusCode.Forbidden);

        async Task Expect202(string call)
        {
            using var response = await server.PostAsync(Api, call, stream.StreamId);
            response.StatusCode.Should().Be(HttpStatusCode.Accepted, $"{call} → {await response.Content.ReadAsStringAsync()}");
        }
    }

    [Fact]
    public async Task Closing_the_connection_disconnects_the_framework_and_it_fails_over_with_its_id()
    {
        await using var server = await ApiServer.StartAsync(output);
        string frameworkId;
        await using (var first = await server.SubscribeAsync("failover", ""","failover_timeout":60"""))
        {
            await first.NextAsync("SUBSCRIBED");
            frameworkId = first.FrameworkId;
        }

        await using var second = await server.SubscribeAsync("failover", $$$$""","failover_timeout":60,"id":{"value":"{{{{frameworkId}}}}"}""");
        (await second.NextAsync("SUBSCRIBED")).GetProperty("subscribed").GetProperty("framework_id").GetProperty("value").GetString().Should().Be(frameworkId);
        second.StreamId.Should().NotBeNullOrEmpty();
        using var call = await server.PostAsync(Api, Calls.Of(frameworkId, "REVIVE"), second.StreamId);
        call.StatusCode.Should().Be(HttpStatusCode.Accepted);
    }

    [Fact]
    public async Task A_framework_that_subscribes_again_while_connected_takes_over_and_the_old_stream_ends()
    {
        await using var server = await ApiServer.StartAsync(output);
        await using var first = await server.SubscribeAsync("takeover", ""","failover_timeout":60""");
        await first.NextAsync("SUBSCRIBED");

        await using var second = await server.SubscribeAsync("takeover", $$$""","failover_timeout":60,"id":{"value":"{{{first.FrameworkId}}}"}""");
        await second.NextAsync("SUBSCRIBED");
        second.FrameworkId.Should().Be(first.FrameworkId);

        while (await first.ReadRecordAsync() is not null) { }
        using (var stale = await server.PostAsync(Api, Calls.Of(first.FrameworkId, "REVIVE"), first.StreamId))
            stale.StatusCode.Should().Be(HttpStatusCode.BadRequest, "the old stream id is no longer the framework's");
        using (var current = await server.PostAsync(Api, Calls.Of(first.FrameworkId, "REVIVE"), second.StreamId))
            current.StatusCode.Should().Be(HttpStatusCode.Accepted);
    }

    [Fact]
    public async Task A_launch_on_an_unknown_offer_is_TASK_DROPPED_with_REASON_INVALID_OFFERS_and_its_agent()
    {
        await using var server = await ApiServer.StartAsync(output);
        await using var stream = await server.SubscribeAsync("dropped", ""","capabilities":[{"type":"PARTITION_AWARE"}]""");
        await stream.NextAsync("SUBSCRIBED");

        using (var accept = await server.PostAsync(Api, Calls.Launch(stream.FrameworkId, "no-such-offer", Calls.ShellTask("lost", "agent-1", "true")), stream.StreamId))
            accept.StatusCode.Should().Be(HttpStatusCode.Accepted, "a launch that cannot be honoured is a status, as in Mesos");

        var status = Status(await stream.NextAsync("UPDATE"));
        status.GetProperty("state").GetString().Should().Be("TASK_DROPPED");
        status.GetProperty("reason").GetString().Should().Be("REASON_INVALID_OFFERS");
        status.GetProperty("source").GetString().Should().Be("SOURCE_MASTER");
        status.GetProperty("agent_id").GetProperty("value").GetString().Should().Be("agent-1");
        status.TryGetProperty("uuid", out _).Should().BeFalse("statuses the master makes up need no acknowledgement");
    }

    private static string Id(JsonElement offer) => offer.GetProperty("id").GetProperty("value").GetString()!;

    private static JsonElement Status(JsonElement update) => update.GetProperty("update").GetProperty("status");
}
