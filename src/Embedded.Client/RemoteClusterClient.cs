using System.Collections.Immutable;
using System.Net;
using System.Net.Http.Headers;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;
using System.Threading.Channels;
using Embedded.Orchestration.Allocation;
using Embedded.Orchestration.Model;
using Embedded.Orchestration.Scheduling;
using Embedded.Orchestration.Scheduling.Services;
using Microsoft.Extensions.Logging;

namespace Embedded.Client;

/// <summary><see cref="IClusterClient"/> over a master's Mesos v1 HTTP API (scheduler and operator), as MapClusterApi serves it.</summary>
internal sealed class RemoteClusterClient : IClusterClient, IDisposable
{
    private const string StreamIdHeader = "Mesos-Stream-Id";
    private readonly HttpClient _http;
    private readonly ImmutableArray<TaskKind> _taskKinds;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly Func<JobScheduler?>? _jobs;

    // jobs: this client's job scheduler, whose waiting jobs the state shows; resolved when asked, as it is built on this client.
    public RemoteClusterClient(RemoteClusterOptions options, TimeProvider time, ILogger<RemoteClusterClient> logger, Func<JobScheduler?>? jobs = null)
    {
        _time = time;
        _jobs = jobs;
        Master = options.Master ?? throw new ArgumentException("RemoteClusterOptions.Master: give the master's address", nameof(options));
        _taskKinds = [.. options.TaskKinds];
        _logger = logger;
        // Event streams live as long as their sessions: no overall timeout; calls take the caller's token.
        _http = new HttpClient { BaseAddress = Master, Timeout = Timeout.InfiniteTimeSpan };
        if (options.BearerToken is { } token)
            _http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        else if (options.Username is { } user)
            _http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{user}:{options.Password}")));
    }

    public Uri Master { get; }

