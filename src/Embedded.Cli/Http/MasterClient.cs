using System.Net;
using System.Text;
using System.Text.Json;

namespace Embedded.Cli.Http;

/// <summary>Calls a master's Mesos v1 HTTP API (operator calls, scheduler calls on a subscribed stream).</summary>
internal sealed class MasterClient(Uri master) : IDisposable
{
    private readonly HttpClient _http = new() { BaseAddress = master, Timeout = Timeout.InfiniteTimeSpan };

    public Uri Master => master;

    /// <summary>An operator call (<c>POST /api/v1</c>) and its JSON answer.</summary>
    public async Task<JsonDocument> OperatorAsync(string type, CancellationToken cancellationToken)
    {
        using var response = await SendAsync("/api/v1", $$"""{"type":"{{type}}"}""", null, HttpCompletionOption.ResponseContentRead, cancellationToken).ConfigureAwait(false);
        await using var body = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
        return await JsonDocument.ParseAsync(body, cancellationToken: cancellationToken).ConfigureAwait(false);
    }

    /// <summary>SUBSCRIBE: the open event stream and its Mesos-Stream-Id.</summary>
    public async Task<(MasterEventReader Events, string StreamId, HttpResponseMessage Response)> SubscribeAsync(string body, CancellationToken cancellationToken)
    {
        var response = await SendAsync("/api/v1/scheduler", body, null, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
        try
        {
            var streamId = response.Headers.TryGetValues("Mesos-Stream-Id", out var ids) ? ids.First()
                : throw new MasterException($"{master} answered SUBSCRIBE without a Mesos-Stream-Id");
            var stream = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
            return (new MasterEventReader(stream), streamId, response);
        }
        catch
        {
            response.Dispose();
            throw;
        }
    }

    /// <summary>A scheduler call other than SUBSCRIBE (answered 202).</summary>
    public async Task CallAsync(string body, string streamId, CancellationToken cancellationToken)
    {
        using var _ = await SendAsync("/api/v1/scheduler", body, streamId, HttpCompletionOption.ResponseContentRead, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>A task's output so far (<c>GET /api/v1/agents/…/output</c>), or null when its agent does not know it (or the master predates the endpoint).</summary>
    public async Task<(string Stdout, string Stderr)?> ReadOutputAsync(string agentId, string frameworkId, string taskId, CancellationToken cancellationToken)
    {
        var path = $"/api/v1/agents/{Uri.EscapeDataString(agentId)}/frameworks/{Uri.EscapeDataString(frameworkId)}/tasks/{Uri.EscapeDataString(taskId)}/output";
        using var response = await _http.GetAsync(path, cancellationToken).ConfigureAwait(false);
        if (response.StatusCode == HttpStatusCode.NotFound) return null;
        response.EnsureSuccessStatusCode();
        await using var body = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
        using var json = await JsonDocument.ParseAsync(body, cancellationToken: cancellationToken).ConfigureAwait(false);
        return (json.RootElement.GetProperty("stdout").GetString() ?? "", json.RootElement.GetProperty("stderr").GetString() ?? "");
    }

    private async Task<HttpResponseMessage> SendAsync(string path, string body, string? streamId, HttpCompletionOption completion, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        request.Headers.Accept.ParseAdd("application/json");
        if (streamId is not null) request.Headers.Add("Mesos-Stream-Id", streamId);
        HttpResponseMessage response;
        try
        {
            response = await _http.SendAsync(request, completion, cancellationToken).ConfigureAwait(false);
        }
        catch (HttpRequestException e)
        {
            throw new MasterException($"no master answers at {master} ({e.Message}); start one with `embedded dev` or pass --master");
        }
        if (response.IsSuccessStatusCode) return response;
        using (response)
        {
            var text = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
            throw new MasterException($"{master}{path.TrimStart('/')} answered {(int)response.StatusCode} {response.StatusCode}: {text.Trim()}");
        }
    }

    public void Dispose() => _http.Dispose();
}

/// <summary>A master that cannot be reached or refused a call: printed as one line, exit code 1.</summary>
internal class MasterException(string message) : Exception(message);
