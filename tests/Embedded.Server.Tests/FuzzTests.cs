using System.Net;
using System.Text;
using Xunit.Abstractions;

namespace Embedded.Server.Tests;

/// <summary>Random and malformed bodies, seeded so that a failure replays: never a 5xx, and the cluster serves afterwards.</summary>
public sealed class FuzzTests(ITestOutputHelper output)
{
    private static readonly string[] Valid =
    [
        Calls.Subscribe("fuzz"),
        Calls.Of("fw", "ACCEPT", """{"offer_ids":[{"value":"o1"}],"operations":[{"type":"LAUNCH","launch":{"task_infos":[{"name":"t","task_id":{"value":"t"},"agent_id":{"value":"agent-1"},"resources":[{"name":"cpus","type":"SCALAR","scalar":{"value":0.1}},{"name":"ports","type":"RANGES","ranges":{"range":[{"begin":31000,"end":31001}]}},{"name":"zones","type":"SET","set":{"item":["a"]}}],"command":{"value":"true","shell":false,"arguments":["true"],"environment":{"variables":[{"name":"A","value":"b"}]}},"container":{"type":"DOCKER","docker":{"image":"busybox","network":"BRIDGE","port_mappings":[{"host_port":31000,"container_port":80}]}},"labels":{"labels":[{"key":"k","value":"v"}]},"max_completion_time":{"nanoseconds":1000},"kill_policy":{"grace_period":{"nanoseconds":5}}}]}}],"filters":{"refuse_seconds":1}}"""),
        Calls.Of("fw", "DECLINE", """{"offer_ids":[{"value":"o1"}],"filters":{"refuse_seconds":5}}"""),
        Calls.Of("fw", "KILL", """{"task_id":{"value":"t"},"agent_id":{"value":"a"},"kill_policy":{"grace_period":{"nanoseconds":1}}}"""),
        Calls.Of("fw", "ACKNOWLEDGE", """{"agent_id":{"value":"a"},"task_id":{"value":"t"},"uuid":"AAAAAAAAAAAAAAAAAAAAAA=="}"""),
        Calls.Of("fw", "RECONCILE", """{"tasks":[{"task_id":{"value":"t"},"agent_id":{"value":"a"}}]}"""),
        Calls.Of("fw", "MESSAGE", """{"agent_id":{"value":"a"},"executor_id":{"value":"e"},"data":"aGk="}"""),
        Calls.Of("fw", "REVIVE"),
        Calls.Of("fw", "TEARDOWN"),
        """{"type":"GET_STATE"}""",
        """{"type":"GET_AGENTS"}""",
    ];

    private static readonly string[] Junk =
        ["null", "true", "-1", "1e999", "\"\"", "[]", "{}", "\"\\u0000\"", "18446744073709551616", "-0.0", "\"NaN\"", "\"x\"", "[[[[[[]]]]]]", "{\"value\":null}"];

    [Fact]
    public async Task Thousands_of_malformed_bodies_get_4xx_never_5xx_and_the_cluster_still_serves()
    {
        await using var server = await ApiServer.StartAsync(output, api => api.MaxRequestBodyBytes = 64 * 1024);
        // Half the scheduler calls name a live framework and its stream, so mutations get past the
        // subscription checks into call parsing and the master; its events are drained meanwhile.
        await using var live = await server.SubscribeAsync("fuzz-live");
        await live.NextAsync("SUBSCRIBED");
        var drain = Task.Run(async () =>
        {
            try { while (await live.ReadRecordAsync() is not null) { } }
            catch (Exception e) when (e is IOException or ObjectDisposedException or InvalidOperationException or OperationCanceledException) { }
        });
        var before = await server.Cluster.Client.GetStateAsync();
        var random = new Random(11);
        var counts = new Dictionary<int, int>();
        for (var i = 0; i < 3000; i++)
        {
            var path = random.Next(2) == 0 ? "/api/v1/scheduler" : "/api/v1";
            var asLive = path == "/api/v1/scheduler" && random.Next(2) == 0;
            var valid = Valid[random.Next(Valid.Length)];
            if (asLive) valid = valid.Replace("\"TEARDOWN\"", "\"SUPPRESS\"").Replace("{\"value\":\"fw\"}", $"{{\"value\":\"{live.FrameworkId}\"}}");
            var body = Mutate(random, valid);
            using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = new ByteArrayContent(body) };
            request.Content.Headers.TryAddWithoutValidation("Content-Type", random.Next(20) == 0 ? "application/json; charset=utf-8" : "application/json");
            if (asLive) request.Headers.Add("Mesos-Stream-Id", live.StreamId);
            else if (random.Next(10) == 0) request.Headers.Add("Mesos-Stream-Id", Guid.NewGuid().ToString());
            using var response = await server.Http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
            var code = (int)response.StatusCode;
            counts[code] = counts.GetValueOrDefault(code) + 1;
            code.Should().BeLessThan(500, $"body {i}: {Shown(body)}");
            // A mutation that is still a valid SUBSCRIBE opens a stream, and an operator read answers 200: both are fine.
            if (code is not (200 or 202)) code.Should().BeInRange(400, 499);
        }
        output.WriteLine(string.Join(", ", counts.OrderBy(c => c.Key).Select(c => $"{c.Key}: {c.Value}")));
        counts.Where(c => c.Key >= 400).Sum(c => c.Value).Should().BeGreaterThan(2000, "most mutations are invalid");

