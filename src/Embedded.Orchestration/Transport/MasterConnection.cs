using System.Net;
using System.Net.Http.Headers;
using System.Net.WebSockets;
using System.Security.Authentication;
using Embedded.Orchestration.Hosting;
using Embedded.Orchestration.Protocol;
using Microsoft.Extensions.Logging;

namespace Embedded.Orchestration.Transport;

/// <summary>
/// An agent's side of its network link to a master elsewhere: the agent's records go out on it, and the
/// master's come back to the agent's address in this process's transport. A broken link is a partition:
/// it reconnects with backoff (a restarted master is found again) and has the agent register again with
/// the tasks it runs, so the master's heartbeat, unreachable and reconciliation rules apply unchanged.
/// A master that refuses the agent's credentials is not retried: that needs a person.
/// </summary>
internal sealed partial class MasterConnection
{
    /// <summary>Where agents connect, under the master's HTTP API.</summary>
    public const string Path = "/api/v1/agents/connect";

    private readonly Uri _endpoint;
    private readonly AuthenticationHeaderValue? _authorization;
    private readonly InProcessTransport _transport;
    private readonly RemoteAgentOptions _timing;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly TaskCompletionSource _connected = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private volatile WireSocket<AgentMessage, MasterMessage>? _wire;
    private volatile AgentRef? _agent;
    private volatile AgentRefusedException? _refused;

    public MasterConnection(Uri master, AuthenticationHeaderValue? authorization, InProcessTransport transport, RemoteAgentOptions timing, TimeProvider time, ILogger<MasterConnection> logger)
    {
        _endpoint = EndpointOf(master);
        _authorization = authorization;
        _transport = transport;
        _timing = timing;
        _time = time;
        _logger = logger;
        transport.ConnectMaster(Send);
    }

    /// <summary>The WebSocket URL of the agent link under a master's http(s) URL.</summary>
    public static Uri EndpointOf(Uri master)
    {
        if (!master.IsAbsoluteUri || master.Scheme is not ("http" or "https"))
            throw new ArgumentException($"the master's URL must be http:// or https://, not {master}", nameof(master));
        return new UriBuilder(master) { Scheme = master.Scheme == "https" ? "wss" : "ws", Path = Path, Query = "" }.Uri;
    }

    /// <summary>Why a failed connect will fail however often it is tried, or null when trying again may help.</summary>
    private string? Refusal(HttpStatusCode status, Exception e)
    {
        var master = _endpoint.GetLeftPart(UriPartial.Authority);
        return status switch
        {
            HttpStatusCode.Unauthorized => $"the master at {master} did not accept this agent's credentials (401): give the agent a principal and secret from the master's credentials file, or one of its tokens",
            HttpStatusCode.Forbidden => $"the master at {master} does not let this agent's principal connect agents (403): list it among the master's agent principals",
            // A master is ready to take agents once it answers at all, so no such path means no master for agents.
            HttpStatusCode.NotFound => $"the master at {master} serves no agent link at {_endpoint.AbsolutePath} (404): is it an Embedded master, and does it accept agents (ClusterApiOptions.AcceptAgents)?",
            _ => TlsFailure(e) is { } tls ? $"the master at {master} is not trusted: {tls.Message}; give the agent its certificate or CA to trust" : null,
        };
    }

    private static AuthenticationException? TlsFailure(Exception? e)
    {
        for (; e is not null; e = e.InnerException)
            if (e is AuthenticationException tls) return tls;
        return null;
    }

    /// <summary>Completes when the link is first up; fails when the master refuses the agent for good.</summary>
    public Task Connected => _connected.Task;

