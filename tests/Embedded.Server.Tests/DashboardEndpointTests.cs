using System.Net;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Embedded.Orchestration.Model;
using Embedded.Orchestration.Scheduling;

namespace Embedded.Server.Tests;

/// <summary>MapClusterDashboard's endpoints over HTTP; the page itself is tested in a browser (Embedded.Dashboard.Tests).</summary>
public sealed class DashboardEndpointTests
{
    [Fact]
    public async Task Without_the_cluster_API_it_says_to_map_it_first()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Services.AddClusterOrchestration();
        await using var app = builder.Build();
        var map = () => app.MapClusterDashboard();
        map.Should().Throw<InvalidOperationException>().WithMessage("*MapClusterApi()*");
    }

    [Fact]
    public async Task It_serves_the_page_the_state_and_the_events()
    {
        var (app, http) = await StartAsync();
        await using var _ = app;
        using var __ = http;

        foreach (var (path, type) in new[] { ("/", "text/html"), ("/dashboard", "text/html"), ("/dashboard/dashboard.js", "text/javascript"), ("/dashboard/dashboard.css", "text/css") })
        {
            using var page = await http.GetAsync(path);
            page.StatusCode.Should().Be(HttpStatusCode.OK, path);
            page.Content.Headers.ContentType!.MediaType.Should().Be(type, path);
        }

        using var state = JsonDocument.Parse(await http.GetStringAsync("/api/v1/dashboard/state"));
        var agent = state.RootElement.GetProperty("agents")[0];
        agent.GetProperty("id").GetString().Should().Be("a1");
        agent.GetProperty("total").GetProperty("cpus").GetDouble().Should().Be(2);

        using var events = await http.GetAsync("/api/v1/dashboard/events", HttpCompletionOption.ResponseHeadersRead);
        events.Content.Headers.ContentType!.MediaType.Should().Be("text/event-stream");
        using var reader = new StreamReader(await events.Content.ReadAsStreamAsync());
        string? line;
        while ((line = await reader.ReadLineAsync()) is not null && !line.StartsWith("data: ", StringComparison.Ordinal)) { }
        using var first = JsonDocument.Parse(line!["data: ".Length..]);
        first.RootElement.GetProperty("type").GetString().Should().Be("SUBSCRIBED");
        first.RootElement.GetProperty("state").GetProperty("agents")[0].GetProperty("id").GetString().Should().Be("a1");
        await app.StopAsync();
    }

    [Fact]
    public async Task A_task_carries_the_master_s_start_time_its_first_RUNNING()
    {
        var (app, http) = await StartAsync();
        await using var _ = app;
        using var __ = http;
        using var guard = new CancellationTokenSource(EventStream.DefaultGuard);
        var cluster = app.Services.GetRequiredService<IClusterClient>();
        await using var watch = cluster.WatchAsync(guard.Token).GetAsyncEnumerator(guard.Token);
        (await watch.MoveNextAsync()).Should().BeTrue();
        watch.Current.Should().BeOfType<ClusterSubscribed>();

        var job = await app.Services.GetRequiredService<IJobClient>().SubmitAsync(Job.Shell("exec sleep 600"), guard.Token);
        StatusUpdate? first = null;
        while (first is null && await watch.MoveNextAsync())
            if (watch.Current is TaskUpdated { Status: { State: TaskState.Running } status }) first = status;
        var running = first!;

        using (var state = JsonDocument.Parse(await http.GetStringAsync("/api/v1/dashboard/state", guard.Token)))
        {
            var task = state.RootElement.GetProperty("tasks").EnumerateArray().Single(t => t.GetProperty("id").GetString() == running.TaskId);
            task.GetProperty("state").GetString().Should().Be("RUNNING");
            task.GetProperty("startedAt").GetDateTimeOffset().Should().Be(running.Timestamp);
        }

        await job.CancelAsync(guard.Token);
        var result = await job.Completion.WaitAsync(guard.Token);
        result.State.Should().Be(TaskState.Killed);
        using (var state = JsonDocument.Parse(await http.GetStringAsync("/api/v1/dashboard/state", guard.Token)))
        {
            // Ended, it keeps when it started; its last status says when it ended.
            var task = state.RootElement.GetProperty("tasks").EnumerateArray().Single(t => t.GetProperty("id").GetString() == running.TaskId);
            task.GetProperty("state").GetString().Should().Be("KILLED");
            task.GetProperty("startedAt").GetDateTimeOffset().Should().Be(running.Timestamp);
            task.GetProperty("status").GetProperty("timestamp").GetDateTimeOffset().Should().BeOnOrAfter(running.Timestamp);
        }
        await app.StopAsync();
    }

    /// <summary>An app with one agent, a1, serving the API and the dashboard on a free loopback port, and a client of it.</summary>
    private static async Task<(WebApplication App, HttpClient Http)> StartAsync()
    {
        var url = $"http://127.0.0.1:{LoopbackPort.Free()}";
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls(url);
        builder.Services.AddClusterOrchestration(c => c.AddAgent("a1", "cpus:2;mem:1024"));
        var app = builder.Build();
        app.MapClusterApi();
        app.MapClusterDashboard();
        await app.StartAsync();
        return (app, new HttpClient { BaseAddress = new Uri(url), Timeout = TimeSpan.FromSeconds(30) });
    }
}
