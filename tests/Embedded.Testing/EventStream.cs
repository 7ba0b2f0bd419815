using System.Collections.Immutable;
using System.Threading.Channels;
using Embedded.Orchestration.Hosting;
using Embedded.Orchestration.Model;
using Embedded.Orchestration.Scheduling;
using Microsoft.Extensions.Time.Testing;

namespace Embedded.Testing;

/// <summary>
/// Reads a <see cref="SchedulerSession"/>'s events so that a test reads as sentences:
/// <c>await events.Next&lt;OffersEvent&gt;()</c>, <c>await events.NextUpdate("task-1", TaskState.Running)</c>.
/// Every wait has a hang guard in real time; a wait that gives up says what it saw instead.
/// Events a wait passes over stay queued for later waits and <see cref="Drain"/>.
/// Heartbeats are skipped. With <see cref="AutoAcknowledge"/> (the default) every status update
/// read is acknowledged at once, and the agent's re-sends of updates already acknowledged are
/// acknowledged again and skipped, so tests that do not care about acknowledgements never stall an
/// update stream.
/// </summary>
public sealed class EventStream
{
    public static readonly TimeSpan DefaultGuard = TimeSpan.FromSeconds(30);

    private readonly SchedulerSession _session;
    private readonly ChannelReader<SchedulerEvent> _reader;
    private readonly TimeSpan _guard;
    private readonly HashSet<Guid> _acknowledged = [];
    private readonly List<SchedulerEvent> _seen = [];
    private readonly List<SchedulerEvent> _pending = [];

    public EventStream(SchedulerSession session, bool autoAcknowledge = true, TimeSpan? guard = null)
    {
        _session = session;
        _reader = session.EventReader;
        _guard = guard ?? DefaultGuard;
        AutoAcknowledge = autoAcknowledge;
    }

    public SchedulerSession Session => _session;

    /// <summary>Acknowledge each status update as it is read.</summary>
    public bool AutoAcknowledge { get; set; }

    /// <summary>Every event read so far, heartbeats included, for failure messages.</summary>
    public IReadOnlyList<SchedulerEvent> Seen => _seen;

    /// <summary>The next event that is not a heartbeat (nor, when acknowledging, a re-send already acknowledged).</summary>
    public Task<SchedulerEvent> Next() => Next<SchedulerEvent>();

    /// <summary>
    /// The next event of type <typeparamref name="T"/> that matches. Events that do not match stay
    /// queued for later calls, except those <paramref name="supersedes"/> says the awaited event
    /// makes stale (the earlier updates of the same task), which are dropped.
    /// </summary>
    public async Task<T> Next<T>(Func<T, bool>? match = null, string? what = null, Func<SchedulerEvent, bool>? supersedes = null)
        where T : SchedulerEvent
    {
        bool Matches(SchedulerEvent e) => e is T t && (match is null || match(t));

        for (var i = 0; i < _pending.Count; i++)
        {
            var e = _pending[i];
            if (Matches(e))
            {
                _pending.RemoveAt(i);
                return (T)e;
            }
            if (supersedes?.Invoke(e) == true) _pending.RemoveAt(i--);
        }

        using var guard = new CancellationTokenSource(_guard);
        while (true)
        {
            SchedulerEvent e;
            try
            {
                e = await _reader.ReadAsync(guard.Token);
            }
            catch (OperationCanceledException)
            {
                throw new TimeoutException($"no {what ?? typeof(T).Name} within {_guard}; queued: {Describe(_pending)}; last seen: {Describe(_seen.Where(s => s is not HeartbeatEvent).TakeLast(10).ToList())}");
            }
            catch (ChannelClosedException)
            {
                throw new InvalidOperationException($"the event stream ended before a {what ?? typeof(T).Name}; queued: {Describe(_pending)}");
            }
            if (!await Take(e)) continue;
            if (Matches(e)) return (T)e;
            if (supersedes?.Invoke(e) != true) _pending.Add(e);
        }
    }

