using System.Collections.Immutable;
using Embedded.Orchestration.Model;

namespace Embedded.Orchestration.Scheduling;

/// <summary>
/// What a job and a service instance have in common: the task to launch, before an offer gives it
/// an agent, host ports and an id. Fitting it to an offer is the one place both schedulers turn it into a
/// <see cref="TaskInfo"/> on an offer.
/// </summary>
internal sealed record TaskTemplate(
    string Name,
    CommandSpec? Command,
    ContainerSpec? Container,
    Resources Resources,
    int Ports,
    ImmutableDictionary<string, string> Environment,
    ImmutableDictionary<string, string> Labels,
    TimeSpan? Timeout,
    TimeSpan? KillGracePeriod)
{
    /// <summary>Host ports the task takes from the offer: its own, then one per container port mapping with host port 0.</summary>
    public int PortCount => Ports + (Container?.PortMappings.Count(m => m.HostPort == 0) ?? 0);

    /// <summary>
    /// The task on <paramref name="offer"/>, taking its resources and host ports out of <paramref name="remaining"/>,
    /// or null when they do not fit. Host ports reach the task as PORT0, PORT1, …; container port
    /// mappings with host port 0 get the first of them.
    /// </summary>
    public TaskInfo? Fit(Offer offer, ref Resources remaining, string taskId, string? delegateName) => Fit(offer, ref remaining, taskId, delegateName, out _);

    /// <inheritdoc cref="Fit(Offer, ref Resources, string, string?)"/>
    public TaskInfo? Fit(Offer offer, ref Resources remaining, string taskId, string? delegateName, out ImmutableArray<int> hostPorts)
    {
        hostPorts = [];
        var container = Container;
        var need = Resources;
        var environment = Environment;
        var portCount = PortCount;
        if (portCount > 0)
        {
            var ports = PickPorts(remaining.Ports, portCount);
            if (ports is null) return null;
            hostPorts = [.. ports.Select(p => (int)p)];
            need = need.Add(Resources.Empty.WithRanges(Resources.PortsName, RangeSet.Of(ports.Select(p => new ValueRange(p, p)))));
            for (var i = 0; i < ports.Count; i++) environment = environment.SetItem($"PORT{i}", ports[i].ToString());
            if (container is not null)
            {
                var next = 0;
                container = container with
                {
                    PortMappings = [.. container.PortMappings.Select(m => m.HostPort == 0 ? m with { HostPort = (int)ports[next++] } : m)],
                };
            }
        }
        if (!remaining.Contains(need)) return null;
        remaining = remaining.Subtract(need);
        return new TaskInfo(taskId, Name, offer.AgentId, need)
        {
            Command = Command is { } c ? c with { Environment = c.Environment.SetItems(environment) } : null,
            Container = container is null ? null : container with { Environment = container.Environment.SetItems(environment) },
            Delegate = delegateName,
            Labels = Labels,
            MaxCompletionTime = Timeout,
            KillGracePeriod = KillGracePeriod,
        };
    }

    private static List<ulong>? PickPorts(RangeSet offered, int count)
    {
        var ports = new List<ulong>(count);
        foreach (var range in offered.Ranges)
            for (var p = range.Begin; p <= range.End && ports.Count < count; p++)
            {
                ports.Add(p);
                if (p == ulong.MaxValue) break;
            }
        return ports.Count == count ? ports : null;
    }
}
