using System.Net.Security;
using Embedded.Orchestration.Agent;

namespace Embedded.Orchestration.Hosting;

/// <summary>An agent in this process that joins a master elsewhere over the network (<c>AddClusterAgent</c>).</summary>
public sealed class RemoteAgentOptions
{
    /// <summary>The master's HTTP API, as frameworks reach it (<c>http://host:5050</c>); required.</summary>
    public Uri? Master { get; set; }

    /// <summary>The principal the agent authenticates as (HTTP Basic, as Mesos's agent <c>--credential</c>); null when the master has no authentication.</summary>
    public string? Principal { get; set; }

    /// <summary>The principal's secret.</summary>
    public string? Secret { get; set; }

    /// <summary>A bearer token to authenticate with instead of <see cref="Principal"/> and <see cref="Secret"/> (the master maps it to a principal).</summary>
    public string? BearerToken { get; set; }

    /// <summary>
    /// Decides an https master's certificate when set (a master with a self-signed certificate or a private CA);
    /// null: the machine's trust. A certificate it refuses ends the agent's start, as refused credentials do.
    /// </summary>
    public RemoteCertificateValidationCallback? RemoteCertificateValidationCallback { get; set; }

    /// <summary>The agent itself: name, resources, attributes, executors, work directory.</summary>
    public AgentOptions Agent { get; } = new();

    /// <summary>The first wait before connecting again after a failure; it doubles up to <see cref="MaxReconnectDelay"/>.</summary>
    public TimeSpan MinReconnectDelay { get; set; } = TimeSpan.FromMilliseconds(250);

    public TimeSpan MaxReconnectDelay { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>How long one attempt to connect may take.</summary>
    public TimeSpan ConnectTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>How often the link is pinged while idle, so that a dead peer is noticed without waiting on TCP.</summary>
    public TimeSpan KeepAliveInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>How long a ping may go unanswered before the link counts as broken.</summary>
    public TimeSpan KeepAliveTimeout { get; set; } = TimeSpan.FromSeconds(10);
}
