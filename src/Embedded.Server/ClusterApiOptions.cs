namespace Embedded.Server;

/// <summary>Limits of the cluster's HTTP API.</summary>
public sealed class ClusterApiOptions
{
    /// <summary>Largest request body taken; a larger one gets 413 (Mesos has no limit; a hostile client should not choose ours).</summary>
    public int MaxRequestBodyBytes { get; set; } = 4 * 1024 * 1024;

    /// <summary>Events held for one subscriber that does not read; when full it is disconnected, so the master never grows.</summary>
    public int SubscriberBufferEvents { get; set; } = 1024;

    /// <summary>Most offer ids (or tasks, operations) one call may name.</summary>
    public int MaxItemsPerCall { get; set; } = 1000;
}
