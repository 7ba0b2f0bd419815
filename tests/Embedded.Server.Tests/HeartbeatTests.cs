using Microsoft.Extensions.Time.Testing;
using Xunit.Abstractions;

namespace Embedded.Server.Tests;

public sealed class HeartbeatTests(ITestOutputHelper output)
{
    [Fact]
    public async Task The_stream_carries_a_HEARTBEAT_every_15_seconds()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var server = await ApiServer.StartAsync(output, time: time);
        await using var stream = await server.SubscribeAsync();
        await stream.NextAsync("SUBSCRIBED");

        await server.Cluster.AdvanceAsync(time, TimeSpan.FromSeconds(15));
        var heartbeat = await stream.NextAsync("HEARTBEAT");
        heartbeat.EnumerateObject().Select(p => p.Name).Should().Equal("type");
    }
}