    /// <summary>Keeps the link up until <paramref name="cancellationToken"/>; throws <see cref="AgentRefusedException"/> when the master refuses the agent for good.</summary>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        var backoff = new ReconnectBackoff(_timing.MinReconnectDelay, _timing.MaxReconnectDelay);
        while (!cancellationToken.IsCancellationRequested)
        {
            var socket = new ClientWebSocket();
            socket.Options.KeepAliveInterval = _timing.KeepAliveInterval;
            socket.Options.KeepAliveTimeout = _timing.KeepAliveTimeout;
            socket.Options.CollectHttpResponseDetails = true;
            if (_authorization is not null) socket.Options.SetRequestHeader("Authorization", _authorization.ToString());
            if (_timing.RemoteCertificateValidationCallback is { } validate) socket.Options.RemoteCertificateValidationCallback = validate;
            try
            {
                using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                timeout.CancelAfter(_timing.ConnectTimeout);
                await socket.ConnectAsync(_endpoint, timeout.Token).ConfigureAwait(false);
            }
            catch (Exception e) when (e is WebSocketException or HttpRequestException || (e is OperationCanceledException && !cancellationToken.IsCancellationRequested))
            {
                var status = socket.HttpStatusCode;
                socket.Dispose();
                // What needs a person (credentials, a master that takes no agents, a certificate to trust) fails for good, not retried.
                if (Refusal(status, e) is { } reason)
                {
                    var refused = new AgentRefusedException(reason);
                    _connected.TrySetException(refused);
                    throw refused;
                }
                var delay = backoff.Next();
                LogConnectFailed(_endpoint, status is 0 ? e.Message : $"{(int)status} {status}", delay);
                await Task.Delay(delay, _time, cancellationToken).ConfigureAwait(false);
                continue;
            }
            catch (OperationCanceledException)
            {
                socket.Dispose();
                break;
            }

            backoff.Reset();
            var wire = new WireSocket<AgentMessage, MasterMessage>(socket, WireJsonContext.Default.AgentMessage, WireJsonContext.Default.MasterMessage);
            _wire = wire;
            LogConnected(_endpoint);
            // What the agent sent while the link was down is lost; it registers again with what it runs.
            if (_connected.Task.IsCompleted && _agent is { } agent) _transport.Send(agent.Address, new ReregisterRequested("the link to the master was re-established"));
            _connected.TrySetResult();
            var why = await wire.RunAsync(Receive, cancellationToken).ConfigureAwait(false);
            _wire = null;
            if (_refused is { } refusedForGood) throw refusedForGood;
            if (cancellationToken.IsCancellationRequested) break;
            var wait = backoff.Next();
            LogLinkLost(_endpoint, why, wait);
            await Task.Delay(wait, _time, cancellationToken).ConfigureAwait(false);
        }
        _connected.TrySetCanceled(cancellationToken);
    }

    /// <summary>Cuts the link as a broken network would (the connection then heals by itself).</summary>
    public void Cut() => _wire?.Cut();

    private bool Send(MasterMessage message)
    {
        // The agent's address is learnt from what it sends, so that answers reach this incarnation.
        var from = message switch { RegisterAgent m => m.From, AgentHeartbeat m => m.From, _ => (AgentAddress?)null };
        if (from is { } address && _agent?.Address != address) _agent = new AgentRef(address);
        return _wire?.TrySend(message) ?? false;
    }

    private string? Receive(AgentMessage message)
    {
        if (_agent is { } agent) _transport.Send(agent.Address, message);
        // Refused for good (a name taken by a connected agent): coming back would not change that.
        if (message is RegistrationRefused refused) _refused = new AgentRefusedException(refused.Reason);
        return null;
    }

    // A reference, so that the link's thread never reads half of an address the agent's thread writes.
    private sealed record AgentRef(AgentAddress Address);

    [LoggerMessage(Level = LogLevel.Information, Message = "Connected to the master at {Endpoint}")]
    private partial void LogConnected(Uri endpoint);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not connect to the master at {Endpoint} ({Why}); trying again in {Delay}")]
    private partial void LogConnectFailed(Uri endpoint, string why, TimeSpan delay);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The link to the master at {Endpoint} broke ({Why}); reconnecting in {Delay}")]
    private partial void LogLinkLost(Uri endpoint, string why, TimeSpan delay);
}

/// <summary>The master refused this agent for good (its credentials, or its name): a person must act.</summary>
internal sealed class AgentRefusedException(string message) : InvalidOperationException(message);
