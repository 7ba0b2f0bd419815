using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Embedded.Orchestration.Hosting;
using Embedded.Orchestration.Scheduling;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Xunit.Abstractions;

namespace Embedded.Server.Tests;

/// <summary>A real Kestrel on 127.0.0.1 (a port the system picks) serving MapClusterApi for a MiniCluster behind it.</summary>
internal sealed class ApiServer : IAsyncDisposable
{
    private readonly ClusterApiHost _host;

    private ApiServer(ClusterApiHost host, HttpMessageHandler? handler)
    {
        _host = host;
        Http = new HttpClient(handler ?? new HttpClientHandler()) { BaseAddress = host.Address, Timeout = EventStream.DefaultGuard };
    }

    public MiniCluster Cluster => _host.Cluster;
    public Uri Address => _host.Address;
    public HttpClient Http { get; }

    /// <summary><paramref name="listen"/> configures the loopback endpoint (HTTPS); <paramref name="handler"/> is <see cref="Http"/>'s (to trust its certificate).</summary>
    public static async Task<ApiServer> StartAsync(ITestOutputHelper output, Action<ClusterApiOptions>? api = null, int agents = 1, TimeProvider? time = null,
        Action<ListenOptions>? listen = null, HttpMessageHandler? handler = null) =>
        new(await ClusterApiHost.StartAsync(output, api, agents, o => o.Jobs.Enabled = false, time, listen), handler);

    /// <summary>POSTs a JSON body (as given, so tests can send anything) with the headers a Mesos client sends.</summary>
    public async Task<HttpResponseMessage> PostAsync(string path, string body, string? streamId = null, string contentType = "application/json", string? accept = "application/json", string? authorization = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = new ByteArrayContent(Encoding.UTF8.GetBytes(body)) };
        request.Content.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);
        if (accept is not null) request.Headers.TryAddWithoutValidation("Accept", accept);
        if (streamId is not null) request.Headers.Add("Mesos-Stream-Id", streamId);
        if (authorization is not null) request.Headers.TryAddWithoutValidation("Authorization", authorization);
        return await Http.SendAsync(request);
    }

    public async Task<JsonElement> OperatorAsync(string type)
    {
        using var response = await PostAsync("/api/v1", $$"""{"type":"{{type}}"}""");
        response.StatusCode.Should().Be(HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
        response.Content.Headers.ContentType!.ToString().Should().Be("application/json");
        using var doc = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return doc.RootElement.Clone();
    }

    public Task<MesosStream> SubscribeAsync(string name = "http-test", string extra = "", string? authorization = null) =>
        MesosStream.OpenAsync(Address, Calls.Subscribe(name, extra), authorization: authorization);

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        await _host.DisposeAsync();
    }
}
