using System.Net;
using System.Text;
using Xunit.Abstractions;

namespace Embedded.Server.Tests;

/// <summary>Every refusal Mesos's scheduler endpoint makes, with its code, and that nothing else changes.</summary>
public sealed class SchedulerErrorTests(ITestOutputHelper output)
{
    private const string Api = "/api/v1/scheduler";

    [Fact]
    public async Task Bad_calls_get_mesos_error_codes_and_the_framework_keeps_working()
    {
        await using var server = await ApiServer.StartAsync(output, api => api.MaxRequestBodyBytes = 512 * 1024);
        await using var stream = await server.SubscribeAsync();
        await stream.NextAsync("SUBSCRIBED");
        var fw = stream.FrameworkId;
        var id = stream.StreamId;

        await Expect(HttpStatusCode.BadRequest, "parse", "{\"type\":\"REVIVE\",", id);
        await Expect(HttpStatusCode.BadRequest, "parse", "[1,2,3]", id);
        await Expect(HttpStatusCode.BadRequest, "unknown call type", Calls.Of(fw, "FLY_TO_THE_MOON"), id);
        await Expect(HttpStatusCode.BadRequest, "'type'", $$$"""{"framework_id":{"value":"{{{fw}}}"}}""", id);
        await Expect(HttpStatusCode.BadRequest, "'framework_id'", """{"type":"REVIVE"}""", id);
        await Expect(HttpStatusCode.BadRequest, "Mesos-Stream-Id", Calls.Of(fw, "REVIVE"), streamId: null);
        await Expect(HttpStatusCode.BadRequest, "didn't match", Calls.Of(fw, "REVIVE"), Guid.NewGuid().ToString());
        await Expect(HttpStatusCode.BadRequest, "'kill'", Calls.Of(fw, "KILL"), id);
        await Expect(HttpStatusCode.BadRequest, "task_id", Calls.Of(fw, "KILL", """{"agent_id":{"value":"agent-1"}}"""), id);
        await Expect(HttpStatusCode.BadRequest, "uuid", Calls.Of(fw, "ACKNOWLEDGE", """{"agent_id":{"value":"a"},"task_id":{"value":"t"},"uuid":"not base64!"}"""), id);
        await Expect(HttpStatusCode.BadRequest, "not supported", Calls.Of(fw, "ACCEPT", """{"offer_ids":[],"operations":[{"type":"RESERVE","reserve":{}}]}"""), id);
        await Expect(HttpStatusCode.BadRequest, "reserved", Calls.Launch(fw, "o", """{"name":"t","task_id":{"value":"t"},"agent_id":{"value":"agent-1"},"resources":[{"name":"cpus","type":"SCALAR","scalar":{"value":1},"role":"ops"}],"command":{"value":"true"}}"""), id);
        await Expect(HttpStatusCode.Forbidden, "not subscribed", Calls.Of("no-such-framework", "REVIVE"), id);

        // 10,000 offer ids that name no offer are declined cleanly (ignored, as Mesos does); one more than the limit is refused whole.
        string OfferIds(int n) => string.Join(",", Enumerable.Range(0, n).Select(i => $$"""{"value":"offer-{{i}}"}"""));
        await Expect(HttpStatusCode.Accepted, "", Calls.Of(fw, "DECLINE", $$"""{"offer_ids":[{{OfferIds(10_000)}}]}"""), id);
        await Expect(HttpStatusCode.BadRequest, "10001", Calls.Of(fw, "DECLINE", $$"""{"offer_ids":[{{OfferIds(10_001)}}]}"""), id);
        await Expect(HttpStatusCode.Accepted, "", Calls.Of(fw, "ACCEPT", $$"""{"offer_ids":[{{OfferIds(10_000)}}],"operations":[]}"""), id);

        // A body over the limit, with a Content-Length and chunked without one.
        var huge = Calls.Of(fw, "RECONCILE", $$"""{"tasks":[],"padding":"{{new string('x', 600_000)}}"}""");
        await Expect(HttpStatusCode.RequestEntityTooLarge, "larger", huge, id);
        using (var chunked = new HttpRequestMessage(HttpMethod.Post, Api) { Content = new StreamContent(new MemoryStream(Encoding.UTF8.GetBytes(huge))) })
        {
            chunked.Content.Headers.ContentType = new("application/json");
            chunked.Headers.Add("Mesos-Stream-Id", id);
            using var response = await server.Http.SendAsync(chunked);
            response.StatusCode.Should().Be(HttpStatusCode.RequestEntityTooLarge);
        }

        // Media types and methods.
        await Expect(HttpStatusCode.UnsupportedMediaType, "JSON", Calls.Of(fw, "REVIVE"), id, contentType: "application/x-protobuf");
        await Expect(HttpStatusCode.UnsupportedMediaType, "application/json", Calls.Of(fw, "REVIVE"), id, contentType: "text/plain");
        await Expect(HttpStatusCode.NotAcceptable, "Accept", Calls.Of(fw, "REVIVE"), id, accept: "application/x-protobuf");
        using (var get = await server.Http.GetAsync(Api))
        {
            get.StatusCode.Should().Be(HttpStatusCode.MethodNotAllowed);
            get.Content.Headers.Allow.Should().Contain("POST");
        }

        // None of it changed anything: the framework's calls still work and its stream still flows.
        await Expect(HttpStatusCode.Accepted, "", Calls.Of(fw, "REVIVE"), id);
        await Expect(HttpStatusCode.Accepted, "", Calls.Of(fw, "RECONCILE", """{"tasks":[{"task_id":{"value":"after"}}]}"""), id, accept: "application/json; charset=utf-8");
        await stream.NextAsync("UPDATE", e => e.GetProperty("update").GetProperty("status").GetProperty("task_id").GetProperty("value").GetString() == "after");
        await using var another = await server.SubscribeAsync("another");
        await another.NextAsync("SUBSCRIBED");

        async Task Expect(HttpStatusCode code, string says, string body, string? streamId, string contentType = "application/json", string? accept = "application/json")
        {
            using var response = await server.PostAsync(Api, body, streamId, contentType, accept);
            var text = await response.Content.ReadAsStringAsync();
            response.StatusCode.Should().Be(code, $"{body[..Math.Min(body.Length, 200)]} → {text}");
            if (says.Length > 0) text.Should().Contain(says);
            text.Length.Should().BeLessThan(1000, "errors are short");
        }
    }

    [Fact]
    public async Task Subscribe_with_bad_framework_info_is_400_and_opens_no_stream()
    {
        await using var server = await ApiServer.StartAsync(output);
        foreach (var body in new[]
        {
            """{"type":"SUBSCRIBE"}""",
            """{"type":"SUBSCRIBE","subscribe":{}}""",
            """{"type":"SUBSCRIBE","subscribe":{"framework_info":{"user":"x"}}}""",
            """{"type":"SUBSCRIBE","subscribe":{"framework_info":{"name":"x","roles":["a","b"]}}}""",
            """{"type":"SUBSCRIBE","subscribe":{"framework_info":{"name":"x","failover_timeout":-1}}}""",
            """{"type":"SUBSCRIBE","framework_id":{"value":"other"},"subscribe":{"framework_info":{"name":"x"}}}""",
        })
        {
            using var response = await server.PostAsync(Api, body);
            response.StatusCode.Should().Be(HttpStatusCode.BadRequest, $"{body} → {await response.Content.ReadAsStringAsync()}");
        }
        (await server.Cluster.GetStateAsync()).Frameworks.Should().BeEmpty();
    }
}