    public async Task<SchedulerSession> SubscribeAsync(FrameworkInfo framework, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(framework);
        var response = await SendAsync("api/v1/scheduler", MesosCallWriter.Subscribe(framework), null, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
        try
        {
            var streamId = response.Headers.TryGetValues(StreamIdHeader, out var ids) ? ids.First()
                : throw new InvalidOperationException($"{Master} answered SUBSCRIBE without a {StreamIdHeader}");
            var reader = new RecordIOReader(await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false));
            using var first = await reader.ReadAsync(cancellationToken).ConfigureAwait(false)
                ?? throw new InvalidOperationException($"{Master} closed the SUBSCRIBE stream before SUBSCRIBED");
            var subscribed = MesosEventReader.Read(first.RootElement, _taskKinds) switch
            {
                SubscribedEvent s => s,
                ErrorEvent e => throw new InvalidOperationException(e.Message),
                var other => throw new InvalidOperationException($"{Master} sent {other?.GetType().Name ?? "an unknown event"} before SUBSCRIBED"),
            };
            var events = Channel.CreateUnbounded<SchedulerEvent>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = true });
            events.Writer.TryWrite(subscribed);
            var link = new HttpSchedulerLink(this, response, streamId);
            _ = link.PumpAsync(reader, subscribed.FrameworkId, events.Writer, _taskKinds, _logger);
            return new SchedulerSession(subscribed.FrameworkId, events, link);
        }
        catch
        {
            response.Dispose();
            throw;
        }
    }

    /// <summary>A scheduler call other than SUBSCRIBE on the stream <paramref name="streamId"/> (answered 202).</summary>
    internal async Task SchedulerCallAsync(byte[] body, string streamId, CancellationToken cancellationToken)
    {
        using var _ = await SendAsync("api/v1/scheduler", body, streamId, HttpCompletionOption.ResponseContentRead, cancellationToken).ConfigureAwait(false);
    }

    public async Task<ImmutableArray<AgentSnapshot>> GetAgentsAsync(CancellationToken cancellationToken = default)
    {
        using var json = await OperatorAsync("GET_AGENTS", cancellationToken).ConfigureAwait(false);
        return MesosJson.Get(json.RootElement, "get_agents") is { } agents ? MesosStateReader.Agents(agents, _taskKinds) : [];
    }

    public async Task<ClusterState> GetStateAsync(CancellationToken cancellationToken = default)
    {
        var services = GetServicesAsync(cancellationToken);
        var read = OperatorAsync("GET_STATE", cancellationToken);
        var roles = OperatorAsync("GET_ROLES", cancellationToken);
        // Waiting jobs are this client's scheduler's, as in process: the master only knows what was launched.
        var pending = _jobs?.Invoke() is { } jobs ? jobs.GetPendingAsync(cancellationToken) : Task.FromResult(ImmutableArray<PendingJob>.Empty);
        await Task.WhenAll(services, read, roles, pending).ConfigureAwait(false);
        using var json = await read.ConfigureAwait(false);
        using var rolesJson = await roles.ConfigureAwait(false);
        var state = MesosJson.Get(json.RootElement, "get_state") ?? throw new InvalidOperationException($"{Master} answered GET_STATE without get_state");
        var snapshot = MesosStateReader.State(state, _taskKinds, _time.GetUtcNow());
        return snapshot with
        {
            Roles = MesosJson.Get(rolesJson.RootElement, "get_roles") is { } r ? MesosStateReader.Roles(r, snapshot.Agents) : [],
            PendingJobs = await pending.ConfigureAwait(false),
            Services = await services.ConfigureAwait(false),
        };
    }

    /// <summary>The services the master's host keeps; none from a master that does not know the call (a Mesos master).</summary>
    private async Task<ImmutableArray<ServiceSnapshot>> GetServicesAsync(CancellationToken cancellationToken)
    {
        try
        {
            using var json = await OperatorAsync(ServicesReader.Call, cancellationToken).ConfigureAwait(false);
            return MesosJson.Get(json.RootElement, "get_services") is { } services ? ServicesReader.Read(services) : [];
        }
        catch (ArgumentException)
        {
            return [];
        }
    }

    /// <summary>The operator API's SUBSCRIBE. Ends when the stream does: the master stopped, or cut off a reader that fell behind (which throws in process).</summary>
    public async IAsyncEnumerable<ClusterEvent> WatchAsync([EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        using var response = await SendAsync("api/v1", Encoding.UTF8.GetBytes("""{"type":"SUBSCRIBE"}"""), null, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
        var reader = new RecordIOReader(await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false));
        while (true)
        {
            JsonDocument? record;
            try
            {
                record = await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (e is IOException or HttpRequestException)
            {
                throw new InvalidOperationException($"the operator stream from {Master} broke ({e.Message})", e);
            }
            if (record is null) yield break;
            ClusterEvent? next;
            using (record) next = MesosClusterEventReader.Read(record.RootElement, _taskKinds, _time.GetUtcNow());
            if (next is not null) yield return next;
        }
    }

    public void SetRoleWeight(string role, double weight) =>
        throw new NotSupportedException("role weights are not served over HTTP yet; set them in the cluster's own process");

    public Task SetRoleQuotaAsync(string role, RoleQuota? quota, CancellationToken cancellationToken = default) =>
        throw new NotSupportedException("role quotas are not served over HTTP yet; set them in the cluster's own process");

    public async Task<TaskOutput?> ReadOutputAsync(string agentId, string frameworkId, string taskId, CancellationToken cancellationToken = default)
    {
        var path = $"api/v1/agents/{Uri.EscapeDataString(agentId)}/frameworks/{Uri.EscapeDataString(frameworkId)}/tasks/{Uri.EscapeDataString(taskId)}/output";
        using var response = await _http.GetAsync(path, cancellationToken).ConfigureAwait(false);
        if (response.StatusCode == HttpStatusCode.NotFound) return null;
        await EnsureSuccessAsync(response, path, cancellationToken).ConfigureAwait(false);
        await using var body = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
        using var json = await JsonDocument.ParseAsync(body, cancellationToken: cancellationToken).ConfigureAwait(false);
        return new TaskOutput(MesosJson.String(json.RootElement, "stdout") ?? "", MesosJson.String(json.RootElement, "stderr") ?? "");
    }

    /// <summary>Embedded's KILL_TASK operator call; the answer's status says the outcome and its text the message.</summary>
    public async Task<TaskKillResult> KillTaskAsync(string taskId, string? frameworkId = null, TimeSpan? gracePeriod = null, CancellationToken cancellationToken = default)
    {
        // Checked here as in process, so that a 400 from the master can only mean an ambiguous id.
        ArgumentException.ThrowIfNullOrWhiteSpace(taskId);
        if (gracePeriod is { } grace && grace < TimeSpan.Zero)
            throw new ArgumentOutOfRangeException(nameof(gracePeriod), grace, "a kill grace period cannot be negative");
        const string path = "api/v1";
        using var request = new HttpRequestMessage(HttpMethod.Post, path)
        {
            Content = new ByteArrayContent(OperatorCallWriter.KillTask(taskId, string.IsNullOrEmpty(frameworkId) ? null : frameworkId, gracePeriod)),
        };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        request.Headers.Accept.ParseAdd("application/json");
        HttpResponseMessage response;
        try
        {
            response = await _http.SendAsync(request, cancellationToken).ConfigureAwait(false);
        }
        catch (HttpRequestException e)
        {
            throw new InvalidOperationException($"no master answers at {Master} ({e.Message})", e);
        }
        using (response)
        {
            var outcome = response.StatusCode switch
            {
                HttpStatusCode.Accepted => TaskKillOutcome.Killing,
                HttpStatusCode.NotFound => TaskKillOutcome.NotFound,
                HttpStatusCode.BadRequest => TaskKillOutcome.Ambiguous,
                HttpStatusCode.ServiceUnavailable => TaskKillOutcome.AgentUnreachable,
                _ => (TaskKillOutcome?)null,
            };
            if (outcome is null) await EnsureSuccessAsync(response, path, cancellationToken).ConfigureAwait(false);
            var text = (await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false)).Trim();
            if (outcome == TaskKillOutcome.Ambiguous && text.Contains("'KILL_TASK' is not supported", StringComparison.Ordinal))
                throw new NotSupportedException($"{Master} predates KILL_TASK: {text}");
            return outcome switch
            {
                TaskKillOutcome.Killing => new(TaskKillOutcome.Killing, text.Length > 0 ? text : $"killing task {taskId}"),
                { } known => new(known, text),
                // Another success (a master that answers 200) is not a kill it understood.
                null => throw new InvalidOperationException($"{Master}{path} answered KILL_TASK with {(int)response.StatusCode} {response.StatusCode}; it may predate KILL_TASK"),
            };
        }
    }

    private async Task<JsonDocument> OperatorAsync(string type, CancellationToken cancellationToken)
    {
        using var response = await SendAsync("api/v1", Encoding.UTF8.GetBytes($$"""{"type":"{{type}}"}"""), null, HttpCompletionOption.ResponseContentRead, cancellationToken).ConfigureAwait(false);
        await using var body = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
        return await JsonDocument.ParseAsync(body, cancellationToken: cancellationToken).ConfigureAwait(false);
    }

    private async Task<HttpResponseMessage> SendAsync(string path, byte[] body, string? streamId, HttpCompletionOption completion, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        request.Headers.Accept.ParseAdd("application/json");
        if (streamId is not null) request.Headers.Add(StreamIdHeader, streamId);
        HttpResponseMessage response;
        try
        {
            response = await _http.SendAsync(request, completion, cancellationToken).ConfigureAwait(false);
        }
        catch (HttpRequestException e)
        {
            // As the in-process client does when its master has gone.
            throw new InvalidOperationException($"no master answers at {Master} ({e.Message})", e);
        }
        try
        {
            await EnsureSuccessAsync(response, path, cancellationToken).ConfigureAwait(false);
            return response;
        }
        catch
        {
            response.Dispose();
            throw;
        }
    }

    private async Task EnsureSuccessAsync(HttpResponseMessage response, string path, CancellationToken cancellationToken)
    {
        if (response.IsSuccessStatusCode) return;
        var text = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
        var message = $"{Master}{path} answered {(int)response.StatusCode} {response.StatusCode}: {text.Trim()}";
        // A call the master refused is a bad argument, as in process; anything else is the master's state.
        throw response.StatusCode == HttpStatusCode.BadRequest ? new ArgumentException(message) : new InvalidOperationException(message);
    }

    public void Dispose() => _http.Dispose();
}
