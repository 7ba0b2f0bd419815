using System.Net;
using Xunit.Abstractions;

namespace Embedded.Server.Tests;

public sealed class SlowSubscriberTests(ITestOutputHelper output)
{
    [Fact]
    public async Task A_subscriber_that_stops_reading_is_disconnected_and_the_master_keeps_serving()
    {
        await using var server = await ApiServer.StartAsync(output, api =>
        {
            api.SubscriberBufferEvents = 16;
            api.SubscriberStallTimeout = TimeSpan.FromMilliseconds(100);
        });
        // A client with a tiny socket buffer that reads SUBSCRIBED and then nothing more.
        await using var stalled = await MesosStream.OpenAsync(server.Address, Calls.Subscribe("stalled"), receiveBuffer: 1024);
        await stalled.NextAsync("SUBSCRIBED");
        var reconcile = Calls.Of(stalled.FrameworkId, "RECONCILE",
            "{\"tasks\":[" + string.Join(",", Enumerable.Range(0, 1000).Select(i => $"{{\"task_id\":{{\"value\":\"unknown-{i}\"}}}}")) + "]}");

        // Each call makes 1,000 updates; the socket's buffers fill, then the bounded queue, which stays full past the stall timeout, and it is cut off:
        // the framework's next call is refused as not subscribed. Bounded, so a server that never cuts it fails here.
        var refused = false;
        for (var call = 0; call < 200 && !refused; call++)
        {
            using var response = await server.PostAsync("/api/v1/scheduler", reconcile, stalled.StreamId);
            response.StatusCode.Should().BeOneOf(HttpStatusCode.Accepted, HttpStatusCode.Forbidden);
            refused = response.StatusCode == HttpStatusCode.Forbidden;
        }
        refused.Should().BeTrue("a subscriber that does not read is disconnected once its buffer is full");

        // The master serves others as before.
        await using var next = await server.SubscribeAsync("next");
        await next.NextAsync("SUBSCRIBED");
        (await next.NextAsync("OFFERS")).GetProperty("offers").GetProperty("offers").GetArrayLength().Should().Be(1);
        var state = await server.Cluster.GetStateAsync();
        state.Frameworks.Should().NotContain(f => f.Name == "stalled" && f.Connected, "its session was disposed when it was cut off");
    }

    [Fact]
    public async Task A_subscriber_that_reads_gets_a_burst_larger_than_its_buffer_whole()
    {
        await using var server = await ApiServer.StartAsync(output, api => api.SubscriberBufferEvents = 64);
        await using var stream = await server.SubscribeAsync("burst");
        await stream.NextAsync("SUBSCRIBED");
        var reconcile = Calls.Of(stream.FrameworkId, "RECONCILE",
            "{\"tasks\":[" + string.Join(",", Enumerable.Range(0, 5000).Select(i => $"{{\"task_id\":{{\"value\":\"burst-{i}\"}}}}")) + "]}");
        using (var response = await server.PostAsync("/api/v1/scheduler", reconcile, stream.StreamId))
            response.StatusCode.Should().Be(HttpStatusCode.Accepted);

        for (var i = 0; i < 5000; i++)
            (await stream.NextAsync("UPDATE")).GetProperty("update").GetProperty("status").GetProperty("task_id").GetProperty("value").GetString().Should().Be($"burst-{i}");
        using var after = await server.PostAsync("/api/v1/scheduler", Calls.Of(stream.FrameworkId, "REVIVE"), stream.StreamId);
        after.StatusCode.Should().Be(HttpStatusCode.Accepted, "the stream is still subscribed");
    }
}
