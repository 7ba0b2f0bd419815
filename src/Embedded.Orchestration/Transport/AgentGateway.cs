using System.Collections.Concurrent;
using System.Collections.Immutable;
using System.Net.WebSockets;
using Embedded.Orchestration.Master;
using Embedded.Orchestration.Protocol;
using Microsoft.Extensions.Logging;

namespace Embedded.Orchestration.Transport;

/// <summary>
/// The master's side of agents in other processes: each link carries one agent's records, which reach
/// the master as an in-process agent's do, and the master's answers go back by the address the agent
/// gave. A link speaks for the agent it registered and no other, and one agent id has one link at a time:
/// a new agent under a connected one's name is refused for good, while an agent that registers again (it
/// restarted from its checkpoint, maybe on a host whose old connection the master has not yet seen die)
/// is turned away for now and comes back with backoff; the old link's keep-alive ends it within seconds
/// if its peer is gone. Taking the name over instead would let two live agents of one name cut each other in turn.
/// An incarnation whose name the master has since given to another one (a new agent took the name while it
/// was unreachable) is refused for good when it comes back: waiting would never let it in.
/// </summary>
internal sealed partial class AgentGateway(InProcessTransport transport, ILogger<AgentGateway> logger)
{
    private readonly ConcurrentDictionary<string, Link> _links = new(StringComparer.Ordinal);

    // How many replaced incarnations of one id are remembered: enough for a chain of takeovers, bounded for an agent restarted forever.
    private const int ReplacedKept = 8;

    /// <summary>By agent id: the incarnation the master accepted last over a link, and the latest ones it replaced, newest first.</summary>
    private readonly ConcurrentDictionary<string, (string Accepted, ImmutableArray<string> Replaced)> _incarnations = new(StringComparer.Ordinal);

    /// <summary>How many agent links are open now.</summary>
    public int Count => _links.Count;

    /// <summary>Serves one agent's link until it ends; <paramref name="peer"/> names the other end in logs and refusals.</summary>
    public async Task RunAsync(WebSocket socket, string peer, CancellationToken cancellationToken)
    {
        var wire = new WireSocket<MasterMessage, AgentMessage>(socket, WireJsonContext.Default.MasterMessage, WireJsonContext.Default.AgentMessage);
        var link = new Link(peer);
        string? agentId = null;
        AgentAddress? address = null;
        LogLinkOpened(peer);
        var why = await wire.RunAsync(Receive, cancellationToken).ConfigureAwait(false);
        if (address is { } last)
        {
            transport.RemoveAgent(last);
            transport.SendToMaster(new AgentDisconnected(agentId!, last));
        }
        if (agentId is not null) _links.TryRemove(new(agentId, link));
        LogLinkClosed(agentId ?? "(none)", peer, why);

        string? Receive(MasterMessage message)
        {
            var (id, from) = message switch
            {
                RegisterAgent m => (m.AgentId, m.From),
                AgentHeartbeat m => (m.AgentId, m.From),
                StatusUpdateFromAgent m => (m.AgentId, (AgentAddress?)null),
                AgentStopping m => (m.AgentId, null),
                MessageFromTask m => (m.AgentId, null),
                TaskOutputRead m => (m.AgentId, null),
                _ => (null, null),
            };
            if (agentId is null)
            {
                if (message is not RegisterAgent register) return Refuse($"the first message on an agent link must register the agent, not {message.GetType().Name}");
                if (Claim(register, link) is { } refused) return refused;
                agentId = register.AgentId;
            }
            else if (id != agentId)
                return Refuse($"the link of agent {agentId} spoke for {id ?? message.GetType().Name}");
            if (from is { } reply && reply != address)
            {
                if (address is { } stale) transport.RemoveAgent(stale);
                transport.AddAgent(reply, m =>
                {
                    if (m is AgentRegistered) Accepted(reply);
                    return wire.TrySend(m);
                });
                address = reply;
            }
            transport.SendToMaster(message);
            return null;
        }

        string? Claim(RegisterAgent register, Link link)
        {
            // Reachable here without a link of ours: an agent of the master's own process, which no link may speak for.
            if (!_links.ContainsKey(register.AgentId) && transport.HasAgent(register.AgentId))
            {
                wire.TrySend(new RegistrationRefused($"an agent named '{register.AgentId}' runs in the master's own process"));
                return Refuse($"agent {register.AgentId} runs in the master's process");
            }
            if (_incarnations.TryGetValue(register.AgentId, out var known) && known.Replaced.Contains(register.From.Incarnation))
            {
                wire.TrySend(new RegistrationRefused(
                    $"a new agent registered under the name '{register.AgentId}' while this one was unreachable, and the master removed this one and its tasks"));
                return Refuse($"agent {register.AgentId} was replaced by a new agent under its name");
            }
            if (_links.TryAdd(register.AgentId, link)) return null;
            var other = _links.GetValueOrDefault(register.AgentId)?.Peer ?? "a link that is closing";
            if (!register.Reregister)
                wire.TrySend(new RegistrationRefused($"an agent named '{register.AgentId}' is connected already (from {other})"));
            return Refuse($"agent {register.AgentId} is connected already from {other}");
        }

        string Refuse(string why)
        {
            LogLinkRefused(peer, why);
            return why;
        }
    }

    /// <summary>The master accepted <paramref name="address"/>: an earlier incarnation under its id is replaced.</summary>
    private void Accepted(AgentAddress address) =>
        _incarnations.AddOrUpdate(address.AgentId, static (_, a) => (a.Incarnation, []),
            static (_, known, a) => known.Accepted == a.Incarnation ? known : (a.Incarnation, [known.Accepted, .. known.Replaced.Take(ReplacedKept - 1)]), address);

    private sealed record Link(string Peer);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Agent link from {Peer} opened")]
    private partial void LogLinkOpened(string peer);

    [LoggerMessage(Level = LogLevel.Information, Message = "Agent link of {AgentId} from {Peer} closed: {Why}")]
    private partial void LogLinkClosed(string agentId, string peer, string why);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Agent link from {Peer} refused: {Why}")]
    private partial void LogLinkRefused(string peer, string why);
}
