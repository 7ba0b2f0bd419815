using System.Collections.Immutable;
using Embedded.Orchestration.Model;

namespace Embedded.Orchestration.Scheduling.Services;

/// <summary>One instance of a service: its task, where it runs, its state and health, and its host ports by name.</summary>
public sealed record ServiceInstance(
    string InstanceId,
    int Version,
    string AgentId,
    string Host,
    TaskState State,
    bool Healthy,
    ImmutableArray<ServicePort> Ports);

/// <summary>A host port of an instance, by the name the spec gives it (PORT0, PORT1, … when it gives none).</summary>
public sealed record ServicePort(string Name, int HostPort);

/// <summary>Where a healthy instance can be reached: its agent's host and its host ports by name.</summary>
public sealed record ServiceEndpoint(string InstanceId, string AgentId, string Host, ImmutableArray<ServicePort> Ports)
{
    /// <summary>The host port named <paramref name="name"/>, or the first one when null; throws <see cref="ArgumentException"/> when there is none.</summary>
    public int Port(string? name = null)
    {
        foreach (var port in Ports)
            if (name is null || port.Name == name) return port.HostPort;
        throw new ArgumentException(name is null ? $"instance {InstanceId} has no ports" : $"instance {InstanceId} has no port named '{name}' (it has {string.Join(", ", Ports.Select(p => p.Name))})", nameof(name));
    }

    public override string ToString() => $"{Host}:{string.Join(",", Ports.Select(p => $"{p.Name}={p.HostPort}"))}";
}

/// <summary>A status of one of a service's instances, as <see cref="ServiceHandle.WatchAsync"/> tells it.</summary>
public sealed record ServiceEvent(string Service, string InstanceId, int Version, bool Healthy, StatusUpdate Status)
{
    public override string ToString() => $"{Service} v{Version} {Status}{(Healthy ? " (healthy)" : "")}";
}

/// <summary>How an <see cref="ServiceHandle.UpdateAsync"/> ended.</summary>
public enum ServiceUpdateOutcome
{
    /// <summary>Every instance runs the new spec and has been healthy for the strategy's minimum time.</summary>
    Completed,

    /// <summary>No progress within the healthy deadline; the service goes on rolling to the new spec.</summary>
    Failed,

    /// <summary>No progress within the healthy deadline, and the service rolled back to the last spec that was healthy.</summary>
    Reverted,

    /// <summary>Another update came before this one ended.</summary>
    Superseded,

    /// <summary>The service was stopped before the update ended.</summary>
    Stopped,
}

public sealed record ServiceUpdateResult(ServiceUpdateOutcome Outcome, int Version, string Message);

/// <summary>A service in <see cref="ClusterState.Services"/>: its version, the count it keeps, whether it is healthy, and its instances.</summary>
public sealed record ServiceSnapshot(string Name, int Version, int Instances, bool Healthy, ImmutableArray<ServiceInstance> Launched);