    /// <summary>The next status update of <paramref name="taskId"/>, in any state.</summary>
    public async Task<StatusUpdate> NextUpdate(string taskId) =>
        (await Next<UpdateEvent>(u => u.Status.TaskId == taskId, $"update of {taskId}")).Status;

    /// <summary>The next status update of <paramref name="taskId"/> in <paramref name="state"/>; the task's updates before it are dropped.</summary>
    public async Task<StatusUpdate> NextUpdate(string taskId, TaskState state) =>
        (await Next<UpdateEvent>(u => u.Status.TaskId == taskId && u.Status.State == state, $"{state} update of {taskId}",
            e => e is UpdateEvent u && u.Status.TaskId == taskId)).Status;

    /// <summary>The updates of <paramref name="taskId"/>, in order, up to and including its first terminal one.</summary>
    public async Task<IReadOnlyList<StatusUpdate>> UpdatesUntilTerminal(string taskId)
    {
        var updates = new List<StatusUpdate>();
        while (true)
        {
            var update = await NextUpdate(taskId);
            updates.Add(update);
            if (update.IsTerminal) return updates;
        }
    }

    /// <summary>The first offer of the next offers event (for one-agent clusters).</summary>
    public async Task<Offer> NextOffer(Func<Offer, bool>? match = null) =>
        (await Next<OffersEvent>(o => o.Offers.Any(match ?? (_ => true)), "offer")).Offers.First(match ?? (_ => true));

    /// <summary>Offers, from as many offers events as it takes, until there is one for each of <paramref name="agentIds"/>.</summary>
    public async Task<IReadOnlyDictionary<string, Offer>> NextOffers(params string[] agentIds)
    {
        var offers = new Dictionary<string, Offer>(StringComparer.Ordinal);
        while (!agentIds.All(offers.ContainsKey))
        {
            var e = await Next<OffersEvent>(what: $"offers for {string.Join(", ", agentIds.Where(a => !offers.ContainsKey(a)))}");
            foreach (var offer in e.Offers) offers[offer.AgentId] = offer;
        }
        return offers;
    }

    /// <summary>
    /// The events already delivered and not yet taken, without waiting. Call <see cref="ClusterTestExtensions.SettleAsync"/>
    /// first so that everything the cluster was going to send has been sent.
    /// </summary>
    public async Task<IReadOnlyList<SchedulerEvent>> Drain()
    {
        var events = new List<SchedulerEvent>(_pending);
        _pending.Clear();
        while (_reader.TryRead(out var e))
            if (await Take(e)) events.Add(e);
        return events;
    }

    /// <summary>True once the master has closed the stream (teardown, failover to another session, shutdown).</summary>
    public async Task<bool> EndsWithin()
    {
        using var guard = new CancellationTokenSource(_guard);
        try
        {
            while (await _reader.WaitToReadAsync(guard.Token))
                while (_reader.TryRead(out var e)) await Take(e);
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
        catch (Exception)
        {
            return true; // Completed with an error: ended all the same.
        }
    }

    /// <summary>Records the event, acknowledges it when asked to; false for events tests never want.</summary>
    private async Task<bool> Take(SchedulerEvent e)
    {
        _seen.Add(e);
        if (e is HeartbeatEvent) return false;
        if (AutoAcknowledge && e is UpdateEvent { Status: { Uuid: { } uuid } status })
        {
            var first = _acknowledged.Add(uuid);
            // A re-send means the agent never heard the first acknowledgement (lost with a dying agent or a
            // cut link), and it holds every later update of the task behind it: say it again.
            await _session.AcknowledgeAsync(status);
            if (!first) return false;
        }
        return true;
    }

    private static string Describe(List<SchedulerEvent> events) =>
        events.Count == 0 ? "nothing" : string.Join("; ", events.Select(Describe));

    public static string Describe(SchedulerEvent e) => e switch
    {
        UpdateEvent u => $"update {u.Status}",
        OffersEvent o => $"offers [{string.Join(", ", o.Offers.Select(x => $"{x.OfferId}@{x.AgentId}"))}]",
        RescindEvent r => $"rescind {r.OfferId}",
        _ => e.ToString(),
    };
}
