using System.Collections.Immutable;

namespace Embedded.Orchestration.Model;

/// <summary>
/// A task that runs as a container (Docker, Linux or Windows). The agent's container executor
/// turns this into a create request; cpus and mem of the task become hard limits.
/// </summary>
public sealed record ContainerSpec(string Image)
{
    /// <summary>Replaces the image's ENTRYPOINT when set.</summary>
    public ImmutableArray<string>? Entrypoint { get; init; }

    /// <summary>Replaces the image's CMD (the arguments to the entrypoint) when set.</summary>
    public ImmutableArray<string>? Command { get; init; }

    public ImmutableDictionary<string, string> Environment { get; init; } = ImmutableDictionary<string, string>.Empty;
    public string? WorkingDirectory { get; init; }
    public string? User { get; init; }

    /// <summary>Labels on the container, besides the ones the agent adds to find its own.</summary>
    public ImmutableDictionary<string, string> Labels { get; init; } = ImmutableDictionary<string, string>.Empty;

    /// <summary>Container ports published on host ports; host ports must be among the task's <c>ports</c> resources.</summary>
    public ImmutableArray<PortMapping> PortMappings { get; init; } = [];

    /// <summary>bridge (the default on Linux), host, none, or a named network; null for the engine's default.</summary>
    public string? Network { get; init; }

    public ImmutableArray<VolumeMount> Volumes { get; init; } = [];
    public PullPolicy Pull { get; init; } = PullPolicy.IfNotPresent;
    public RegistryCredentials? Credentials { get; init; }

    /// <summary>The OS the image needs ("linux" or "windows"); schedulers place the task only on agents with that <c>os</c>.</summary>
    public string? Os { get; init; }

    /// <summary>Windows only: process or Hyper-V isolation; Default lets the engine choose.</summary>
    public ContainerIsolation Isolation { get; init; } = ContainerIsolation.Default;
}

/// <summary>Publishes <see cref="ContainerPort"/> on <see cref="HostPort"/> (0: let the job scheduler take one from the offer).</summary>
public sealed record PortMapping(int ContainerPort, int HostPort = 0, string Protocol = "tcp")
{
    /// <summary>A name a health check (<see cref="HealthCheck.PortName"/>) or a service's endpoints can refer to.</summary>
    public string? Name { get; init; }
}

/// <summary>A named volume or, with a rooted <see cref="Source"/>, a host path the agent allows.</summary>
public sealed record VolumeMount(string Source, string Target, bool ReadOnly = false)
{
    public bool IsHostPath => Source.StartsWith('/') || (Source.Length > 2 && Source[1] == ':') || Source.StartsWith(@"\\", StringComparison.Ordinal);
}

public enum PullPolicy { IfNotPresent, Always, Never }

public enum ContainerIsolation { Default, Process, HyperV }

/// <summary>Credentials for a private registry; <see cref="ServerAddress"/> defaults to the image's registry.</summary>
public sealed record RegistryCredentials(string Username, string Password)
{
    public string? ServerAddress { get; init; }

    public override string ToString() => $"RegistryCredentials {{ Username = {Username}, Password = *** }}";
}
