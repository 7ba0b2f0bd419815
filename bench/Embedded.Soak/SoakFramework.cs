using System.Collections.Concurrent;
using Embedded.Orchestration.Model;
using Embedded.Orchestration.Scheduling;

namespace Embedded.Soak;

/// <summary>
/// A framework that keeps launching short tasks on every offer and remembers what it was told about
/// each: launched, last state, whether a terminal update arrived. It fails over (subscribes again
/// with its id) when the master's stream ends, and reconciles what it has not heard the end of every
/// half second, as Mesos asks of frameworks: updates the master makes up are sent once, not retried.
/// </summary>
internal sealed class SoakFramework(IClusterClient cluster, string marker)
{
    private readonly ConcurrentDictionary<string, StatusUpdate?> _tasks = new();
    private long _sequence;
    private volatile bool _launching = true;

    public int Launched => _tasks.Count;
    public IReadOnlyDictionary<string, StatusUpdate?> Tasks => _tasks;
    public int Unfinished => _tasks.Values.Count(s => !IsFinal(s));

    /// <summary>Ended, or unknown to a master that has heard from every agent: either way the framework knows.</summary>
    public static bool IsFinal(StatusUpdate? status) => status is { IsTerminal: true } or { State: TaskState.Unknown };
    public string? FrameworkId { get; private set; }

    public void StopLaunching() => _launching = false;

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        var info = new FrameworkInfo("soak") { Checkpoint = true, FailoverTimeout = TimeSpan.FromHours(1) };
        while (!cancellationToken.IsCancellationRequested)
        {
            SchedulerSession session;
            try
            {
                session = await cluster.SubscribeAsync(info with { FrameworkId = FrameworkId }, cancellationToken);
            }
            catch (InvalidOperationException)
            {
                await Task.Delay(10, cancellationToken); // the master is being replaced
                continue;
            }
            FrameworkId = session.FrameworkId;
            await using (session)
            {
                using var reconciling = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                var reconciler = ReconcileAsync(session, reconciling.Token);
                await foreach (var e in session.ReadEventsAsync(cancellationToken)) await HandleAsync(session, e, cancellationToken);
                await reconciling.CancelAsync();
                try { await reconciler; } catch (OperationCanceledException) { }
            }
        }
    }

    private async Task ReconcileAsync(SchedulerSession session, CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            await Task.Delay(500, cancellationToken);
            var open = _tasks.Where(t => !IsFinal(t.Value)).Select(t => t.Key).ToList();
            try
            {
                if (open.Count > 0) await session.ReconcileAsync(open, cancellationToken);
            }
            catch (Exception e) when (e is InvalidOperationException or ObjectDisposedException)
            {
                return; // this session is over; the next one reconciles
            }
        }
    }

    private async Task HandleAsync(SchedulerSession session, SchedulerEvent e, CancellationToken cancellationToken)
    {
        try
        {
            switch (e)
            {
                case OffersEvent offers:
                    foreach (var offer in offers.Offers)
                    {
                        var tasks = new List<TaskInfo>();
                        var left = offer.Resources;
                        var size = Resources.Parse("cpus:0.1;mem:16");
                        while (_launching && left.Contains(size) && tasks.Count < 8)
                        {
                            var id = $"soak-{Interlocked.Increment(ref _sequence)}";
                            tasks.Add(Random.Shared.Next(4) == 0
                                ? new TaskInfo(id, id, offer.AgentId, size) { Command = new CommandSpec($"sleep 0.{Random.Shared.Next(1, 3)}; : {marker}") }
                                : new TaskInfo(id, id, offer.AgentId, size) { Delegate = "nap" });
                            _tasks[id] = null;
                            left -= size;
                        }
                        if (tasks.Count > 0) await session.LaunchAsync(offer, tasks, new Filters(0), cancellationToken);
                        else await session.DeclineAsync([offer.OfferId], new Filters(1), cancellationToken);
                    }
                    break;
                case UpdateEvent { Status: var status }:
                    if (_tasks.ContainsKey(status.TaskId) && !IsFinal(_tasks[status.TaskId]))
                        _tasks[status.TaskId] = status;
                    await session.AcknowledgeAsync(status, cancellationToken);
                    break;
            }
        }
        catch (InvalidOperationException)
        {
            // The master went away mid-call; the stream ends and we subscribe again.
        }
    }
}