        using (var revive = await server.PostAsync("/api/v1/scheduler", Calls.Of(live.FrameworkId, "REVIVE"), live.StreamId))
            revive.StatusCode.Should().Be(HttpStatusCode.Accepted, "the live framework is still subscribed");
        await using var stream = await server.SubscribeAsync("after-fuzz");
        await stream.NextAsync("SUBSCRIBED");
        (await server.OperatorAsync("GET_HEALTH")).GetProperty("get_health").GetProperty("healthy").GetBoolean().Should().BeTrue();
        // No offer id the bodies name was ever real, so nothing launched; the agents and what they offer are as they were.
        var after = await server.Cluster.Client.GetStateAsync();
        after.Tasks.Should().BeEmpty();
        after.CompletedTasks.Should().BeEmpty();
        after.Agents.Select(a => (a.AgentId, a.Reachable, a.Total, a.Used)).Should().Equal(before.Agents.Select(a => (a.AgentId, a.Reachable, a.Total, a.Used)));
        after.Frameworks.Should().Contain(f => f.FrameworkId == live.FrameworkId && f.Connected, "the live framework kept its subscription");

        await live.DisposeAsync();
        await drain.WaitAsync(EventStream.DefaultGuard);
    }

    private static string Shown(byte[] body)
    {
        var text = Encoding.UTF8.GetString(body);
        return text.Length <= 300 ? text : text[..300];
    }

    private static byte[] Mutate(Random random, string valid)
    {
        var text = valid;
        switch (random.Next(9))
        {
            case 0: // random bytes
                var bytes = new byte[random.Next(1, 200)];
                random.NextBytes(bytes);
                return bytes;
            case 1: // truncated
                return Encoding.UTF8.GetBytes(text[..random.Next(text.Length)]);
            case 2: // a value replaced by junk
                return Encoding.UTF8.GetBytes(ReplaceValue(random, text, Junk[random.Next(Junk.Length)]));
            case 3: // several values replaced
                for (var n = random.Next(2, 6); n > 0; n--) text = ReplaceValue(random, text, Junk[random.Next(Junk.Length)]);
                return Encoding.UTF8.GetBytes(text);
            case 4: // deep nesting
                var depth = random.Next(60, 2000);
                return Encoding.UTF8.GetBytes("{\"type\":\"ACCEPT\",\"accept\":" + new string('[', depth) + new string(']', depth) + "}");
            case 5: // an unknown call type
                return Encoding.UTF8.GetBytes(text.Replace("\"type\":\"", "\"type\":\"X" + random.Next(1000)));
            case 6: // characters flipped
                var chars = text.ToCharArray();
                for (var n = random.Next(1, 8); n > 0; n--) chars[random.Next(chars.Length)] = (char)random.Next(32, 127);
                return Encoding.UTF8.GetBytes(chars);
            case 7: // huge numbers and strings
                return Encoding.UTF8.GetBytes(ReplaceValue(random, text, random.Next(2) == 0 ? "1" + new string('9', 400) : "\"" + new string('y', 70_000) + "\""));
            default: // a field dropped
                var comma = text.IndexOf(',', random.Next(text.Length));
                return Encoding.UTF8.GetBytes(comma < 0 ? text : text.Remove(comma, Math.Min(text.Length - comma, random.Next(1, 40))));
        }
    }

    /// <summary>Replaces the value after a random <c>":"</c> up to the next , or }.</summary>
    private static string ReplaceValue(Random random, string text, string value)
    {
        var colon = text.IndexOf(':', random.Next(text.Length));
        if (colon < 0) return text;
        var end = text.IndexOfAny([',', '}'], colon + 1);
        return end < 0 ? text : text[..(colon + 1)] + value + text[end..];
    }
}
