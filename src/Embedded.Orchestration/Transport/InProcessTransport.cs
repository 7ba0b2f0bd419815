using System.Collections.Concurrent;
using System.Threading.Channels;
using Embedded.Orchestration.Model;
using Embedded.Orchestration.Protocol;
using Embedded.Orchestration.Scheduling;

namespace Embedded.Orchestration.Transport;

/// <summary>
/// Carries messages between the master and the agents and frameworks of this process. Messages name their
/// sender by address (an <see cref="AgentAddress"/>, a framework connection id); this resolves the
/// address to the agent's inbox or the framework's event channel. Another transport (the network)
/// resolves the same addresses to connections.
/// </summary>
internal sealed class InProcessTransport
{
    private readonly ConcurrentDictionary<AgentAddress, Func<AgentMessage, bool>> _agents = new();
    private readonly ConcurrentDictionary<string, ChannelWriter<SchedulerEvent>> _frameworks = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, ChannelWriter<ClusterEvent>> _watchers = new(StringComparer.Ordinal);
    private long _connections;
    private volatile Func<MasterMessage, bool> _master = static _ => false;

    /// <summary>Makes the master reachable; a restarted master takes the place of the old one.</summary>
    public void ConnectMaster(Func<MasterMessage, bool> inbox) => _master = inbox;

    /// <summary>Sends to the master; false when none takes messages.</summary>
    public bool SendToMaster(MasterMessage message) => _master(message);

    /// <summary>Makes an agent reachable at <paramref name="address"/> until <see cref="RemoveAgent"/>.</summary>
    public void AddAgent(AgentAddress address, Func<AgentMessage, bool> inbox) => _agents[address] = inbox;

    public void RemoveAgent(AgentAddress address) => _agents.TryRemove(address, out _);

    /// <summary>Whether some incarnation of <paramref name="agentId"/> is reachable here now (a scan: for registrations, not hot paths).</summary>
    public bool HasAgent(string agentId) => _agents.Keys.Any(a => a.AgentId == agentId);

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

    /// <summary>Opens a watcher's connection whose cluster events go to <paramref name="events"/>; returns its id.</summary>
    public string Watch(ChannelWriter<ClusterEvent> events)
    {
        var id = $"w{Interlocked.Increment(ref _connections)}";
        _watchers[id] = events;
        return id;
    }

    /// <summary>False when the watcher is gone or its buffer is full.</summary>
    public bool Send(string connection, ClusterEvent e) => _watchers.TryGetValue(connection, out var events) && events.TryWrite(e);

    /// <summary>Ends a framework's or a watcher's event stream (with <paramref name="error"/>, if any) and forgets it.</summary>
    public void Close(string connection, Exception? error = null)
    {
        if (_frameworks.TryRemove(connection, out var events)) events.TryComplete(error);
        if (_watchers.TryRemove(connection, out var watcher)) watcher.TryComplete(error);
    }
}
