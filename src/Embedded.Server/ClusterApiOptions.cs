namespace Embedded.Server;

/// <summary>Limits of the cluster's HTTP API.</summary>
public sealed class ClusterApiOptions
{
    /// <summary>Largest request body taken; a larger one gets 413 (Mesos has no limit; a hostile client should not choose ours).</summary>
    public int MaxRequestBodyBytes { get; set; } = 4 * 1024 * 1024;

    /// <summary>Events held for one subscriber that reads slower than the master writes.</summary>
    public int SubscriberBufferEvents { get; set; } = 1024;

    /// <summary>
    /// How long a subscriber's full buffer may stay full before it is disconnected (as Mesos drops a
    /// framework it cannot write to), so a burst is absorbed but a reader that stopped costs the master nothing.
    /// </summary>
    public TimeSpan SubscriberStallTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Most offer ids (or tasks, operations, resources) one call may name; more is a 400.</summary>
    public int MaxItemsPerCall { get; set; } = 10_000;

    /// <summary>
    /// Whether agents of other processes may join the master at <c>GET /api/v1/agents/connect</c> (on by default, as a
    /// Mesos master takes agents); off, that path is not served, and an agent that tries is told so (404) and gives up.
    /// </summary>
    public bool AcceptAgents { get; set; } = true;

    /// <summary>How often an idle agent link is pinged, so that a dead agent host is noticed without waiting on TCP.</summary>
    public TimeSpan AgentKeepAliveInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>How long a ping may go unanswered before the agent's link counts as broken (its agent is then disconnected).</summary>
    public TimeSpan AgentKeepAliveTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Authentication and authorization; off by default, which is safe only on loopback.</summary>
    public ClusterApiAuthentication Authentication { get; } = new();
}
