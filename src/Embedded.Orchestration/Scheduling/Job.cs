using System.Collections.Immutable;
using Embedded.Orchestration.Execution;
using Embedded.Orchestration.Model;

namespace Embedded.Orchestration.Scheduling;

/// <summary>
/// A unit of work for the built-in job scheduler: a command or an in-process delegate, the
/// resources it needs, where it may run, how long it may take and how often to retry it.
/// </summary>
public sealed record Job
{
    public static readonly Resources DefaultResources = Resources.Of(cpus: 0.1, mem: 32);

    /// <summary>Unique among the scheduler's jobs; generated when null.</summary>
    public string? Id { get; init; }
    public string Name { get; init; } = "job";
    public CommandSpec? Command { get; init; }

    /// <summary>A container to run; port mappings with host port 0 get one from the offer.</summary>
    public ContainerSpec? Container { get; init; }

    /// <summary>The name of a delegate registered with <see cref="DelegateRegistry"/>.</summary>
    public string? Delegate { get; init; }

    /// <summary>A body to run in-process; registered under the job's id while the job lives.</summary>
    public TaskDelegate? Body { get; init; }

    public Resources Resources { get; init; } = DefaultResources;

    /// <summary>How many host ports to take from the offered <c>ports</c>, besides those of container port mappings; all reach the task as PORT0, PORT1, …</summary>
    public int Ports { get; init; }

    public ImmutableDictionary<string, string> Environment { get; init; } = ImmutableDictionary<string, string>.Empty;
    public ImmutableDictionary<string, string> Labels { get; init; } = ImmutableDictionary<string, string>.Empty;
    public ImmutableArray<Constraint> Constraints { get; init; } = [];

    /// <summary>Each attempt is killed and ends FAILED (MaxCompletionTimeReached) after this long.</summary>
    public TimeSpan? Timeout { get; init; }

    /// <summary>How many times to run the job again after it failed or was lost; never after a kill or invalid input.</summary>
    public int Retries { get; init; }

    public TimeSpan? KillGracePeriod { get; init; }

    /// <summary>
    /// How long the job may wait to be placed. Null (the default): a job that no registered agent
    /// could ever run (no executor for it, another os, a constraint no agent meets, or too small)
    /// fails at once with <see cref="TaskReason.PlacementFailed"/>, and a job that only waits for
    /// free resources waits as long as it takes. A value: the job waits that long for anything,
    /// including for an agent that can run it to join, then fails naming why it was not placed.
    /// <see cref="System.Threading.Timeout.InfiniteTimeSpan"/> waits for ever.
    /// </summary>
    public TimeSpan? PlacementTimeout { get; init; }

    /// <summary>A job that runs <paramref name="command"/> with <c>/bin/sh -c</c>.</summary>
    public static Job Shell(string command, string? resources = null) =>
        new() { Command = new CommandSpec(command), Resources = resources is null ? DefaultResources : Resources.Parse(resources), Name = FirstWord(command) };

    /// <summary>A job that runs a container of <paramref name="image"/>, with <paramref name="command"/> as its arguments when given.</summary>
    public static Job Docker(string image, string[]? command = null, string? resources = null) =>
        new()
        {
            Container = new ContainerSpec(image) { Command = command is null ? null : [.. command] },
            Resources = resources is null ? DefaultResources : Resources.Parse(resources),
            Name = ImageName(image),
        };

    /// <summary>A job that runs <paramref name="body"/> in this process; it returns the exit code.</summary>
    public static Job Run(TaskDelegate body, string? resources = null) =>
        new() { Body = body, Resources = resources is null ? DefaultResources : Resources.Parse(resources), Name = "delegate" };

    internal TaskTemplate Template => new(Name, Command, Container, Resources, Ports, Environment, Labels, Timeout, KillGracePeriod);

    public Job WithEnvironment(string name, string value) => this with { Environment = Environment.SetItem(name, value) };
    public Job WithLabel(string name, string value) => this with { Labels = Labels.SetItem(name, value) };
    public Job WithConstraint(Constraint constraint) => this with { Constraints = Constraints.Add(constraint) };

    private static string ImageName(string image)
    {
        var name = image.Split('/')[^1].Split(':', '@')[0];
        return name.Length is > 0 and <= 64 ? name : "container";
    }

    private static string FirstWord(string command)
    {
        var word = command.TrimStart().Split(' ', 2)[0];
        return word.Length is > 0 and <= 64 ? word : "job";
    }
}
