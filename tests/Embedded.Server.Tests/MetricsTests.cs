using System.Net;
using Xunit.Abstractions;

namespace Embedded.Server.Tests;

/// <summary>GET /metrics: the cluster's meter in Prometheus text, through OpenTelemetry's exporter.</summary>
public sealed class MetricsTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Metrics_show_what_the_cluster_did_in_Prometheus_text()
    {
        await using var server = await ApiServer.StartAsync(output);
        await using var stream = await server.SubscribeAsync("measured");
        var offer = (await stream.NextAsync("OFFERS")).GetProperty("offers").GetProperty("offers")[0];
        using (var accept = await server.PostAsync("/api/v1/scheduler", Calls.Launch(stream.FrameworkId, offer.GetProperty("id").GetProperty("value").GetString()!, Calls.ShellTask("m", "agent-1", "true")), stream.StreamId))
            accept.StatusCode.Should().Be(HttpStatusCode.Accepted);
        await stream.NextUpdateAsync(server, "m", "TASK_FINISHED");

        using var response = await server.Http.GetAsync(new Uri(server.Address, "/metrics"));
        response.StatusCode.Should().Be(HttpStatusCode.OK);
        response.Content.Headers.ContentType!.MediaType.Should().Be("text/plain");
        var text = await response.Content.ReadAsStringAsync();
        text.Should().Contain("# TYPE embedded_tasks_launched").And.Contain("embedded_offers_sent").And.Contain("embedded_status_updates");
    }
}
