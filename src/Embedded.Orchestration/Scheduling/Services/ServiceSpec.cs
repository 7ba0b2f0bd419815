using System.Collections.Immutable;
using System.Text.Json.Serialization;
using Embedded.Orchestration.Execution;
using Embedded.Orchestration.Model;

namespace Embedded.Orchestration.Scheduling.Services;

/// <summary>
/// A service for the built-in service scheduler: a task that runs until told to stop (a command, a
/// container or an in-process delegate, with resources and ports), how many instances of it to keep
/// healthy, where they may run, how to check them, restart them and update them, and what must be
/// healthy before it starts.
/// </summary>
public sealed record ServiceSpec
{
    /// <summary>Unique among services: letters, digits, '.', '_' or '-'; its instances' task ids start with it.</summary>
    public string Name { get; init; } = "service";

    public CommandSpec? Command { get; init; }

    /// <summary>A container to run; port mappings with host port 0 get one from the offer, and their names name the endpoints.</summary>
    public ContainerSpec? Container { get; init; }

    /// <summary>The name of a delegate registered with <see cref="DelegateRegistry"/>.</summary>
    public string? Delegate { get; init; }

    /// <summary>A body to run in-process, registered while the service lives. Not kept in the work directory: a service with a body is not brought back by a restarted host.</summary>
    [JsonIgnore]
    public TaskDelegate? Body { get; init; }

    public Resources Resources { get; init; } = Job.DefaultResources;

    /// <summary>How many host ports each instance takes from the offer, besides those of container port mappings; all reach it as PORT0, PORT1, ….</summary>
    public int Ports { get; init; }

    /// <summary>Names of the <see cref="Ports"/> in order, for <see cref="ServiceEndpoint.Port"/>; an unnamed port is called PORT0, PORT1, ….</summary>
    public ImmutableArray<string> PortNames { get; init; } = [];

    public ImmutableDictionary<string, string> Environment { get; init; } = ImmutableDictionary<string, string>.Empty;
    public ImmutableDictionary<string, string> Labels { get; init; } = ImmutableDictionary<string, string>.Empty;

    /// <summary>How many instances to keep healthy.</summary>
    public int Instances { get; init; } = 1;

    /// <summary>Where instances may run: <see cref="Constraint.Equal"/>, <see cref="Constraint.NotEqual"/>, <see cref="Constraint.OnePerAgent"/>, <see cref="Constraint.Spread"/>.</summary>
    public ImmutableArray<Constraint> Constraints { get; init; } = [];

    /// <summary>Liveness, run by the agent: an instance that fails it is killed and replaced. Null: RUNNING is healthy.</summary>
    public HealthCheck? HealthCheck { get; init; }

    /// <summary>Readiness, run by the agent: an instance counts as healthy (and is an endpoint) only once ready.</summary>
    public HealthCheck? ReadinessCheck { get; init; }

    public RestartPolicy Restart { get; init; } = new();
    public UpdateStrategy Update { get; init; } = new();

    /// <summary>Services that must be healthy before this one starts (Aspire's WaitFor), when deployed with the host.</summary>
    public ImmutableArray<string> DependsOn { get; init; } = [];

    public TimeSpan? KillGracePeriod { get; init; }

    /// <summary>A service that runs <paramref name="command"/> with <c>/bin/sh -c</c>.</summary>
    public static ServiceSpec Shell(string name, string command, string? resources = null) =>
        new() { Name = name, Command = new CommandSpec(command), Resources = resources is null ? Job.DefaultResources : Resources.Parse(resources) };

    /// <summary>A service that runs a container of <paramref name="image"/>, with <paramref name="command"/> as its arguments when given.</summary>
    public static ServiceSpec Docker(string name, string image, string[]? command = null, string? resources = null) =>
        new()
        {
            Name = name,
            Container = new ContainerSpec(image) { Command = command is null ? null : [.. command] },
            Resources = resources is null ? Job.DefaultResources : Resources.Parse(resources),
        };

    /// <summary>A service that runs <paramref name="body"/> in this process; it should run until its token is cancelled.</summary>
    public static ServiceSpec Run(string name, TaskDelegate body, string? resources = null) =>
        new() { Name = name, Body = body, Resources = resources is null ? Job.DefaultResources : Resources.Parse(resources) };

    public ServiceSpec WithEnvironment(string name, string value) => this with { Environment = Environment.SetItem(name, value) };
    public ServiceSpec WithLabel(string name, string value) => this with { Labels = Labels.SetItem(name, value) };
    public ServiceSpec WithConstraint(Constraint constraint) => this with { Constraints = Constraints.Add(constraint) };

    /// <summary>This service starts only once <paramref name="service"/> is healthy.</summary>
    public ServiceSpec WaitFor(string service) => this with { DependsOn = DependsOn.Add(service) };

    /// <summary>The name of host port <paramref name="index"/> (PORT0, PORT1, … order).</summary>
    internal string PortName(int index)
    {
        var dynamic = Container?.PortMappings.Where(m => m.HostPort == 0).ToList() ?? [];
        if (index < dynamic.Count) return dynamic[index].Name ?? $"PORT{index}";
        var own = index - dynamic.Count;
        return own < PortNames.Length && !string.IsNullOrEmpty(PortNames[own]) ? PortNames[own] : $"PORT{index}";
    }
}
