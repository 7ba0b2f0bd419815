using System.Collections.Concurrent;
using System.Threading.Channels;
using Embedded.Orchestration.Agent;
using Embedded.Orchestration.Model;

namespace Embedded.Orchestration.Transport;

/// <summary>
/// Carries messages from the master to agents and frameworks of this process. Messages name their
/// sender by address (an <see cref="AgentAddress"/>, a framework connection id); this resolves the
/// address to the agent's inbox or the framework's event channel. Another transport (the network)
/// resolves the same addresses to connections.
/// </summary>
internal sealed class InProcessTransport
{
    private readonly ConcurrentDictionary<AgentAddress, Func<AgentMessage, bool>> _agents = new();
    private readonly ConcurrentDictionary<string, ChannelWriter<SchedulerEvent>> _frameworks = new(StringComparer.Ordinal);
    private long _connections;

    /// <summary>Makes an agent reachable at <paramref name="address"/> until <see cref="RemoveAgent"/>.</summary>
    public void AddAgent(AgentAddress address, Func<AgentMessage, bool> inbox) => _agents[address] = inbox;

    public void RemoveAgent(AgentAddress address) => _agents.TryRemove(address, out _);

    /// <summary>Sends to the agent at <paramref name="address"/>; false when nothing is there any more.</summary>
    public bool Send(AgentAddress address, AgentMessage message) => _agents.TryGetValue(address, out var inbox) && inbox(message);

    /// <summary>Opens a framework connection whose events go to <paramref name="events"/>; returns its id.</summary>
    public string Connect(ChannelWriter<SchedulerEvent> events)
    {
        var id = $"c{Interlocked.Increment(ref _connections)}";
        _frameworks[id] = events;
        return id;
    }

    public bool Send(string connection, SchedulerEvent e) => _frameworks.TryGetValue(connection, out var events) && events.TryWrite(e);

    /// <summary>Ends a framework connection's event stream (with <paramref name="error"/>, if any) and forgets it.</summary>
    public void Close(string connection, Exception? error = null)
    {
        if (_frameworks.TryRemove(connection, out var events)) events.TryComplete(error);
    }
}
