using System.Net.Http.Headers;
using System.Text;
using Embedded.Orchestration.Execution;
using Embedded.Orchestration.Transport;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Embedded.Orchestration.Hosting;

/// <summary>
/// An agent of this process that serves a master elsewhere: the link comes up first, then the agent
/// starts and registers over it. Stopping kills the agent's tasks and reports them (as an in-process
/// agent does), then closes the link. A master that refuses the agent for good stops the host.
/// </summary>
internal sealed partial class RemoteAgentService : IHostedLifecycleService
{
    private readonly MasterConnection _connection;
    private readonly AgentPool _agents;
    private readonly IHostApplicationLifetime? _lifetime;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _stop = new();
    private Task _link = Task.CompletedTask;
    private volatile bool _agentStarting, _started;

    public RemoteAgentService(IOptions<RemoteAgentOptions> options, DelegateRegistry delegates, TimeProvider time, ILoggerFactory loggers, IHostApplicationLifetime? lifetime = null)
    {
        var o = options.Value;
        // A transport of its own: this agent's master is the link, never a master that may share the host.
        var transport = new InProcessTransport();
        var authorization = o.BearerToken is { } token ? new AuthenticationHeaderValue("Bearer", token)
            : o.Principal is { } principal ? new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{principal}:{o.Secret}")))
            : null;
        _connection = new MasterConnection(o.Master!, authorization, transport, o, time, loggers.CreateLogger<MasterConnection>());
        var cluster = new ClusterOptions();
        cluster.Agents.Add(o.Agent);
        _agents = new AgentPool(Options.Create(cluster), transport, delegates, time, loggers);
        _lifetime = lifetime;
        _logger = loggers.CreateLogger<RemoteAgentService>();
    }

    /// <summary>Why the master refused this agent for good after it had joined (the host stopped for it); null otherwise.</summary>
    internal AgentRefusedException? Refused { get; private set; }

    /// <summary>The link to the master, for tests that cut it.</summary>
    internal MasterConnection Connection => _connection;

    public Task StartingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        _link = KeepLinkAsync();
        await _connection.Connected.WaitAsync(cancellationToken).ConfigureAwait(false);
        _agentStarting = true;
        await _agents.StartAsync(cancellationToken).ConfigureAwait(false);
        _started = true;
    }

    public Task StartedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppingAsync(CancellationToken cancellationToken)
    {
        if (_agentStarting) _agents.BeginShutdown();
        return Task.CompletedTask;
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        try
        {
            // An agent that never started has nothing to stop (and no loop to answer a shutdown).
            if (_agentStarting) await _agents.StopAsync(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            await _stop.CancelAsync().ConfigureAwait(false);
            await _link.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    public Task StoppedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    private async Task KeepLinkAsync()
    {
        try
        {
            await _connection.RunAsync(_stop.Token).ConfigureAwait(false);
        }
        catch (AgentRefusedException e)
        {
            LogRefused(e.Message);
            // Before the host has started, its start fails with the refusal instead.
            if (!_started) return;
            Refused = e;
            _lifetime?.StopApplication();
        }
        catch (OperationCanceledException) when (_stop.IsCancellationRequested)
        {
            // Stopping.
        }
    }

    [LoggerMessage(Level = LogLevel.Critical, Message = "The master refused this agent: {Why}")]
    private partial void LogRefused(string why);
}
