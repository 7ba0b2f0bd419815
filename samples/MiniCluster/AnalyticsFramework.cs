using System.Collections.Concurrent;
using Embedded.Orchestration.Model;
using Embedded.Orchestration.Scheduling;

namespace Embedded.Samples.MiniCluster;

/// <summary>
/// A framework written against the low-level, Mesos-style API: it takes offers, launches its
/// tasks where they fit, acknowledges every update and declines what it does not need.
/// </summary>
internal sealed class AnalyticsFramework(IClusterClient cluster)
{
    public async Task<IReadOnlyList<StatusUpdate>> RunAsync(IReadOnlyList<(string Id, string Command, Resources Resources)> work, CancellationToken cancellationToken)
    {
        await using var session = await cluster.SubscribeAsync(new FrameworkInfo("analytics", Role: "analytics"), cancellationToken);
        var waiting = new Queue<(string Id, string Command, Resources Resources)>(work);
        var final = new ConcurrentDictionary<string, StatusUpdate>();
        await foreach (var e in session.ReadEventsAsync(cancellationToken))
        {
            switch (e)
            {
                case OffersEvent offers:
                    foreach (var offer in offers.Offers)
                    {
                        var left = offer.Resources;
                        var tasks = new List<TaskInfo>();
                        while (waiting.TryPeek(out var next) && left.Contains(next.Resources))
                        {
                            waiting.Dequeue();
                            left -= next.Resources;
                            tasks.Add(new TaskInfo(next.Id, next.Id, offer.AgentId, next.Resources) { Command = new CommandSpec(next.Command) });
                        }
                        if (tasks.Count > 0) await session.LaunchAsync(offer, tasks, cancellationToken: cancellationToken);
                        else await session.DeclineAsync([offer.OfferId], cancellationToken: cancellationToken);
                    }
                    if (waiting.Count == 0) await session.SuppressAsync(cancellationToken);
                    break;
                case UpdateEvent { Status: var status }:
                    await session.AcknowledgeAsync(status, cancellationToken);
                    if (status.IsTerminal) final[status.TaskId] = status;
                    if (final.Count == work.Count)
                    {
                        await session.TeardownAsync(cancellationToken);
                        return [.. work.Select(w => final[w.Id])];
                    }
                    break;
            }
        }
        throw new InvalidOperationException("the master closed the analytics framework's event stream early");
    }
}
