using System.Net;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json;

namespace Embedded.Cli.Http;

/// <summary>Calls a master's Mesos v1 HTTP API (operator calls, scheduler calls on a subscribed stream), with the caller's credentials if any.</summary>
internal sealed class MasterClient : IDisposable
{
    private readonly HttpClient _http;
    private readonly MasterCredentials _credentials;

    public MasterClient(Uri master, MasterCredentials? credentials = null, MasterTrust? trust = null)
    {
        Master = master;
        _credentials = credentials ?? MasterCredentials.None;
        var handler = new SocketsHttpHandler();
        if (trust is not null)
            handler.SslOptions.RemoteCertificateValidationCallback = (_, certificate, _, errors) => trust.Validate(certificate as X509Certificate2, errors);
        _http = new HttpClient(handler) { BaseAddress = master, Timeout = Timeout.InfiniteTimeSpan };
        _http.DefaultRequestHeaders.Authorization = _credentials.Header;
    }

    public Uri Master { get; }

    /// <summary>An operator call (<c>POST /api/v1</c>) and its JSON answer.</summary>
    public async Task<JsonDocument> OperatorAsync(string type, CancellationToken cancellationToken)
    {
        using var response = await SendAsync("/api/v1", $$"""{"type":"{{type}}"}""", null, HttpCompletionOption.ResponseContentRead, cancellationToken).ConfigureAwait(false);
        await using var body = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
        return await JsonDocument.ParseAsync(body, cancellationToken: cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Embedded's KILL_TASK operator call: 202 Accepted once the task's agent is told to kill it; else the
    /// master's reason with 404 (no such active task), 400 (an ambiguous id, or a bad call) or 503 (its agent cannot be reached).
    /// </summary>
    public async Task<(HttpStatusCode Status, string Message)> KillTaskAsync(string taskId, string? frameworkId, double? graceSeconds, CancellationToken cancellationToken)
    {
        var body = Encoding.UTF8.GetString(Embedded.Client.OperatorCallWriter.KillTask(taskId, frameworkId, graceSeconds is { } grace ? TimeSpan.FromSeconds(grace) : null));
        using var response = await SendAsync("/api/v1", body, null, HttpCompletionOption.ResponseContentRead, cancellationToken,
            HttpStatusCode.NotFound, HttpStatusCode.BadRequest, HttpStatusCode.ServiceUnavailable).ConfigureAwait(false);
        var text = (await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false)).Trim();
        return (response.StatusCode, text);
    }

    /// <summary>SUBSCRIBE: the open event stream and its Mesos-Stream-Id.</summary>
    public async Task<(MasterEventReader Events, string StreamId, HttpResponseMessage Response)> SubscribeAsync(string body, CancellationToken cancellationToken)
    {
        var response = await SendAsync("/api/v1/scheduler", body, null, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
        try
        {
            var streamId = response.Headers.TryGetValues("Mesos-Stream-Id", out var ids) ? ids.First()
                : throw new MasterException($"{Master} answered SUBSCRIBE without a Mesos-Stream-Id");
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

    /// <summary>The answer to a POST; <paramref name="answers"/> are refusals the caller reads itself, any other throws <see cref="MasterException"/>.</summary>
    private async Task<HttpResponseMessage> SendAsync(string path, string body, string? streamId, HttpCompletionOption completion, CancellationToken cancellationToken,
        params HttpStatusCode[] answers)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        request.Headers.Accept.ParseAdd("application/json");
        if (streamId is not null) request.Headers.Add("Mesos-Stream-Id", streamId);
        HttpResponseMessage response;
        try
        {
            response = await _http.SendAsync(request, completion, cancellationToken).ConfigureAwait(false);
        }
        catch (HttpRequestException e) when (e.InnerException is AuthenticationException tls)
        {
            throw new MasterException($"the master at {Master} is not trusted: {tls.Message}; pass --ca-certificate FILE with its certificate or its CA (or set {MasterTrust.Variable})");
        }
        catch (HttpRequestException e)
        {
            throw new MasterException($"no master answers at {Master} ({e.Message}); start one with `embedded dev` or pass --master");
        }
        if (response.IsSuccessStatusCode || answers.Contains(response.StatusCode)) return response;
        using (response)
        {
            var text = (await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false)).Trim();
            throw response.StatusCode switch
            {
                HttpStatusCode.Unauthorized when _credentials.IsNone => new MasterAuthenticationException($"the master at {Master} requires authentication: {MasterCredentials.Hint}"),
                HttpStatusCode.Unauthorized => new MasterAuthenticationException(
                    $"the master at {Master} refused the credentials of {_credentials.Describe()} ({text}): check {(_credentials.Token is null ? "--principal and --secret-file" : "--token-file")}"),
                // Mesos's 403 for a call of a framework the master no longer has (it is stopping, or lost it): not a refused principal.
                HttpStatusCode.Forbidden when text.Contains("not subscribed", StringComparison.OrdinalIgnoreCase) =>
                    new MasterException($"the master at {Master} no longer has this framework subscribed (it is stopping, or failed over): {text}"),
                HttpStatusCode.Forbidden => new MasterAuthenticationException($"the master at {Master} refused {_credentials.Describe()}: {text}"),
                _ => new MasterException($"{Master}{path.TrimStart('/')} answered {(int)response.StatusCode} {response.StatusCode}: {text}"),
            };
        }
    }

    public void Dispose() => _http.Dispose();
}

/// <summary>A master that cannot be reached or refused a call: printed as one line, exit code 1.</summary>
internal class MasterException(string message) : Exception(message);

/// <summary>A master that wants credentials (401) or refuses the caller's principal (403): one line saying what to pass, exit code 2.</summary>
internal sealed class MasterAuthenticationException(string message) : MasterException(message);
