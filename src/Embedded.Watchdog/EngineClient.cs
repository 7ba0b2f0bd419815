using System.IO.Pipes;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;

namespace Embedded.Watchdog;

/// <summary>
/// The two Docker Engine API calls the watchdog needs (list containers by label, force-remove one),
/// over the engine's unix socket, named pipe or plain tcp: no Docker CLI, no client library.
/// Unversioned paths, so any engine answers at its own API version.
/// </summary>
internal sealed class EngineClient : IDisposable
{
    private static readonly TimeSpan RequestTimeout = TimeSpan.FromSeconds(20);
    private readonly HttpClient _http;

    public EngineClient(Uri endpoint)
    {
        var handler = new SocketsHttpHandler { ConnectCallback = (context, ct) => ConnectAsync(endpoint, ct), UseProxy = false };
        _http = new HttpClient(handler) { BaseAddress = new Uri("http://docker/"), Timeout = RequestTimeout };
    }

    /// <summary>Every container, in any state, that carries label <paramref name="label"/>=<paramref name="value"/>.</summary>
    public async Task<IReadOnlyList<EngineContainer>> ListAsync(string label, string value, CancellationToken cancellationToken)
    {
        var filters = JsonSerializer.Serialize(new Dictionary<string, string[]> { ["label"] = [$"{label}={value}"] }, WatchdogJsonContext.Default.DictionaryStringStringArray);
        using var response = await _http.GetAsync($"containers/json?all=1&filters={Uri.EscapeDataString(filters)}", cancellationToken).ConfigureAwait(false);
        response.EnsureSuccessStatusCode();
        await using var body = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
        using var document = await JsonDocument.ParseAsync(body, cancellationToken: cancellationToken).ConfigureAwait(false);
        var result = new List<EngineContainer>();
        foreach (var container in document.RootElement.EnumerateArray())
        {
            var labels = new Dictionary<string, string>(StringComparer.Ordinal);
            if (container.TryGetProperty("Labels", out var l) && l.ValueKind == JsonValueKind.Object)
                foreach (var p in l.EnumerateObject()) labels[p.Name] = p.Value.GetString() ?? "";
            result.Add(new EngineContainer(container.GetProperty("Id").GetString()!, labels));
        }
        return result;
    }

    /// <summary>Kills and removes a container with its anonymous volumes; one already gone is fine.</summary>
    public async Task RemoveAsync(string id, CancellationToken cancellationToken)
    {
        using var response = await _http.DeleteAsync($"containers/{Uri.EscapeDataString(id)}?force=1&v=1", cancellationToken).ConfigureAwait(false);
        if (response.StatusCode is HttpStatusCode.NotFound or HttpStatusCode.Conflict) return; // Gone, or its removal is under way.
        response.EnsureSuccessStatusCode();
    }

    public void Dispose() => _http.Dispose();

    private static async ValueTask<Stream> ConnectAsync(Uri endpoint, CancellationToken cancellationToken)
    {
        switch (endpoint.Scheme)
        {
            case "unix":
            {
                var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
                try
                {
                    await socket.ConnectAsync(new UnixDomainSocketEndPoint(endpoint.LocalPath), cancellationToken).ConfigureAwait(false);
                    return new NetworkStream(socket, ownsSocket: true);
                }
                catch
                {
                    socket.Dispose();
                    throw;
                }
            }
            case "npipe":
            {
                // npipe://./pipe/docker_engine: server ".", pipe "docker_engine". Verified on paper only.
                var segments = endpoint.AbsolutePath.Trim('/').Split('/');
                var server = string.IsNullOrEmpty(endpoint.Host) ? "." : endpoint.Host;
                var pipe = new NamedPipeClientStream(server, segments[^1], PipeDirection.InOut, PipeOptions.Asynchronous);
                try
                {
                    await pipe.ConnectAsync(cancellationToken).ConfigureAwait(false);
                    return pipe;
                }
                catch
                {
                    await pipe.DisposeAsync().ConfigureAwait(false);
                    throw;
                }
            }
            default:
            {
                var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
                try
                {
                    await socket.ConnectAsync(endpoint.Host, endpoint.Port, cancellationToken).ConfigureAwait(false);
                    return new NetworkStream(socket, ownsSocket: true);
                }
                catch
                {
                    socket.Dispose();
                    throw;
                }
            }
        }
    }
}

internal sealed record EngineContainer(string Id, IReadOnlyDictionary<string, string> Labels);

[System.Text.Json.Serialization.JsonSerializable(typeof(Dictionary<string, string[]>))]
internal sealed partial class WatchdogJsonContext : System.Text.Json.Serialization.JsonSerializerContext;
